/* fhir_obs.c - Observation into observations: scale scores, labs and counts by their codes
 * (LOINC, SNOMED CT) through the knowledge base's observation kinds and code sets; values
 * with UCUM units checked against the kind's unit (an unknown or unfitting unit is a data
 * quality entry, never an error); components (blood pressure) read one by one; Genomics
 * Reporting IG results handed to genomics.c. The mapping: docs/fhir.md, "Observation". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../model/units.h"
#include "fhir_int.h"

static const char *value_text(const rf_json *v)
{
    const char *t = rf_fx_str(rf_json_get(v, "text"));
    rf_json_iter it = rf_json_iter_begin(rf_json_get(v, "coding"));
    const rf_json *c = rf_json_iter_next(&it, NULL);
    if (t == NULL)
        t = rf_fx_str(rf_json_get(c, "display"));
    return t ? t : rf_fx_str(rf_json_get(c, "code"));
}

/* The value of an Observation or of one of its components into o; false (noted) when it
 * cannot be used with kind k. */
static bool read_value(fx *x, rf_observation *o, const rf_json *holder, const rf_kb_observation *k,
                       const char *sub)
{
    const rf_json *q = rf_json_get(holder, "valueQuantity");
    const rf_json *vi = rf_json_get(holder, "valueInteger");
    if (q != NULL || vi != NULL) {
        double v = rf_json_number(q ? rf_json_get(q, "value") : vi);
        const char *u = q ? rf_fx_str(rf_json_get(q, "code")) : NULL;
        if (u == NULL && q != NULL)
            u = rf_fx_str(rf_json_get(q, "unit"));
        rf_unit un = {RF_DIM_NONE, 1, NULL, NULL};
        if (!isfinite(v)) {
            rf_fx_note(x, "observation without a numeric value not read", sub);
            return false;
        }
        if (u != NULL && !rf_unit_lookup(u, strlen(u), &un)) {
            rf_fx_notef(x, sub, "observation with a unit refract does not know not read");
            return false;
        }
        if (un.dim != k->unit.dim) {
            rf_fx_note(x, u ? "observation whose unit does not fit its kind not read"
                            : "observation without the unit its kind needs not read", sub);
            return false;
        }
        o->value = v;
        o->unit = u;
        return true;
    }
    const rf_json *cc = rf_json_get(holder, "valueCodeableConcept");
    const char *s = cc ? value_text(cc) : rf_fx_str(rf_json_get(holder, "valueString"));
    if (s == NULL) {
        rf_fx_note(x, "observation without a value refract reads not read", sub);
        return false;
    }
    o->text_value = s;
    return true;
}

static int add_obs(fx *x, int kind, rf_code *codes, size_t n, const rf_json *holder, rf_date d,
                   const char *sub)
{
    rf_observation tmp = {.kind = x->kb->observation[kind]->e.id, .codes = codes, .ncodes = n,
                          .value = RF_NUM_NONE, .value_canon = RF_NUM_NONE, .date = d,
                          .where = x->cur->where};
    if (!read_value(x, &tmp, holder, x->kb->observation[kind], sub))
        return REFRACT_OK;
    rf_observation *o = FX_APPEND(x, x->p->observations, x->p->nobservations, x->cap_obs);
    if (o == NULL)
        return rf_fx_oom(x);
    *o = tmp;
    return REFRACT_OK;
}

static int components(fx *x, const rf_json *res, rf_date d, bool *any)
{
    rf_json_iter it = rf_json_iter_begin(rf_json_get(res, "component"));
    const rf_json *c;
    for (size_t i = 0; (c = rf_json_iter_next(&it, NULL)) != NULL; i++) {
        char sub[40];
        snprintf(sub, sizeof sub, "component[%zu]", i);
        rf_code *codes;
        size_t n;
        int rc = rf_fx_codes(x, rf_json_get(c, "code"), sub, &codes, &n);
        if (rc != REFRACT_OK)
            return rc;
        int kind = rf_kb_match_codes(x->kb, RF_SYM_OBSERVATION, codes, n);
        if (kind < 0)
            continue;
        *any = true;
        rc = add_obs(x, kind, codes, n, c, d, sub);
        if (rc != REFRACT_OK)
            return rc;
    }
    return REFRACT_OK;
}

static bool in_codeset(const fx *x, int set, const rf_code *codes, size_t n)
{
    for (size_t i = 0; set >= 0 && i < n; i++)
        if (rf_kb_code_match(&x->kb->codeset[set]->codes, codes[i].system, codes[i].code))
            return true;
    return false;
}

/* A pregnancy-status Observation (its code and answer codes in kb/fhir_codes.kb): the latest
 * one sets patient.pregnant; an answer that is neither pregnant nor not pregnant leaves it
 * unknown. Returns true when the Observation was one. */
static bool pregnancy_status(fx *x, const rf_json *res, const rf_code *codes, size_t n, rf_date d)
{
    if (!in_codeset(x, x->pregnancy_status_obs, codes, n))
        return false;
    if (x->pregnancy_status_date != RF_DATE_NONE && d < x->pregnancy_status_date)
        return true; /* an older status does not override a newer one */
    rf_code *v;
    size_t nv;
    if (rf_fx_codes(x, rf_json_get(res, "valueCodeableConcept"), "valueCodeableConcept", &v, &nv) !=
        REFRACT_OK)
        return true;
    x->pregnancy_status_date = d;
    x->p->pregnant = in_codeset(x, x->pregnant_value, v, nv)       ? RF_TRI_TRUE
                     : in_codeset(x, x->not_pregnant_value, v, nv) ? RF_TRI_FALSE
                                                                   : RF_TRI_UNKNOWN;
    return true;
}

/* A microsatellite-instability Observation (Genomics Reporting IG / mCODE profile, codes in
 * kb/fhir_codes.kb) becomes the tumour finding "MSI-H": positive for MSI-H, negative for
 * microsatellite stable, and the answer's display for anything else. */
static int msi_status(fx *x, const rf_json *res, const rf_code *codes, size_t n, rf_date d)
{
    if (!in_codeset(x, x->msi_obs, codes, n))
        return 0;
    rf_code *v;
    size_t nv;
    if (rf_fx_codes(x, rf_json_get(res, "valueCodeableConcept"), "valueCodeableConcept", &v, &nv) !=
        REFRACT_OK)
        return 1;
    const char *result = in_codeset(x, x->msi_high, v, nv)     ? "positive"
                         : in_codeset(x, x->msi_stable, v, nv) ? "negative"
                         : nv && v[0].display                  ? v[0].display
                                                               : NULL;
    if (result == NULL) {
        rf_fx_note(x, "microsatellite-instability result without a known answer not read",
                   "valueCodeableConcept");
        return 1;
    }
    rf_finding *f = FX_APPEND(x, x->p->findings, x->p->nfindings, x->cap_find);
    if (f == NULL)
        return rf_fx_oom(x);
    f->marker = "MSI-H";
    f->result = result;
    f->origin = "somatic";
    f->date = d;
    f->where = x->cur->where;
    return 1;
}

int rf_fx_observation(fx *x, const rf_json *res)
{
    if (rf_fx_ignored(x, "observation", rf_fx_str(rf_json_get(res, "status")), "status"))
        return REFRACT_OK;
    rf_code *codes;
    size_t n;
    int rc = rf_fx_codes(x, rf_json_get(res, "code"), "code", &codes, &n);
    if (rc != REFRACT_OK)
        return rc;
    rc = rf_fx_genomics(x, res, codes, n);
    if (rc != 0)
        return rc > 0 ? REFRACT_OK : rc;
    rf_date d = RF_DATE_NONE;
    rf_fx_when(x, res, "effective", &d, NULL);
    if (d == RF_DATE_NONE)
        rf_fx_date(x, rf_json_get(res, "issued"), "issued", &d);
    int kind = rf_kb_match_codes(x->kb, RF_SYM_OBSERVATION, codes, n);
    bool any = kind >= 0;
    if (d == RF_DATE_NONE || d > x->as_of) {
        rf_fx_note(x, d == RF_DATE_NONE ? "observation without a date not read"
                                        : "observation dated after as_of not read", NULL);
        return REFRACT_OK;
    }
    if (pregnancy_status(x, res, codes, n, d))
        return REFRACT_OK;
    rc = msi_status(x, res, codes, n, d);
    if (rc != 0)
        return rc > 0 ? REFRACT_OK : rc;
    if (kind >= 0 && rf_json_get(res, "component") == NULL)
        return add_obs(x, kind, codes, n, res, d, "value");
    if (kind >= 0 && (rf_json_get(res, "valueQuantity") || rf_json_get(res, "valueInteger") ||
                      rf_json_get(res, "valueCodeableConcept") || rf_json_get(res, "valueString"))) {
        rc = add_obs(x, kind, codes, n, res, d, "value");
        if (rc != REFRACT_OK)
            return rc;
    }
    rc = components(x, res, d, &any);
    if (rc == REFRACT_OK && !any)
        rf_fx_note(x, "observation whose code the knowledge base does not know not read", "code");
    return rc;
}
