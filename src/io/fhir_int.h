/* fhir_int.h - shared by the FHIR reader's files (fhir.c: bundle, index, references, common
 * resources; fhir_med.c: medications and trials; fhir_obs.c: observations and genomics). */
#ifndef RF_FHIR_INT_H
#define RF_FHIR_INT_H

#include <string.h>

#include "fhir.h"

/* One resource of the record, found by the index pass. */
typedef struct fx_res {
    const char *type;     /* resourceType */
    const char *id;       /* may be NULL */
    const char *full_url; /* entry.fullUrl, may be NULL */
    const rf_json *json;
    const char *where;    /* "Bundle.entry[3].resource(Condition/abc)" */
} fx_res;

/* A medication resource before trials are built (fhir_med.c). */
typedef struct fx_order fx_order;
typedef struct fx_fill fx_fill;

typedef struct fx {
    rf_arena *a;
    const rf_kb *kb;
    refract_error *err;
    rf_date as_of;
    rf_patient *p;
    fx_res *res;
    size_t nres, cap_res;
    int *hash; /* open addressing over keys "fullUrl" and "Type/id" -> index in res */
    size_t hash_cap;
    const fx_res *patient;   /* the record's Patient (the first), NULL if none */
    const fx_res *cur;       /* the resource being read (its contained[] and where) */
    size_t cap_cond, cap_trial, cap_proc, cap_obs, cap_all, cap_gen, cap_find, cap_q;
    fx_order *orders;
    size_t norders, cap_orders;
    fx_fill *fills;
    size_t nfills, cap_fills;
    int pregnancy_codeset; /* kb code set fhir_pregnancy, -1 if absent */
    int pregnancy_status_obs, pregnant_value, not_pregnant_value; /* code sets, -1 if absent */
    rf_date pregnancy_status_date; /* of the latest pregnancy-status Observation read */
    int msi_obs, msi_high, msi_stable; /* microsatellite-instability code sets, -1 if absent */
} fx;

/* Growth of an arena array by doubling; NULL when the arena refuses. */
void *rf_fx_grow(fx *x, void *items, size_t n, size_t *cap, size_t size);
/* Append one zeroed element to arr (n, cap); evaluates to the element or NULL. */
#define FX_APPEND(x, arr, n, cap)                                                              \
    (((n) < (cap) || ((arr) = rf_fx_grow((x), (arr), (n), &(cap), sizeof *(arr))) != NULL)    \
         ? memset(&(arr)[(n)++], 0, sizeof *(arr))                                            \
         : NULL)

int rf_fx_oom(fx *x);
/* Count reason, keep where (plus sub, an element path, may be NULL) as an example. */
void rf_fx_note(fx *x, const char *reason, const char *sub);
void rf_fx_notef(fx *x, const char *sub, const char *fmt, ...) RF_PRINTF(3, 4);

/* A non-empty string without NUL, else NULL. */
const char *rf_fx_str(const rf_json *v);
/* A FHIR date or dateTime at v (key sub of the current resource): 1 read, 0 absent,
 * -1 unusable (partial or invalid: noted). */
int rf_fx_date(fx *x, const rf_json *v, const char *sub, rf_date *out);
/* First date of effective[x]/onset[x]/performed[x] (prefix "effective"): DateTime, Instant,
 * Period.start; *end gets Period.end when asked. */
void rf_fx_when(fx *x, const rf_json *res, const char *prefix, rf_date *start, rf_date *end);
/* Codes of a CodeableConcept, systems mapped to short names; unmapped codings noted. */
int rf_fx_codes(fx *x, const rf_json *cc, const char *sub, rf_code **out, size_t *n);
/* First coding code of a CodeableConcept (any system), or NULL. */
const char *rf_fx_first_code(const rf_json *cc);
/* The resource a Reference points to: contained ("#id") in the current resource, or by
 * fullUrl / "Type/id" in the record. NULL if missing (the caller notes it). */
const rf_json *rf_fx_deref(fx *x, const rf_json *reference);
/* true when the resource belongs to another patient of the record (then noted and skipped). */
bool rf_fx_other_patient(fx *x, const rf_json *res);

/* A status that makes a resource not count (entered-in-error, refuted, not-done, cancelled,
 * not-taken): noted as "<type> <status> (ignored)"; true when the caller must skip it. */
bool rf_fx_ignored(fx *x, const char *type, const char *status, const char *sub);

/* fhir_med.c */
int rf_fx_medication(fx *x, const rf_json *res);
int rf_fx_build_trials(fx *x);
/* fhir_obs.c */
int rf_fx_observation(fx *x, const rf_json *res);
/* genomics.c: an Observation that is a Genomics Reporting IG result; 1 taken, 0 not one */
int rf_fx_genomics(fx *x, const rf_json *res, const rf_code *codes, size_t ncodes);
/* model helpers for genotypes shared with PharmCAT */
rf_genotype *rf_genotype_add(rf_patient *p, rf_arena *a, size_t *cap, const char *gene);

#endif
