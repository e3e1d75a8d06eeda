/* resolve.c - ties a patient record to the knowledge: agents by id or code, doses to the
 * agent's daily unit, observation and procedure kinds, observation values to the kind's
 * unit. A record that names something the knowledge does not know, or a unit that cannot
 * fit, is refused with its JSON path: a typo must never silently become "no data". */
#include <string.h>

#include "engine_int.h"

static int agent_by_codes(const rf_kb *kb, const rf_code *c, size_t n)
{
    return rf_kb_match_codes(kb, RF_SYM_AGENT, c, n);
}

static const char *path(rf_arena *a, const char *where, const char *field)
{
    return rf_arena_printf(a, "%s.%s", where ? where : "$", field);
}

static int resolve_trial(rf_trial *t, const rf_kb *kb, rf_arena *a, refract_error *err)
{
    t->dose_canon = RF_NUM_NONE;
    int ag = -1;
    if (t->agent) {
        ag = rf_kb_find(kb, RF_SYM_AGENT, t->agent);
        if (ag < 0)
            return rf_error_set(err, REFRACT_EINVAL, path(a, t->where, "agent"),
                                "unknown agent '%s' (see `refract kb list`)", t->agent);
    } else {
        ag = agent_by_codes(kb, t->codes, t->ncodes);
        if (ag < 0)
            return REFRACT_OK; /* an unmapped code: reported in data quality, never guessed */
        t->agent = kb->agent[ag]->e.id;
    }
    if (t->for_condition && rf_kb_find(kb, RF_SYM_CONDITION, t->for_condition) < 0)
        return rf_error_set(err, REFRACT_EINVAL, path(a, t->where, "for"),
                            "unknown condition '%s'", t->for_condition);
    if (!rf_num_known(t->dose_value) || t->dose_unit == NULL)
        return REFRACT_OK;
    const rf_kb_agent *g = kb->agent[ag];
    rf_unit u;
    if (!rf_unit_lookup(t->dose_unit, strlen(t->dose_unit), &u))
        return rf_error_set(err, REFRACT_EINVAL, path(a, t->where, "dose.unit"), "unknown unit '%s'",
                            t->dose_unit);
    double v = t->dose_value * u.factor;
    if (u.dim == g->unit.dim) {
        t->dose_canon = v; /* the canonical unit of the dimension, like every literal */
        return REFRACT_OK;
    }
    rf_dim per_day;
    if (rf_dim_per_day(u.dim, &per_day) && per_day == g->unit.dim) {
        if (rf_num_known(t->per_day))
            t->dose_canon = v * t->per_day;
        return REFRACT_OK; /* frequency unknown: the daily dose stays unknown, and is named */
    }
    return rf_error_set(err, REFRACT_EINVAL, path(a, t->where, "dose.unit"),
                        "unit '%s' (%s) does not fit %s, dosed in %s (%s)", t->dose_unit,
                        rf_dim_name(u.dim), g->e.id, g->unit_text, rf_dim_name(g->unit.dim));
}

static int resolve_observation(rf_observation *o, int *kind, const rf_kb *kb, rf_arena *a,
                               refract_error *err)
{
    *kind = -1;
    o->value_canon = RF_NUM_NONE;
    if (o->kind) {
        *kind = rf_kb_find(kb, RF_SYM_OBSERVATION, o->kind);
        if (*kind < 0)
            return rf_error_set(err, REFRACT_EINVAL, path(a, o->where, "kind"),
                                "unknown observation kind '%s'", o->kind);
    } else {
        *kind = rf_kb_match_codes(kb, RF_SYM_OBSERVATION, o->codes, o->ncodes);
        if (*kind < 0)
            return REFRACT_OK;
        o->kind = kb->observation[*kind]->e.id;
    }
    if (!rf_num_known(o->value))
        return REFRACT_OK;
    const rf_kb_observation *k = kb->observation[*kind];
    rf_unit u = k->unit;
    if (o->unit && !rf_unit_lookup(o->unit, strlen(o->unit), &u))
        return rf_error_set(err, REFRACT_EINVAL, path(a, o->where, "unit"), "unknown unit '%s'", o->unit);
    if (o->unit == NULL && k->unit.dim != RF_DIM_NONE)
        return rf_error_set(err, REFRACT_EINVAL, path(a, o->where, "unit"),
                            "%s needs a unit (%s)", k->e.id, k->unit_text);
    if (u.dim != k->unit.dim)
        return rf_error_set(err, REFRACT_EINVAL, path(a, o->where, "unit"),
                            "unit '%s' (%s) does not fit %s, measured in %s", o->unit,
                            rf_dim_name(u.dim), k->e.id, k->unit_text);
    o->value_canon = o->value * u.factor;
    return REFRACT_OK;
}

static int resolve_concepts(rf_patient *p, const rf_kb *kb, rf_arena *a, refract_error *err)
{
    for (size_t i = 0; i < p->nconditions; i++) {
        const rf_condition *c = &p->conditions[i];
        if (c->concept && rf_kb_find(kb, RF_SYM_CONDITION, c->concept) < 0 &&
            rf_kb_find(kb, RF_SYM_CODESET, c->concept) < 0)
            return rf_error_set(err, REFRACT_EINVAL, path(a, c->where, "concept"),
                                "unknown concept '%s' (a condition or code set of the knowledge base)",
                                c->concept);
    }
    for (size_t i = 0; i < p->nallergies; i++) {
        rf_allergy *al = &p->allergies[i];
        if (al->agent && rf_kb_find(kb, RF_SYM_AGENT, al->agent) < 0 &&
            rf_kb_find(kb, RF_SYM_CLASS, al->agent) < 0)
            return rf_error_set(err, REFRACT_EINVAL, path(a, al->where, "agent"),
                                "unknown agent or class '%s'", al->agent);
        if (al->agent == NULL) {
            int ag = agent_by_codes(kb, al->codes, al->ncodes);
            if (ag >= 0)
                al->agent = kb->agent[ag]->e.id;
        }
    }
    for (size_t i = 0; i < p->nprocedures; i++) {
        rf_procedure *x = &p->procedures[i];
        if (x->kind && rf_kb_find(kb, RF_SYM_PROCEDURE, x->kind) < 0)
            return rf_error_set(err, REFRACT_EINVAL, path(a, x->where, "kind"),
                                "unknown procedure kind '%s'", x->kind);
        if (x->kind == NULL) {
            int k = rf_kb_match_codes(kb, RF_SYM_PROCEDURE, x->codes, x->ncodes);
            if (k >= 0)
                x->kind = kb->procedure[k]->e.id;
        }
    }
    static const char *const kinds[] = {"optimisation", "switch", "augmentation", "combination",
                                        "neurostimulation", "psychological", "surgery", "diet",
                                        "referral", "clinical_trial", "other", "neuromodulation",
                                        "device", "radiotherapy", "radioligand", "chemotherapy",
                                        "hormonal", "biologic", "procedure", "lifestyle"};
    for (size_t i = 0; i < p->prefs.ndeclines; i++) {
        const char *d = p->prefs.declines[i];
        bool ok = rf_kb_find(kb, RF_SYM_STRATEGY, d) >= 0 || rf_kb_find(kb, RF_SYM_AGENT, d) >= 0 ||
                  rf_kb_find(kb, RF_SYM_CLASS, d) >= 0;
        for (size_t k = 0; !ok && k < sizeof kinds / sizeof kinds[0]; k++)
            ok = strcmp(kinds[k], d) == 0;
        if (!ok)
            return rf_error_set(err, REFRACT_EINVAL, rf_arena_printf(a, "$.preferences.declines[%zu]", i),
                                "unknown strategy, kind or agent '%s'", d);
    }
    return REFRACT_OK;
}

int rf_engine_resolve(rf_patient *p, const rf_kb *kb, rf_arena *a, refract_error *err)
{
    for (size_t i = 0; i < p->ntrials; i++) {
        int rc = resolve_trial(&p->trials[i], kb, a, err);
        if (rc != REFRACT_OK)
            return rc;
    }
    for (size_t i = 0; i < p->nobservations; i++) {
        int kind;
        int rc = resolve_observation(&p->observations[i], &kind, kb, a, err);
        if (rc != REFRACT_OK)
            return rc;
    }
    return resolve_concepts(p, kb, a, err);
}
