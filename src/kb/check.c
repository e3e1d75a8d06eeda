/* check.c - the knowledge base's static semantics (SQLite's resolve.c step): every id
 * resolved, every expression typed, every quantity's unit checked, every definition, score
 * and strategy tied to a source. Errors are diagnostics with file:line:col; checking goes
 * on after one, so `refract kb check` lists them all. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../expr/builtins.h"
#include "../util/limits.h"
#include "kb.h"

#define MAX_SCOPE 128

typedef struct scope_var {
    const char *name;
    int slot;
    rf_type type;
} scope_var;

typedef struct checker {
    rf_kb *kb;
    int cond; /* the entity's condition, for flag(x): flag ids repeat across conditions */
    scope_var vars[MAX_SCOPE];
    int nvars;
    int nslots;
    int depth;
} checker;

static const rf_type T_ERR = {RF_TY_ERROR, 0, 0, 0};
static const rf_type T_BOOL = {RF_TY_BOOL, 0, 0, 0};
static const rf_type T_NUM = {RF_TY_NUM, RF_DIM_NONE, 0, 0};
static const rf_type T_DATE = {RF_TY_DATE, 0, 0, 0};
static const rf_type T_STR = {RF_TY_STR, 0, 0, 0};

static rf_type check(checker *ck, rf_node *n);

static const char *type_name(rf_type t)
{
    switch ((rf_tkind)t.kind) {
    case RF_TY_ERROR: return "error";
    case RF_TY_BOOL: return "a truth value";
    case RF_TY_NUM: return t.dim == RF_DIM_NONE ? "a number" : rf_dim_name((rf_dim)t.dim);
    case RF_TY_DATE: return "a date";
    case RF_TY_STR: return "text";
    case RF_TY_SYM: return "an id";
    case RF_TY_REC: return rf_rec_name((rf_rec_kind)t.rec);
    case RF_TY_LIST: return "a list";
    case RF_TY_IDLIST: return "a list of ids";
    }
    return "?";
}

static rf_type err_at(checker *ck, rf_node *n, const char *fmt, ...) RF_PRINTF(3, 4);
static rf_type err_at(checker *ck, rf_node *n, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    rf_kb_diag(ck->kb, n->pos, "%s", msg);
    return T_ERR;
}

static int add_var(checker *ck, const char *name, rf_type type, rf_pos pos)
{
    if (ck->nvars == MAX_SCOPE) {
        rf_kb_diag(ck->kb, pos, "too many names in scope");
        return 0;
    }
    int slot = ck->nslots++;
    ck->vars[ck->nvars++] = (scope_var){name, slot, type};
    return slot;
}

static rf_type set(rf_node *n, rf_type t)
{
    n->type = t;
    return t;
}

static bool is_bool(rf_type t)
{
    return t.kind == RF_TY_BOOL || t.kind == RF_TY_ERROR;
}

static bool is_err(rf_type t)
{
    return t.kind == RF_TY_ERROR;
}

/* ---- global lets ----------------------------------------------------------------------- */

static void check_let(rf_kb *kb, rf_kb_let *l)
{
    if (l->state == 2)
        return;
    if (l->state == 1) {
        rf_kb_diag(kb, l->e.pos, "let '%s' uses itself (directly or through other lets)", l->e.id);
        l->type = T_ERR;
        return;
    }
    if (kb->let_depth >= RF_LIMIT_REF_DEPTH) {
        rf_kb_diag(kb, l->e.pos, "let '%s': lets nested deeper than %d", l->e.id, RF_LIMIT_REF_DEPTH);
        l->type = T_ERR;
        l->state = 2;
        return;
    }
    kb->let_depth++;
    l->state = 1;
    checker ck = {0};
    ck.kb = kb;
    ck.cond = -1;
    for (int i = 0; i < l->nparams; i++)
        add_var(&ck, l->params[i], l->param_types[i], l->e.pos);
    l->type = check(&ck, l->expr);
    l->nslots = ck.nslots;
    l->state = 2;
    kb->let_depth--;
}

/* ---- names ------------------------------------------------------------------------------- */

static rf_type resolve_ident(checker *ck, rf_node *n)
{
    for (int i = ck->nvars - 1; i >= 0; i--) {
        if (rf_streq(ck->vars[i].name, n->name)) {
            n->kind = RF_N_SLOT;
            n->slot = ck->vars[i].slot;
            return set(n, ck->vars[i].type);
        }
    }
    int li = rf_kb_find_let(ck->kb, n->name);
    if (li >= 0) {
        rf_kb_let *l = ck->kb->let[li];
        if (l->nparams > 0)
            return err_at(ck, n, "let '%s' takes parameters: call it as %s(...)", n->name, n->name);
        check_let(ck->kb, l);
        n->kind = RF_N_GLET;
        n->slot = li;
        return set(n, l->type);
    }
    int b = rf_builtin_find(n->name);
    if (b >= 0) {
        n->kind = RF_N_BUILTIN;
        n->op = (uint8_t)b;
        return set(n, rf_builtin_type(b));
    }
    int ag = rf_kb_find(ck->kb, RF_SYM_AGENT, n->name);
    if (ag >= 0) {
        n->kind = RF_N_SYM;
        n->sym_index = ag;
        return set(n, (rf_type){RF_TY_SYM, 0, 0, RF_SYM_AGENT});
    }
    return err_at(ck, n, "unknown name '%s'%s", n->name, "");
}

/* An argument that must be the id of one of the given kinds of entry. */
static rf_type sym_arg(checker *ck, rf_node *n, const rf_sym_kind *kinds, int nkinds,
                       const char *what)
{
    if (n->kind != RF_N_IDENT)
        return err_at(ck, n, "expected %s id here%s", what, "");
    if (nkinds == 1 && kinds[0] == RF_SYM_FLAG) {
        int idx = -1;
        for (int i = 0; i < ck->kb->n_flag; i++) {
            if (!rf_streq(ck->kb->flag[i]->e.id, n->name))
                continue;
            if (idx < 0 || ck->kb->flag[i]->condition == ck->cond)
                idx = i;
        }
        if (idx >= 0) {
            n->kind = RF_N_SYM;
            n->sym_index = idx;
            return set(n, (rf_type){RF_TY_SYM, 0, 0, RF_SYM_FLAG});
        }
        return err_at(ck, n, "unknown %s '%s'", what, n->name);
    }
    for (int i = 0; i < nkinds; i++) {
        int idx = rf_kb_find(ck->kb, kinds[i], n->name);
        if (idx >= 0) {
            n->kind = RF_N_SYM;
            n->sym_index = idx;
            return set(n, (rf_type){RF_TY_SYM, 0, 0, (uint8_t)kinds[i]});
        }
    }
    return err_at(ck, n, "unknown %s '%s'", what, n->name);
}

/* An argument that is a free word (a feature, an event kind) or a string: becomes text. */
static rf_type word_arg(checker *ck, rf_node *n)
{
    if (n->kind == RF_N_IDENT) {
        n->kind = RF_N_STR;
        n->str = n->name;
        return set(n, T_STR);
    }
    rf_type t = check(ck, n);
    if (!is_err(t) && t.kind != RF_TY_STR)
        return err_at(ck, n, "expected a word or text, found %s%s", type_name(t), "");
    return t;
}

static rf_type str_arg(checker *ck, rf_node *n)
{
    rf_type t = check(ck, n);
    if (!is_err(t) && t.kind != RF_TY_STR)
        return err_at(ck, n, "expected text in quotes, found %s%s", type_name(t), "");
    return t;
}

static rf_type num_arg(checker *ck, rf_node *n, int dim)
{
    rf_type t = check(ck, n);
    if (is_err(t))
        return t;
    if (t.kind != RF_TY_NUM || (dim >= 0 && t.dim != dim))
        return err_at(ck, n, "unit mismatch: expected %s, found %s",
                      dim >= 0 ? rf_dim_name((rf_dim)dim) : "a number", type_name(t));
    return t;
}

static bool arity(checker *ck, rf_node *n, int want)
{
    if (n->nargs == want)
        return true;
    char buf[64];
    snprintf(buf, sizeof buf, "%d", want);
    err_at(ck, n, "%s() takes %s argument(s)", n->name, buf);
    return false;
}

/* ---- calls ------------------------------------------------------------------------------- */

static rf_type check_let_call(checker *ck, rf_node *n, int li)
{
    rf_kb_let *l = ck->kb->let[li];
    check_let(ck->kb, l);
    if (!arity(ck, n, l->nparams))
        return T_ERR;
    for (int i = 0; i < n->nargs; i++) {
        rf_type t = check(ck, n->args[i]);
        rf_type want = l->param_types[i];
        if (!is_err(t) && (t.kind != want.kind || (t.kind == RF_TY_REC && t.rec != want.rec) ||
                           (t.kind == RF_TY_NUM && t.dim != want.dim)))
            err_at(ck, n->args[i], "argument of %s() should be %s", l->e.id, type_name(want));
    }
    n->op = 255; /* marks a let call */
    n->slot = li;
    return set(n, l->type);
}

static rf_type check_call(checker *ck, rf_node *n)
{
    int li = rf_kb_find_let(ck->kb, n->name);
    if (li >= 0)
        return check_let_call(ck, n, li);
    int f = rf_function_find(n->name);
    if (f < 0)
        return err_at(ck, n, "unknown function '%s'%s", n->name, "");
    n->op = (uint8_t)f;
    static const rf_sym_kind has_kinds[] = {RF_SYM_CODESET, RF_SYM_CONDITION};
    static const rf_sym_kind agent_kinds[] = {RF_SYM_AGENT, RF_SYM_CLASS};
    static const rf_sym_kind k_proc[] = {RF_SYM_PROCEDURE}, k_obs[] = {RF_SYM_OBSERVATION},
                             k_flag[] = {RF_SYM_FLAG}, k_def[] = {RF_SYM_DEFINITION},
                             k_score[] = {RF_SYM_SCORE};
    switch ((rf_function)f) {
    case RF_F_HAS:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], has_kinds, 2, "code set or condition");
        return set(n, T_BOOL);
    case RF_F_HAS_FEATURE:
        if (arity(ck, n, 1))
            word_arg(ck, n->args[0]);
        return set(n, T_BOOL);
    case RF_F_PROCEDURES:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], k_proc, 1, "procedure");
        return set(n, (rf_type){RF_TY_LIST, 0, RF_REC_PROCEDURE, 0});
    case RF_F_OBS: {
        rf_type lt = {RF_TY_LIST, RF_DIM_NONE, RF_REC_OBSERVATION, 0};
        if (arity(ck, n, 1) && !is_err(sym_arg(ck, n->args[0], k_obs, 1, "observation")))
            lt.dim = (uint8_t)ck->kb->observation[n->args[0]->sym_index]->unit.dim;
        return set(n, lt);
    }
    case RF_F_EVENTS:
        if (arity(ck, n, 1))
            word_arg(ck, n->args[0]);
        return set(n, (rf_type){RF_TY_LIST, 0, RF_REC_EVENT, 0});
    case RF_F_PHENOTYPE:
    case RF_F_FINDING:
        if (arity(ck, n, 1))
            str_arg(ck, n->args[0]);
        return set(n, T_STR);
    case RF_F_CARRIER:
        if (arity(ck, n, 2)) {
            str_arg(ck, n->args[0]);
            str_arg(ck, n->args[1]);
        }
        return set(n, T_BOOL);
    case RF_F_ALLERGIC:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], agent_kinds, 2, "agent or class");
        return set(n, T_BOOL);
    case RF_F_DECLINED:
        if (arity(ck, n, 1))
            word_arg(ck, n->args[0]);
        return set(n, T_BOOL);
    case RF_F_FLAG:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], k_flag, 1, "flag");
        return set(n, T_BOOL);
    case RF_F_REFRACTORY:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], k_def, 1, "definition");
        return set(n, T_BOOL);
    case RF_F_STATUS:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], k_def, 1, "definition");
        return set(n, T_STR);
    case RF_F_SCORE:
        if (arity(ck, n, 1))
            sym_arg(ck, n->args[0], k_score, 1, "score");
        return set(n, T_NUM);
    case RF_F_KNOWN:
        if (arity(ck, n, 1))
            check(ck, n->args[0]);
        return set(n, T_BOOL);
    case RF_F_LN:
    case RF_F_SQRT:
    case RF_F_ABS:
    case RF_F_ROUND:
    case RF_F_FLOOR:
        if (arity(ck, n, 1)) {
            rf_type t = num_arg(ck, n->args[0], f == RF_F_ABS || f == RF_F_ROUND || f == RF_F_FLOOR ? -1 : RF_DIM_NONE);
            return set(n, is_err(t) ? T_NUM : t);
        }
        return set(n, T_NUM);
    case RF_F_NUM:
        if (arity(ck, n, 2)) {
            rf_type t = num_arg(ck, n->args[0], -1);
            rf_node *u = n->args[1];
            rf_unit unit;
            if (u->kind != RF_N_STR || !rf_unit_lookup(u->str, strlen(u->str), &unit)) {
                err_at(ck, u, "num() takes a unit in quotes as its second argument, e.g. \"mg/dL\"%s%s", "", "");
            } else {
                u->num = unit.factor;
                u->type = T_STR;
                if (!is_err(t) && t.dim != unit.dim)
                    err_at(ck, n, "unit mismatch: %s cannot be expressed in %s", type_name(t), u->str);
            }
        }
        return set(n, T_NUM);
    case RF_F_DAYS:
        if (arity(ck, n, 1))
            num_arg(ck, n->args[0], RF_DIM_TIME);
        return set(n, T_NUM);
    case RF_F_MONTHS_BETWEEN:
        if (arity(ck, n, 2)) {
            for (int i = 0; i < 2; i++) {
                rf_type t = check(ck, n->args[i]);
                if (!is_err(t) && t.kind != RF_TY_DATE)
                    err_at(ck, n->args[i], "months_between() takes dates, found %s%s", type_name(t), "");
            }
        }
        return set(n, T_NUM);
    case RF_F_MIN2:
    case RF_F_MAX2:
    case RF_F_UNKNOWN_OR:
        if (arity(ck, n, 2)) {
            rf_type a = check(ck, n->args[0]), b = check(ck, n->args[1]);
            if (is_err(a) || is_err(b))
                return set(n, T_ERR);
            if (a.kind != b.kind || (a.kind == RF_TY_NUM && a.dim != b.dim))
                return err_at(ck, n, "%s() needs two values of one type and unit%s", n->name, "");
            if (f != RF_F_UNKNOWN_OR && a.kind != RF_TY_NUM && a.kind != RF_TY_DATE)
                return err_at(ck, n, "%s() compares numbers or dates%s", n->name, "");
            return set(n, a);
        }
        return set(n, T_ERR);
    case RF_F_COUNT1:
        if (arity(ck, n, 1)) {
            rf_type t = check(ck, n->args[0]);
            if (!is_err(t) && t.kind != RF_TY_LIST)
                err_at(ck, n->args[0], "count() takes a list, found %s%s", type_name(t), "");
        }
        return set(n, T_NUM);
    case RF_F_DATE:
        if (arity(ck, n, 1)) {
            rf_node *a = n->args[0];
            rf_date d;
            if (a->kind != RF_N_STR || !rf_date_parse(a->str, strlen(a->str), &d))
                err_at(ck, a, "date() takes a date in quotes, \"YYYY-MM-DD\"%s%s", "", "");
            else
                n->num = d;
        }
        return set(n, T_DATE);
    case RF_F_COUNT_:
        break;
    }
    return set(n, T_ERR);
}

static rf_type check_comprehension(checker *ck, rf_node *n)
{
    int c = rf_comprehension_find(n->name);
    n->op = (uint8_t)c;
    rf_type lt = check(ck, n->a);
    if (is_err(lt))
        return set(n, T_ERR);
    if (lt.kind != RF_TY_LIST)
        return err_at(ck, n->a, "%s() ranges over a list, found %s", n->name, type_name(lt));
    int saved = ck->nvars;
    n->slot = add_var(ck, n->str, (rf_type){RF_TY_REC, lt.dim, lt.rec, 0}, n->pos);
    if (n->b) {
        rf_type w = check(ck, n->b);
        if (!is_bool(w))
            err_at(ck, n->b, "'where' needs a truth value, found %s%s", type_name(w), "");
    }
    rf_type vt = T_ERR;
    if (n->c)
        vt = check(ck, n->c);
    ck->nvars = saved;
    switch ((rf_comprehension)c) {
    case RF_C_COUNT:
        if (n->c)
            err_at(ck, n->c, "count() takes 'where', not ':'%s%s", "", "");
        return set(n, T_NUM);
    case RF_C_COUNT_DISTINCT:
        if (!n->c)
            return err_at(ck, n, "count_distinct() needs ': value' to compare%s%s", "", "");
        return set(n, T_NUM);
    case RF_C_ANY:
    case RF_C_ALL:
        if (n->c && !is_bool(vt))
            err_at(ck, n->c, "%s() needs a truth value after ':'", n->name);
        return set(n, T_BOOL);
    case RF_C_FILTER:
        if (n->c)
            err_at(ck, n->c, "filter() takes 'where', not ':'%s%s", "", "");
        return set(n, lt);
    case RF_C_MIN:
    case RF_C_MAX:
    case RF_C_SUM:
        if (!n->c)
            return err_at(ck, n, "%s() needs ': value'", n->name);
        if (!is_err(vt) && vt.kind != RF_TY_NUM && (c == RF_C_SUM || vt.kind != RF_TY_DATE))
            return err_at(ck, n->c, "%s() needs numbers%s", n->name, c == RF_C_SUM ? "" : " or dates");
        return set(n, vt);
    case RF_C_LATEST:
    case RF_C_EARLIEST:
        if (n->c)
            err_at(ck, n->c, "%s() takes 'where', not ':'", n->name);
        return set(n, (rf_type){RF_TY_REC, lt.dim, lt.rec, 0});
    case RF_C_COUNT_:
        break;
    }
    return set(n, T_ERR);
}

/* ---- operators --------------------------------------------------------------------------- */

static rf_type check_arith(checker *ck, rf_node *n, rf_type a, rf_type b)
{
    rf_binop op = (rf_binop)n->op;
    if (a.kind == RF_TY_DATE || b.kind == RF_TY_DATE) {
        if (op == RF_OP_SUB && a.kind == RF_TY_DATE && b.kind == RF_TY_DATE)
            return set(n, (rf_type){RF_TY_NUM, RF_DIM_TIME, 0, 0});
        if ((op == RF_OP_ADD || op == RF_OP_SUB) && a.kind == RF_TY_DATE && b.kind == RF_TY_NUM &&
            b.dim == RF_DIM_TIME)
            return set(n, T_DATE);
        if (op == RF_OP_ADD && b.kind == RF_TY_DATE && a.kind == RF_TY_NUM && a.dim == RF_DIM_TIME)
            return set(n, T_DATE);
        return err_at(ck, n, "unit mismatch: %s and %s cannot be combined this way", type_name(a),
                      type_name(b));
    }
    if (a.kind != RF_TY_NUM || b.kind != RF_TY_NUM)
        return err_at(ck, n, "arithmetic needs numbers, found %s and %s", type_name(a), type_name(b));
    if (op == RF_OP_ADD || op == RF_OP_SUB) {
        if (a.dim != b.dim)
            return err_at(ck, n, "unit mismatch: cannot add or subtract %s and %s", type_name(a),
                          type_name(b));
        return set(n, a);
    }
    if (op == RF_OP_MUL) {
        if (a.dim != RF_DIM_NONE && b.dim != RF_DIM_NONE)
            return err_at(ck, n, "unit mismatch: cannot multiply %s by %s", type_name(a), type_name(b));
        return set(n, a.dim != RF_DIM_NONE ? a : b);
    }
    if (b.dim == RF_DIM_NONE)
        return set(n, a);
    if (a.dim == b.dim)
        return set(n, T_NUM);
    return err_at(ck, n, "unit mismatch: cannot divide %s by %s", type_name(a), type_name(b));
}

static rf_type check_binary(checker *ck, rf_node *n)
{
    rf_binop op = (rf_binop)n->op;
    rf_type a = check(ck, n->a), b = check(ck, n->b);
    if (is_err(a) || is_err(b))
        return set(n, op == RF_OP_AND || op == RF_OP_OR || op <= RF_OP_GE ? T_BOOL : T_ERR);
    switch (op) {
    case RF_OP_AND:
    case RF_OP_OR:
        if (a.kind != RF_TY_BOOL || b.kind != RF_TY_BOOL)
            err_at(ck, n, "'and'/'or' need truth values, found %s and %s", type_name(a), type_name(b));
        return set(n, T_BOOL);
    case RF_OP_EQ:
    case RF_OP_NE:
    case RF_OP_LT:
    case RF_OP_LE:
    case RF_OP_GT:
    case RF_OP_GE: {
        bool ordered = op != RF_OP_EQ && op != RF_OP_NE;
        if (a.kind != b.kind)
            return err_at(ck, n, "cannot compare %s with %s", type_name(a), type_name(b));
        if (a.kind == RF_TY_NUM && a.dim != b.dim)
            return err_at(ck, n, "unit mismatch: cannot compare %s with %s", type_name(a), type_name(b));
        if (ordered && a.kind != RF_TY_NUM && a.kind != RF_TY_DATE)
            return err_at(ck, n, "only numbers and dates are ordered, not %s%s", type_name(a), "");
        if (!ordered && (a.kind == RF_TY_LIST || a.kind == RF_TY_REC || a.kind == RF_TY_IDLIST))
            return err_at(ck, n, "cannot test %s for equality%s", type_name(a), "");
        return set(n, T_BOOL);
    }
    default:
        return check_arith(ck, n, a, b);
    }
}

static rf_type check_in(checker *ck, rf_node *n)
{
    rf_type a = check(ck, n->a);
    if (is_err(a))
        return set(n, T_BOOL);
    rf_node *r = n->b;
    if (a.kind == RF_TY_SYM) {
        static const rf_sym_kind kinds[] = {RF_SYM_CLASS, RF_SYM_AGENT};
        if (r->kind == RF_N_IDENT) {
            sym_arg(ck, r, kinds, 2, "class or agent");
        } else if (r->kind == RF_N_IDLIST) {
            for (int i = 0; i < r->nargs; i++)
                sym_arg(ck, r->args[i], kinds, 2, "class or agent");
            r->type = (rf_type){RF_TY_IDLIST, 0, 0, 0};
        } else {
            err_at(ck, r, "'in' needs a class, an agent or a list of them in parentheses%s%s", "", "");
        }
        return set(n, T_BOOL);
    }
    if (a.kind == RF_TY_STR) {
        if (r->kind != RF_N_IDLIST) {
            if (r->kind == RF_N_STR) {
                r->kind = RF_N_IDLIST; /* a one-element list */
                rf_node *one = RF_NEW(&ck->kb->arena, rf_node);
                if (one == NULL)
                    return set(n, T_BOOL);
                *one = *r;
                one->kind = RF_N_STR;
                r->args = RF_NEWN(&ck->kb->arena, rf_node *, 1);
                if (r->args == NULL)
                    return set(n, T_BOOL);
                r->args[0] = one;
                r->nargs = 1;
            } else {
                err_at(ck, r, "'in' on text needs a list of strings in parentheses%s%s", "", "");
                return set(n, T_BOOL);
            }
        }
        for (int i = 0; i < r->nargs; i++)
            str_arg(ck, r->args[i]);
        r->type = (rf_type){RF_TY_IDLIST, 0, 0, 0};
        return set(n, T_BOOL);
    }
    return err_at(ck, n, "'in' tests an agent or text, found %s%s", type_name(a), "");
}

static rf_type check_if(checker *ck, rf_node *n)
{
    rf_type c = check(ck, n->a);
    if (!is_bool(c))
        err_at(ck, n->a, "'if' needs a truth value, found %s%s", type_name(c), "");
    rf_type a = check(ck, n->b), b = check(ck, n->c);
    if (is_err(a) || is_err(b))
        return set(n, is_err(a) ? b : a);
    if (a.kind != b.kind || (a.kind == RF_TY_NUM && a.dim != b.dim))
        return err_at(ck, n, "the branches of 'if' differ: %s and %s", type_name(a), type_name(b));
    return set(n, a);
}

static rf_type check(checker *ck, rf_node *n)
{
    if (++ck->depth > RF_LIMIT_EXPR_DEPTH * 2) {
        ck->depth--;
        return err_at(ck, n, "expression nested too deeply%s%s", "", "");
    }
    rf_type t;
    switch ((rf_node_kind)n->kind) {
    case RF_N_NUM:
        t = n->type;
        break;
    case RF_N_STR:
        t = set(n, T_STR);
        break;
    case RF_N_BOOL:
        t = set(n, T_BOOL);
        break;
    case RF_N_IDENT:
        t = resolve_ident(ck, n);
        break;
    case RF_N_FIELD: {
        rf_type a = check(ck, n->a);
        if (is_err(a)) {
            t = set(n, T_ERR);
            break;
        }
        if (a.kind != RF_TY_REC) {
            t = err_at(ck, n, "'.%s' needs a record (trial, observation, ...), found %s", n->name,
                       type_name(a));
            break;
        }
        rf_type ft;
        int f = rf_field_find((rf_rec_kind)a.rec, n->name, &ft);
        if (f < 0) {
            t = err_at(ck, n, "a %s has no field '%s'", rf_rec_name((rf_rec_kind)a.rec), n->name);
            break;
        }
        if (ft.dim == RF_DIM_OF_RECORD)
            ft.dim = a.dim;
        n->op = (uint8_t)f;
        t = set(n, ft);
        break;
    }
    case RF_N_CALL:
        t = check_call(ck, n);
        break;
    case RF_N_COMP:
        t = check_comprehension(ck, n);
        break;
    case RF_N_BINARY:
        t = check_binary(ck, n);
        break;
    case RF_N_NOT:
        t = check(ck, n->a);
        if (!is_bool(t))
            err_at(ck, n, "'not' needs a truth value, found %s%s", type_name(t), "");
        t = set(n, T_BOOL);
        break;
    case RF_N_NEG:
        t = check(ck, n->a);
        if (!is_err(t) && t.kind != RF_TY_NUM)
            t = err_at(ck, n, "'-' needs a number, found %s%s", type_name(t), "");
        t = set(n, t);
        break;
    case RF_N_IF:
        t = check_if(ck, n);
        break;
    case RF_N_IN:
        t = check_in(ck, n);
        break;
    case RF_N_IDLIST:
        t = err_at(ck, n, "a parenthesised list is only allowed after 'in'%s%s", "", "");
        break;
    default: /* already resolved (shared subtree): keep its type */
        t = n->type;
        break;
    }
    ck->depth--;
    return t;
}

/* ---- entries ----------------------------------------------------------------------------- */

static void expect_bool(checker *ck, rf_node *n, const char *what)
{
    if (n == NULL)
        return;
    rf_type t = check(ck, n);
    if (!is_bool(t))
        err_at(ck, n, "%s needs a truth value, found %s", what, type_name(t));
}

static void check_body(checker *ck, rf_body *b)
{
    for (int i = 0; i < b->nlets; i++) {
        rf_type t = check(ck, b->lets[i].expr);
        b->lets[i].slot = add_var(ck, b->lets[i].name, t, b->lets[i].pos);
    }
    for (int i = 0; i < b->nclauses; i++)
        expect_bool(ck, b->clauses[i].expr, "a clause");
}

static void resolve_refs(rf_kb *kb, rf_idrefs *r, rf_sym_kind kind, const char *what)
{
    for (int i = 0; i < r->n; i++) {
        r->index[i] = rf_kb_find(kb, kind, r->ids[i]);
        if (r->index[i] < 0)
            rf_kb_diag(kb, r->pos[i], "unknown %s '%s'", what, r->ids[i]);
    }
}

static void check_sources(rf_kb *kb, rf_kb_entry *e, const char *kind, bool required)
{
    for (int i = 0; i < e->sources.n; i++) {
        e->sources.index[i] = rf_kb_find_source(kb, e->sources.ids[i]);
        if (e->sources.index[i] < 0)
            rf_kb_diag(kb, e->sources.pos[i], "unknown source '%s'", e->sources.ids[i]);
    }
    if (required && e->sources.n == 0)
        rf_kb_diag(kb, e->pos, "%s '%s' has no source: every definition, score and strategy "
                   "must cite one", kind, e->id);
}

static int resolve_condition(rf_kb *kb, const char *id, rf_pos pos, rf_kb_entry *e)
{
    if (id == NULL) {
        rf_kb_diag(kb, e->pos, "'%s' needs 'condition: ID'", e->id);
        return -1;
    }
    int c = rf_kb_find(kb, RF_SYM_CONDITION, id);
    if (c < 0)
        rf_kb_diag(kb, pos, "unknown condition '%s'", id);
    return c;
}

static void check_agents_and_classes(rf_kb *kb)
{
    for (int i = 0; i < kb->n_klass; i++)
        resolve_refs(kb, &kb->klass[i]->members, RF_SYM_AGENT, "agent");
    for (int i = 0; i < kb->n_agent; i++) {
        rf_kb_agent *g = kb->agent[i];
        resolve_refs(kb, &g->classes, RF_SYM_CLASS, "class");
        g->is_class = RF_NEWN(&kb->arena, unsigned char, kb->n_klass ? kb->n_klass : 1);
        if (g->is_class == NULL)
            return;
        for (int c = 0; c < g->classes.n; c++)
            if (g->classes.index[c] >= 0)
                g->is_class[g->classes.index[c]] = 1;
        if (g->unit.dim != RF_DIM_MASS_PER_TIME && g->unit.dim != RF_DIM_MASS_PER_MASS &&
            g->unit.dim != RF_DIM_MASS && g->unit.dim != RF_DIM_NONE &&
            g->unit.dim != RF_DIM_DOSE_RADIATION)
            rf_kb_diag(kb, g->e.pos, "agent '%s': unit %s is not a dose unit", g->e.id,
                       g->unit_text ? g->unit_text : "?");
    }
    for (int i = 0; i < kb->n_klass; i++)
        for (int m = 0; m < kb->klass[i]->members.n; m++)
            if (kb->klass[i]->members.index[m] >= 0 && kb->agent[kb->klass[i]->members.index[m]]->is_class)
                kb->agent[kb->klass[i]->members.index[m]]->is_class[i] = 1;
}

static void check_adequacy(rf_kb *kb, rf_kb_adequacy *q)
{
    q->condition = rf_kb_find(kb, RF_SYM_CONDITION, q->condition_id);
    if (q->condition < 0)
        rf_kb_diag(kb, q->condition_pos, "unknown condition '%s'", q->condition_id);
    q->agent = rf_kb_find(kb, RF_SYM_AGENT, q->agent_id);
    if (q->agent < 0) {
        rf_kb_diag(kb, q->agent_pos, "unknown agent '%s'", q->agent_id);
        return;
    }
    rf_kb_agent *g = kb->agent[q->agent];
    struct {
        double v;
        bool has;
        rf_unit u;
        rf_pos pos;
        const char *name;
    } doses[2] = {{q->min_dose, q->min_dose_has_unit, q->min_dose_unit, q->min_dose_pos, "min_dose"},
                  {q->max_dose, q->max_dose_has_unit, q->max_dose_unit, q->max_dose_pos, "max_dose"}};
    for (int i = 0; i < 2; i++) {
        if (isnan(doses[i].v))
            continue;
        if (!doses[i].has || doses[i].u.dim != g->unit.dim)
            rf_kb_diag(kb, doses[i].pos, "unit mismatch: %s is %s but %s doses in %s (%s)", doses[i].name,
                       doses[i].has ? rf_dim_name(doses[i].u.dim) : "a bare number", g->e.id,
                       g->unit_text, rf_dim_name(g->unit.dim));
    }
    if (!isnan(q->min_dose) && !isnan(q->max_dose) && q->max_dose < q->min_dose)
        rf_kb_diag(kb, q->max_dose_pos, "max_dose is below min_dose");
}

static void check_condition(rf_kb *kb, rf_kb_condition *c)
{
    check_sources(kb, &c->e, "condition", false);
    rf_node *exprs[2] = {c->trial_failed, c->trial_intolerant};
    int *slots[2] = {&c->failed_slots, &c->intolerant_slots};
    for (int i = 0; i < 2; i++) {
        if (exprs[i] == NULL)
            continue;
        checker ck = {0};
        ck.kb = kb;
        ck.cond = rf_kb_find(kb, RF_SYM_CONDITION, c->e.id);
        add_var(&ck, exprs[i]->str, (rf_type){RF_TY_REC, 0, RF_REC_TRIAL, 0}, c->e.pos);
        expect_bool(&ck, exprs[i], i == 0 ? "trial_failed" : "trial_intolerant");
        *slots[i] = ck.nslots;
    }
}

static void check_current_line(rf_kb *kb, rf_kb_condition *c)
{
    if (c->current_line == NULL)
        return;
    checker ck = {0};
    ck.kb = kb;
    ck.cond = rf_kb_find(kb, RF_SYM_CONDITION, c->e.id);
    rf_type t = check(&ck, c->current_line);
    if (!is_err(t) && (t.kind != RF_TY_NUM || t.dim != RF_DIM_NONE))
        err_at(&ck, c->current_line, "current_line must be a plain number, found %s", type_name(t));
    c->current_line_slots = ck.nslots;
}

static void check_definition(rf_kb *kb, rf_kb_definition *d)
{
    d->condition = resolve_condition(kb, d->condition_id, d->condition_pos, &d->e);
    check_sources(kb, &d->e, "definition", true);
    checker ck = {0};
    ck.kb = kb;
    ck.cond = d->condition;
    check_body(&ck, &d->body);
    if (d->refractory)
        expect_bool(&ck, d->refractory, "'refractory'");
    if (d->stage) {
        rf_type t = check(&ck, d->stage);
        if (!is_err(t) && t.kind != RF_TY_NUM && t.kind != RF_TY_STR)
            err_at(&ck, d->stage, "'stage' must be a number or text, found %s%s", type_name(t), "");
    }
    d->body.nslots = ck.nslots;
}

static void check_score(rf_kb *kb, rf_kb_score *s)
{
    s->condition = resolve_condition(kb, s->condition_id, s->condition_pos, &s->e);
    check_sources(kb, &s->e, "score", true);
    checker ck = {0};
    ck.kb = kb;
    ck.cond = s->condition;
    check_body(&ck, &s->body);
    rf_type total = T_NUM;
    for (int i = 0; i < s->nitems; i++) {
        rf_type t = check(&ck, s->items[i].expr);
        if (!is_err(t) && t.kind != RF_TY_NUM)
            err_at(&ck, s->items[i].expr, "score item '%s' must be a number, found %s", s->items[i].id,
                   type_name(t));
        s->items[i].slot = add_var(&ck, s->items[i].id, t, s->items[i].pos);
    }
    if (s->total) {
        total = check(&ck, s->total);
        if (!is_err(total) && total.kind != RF_TY_NUM)
            err_at(&ck, s->total, "a score's total must be a number, found %s%s", type_name(total), "");
    } else if (s->nitems > 0) {
        total = s->items[0].expr->type;
        for (int i = 1; i < s->nitems; i++)
            if (s->items[i].expr->type.kind == RF_TY_NUM && total.kind == RF_TY_NUM &&
                s->items[i].expr->type.dim != total.dim)
                rf_kb_diag(kb, s->items[i].pos, "unit mismatch: items of '%s' cannot be summed", s->e.id);
    }
    s->total_slot = add_var(&ck, "total", total, s->e.pos);
    for (int i = 0; i < s->nbands; i++)
        expect_bool(&ck, s->bands[i].expr, "a band");
    s->body.nslots = ck.nslots;
}

static void check_flag(rf_kb *kb, rf_kb_flag *f)
{
    check_sources(kb, &f->e, "flag", false);
    checker ck = {0};
    ck.kb = kb;
    ck.cond = f->condition;
    check_body(&ck, &f->body);
    expect_bool(&ck, f->when, "'when'");
    f->body.nslots = ck.nslots;
}

static void check_strategy(rf_kb *kb, rf_kb_strategy *s)
{
    s->condition = resolve_condition(kb, s->condition_id, s->condition_pos, &s->e);
    check_sources(kb, &s->e, "strategy", true);
    resolve_refs(kb, &s->agents, RF_SYM_AGENT, "agent");
    if (s->name == NULL)
        rf_kb_diag(kb, s->e.pos, "strategy '%s' has no name", s->e.id);
    if (s->kind == NULL)
        rf_kb_diag(kb, s->e.pos, "strategy '%s' has no kind", s->e.id);
    if (isnan(s->line))
        rf_kb_diag(kb, s->e.pos, "strategy '%s' has no line", s->e.id);
    checker ck = {0};
    ck.kb = kb;
    ck.cond = s->condition;
    check_body(&ck, &s->body);
    s->body.nslots = ck.nslots;
}

static int optional_condition(rf_kb *kb, const char *id, rf_pos pos)
{
    if (id == NULL)
        return -1;
    int c = rf_kb_find(kb, RF_SYM_CONDITION, id);
    if (c < 0)
        rf_kb_diag(kb, pos, "unknown condition '%s'", id);
    return c;
}

static void check_contra(rf_kb *kb, rf_kb_contra *c)
{
    c->condition = optional_condition(kb, c->condition_id, c->condition_pos);
    check_sources(kb, &c->e, "contraindication", false);
    resolve_refs(kb, &c->agents, RF_SYM_AGENT, "agent");
    resolve_refs(kb, &c->classes, RF_SYM_CLASS, "class");
    if (c->agents.n + c->classes.n == 0)
        rf_kb_diag(kb, c->e.pos, "contraindication '%s' names no agent or class", c->e.id);
    checker ck = {0};
    ck.kb = kb;
    ck.cond = c->condition;
    check_body(&ck, &c->body);
    expect_bool(&ck, c->when, "'when'");
    c->body.nslots = ck.nslots;
}

static void check_pgx(rf_kb *kb, rf_kb_pgx *g)
{
    g->condition = optional_condition(kb, g->condition_id, g->condition_pos);
    check_sources(kb, &g->e, "pgx rule", true);
    resolve_refs(kb, &g->agents, RF_SYM_AGENT, "agent");
    resolve_refs(kb, &g->classes, RF_SYM_CLASS, "class");
    if (g->agents.n + g->classes.n == 0)
        rf_kb_diag(kb, g->e.pos, "pgx '%s' names no agent or class", g->e.id);
}

static void check_codeset(rf_kb *kb, rf_kb_codeset *c)
{
    check_sources(kb, &c->e, "codeset", false);
    c->target = -1;
    if (c->target_id == NULL)
        return;
    c->target = rf_kb_find(kb, c->target_kind, c->target_id);
    if (c->target < 0)
        rf_kb_diag(kb, c->target_pos, "unknown %s '%s'",
                   c->target_kind == RF_SYM_AGENT ? "agent"
                   : c->target_kind == RF_SYM_OBSERVATION ? "observation"
                   : c->target_kind == RF_SYM_PROCEDURE ? "procedure" : "condition",
                   c->target_id);
}

/* Call fn(agent) once for every agent a rule names, directly or through one of its classes. */
static void for_rule_agents(const rf_kb *kb, const rf_idrefs *agents, const rf_idrefs *classes,
                            unsigned char *seen, void (*fn)(rf_kb_agent *, int, void *), int rule,
                            void *ctx)
{
    for (int i = 0; i < agents->n; i++) {
        int a = agents->index[i];
        if (a >= 0 && !seen[a]) {
            seen[a] = 1;
            fn(kb->agent[a], rule, ctx);
        }
    }
    for (int i = 0; i < classes->n; i++) {
        int c = classes->index[i];
        for (int a = 0; c >= 0 && a < kb->n_agent; a++) {
            if (!seen[a] && kb->agent[a]->is_class && kb->agent[a]->is_class[c]) {
                seen[a] = 1;
                fn(kb->agent[a], rule, ctx);
            }
        }
    }
    for (int i = 0; i < agents->n; i++) /* clear for the next rule */
        if (agents->index[i] >= 0)
            seen[agents->index[i]] = 0;
    for (int i = 0; i < classes->n; i++)
        for (int a = 0; classes->index[i] >= 0 && a < kb->n_agent; a++)
            seen[a] = 0;
}

typedef struct rule_lists {
    bool fill; /* false: count, true: append */
    bool pgx;
} rule_lists;

static void add_rule(rf_kb_agent *g, int rule, void *ctx)
{
    rule_lists *r = ctx;
    int *n = r->pgx ? &g->npgxs : &g->ncontras;
    if (r->fill)
        (r->pgx ? g->pgxs : g->contras)[(*n)++] = rule;
    else
        (*n)++;
}

/* Per agent, the agent rules that name it (directly or by class), in declaration order, so
 * judging an agent touches only its own rules. Two passes: count, then fill. */
static void index_agent_rules(rf_kb *kb)
{
    unsigned char *seen = RF_NEWN(&kb->arena, unsigned char, kb->n_agent + 1);
    if (seen == NULL)
        return;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            for (int a = 0; a < kb->n_agent; a++) {
                rf_kb_agent *g = kb->agent[a];
                g->contras = RF_NEWN(&kb->arena, int, g->ncontras + 1);
                g->pgxs = RF_NEWN(&kb->arena, int, g->npgxs + 1);
                if (g->contras == NULL || g->pgxs == NULL)
                    return;
                g->ncontras = g->npgxs = 0;
            }
        }
        rule_lists contra = {pass == 1, false}, pgx = {pass == 1, true};
        for (int i = 0; i < kb->n_contra; i++)
            for_rule_agents(kb, &kb->contra[i]->agents, &kb->contra[i]->classes, seen, add_rule,
                            i, &contra);
        for (int i = 0; i < kb->n_pgx; i++)
            for_rule_agents(kb, &kb->pgx[i]->agents, &kb->pgx[i]->classes, seen, add_rule, i,
                            &pgx);
    }
}

void rf_kb_check(rf_kb *kb)
{
    rf_kb_build_index(kb);
    for (int i = 0; i < kb->n_codeset; i++)
        check_codeset(kb, kb->codeset[i]);
    /* code-to-entry lookups only ever scan the code sets that have a target */
    kb->targeted = RF_NEWN(&kb->arena, int, kb->n_codeset + 1);
    for (int i = 0; kb->targeted && i < kb->n_codeset; i++)
        if (kb->codeset[i]->target >= 0 && kb->codeset[i]->target_id)
            kb->targeted[kb->ntargeted++] = i;
    for (int i = 0; i < kb->n_source; i++)
        check_sources(kb, &kb->source[i]->e, "source", false);
    check_agents_and_classes(kb);
    for (int i = 0; i < kb->n_adequacy; i++)
        check_adequacy(kb, kb->adequacy[i]);
    for (int i = 0; i < kb->n_condition; i++)
        check_condition(kb, kb->condition[i]);
    for (int i = 0; i < kb->n_let; i++)
        check_let(kb, kb->let[i]);
    for (int i = 0; i < kb->n_flag; i++) /* before any body: flag(x) resolves by condition */
        kb->flag[i]->condition = resolve_condition(kb, kb->flag[i]->condition_id,
                                                   kb->flag[i]->condition_pos, &kb->flag[i]->e);
    for (int i = 0; i < kb->n_condition; i++)
        check_current_line(kb, kb->condition[i]);
    for (int i = 0; i < kb->n_definition; i++)
        check_definition(kb, kb->definition[i]);
    for (int i = 0; i < kb->n_score; i++)
        check_score(kb, kb->score[i]);
    for (int i = 0; i < kb->n_flag; i++)
        check_flag(kb, kb->flag[i]);
    for (int i = 0; i < kb->n_strategy; i++)
        check_strategy(kb, kb->strategy[i]);
    for (int i = 0; i < kb->n_contra; i++)
        check_contra(kb, kb->contra[i]);
    for (int i = 0; i < kb->n_pgx; i++)
        check_pgx(kb, kb->pgx[i]);
    index_agent_rules(kb);
    for (int i = 0; i < kb->n_observation; i++)
        check_sources(kb, &kb->observation[i]->e, "observation", false);
    for (int i = 0; i < kb->n_agent; i++)
        check_sources(kb, &kb->agent[i]->e, "agent", false);
    for (int i = 0; i < kb->n_adequacy; i++)
        check_sources(kb, &kb->adequacy[i]->e, "adequacy", false);
}
