/* eval.c - evaluates criteria over a patient. Values are three-valued: a truth value may be
 * unknown and a number may be known only within bounds (a count over trials some of which
 * cannot be judged is [C, C+U]). An unknown value carries the missing data that made it
 * unknown, so "insufficient data, because ..." falls out of evaluation (STYLE.md 6). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../expr/builtins.h"
#include "engine_int.h"

#define INF HUGE_VAL

static const rf_missing *miss(rf_eval *ev, const char *what)
{
    rf_missing *m = RF_NEW(ev->a, rf_missing);
    if (m == NULL)
        return NULL;
    m->what = what;
    return m;
}

/* A genomics result that is not on record, spelled out only if it is ever rendered. */
static const rf_missing *miss_form(rf_eval *ev, uint8_t form, const char *a, const char *b)
{
    rf_missing *m = RF_NEW(ev->a, rf_missing);
    if (m == NULL)
        return NULL;
    m->form = form;
    m->field = a ? a : "";
    m->field2 = b ? b : "";
    return m;
}

static int miss_len(const rf_missing *m)
{
    int n = 0;
    for (; m; m = m->next)
        n++;
    return n;
}

static bool miss_same(const rf_missing *x, const rf_missing *m)
{
    if (x->what && m->what)
        return x->what == m->what || strcmp(x->what, m->what) == 0;
    if (x->form || m->form)
        return x->form == m->form && strcmp(x->field, m->field) == 0 &&
               strcmp(x->field2, m->field2) == 0;
    return x->rec == m->rec && x->field && m->field && strcmp(x->field, m->field) == 0;
}

/* Union of two missing lists (bounded: a criterion names at most 48 missing facts). */
static const rf_missing *miss_join(rf_eval *ev, const rf_missing *a, const rf_missing *b)
{
    if (a == NULL)
        return b;
    if (b == NULL || a == b)
        return a;
    const rf_missing *out = a;
    int n = miss_len(a);
    for (const rf_missing *m = b; m && n < 48; m = m->next) {
        bool dup = false;
        for (const rf_missing *x = a; x && !dup; x = x->next)
            dup = miss_same(x, m);
        if (dup)
            continue;
        rf_missing *c = RF_NEW(ev->a, rf_missing);
        if (c == NULL)
            break;
        *c = *m;
        c->next = out;
        out = c;
        n++;
    }
    return out;
}

/* Every value is built by mkval, each field written once and nothing else: a compound
 * literal zero-filled the whole value first (with `rep stos` on paths the compiler judged
 * cold), and values built field by field on the stack and then copied out whole stalled
 * the copy's store-to-load forwarding (perf: a quarter of trial_field's time). */
static rf_val mkval(rf_tkind k, rf_b3 b, double lo, double hi, const void *p, const rf_missing *m)
{
    rf_val v;
    v.k = (uint8_t)k;
    v.b = (uint8_t)b;
    v.rec = 0;
    v.lo = lo;
    v.hi = hi;
    v.p = p;
    v.missing = m;
    return v;
}

/* A remembered value, copied field by field (a whole-struct copy became `rep movs`). */
static rf_val copy_val(const rf_val *s)
{
    rf_val v = mkval((rf_tkind)s->k, (rf_b3)s->b, s->lo, s->hi, s->p, s->missing);
    v.rec = s->rec;
    return v;
}

static rf_val vbool(rf_b3 b)
{
    return mkval(RF_TY_BOOL, b, 0, 0, NULL, NULL);
}

static rf_val vnum(double lo, double hi)
{
    return mkval(RF_TY_NUM, RF_FALSE, lo, hi, NULL, NULL);
}

static rf_val vdate(rf_date d)
{
    return mkval(RF_TY_DATE, RF_FALSE, d, d, NULL, NULL);
}

static rf_val vstr(const char *s)
{
    return mkval(RF_TY_STR, RF_FALSE, 0, 0, s, NULL);
}

/* An unknown value of kind k whose missing data is m. */
static rf_val unknown_m(rf_tkind k, const rf_missing *m)
{
    return mkval(k, RF_UNKNOWN, -INF, INF, NULL, m);
}

static rf_val unknown(rf_eval *ev, rf_tkind k, const char *what)
{
    return unknown_m(k, what ? miss(ev, what) : NULL);
}

static bool num_known(rf_val v)
{
    return v.lo == v.hi && isfinite(v.lo);
}

static bool is_unknown(rf_val v)
{
    switch ((rf_tkind)v.k) {
    case RF_TY_BOOL: return v.b == RF_UNKNOWN;
    case RF_TY_NUM:
    case RF_TY_DATE: return !num_known(v);
    case RF_TY_STR:
    case RF_TY_SYM: return v.s == NULL;
    case RF_TY_REC:
    case RF_TY_LIST: return v.p == NULL;
    default: return false;
    }
}

/* ---- labels ------------------------------------------------------------------------------ */

const char *rf_trial_label(rf_eval *ev, size_t i)
{
    if (ev->trial_label[i])
        return ev->trial_label[i];
    const rf_trial *t = &ev->p->trials[i];
    char start[11], end[11];
    rf_date_format(t->start, start);
    rf_date_format(t->end, end);
    const char *agent = t->agent ? t->agent : (t->ncodes ? t->codes[0].code : "unknown agent");
    const char *l;
    if (t->start != RF_DATE_NONE)
        l = rf_arena_printf(ev->a, "%s trial from %s%s%s (%s)", agent, start,
                            t->end != RF_DATE_NONE ? " to " : (t->ongoing ? ", ongoing" : ""),
                            t->end != RF_DATE_NONE ? end : "", t->where ? t->where : "record");
    else
        l = rf_arena_printf(ev->a, "%s trial with no start date (%s)", agent,
                            t->where ? t->where : "record");
    ev->trial_label[i] = l;
    return l;
}

const char *rf_rec_label(rf_eval *ev, const void *rec, rf_rec_kind kind)
{
    char d[11];
    switch (kind) {
    case RF_REC_TRIAL:
        return rf_trial_label(ev, (size_t)((const rf_trial *)rec - ev->p->trials));
    case RF_REC_PROCEDURE: {
        const rf_procedure *x = rec;
        rf_date_format(x->start, d);
        return rf_arena_printf(ev->a, "%s from %s (%s)", x->kind ? x->kind : "procedure", d,
                               x->where ? x->where : "record");
    }
    case RF_REC_OBSERVATION: {
        const rf_observation *x = rec;
        rf_date_format(x->date, d);
        if (x->text_value && !rf_num_known(x->value))
            return rf_arena_printf(ev->a, "%s %s on %s (%s)", x->kind ? x->kind : "observation",
                                   x->text_value, d, x->where ? x->where : "record");
        return rf_arena_printf(ev->a, "%s %g%s%s on %s (%s)", x->kind ? x->kind : "observation",
                               x->value, x->unit ? " " : "", x->unit ? x->unit : "", d,
                               x->where ? x->where : "record");
    }
    case RF_REC_EVENT: {
        const rf_event *x = rec;
        rf_date_format(x->date, d);
        return rf_arena_printf(ev->a, "%s on %s (%s)", x->kind, d, x->where ? x->where : "record");
    }
    case RF_REC_NONE:
        break;
    }
    return "record";
}

static const rf_missing *field_missing(rf_eval *ev, const void *rec, rf_rec_kind kind,
                                       const char *field)
{
    rf_missing *m = RF_NEW(ev->a, rf_missing);
    if (m == NULL)
        return NULL;
    m->rec = rec;
    m->rec_kind = (uint8_t)kind;
    m->field = field;
    return m;
}

/* ---- patient facts ----------------------------------------------------------------------- */

static bool trial_for_condition(rf_eval *ev, const rf_trial *t)
{
    if (t->for_condition == NULL || ev->cond < 0)
        return true;
    return strcmp(t->for_condition, ev->kb->condition[ev->cond]->e.id) == 0;
}

/* A new list of capacity n; *out refers to it (or is unknown when memory ran out). */
static rf_list *list_new(rf_eval *ev, rf_rec_kind kind, size_t n, rf_val *out)
{
    rf_list *l = RF_NEW(ev->a, rf_list);
    memset(out, 0, sizeof *out);
    out->k = RF_TY_LIST;
    if (l == NULL)
        return NULL;
    l->rec = (uint8_t)kind;
    l->items = RF_NEWN(ev->a, rf_elem, n ? n : 1);
    if (l->items == NULL)
        return NULL;
    out->p = l;
    return l;
}

static rf_val trials_list(rf_eval *ev, bool current, bool every)
{
    const rf_patient *p = ev->p;
    rf_val v;
    rf_list *l = list_new(ev, RF_REC_TRIAL, p->ntrials, &v);
    if (l == NULL)
        return unknown(ev, RF_TY_LIST, "out of memory");
    rf_date ep = ev->pcond ? ev->pcond->episode_start : RF_DATE_NONE;
    for (size_t i = 0; i < p->ntrials; i++) {
        const rf_trial *t = &p->trials[i];
        if (!every && !trial_for_condition(ev, t))
            continue;
        rf_elem e = {t, RF_TRUE, NULL};
        if (current) {
            if (ep == RF_DATE_NONE) {
                e.member = RF_UNKNOWN;
                e.why = miss(ev, rf_arena_printf(ev->a, "start of the current episode of %s",
                                                 ev->kb->condition[ev->cond]->e.id));
            } else if (t->start == RF_DATE_NONE) {
                e.member = RF_UNKNOWN;
                e.why = field_missing(ev, t, RF_REC_TRIAL, "start date");
            } else if (t->start < ep) {
                continue;
            }
        }
        l->items[l->n++] = e;
    }
    return v;
}

static bool codes_match(const rf_kb_codes *codes, const rf_code *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rf_kb_code_match(codes, c[i].system, c[i].code))
            return true;
    return false;
}

static rf_val eval_builtin(rf_eval *ev, int id)
{
    const rf_patient *p = ev->p;
    switch ((rf_builtin)id) {
    case RF_B_AS_OF:
        return vdate(p->as_of);
    case RF_B_AGE: {
        if (p->birth_date == RF_DATE_NONE)
            return unknown(ev, RF_TY_NUM, "birth date");
        int y0, m0, d0, y1, m1, d1;
        rf_date_to_ymd(p->birth_date, &y0, &m0, &d0);
        rf_date_to_ymd(p->as_of, &y1, &m1, &d1);
        int age = y1 - y0 - ((m1 < m0 || (m1 == m0 && d1 < d0)) ? 1 : 0);
        return vnum(age, age);
    }
    case RF_B_SEX:
        if (p->sex == RF_SEX_UNKNOWN)
            return unknown(ev, RF_TY_STR, "sex");
        return vstr(p->sex == RF_SEX_FEMALE ? "female" : p->sex == RF_SEX_MALE ? "male" : "other");
    case RF_B_PREGNANT:
    case RF_B_BREASTFEEDING:
    case RF_B_CHILDBEARING:
    case RF_B_SMOKER: {
        static const char *const names[] = {"pregnancy status", "breastfeeding status",
                                            "childbearing potential", "smoking status"};
        rf_tri t = id == RF_B_PREGNANT ? p->pregnant : id == RF_B_BREASTFEEDING ? p->breastfeeding
                   : id == RF_B_CHILDBEARING ? p->childbearing_potential : p->smoker;
        if (t == RF_TRI_UNKNOWN) {
            /* a man cannot be pregnant or breastfeeding: not a missing fact */
            if ((id == RF_B_PREGNANT || id == RF_B_BREASTFEEDING) && p->sex == RF_SEX_MALE)
                return vbool(RF_FALSE);
            rf_val u = unknown(ev, RF_TY_BOOL, names[id - RF_B_PREGNANT]);
            return u;
        }
        return vbool(t == RF_TRI_TRUE ? RF_TRUE : RF_FALSE);
    }
    case RF_B_WEIGHT:
        if (!rf_num_known(p->weight_kg))
            return unknown(ev, RF_TY_NUM, "body weight");
        return vnum(p->weight_kg * 1e6, p->weight_kg * 1e6);
    case RF_B_ONSET:
    case RF_B_EPISODE_START: {
        rf_date d = ev->pcond ? (id == RF_B_ONSET ? ev->pcond->onset : ev->pcond->episode_start)
                              : RF_DATE_NONE;
        if (d == RF_DATE_NONE && id == RF_B_EPISODE_START && ev->pcond)
            d = RF_DATE_NONE; /* never taken from onset: an episode start is not guessed */
        if (d == RF_DATE_NONE)
            return unknown(ev, RF_TY_DATE,
                           rf_arena_printf(ev->a, "%s of %s", id == RF_B_ONSET ? "onset date" : "start of the current episode",
                                           ev->cond >= 0 ? ev->kb->condition[ev->cond]->e.id : "the condition"));
        return vdate(d);
    }
    case RF_B_SEVERITY:
        if (ev->pcond == NULL || ev->pcond->severity == NULL)
            return unknown(ev, RF_TY_STR, "severity of the current episode");
        return vstr(ev->pcond->severity);
    case RF_B_HAS_CONDITION:
        return vbool(ev->pcond ? RF_TRUE : RF_FALSE);
    case RF_B_ALL_TRIALS:
        return trials_list(ev, false, true);
    case RF_B_TRIALS:
    case RF_B_CURRENT_TRIALS: {
        /* the same list for every criterion of a condition: build it once */
        size_t k = 2 * (size_t)(ev->cond + 1) + (id == RF_B_CURRENT_TRIALS);
        if (!ev->list_done[k]) {
            ev->list_memo[k] = trials_list(ev, id == RF_B_CURRENT_TRIALS, false);
            ev->list_done[k] = 1;
        }
        return copy_val(&ev->list_memo[k]);
    }
    case RF_B_ALL_PROCEDURES: {
        rf_val v;
        rf_list *l = list_new(ev, RF_REC_PROCEDURE, p->nprocedures, &v);
        for (size_t i = 0; l && i < p->nprocedures; i++)
            l->items[l->n++] = (rf_elem){&p->procedures[i], RF_TRUE, NULL};
        return v;
    }
    case RF_B_ALL_EVENTS: {
        rf_val v;
        rf_list *l = list_new(ev, RF_REC_EVENT, p->nevents, &v);
        for (size_t i = 0; l && i < p->nevents; i++)
            l->items[l->n++] = (rf_elem){&p->events[i], RF_TRUE, NULL};
        return v;
    }
    case RF_B_COUNT_:
        break;
    }
    return unknown(ev, RF_TY_BOOL, "internal: unknown builtin");
}

/* ---- record fields ----------------------------------------------------------------------- */

/* Improvement from the trial's own baseline to its end on one instrument. Only scores
 * decide it (a rating on another instrument, or an outcome label alone, does not); a
 * knowledge base that accepts a clinician's recorded outcome reads t.outcome instead. */
static rf_val trial_improvement(rf_eval *ev, const rf_trial *t)
{
    if (rf_num_known(t->baseline_score) && rf_num_known(t->end_score) && t->baseline_score > 0) {
        double f = (t->baseline_score - t->end_score) / t->baseline_score;
        return vnum(f, f);
    }
    return unknown_m(RF_TY_NUM, field_missing(ev, t, RF_REC_TRIAL, "baseline and end scores on one instrument"));
}

static rf_val trial_field(rf_eval *ev, const rf_trial *t, int f)
{
    size_t ti = (size_t)(t - ev->p->trials);
    int agent = ev->trial_agent[ti];
    switch ((rf_field)f) {
    case RF_FLD_AGENT: {
        if (agent < 0)
            return unknown_m(RF_TY_SYM, field_missing(ev, t, RF_REC_TRIAL, "agent known to the knowledge base"));
        return mkval(RF_TY_SYM, RF_FALSE, agent, agent, ev->kb->agent[agent]->e.id, NULL);
    }
    case RF_FLD_DOSE:
        if (!rf_num_known(t->dose_canon))
            return unknown_m(RF_TY_NUM, field_missing(ev, t, RF_REC_TRIAL, "daily dose"));
        return vnum(t->dose_canon, t->dose_canon);
    case RF_FLD_MIN_DOSE:
    case RF_FLD_MAX_DOSE:
    case RF_FLD_MIN_DURATION: {
        const rf_kb_adequacy *q = NULL; /* the condition's adequacy row for this agent */
        if (agent >= 0 && ev->cond >= 0) {
            size_t k = (size_t)ev->cond * ev->p->ntrials + ti;
            if (!ev->adequacy_done[k]) {
                ev->adequacy[k] = rf_kb_adequacy_for(ev->kb, ev->cond, agent);
                ev->adequacy_done[k] = 1;
            }
            q = ev->adequacy[k];
        }
        double x = q == NULL ? NAN : f == RF_FLD_MIN_DOSE ? q->min_dose
                                 : f == RF_FLD_MAX_DOSE ? q->max_dose : q->min_duration_days;
        if (isnan(x)) {
            return unknown_m(RF_TY_NUM, miss(ev, rf_arena_printf(ev->a, "knowledge: no %s for %s in %s",
                                                 f == RF_FLD_MIN_DOSE ? "minimum adequate dose"
                                                 : f == RF_FLD_MAX_DOSE ? "maximum dose" : "minimum duration",
                                                 agent >= 0 ? ev->kb->agent[agent]->e.id : "this agent",
                                                 ev->cond >= 0 ? ev->kb->condition[ev->cond]->e.id : "?")));
        }
        return vnum(x, x);
    }
    case RF_FLD_START:
        if (t->start == RF_DATE_NONE)
            return unknown_m(RF_TY_DATE, field_missing(ev, t, RF_REC_TRIAL, "start date"));
        return vdate(t->start);
    case RF_FLD_END:
    case RF_FLD_DURATION: {
        rf_date end = t->end != RF_DATE_NONE ? t->end : t->ongoing ? ev->p->as_of : RF_DATE_NONE;
        if (end == RF_DATE_NONE || (f == RF_FLD_DURATION && t->start == RF_DATE_NONE)) {
            return unknown_m(f == RF_FLD_END ? RF_TY_DATE : RF_TY_NUM,
                             field_missing(ev, t, RF_REC_TRIAL, end == RF_DATE_NONE ? "end date" : "start date"));
        }
        if (f == RF_FLD_END)
            return vdate(end);
        return vnum(end - t->start, end - t->start);
    }
    case RF_FLD_ADHERENCE:
        if (!rf_num_known(t->adherence))
            return unknown_m(RF_TY_NUM, field_missing(ev, t, RF_REC_TRIAL, "adherence"));
        return vnum(t->adherence, t->adherence);
    case RF_FLD_LEVEL:
    case RF_FLD_LEVEL_MOLAR: {
        /* a level is a mass (ng/mL) or an amount (mmol/L) concentration: one field each */
        rf_unit un;
        rf_dim want = f == RF_FLD_LEVEL ? RF_DIM_MASS_CONC : RF_DIM_AMOUNT_CONC;
        if (!rf_num_known(t->level_value) || t->level_unit == NULL ||
            !rf_unit_lookup(t->level_unit, strlen(t->level_unit), &un) || un.dim != want)
            return unknown_m(RF_TY_NUM, field_missing(ev, t, RF_REC_TRIAL,
                                             f == RF_FLD_LEVEL ? "drug level (mass concentration)"
                                                               : "drug level (amount concentration)"));
        double x = t->level_value * un.factor;
        return vnum(x, x);
    }
    case RF_FLD_IMPROVEMENT:
        return trial_improvement(ev, t);
    case RF_FLD_BASELINE_SCORE:
    case RF_FLD_END_SCORE: {
        double x = f == RF_FLD_BASELINE_SCORE ? t->baseline_score : t->end_score;
        if (!rf_num_known(x))
            return unknown_m(RF_TY_NUM, field_missing(ev, t, RF_REC_TRIAL, f == RF_FLD_BASELINE_SCORE ? "baseline score" : "end score"));
        return vnum(x, x);
    }
    case RF_FLD_OUTCOME:
        if (t->outcome == RF_OUTCOME_UNKNOWN)
            return unknown_m(RF_TY_STR, field_missing(ev, t, RF_REC_TRIAL, "outcome"));
        return vstr(rf_outcome_name(t->outcome));
    case RF_FLD_INSTRUMENT:
    case RF_FLD_STOP_REASON:
    case RF_FLD_ROLE:
    case RF_FLD_FOR:
    case RF_FLD_ROUTE: {
        const char *s = f == RF_FLD_INSTRUMENT ? t->instrument : f == RF_FLD_STOP_REASON ? t->stop_reason
                        : f == RF_FLD_ROLE ? t->role : f == RF_FLD_FOR ? t->for_condition : t->route;
        if (s == NULL) {
            static const char *const names[] = {"instrument", "stop reason", "role", "condition treated", "route"};
            int k = f == RF_FLD_INSTRUMENT ? 0 : f == RF_FLD_STOP_REASON ? 1 : f == RF_FLD_ROLE ? 2 : f == RF_FLD_FOR ? 3 : 4;
            return unknown_m(RF_TY_STR, field_missing(ev, t, RF_REC_TRIAL, names[k]));
        }
        return vstr(s);
    }
    case RF_FLD_ONGOING:
        return vbool(t->ongoing ? RF_TRUE : RF_FALSE);
    case RF_FLD_MAX_TOLERATED:
        return vbool(t->max_tolerated ? RF_TRUE : RF_FALSE);
    case RF_FLD_PREVIOUS_EPISODE: {
        rf_date ep = ev->pcond ? ev->pcond->episode_start : RF_DATE_NONE;
        if (ep == RF_DATE_NONE || t->start == RF_DATE_NONE) {
            return mkval(RF_TY_BOOL, RF_UNKNOWN, 0, 0, NULL,
                         ep == RF_DATE_NONE ? miss(ev, "start of the current episode")
                                            : field_missing(ev, t, RF_REC_TRIAL, "start date"));
        }
        return vbool(t->start < ep ? RF_TRUE : RF_FALSE);
    }
    case RF_FLD_MECHANISM:
        if (agent < 0 || ev->kb->agent[agent]->mechanism == NULL)
            return unknown_m(RF_TY_STR, field_missing(ev, t, RF_REC_TRIAL, "mechanism of the agent"));
        return vstr(ev->kb->agent[agent]->mechanism);
    case RF_FLD_TARGET_DOSE_DATE:
        if (t->target_dose_date == RF_DATE_NONE)
            return unknown_m(RF_TY_DATE, field_missing(ev, t, RF_REC_TRIAL, "date the target dose was reached"));
        return vdate(t->target_dose_date);
    default:
        break;
    }
    return unknown_m(RF_TY_NUM, NULL);
}

static rf_val str_or_missing(rf_eval *ev, const void *rec, rf_rec_kind k, const char *s, const char *what)
{
    if (s == NULL) {
        return unknown_m(RF_TY_STR, field_missing(ev, rec, k, what));
    }
    return vstr(s);
}

/* Field f of the record value r (read through a pointer: copying the value was a fifth of
 * the cost of reading t.dose). */
static rf_val record_field(rf_eval *ev, const rf_val *r, int f)
{
    if (r->p == NULL)
        return unknown_m(RF_TY_NUM, r->missing);
    switch ((rf_rec_kind)r->rec) {
    case RF_REC_TRIAL:
        return trial_field(ev, r->p, f);
    case RF_REC_PROCEDURE: {
        const rf_procedure *x = r->p;
        switch ((rf_field)f) {
        case RF_FLD_KIND: return str_or_missing(ev, x, RF_REC_PROCEDURE, x->kind, "kind");
        case RF_FLD_PSTART:
        case RF_FLD_PEND: {
            rf_date d = f == RF_FLD_PSTART ? x->start : (x->end != RF_DATE_NONE ? x->end : x->start);
            if (d == RF_DATE_NONE) {
                return unknown_m(RF_TY_DATE, field_missing(ev, x, RF_REC_PROCEDURE, "date"));
            }
            return vdate(d);
        }
        case RF_FLD_SESSIONS:
            if (!rf_num_known(x->sessions)) {
                return unknown_m(RF_TY_NUM, field_missing(ev, x, RF_REC_PROCEDURE, "number of sessions"));
            }
            return vnum(x->sessions, x->sessions);
        case RF_FLD_LATERALITY: return str_or_missing(ev, x, RF_REC_PROCEDURE, x->laterality, "laterality");
        case RF_FLD_POUTCOME:
            if (x->outcome == RF_OUTCOME_UNKNOWN)
                return str_or_missing(ev, x, RF_REC_PROCEDURE, NULL, "outcome");
            return vstr(rf_outcome_name(x->outcome));
        case RF_FLD_DEVICE_PRESENT: return vbool(x->device_present ? RF_TRUE : RF_FALSE);
        case RF_FLD_PFOR: return str_or_missing(ev, x, RF_REC_PROCEDURE, x->for_condition, "condition treated");
        default: break;
        }
        break;
    }
    case RF_REC_OBSERVATION: {
        const rf_observation *x = r->p;
        if (f == RF_FLD_VALUE) {
            if (!rf_num_known(x->value_canon)) {
                return unknown_m(RF_TY_NUM, field_missing(ev, x, RF_REC_OBSERVATION, "numeric value"));
            }
            return vnum(x->value_canon, x->value_canon);
        }
        if (f == RF_FLD_ODATE)
            return vdate(x->date);
        if (f == RF_FLD_TEXT)
            return str_or_missing(ev, x, RF_REC_OBSERVATION, x->text_value, "result text");
        break;
    }
    case RF_REC_EVENT: {
        const rf_event *x = r->p;
        if (f == RF_FLD_EKIND)
            return vstr(x->kind);
        if (f == RF_FLD_EDATE)
            return x->date == RF_DATE_NONE ? unknown(ev, RF_TY_DATE, "event date") : vdate(x->date);
        if (f == RF_FLD_DETAIL)
            return str_or_missing(ev, x, RF_REC_EVENT, x->detail, "detail");
        break;
    }
    case RF_REC_NONE:
        break;
    }
    return unknown(ev, RF_TY_NUM, "internal: unknown field");
}

/* ---- logic and arithmetic ---------------------------------------------------------------- */

static rf_val b3(rf_eval *ev, rf_b3 b, const rf_missing *m1, const rf_missing *m2)
{
    return mkval(RF_TY_BOOL, b, 0, 0, NULL, b == RF_UNKNOWN ? miss_join(ev, m1, m2) : NULL);
}

/* The truth of a comparison; *m is the missing data when it is unknown (else NULL), as b3()
 * would join it. */
static rf_b3 compare_b3(rf_eval *ev, rf_binop op, const rf_val *a, const rf_val *b, const rf_missing **m)
{
    *m = NULL;
    if (a->k == RF_TY_STR || a->k == RF_TY_SYM || a->k == RF_TY_BOOL) {
        bool ua = is_unknown(*a), ub = is_unknown(*b);
        if (ua || ub) {
            *m = miss_join(ev, ua ? a->missing : NULL, ub ? b->missing : NULL);
            return RF_UNKNOWN;
        }
        bool eq = a->k == RF_TY_BOOL ? a->b == b->b : rf_streq(a->s, b->s);
        return (op == RF_OP_EQ) == eq ? RF_TRUE : RF_FALSE;
    }
    rf_b3 r;
    switch (op) {
    case RF_OP_LT: r = a->hi < b->lo ? RF_TRUE : a->lo >= b->hi ? RF_FALSE : RF_UNKNOWN; break;
    case RF_OP_LE: r = a->hi <= b->lo ? RF_TRUE : a->lo > b->hi ? RF_FALSE : RF_UNKNOWN; break;
    case RF_OP_GT: r = a->lo > b->hi ? RF_TRUE : a->hi <= b->lo ? RF_FALSE : RF_UNKNOWN; break;
    case RF_OP_GE: r = a->lo >= b->hi ? RF_TRUE : a->hi < b->lo ? RF_FALSE : RF_UNKNOWN; break;
    case RF_OP_EQ:
    case RF_OP_NE: {
        rf_b3 eq = (num_known(*a) && num_known(*b)) ? (fabs(a->lo - b->lo) < 1e-9 ? RF_TRUE : RF_FALSE)
                   : (a->hi < b->lo || b->hi < a->lo) ? RF_FALSE : RF_UNKNOWN;
        r = op == RF_OP_EQ || eq == RF_UNKNOWN ? eq : eq == RF_TRUE ? RF_FALSE : RF_TRUE;
        break;
    }
    default: r = RF_UNKNOWN; break;
    }
    if (r == RF_UNKNOWN)
        *m = miss_join(ev, a->missing, b->missing);
    return r;
}

static rf_val bool_val(rf_b3 b, const rf_missing *m)
{
    return mkval(RF_TY_BOOL, b, 0, 0, NULL, b == RF_UNKNOWN ? m : NULL);
}

static rf_val compare(rf_eval *ev, rf_binop op, const rf_val *a, const rf_val *b)
{
    const rf_missing *m;
    rf_b3 r = compare_b3(ev, op, a, b, &m);
    return bool_val(r, m);
}

static double mul0(double x, double y)
{
    if (x == 0 || y == 0)
        return 0; /* bounds: 0 * inf is 0 here, not NaN */
    return x * y;
}

static rf_val arith(rf_eval *ev, rf_binop op, const rf_val *a, const rf_val *b, const rf_node *n)
{
    rf_val r = vnum(0, 0);
    if (n->type.kind == RF_TY_DATE)
        r.k = RF_TY_DATE;
    switch (op) {
    case RF_OP_ADD: r.lo = a->lo + b->lo; r.hi = a->hi + b->hi; break;
    case RF_OP_SUB: r.lo = a->lo - b->hi; r.hi = a->hi - b->lo; break;
    case RF_OP_MUL: {
        double c[4] = {mul0(a->lo, b->lo), mul0(a->lo, b->hi), mul0(a->hi, b->lo), mul0(a->hi, b->hi)};
        r.lo = fmin(fmin(c[0], c[1]), fmin(c[2], c[3]));
        r.hi = fmax(fmax(c[0], c[1]), fmax(c[2], c[3]));
        break;
    }
    case RF_OP_DIV: {
        if (b->lo <= 0 && b->hi >= 0) {
            r.lo = -INF;
            r.hi = INF;
            if (num_known(*b))
                r.missing = miss(ev, "division by zero");
            break;
        }
        double c[4] = {a->lo / b->lo, a->lo / b->hi, a->hi / b->lo, a->hi / b->hi};
        r.lo = fmin(fmin(c[0], c[1]), fmin(c[2], c[3]));
        r.hi = fmax(fmax(c[0], c[1]), fmax(c[2], c[3]));
        break;
    }
    default: break;
    }
    if (isnan(r.lo) || isnan(r.hi)) {
        r.lo = -INF;
        r.hi = INF;
    }
    if (!num_known(r))
        r.missing = miss_join(ev, r.missing, miss_join(ev, a->missing, b->missing));
    return r;
}

/* Where a let without parameters (GLET) is remembered for the condition being assessed. */
static inline size_t let_memo_index(const rf_eval *ev, const rf_node *n)
{
    return (size_t)(ev->cond + 1) * (size_t)ev->kb->n_let + (size_t)n->slot;
}

/* The value in the slot of a SLOT node once it is filled; NULL for another kind of node or
 * a let of the frame not evaluated yet (kind RF_TY_ERROR: rf_eval_slot evaluates it). */
static inline const rf_val *filled_slot(const rf_eval *ev, const rf_node *n)
{
    if (n->kind != RF_N_SLOT || !RF_LIKELY(ev->frame[n->slot].k != RF_TY_ERROR))
        return NULL;
    return &ev->frame[n->slot];
}

/* An operand: literals and fields of bound records (t.dose >= 150 mg/d) are read here, the
 * rest go through rf_eval_node. Saves a recursive call per leaf of the commonest shape. */
static inline rf_val eval_operand(rf_eval *ev, const rf_node *n)
{
    if (n->kind == RF_N_NUM)
        return vnum(n->num, n->num);
    const rf_val *r = n->kind == RF_N_FIELD ? filled_slot(ev, n->a) : NULL;
    if (r)
        return record_field(ev, r, n->op);
    return rf_eval_node(ev, n);
}

static rf_b3 eval_b3(rf_eval *ev, const rf_node *n, const rf_missing **m);
static rf_b3 in_b3(rf_eval *ev, const rf_node *n, const rf_missing **m);
static rf_val call_let(rf_eval *ev, const rf_node *n);
static bool patient_has(rf_eval *ev, const rf_node *sym);

/* has(code set or condition): does the record show it? Once per assessment each. */
static rf_b3 has_b3(rf_eval *ev, const rf_node *sym)
{
    size_t k = (size_t)sym->sym_index + (sym->type.sym == RF_SYM_CODESET ? 0 : (size_t)ev->kb->n_codeset);
    if (!ev->has_memo[k])
        ev->has_memo[k] = (uint8_t)((patient_has(ev, sym) ? RF_TRUE : RF_FALSE) + 1);
    return (rf_b3)(ev->has_memo[k] - 1);
}

/* A chain a and b and c ... (the parser nests it to the left: ((a and b) and c)) walked as
 * one list, left to right: the inner nodes of a chain were a quarter of all the nodes an
 * assessment visits. Kleene logic as the nested form: the first operand equal to `stop`
 * (false for and, true for or) decides; otherwise unknown if any operand is, with the
 * missing data of the unknown ones joined in order, which is what the nesting produced. */
static rf_b3 chain_b3(rf_eval *ev, const rf_node *n, rf_binop op, const rf_missing **m)
{
    const rf_node *right[64];
    int depth = 0;
    const rf_node *x = n;
    while (x->kind == RF_N_BINARY && x->op == op && depth < (int)(sizeof right / sizeof right[0])) {
        right[depth++] = x->b;
        x = x->a;
    }
    rf_b3 stop = op == RF_OP_AND ? RF_FALSE : RF_TRUE;
    bool unknown_seen = false;
    const rf_missing *acc = NULL;
    *m = NULL;
    for (int i = depth; i >= 0; i--) {
        const rf_missing *vm;
        rf_b3 v = eval_b3(ev, i == depth ? x : right[i], &vm);
        if (v == stop)
            return stop;
        if (v == RF_UNKNOWN) {
            acc = unknown_seen ? miss_join(ev, acc, vm) : vm;
            unknown_seen = true;
        }
    }
    if (unknown_seen) {
        *m = acc;
        return RF_UNKNOWN;
    }
    return stop == RF_FALSE ? RF_TRUE : RF_FALSE;
}

/* A criterion's truth without building its value: and/or chains, not, comparisons, `in`
 * and remembered lets answer here (over half the nodes of an assessment are boolean);
 * anything else is evaluated and its truth taken. *m is the missing data that
 * rf_eval_node's value would carry (NULL for a known answer built here). */
static rf_b3 eval_b3(rf_eval *ev, const rf_node *n, const rf_missing **m)
{
    switch ((rf_node_kind)n->kind) {
    case RF_N_BINARY:
        if (n->op == RF_OP_AND || n->op == RF_OP_OR)
            return chain_b3(ev, n, (rf_binop)n->op, m);
        if (n->op >= RF_OP_EQ && n->op <= RF_OP_GE) {
            rf_val a = eval_operand(ev, n->a);
            rf_val b = eval_operand(ev, n->b);
            return compare_b3(ev, (rf_binop)n->op, &a, &b, m);
        }
        break;
    case RF_N_IN:
        return in_b3(ev, n, m);
    case RF_N_NOT: {
        rf_b3 a = eval_b3(ev, n->a, m);
        if (a == RF_UNKNOWN)
            return a;
        *m = NULL;
        return a == RF_TRUE ? RF_FALSE : RF_TRUE;
    }
    case RF_N_GLET: {
        size_t k = let_memo_index(ev, n);
        if (RF_LIKELY(ev->let_state[k] == 2)) {
            *m = ev->let_memo[k].missing;
            return (rf_b3)ev->let_memo[k].b;
        }
        break;
    }
    case RF_N_CALL:
        /* the boolean calls of the criteria, as eval_call answers them */
        if (n->op == 255) { /* a let with parameters: dep_failed(t) */
            rf_val v = call_let(ev, n);
            *m = v.missing;
            return (rf_b3)v.b;
        }
        if (n->op == RF_F_HAS) {
            *m = NULL;
            return has_b3(ev, n->args[0]);
        }
        if (n->op == RF_F_KNOWN) {
            rf_val a = eval_operand(ev, n->args[0]);
            *m = NULL;
            return is_unknown(a) ? RF_FALSE : RF_TRUE;
        }
        break;
    default:
        break;
    }
    rf_val v = rf_eval_node(ev, n);
    *m = v.missing;
    return (rf_b3)v.b;
}

rf_b3 rf_eval_truth(rf_eval *ev, const rf_node *n, const rf_missing **missing)
{
    return eval_b3(ev, n, missing);
}

static rf_val eval_chain(rf_eval *ev, const rf_node *n, rf_binop op)
{
    const rf_missing *m;
    rf_b3 r = chain_b3(ev, n, op, &m);
    return bool_val(r, m);
}

static rf_val eval_binary(rf_eval *ev, const rf_node *n)
{
    rf_binop op = (rf_binop)n->op;
    if (op == RF_OP_AND || op == RF_OP_OR)
        return eval_chain(ev, n, op);
    rf_val a = eval_operand(ev, n->a);
    if (op == RF_OP_AND && a.b == RF_FALSE)
        return vbool(RF_FALSE);
    if (op == RF_OP_OR && a.b == RF_TRUE)
        return vbool(RF_TRUE);
    rf_val b = eval_operand(ev, n->b);
    switch (op) {
    case RF_OP_AND:
        if (b.b == RF_FALSE)
            return vbool(RF_FALSE);
        if (a.b == RF_TRUE && b.b == RF_TRUE)
            return vbool(RF_TRUE);
        return b3(ev, RF_UNKNOWN, a.b == RF_UNKNOWN ? a.missing : NULL, b.b == RF_UNKNOWN ? b.missing : NULL);
    case RF_OP_OR:
        if (b.b == RF_TRUE)
            return vbool(RF_TRUE);
        if (a.b == RF_FALSE && b.b == RF_FALSE)
            return vbool(RF_FALSE);
        return b3(ev, RF_UNKNOWN, a.b == RF_UNKNOWN ? a.missing : NULL, b.b == RF_UNKNOWN ? b.missing : NULL);
    case RF_OP_EQ:
    case RF_OP_NE:
    case RF_OP_LT:
    case RF_OP_LE:
    case RF_OP_GT:
    case RF_OP_GE:
        return compare(ev, op, &a, &b);
    default:
        return arith(ev, op, &a, &b, n);
    }
}

static bool agent_matches(const rf_kb *kb, int agent, const rf_node *sym)
{
    if (sym->type.sym == RF_SYM_CLASS)
        return kb->agent[agent]->is_class[sym->sym_index] != 0;
    return sym->sym_index == agent;
}

static rf_b3 in_b3(rf_eval *ev, const rf_node *n, const rf_missing **m)
{
    *m = NULL;
    rf_val a = eval_operand(ev, n->a);
    if (is_unknown(a)) {
        *m = a.missing;
        return RF_UNKNOWN;
    }
    const rf_node *r = n->b;
    if (a.k == RF_TY_SYM) {
        int agent = (int)a.lo;
        if (r->kind == RF_N_SYM)
            return agent_matches(ev->kb, agent, r) ? RF_TRUE : RF_FALSE;
        for (int i = 0; i < r->nargs; i++)
            if (r->args[i]->kind == RF_N_SYM && agent_matches(ev->kb, agent, r->args[i]))
                return RF_TRUE;
        return RF_FALSE;
    }
    for (int i = 0; i < r->nargs; i++) {
        rf_val s = rf_eval_node(ev, r->args[i]);
        if (s.s && strcmp(s.s, a.s) == 0)
            return RF_TRUE;
    }
    return RF_FALSE;
}

static rf_val eval_in(rf_eval *ev, const rf_node *n)
{
    const rf_missing *m;
    rf_b3 r = in_b3(ev, n, &m);
    return bool_val(r, m);
}

static rf_val eval_if(rf_eval *ev, const rf_node *n)
{
    rf_val c = rf_eval_node(ev, n->a);
    if (c.b == RF_TRUE)
        return rf_eval_node(ev, n->b);
    if (c.b == RF_FALSE)
        return rf_eval_node(ev, n->c);
    /* unknown condition: the range both branches allow (numbers), else unknown */
    rf_val a = rf_eval_node(ev, n->b), b = rf_eval_node(ev, n->c);
    rf_val r = a;
    if (a.k == RF_TY_NUM || a.k == RF_TY_DATE) {
        r.lo = fmin(a.lo, b.lo);
        r.hi = fmax(a.hi, b.hi);
    } else if (a.k == RF_TY_BOOL) {
        r.b = a.b == b.b ? a.b : RF_UNKNOWN;
    } else {
        r = unknown(ev, (rf_tkind)a.k, NULL);
    }
    if (is_unknown(r))
        r.missing = miss_join(ev, c.missing, miss_join(ev, a.missing, b.missing));
    return r;
}

/* ---- comprehensions ---------------------------------------------------------------------- */

static void witness(rf_eval *ev, const void *rec, uint8_t kind)
{
    if (ev->witness == NULL)
        return;
    for (size_t i = 0; i < ev->witness->len; i++)
        if (((const rf_witness *)ev->witness->items[i])->rec == rec)
            return;
    rf_witness *w = RF_NEW(ev->a, rf_witness);
    if (w == NULL)
        return;
    w->rec = rec;
    w->kind = (rf_rec_kind)kind;
    rf_ptrvec_push(ev->witness, ev->a, w);
}

static rf_date rec_date(const void *rec, rf_rec_kind k)
{
    switch (k) {
    case RF_REC_TRIAL: return ((const rf_trial *)rec)->start;
    case RF_REC_PROCEDURE: return ((const rf_procedure *)rec)->start;
    case RF_REC_OBSERVATION: return ((const rf_observation *)rec)->date;
    case RF_REC_EVENT: return ((const rf_event *)rec)->date;
    case RF_REC_NONE: break;
    }
    return RF_DATE_NONE;
}

static rf_val eval_comp(rf_eval *ev, const rf_node *n)
{
    rf_val lv = rf_eval_node(ev, n->a);
    const rf_list *l = lv.p;
    rf_comprehension fn = (rf_comprehension)n->op;
    if (l == NULL)
        return unknown(ev, (rf_tkind)n->type.kind, "list");
    rf_val *slot = &ev->frame[n->slot];
    rf_val out_list = vbool(RF_FALSE);
    rf_list *ol = fn == RF_C_FILTER ? list_new(ev, (rf_rec_kind)l->rec, l->n, &out_list) : NULL;
    if (ol) {
        ol->source = l->source;
        ol->source_kind = l->source_kind;
    }
    double definite = 0, uncertain = 0, lo = 0, hi = 0;
    bool any_t = false, any_u = false, have = false;
    const rf_missing *m = NULL;
    const char **distinct_t = NULL, **distinct_u = NULL;
    size_t ndt = 0, ndu = 0;
    if (fn == RF_C_COUNT_DISTINCT) {
        distinct_t = RF_NEWN(ev->a, const char *, l->n + 1);
        distinct_u = RF_NEWN(ev->a, const char *, l->n + 1);
        if (!distinct_t || !distinct_u)
            return unknown(ev, RF_TY_NUM, "out of memory");
    }
    if (fn == RF_C_MIN)
        lo = hi = INF;
    else if (fn == RF_C_MAX)
        lo = hi = -INF;
    const void *best = NULL;
    rf_date best_date = RF_DATE_NONE;
    bool best_uncertain = false;
    for (size_t i = 0; i < l->n; i++) {
        const rf_elem *e = &l->items[i];
        memset(slot, 0, sizeof *slot);
        slot->k = RF_TY_REC;
        slot->rec = l->rec;
        slot->p = e->rec;
        rf_b3 mem = (rf_b3)e->member;
        const rf_missing *why = e->why;
        if (n->b) {
            const rf_missing *wm;
            rf_b3 w = eval_b3(ev, n->b, &wm);
            if (w == RF_FALSE)
                continue;
            if (w == RF_UNKNOWN) {
                mem = RF_UNKNOWN;
                why = miss_join(ev, why, wm);
            }
        }
        if (fn == RF_C_ALL || (fn == RF_C_ANY && n->c)) {
            const rf_missing *cm;
            rf_b3 cb = eval_b3(ev, n->c, &cm);
            if (fn == RF_C_ALL)
                cb = cb == RF_TRUE ? RF_FALSE : cb == RF_FALSE ? RF_TRUE : RF_UNKNOWN; /* not c */
            if (cb == RF_FALSE)
                continue;
            if (cb == RF_UNKNOWN) {
                mem = RF_UNKNOWN;
                why = miss_join(ev, why, cm);
            }
        }
        if (mem == RF_TRUE) {
            definite++;
            any_t = true;
            witness(ev, e->rec, l->rec);
        } else {
            uncertain++;
            any_u = true;
            m = miss_join(ev, m, why);
        }
        switch (fn) {
        case RF_C_FILTER:
            if (ol)
                ol->items[ol->n++] = (rf_elem){e->rec, (uint8_t)mem, mem == RF_TRUE ? NULL : why};
            break;
        case RF_C_COUNT_DISTINCT: {
            rf_val k = rf_eval_node(ev, n->c);
            const char *key = k.s ? k.s : NULL;
            char buf[64];
            if (key == NULL && num_known(k)) {
                snprintf(buf, sizeof buf, "%.17g", k.lo);
                key = rf_arena_strdup(ev->a, buf);
            }
            if (key == NULL) {
                m = miss_join(ev, m, k.missing);
                distinct_u[ndu++] = NULL; /* an unknown value may be a new one */
                if (mem == RF_TRUE) {
                    definite--;
                    uncertain++;
                }
                break;
            }
            const char **set = mem == RF_TRUE ? distinct_t : distinct_u;
            size_t *ns = mem == RF_TRUE ? &ndt : &ndu;
            bool seen = false;
            for (size_t j = 0; j < *ns; j++)
                if (set[j] && strcmp(set[j], key) == 0)
                    seen = true;
            if (!seen)
                set[(*ns)++] = key;
            break;
        }
        case RF_C_MIN:
        case RF_C_MAX:
        case RF_C_SUM: {
            rf_val x = rf_eval_node(ev, n->c);
            if (is_unknown(x))
                m = miss_join(ev, m, x.missing);
            if (fn == RF_C_SUM) {
                if (mem == RF_TRUE) {
                    lo += x.lo;
                    hi += x.hi;
                } else {
                    lo += fmin(0, x.lo);
                    hi += fmax(0, x.hi);
                }
            } else if (fn == RF_C_MIN) {
                lo = fmin(lo, x.lo);
                if (mem == RF_TRUE)
                    hi = fmin(hi, x.hi);
            } else {
                hi = fmax(hi, x.hi);
                if (mem == RF_TRUE)
                    lo = fmax(lo, x.lo);
            }
            have = true;
            break;
        }
        case RF_C_LATEST:
        case RF_C_EARLIEST: {
            rf_date d = rec_date(e->rec, (rf_rec_kind)l->rec);
            bool better = best == NULL || (d != RF_DATE_NONE && best_date != RF_DATE_NONE &&
                                           (fn == RF_C_LATEST ? d > best_date : d < best_date));
            if (better) {
                best = e->rec;
                best_date = d;
                best_uncertain = mem != RF_TRUE;
            }
            break;
        }
        default:
            break;
        }
    }
    switch (fn) {
    case RF_C_COUNT: {
        return mkval(RF_TY_NUM, RF_FALSE, definite, definite + uncertain, NULL, uncertain > 0 ? m : NULL);
    }
    case RF_C_COUNT_DISTINCT: {
        size_t extra = 0;
        for (size_t j = 0; j < ndu; j++) {
            bool in_t = false;
            for (size_t k = 0; distinct_u[j] && k < ndt; k++)
                if (strcmp(distinct_u[j], distinct_t[k]) == 0)
                    in_t = true;
            if (!in_t)
                extra++;
        }
        return mkval(RF_TY_NUM, RF_FALSE, (double)ndt, (double)(ndt + extra), NULL, extra > 0 ? m : NULL);
    }
    case RF_C_ANY:
        return any_t ? vbool(RF_TRUE) : any_u ? b3(ev, RF_UNKNOWN, m, NULL) : vbool(RF_FALSE);
    case RF_C_ALL: /* all(c) = not any(not c) */
        return any_t ? vbool(RF_FALSE) : any_u ? b3(ev, RF_UNKNOWN, m, NULL) : vbool(RF_TRUE);
    case RF_C_FILTER:
        return out_list;
    case RF_C_MIN:
    case RF_C_MAX:
    case RF_C_SUM: {
        if (!have && fn != RF_C_SUM)
            return unknown(ev, (rf_tkind)n->type.kind,
                           l->source ? rf_arena_printf(ev->a, "no %s %s recorded (for the %s)", l->source,
                                                       l->source_kind, fn == RF_C_MIN ? "lowest value" : "highest value")
                                     : rf_arena_printf(ev->a, "no values for %s()", fn == RF_C_MIN ? "min" : "max"));
        bool known = lo == hi && isfinite(lo);
        return mkval((rf_tkind)n->type.kind, RF_FALSE, lo, hi, NULL, known ? NULL : m);
    }
    case RF_C_LATEST:
    case RF_C_EARLIEST: {
        rf_val v;
        memset(&v, 0, sizeof v);
        v.k = RF_TY_REC;
        v.rec = l->rec;
        if (best == NULL || best_uncertain) {
            v.missing = best == NULL ? miss(ev, l->source ? rf_arena_printf(ev->a, "no %s %s recorded (matching the criterion)", l->source, l->source_kind)
                                                          : rf_arena_printf(ev->a, "no matching %s recorded", rf_rec_name((rf_rec_kind)l->rec)))
                                     : m;
            return v;
        }
        v.p = best;
        return v;
    }
    default:
        break;
    }
    return unknown(ev, RF_TY_BOOL, "internal: comprehension");
}

/* ---- function calls ---------------------------------------------------------------------- */

static bool patient_has(rf_eval *ev, const rf_node *sym)
{
    const char *id;
    const rf_kb_codes *codes;
    if (sym->type.sym == RF_SYM_CODESET) {
        id = ev->kb->codeset[sym->sym_index]->e.id;
        codes = &ev->kb->codeset[sym->sym_index]->codes;
    } else {
        id = ev->kb->condition[sym->sym_index]->e.id;
        codes = &ev->kb->condition[sym->sym_index]->codes;
    }
    for (size_t i = 0; i < ev->p->nconditions; i++) {
        const rf_condition *c = &ev->p->conditions[i];
        if (c->concept && strcmp(c->concept, id) == 0)
            return true;
        if (codes_match(codes, c->codes, c->ncodes))
            return true;
        if (sym->type.sym == RF_SYM_CONDITION && /* code sets that name the condition */
            rf_kb_codes_identify(ev->kb, RF_SYM_CONDITION, sym->sym_index, c->codes, c->ncodes))
            return true;
    }
    return false;
}

static rf_val call_let_uncached(rf_eval *ev, const rf_node *n, const rf_val *arg0);

/* A let of one trial (dep_adequate(t)) is asked about the same trial from many criteria:
 * remember each answer per condition and trial. */
static rf_val call_let(rf_eval *ev, const rf_node *n)
{
    const rf_kb_let *l = ev->kb->let[n->slot];
    if (l->nparams != 1 || l->param_types[0].kind != RF_TY_REC || l->param_types[0].rec != RF_REC_TRIAL)
        return call_let_uncached(ev, n, NULL);
    /* the argument is nearly always the bound trial, t: read from its slot, not copied */
    const rf_node *a0 = n->args[0];
    rf_val argv;
    const rf_val *arg = filled_slot(ev, a0);
    if (arg == NULL) {
        argv = rf_eval_node(ev, a0);
        arg = &argv;
    }
    if (arg->p == NULL || ev->p->ntrials == 0)
        return call_let_uncached(ev, n, arg);
    size_t ti = (size_t)((const rf_trial *)arg->p - ev->p->trials);
    if (ti >= ev->p->ntrials)
        return call_let_uncached(ev, n, arg);
    size_t size = (size_t)(ev->kb->n_condition + 1) * ev->p->ntrials;
    if (ev->trial_let_memo[n->slot] == NULL) {
        ev->trial_let_memo[n->slot] = rf_arena_alloc(ev->a, sizeof(rf_val) * size); /* states say which are set */
        ev->trial_let_state[n->slot] = RF_NEWN(ev->a, uint8_t, size);
        if (ev->trial_let_memo[n->slot] == NULL || ev->trial_let_state[n->slot] == NULL) {
            ev->trial_let_memo[n->slot] = NULL;
            return call_let_uncached(ev, n, arg);
        }
    }
    size_t k = (size_t)(ev->cond + 1) * ev->p->ntrials + ti;
    if (RF_LIKELY(ev->trial_let_state[n->slot][k]))
        return copy_val(&ev->trial_let_memo[n->slot][k]);
    rf_val v = call_let_uncached(ev, n, arg);
    rf_val *m = &ev->trial_let_memo[n->slot][k];
    *m = v;
    ev->trial_let_state[n->slot][k] = 1;
    return copy_val(m);
}

static rf_val call_let_uncached(rf_eval *ev, const rf_node *n, const rf_val *arg0)
{
    const rf_kb_let *l = ev->kb->let[n->slot];
    rf_val *frame = rf_eval_new_frame(ev, l->nslots ? l->nslots : 1, NULL);
    if (frame == NULL)
        return unknown(ev, (rf_tkind)n->type.kind, "out of memory");
    for (int i = 0; i < n->nargs; i++)
        frame[i] = i == 0 && arg0 ? *arg0 : rf_eval_node(ev, n->args[i]);
    rf_val *saved = ev->frame;
    ev->frame = frame;
    rf_val v = rf_eval_node(ev, l->expr);
    ev->frame = saved;
    return v;
}

static rf_val eval_genomics(rf_eval *ev, const rf_node *n, rf_function f)
{
    rf_val a = rf_eval_node(ev, n->args[0]);
    const rf_patient *p = ev->p;
    if (f == RF_F_FINDING) {
        for (size_t i = 0; i < p->nfindings; i++)
            if (p->findings[i].marker && a.s && strcmp(p->findings[i].marker, a.s) == 0 && p->findings[i].result)
                return vstr(p->findings[i].result);
        return unknown_m(RF_TY_STR, miss_form(ev, 1, a.s ? a.s : "finding", NULL));
    }
    if (f == RF_F_PHENOTYPE) {
        for (size_t i = 0; i < p->ngenotypes; i++)
            if (p->genotypes[i].gene && a.s && strcmp(p->genotypes[i].gene, a.s) == 0 && p->genotypes[i].phenotype)
                return vstr(p->genotypes[i].phenotype);
        return unknown_m(RF_TY_STR, miss_form(ev, 2, a.s ? a.s : "gene", NULL));
    }
    rf_val al = rf_eval_node(ev, n->args[1]);
    for (size_t i = 0; i < p->ngenotypes; i++) {
        const rf_genotype *g = &p->genotypes[i];
        if (g->gene && a.s && strcmp(g->gene, a.s) == 0 && g->allele && al.s && strcmp(g->allele, al.s) == 0 &&
            g->carrier != RF_TRI_UNKNOWN)
            return vbool(g->carrier == RF_TRI_TRUE ? RF_TRUE : RF_FALSE);
    }
    return b3(ev, RF_UNKNOWN, miss_form(ev, 3, a.s, al.s), NULL);
}

static rf_val eval_unary_math(rf_eval *ev, const rf_node *n, rf_function f)
{
    rf_val a = rf_eval_node(ev, n->args[0]);
    double lo = a.lo, hi = a.hi;
    switch (f) {
    case RF_F_LN:
        if (hi <= 0)
            return unknown(ev, RF_TY_NUM, "logarithm of a value that is not positive");
        lo = lo <= 0 ? -INF : log(lo);
        hi = log(hi);
        break;
    case RF_F_SQRT:
        if (hi < 0)
            return unknown(ev, RF_TY_NUM, "square root of a negative value");
        lo = lo < 0 ? 0 : sqrt(lo);
        hi = sqrt(hi);
        break;
    case RF_F_ABS:
        if (lo >= 0)
            break;
        if (hi <= 0) {
            double t = -hi;
            hi = -lo;
            lo = t;
        } else {
            hi = fmax(-lo, hi);
            lo = 0;
        }
        break;
    case RF_F_ROUND: lo = round(lo); hi = round(hi); break;
    case RF_F_FLOOR: lo = floor(lo); hi = floor(hi); break;
    default: break;
    }
    bool known = lo == hi && isfinite(lo);
    return mkval(RF_TY_NUM, RF_FALSE, lo, hi, NULL, known ? NULL : a.missing);
}

static rf_val eval_call(rf_eval *ev, const rf_node *n)
{
    if (n->op == 255)
        return call_let(ev, n);
    rf_function f = (rf_function)n->op;
    const rf_patient *p = ev->p;
    switch (f) {
    case RF_F_HAS:
        return vbool(has_b3(ev, n->args[0]));
    case RF_F_HAS_FEATURE: {
        const char *w = n->args[0]->str;
        for (size_t i = 0; i < p->nconditions; i++)
            for (size_t j = 0; j < p->conditions[i].nfeatures; j++)
                if (strcmp(p->conditions[i].features[j], w) == 0)
                    return vbool(RF_TRUE);
        return vbool(RF_FALSE);
    }
    case RF_F_PROCEDURES:
    case RF_F_OBS:
    case RF_F_EVENTS: {
        size_t memo = 0;
        if (f != RF_F_EVENTS) {
            memo = 2 * (size_t)(ev->kb->n_condition + 1) + (size_t)n->args[0]->sym_index +
                   (f == RF_F_PROCEDURES ? (size_t)ev->kb->n_observation : 0);
            if (ev->list_done[memo])
                return copy_val(&ev->list_memo[memo]);
        }
        rf_rec_kind k = f == RF_F_PROCEDURES ? RF_REC_PROCEDURE : f == RF_F_OBS ? RF_REC_OBSERVATION : RF_REC_EVENT;
        size_t total = f == RF_F_PROCEDURES ? p->nprocedures : f == RF_F_OBS ? p->nobservations : p->nevents;
        rf_val v;
        rf_list *l = list_new(ev, k, total, &v);
        if (l) {
            l->source = f == RF_F_OBS ? ev->kb->observation[n->args[0]->sym_index]->e.id
                        : f == RF_F_PROCEDURES ? ev->kb->procedure[n->args[0]->sym_index]->e.id
                                               : n->args[0]->str;
            l->source_kind = f == RF_F_OBS ? "observation" : f == RF_F_PROCEDURES ? "procedure" : "event";
        }
        for (size_t i = 0; l && i < total; i++) {
            const void *rec = NULL;
            if (f == RF_F_PROCEDURES && ev->proc_kind[i] == n->args[0]->sym_index)
                rec = &p->procedures[i];
            else if (f == RF_F_OBS && ev->obs_kind[i] == n->args[0]->sym_index)
                rec = &p->observations[i];
            else if (f == RF_F_EVENTS && strcmp(p->events[i].kind, n->args[0]->str) == 0)
                rec = &p->events[i];
            if (rec)
                l->items[l->n++] = (rf_elem){rec, RF_TRUE, NULL};
        }
        if (f != RF_F_EVENTS && l != NULL) {
            ev->list_memo[memo] = v;
            ev->list_done[memo] = 1;
        }
        return v;
    }
    case RF_F_PHENOTYPE:
    case RF_F_CARRIER:
    case RF_F_FINDING:
        return eval_genomics(ev, n, f);
    case RF_F_ALLERGIC: {
        const rf_node *s = n->args[0];
        for (size_t i = 0; i < p->nallergies; i++) {
            int ag = p->allergies[i].agent ? rf_kb_find(ev->kb, RF_SYM_AGENT, p->allergies[i].agent) : -1;
            if (ag >= 0 && agent_matches(ev->kb, ag, s))
                return vbool(RF_TRUE);
            if (s->type.sym == RF_SYM_CLASS && p->allergies[i].agent &&
                strcmp(p->allergies[i].agent, ev->kb->klass[s->sym_index]->e.id) == 0)
                return vbool(RF_TRUE);
        }
        return vbool(RF_FALSE);
    }
    case RF_F_DECLINED: {
        rf_val w = rf_eval_node(ev, n->args[0]);
        for (size_t i = 0; w.s && i < p->prefs.ndeclines; i++)
            if (strcmp(p->prefs.declines[i], w.s) == 0)
                return vbool(RF_TRUE);
        for (size_t i = 0; w.s && i < p->prefs.navoid; i++)
            if (strcmp(p->prefs.avoid[i], w.s) == 0)
                return vbool(RF_TRUE);
        return vbool(RF_FALSE);
    }
    case RF_F_FLAG: {
        int i = n->args[0]->sym_index;
        rf_eval_flag(ev, i);
        if (ev->flags[i].raised != RF_UNKNOWN)
            return vbool(ev->flags[i].raised);
        return b3(ev, RF_UNKNOWN, miss_form(ev, 4, ev->kb->flag[i]->e.id, NULL), NULL);
    }
    case RF_F_REFRACTORY:
    case RF_F_STATUS: {
        int i = n->args[0]->sym_index;
        rf_eval_definition(ev, i);
        rf_status s = ev->defs[i].status;
        if (f == RF_F_STATUS)
            return vstr(rf_status_name(s));
        if (s == RF_ST_REFRACTORY)
            return vbool(RF_TRUE);
        if (s == RF_ST_INSUFFICIENT)
            return b3(ev, RF_UNKNOWN, miss_form(ev, 5, ev->kb->definition[i]->e.id, NULL), NULL);
        return vbool(RF_FALSE);
    }
    case RF_F_SCORE: {
        int i = n->args[0]->sym_index;
        rf_eval_score(ev, i);
        rf_val v = vnum(ev->scores[i].lo, ev->scores[i].hi);
        if (!ev->scores[i].computed)
        {
            v = unknown(ev, RF_TY_NUM, NULL);
            v.missing = miss_form(ev, 6, ev->kb->score[i]->e.id, NULL);
        }
        else if (!num_known(v))
            v.missing = miss_form(ev, 7, ev->kb->score[i]->e.id, NULL);
        return v;
    }
    case RF_F_KNOWN: {
        rf_val a = rf_eval_node(ev, n->args[0]);
        return vbool(is_unknown(a) ? RF_FALSE : RF_TRUE);
    }
    case RF_F_LN:
    case RF_F_SQRT:
    case RF_F_ABS:
    case RF_F_ROUND:
    case RF_F_FLOOR:
        return eval_unary_math(ev, n, f);
    case RF_F_NUM: {
        rf_val a = rf_eval_node(ev, n->args[0]);
        double k = n->args[1]->num;
        rf_val v = a;
        v.k = RF_TY_NUM;
        v.lo = a.lo / k;
        v.hi = a.hi / k;
        return v;
    }
    case RF_F_DAYS:
        return rf_eval_node(ev, n->args[0]);
    case RF_F_MONTHS_BETWEEN: {
        rf_val a = rf_eval_node(ev, n->args[0]), b = rf_eval_node(ev, n->args[1]);
        if (!num_known(a) || !num_known(b)) {
            return unknown_m(RF_TY_NUM, miss_join(ev, a.missing, b.missing));
        }
        int mths = rf_date_months_between((rf_date)a.lo, (rf_date)b.lo);
        return vnum(mths, mths);
    }
    case RF_F_MIN2:
    case RF_F_MAX2: {
        rf_val a = rf_eval_node(ev, n->args[0]), b = rf_eval_node(ev, n->args[1]);
        rf_val v = a;
        v.lo = f == RF_F_MIN2 ? fmin(a.lo, b.lo) : fmax(a.lo, b.lo);
        v.hi = f == RF_F_MIN2 ? fmin(a.hi, b.hi) : fmax(a.hi, b.hi);
        v.missing = num_known(v) ? NULL : miss_join(ev, a.missing, b.missing);
        return v;
    }
    case RF_F_UNKNOWN_OR: {
        rf_val a = rf_eval_node(ev, n->args[0]);
        return is_unknown(a) ? rf_eval_node(ev, n->args[1]) : a;
    }
    case RF_F_COUNT1: {
        rf_val a = rf_eval_node(ev, n->args[0]);
        const rf_list *l = a.p;
        if (l == NULL)
            return unknown(ev, RF_TY_NUM, "list");
        double t = 0, u = 0;
        const rf_missing *m = NULL;
        for (size_t i = 0; i < l->n; i++) {
            if (l->items[i].member == RF_TRUE) {
                t++;
                witness(ev, l->items[i].rec, l->rec);
            } else {
                u++;
                m = miss_join(ev, m, l->items[i].why);
            }
        }
        return mkval(RF_TY_NUM, RF_FALSE, t, t + u, NULL, u > 0 ? m : NULL);
    }
    case RF_F_DATE:
        return vdate((rf_date)n->num);
    case RF_F_COUNT_:
        break;
    }
    return unknown(ev, RF_TY_BOOL, "internal: unknown function");
}

/* ---- the dispatcher ---------------------------------------------------------------------- */

rf_val rf_eval_node(rf_eval *ev, const rf_node *n)
{
    switch ((rf_node_kind)n->kind) {
    case RF_N_NUM:
        return vnum(n->num, n->num);
    case RF_N_STR:
        return vstr(n->str);
    case RF_N_BOOL:
        return vbool(n->num != 0 ? RF_TRUE : RF_FALSE);
    case RF_N_SLOT: {
        const rf_val *sv = filled_slot(ev, n);
        return sv ? copy_val(sv) : rf_eval_slot(ev, n->slot); /* else a let still to evaluate */
    }
    case RF_N_GLET: {
        size_t k = let_memo_index(ev, n);
        if (RF_LIKELY(ev->let_state[k] == 2))
            return copy_val(&ev->let_memo[k]);
        if (ev->let_state[k] == 1)
            return unknown(ev, (rf_tkind)n->type.kind, "internal: circular let");
        ev->let_state[k] = 1;
        rf_val *saved = ev->frame;
        rf_val *frame = rf_eval_new_frame(ev, ev->kb->let[n->slot]->nslots + 1, NULL);
        if (frame == NULL)
            return unknown(ev, (rf_tkind)n->type.kind, "out of memory");
        ev->frame = frame;
        rf_val v = rf_eval_node(ev, ev->kb->let[n->slot]->expr);
        ev->frame = saved;
        ev->let_memo[k] = v;
        ev->let_state[k] = 2;
        return v;
    }
    case RF_N_BUILTIN:
        return eval_builtin(ev, n->op);
    case RF_N_SYM:
        return mkval(RF_TY_SYM, RF_FALSE, n->sym_index, n->sym_index, n->name, NULL);
    case RF_N_FIELD: {
        /* t.dose and the like, the commonest node of all: the record straight from its slot */
        const rf_val *r = filled_slot(ev, n->a);
        if (r)
            return record_field(ev, r, n->op);
        rf_val v = rf_eval_node(ev, n->a);
        return record_field(ev, &v, n->op);
    }
    case RF_N_CALL:
        return eval_call(ev, n);
    case RF_N_COMP:
        return eval_comp(ev, n);
    case RF_N_BINARY:
        return eval_binary(ev, n);
    case RF_N_NOT: {
        rf_val a = rf_eval_node(ev, n->a);
        if (a.b == RF_UNKNOWN)
            return a;
        return vbool(a.b == RF_TRUE ? RF_FALSE : RF_TRUE);
    }
    case RF_N_NEG: {
        rf_val a = rf_eval_node(ev, n->a);
        double lo = -a.hi;
        a.hi = -a.lo;
        a.lo = lo;
        return a;
    }
    case RF_N_IF:
        return eval_if(ev, n);
    case RF_N_IN:
        return eval_in(ev, n);
    default:
        break;
    }
    return unknown(ev, RF_TY_BOOL, "internal: unresolved expression");
}

/* ---- rendering of values for the trace --------------------------------------------------- */

/* Whole numbers are by far the most common in traces (counts, scores, days): written
 * directly, without printf. NULL when x is not a whole number of modest size. */
static const char *fmt_int(rf_eval *ev, double x, const char *suffix)
{
    if (!(x == floor(x) && fabs(x) < 1e15))
        return NULL;
    char buf[48];
    char *e = buf + sizeof buf;
    size_t slen = strlen(suffix);
    e -= slen;
    memcpy(e, suffix, slen);
    long long v = (long long)x;
    bool neg = v < 0;
    unsigned long long u = neg ? (unsigned long long)(-v) : (unsigned long long)v;
    do {
        *--e = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        *--e = '-';
    return rf_arena_strndup(ev->a, e, (size_t)(buf + sizeof buf - e));
}

static const char *fmt_num(rf_eval *ev, double x, rf_dim dim)
{
    if (dim == RF_DIM_TIME || dim == RF_DIM_NONE) {
        const char *fast = fmt_int(ev, x, dim == RF_DIM_TIME ? " days" : "");
        if (fast)
            return fast;
    }
    if (dim == RF_DIM_TIME)
        return rf_arena_printf(ev->a, "%g days", x);
    if (dim == RF_DIM_NONE)
        return rf_arena_printf(ev->a, "%g", round(x * 10000) / 10000);
    return rf_arena_printf(ev->a, "%g %s", round(x * 10000) / 10000, rf_dim_canon(dim));
}

const char *rf_val_render(rf_eval *ev, rf_val v, rf_type t)
{
    char d[11];
    switch ((rf_tkind)v.k) {
    case RF_TY_BOOL:
        return v.b == RF_TRUE ? "yes" : v.b == RF_FALSE ? "no" : "unknown";
    case RF_TY_NUM:
        if (num_known(v))
            return fmt_num(ev, v.lo, (rf_dim)t.dim);
        if (isfinite(v.lo) && isfinite(v.hi))
            return rf_arena_printf(ev->a, "between %s and %s", fmt_num(ev, v.lo, (rf_dim)t.dim),
                                   fmt_num(ev, v.hi, (rf_dim)t.dim));
        if (isfinite(v.lo))
            return rf_arena_printf(ev->a, "at least %s", fmt_num(ev, v.lo, (rf_dim)t.dim));
        if (isfinite(v.hi))
            return rf_arena_printf(ev->a, "at most %s", fmt_num(ev, v.hi, (rf_dim)t.dim));
        return "unknown";
    case RF_TY_DATE:
        if (!num_known(v))
            return "unknown";
        rf_date_format((rf_date)v.lo, d);
        return rf_arena_strdup(ev->a, d);
    case RF_TY_STR:
    case RF_TY_SYM:
        return v.s ? v.s : "unknown";
    case RF_TY_REC:
        return v.p ? rf_rec_label(ev, v.p, (rf_rec_kind)v.rec) : "unknown";
    case RF_TY_LIST: {
        const rf_list *l = v.p;
        if (l == NULL)
            return "unknown";
        if (l->n == 0)
            return "none";
        /* one allocation: measure the labels, then copy them in */
        static const char sep[] = "; ", unc[] = " [uncertain]";
        size_t total = 1;
        const char **labels = RF_NEWN(ev->a, const char *, l->n);
        if (labels == NULL)
            return "";
        for (size_t i = 0; i < l->n; i++) {
            labels[i] = rf_rec_label(ev, l->items[i].rec, (rf_rec_kind)l->rec);
            total += strlen(labels[i]) + (i ? sizeof sep - 1 : 0) +
                     (l->items[i].member != RF_TRUE ? sizeof unc - 1 : 0);
        }
        char *out = rf_arena_alloc(ev->a, total), *w = out;
        if (out == NULL)
            return "";
        for (size_t i = 0; i < l->n; i++) {
            if (i) {
                memcpy(w, sep, sizeof sep - 1);
                w += sizeof sep - 1;
            }
            size_t n = strlen(labels[i]);
            memcpy(w, labels[i], n);
            w += n;
            if (l->items[i].member != RF_TRUE) {
                memcpy(w, unc, sizeof unc - 1);
                w += sizeof unc - 1;
            }
        }
        *w = '\0';
        return out;
    }
    default:
        break;
    }
    return "?";
}

const char *rf_missing_text(rf_eval *ev, const rf_missing *m)
{
    if (m->what)
        return m->what;
    switch (m->form) {
    case 1: return rf_arena_printf(ev->a, "%s result", m->field);
    case 2: return rf_arena_printf(ev->a, "%s phenotype (not tested)", m->field);
    case 3: return rf_arena_printf(ev->a, "%s%s carrier status (not tested)", m->field, m->field2);
    case 4: return rf_arena_printf(ev->a, "flag %s could not be checked", m->field);
    case 5: return rf_arena_printf(ev->a, "definition %s is undecided (insufficient data)", m->field);
    case 6: return rf_arena_printf(ev->a, "score %s could not be computed", m->field);
    case 7: return rf_arena_printf(ev->a, "score %s is only partly known", m->field);
    default: break;
    }
    return rf_arena_printf(ev->a, "%s: %s", rf_rec_label(ev, m->rec, (rf_rec_kind)m->rec_kind), m->field);
}

void rf_missing_to_texts(rf_eval *ev, const rf_missing *m, rf_texts *out)
{
    for (; m; m = m->next)
        rf_texts_add(out, ev->a, rf_missing_text(ev, m));
}
