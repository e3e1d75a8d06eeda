/* fhir.c - the FHIR R4 reader: walks a Bundle (or one resource), indexes every resource by
 * fullUrl and Type/id so references resolve, then reads each resource through one table of
 * readers (resource type -> function). Patient, Condition, Procedure and AllergyIntolerance
 * are read here; medications in fhir_med.c, observations in fhir_obs.c, genomics in
 * genomics.c. One bad resource never sinks the record: what cannot be mapped is counted by
 * reason in the patient's data quality with its location ("Bundle.entry[3].resource(...)");
 * only a document that is not FHIR, or a Bundle whose structure is broken, is an error.
 * The mapping: docs/fhir.md. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fhir_int.h"

#define ARRAY_LEN(x) (sizeof(x) / sizeof((x)[0]))

/* ---- arena arrays, errors, data quality ------------------------------------------------ */

void *rf_fx_grow(fx *x, void *items, size_t n, size_t *cap, size_t size)
{
    size_t ncap = *cap ? *cap * 2 : 8;
    void *nb = rf_arena_alloc(x->a, ncap * size);
    if (nb == NULL)
        return NULL;
    if (n > 0)
        memcpy(nb, items, n * size);
    *cap = ncap;
    return nb;
}

int rf_fx_oom(fx *x)
{
    return rf_error_set(x->err, x->a->cap_bytes && x->a->failed ? REFRACT_ELIMIT : REFRACT_ENOMEM,
                        x->cur ? x->cur->where : "", "out of memory reading the FHIR record");
}

void rf_fx_note(fx *x, const char *reason, const char *sub)
{
    rf_patient *p = x->p;
    rf_quality *q = NULL;
    for (size_t i = 0; i < p->nquality && q == NULL; i++)
        if (strcmp(p->quality[i].reason, reason) == 0)
            q = &p->quality[i];
    if (q == NULL) {
        q = FX_APPEND(x, p->quality, p->nquality, x->cap_q);
        if (q == NULL)
            return; /* the arena's failed flag makes the read fail at its end */
        q->reason = rf_arena_strdup(x->a, reason);
    }
    q->count++;
    if (q->nexamples < RF_QUALITY_EXAMPLES) {
        const char *w = x->cur ? x->cur->where : "$";
        q->examples[q->nexamples++] = sub ? rf_arena_printf(x->a, "%s.%s", w, sub) : w;
    }
}

void rf_fx_notef(fx *x, const char *sub, const char *fmt, ...)
{
    char reason[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    rf_fx_note(x, reason, sub);
}

/* ---- elements -------------------------------------------------------------------------- */

const char *rf_fx_str(const rf_json *v)
{
    const char *s = rf_json_string(v);
    size_t n = rf_json_string_len(v);
    if (s == NULL || n == 0 || memchr(s, '\0', n) != NULL)
        return NULL;
    return s;
}

static bool digits_at(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int rf_fx_date(fx *x, const rf_json *v, const char *sub, rf_date *out)
{
    if (v == NULL)
        return 0;
    const char *s = rf_fx_str(v);
    size_t n = s ? strlen(s) : 0;
    if (s != NULL && (n == 4 || n == 7) && digits_at(s, 4) && (n == 4 || s[4] == '-')) {
        rf_fx_note(x, "partial date (year or month only) left out", sub);
        return -1;
    }
    rf_date d;
    if (s == NULL || !rf_date_parse(s, n, &d)) {
        rf_fx_note(x, "invalid date left out", sub);
        return -1;
    }
    *out = d;
    return 1;
}

void rf_fx_when(fx *x, const rf_json *res, const char *prefix, rf_date *start, rf_date *end)
{
    char key[40], sub[60];
    static const char *const single[] = {"DateTime", "Instant"};
    for (size_t i = 0; i < ARRAY_LEN(single); i++) {
        snprintf(key, sizeof key, "%s%s", prefix, single[i]);
        if (rf_fx_date(x, rf_json_get(res, key), key, start) != 0)
            return;
    }
    snprintf(key, sizeof key, "%sPeriod", prefix);
    const rf_json *per = rf_json_get(res, key);
    if (per == NULL)
        return;
    snprintf(sub, sizeof sub, "%s.start", key);
    rf_fx_date(x, rf_json_get(per, "start"), sub, start);
    if (end != NULL) {
        snprintf(sub, sizeof sub, "%s.end", key);
        rf_fx_date(x, rf_json_get(per, "end"), sub, end);
    }
}

/* FHIR code system URIs -> the short names of the case format. */
static const struct {
    const char *uri, *name;
} code_systems[] = {
    {"http://snomed.info/sct", "snomed"},
    {"http://hl7.org/fhir/sid/icd-10-cm", "icd10cm"},
    {"http://id.who.int/icd/release/11/mms", "icd11"},
    {"http://www.nlm.nih.gov/research/umls/rxnorm", "rxnorm"},
    {"http://www.whocc.no/atc", "atc"},
    {"http://loinc.org", "loinc"},
    {"http://www.ama-assn.org/go/cpt", "cpt"},
    {"urn:oid:2.16.840.1.113883.6.285", "hcpcs"},
    {"http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "hcpcs"},
    {"http://hl7.org/fhir/sid/ndc", "ndc"},
    {"http://www.genenames.org", "hgnc"},
    {"http://www.genenames.org/geneId", "hgnc"},
};

static const char *short_system(const char *uri)
{
    for (size_t i = 0; uri && i < ARRAY_LEN(code_systems); i++)
        if (strcmp(uri, code_systems[i].uri) == 0)
            return code_systems[i].name;
    return NULL;
}

int rf_fx_codes(fx *x, const rf_json *cc, const char *sub, rf_code **out, size_t *n)
{
    const rf_json *coding = rf_json_get(cc, "coding");
    size_t max = rf_json_count(coding), k = 0;
    *out = NULL;
    *n = 0;
    if (max == 0)
        return REFRACT_OK;
    rf_code *codes = RF_NEWN(x->a, rf_code, max);
    if (codes == NULL)
        return rf_fx_oom(x);
    rf_json_iter it = rf_json_iter_begin(coding);
    const rf_json *c;
    for (size_t i = 0; (c = rf_json_iter_next(&it, NULL)) != NULL; i++) {
        const char *sys = short_system(rf_fx_str(rf_json_get(c, "system")));
        const char *code = rf_fx_str(rf_json_get(c, "code"));
        if (sys == NULL || code == NULL) {
            char path[80];
            snprintf(path, sizeof path, "%s.coding[%zu]", sub, i);
            rf_fx_note(x, code == NULL ? "coding without a code left out"
                                       : "coding of a code system refract does not read left out",
                       path);
            continue;
        }
        codes[k].system = sys;
        codes[k].code = code; /* strings live in the parsed document's arena */
        codes[k].display = rf_fx_str(rf_json_get(c, "display"));
        k++;
    }
    *out = codes;
    *n = k;
    return REFRACT_OK;
}

const char *rf_fx_first_code(const rf_json *cc)
{
    rf_json_iter it = rf_json_iter_begin(rf_json_get(cc, "coding"));
    const rf_json *c;
    while ((c = rf_json_iter_next(&it, NULL)) != NULL) {
        const char *s = rf_fx_str(rf_json_get(c, "code"));
        if (s != NULL)
            return s;
    }
    return NULL;
}

/* ---- the index: fullUrl and Type/id -> resource ---------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 14695981039346656037ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static const char *res_key2(fx *x, const fx_res *r)
{
    return r->id ? rf_arena_printf(x->a, "%s/%s", r->type, r->id) : NULL;
}

static void hash_put(fx *x, const char *key, int idx)
{
    if (key == NULL)
        return;
    size_t m = x->hash_cap - 1;
    for (size_t h = (size_t)hash_str(key) & m;; h = (h + 1) & m) {
        if (x->hash[2 * h] < 0) {
            x->hash[2 * h] = idx;
            x->hash[2 * h + 1] = key == x->res[idx].full_url ? 0 : 1;
            return;
        }
    }
}

static int hash_find(const fx *x, const char *key)
{
    if (x->hash_cap == 0 || key == NULL)
        return -1;
    size_t m = x->hash_cap - 1;
    for (size_t h = (size_t)hash_str(key) & m; x->hash[2 * h] >= 0; h = (h + 1) & m) {
        const fx_res *r = &x->res[x->hash[2 * h]];
        if (x->hash[2 * h + 1] == 0) {
            if (r->full_url && strcmp(r->full_url, key) == 0)
                return x->hash[2 * h];
        } else if (r->id) {
            size_t tl = strlen(r->type);
            if (strncmp(key, r->type, tl) == 0 && key[tl] == '/' && strcmp(key + tl + 1, r->id) == 0)
                return x->hash[2 * h];
        }
    }
    return -1;
}

static int build_index(fx *x)
{
    size_t cap = 16;
    while (cap < x->nres * 4)
        cap *= 2;
    x->hash = RF_NEWN(x->a, int, 2 * cap);
    if (x->hash == NULL)
        return rf_fx_oom(x);
    for (size_t i = 0; i < 2 * cap; i++)
        x->hash[i] = -1;
    x->hash_cap = cap;
    for (size_t i = 0; i < x->nres; i++) {
        hash_put(x, x->res[i].full_url, (int)i);
        hash_put(x, res_key2(x, &x->res[i]), (int)i);
    }
    return x->a->failed ? rf_fx_oom(x) : REFRACT_OK;
}

const rf_json *rf_fx_deref(fx *x, const rf_json *reference)
{
    const char *ref = rf_fx_str(rf_json_get(reference, "reference"));
    if (ref == NULL)
        return NULL;
    if (ref[0] == '#') {
        rf_json_iter it = rf_json_iter_begin(rf_json_get(x->cur ? x->cur->json : NULL, "contained"));
        const rf_json *c;
        while ((c = rf_json_iter_next(&it, NULL)) != NULL) {
            const char *id = rf_fx_str(rf_json_get(c, "id"));
            if (id && strcmp(id, ref + 1) == 0)
                return c;
        }
        return NULL;
    }
    int i = hash_find(x, ref);
    if (i < 0) { /* an absolute URL ending in Type/id */
        const char *s = ref + strlen(ref);
        int slashes = 0;
        while (s > ref && slashes < 2)
            if (*--s == '/')
                slashes++;
        if (slashes == 2)
            i = hash_find(x, s + 1);
    }
    return i >= 0 ? x->res[i].json : NULL;
}

bool rf_fx_other_patient(fx *x, const rf_json *res)
{
    const rf_json *ref = rf_json_get(res, "subject");
    if (ref == NULL)
        ref = rf_json_get(res, "patient");
    if (ref == NULL || x->patient == NULL)
        return false;
    const rf_json *target = rf_fx_deref(x, ref);
    if (target == NULL || target == x->patient->json)
        return false;
    const char *type = rf_json_string(rf_json_get(target, "resourceType"));
    if (type == NULL || strcmp(type, "Patient") != 0)
        return false;
    rf_fx_note(x, "resource of another patient in the record not read", "subject");
    return true;
}

/* ---- the walk: bundles and entries ------------------------------------------------------ */

static const char *const bundle_types[] = {
    "document", "message", "transaction", "transaction-response", "batch",
    "batch-response", "history", "searchset", "collection"};

static int add_resource(fx *x, const rf_json *r, const char *full_url, const char *where)
{
    fx_res *e = FX_APPEND(x, x->res, x->nres, x->cap_res);
    if (e == NULL)
        return rf_fx_oom(x);
    e->type = rf_fx_str(rf_json_get(r, "resourceType"));
    e->id = rf_fx_str(rf_json_get(r, "id"));
    e->full_url = full_url;
    e->json = r;
    e->where = rf_arena_printf(x->a, "%s(%s/%s)", where, e->type ? e->type : "?",
                               e->id ? e->id : "-");
    return e->where == NULL ? rf_fx_oom(x) : REFRACT_OK;
}

static int walk(fx *x, const rf_json *r, const char *where, const char *full_url, int depth);

static int walk_entries(fx *x, const rf_json *bundle, const char *where, int depth)
{
    const rf_json *entries = rf_json_get(bundle, "entry");
    if (entries == NULL)
        return REFRACT_OK;
    if (rf_json_typeof(entries) != RF_JSON_ARRAY)
        return rf_error_set(x->err, REFRACT_EINVAL, rf_arena_printf(x->a, "%s.entry", where),
                            "expected an array of entries");
    rf_json_iter it = rf_json_iter_begin(entries);
    const rf_json *e;
    for (size_t i = 0; (e = rf_json_iter_next(&it, NULL)) != NULL; i++) {
        const char *ew = rf_arena_printf(x->a, "%s.entry[%zu]", where, i);
        if (ew == NULL)
            return rf_fx_oom(x);
        const rf_json *res = rf_json_get(e, "resource");
        if (res == NULL) {
            fx_res tmp = {.where = ew};
            x->cur = &tmp;
            rf_fx_note(x, "bundle entry without a resource (a request or a DELETE) not read", NULL);
            x->cur = NULL;
            continue;
        }
        int rc = walk(x, res, rf_arena_printf(x->a, "%s.resource", ew),
                      rf_fx_str(rf_json_get(e, "fullUrl")), depth);
        if (rc != REFRACT_OK)
            return rc;
    }
    return REFRACT_OK;
}

static int walk(fx *x, const rf_json *r, const char *where, const char *full_url, int depth)
{
    if (where == NULL)
        return rf_fx_oom(x);
    const char *type = rf_fx_str(rf_json_get(r, "resourceType"));
    if (rf_json_typeof(r) != RF_JSON_OBJECT || type == NULL) {
        fx_res tmp = {.where = where};
        x->cur = &tmp;
        rf_fx_note(x, "entry that is not a FHIR resource (no resourceType) not read", NULL);
        x->cur = NULL;
        return REFRACT_OK;
    }
    if (strcmp(type, "Bundle") != 0)
        return add_resource(x, r, full_url, where);
    if (depth >= RF_FHIR_MAX_BUNDLE_DEPTH)
        return rf_error_set(x->err, REFRACT_EINVAL, where, "Bundles nested deeper than %d",
                            RF_FHIR_MAX_BUNDLE_DEPTH);
    const char *btype = rf_fx_str(rf_json_get(r, "type"));
    bool known = false;
    for (size_t i = 0; btype && i < ARRAY_LEN(bundle_types); i++)
        known = known || strcmp(btype, bundle_types[i]) == 0;
    if (!known)
        return rf_error_set(x->err, REFRACT_EINVAL, rf_arena_printf(x->a, "%s.type", where),
                            btype ? "unknown Bundle type '%.40s'" : "missing Bundle type%.0s",
                            btype ? btype : "");
    const char *id = rf_fx_str(rf_json_get(r, "id"));
    return walk_entries(x, r, depth == 0 ? "Bundle" : rf_arena_printf(x->a, "%s(Bundle/%s)", where, id ? id : "-"),
                        depth + 1);
}

/* ---- Patient ---------------------------------------------------------------------------- */

static int rd_patient(fx *x, const rf_json *res)
{
    if (x->cur != x->patient) {
        rf_fx_note(x, "further Patient resource not read (a record is one patient)", NULL);
        return REFRACT_OK;
    }
    rf_patient *p = x->p;
    p->id = x->cur->id;
    rf_fx_date(x, rf_json_get(res, "birthDate"), "birthDate", &p->birth_date);
    const char *g = rf_fx_str(rf_json_get(res, "gender"));
    static const struct {
        const char *fhir;
        rf_sex sex;
    } genders[] = {{"female", RF_SEX_FEMALE}, {"male", RF_SEX_MALE}, {"other", RF_SEX_OTHER},
                   {"unknown", RF_SEX_UNKNOWN}};
    bool found = g == NULL;
    for (size_t i = 0; g && i < ARRAY_LEN(genders); i++)
        if (strcmp(g, genders[i].fhir) == 0) {
            p->sex = genders[i].sex;
            found = true;
        }
    if (!found)
        rf_fx_note(x, "unknown Patient.gender left out", "gender");
    if (p->birth_date != RF_DATE_NONE && p->birth_date > x->as_of) {
        rf_fx_note(x, "birth date after as_of left out", "birthDate");
        p->birth_date = RF_DATE_NONE;
    }
    return REFRACT_OK;
}

/* ---- statuses --------------------------------------------------------------------------- */

/* A status that makes the resource not count: noted and skipped; true when skipped. */
bool rf_fx_ignored(fx *x, const char *type, const char *status, const char *sub)
{
    static const char *const ignored[] = {"entered-in-error", "refuted", "not-done", "cancelled",
                                          "not-taken"};
    for (size_t i = 0; status && i < ARRAY_LEN(ignored); i++)
        if (strcmp(status, ignored[i]) == 0) {
            rf_fx_notef(x, sub, "%s %s (ignored)", type, status);
            return true;
        }
    return false;
}

static bool after_as_of(fx *x, rf_date d, const char *what)
{
    if (d == RF_DATE_NONE || d <= x->as_of)
        return false;
    rf_fx_notef(x, NULL, "%s dated after as_of not read", what);
    return true;
}

/* ---- Condition -------------------------------------------------------------------------- */

static const char *const condition_status[] = {"active",   "recurrence", "relapse",
                                               "remission", "resolved",  "inactive"};

static bool is_pregnancy(fx *x, const rf_code *codes, size_t n)
{
    if (x->pregnancy_codeset < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (rf_kb_code_match(&x->kb->codeset[x->pregnancy_codeset]->codes, codes[i].system,
                             codes[i].code))
            return true;
    return false;
}

static int rd_condition(fx *x, const rf_json *res)
{
    if (rf_fx_ignored(x, "condition", rf_fx_first_code(rf_json_get(res, "verificationStatus")),
                       "verificationStatus"))
        return REFRACT_OK;
    rf_code *codes;
    size_t n;
    int rc = rf_fx_codes(x, rf_json_get(res, "code"), "code", &codes, &n);
    if (rc != REFRACT_OK)
        return rc;
    if (n == 0) {
        rf_fx_note(x, "condition without a code refract reads (text only) not read", "code");
        return REFRACT_OK;
    }
    rf_date onset = RF_DATE_NONE, abate = RF_DATE_NONE, ignore = RF_DATE_NONE;
    rf_fx_when(x, res, "onset", &onset, NULL);
    rf_fx_when(x, res, "abatement", &abate, &ignore);
    if (onset == RF_DATE_NONE)
        rf_fx_date(x, rf_json_get(res, "recordedDate"), "recordedDate", &onset);
    if (after_as_of(x, onset, "condition"))
        return REFRACT_OK;
    const char *status = rf_fx_first_code(rf_json_get(res, "clinicalStatus"));
    if (abate != RF_DATE_NONE && (abate > x->as_of || (onset != RF_DATE_NONE && abate < onset))) {
        rf_fx_note(x, abate > x->as_of ? "abatement after as_of left out"
                                       : "abatement before onset left out", "abatement");
        abate = RF_DATE_NONE;
    }
    if (is_pregnancy(x, codes, n)) {
        bool current = abate == RF_DATE_NONE && (status == NULL || strcmp(status, "active") == 0);
        x->p->pregnant = current ? RF_TRI_TRUE : x->p->pregnant;
    }
    rf_condition *c = FX_APPEND(x, x->p->conditions, x->p->nconditions, x->cap_cond);
    if (c == NULL)
        return rf_fx_oom(x);
    c->codes = codes;
    c->ncodes = n;
    /* the kb condition the codes name, through its own codes or a code set that targets it,
     * so that a site's codes (kb/fhir_codes.kb) identify the condition too */
    int kc = rf_kb_match_codes(x->kb, RF_SYM_CONDITION, codes, n);
    c->concept = kc >= 0 ? x->kb->condition[kc]->e.id : NULL;
    c->onset = onset;
    c->episode_start = RF_DATE_NONE;
    c->abatement = abate;
    c->where = x->cur->where;
    for (size_t i = 0; status && i < ARRAY_LEN(condition_status); i++)
        if (strcmp(status, condition_status[i]) == 0)
            c->status = condition_status[i];
    if (status && c->status == NULL)
        rf_fx_note(x, "unknown Condition.clinicalStatus left out", "clinicalStatus");
    return REFRACT_OK;
}

/* ---- Procedure -------------------------------------------------------------------------- */

/* Sessions of one kind this many days apart or less form one course (ECT, rTMS series). */
#define COURSE_GAP_DAYS 30

static int rd_procedure(fx *x, const rf_json *res)
{
    if (rf_fx_ignored(x, "procedure", rf_fx_str(rf_json_get(res, "status")), "status"))
        return REFRACT_OK;
    rf_code *codes;
    size_t n;
    int rc = rf_fx_codes(x, rf_json_get(res, "code"), "code", &codes, &n);
    if (rc != REFRACT_OK)
        return rc;
    int kind = rf_kb_match_codes(x->kb, RF_SYM_PROCEDURE, codes, n);
    if (kind < 0) {
        rf_fx_note(x, n ? "procedure whose code the knowledge base does not know not read"
                        : "procedure without a code refract reads not read", "code");
        return REFRACT_OK;
    }
    rf_date start = RF_DATE_NONE, end = RF_DATE_NONE;
    rf_fx_when(x, res, "performed", &start, &end);
    if (after_as_of(x, start, "procedure"))
        return REFRACT_OK;
    if (end != RF_DATE_NONE && (end > x->as_of || (start != RF_DATE_NONE && end < start)))
        end = RF_DATE_NONE;
    if (end == RF_DATE_NONE)
        end = start;
    const char *id = x->kb->procedure[kind]->e.id;
    rf_patient *p = x->p;
    /* a session close to the last course of the same kind extends it (records are sorted
     * by date only when the sender sorted them: a session before the course starts a new one) */
    for (size_t i = p->nprocedures; i-- > 0;) {
        rf_procedure *c = &p->procedures[i];
        if (strcmp(c->kind, id) != 0 || start == RF_DATE_NONE || c->end == RF_DATE_NONE)
            continue;
        if (start >= c->start && start - c->end <= COURSE_GAP_DAYS) {
            c->end = end > c->end ? end : c->end;
            c->sessions += 1;
            return REFRACT_OK;
        }
        break;
    }
    rf_procedure *c = FX_APPEND(x, p->procedures, p->nprocedures, x->cap_proc);
    if (c == NULL)
        return rf_fx_oom(x);
    c->kind = id;
    c->codes = codes;
    c->ncodes = n;
    c->start = start;
    c->end = end;
    c->sessions = 1;
    c->where = x->cur->where;
    return REFRACT_OK;
}

/* ---- AllergyIntolerance ----------------------------------------------------------------- */

static int rd_allergy(fx *x, const rf_json *res)
{
    if (rf_fx_ignored(x, "allergy", rf_fx_first_code(rf_json_get(res, "verificationStatus")),
                       "verificationStatus"))
        return REFRACT_OK;
    rf_code *codes;
    size_t n;
    int rc = rf_fx_codes(x, rf_json_get(res, "code"), "code", &codes, &n);
    if (rc != REFRACT_OK)
        return rc;
    /* "No known drug allergy" is a coded AllergyIntolerance too: only a substance the
     * knowledge base knows as an agent becomes an allergy record */
    int ag = rf_kb_match_codes(x->kb, RF_SYM_AGENT, codes, n);
    if (ag < 0) {
        rf_fx_note(x, "allergy to a substance the knowledge base does not know not read", "code");
        return REFRACT_OK;
    }
    rf_date d = RF_DATE_NONE;
    rf_fx_when(x, res, "onset", &d, NULL);
    if (d == RF_DATE_NONE)
        rf_fx_date(x, rf_json_get(res, "recordedDate"), "recordedDate", &d);
    if (after_as_of(x, d, "allergy"))
        return REFRACT_OK;
    rf_allergy *al = FX_APPEND(x, x->p->allergies, x->p->nallergies, x->cap_all);
    if (al == NULL)
        return rf_fx_oom(x);
    al->agent = x->kb->agent[ag]->e.id;
    al->codes = codes;
    al->ncodes = n;
    al->date = d;
    al->where = x->cur->where;
    const char *type = rf_fx_str(rf_json_get(res, "type"));
    if (type && (strcmp(type, "allergy") == 0 || strcmp(type, "intolerance") == 0))
        al->kind = strcmp(type, "allergy") == 0 ? "allergy" : "intolerance";
    const rf_json *r0 = rf_json_get(res, "reaction");
    rf_json_iter it = rf_json_iter_begin(r0);
    const rf_json *r = rf_json_iter_next(&it, NULL);
    if (r != NULL) {
        rf_json_iter mi = rf_json_iter_begin(rf_json_get(r, "manifestation"));
        const rf_json *m = rf_json_iter_next(&mi, NULL);
        const char *txt = rf_fx_str(rf_json_get(m, "text"));
        rf_json_iter ci = rf_json_iter_begin(rf_json_get(m, "coding"));
        const rf_json *c0 = rf_json_iter_next(&ci, NULL);
        al->reaction = txt ? txt : rf_fx_str(rf_json_get(c0, "display"));
        const char *sev = rf_fx_str(rf_json_get(r, "severity"));
        static const char *const sevs[] = {"mild", "moderate", "severe"};
        for (size_t i = 0; sev && i < ARRAY_LEN(sevs); i++)
            if (strcmp(sev, sevs[i]) == 0)
                al->severity = sevs[i];
    }
    return REFRACT_OK;
}

/* ---- dispatch ----------------------------------------------------------------------------- */

typedef int (*resource_fn)(fx *x, const rf_json *res);
static const struct {
    const char *type;
    resource_fn read; /* NULL: read only through references */
} readers[] = {
    {"Patient", rd_patient},
    {"Condition", rd_condition},
    {"MedicationRequest", rf_fx_medication},
    {"MedicationStatement", rf_fx_medication},
    {"MedicationDispense", rf_fx_medication},
    {"MedicationAdministration", rf_fx_medication},
    {"Procedure", rd_procedure},
    {"Observation", rf_fx_observation},
    {"AllergyIntolerance", rd_allergy},
    {"Medication", NULL},
};

static int read_resource(fx *x, const fx_res *r)
{
    x->cur = r;
    for (size_t i = 0; i < ARRAY_LEN(readers); i++) {
        if (strcmp(r->type, readers[i].type) != 0)
            continue;
        if (readers[i].read == NULL || rf_fx_other_patient(x, r->json))
            return REFRACT_OK;
        return readers[i].read(x, r->json);
    }
    rf_fx_notef(x, NULL, "%.60s resource not used by refract", r->type);
    return REFRACT_OK;
}

bool rf_fhir_detect(const rf_json *doc)
{
    return rf_json_typeof(rf_json_get(doc, "resourceType")) == RF_JSON_STRING;
}

static int fx_init(fx *x, rf_arena *a, const rf_kb *kb, rf_date as_of, refract_error *err)
{
    memset(x, 0, sizeof *x);
    x->a = a;
    x->kb = kb;
    x->err = err;
    x->as_of = as_of != RF_DATE_NONE ? as_of : rf_date_today();
    x->pregnancy_codeset = rf_kb_find(kb, RF_SYM_CODESET, "fhir_pregnancy");
    x->pregnancy_status_obs = rf_kb_find(kb, RF_SYM_CODESET, "fhir_pregnancy_status");
    x->pregnant_value = rf_kb_find(kb, RF_SYM_CODESET, "fhir_pregnant");
    x->not_pregnant_value = rf_kb_find(kb, RF_SYM_CODESET, "fhir_not_pregnant");
    x->pregnancy_status_date = RF_DATE_NONE;
    x->msi_obs = rf_kb_find(kb, RF_SYM_CODESET, "fhir_msi_status");
    x->msi_high = rf_kb_find(kb, RF_SYM_CODESET, "fhir_msi_high");
    x->msi_stable = rf_kb_find(kb, RF_SYM_CODESET, "fhir_msi_stable");
    x->p = RF_NEW(a, rf_patient);
    if (x->p == NULL)
        return rf_fx_oom(x);
    x->p->birth_date = RF_DATE_NONE;
    x->p->as_of = x->as_of;
    x->p->weight_kg = RF_NUM_NONE;
    return REFRACT_OK;
}

int rf_fhir_read(rf_patient **out,
                 rf_arena *a,
                 const rf_json *doc,
                 const rf_kb *kb,
                 rf_date as_of,
                 refract_error *err)
{
    fx x;
    int rc = fx_init(&x, a, kb, as_of, err);
    if (rc != REFRACT_OK)
        return rc;
    if (rf_json_typeof(doc) != RF_JSON_OBJECT || !rf_fhir_detect(doc))
        return rf_error_set(err, REFRACT_EINVAL, "$",
                            "not a FHIR resource (expected an object with a resourceType)");
    const char *type = rf_fx_str(rf_json_get(doc, "resourceType"));
    if (type == NULL)
        return rf_error_set(err, REFRACT_EINVAL, "$.resourceType", "empty resourceType");
    rc = walk(&x, doc, strcmp(type, "Bundle") == 0 ? "Bundle" : "$", NULL, 0);
    if (rc == REFRACT_OK)
        rc = build_index(&x);
    for (size_t i = 0; rc == REFRACT_OK && i < x.nres && x.patient == NULL; i++)
        if (x.res[i].type && strcmp(x.res[i].type, "Patient") == 0)
            x.patient = &x.res[i];
    for (size_t i = 0; rc == REFRACT_OK && i < x.nres; i++)
        rc = read_resource(&x, &x.res[i]);
    x.cur = NULL;
    if (rc == REFRACT_OK)
        rc = rf_fx_build_trials(&x);
    if (rc == REFRACT_OK && x.patient == NULL)
        rf_fx_note(&x, "no Patient resource: demographics unknown", NULL);
    if (rc == REFRACT_OK && a->failed)
        rc = rf_fx_oom(&x);
    if (rc == REFRACT_OK)
        *out = x.p;
    return rc;
}
