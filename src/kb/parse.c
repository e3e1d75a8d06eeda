/* parse.c - reads knowledge files into the kb tables: declarations with their clauses, and
 * the criteria expressions inside them (a Pratt parser whose precedence is one table, as
 * Lua's lparser.c). Errors are diagnostics with file:line:col; parsing resumes at the next
 * declaration so `refract kb check` lists every error, not just the first. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>

#include "../util/limits.h"
#include "kb.h"

typedef struct parser {
    rf_kb *kb;
    rf_lexer lx;
    rf_token tok;      /* current */
    rf_pos prev_pos;   /* of the last consumed token */
    int dir;
    int depth;
    jmp_buf recover;   /* back to the declaration loop after a syntax error */
} parser;

static void fail(parser *p, const char *what);

static void *must(parser *p, void *ptr)
{
    if (ptr == NULL)
        fail(p, "out of memory");
    return ptr;
}
#define NEWP(T) ((T *)must(p, rf_arena_zalloc(&p->kb->arena, sizeof(T))))

static void next(parser *p)
{
    p->prev_pos = p->tok.pos;
    rf_lex_scan(&p->lx, &p->tok);
    if (p->tok.kind == RF_TOK_ERROR) {
        rf_kb_diag(p->kb, p->tok.pos, "%s near '%.*s'", p->lx.error, (int)(p->tok.len ? p->tok.len : 1),
                   p->tok.text);
        longjmp(p->recover, 1);
    }
}

static void fail(parser *p, const char *what)
{
    if (p->tok.kind == RF_TOK_EOF)
        rf_kb_diag(p->kb, p->tok.pos, "%s, found end of file", what);
    else
        rf_kb_diag(p->kb, p->tok.pos, "%s near '%.*s'", what, (int)(p->tok.len > 40 ? 40 : p->tok.len),
                   p->tok.text);
    longjmp(p->recover, 1);
}

static bool is_word(const parser *p, const char *w)
{
    /* the first byte settles most of the keyword tests a clause makes */
    return p->tok.kind == RF_TOK_IDENT && p->tok.str[0] == w[0] && strcmp(p->tok.str, w) == 0;
}

static void expect(parser *p, rf_tok_kind k, const char *what)
{
    if (p->tok.kind != k)
        fail(p, what);
    next(p);
}

static const char *expect_ident(parser *p, const char *what)
{
    if (p->tok.kind != RF_TOK_IDENT)
        fail(p, what);
    const char *s = p->tok.str;
    next(p);
    return s;
}

static const char *expect_string(parser *p, const char *what)
{
    if (p->tok.kind != RF_TOK_STRING)
        fail(p, what);
    const char *s = p->tok.str;
    next(p);
    return s;
}

/* ---- expressions ------------------------------------------------------------------------- */

static rf_node *new_node(parser *p, rf_node_kind k, rf_pos pos)
{
    rf_node *n = RF_NEW(&p->kb->arena, rf_node);
    if (n == NULL)
        fail(p, "out of memory");
    n->kind = (uint8_t)k;
    n->pos = pos;
    return n;
}

static rf_node *parse_expr(parser *p, int min_prec);

/* Binary operators, lowest precedence first. `in` is a comparison. */
static const struct {
    rf_tok_kind tok;
    const char *word;
    rf_binop op;
    int prec;
} binops[] = {
    {RF_TOK_IDENT, "or", RF_OP_OR, 1},   {RF_TOK_IDENT, "and", RF_OP_AND, 2},
    {RF_TOK_EQ, NULL, RF_OP_EQ, 4},      {RF_TOK_NE, NULL, RF_OP_NE, 4},
    {RF_TOK_LT, NULL, RF_OP_LT, 4},      {RF_TOK_LE, NULL, RF_OP_LE, 4},
    {RF_TOK_GT, NULL, RF_OP_GT, 4},      {RF_TOK_GE, NULL, RF_OP_GE, 4},
    {RF_TOK_PLUS, NULL, RF_OP_ADD, 5},   {RF_TOK_MINUS, NULL, RF_OP_SUB, 5},
    {RF_TOK_STAR, NULL, RF_OP_MUL, 6},   {RF_TOK_SLASH, NULL, RF_OP_DIV, 6},
};
#define PREC_NOT 3
#define PREC_IN 4
#define PREC_UNARY 7

static int find_binop(const parser *p)
{
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++) {
        if (binops[i].tok != p->tok.kind)
            continue;
        if (binops[i].word && !is_word(p, binops[i].word))
            continue;
        return (int)i;
    }
    return -1;
}

static bool is_comprehension_fn(const char *name)
{
    static const char *const fns[] = {"count", "count_distinct", "any", "all", "filter", "min",
                                      "max", "sum", "latest", "earliest"};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (rf_streq(name, fns[i]))
            return true;
    return false;
}

/* Two tokens ahead without consuming: is the call's first argument "IDENT in"? */
static bool at_binder(parser *p)
{
    if (p->tok.kind != RF_TOK_IDENT)
        return false;
    rf_lexer save = p->lx;
    rf_token t = rf_lex_next(&p->lx);
    p->lx = save;
    return t.kind == RF_TOK_IDENT && t.len == 2 && memcmp(t.text, "in", 2) == 0;
}

static rf_node *parse_call(parser *p, rf_node *callee)
{
    rf_node *n = callee;
    next(p); /* '(' */
    if (is_comprehension_fn(n->name) && at_binder(p)) {
        n->kind = RF_N_COMP;
        n->str = p->tok.str; /* bound variable name */
        next(p);
        next(p); /* 'in' */
        n->a = parse_expr(p, 1);
        if (is_word(p, "where")) {
            next(p);
            n->b = parse_expr(p, 1);
        }
        if (p->tok.kind == RF_TOK_COLON) {
            next(p);
            n->c = parse_expr(p, 1);
        }
        expect(p, RF_TOK_RPAREN, "expected ')' to close the comprehension");
        return n;
    }
    n->kind = RF_N_CALL;
    rf_node *args[16];
    int nargs = 0;
    if (p->tok.kind != RF_TOK_RPAREN) {
        for (;;) {
            if (nargs == 16)
                fail(p, "too many arguments");
            args[nargs++] = parse_expr(p, 1);
            if (p->tok.kind != RF_TOK_COMMA)
                break;
            next(p);
        }
    }
    expect(p, RF_TOK_RPAREN, "expected ',' or ')' in the argument list");
    n->nargs = nargs;
    n->args = RF_NEWN(&p->kb->arena, rf_node *, nargs ? nargs : 1);
    if (n->args == NULL)
        fail(p, "out of memory");
    memcpy(n->args, args, sizeof(rf_node *) * (size_t)nargs);
    return n;
}

static rf_node *parse_if(parser *p, rf_pos pos)
{
    rf_node *n = new_node(p, RF_N_IF, pos);
    n->a = parse_expr(p, 1);
    if (!is_word(p, "then"))
        fail(p, "expected 'then'");
    next(p);
    n->b = parse_expr(p, 1);
    if (is_word(p, "elif")) {
        rf_pos epos = p->tok.pos;
        next(p);
        n->c = parse_if(p, epos);
        return n;
    }
    if (!is_word(p, "else"))
        fail(p, "expected 'elif' or 'else' (an 'if' always has an 'else')");
    next(p);
    n->c = parse_expr(p, 1);
    return n;
}

static rf_node *parse_paren(parser *p, rf_pos pos)
{
    next(p);
    rf_node *first = parse_expr(p, 1);
    if (p->tok.kind != RF_TOK_COMMA) {
        expect(p, RF_TOK_RPAREN, "expected ')'");
        return first;
    }
    rf_node *items[256];
    int n = 0;
    items[n++] = first;
    while (p->tok.kind == RF_TOK_COMMA) {
        next(p);
        if (n == 256)
            fail(p, "list longer than 256 items");
        items[n++] = parse_expr(p, 1);
    }
    expect(p, RF_TOK_RPAREN, "expected ')' to close the list");
    rf_node *l = new_node(p, RF_N_IDLIST, pos);
    l->nargs = n;
    l->args = RF_NEWN(&p->kb->arena, rf_node *, n);
    if (l->args == NULL)
        fail(p, "out of memory");
    memcpy(l->args, items, sizeof(rf_node *) * (size_t)n);
    return l;
}

static rf_node *parse_primary(parser *p)
{
    rf_pos pos = p->tok.pos;
    rf_node *n;
    switch (p->tok.kind) {
    case RF_TOK_NUMBER:
        n = new_node(p, RF_N_NUM, pos);
        n->num = p->tok.num;
        n->type.kind = RF_TY_NUM;
        n->type.dim = (uint8_t)(p->tok.has_unit ? p->tok.unit.dim : RF_DIM_NONE);
        next(p);
        return n;
    case RF_TOK_STRING:
        n = new_node(p, RF_N_STR, pos);
        n->str = p->tok.str;
        next(p);
        return n;
    case RF_TOK_LPAREN:
        return parse_paren(p, pos);
    case RF_TOK_MINUS:
        next(p);
        n = new_node(p, RF_N_NEG, pos);
        n->a = parse_expr(p, PREC_UNARY);
        return n;
    case RF_TOK_IDENT:
        break;
    default:
        fail(p, "expected an expression");
    }
    const char *name = p->tok.str;
    next(p);
    /* the four words that open an expression; the first byte settles most identifiers */
    if ((name[0] == 't' && strcmp(name, "true") == 0) || (name[0] == 'f' && strcmp(name, "false") == 0)) {
        n = new_node(p, RF_N_BOOL, pos);
        n->num = name[0] == 't';
        return n;
    }
    if (name[0] == 'n' && strcmp(name, "not") == 0) {
        n = new_node(p, RF_N_NOT, pos);
        n->a = parse_expr(p, PREC_NOT);
        return n;
    }
    if (name[0] == 'i' && name[1] == 'f' && name[2] == '\0')
        return parse_if(p, pos);
    n = new_node(p, RF_N_IDENT, pos);
    n->name = name;
    if (p->tok.kind == RF_TOK_LPAREN)
        n = parse_call(p, n);
    return n;
}

static rf_node *parse_postfix(parser *p)
{
    rf_node *n = parse_primary(p);
    while (p->tok.kind == RF_TOK_DOT) {
        rf_pos pos = p->tok.pos;
        next(p);
        rf_node *f = new_node(p, RF_N_FIELD, pos);
        f->name = expect_ident(p, "expected a field name after '.'");
        f->a = n;
        n = f;
    }
    return n;
}

static rf_node *parse_expr(parser *p, int min_prec)
{
    if (++p->depth > RF_LIMIT_EXPR_DEPTH)
        fail(p, "expression nested deeper than the limit");
    const char *start = p->tok.text;
    rf_node *left = parse_postfix(p);
    for (;;) {
        rf_pos pos = p->tok.pos;
        if (is_word(p, "in") && PREC_IN >= min_prec) {
            next(p);
            rf_node *n = new_node(p, RF_N_IN, pos);
            n->a = left;
            n->b = parse_expr(p, PREC_IN + 1);
            left = n;
            continue;
        }
        int i = find_binop(p);
        if (i < 0 || binops[i].prec < min_prec)
            break;
        next(p);
        rf_node *n = new_node(p, RF_N_BINARY, pos);
        n->op = (uint8_t)binops[i].op;
        n->a = left;
        n->b = parse_expr(p, binops[i].prec + 1);
        left = n;
    }
    (void)start; /* the source text stays in the file buffer; nodes keep their position */
    p->depth--;
    return left;
}

/* ---- field values ------------------------------------------------------------------------ */

static void parse_idrefs(parser *p, rf_idrefs *out)
{
    const char *ids[512];
    rf_pos pos[512];
    int n = 0;
    for (;;) {
        if (n == 512)
            fail(p, "list longer than 512 ids");
        pos[n] = p->tok.pos;
        ids[n++] = expect_ident(p, "expected an id");
        if (p->tok.kind != RF_TOK_COMMA)
            break;
        next(p);
    }
    rf_arena *a = &p->kb->arena;
    int old = out->n;
    const char **nids = RF_NEWN(a, const char *, old + n);
    rf_pos *npos = RF_NEWN(a, rf_pos, old + n);
    int *nidx = RF_NEWN(a, int, old + n);
    if (!nids || !npos || !nidx)
        fail(p, "out of memory");
    if (old) {
        memcpy(nids, out->ids, sizeof *nids * (size_t)old);
        memcpy(npos, out->pos, sizeof *npos * (size_t)old);
    }
    memcpy(nids + old, ids, sizeof *nids * (size_t)n);
    memcpy(npos + old, pos, sizeof *npos * (size_t)n);
    out->ids = nids;
    out->pos = npos;
    out->index = nidx;
    out->n = old + n;
}

static void push_str(parser *p, rf_strs *s, const char *v)
{
    const char **n = RF_NEWN(&p->kb->arena, const char *, s->n + 1);
    if (n == NULL)
        fail(p, "out of memory");
    if (s->n)
        memcpy(n, s->items, sizeof *n * (size_t)s->n);
    n[s->n++] = v;
    s->items = n;
}

static void parse_strings(parser *p, rf_strs *out)
{
    for (;;) {
        push_str(p, out, expect_string(p, "expected a string"));
        if (p->tok.kind != RF_TOK_COMMA)
            break;
        next(p);
    }
}

/* codes: icd10cm "F32.0", "F32.1", snomed "370143000" */
static void parse_codes(parser *p, rf_kb_codes *out)
{
    static const char *const systems[] = {"icd10cm", "icd11", "snomed", "rxnorm", "atc", "loinc",
                                          "cpt", "hcpcs", "ndc", "hgnc", "local"};
    rf_kb_code items[1024];
    int n = 0;
    const char *system = NULL;
    for (;;) {
        if (p->tok.kind == RF_TOK_IDENT) {
            system = NULL;
            for (size_t i = 0; i < sizeof systems / sizeof systems[0]; i++)
                if (strcmp(p->tok.str, systems[i]) == 0)
                    system = systems[i];
            if (system == NULL)
                fail(p, "unknown code system (icd10cm, icd11, snomed, rxnorm, atc, loinc, cpt, "
                        "hcpcs, ndc, hgnc, local)");
            next(p);
        } else if (system == NULL) {
            fail(p, "expected a code system before the code");
        }
        const char *code = expect_string(p, "expected a code in quotes");
        if (n == 1024)
            fail(p, "more than 1024 codes in one list");
        size_t len = strlen(code);
        items[n].system = system;
        items[n].prefix = len >= 2 && strcmp(code + len - 2, ".*") == 0;
        items[n].code = items[n].prefix ? rf_arena_strndup(&p->kb->arena, code, len - 2) : code;
        n++;
        if (p->tok.kind != RF_TOK_COMMA)
            break;
        next(p);
    }
    rf_kb_code *all = RF_NEWN(&p->kb->arena, rf_kb_code, out->n + n);
    if (all == NULL)
        fail(p, "out of memory");
    if (out->n)
        memcpy(all, out->items, sizeof *all * (size_t)out->n);
    memcpy(all + out->n, items, sizeof *all * (size_t)n);
    out->items = all;
    out->n += n;
}

static double parse_quantity(parser *p, rf_unit *unit, bool *has_unit, rf_pos *pos)
{
    bool neg = false;
    if (pos)
        *pos = p->tok.pos;
    if (p->tok.kind == RF_TOK_MINUS) {
        neg = true;
        next(p);
    }
    if (p->tok.kind != RF_TOK_NUMBER)
        fail(p, "expected a number");
    double v = p->tok.num;
    if (unit)
        *unit = p->tok.unit;
    if (has_unit)
        *has_unit = p->tok.has_unit;
    next(p);
    return neg ? -v : v;
}

/* ---- bodies: lets and labelled clauses ------------------------------------------------- */

static const struct {
    const char *word;
    rf_clause_kind kind;
} clause_words[] = {
    {"not_applicable", RF_CL_NOT_APPLICABLE}, {"insufficient", RF_CL_INSUFFICIENT},
    {"require", RF_CL_REQUIRE},               {"requires", RF_CL_REQUIRE},
    {"contraindicated", RF_CL_CONTRAINDICATED}, {"caution", RF_CL_CAUTION},
    {"prefer", RF_CL_PREFER},                 {"defer", RF_CL_DEFER},
    {"provisional", RF_CL_PROVISIONAL},
    {"not_implemented", RF_CL_NOT_IMPLEMENTED},
};

static bool parse_body_clause(parser *p, rf_body *b)
{
    rf_pos pos = p->tok.pos;
    if (is_word(p, "let")) {
        next(p);
        rf_local l = {0};
        l.pos = p->tok.pos;
        l.name = expect_ident(p, "expected a name after 'let'");
        if (p->tok.kind == RF_TOK_STRING)
            l.label = expect_string(p, "expected a label");
        expect(p, RF_TOK_ASSIGN, "expected '=' after the let's name");
        l.expr = parse_expr(p, 1);
        rf_local *n = RF_NEWN(&p->kb->arena, rf_local, b->nlets + 1);
        if (n == NULL)
            fail(p, "out of memory");
        if (b->nlets)
            memcpy(n, b->lets, sizeof *n * (size_t)b->nlets);
        n[b->nlets++] = l;
        b->lets = n;
        /* a let is also an ordered clause so that lets and clauses keep their order */
        return true;
    }
    for (size_t i = 0; i < sizeof clause_words / sizeof clause_words[0]; i++) {
        if (!is_word(p, clause_words[i].word))
            continue;
        next(p);
        rf_clause c = {0};
        c.kind = clause_words[i].kind;
        c.pos = pos;
        c.label = expect_string(p, "expected a label in quotes after the clause keyword");
        expect(p, RF_TOK_COLON, "expected ':' after the clause label");
        c.expr = parse_expr(p, 1);
        rf_clause *n = RF_NEWN(&p->kb->arena, rf_clause, b->nclauses + 1);
        if (n == NULL)
            fail(p, "out of memory");
        if (b->nclauses)
            memcpy(n, b->clauses, sizeof *n * (size_t)b->nclauses);
        n[b->nclauses++] = c;
        b->clauses = n;
        return true;
    }
    return false;
}

/* Fields every entry accepts. */
static bool parse_common(parser *p, rf_kb_entry *e)
{
    if (is_word(p, "sources") || is_word(p, "source")) {
        next(p);
        expect(p, RF_TOK_COLON, "expected ':'");
        parse_idrefs(p, &e->sources);
        return true;
    }
    if (is_word(p, "unverified")) {
        next(p);
        expect(p, RF_TOK_COLON, "expected ':'");
        const char *s = expect_string(p, "expected a string");
        e->unverified =
            e->unverified ? rf_arena_printf(&p->kb->arena, "%s; %s", e->unverified, s) : s;
        return true;
    }
    if (is_word(p, "note") || is_word(p, "notes")) {
        next(p);
        expect(p, RF_TOK_COLON, "expected ':'");
        parse_strings(p, &e->notes);
        return true;
    }
    return false;
}

/* ---- field tables ------------------------------------------------------------------------ */

static void parse_condition_ref(parser *p, const char **id, rf_pos *pos);

/* What a `word: value` field holds; the tables below say, per declaration, which fields it
 * has and where each goes, so the declarations read alike and their errors list their fields. */
typedef enum field_kind {
    FK_STRING,   /* "text" */
    FK_IDENT,    /* an identifier */
    FK_IDS,      /* id, id, ... (rf_idrefs) */
    FK_STRINGS,  /* "a", "b" (rf_strs) */
    FK_CODES,    /* system "code", ... (rf_kb_codes) */
    FK_NUMBER,   /* a plain number (double) */
    FK_EXPR,     /* a criterion (rf_node *) */
    FK_CONDITION /* a condition id (const char *) and its position (rf_pos, at pos_off) */
} field_kind;

typedef struct field {
    const char *word;
    field_kind kind;
    size_t off;
    size_t pos_off;
} field;

#define F(word, kind, type, member) {word, kind, offsetof(type, member), 0}
#define FCOND(type) {"condition", FK_CONDITION, offsetof(type, condition_id), offsetof(type, condition_pos)}

/* Read one field of the table into obj; false if the current word is none of them. */
static bool parse_field(parser *p, void *obj, const field *fs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_word(p, fs[i].word))
            continue;
        next(p);
        if (p->tok.kind != RF_TOK_COLON) {
            char msg[96];
            snprintf(msg, sizeof msg, "expected ':' after '%s'", fs[i].word);
            fail(p, msg);
        }
        next(p);
        char *at = (char *)obj + fs[i].off;
        switch (fs[i].kind) {
        case FK_STRING:
            *(const char **)(void *)at = expect_string(p, "expected text in quotes");
            break;
        case FK_IDENT:
            *(const char **)(void *)at = expect_ident(p, "expected an id");
            break;
        case FK_IDS:
            parse_idrefs(p, (rf_idrefs *)(void *)at);
            break;
        case FK_STRINGS:
            parse_strings(p, (rf_strs *)(void *)at);
            break;
        case FK_CODES:
            parse_codes(p, (rf_kb_codes *)(void *)at);
            break;
        case FK_NUMBER:
            *(double *)(void *)at = parse_quantity(p, NULL, NULL, NULL);
            break;
        case FK_EXPR:
            *(rf_node **)(void *)at = parse_expr(p, 1);
            break;
        case FK_CONDITION:
            parse_condition_ref(p, (const char **)(void *)at,
                                (rf_pos *)(void *)((char *)obj + fs[i].pos_off));
            break;
        }
        return true;
    }
    return false;
}

/* "unknown field in strategy (condition, name, ...)", listing the table and the extras. */
static void unknown_field(parser *p, const char *what, const field *fs, size_t n,
                          const char *extra)
{
    char msg[512];
    size_t len = (size_t)snprintf(msg, sizeof msg, "unknown field in %s (", what);
    for (size_t i = 0; i < n && len < sizeof msg; i++)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", i ? ", " : "", fs[i].word);
    if (len < sizeof msg)
        snprintf(msg + len, sizeof msg - len, "%s%s)", n && *extra ? ", " : "", extra);
    fail(p, msg);
}

#define NFIELDS(t) (sizeof t / sizeof t[0])

/* ---- declarations ------------------------------------------------------------------------ */

#define FIELD(word) (is_word(p, word) && (next(p), expect(p, RF_TOK_COLON, "expected ':' after '" word "'"), true))

/* Flags are named by each condition's reference (non_adherence, inadequate_dose, ...), so
 * their ids are unique per condition; every other kind's ids are unique outright. */
static const char *scope_of(rf_kb_entry *e, const char *kind)
{
    if (strcmp(kind, "flag") != 0)
        return NULL;
    return ((const rf_kb_flag *)(const void *)e)->condition_id;
}

static uint32_t decl_hash(const char *kind, const char *id, const char *scope)
{
    return rf_str_hash(rf_str_hash(rf_str_hash(2166136261u, kind), id), scope ? scope : "");
}

static bool same_scope(const char *a, const char *b)
{
    return a == b || (a && b && rf_streq(a, b));
}

/* The slot of (kind, id, scope): the one holding it, or the empty one where it would go. */
static rf_kb_decl_slot *decl_slot(rf_kb *kb, const char *kind, const char *id, const char *scope)
{
    uint32_t mask = (uint32_t)kb->decls_cap - 1;
    for (uint32_t i = decl_hash(kind, id, scope) & mask;; i = (i + 1) & mask) {
        rf_kb_decl_slot *d = &kb->decls[i];
        /* kinds are literals and ids interned: pointers settle most probes */
        if (d->id == NULL ||
            (rf_streq(d->id, id) && rf_streq(d->kind, kind) && same_scope(d->scope, scope)))
            return d;
    }
}

static bool decl_grow(rf_kb *kb)
{
    int ncap = kb->decls_cap ? kb->decls_cap * 2 : 1024;
    rf_kb_decl_slot *old = kb->decls;
    int oldcap = kb->decls_cap;
    rf_kb_decl_slot *fresh = RF_NEWN(&kb->arena, rf_kb_decl_slot, ncap);
    if (fresh == NULL)
        return false;
    kb->decls = fresh;
    kb->decls_cap = ncap;
    for (int i = 0; i < oldcap; i++)
        if (old[i].id)
            *decl_slot(kb, old[i].kind, old[i].id, old[i].scope) = old[i];
    return true;
}

/* Add an entry to its table: a duplicate in the same directory is an error, one from a later
 * directory replaces the earlier (a site overrides). false only when memory ran out. */
static bool add_entry_kb(rf_kb *kb, void ***table, int *n, int *cap, rf_kb_entry *e,
                         const char *kind)
{
    if ((kb->decls_n + 1) * 2 > kb->decls_cap && !decl_grow(kb))
        return false;
    const char *scope = scope_of(e, kind);
    rf_kb_decl_slot *d = decl_slot(kb, kind, e->id, scope);
    if (d->id != NULL) {
        rf_kb_entry *o = (rf_kb_entry *)(*table)[d->pos];
        if (o->dir < e->dir) { /* a later directory overrides: keep the position */
            (*table)[d->pos] = e;
            return true;
        }
        rf_kb_diag(kb, e->pos, "duplicate %s '%s' (first declared at %s:%d:%d)", kind, e->id,
                   o->pos.file, o->pos.line, o->pos.col);
        return true;
    }
    if (*n == *cap) {
        int ncap = *cap ? *cap * 2 : 32;
        void **t = rf_arena_grow(&kb->arena, *table, sizeof(void *) * (size_t)*cap,
                                 sizeof(void *) * (size_t)ncap);
        if (t == NULL)
            return false;
        *table = t;
        *cap = ncap;
    }
    *d = (rf_kb_decl_slot){kind, e->id, scope, *n};
    kb->decls_n++;
    (*table)[(*n)++] = e;
    return true;
}

static void add_entry(parser *p, void ***table, int *n, int *cap, rf_kb_entry *e, const char *kind)
{
    if (!add_entry_kb(p->kb, table, n, cap, e, kind))
        fail(p, "out of memory");
}

/* After `disable` moved entries, the positions are stale: index every table again. */
static void decl_rebuild(rf_kb *kb)
{
    if (kb->decls_cap == 0)
        return;
    memset(kb->decls, 0, sizeof *kb->decls * (size_t)kb->decls_cap);
    kb->decls_n = 0;
#define X(name, type, word)                                                                  \
    for (int i = 0; i < kb->n_##name; i++) {                                                 \
        rf_kb_entry *e = &kb->name[i]->e;                                                    \
        *decl_slot(kb, word, e->id, scope_of(e, word)) =                                     \
            (rf_kb_decl_slot){word, e->id, scope_of(e, word), i};                            \
        kb->decls_n++;                                                                       \
    }
    RF_KB_TABLES(X)
#undef X
}

#define ADD(tab, ptr, word)                                                                  \
    add_entry(p, (void ***)&p->kb->tab, &p->kb->n_##tab, &p->kb->cap_##tab, &(ptr)->e, word)

static void begin_entry(parser *p, rf_kb_entry *e, const char *what)
{
    e->pos = p->tok.pos;
    e->id = expect_ident(p, what);
    e->dir = p->dir;
}

static void parse_condition_ref(parser *p, const char **id, rf_pos *pos)
{
    *pos = p->tok.pos;
    *id = expect_ident(p, "expected a condition id");
}

static void decl_source(parser *p)
{
    static const field fs[] = {F("citation", FK_STRING, rf_kb_source, citation),
                               F("doi", FK_STRING, rf_kb_source, doi)};
    rf_kb_source *s = NEWP(rf_kb_source);
    begin_entry(p, &s->e, "expected the source's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE)
        if (!parse_common(p, &s->e) && !parse_field(p, s, fs, NFIELDS(fs)))
            unknown_field(p, "source", fs, NFIELDS(fs), "unverified, note");
    next(p);
    if (s->citation == NULL)
        rf_kb_diag(p->kb, s->e.pos, "source '%s' has no citation", s->e.id);
    ADD(source, s, "source");
}

static void decl_class(parser *p)
{
    static const field fs[] = {F("name", FK_STRING, rf_kb_class, name),
                               F("members", FK_IDS, rf_kb_class, members)};
    rf_kb_class *c = NEWP(rf_kb_class);
    begin_entry(p, &c->e, "expected the class's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE)
        if (!parse_common(p, &c->e) && !parse_field(p, c, fs, NFIELDS(fs)))
            unknown_field(p, "class", fs, NFIELDS(fs), "note");
    next(p);
    ADD(klass, c, "class");
}

static void decl_codeset(parser *p)
{
    rf_kb_codeset *c = NEWP(rf_kb_codeset);
    begin_entry(p, &c->e, "expected the code set's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &c->e))
            continue;
        if (FIELD("name"))
            c->name = expect_string(p, "expected a name in quotes");
        else if (FIELD("codes"))
            parse_codes(p, &c->codes);
        else if (is_word(p, "agent") || is_word(p, "observation") || is_word(p, "procedure") ||
                 is_word(p, "condition")) {
            c->target_kind = is_word(p, "agent") ? RF_SYM_AGENT
                             : is_word(p, "observation") ? RF_SYM_OBSERVATION
                             : is_word(p, "procedure") ? RF_SYM_PROCEDURE : RF_SYM_CONDITION;
            next(p);
            expect(p, RF_TOK_COLON, "expected ':'");
            c->target_pos = p->tok.pos;
            c->target_id = expect_ident(p, "expected the id the codes identify");
        } else
            fail(p, "unknown field in codeset (name, codes, agent, observation, procedure, "
                    "condition, note, unverified)");
    }
    next(p);
    ADD(codeset, c, "codeset");
}

static void decl_observation(parser *p)
{
    rf_kb_observation *o = NEWP(rf_kb_observation);
    begin_entry(p, &o->e, "expected the observation's id");
    o->range_lo = o->range_hi = NAN;
    expect(p, RF_TOK_LBRACE, "expected '{'");
    rf_pos unit_pos = p->tok.pos;
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &o->e))
            continue;
        if (FIELD("name")) {
            o->name = expect_string(p, "expected a name in quotes");
        } else if (FIELD("unit")) {
            unit_pos = p->tok.pos;
            o->unit_text = expect_string(p, "expected the unit in quotes (\"mg/L\", \"{score}\")");
            if (!rf_unit_lookup(o->unit_text, strlen(o->unit_text), &o->unit))
                rf_kb_diag(p->kb, unit_pos, "unknown unit near '%s'", o->unit_text);
        } else if (FIELD("range")) {
            o->range_lo = parse_quantity(p, NULL, NULL, NULL);
            expect(p, RF_TOK_COMMA, "expected ',' between the range's bounds");
            o->range_hi = parse_quantity(p, NULL, NULL, NULL);
        } else if (FIELD("codes")) {
            parse_codes(p, &o->codes);
        } else {
            fail(p, "unknown field in observation (name, unit, range, codes, note, unverified)");
        }
    }
    next(p);
    if (o->unit_text == NULL) {
        o->unit_text = "1";
        rf_unit_lookup("1", 1, &o->unit);
    }
    (void)unit_pos;
    ADD(observation, o, "observation");
}

static void decl_procedure(parser *p)
{
    static const field fs[] = {F("name", FK_STRING, rf_kb_procedure, name),
                               F("codes", FK_CODES, rf_kb_procedure, codes)};
    rf_kb_procedure *o = NEWP(rf_kb_procedure);
    begin_entry(p, &o->e, "expected the procedure's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE)
        if (!parse_common(p, &o->e) && !parse_field(p, o, fs, NFIELDS(fs)))
            unknown_field(p, "procedure", fs, NFIELDS(fs), "note, unverified");
    next(p);
    ADD(procedure, o, "procedure");
}

static void decl_agent(parser *p)
{
    rf_kb_agent *g = NEWP(rf_kb_agent);
    begin_entry(p, &g->e, "expected the agent's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &g->e))
            continue;
        if (FIELD("name")) {
            g->name = expect_string(p, "expected a name in quotes");
        } else if (FIELD("classes")) {
            parse_idrefs(p, &g->classes);
        } else if (FIELD("mechanism")) {
            g->mechanism = expect_string(p, "expected the mechanism group in quotes");
        } else if (FIELD("codes")) {
            parse_codes(p, &g->codes);
        } else if (FIELD("unit")) {
            rf_pos pos = p->tok.pos;
            const char *start = p->tok.text;
            /* a bare unit: lex it as the unit of the number 1 */
            rf_unit u;
            const char *q = start;
            while (q < p->lx.end && *q != '\n' && *q != ' ' && *q != '\t' && *q != '}' && *q != '#')
                q++;
            if (!rf_unit_lookup(start, (size_t)(q - start), &u)) {
                rf_kb_diag(p->kb, pos, "unknown unit near '%.*s'", (int)(q - start), start);
            } else {
                g->unit = u;
                g->unit_text = rf_arena_strndup(&p->kb->arena, start, (size_t)(q - start));
            }
            /* skip the unit's tokens on this line */
            while (p->tok.kind != RF_TOK_EOF && p->tok.pos.line == pos.line &&
                   p->tok.text < q)
                next(p);
        } else {
            fail(p, "unknown field in agent (name, classes, mechanism, codes, unit, note, "
                    "unverified)");
        }
    }
    next(p);
    if (g->unit_text == NULL) {
        g->unit_text = "mg/d";
        rf_unit_lookup("mg/d", 4, &g->unit);
    }
    ADD(agent, g, "agent");
}

static void decl_adequacy(parser *p)
{
    rf_kb_adequacy *q = NEWP(rf_kb_adequacy);
    q->e.pos = p->tok.pos;
    q->e.dir = p->dir;
    parse_condition_ref(p, &q->condition_id, &q->condition_pos);
    q->agent_pos = p->tok.pos;
    q->agent_id = expect_ident(p, "expected the agent's id after the condition");
    q->e.id = rf_arena_printf(&p->kb->arena, "%s/%s", q->condition_id, q->agent_id);
    q->min_dose = q->max_dose = q->min_duration_days = NAN;
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &q->e))
            continue;
        if (FIELD("min_dose")) {
            q->min_dose = parse_quantity(p, &q->min_dose_unit, &q->min_dose_has_unit, &q->min_dose_pos);
        } else if (FIELD("max_dose")) {
            q->max_dose = parse_quantity(p, &q->max_dose_unit, &q->max_dose_has_unit, &q->max_dose_pos);
        } else if (FIELD("min_duration")) {
            rf_unit u;
            bool has;
            q->min_duration_days = parse_quantity(p, &u, &has, &q->dur_pos);
            if (!has || u.dim != RF_DIM_TIME)
                rf_kb_diag(p->kb, q->dur_pos, "unit mismatch: min_duration needs a time unit (d, wk)");
        } else {
            fail(p, "unknown field in adequacy (min_dose, max_dose, min_duration, note, "
                    "unverified, sources)");
        }
    }
    next(p);
    ADD(adequacy, q, "adequacy");
}

static void decl_condition(parser *p)
{
    rf_kb_condition *c = NEWP(rf_kb_condition);
    begin_entry(p, &c->e, "expected the condition's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &c->e))
            continue;
        if (FIELD("name")) {
            c->name = expect_string(p, "expected a name in quotes");
        } else if (FIELD("codes")) {
            parse_codes(p, &c->codes);
        } else if (is_word(p, "trial_failed") || is_word(p, "trial_intolerant")) {
            bool failed = is_word(p, "trial_failed");
            next(p);
            expect(p, RF_TOK_LPAREN, "expected '(' and the trial's name");
            const char *var = expect_ident(p, "expected the trial's name");
            expect(p, RF_TOK_RPAREN, "expected ')'");
            expect(p, RF_TOK_COLON, "expected ':'");
            rf_node *e = parse_expr(p, 1);
            e->str = var; /* check.c binds var to slot 0 */
            if (failed)
                c->trial_failed = e;
            else
                c->trial_intolerant = e;
        } else if (FIELD("current_line")) {
            c->current_line = parse_expr(p, 1);
        } else {
            fail(p, "unknown field in condition (name, codes, trial_failed, trial_intolerant, "
                    "current_line, sources, note)");
        }
    }
    next(p);
    ADD(condition, c, "condition");
}

static void decl_definition(parser *p)
{
    rf_kb_definition *d = NEWP(rf_kb_definition);
    begin_entry(p, &d->e, "expected the definition's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &d->e) || parse_body_clause(p, &d->body))
            continue;
        if (FIELD("condition")) {
            parse_condition_ref(p, &d->condition_id, &d->condition_pos);
        } else if (FIELD("title")) {
            d->title = expect_string(p, "expected a title in quotes");
        } else if (is_word(p, "refractory")) {
            next(p);
            if (p->tok.kind == RF_TOK_STRING)
                d->refractory_label = expect_string(p, "expected a label");
            expect(p, RF_TOK_COLON, "expected ':' after 'refractory'");
            d->refractory = parse_expr(p, 1);
        } else if (FIELD("stage")) {
            d->stage = parse_expr(p, 1);
        } else {
            fail(p, "unknown clause in definition (condition, title, sources, let, "
                    "not_applicable, insufficient, require, refractory, stage, note, unverified)");
        }
    }
    next(p);
    if (d->refractory == NULL)
        rf_kb_diag(p->kb, d->e.pos, "definition '%s' has no 'refractory' clause", d->e.id);
    ADD(definition, d, "definition");
}

static void push_item(parser *p, rf_kb_item **items, int *n, rf_kb_item it)
{
    rf_kb_item *a = RF_NEWN(&p->kb->arena, rf_kb_item, *n + 1);
    if (a == NULL)
        fail(p, "out of memory");
    if (*n)
        memcpy(a, *items, sizeof *a * (size_t)*n);
    a[(*n)++] = it;
    *items = a;
}

static void decl_score(parser *p)
{
    rf_kb_score *s = NEWP(rf_kb_score);
    begin_entry(p, &s->e, "expected the score's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &s->e) || parse_body_clause(p, &s->body))
            continue;
        if (FIELD("condition")) {
            parse_condition_ref(p, &s->condition_id, &s->condition_pos);
        } else if (FIELD("title")) {
            s->title = expect_string(p, "expected a title in quotes");
        } else if (FIELD("unit")) {
            s->unit_label = expect_string(p, "expected the unit label in quotes");
        } else if (is_word(p, "item") || is_word(p, "band")) {
            bool item = is_word(p, "item");
            next(p);
            rf_kb_item it = {0};
            it.pos = p->tok.pos;
            it.id = expect_ident(p, item ? "expected the item's id" : "expected the band's id");
            if (p->tok.kind == RF_TOK_STRING)
                it.label = expect_string(p, "expected a label");
            expect(p, RF_TOK_COLON, "expected ':'");
            it.expr = parse_expr(p, 1);
            if (item)
                push_item(p, &s->items, &s->nitems, it);
            else
                push_item(p, &s->bands, &s->nbands, it);
        } else if (FIELD("total")) {
            s->total = parse_expr(p, 1);
        } else {
            fail(p, "unknown clause in score (condition, title, sources, let, not_applicable, "
                    "item, total, band, unit, note, unverified)");
        }
    }
    next(p);
    if (s->nitems == 0 && s->total == NULL)
        rf_kb_diag(p->kb, s->e.pos, "score '%s' has neither items nor a total", s->e.id);
    ADD(score, s, "score");
}

static void decl_flag(parser *p)
{
    static const field fs[] = {FCOND(rf_kb_flag), F("title", FK_STRING, rf_kb_flag, title),
                               F("when", FK_EXPR, rf_kb_flag, when),
                               F("message", FK_STRING, rf_kb_flag, message),
                               F("advice", FK_STRING, rf_kb_flag, advice)};
    rf_kb_flag *f = NEWP(rf_kb_flag);
    begin_entry(p, &f->e, "expected the flag's id");
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE)
        if (!parse_common(p, &f->e) && !parse_body_clause(p, &f->body) &&
            !parse_field(p, f, fs, NFIELDS(fs)))
            unknown_field(p, "flag", fs, NFIELDS(fs), "let, sources, note, unverified");
    next(p);
    if (f->when == NULL)
        rf_kb_diag(p->kb, f->e.pos, "flag '%s' has no 'when' clause", f->e.id);
    ADD(flag, f, "flag");
}

static void decl_strategy(parser *p)
{
    static const field fs[] = {
        FCOND(rf_kb_strategy),
        F("name", FK_STRING, rf_kb_strategy, name),
        F("kind", FK_IDENT, rf_kb_strategy, kind),
        F("line", FK_NUMBER, rf_kb_strategy, line),
        F("agents", FK_IDS, rf_kb_strategy, agents),
        F("evidence", FK_STRING, rf_kb_strategy, evidence),
        F("rationale", FK_STRING, rf_kb_strategy, rationale),
        F("monitor", FK_STRINGS, rf_kb_strategy, monitor),
    };
    rf_kb_strategy *s = NEWP(rf_kb_strategy);
    begin_entry(p, &s->e, "expected the strategy's id");
    s->line = NAN;
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE)
        if (!parse_common(p, &s->e) && !parse_body_clause(p, &s->body) &&
            !parse_field(p, s, fs, NFIELDS(fs)))
            unknown_field(p, "strategy", fs, NFIELDS(fs),
                          "let, requires, contraindicated, caution, prefer, defer, sources, note, "
                          "unverified");
    next(p);
    s->order = p->kb->n_strategy;
    ADD(strategy, s, "strategy");
}

static void decl_contra(parser *p)
{
    rf_kb_contra *c = NEWP(rf_kb_contra);
    begin_entry(p, &c->e, "expected the contraindication's id");
    c->absolute = true;
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &c->e) || parse_body_clause(p, &c->body))
            continue;
        if (FIELD("agents")) {
            parse_idrefs(p, &c->agents);
        } else if (FIELD("classes")) {
            parse_idrefs(p, &c->classes);
        } else if (FIELD("condition")) {
            parse_condition_ref(p, &c->condition_id, &c->condition_pos);
        } else if (FIELD("severity")) {
            const char *sev = expect_ident(p, "expected absolute or relative");
            if (strcmp(sev, "absolute") == 0)
                c->absolute = true;
            else if (strcmp(sev, "relative") == 0)
                c->absolute = false;
            else
                rf_kb_diag(p->kb, p->prev_pos, "severity must be absolute or relative, not '%s'", sev);
        } else if (FIELD("when")) {
            c->when = parse_expr(p, 1);
        } else if (FIELD("text")) {
            c->text = expect_string(p, "expected the text in quotes");
        } else {
            fail(p, "unknown clause in contraindication (agents, classes, severity, when, text, "
                    "let, sources, note, unverified)");
        }
    }
    next(p);
    if (c->when == NULL || c->text == NULL)
        rf_kb_diag(p->kb, c->e.pos, "contraindication '%s' needs 'when' and 'text'", c->e.id);
    ADD(contra, c, "contraindication");
}

static void decl_pgx(parser *p)
{
    rf_kb_pgx *g = NEWP(rf_kb_pgx);
    begin_entry(p, &g->e, "expected the rule's id");
    g->action = RF_PGX_CAUTION;
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (parse_common(p, &g->e))
            continue;
        if (FIELD("condition")) {
            parse_condition_ref(p, &g->condition_id, &g->condition_pos);
        } else if (FIELD("gene")) {
            g->gene = expect_string(p, "expected the gene in quotes");
        } else if (FIELD("phenotype")) {
            g->phenotype = expect_string(p, "expected the phenotype in quotes");
        } else if (FIELD("allele")) {
            g->allele = expect_string(p, "expected the allele in quotes");
        } else if (FIELD("agents")) {
            parse_idrefs(p, &g->agents);
        } else if (FIELD("classes")) {
            parse_idrefs(p, &g->classes);
        } else if (FIELD("action")) {
            static const char *const acts[] = {"avoid", "adjust", "caution", "info"};
            const char *a = expect_ident(p, "expected avoid, adjust, caution or info");
            int found = -1;
            for (int i = 0; i < 4; i++)
                if (strcmp(a, acts[i]) == 0)
                    found = i;
            if (found < 0)
                rf_kb_diag(p->kb, p->prev_pos, "action must be avoid, adjust, caution or info, not '%s'", a);
            else
                g->action = (rf_pgx_action)found;
        } else if (FIELD("advice")) {
            g->advice = expect_string(p, "expected the advice in quotes");
        } else if (FIELD("level")) {
            g->level = expect_string(p, "expected the evidence level in quotes");
        } else {
            fail(p, "unknown field in pgx (gene, phenotype, allele, agents, classes, action, "
                    "advice, level, sources, note, unverified)");
        }
    }
    next(p);
    if (g->gene == NULL || (g->phenotype == NULL && g->allele == NULL))
        rf_kb_diag(p->kb, g->e.pos, "pgx '%s' needs a gene and a phenotype or allele", g->e.id);
    ADD(pgx, g, "pgx");
}

static void decl_let(parser *p)
{
    rf_kb_let *l = NEWP(rf_kb_let);
    begin_entry(p, &l->e, "expected the let's name");
    if (p->tok.kind == RF_TOK_LPAREN) {
        next(p);
        const char *params[8];
        rf_type types[8];
        while (p->tok.kind != RF_TOK_RPAREN) {
            if (l->nparams == 8)
                fail(p, "more than 8 parameters");
            params[l->nparams] = expect_ident(p, "expected a parameter name");
            types[l->nparams] = (rf_type){RF_TY_REC, 0, RF_REC_TRIAL, 0};
            if (p->tok.kind == RF_TOK_COLON) {
                next(p);
                const char *ty = expect_ident(p, "expected a parameter type");
                static const struct {
                    const char *name;
                    rf_type type;
                } tys[] = {
                    {"trial", {RF_TY_REC, 0, RF_REC_TRIAL, 0}},
                    {"procedure", {RF_TY_REC, 0, RF_REC_PROCEDURE, 0}},
                    {"observation", {RF_TY_REC, 0, RF_REC_OBSERVATION, 0}},
                    {"event", {RF_TY_REC, 0, RF_REC_EVENT, 0}},
                    {"trials", {RF_TY_LIST, 0, RF_REC_TRIAL, 0}},
                    {"num", {RF_TY_NUM, RF_DIM_NONE, 0, 0}},
                    {"duration", {RF_TY_NUM, RF_DIM_TIME, 0, 0}},
                    {"date", {RF_TY_DATE, 0, 0, 0}},
                    {"text", {RF_TY_STR, 0, 0, 0}},
                    {"bool", {RF_TY_BOOL, 0, 0, 0}},
                    {"agent", {RF_TY_SYM, 0, 0, RF_SYM_AGENT}},
                };
                bool ok = false;
                for (size_t i = 0; i < sizeof tys / sizeof tys[0]; i++) {
                    if (strcmp(ty, tys[i].name) == 0) {
                        types[l->nparams] = tys[i].type;
                        ok = true;
                    }
                }
                if (!ok)
                    rf_kb_diag(p->kb, p->prev_pos, "unknown parameter type '%s' (trial, procedure, "
                               "observation, event, trials, num, duration, date, text, bool, agent)", ty);
            }
            l->nparams++;
            if (p->tok.kind != RF_TOK_COMMA)
                break;
            next(p);
        }
        expect(p, RF_TOK_RPAREN, "expected ')' after the parameters");
        l->params = RF_NEWN(&p->kb->arena, const char *, l->nparams ? l->nparams : 1);
        l->param_types = RF_NEWN(&p->kb->arena, rf_type, l->nparams ? l->nparams : 1);
        if (l->params == NULL || l->param_types == NULL)
            fail(p, "out of memory");
        memcpy(l->params, params, sizeof(const char *) * (size_t)l->nparams);
        memcpy(l->param_types, types, sizeof(rf_type) * (size_t)l->nparams);
    }
    if (p->tok.kind == RF_TOK_STRING)
        l->label = expect_string(p, "expected a label");
    expect(p, RF_TOK_ASSIGN, "expected '=' after the let's name");
    l->expr = parse_expr(p, 1);
    ADD(let, l, "let");
}

static void decl_knowledge(parser *p)
{
    rf_pos pos = p->prev_pos;
    expect(p, RF_TOK_LBRACE, "expected '{'");
    while (p->tok.kind != RF_TOK_RBRACE) {
        if (FIELD("name"))
            p->kb->name = expect_string(p, "expected the name in quotes");
        else if (FIELD("version"))
            p->kb->base_version = expect_string(p, "expected the version in quotes");
        else
            fail(p, "unknown field in knowledge (name, version)");
    }
    next(p);
    if (p->kb->have_knowledge && p->dir == 0)
        rf_kb_diag(p->kb, pos, "a second 'knowledge' declaration");
    p->kb->have_knowledge = true;
    p->kb->knowledge_pos = pos;
}

static void decl_disable(parser *p);

static const struct {
    const char *word;
    void (*fn)(parser *);
} decls[] = {
    {"source", decl_source},         {"class", decl_class},
    {"codeset", decl_codeset},       {"observation", decl_observation},
    {"procedure", decl_procedure},   {"agent", decl_agent},
    {"adequacy", decl_adequacy},     {"condition", decl_condition},
    {"definition", decl_definition}, {"score", decl_score},
    {"flag", decl_flag},             {"strategy", decl_strategy},
    {"contraindication", decl_contra}, {"pgx", decl_pgx},
    {"let", decl_let},               {"knowledge", decl_knowledge},
    {"disable", decl_disable},
};

/* Remove KIND ID loaded so far; false if there is none. */
static bool apply_disable(rf_kb *kb, const char *kind, const char *id)
{
    bool done = false;
#define X(name, type, word)                                                                  \
    if (!done && strcmp(kind, word) == 0) {                                                  \
        for (int i = 0; i < kb->n_##name; i++) {                                             \
            if (strcmp(kb->name[i]->e.id, id) == 0) {                                        \
                memmove(&kb->name[i], &kb->name[i + 1],                                      \
                        sizeof(void *) * (size_t)(kb->n_##name - i - 1));                    \
                kb->n_##name--;                                                              \
                done = true;                                                                 \
                break;                                                                       \
            }                                                                                \
        }                                                                                    \
    }
    RF_KB_TABLES(X)
#undef X
    if (done)
        decl_rebuild(kb);
    return done;
}

/* disable KIND ID: a site removes an entry of the knowledge it builds on. */
static void decl_disable(parser *p)
{
    rf_pos pos = p->tok.pos;
    const char *kind = expect_ident(p, "expected the kind of entry to disable");
    const char *id = expect_ident(p, "expected the id to disable");
    rf_kb *kb = p->kb;
    if (!apply_disable(kb, kind, id))
        rf_kb_diag(kb, pos, "nothing to disable: no %s '%s' was loaded before", kind, id);
}

void rf_kb_parse(rf_kb *kb, const char *file, const char *src, size_t len, int dir)
{
    parser *p = RF_NEW(&kb->arena, parser);
    if (p == NULL)
        return;
    p->kb = kb;
    p->dir = dir;
    rf_lex_init(&p->lx, &kb->arena, file, src, len);
    p->lx.intern = &kb->intern;
    p->lx.units = RF_NEWN(&kb->arena, rf_lex_unit_memo, RF_LEX_UNIT_CACHE);
    volatile bool first = true;
    for (;;) {
        if (setjmp(p->recover) != 0) {
            /* resynchronise: skip to the next line that starts a declaration */
            p->depth = 0;
            for (;;) {
                rf_token t = rf_lex_next(&p->lx);
                if (t.kind == RF_TOK_EOF) {
                    p->tok = t;
                    break;
                }
                if (t.kind == RF_TOK_IDENT && t.pos.col == 1) {
                    bool is_decl = false;
                    for (size_t i = 0; i < sizeof decls / sizeof decls[0]; i++)
                        if (strcmp(t.str, decls[i].word) == 0)
                            is_decl = true;
                    if (is_decl) {
                        p->tok = t;
                        break;
                    }
                }
            }
        } else if (first) {
            first = false;
            next(p);
        }
        if (p->tok.kind == RF_TOK_EOF)
            return;
        bool found = false;
        for (size_t i = 0; i < sizeof decls / sizeof decls[0]; i++) {
            if (is_word(p, decls[i].word)) {
                next(p);
                decls[i].fn(p);
                found = true;
                break;
            }
        }
        if (!found)
            fail(p, "expected a declaration (source, class, codeset, observation, procedure, "
                    "agent, adequacy, condition, definition, score, flag, strategy, "
                    "contraindication, pgx, let, knowledge, disable)");
    }
}
