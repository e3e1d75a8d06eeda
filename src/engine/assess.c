/* assess.c - one assessment: for every condition the patient has, its definitions, scores
 * and flags (computed on demand, so one may use another's result, each in its own
 * condition), then the strategies, excluded with a reason or ranked with their cautions. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../expr/builtins.h"
#include "../util/limits.h"
#include "engine_int.h"

const char *rf_status_name(rf_status s)
{
    static const char *const names[] = {"refractory", "not_refractory", "insufficient_data",
                                        "not_applicable", "not_implemented"};
    return names[s];
}

const char *rf_excl_name(rf_excl_kind k)
{
    static const char *const names[] = {"contraindicated", "pgx", "already_failed",
                                        "prerequisite_unmet", "declined"};
    return names[k];
}

void rf_texts_add(rf_texts *t, rf_arena *a, const char *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < t->n; i++)
        if (rf_streq(t->items[i], s))
            return;
    if (t->n == t->cap) {
        int ncap = t->cap ? t->cap * 2 : 4;
        const char **n = rf_arena_grow(a, t->items, sizeof *n * (size_t)t->cap, sizeof *n * (size_t)ncap);
        if (n == NULL)
            return;
        t->items = n;
        t->cap = ncap;
    }
    t->items[t->n++] = s;
}

static const rf_condition *find_record(const rf_kb *kb, const rf_patient *p, int ci)
{
    const rf_kb_condition *c = kb->condition[ci];
    const rf_condition *found = NULL;
    for (size_t i = 0; i < p->nconditions; i++) {
        const rf_condition *r = &p->conditions[i];
        bool match = (r->concept && strcmp(r->concept, c->e.id) == 0) ||
                     rf_kb_codes_identify(kb, RF_SYM_CONDITION, ci, r->codes, r->ncodes);
        if (!match)
            continue;
        bool active = r->status == NULL || (strcmp(r->status, "resolved") != 0 &&
                                            strcmp(r->status, "inactive") != 0);
        if (found == NULL || (active && found->status && strcmp(found->status, "resolved") == 0))
            found = r;
        if (active && r->episode_start != RF_DATE_NONE)
            return r;
    }
    return found;
}

int rf_eval_init(rf_eval *ev, const rf_patient *p, const rf_kb *kb, rf_arena *a)
{
    memset(ev, 0, sizeof *ev);
    ev->kb = kb;
    ev->p = p;
    ev->a = a;
    ev->cond = -1;
    size_t nmemo = (size_t)(kb->n_condition + 1) * (size_t)(kb->n_let ? kb->n_let : 1);
    /* values are written before their state says so: only the state arrays are zeroed (a
     * full knowledge base has hundreds of lets and results, and zeroing their values for
     * every assessment cost more than evaluating the ones used) */
    ev->let_memo = rf_arena_alloc(a, sizeof(rf_val) * nmemo);
    ev->let_state = RF_NEWN(a, uint8_t, nmemo);
    ev->defs = rf_arena_alloc(a, sizeof(rf_def_result) * (size_t)(kb->n_definition + 1));
    ev->def_state = RF_NEWN(a, uint8_t, kb->n_definition + 1);
    ev->scores = rf_arena_alloc(a, sizeof(rf_score_result) * (size_t)(kb->n_score + 1));
    ev->score_state = RF_NEWN(a, uint8_t, kb->n_score + 1);
    ev->flags = rf_arena_alloc(a, sizeof(rf_flag_result) * (size_t)(kb->n_flag + 1));
    ev->flag_state = RF_NEWN(a, uint8_t, kb->n_flag + 1);
    ev->cond_record = RF_NEWN(a, const rf_condition *, kb->n_condition + 1);
    ev->trial_agent = RF_NEWN(a, int, p->ntrials + 1);
    ev->trial_label = RF_NEWN(a, const char *, p->ntrials + 1);
    ev->obs_kind = RF_NEWN(a, int, p->nobservations + 1);
    ev->proc_kind = RF_NEWN(a, int, p->nprocedures + 1);
    ev->adequacy = RF_NEWN(a, const rf_kb_adequacy *, (size_t)kb->n_condition * p->ntrials + 1);
    ev->adequacy_done = RF_NEWN(a, uint8_t, (size_t)kb->n_condition * p->ntrials + 1);
    ev->trial_let_memo = RF_NEWN(a, rf_val *, kb->n_let + 1);
    size_t nlists = 2 * (size_t)(kb->n_condition + 1) + (size_t)kb->n_observation + (size_t)kb->n_procedure;
    ev->list_memo = rf_arena_alloc(a, sizeof(rf_val) * (nlists + 1));
    ev->list_done = RF_NEWN(a, uint8_t, nlists + 1);
    ev->has_memo = RF_NEWN(a, uint8_t, (size_t)kb->n_codeset + (size_t)kb->n_condition + 1);
    ev->trial_let_state = RF_NEWN(a, uint8_t *, kb->n_let + 1);
    if (!ev->let_memo || !ev->let_state || !ev->defs || !ev->def_state || !ev->scores ||
        !ev->score_state || !ev->flags || !ev->flag_state || !ev->cond_record ||
        !ev->trial_agent || !ev->trial_label || !ev->obs_kind || !ev->proc_kind ||
        !ev->adequacy || !ev->adequacy_done || !ev->trial_let_memo || !ev->trial_let_state ||
        !ev->list_memo || !ev->list_done || !ev->has_memo)
        return REFRACT_ENOMEM;
    for (size_t i = 0; i < p->ntrials; i++)
        ev->trial_agent[i] = p->trials[i].agent ? rf_kb_find(kb, RF_SYM_AGENT, p->trials[i].agent) : -1;
    for (size_t i = 0; i < p->nobservations; i++)
        ev->obs_kind[i] = p->observations[i].kind ? rf_kb_find(kb, RF_SYM_OBSERVATION, p->observations[i].kind) : -1;
    for (size_t i = 0; i < p->nprocedures; i++)
        ev->proc_kind[i] = p->procedures[i].kind ? rf_kb_find(kb, RF_SYM_PROCEDURE, p->procedures[i].kind) : -1;
    for (int i = 0; i < kb->n_condition; i++)
        ev->cond_record[i] = find_record(kb, p, i);
    return REFRACT_OK;
}

void rf_eval_set_condition(rf_eval *ev, int cond)
{
    ev->cond = cond;
    ev->pcond = cond >= 0 ? ev->cond_record[cond] : NULL;
}

rf_val *rf_eval_new_frame(rf_eval *ev, int nslots, const rf_body *body)
{
    rf_val *all = RF_NEWN(ev->a, rf_val, nslots + 2);
    if (all == NULL)
        return NULL;
    all[0].p = body; /* header: the body whose lets fill the pending slots */
    return all + 1;
}

rf_val *rf_eval_body(rf_eval *ev, const rf_body *b, int nslots)
{
    rf_val *frame = rf_eval_new_frame(ev, nslots, b);
    if (frame == NULL)
        return NULL;
    ev->frame = frame;
    return frame;
}

rf_val rf_eval_slot(rf_eval *ev, int slot)
{
    rf_val *frame = ev->frame;
    if (RF_LIKELY(frame[slot].k != RF_TY_ERROR))
        return frame[slot];
    const rf_body *b = frame[-1].p;
    for (int i = 0; b && i < b->nlets; i++) {
        if (b->lets[i].slot != slot)
            continue;
        frame[slot].k = RF_TY_BOOL; /* in progress: a let cannot read itself (checked at load) */
        frame[slot].b = RF_UNKNOWN;
        rf_val v = rf_eval_node(ev, b->lets[i].expr);
        frame[slot] = v;
        return v;
    }
    return frame[slot];
}

/* Saves and restores the evaluation position around an entity in another condition. */
typedef struct saved {
    int cond;
    const rf_condition *pcond;
    rf_val *frame;
    rf_ptrvec *witness;
} saved;

static saved enter(rf_eval *ev, int cond)
{
    ev->depth++;
    saved s = {ev->cond, ev->pcond, ev->frame, ev->witness};
    rf_eval_set_condition(ev, cond);
    ev->witness = NULL;
    return s;
}

static void leave(rf_eval *ev, saved s)
{
    ev->depth--;
    ev->cond = s.cond;
    ev->pcond = s.pcond;
    ev->frame = s.frame;
    ev->witness = s.witness;
}

static void add_lets_to_reasons(rf_eval *ev, const rf_body *b, rf_texts *reasons)
{
    for (int i = 0; i < b->nlets; i++) {
        if (b->lets[i].label == NULL)
            continue;
        rf_val v = rf_eval_slot(ev, b->lets[i].slot);
        rf_texts_add(reasons, ev->a,
                     rf_arena_printf(ev->a, "%s: %s", b->lets[i].label,
                                     rf_val_render(ev, v, b->lets[i].expr->type)));
    }
}

/* Apply not_applicable / insufficient / require clauses. Returns true if they decided. */
static bool preconditions(rf_eval *ev, const rf_body *b, rf_status *st, rf_texts *reasons,
                          rf_texts *missing)
{
    static const rf_clause_kind order[] = {RF_CL_NOT_IMPLEMENTED, RF_CL_NOT_APPLICABLE,
                                           RF_CL_INSUFFICIENT, RF_CL_REQUIRE};
    for (size_t o = 0; o < 4; o++) {
        for (int i = 0; i < b->nclauses; i++) {
            const rf_clause *c = &b->clauses[i];
            if (c->kind != order[o])
                continue;
            const rf_missing *m;
            rf_b3 v = rf_eval_truth(ev, c->expr, &m);
            if (c->kind == RF_CL_REQUIRE) {
                if (v == RF_TRUE)
                    continue;
                *st = v == RF_FALSE ? RF_ST_NOT_REFRACTORY : RF_ST_INSUFFICIENT;
                rf_texts_add(reasons, ev->a, rf_arena_printf(ev->a, "%s: %s", c->label,
                                                             v == RF_FALSE ? "not met" : "cannot be decided"));
                rf_missing_to_texts(ev, m, missing);
                return true;
            }
            if (v == RF_TRUE) {
                *st = c->kind == RF_CL_NOT_APPLICABLE    ? RF_ST_NOT_APPLICABLE
                      : c->kind == RF_CL_NOT_IMPLEMENTED ? RF_ST_NOT_IMPLEMENTED
                                                         : RF_ST_INSUFFICIENT;
                rf_texts_add(reasons, ev->a, c->label);
                return true;
            }
        }
    }
    return false;
}

void rf_eval_definition(rf_eval *ev, int index)
{
    if (ev->def_state[index] != 0) {
        if (ev->def_state[index] == 1) { /* a cycle through refractory(): undecided */
            ev->defs[index].status = RF_ST_INSUFFICIENT;
            rf_texts_add(&ev->defs[index].reasons, ev->a, "circular reference between definitions");
        }
        return;
    }
    const rf_kb_definition *d = ev->kb->definition[index];
    rf_def_result *r = &ev->defs[index];
    memset(r, 0, sizeof *r);
    r->def = d;
    if (ev->depth >= RF_LIMIT_REF_DEPTH) { /* undecided, and not remembered */
        r->status = RF_ST_INSUFFICIENT;
        return;
    }
    ev->def_state[index] = 1;
    saved s = enter(ev, d->condition);
    if (ev->pcond == NULL) {
        r->status = RF_ST_NOT_APPLICABLE;
        rf_texts_add(&r->reasons, ev->a, rf_arena_printf(ev->a, "the record does not show %s",
                                                          ev->kb->condition[d->condition]->e.id));
    } else if (rf_eval_body(ev, &d->body, d->body.nslots) != NULL) {
        add_lets_to_reasons(ev, &d->body, &r->reasons);
        if (!preconditions(ev, &d->body, &r->status, &r->reasons, &r->missing)) {
            rf_val v = rf_eval_node(ev, d->refractory);
            r->status = v.b == RF_TRUE ? RF_ST_REFRACTORY : v.b == RF_FALSE ? RF_ST_NOT_REFRACTORY
                                                                            : RF_ST_INSUFFICIENT;
            rf_texts_add(&r->reasons, ev->a,
                         rf_arena_printf(ev->a, "%s: %s", d->refractory_label ? d->refractory_label : "criteria met",
                                         rf_val_render(ev, v, d->refractory->type)));
            if (v.b == RF_UNKNOWN)
                rf_missing_to_texts(ev, v.missing, &r->missing);
        }
        if (d->stage) {
            rf_val st = rf_eval_node(ev, d->stage);
            r->stage = rf_val_render(ev, st, d->stage->type);
        }
    }
    leave(ev, s);
    ev->def_state[index] = 2;
}

void rf_eval_score(rf_eval *ev, int index)
{
    if (ev->score_state[index] != 0)
        return; /* done, or a cycle: the result so far (not computed) stands */
    const rf_kb_score *sc = ev->kb->score[index];
    rf_score_result *r = &ev->scores[index];
    memset(r, 0, sizeof *r);
    r->score = sc;
    if (ev->depth >= RF_LIMIT_REF_DEPTH)
        return; /* undecided (not computed), and not remembered */
    ev->score_state[index] = 1;
    r->score = sc;
    r->lo = -HUGE_VAL;
    r->hi = HUGE_VAL;
    saved s = enter(ev, sc->condition);
    if (ev->pcond == NULL) {
        r->status = RF_ST_NOT_APPLICABLE;
    } else if (rf_eval_body(ev, &sc->body, sc->body.nslots) != NULL) {
        add_lets_to_reasons(ev, &sc->body, &r->reasons);
        rf_status st = RF_ST_REFRACTORY;
        if (preconditions(ev, &sc->body, &st, &r->reasons, &r->missing) && st != RF_ST_REFRACTORY) {
            r->status = st;
        } else {
            for (int i = 0; i < sc->body.nclauses; i++) {
                const rf_clause *c = &sc->body.clauses[i];
                if (c->kind != RF_CL_PROVISIONAL)
                    continue;
                const rf_missing *m;
                if (rf_eval_truth(ev, c->expr, &m) != RF_FALSE) {
                    r->provisional = true;
                    rf_texts_add(&r->reasons, ev->a, rf_arena_printf(ev->a, "provisional: %s", c->label));
                }
            }
            r->items = RF_NEWN(ev->a, rf_item_result, sc->nitems + 1);
            r->nitems = sc->nitems;
            double lo = 0, hi = 0;
            for (int i = 0; r->items && i < sc->nitems; i++) {
                rf_val v = rf_eval_node(ev, sc->items[i].expr);
                ev->frame[sc->items[i].slot] = v;
                r->items[i] = (rf_item_result){sc->items[i].id, sc->items[i].label, v.lo, v.hi, {0}};
                if (v.lo != v.hi || !isfinite(v.lo))
                    rf_missing_to_texts(ev, v.missing, &r->items[i].missing);
                lo += v.lo;
                hi += v.hi;
            }
            rf_val total = sc->total ? rf_eval_node(ev, sc->total) : (rf_val){RF_TY_NUM, 0, 0, lo, hi, {NULL}, NULL};
            if (!sc->total && sc->nitems == 0)
                total.lo = -HUGE_VAL, total.hi = HUGE_VAL;
            ev->frame[sc->total_slot] = total;
            r->lo = total.lo;
            r->hi = total.hi;
            r->computed = isfinite(total.lo) && isfinite(total.hi);
            r->status = r->computed ? RF_ST_REFRACTORY : RF_ST_INSUFFICIENT;
            if (total.lo != total.hi || !isfinite(total.lo)) {
                rf_missing_to_texts(ev, total.missing, &r->missing);
                for (int i = 0; r->items && i < r->nitems; i++)
                    for (int k = 0; k < r->items[i].missing.n; k++)
                        rf_texts_add(&r->missing, ev->a, r->items[i].missing.items[k]);
            }
            for (int i = 0; i < sc->nbands; i++) {
                rf_val b = rf_eval_node(ev, sc->bands[i].expr);
                if (b.b == RF_FALSE)
                    continue;
                if (b.b == RF_TRUE) {
                    r->band_id = sc->bands[i].id;
                    r->band_label = sc->bands[i].label ? sc->bands[i].label : sc->bands[i].id;
                }
                break; /* unknown: the band is not decided */
            }
        }
    }
    leave(ev, s);
    ev->score_state[index] = 2;
}

void rf_eval_flag(rf_eval *ev, int index)
{
    if (ev->flag_state[index] != 0)
        return;
    if (ev->depth >= RF_LIMIT_REF_DEPTH) {
        memset(&ev->flags[index], 0, sizeof ev->flags[index]);
        ev->flags[index].flag = ev->kb->flag[index];
        ev->flags[index].raised = RF_UNKNOWN;
        return;
    }
    ev->flag_state[index] = 1;
    const rf_kb_flag *f = ev->kb->flag[index];
    rf_flag_result *r = &ev->flags[index];
    memset(r, 0, sizeof *r);
    r->flag = f;
    r->raised = RF_FALSE;
    saved s = enter(ev, f->condition);
    if (ev->pcond != NULL && rf_eval_body(ev, &f->body, f->body.nslots) != NULL) {
        rf_ptrvec w = {0};
        ev->witness = &w;
        rf_val v = rf_eval_node(ev, f->when);
        ev->witness = NULL;
        r->raised = (rf_b3)v.b;
        if (v.b == RF_TRUE)
            for (size_t i = 0; i < w.len; i++)
                {
                const rf_witness *wi = w.items[i];
                rf_texts_add(&r->facts, ev->a, rf_rec_label(ev, wi->rec, wi->kind));
            }
        if (v.b == RF_UNKNOWN)
            rf_missing_to_texts(ev, v.missing, &r->missing);
    }
    leave(ev, s);
    ev->flag_state[index] = 2;
}

void rf_rank_strategies(rf_eval *ev, rf_cond_result *cr);

static void collect_unverified(rf_eval *ev, rf_cond_result *cr, const rf_kb_entry *e)
{
    if (e->unverified)
        rf_texts_add(&cr->unverified, ev->a, rf_arena_printf(ev->a, "%s: %s", e->id, e->unverified));
}

static void assess_condition(rf_eval *ev, rf_cond_result *cr, int c)
{
    const rf_kb *kb = ev->kb;
    cr->condition = kb->condition[c];
    cr->record = ev->cond_record[c];
    int nd = 0, ns = 0, nf = 0; /* sized by this condition's entries */
    for (int i = 0; i < kb->n_definition; i++)
        nd += kb->definition[i]->condition == c;
    for (int i = 0; i < kb->n_score; i++)
        ns += kb->score[i]->condition == c;
    for (int i = 0; i < kb->n_flag; i++)
        nf += kb->flag[i]->condition == c;
    cr->defs = rf_arena_alloc(ev->a, sizeof(rf_def_result) * (size_t)(nd + 1));
    cr->scores = rf_arena_alloc(ev->a, sizeof(rf_score_result) * (size_t)(ns + 1));
    cr->flags = rf_arena_alloc(ev->a, sizeof(rf_flag_result) * (size_t)(nf + 1));
    if (!cr->defs || !cr->scores || !cr->flags)
        return;
    for (int i = 0; i < kb->n_flag; i++) {
        if (kb->flag[i]->condition != c)
            continue;
        rf_eval_flag(ev, i);
        if (ev->flags[i].raised == RF_TRUE) {
            cr->flags[cr->nflags++] = ev->flags[i];
            collect_unverified(ev, cr, &kb->flag[i]->e);
        }
    }
    for (int i = 0; i < kb->n_definition; i++) {
        if (kb->definition[i]->condition != c)
            continue;
        rf_eval_definition(ev, i);
        cr->defs[cr->ndefs++] = ev->defs[i];
        collect_unverified(ev, cr, &kb->definition[i]->e);
    }
    for (int i = 0; i < kb->n_score; i++) {
        if (kb->score[i]->condition != c)
            continue;
        rf_eval_score(ev, i);
        cr->scores[cr->nscores++] = ev->scores[i];
        collect_unverified(ev, cr, &kb->score[i]->e);
    }
    rf_eval_set_condition(ev, c);
    rf_rank_strategies(ev, cr);
    for (int i = 0; i < cr->nrecs; i++)
        collect_unverified(ev, cr, &cr->recs[i].strategy->e);
}

static void data_quality(rf_eval *ev, rf_assessment *as)
{
    const rf_patient *p = ev->p;
    size_t unmapped_trials = 0, unmapped_obs = 0;
    const char *first_trial = NULL, *first_obs = NULL;
    for (size_t i = 0; i < p->ntrials; i++)
        if (ev->trial_agent[i] < 0 && unmapped_trials++ == 0)
            first_trial = p->trials[i].where;
    for (size_t i = 0; i < p->nobservations; i++)
        if (ev->obs_kind[i] < 0 && unmapped_obs++ == 0)
            first_obs = p->observations[i].where;
    if (unmapped_trials)
        rf_texts_add(&as->data_quality, ev->a,
                     rf_arena_printf(ev->a, "%zu treatment(s) whose agent the knowledge base does not know (first: %s)",
                                     unmapped_trials, first_trial ? first_trial : "?"));
    if (unmapped_obs)
        rf_texts_add(&as->data_quality, ev->a,
                     rf_arena_printf(ev->a, "%zu observation(s) of a kind the knowledge base does not know (first: %s)",
                                     unmapped_obs, first_obs ? first_obs : "?"));
    for (size_t i = 0; i < p->nquality; i++) {
        const rf_quality *q = &p->quality[i];
        rf_texts_add(&as->data_quality, ev->a,
                     rf_arena_printf(ev->a, "%zu x %s (first: %s%s%s%s%s)", q->count, q->reason,
                                     q->nexamples > 0 ? q->examples[0] : "?",
                                     q->nexamples > 1 ? ", " : "", q->nexamples > 1 ? q->examples[1] : "",
                                     q->nexamples > 2 ? ", " : "", q->nexamples > 2 ? q->examples[2] : ""));
    }
    for (size_t i = 0; i < p->ntrials; i++) {
        if (p->trials[i].inferred_end)
            rf_texts_add(&as->data_quality, ev->a, rf_arena_printf(ev->a, "inferred: end date of %s taken from the next order", rf_trial_label(ev, i)));
        if (p->trials[i].inferred_dose)
            rf_texts_add(&as->data_quality, ev->a, rf_arena_printf(ev->a, "inferred: dose of %s read from a display text", rf_trial_label(ev, i)));
    }
}

int rf_engine_assess(rf_assessment **out, const rf_patient *p, const rf_kb *kb, rf_arena *a,
                     refract_error *err)
{
    rf_eval *ev = RF_NEW(a, rf_eval);
    rf_assessment *as = RF_NEW(a, rf_assessment);
    if (ev == NULL || as == NULL || rf_eval_init(ev, p, kb, a) != REFRACT_OK)
        return rf_error_set(err, REFRACT_ENOMEM, "", "out of memory");
    as->kb = kb;
    as->patient = p;
    as->conds = RF_NEWN(a, rf_cond_result, kb->n_condition + 1);
    if (as->conds == NULL)
        return rf_error_set(err, REFRACT_ENOMEM, "", "out of memory");
    for (int c = 0; c < kb->n_condition; c++)
        if (ev->cond_record[c] != NULL)
            assess_condition(ev, &as->conds[as->nconds++], c);
    data_quality(ev, as);
    if (a->failed)
        return rf_error_set(err, a->cap_bytes ? REFRACT_ELIMIT : REFRACT_ENOMEM, "",
                            "out of memory during the assessment");
    *out = as;
    return REFRACT_OK;
}
