/* rank.c - the strategy ladder for one patient: each strategy is excluded with its reason
 * kind (never silently dropped) or recommended with its cautions, then ranked by effective
 * line (personalisation moves it), fewer cautions, and the order the knowledge gives. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

typedef struct agent_verdict {
    bool excluded;
    rf_excl_kind kind;
    const char *reason;
} agent_verdict;


static bool pgx_applies(const rf_patient *p, const rf_kb_pgx *g, const rf_genotype **which)
{
    for (size_t i = 0; i < p->ngenotypes; i++) {
        const rf_genotype *x = &p->genotypes[i];
        if (x->gene == NULL || !rf_streq(x->gene, g->gene))
            continue;
        if (g->phenotype && x->phenotype && rf_streq(x->phenotype, g->phenotype)) {
            *which = x;
            return true;
        }
        if (g->allele && x->allele && strcmp(x->allele, g->allele) == 0 && x->carrier == RF_TRI_TRUE) {
            *which = x;
            return true;
        }
    }
    return false;
}

static bool declined(const rf_patient *p, const char *id)
{
    for (size_t i = 0; i < p->prefs.ndeclines; i++)
        if (rf_streq(p->prefs.declines[i], id))
            return true;
    return false;
}

/* b3 of the condition's trial predicate (trial_failed / trial_intolerant) for one trial. */
static rf_b3 trial_pred(rf_eval *ev, const rf_node *pred, int nslots, size_t ti)
{
    if (pred == NULL)
        return RF_FALSE;
    rf_val *frame = rf_eval_new_frame(ev, nslots + 1, NULL);
    if (frame == NULL)
        return RF_UNKNOWN;
    frame[0].k = RF_TY_REC;
    frame[0].rec = RF_REC_TRIAL;
    frame[0].p = &ev->p->trials[ti];
    rf_val *saved = ev->frame;
    ev->frame = frame;
    rf_val v = rf_eval_node(ev, pred);
    ev->frame = saved;
    return (rf_b3)v.b;
}

/* Everything that removes an agent, or adds a caution, whatever strategy gives it. The
 * answer depends on the agent and the condition only, so rank.c asks once per agent. */
static agent_verdict judge_agent_uncached(rf_eval *ev, int agent, rf_rec_result *rec)
{
    const rf_kb *kb = ev->kb;
    const rf_patient *p = ev->p;
    const char *name = kb->agent[agent]->e.id;
    agent_verdict v = {false, RF_EX_CONTRAINDICATED, NULL};
    for (size_t i = 0; i < p->nallergies; i++) {
        const rf_allergy *al = &p->allergies[i];
        if (al->agent == NULL)
            continue;
        int ag = rf_kb_find(kb, RF_SYM_AGENT, al->agent);
        int cl = rf_kb_find(kb, RF_SYM_CLASS, al->agent);
        if (ag == agent || (cl >= 0 && kb->agent[agent]->is_class[cl])) {
            const char *what = rf_arena_printf(ev->a, "%s: recorded %s to %s%s%s", name,
                                               al->kind ? al->kind : "allergy", al->agent,
                                               al->reaction ? " (" : "", al->reaction ? al->reaction : "");
            if (al->reaction)
                what = rf_arena_printf(ev->a, "%s)", what);
            if (al->kind && strcmp(al->kind, "intolerance") == 0) {
                rf_texts_add(&rec->cautions, ev->a, what);
            } else {
                return (agent_verdict){true, RF_EX_CONTRAINDICATED, what};
            }
        }
    }
    const rf_kb_agent *ag = kb->agent[agent];
    for (int r = 0; r < ag->ncontras; r++) {
        int i = ag->contras[r];
        const rf_kb_contra *c = kb->contra[i];
        if (c->condition >= 0 && c->condition != ev->cond)
            continue;
        if (ev->contra_state[i] == 0) { /* once per condition, whichever agent asks */
            rf_val *saved = ev->frame;
            if (rf_eval_body(ev, &c->body, c->body.nslots) == NULL)
                continue;
            const rf_missing *wm;
            rf_b3 w = rf_eval_truth(ev, c->when, &wm);
            ev->frame = saved;
            ev->contra_state[i] = (uint8_t)(w + 1);
            if (w == RF_TRUE && ev->fired)
                rf_texts_add(ev->fired, ev->a, c->e.id);
        }
        rf_val w;
        memset(&w, 0, sizeof w);
        w.b = (uint8_t)(ev->contra_state[i] - 1);
        if (w.b == RF_TRUE && c->absolute) {
            /* every absolute reason for this agent, not only the first */
            const char *t = rf_arena_printf(ev->a, "%s: %s", name, c->text);
            v.reason = v.excluded ? rf_arena_printf(ev->a, "%s; %s", v.reason, c->text) : t;
            v.excluded = true;
            v.kind = RF_EX_CONTRAINDICATED;
            continue;
        }
        if (w.b == RF_TRUE)
            rf_texts_add(&rec->cautions, ev->a, rf_arena_printf(ev->a, "%s: %s", name, c->text));
        else if (w.b == RF_UNKNOWN && c->absolute)
            rf_texts_add(&rec->cautions, ev->a,
                         rf_arena_printf(ev->a, "%s: could not rule out a contraindication (%s)", name, c->text));
    }
    if (v.excluded)
        return v;
    for (int r = 0; r < ag->npgxs; r++) {
        const rf_kb_pgx *g = kb->pgx[ag->pgxs[r]];
        const rf_genotype *gt = NULL;
        if (g->condition >= 0 && g->condition != ev->cond)
            continue;
        if (!pgx_applies(p, g, &gt))
            continue;
        if (ev->fired)
            rf_texts_add(ev->fired, ev->a, g->e.id);
        const char *what = rf_arena_printf(ev->a, "%s: %s %s%s: %s (%s)", name, g->gene,
                                           g->phenotype ? g->phenotype : "", g->allele ? g->allele : "",
                                           g->advice ? g->advice : "see the source", g->e.id);
        if (g->action == RF_PGX_AVOID)
            return (agent_verdict){true, RF_EX_PGX, what};
        rf_texts_add(&rec->cautions, ev->a, what);
    }
    if (declined(p, name))
        return (agent_verdict){true, RF_EX_DECLINED, rf_arena_printf(ev->a, "%s: declined by the patient", name)};
    for (size_t t = 0; t < p->ntrials; t++) {
        if (ev->trial_agent[t] != agent)
            continue;
        if (ev->trial_failed[t] == RF_TRUE)
            return (agent_verdict){true, RF_EX_ALREADY_FAILED,
                                   rf_arena_printf(ev->a, "%s: already failed (%s)", name, rf_trial_label(ev, t))};
        if (ev->trial_intolerant[t] == RF_TRUE)
            rf_texts_add(&rec->cautions, ev->a,
                         rf_arena_printf(ev->a, "%s: not tolerated before (%s)", name, rf_trial_label(ev, t)));
    }
    return v;
}

typedef struct agent_memo {
    bool done;
    agent_verdict v;
    rf_texts cautions;
} agent_memo;

static agent_verdict judge_agent(rf_eval *ev, agent_memo *memo, int agent, rf_rec_result *rec)
{
    agent_memo *m = &memo[agent];
    if (!m->done) {
        rf_rec_result scratch;
        memset(&scratch, 0, sizeof scratch);
        m->v = judge_agent_uncached(ev, agent, &scratch);
        m->cautions = scratch.cautions;
        m->done = true;
    }
    for (int i = 0; i < m->cautions.n; i++)
        rf_texts_add(&rec->cautions, ev->a, m->cautions.items[i]);
    return m->v;
}

static void exclude(rf_cond_result *cr, rf_arena *a, const rf_kb_strategy *s, rf_excl_kind kind,
                    rf_texts reasons)
{
    rf_excl_result *e = &cr->excluded[cr->nexcluded++];
    e->strategy = s;
    e->kind = kind;
    e->reasons = reasons;
    (void)a;
}

/* The strategy's own clauses: requires, contraindicated, caution, prefer, defer. */
/* The strategy's own clauses: requires, contraindicated, caution, prefer, defer. Every
 * clause is evaluated, so an exclusion lists all its reasons: a contraindication is the
 * reason kind when there is one (it matters more than an unmet prerequisite), and the
 * unmet prerequisites are listed with it. */
static bool judge_clauses(rf_eval *ev, const rf_kb_strategy *s, rf_rec_result *rec,
                          rf_excl_kind *kind, rf_texts *why)
{
    rf_texts contra = {0}, prereq = {0};
    for (int i = 0; i < s->body.nclauses; i++) {
        const rf_clause *c = &s->body.clauses[i];
        const rf_missing *vm;
        rf_b3 v = rf_eval_truth(ev, c->expr, &vm);
        switch (c->kind) {
        case RF_CL_REQUIRE:
            if (v == RF_TRUE)
                break;
            rf_texts_add(&prereq, ev->a, v == RF_FALSE ? rf_arena_printf(ev->a, "not met: %s", c->label)
                                                         : rf_arena_printf(ev->a, "cannot be confirmed: %s", c->label));
            rf_missing_to_texts(ev, vm, &prereq);
            break;
        case RF_CL_CONTRAINDICATED:
            if (v == RF_TRUE)
                rf_texts_add(&contra, ev->a, c->label);
            else if (v == RF_UNKNOWN)
                rf_texts_add(&rec->cautions, ev->a,
                             rf_arena_printf(ev->a, "could not rule out: %s", c->label));
            break;
        case RF_CL_CAUTION:
            if (v == RF_TRUE)
                rf_texts_add(&rec->cautions, ev->a, c->label);
            break;
        case RF_CL_PREFER:
        case RF_CL_DEFER:
            if (v == RF_TRUE) {
                rec->effective_line += c->kind == RF_CL_PREFER ? -1 : 1;
                rf_texts_add(&rec->preferred, ev->a,
                             rf_arena_printf(ev->a, "%s: %s", c->kind == RF_CL_PREFER ? "ranked earlier" : "ranked later", c->label));
            }
            break;
        default:
            break;
        }
    }
    if (contra.n == 0 && prereq.n == 0)
        return false;
    *kind = contra.n ? RF_EX_CONTRAINDICATED : RF_EX_PREREQUISITE;
    for (int i = 0; i < contra.n; i++)
        rf_texts_add(why, ev->a, contra.items[i]);
    for (int i = 0; i < prereq.n; i++)
        rf_texts_add(why, ev->a, prereq.items[i]);
    return true;
}

static void also_serves(rf_eval *ev, const rf_kb_strategy *s, rf_rec_result *rec)
{
    const rf_kb *kb = ev->kb;
    for (int c = 0; c < kb->n_condition; c++) {
        if (c == s->condition || ev->cond_record[c] == NULL)
            continue;
        for (int j = 0; j < kb->n_strategy; j++) {
            const rf_kb_strategy *o = kb->strategy[j];
            if (o->condition != c)
                continue;
            for (int x = 0; x < s->agents.n; x++)
                for (int y = 0; y < o->agents.n; y++)
                    if (s->agents.index[x] >= 0 && s->agents.index[x] == o->agents.index[y])
                        rf_texts_add(&rec->also_serves, ev->a,
                                     rf_arena_printf(ev->a, "%s also serves %s (%s)", kb->agent[s->agents.index[x]]->e.id,
                                                     kb->condition[c]->e.id, o->e.id));
        }
    }
}

static void judge_strategy(rf_eval *ev, agent_memo *memo, rf_cond_result *cr,
                           const rf_kb_strategy *s)
{
    rf_rec_result rec;
    memset(&rec, 0, sizeof rec);
    rec.strategy = s;
    rec.effective_line = s->line;
    rf_texts why = {0};
    rf_excl_kind kind = RF_EX_DECLINED;
    if (declined(ev->p, s->e.id) || (s->kind && declined(ev->p, s->kind))) {
        rf_texts_add(&why, ev->a, "declined by the patient");
        exclude(cr, ev->a, s, RF_EX_DECLINED, why);
        return;
    }
    if (rf_eval_body(ev, &s->body, s->body.nslots) == NULL)
        return;
    if (judge_clauses(ev, s, &rec, &kind, &why)) {
        exclude(cr, ev->a, s, kind, why);
        return;
    }
    int left = 0;
    rf_excl_kind first = RF_EX_CONTRAINDICATED;
    bool have_first = false;
    rf_val *frame = ev->frame;
    for (int i = 0; i < s->agents.n; i++) {
        if (s->agents.index[i] < 0)
            continue;
        agent_verdict v = judge_agent(ev, memo, s->agents.index[i], &rec);
        ev->frame = frame;
        if (!v.excluded) {
            left++;
            continue;
        }
        rf_texts_add(&rec.agents_excluded, ev->a, rf_arena_printf(ev->a, "%s [%s]", v.reason, rf_excl_name(v.kind)));
        rf_texts_add(&why, ev->a, v.reason);
        if (!have_first || v.kind < first)
            first = v.kind;
        have_first = true;
    }
    if (s->agents.n > 0 && left == 0) {
        exclude(cr, ev->a, s, first, why);
        return;
    }
    also_serves(ev, s, &rec);
    cr->recs[cr->nrecs++] = rec;
}

/* Closest to where the patient stands on the ladder first, then the earlier line, then
 * fewer cautions, then the knowledge's own order: the same input always sorts the same. */
static int cmp_rec(const void *pa, const void *pb)
{
    const rf_rec_result *a = pa, *b = pb;
    if (a->distance != b->distance)
        return a->distance < b->distance ? -1 : 1;
    if (a->effective_line != b->effective_line)
        return a->effective_line < b->effective_line ? -1 : 1;
    if (a->cautions.n != b->cautions.n)
        return a->cautions.n < b->cautions.n ? -1 : 1;
    return a->strategy->order - b->strategy->order;
}

void rf_rank_strategies(rf_eval *ev, rf_cond_result *cr);
void rf_rank_strategies(rf_eval *ev, rf_cond_result *cr)
{
    const rf_kb *kb = ev->kb;
    int mine = 0; /* arrays sized by this condition's strategies, not the whole knowledge */
    for (int i = 0; i < kb->n_strategy; i++)
        mine += kb->strategy[i]->condition == ev->cond;
    cr->recs = RF_NEWN(ev->a, rf_rec_result, mine + 1);
    cr->excluded = RF_NEWN(ev->a, rf_excl_result, mine + 1);
    if (cr->recs == NULL || cr->excluded == NULL)
        return;
    ev->fired = &cr->rules_fired;
    /* the condition's trial predicates, once per trial rather than once per agent asked */
    const rf_kb_condition *cond = kb->condition[ev->cond];
    ev->trial_failed = RF_NEWN(ev->a, uint8_t, ev->p->ntrials + 1);
    ev->trial_intolerant = RF_NEWN(ev->a, uint8_t, ev->p->ntrials + 1);
    if (ev->trial_failed == NULL || ev->trial_intolerant == NULL)
        return;
    for (size_t t = 0; t < ev->p->ntrials; t++) {
        ev->trial_failed[t] = (uint8_t)trial_pred(ev, cond->trial_failed, cond->failed_slots, t);
        ev->trial_intolerant[t] = (uint8_t)trial_pred(ev, cond->trial_intolerant, cond->intolerant_slots, t);
    }
    agent_memo *memo = rf_arena_alloc(ev->a, sizeof(agent_memo) * (size_t)(kb->n_agent + 1));
    if (memo != NULL) /* only the done flags need clearing */
        for (int i = 0; i <= kb->n_agent; i++)
            memo[i].done = false;
    ev->contra_state = RF_NEWN(ev->a, uint8_t, kb->n_contra + 1);
    if (memo == NULL || ev->contra_state == NULL)
        return;
    for (int i = 0; i < kb->n_strategy; i++)
        if (kb->strategy[i]->condition == ev->cond)
            judge_strategy(ev, memo, cr, kb->strategy[i]);
    ev->fired = NULL;
    cr->current_line_lo = cr->current_line_hi = NAN;
    if (cond->current_line) {
        rf_val *saved = ev->frame;
        ev->frame = rf_eval_new_frame(ev, cond->current_line_slots + 1, NULL);
        if (ev->frame) {
            rf_val v = rf_eval_node(ev, cond->current_line);
            cr->current_line_lo = v.lo;
            cr->current_line_hi = v.hi;
            /* distance from the patient's place on the ladder, then moved by
             * personalisation: a prefer always ranks earlier, even below the current line */
            for (int i = 0; v.lo == v.hi && isfinite(v.lo) && i < cr->nrecs; i++) {
                rf_rec_result *r = &cr->recs[i];
                r->distance = fabs(r->strategy->line - v.lo) + (r->effective_line - r->strategy->line);
            }
        }
        ev->frame = saved;
    }
    qsort(cr->recs, (size_t)cr->nrecs, sizeof *cr->recs, cmp_rec);
    for (int i = 0; i < cr->nrecs; i++)
        cr->recs[i].rank = i + 1;
}
