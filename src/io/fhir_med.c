/* fhir_med.c - MedicationRequest, MedicationStatement, MedicationAdministration and
 * MedicationDispense into trials. Each resource becomes an order (agent, dose, frequency,
 * dates, status); orders of one agent are then merged in date order into trials: a refill
 * chain is one trial, a dose change starts a new one (the earlier one ending, inferred, where
 * the next begins). Dispenses also give refill-based adherence (proportion of days covered).
 * A dose read from a display text ("Sertraline 100 MG Oral Tablet") is marked inferred_dose.
 * The mapping: docs/fhir.md, "Medications". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/units.h"
#include "fhir_int.h"

#define ARRAY_LEN(x) (sizeof(x) / sizeof((x)[0]))

enum { SRC_REQUEST, SRC_STATEMENT, SRC_ADMIN, SRC_DISPENSE };

struct fx_order {
    int agent;       /* kb agent index, -1 when the codes name none */
    const char *key; /* agent id, or "system|code" of the first code */
    rf_code *codes;
    size_t ncodes;
    int src;
    double dose;
    const char *dose_unit;
    bool inferred_dose;
    double per_day;
    const char *frequency;
    const char *route;
    const char *for_condition;
    rf_date start, end, supply_end;
    int status; /* ST_* below */
    const char *stop_reason;
    const char *where;
    size_t seq; /* document order, for a stable sort */
};

struct fx_fill {
    const char *key;
    rf_date date;
    double days;
};

enum { ST_NEUTRAL, ST_ACTIVE, ST_ENDED };

/* ---- text: strength from a display ("Acetaminophen 325 MG / Oxycodone ... 5 MG ...") ---- */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool ci_prefix(const char *s, const char *p)
{
    for (; *p; s++, p++)
        if (lower((unsigned char)*s) != lower((unsigned char)*p))
            return false;
    return true;
}

static const char *ci_find(const char *s, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; s + n <= end; s++)
        if (ci_prefix(s, needle))
            return s;
    return NULL;
}

/* A decimal number at s (digits, one '.'), locale-free; its end in *end. */
static bool number_at(const char *s, const char *lim, double *out, const char **end)
{
    double v = 0, scale = 0;
    const char *p = s;
    for (; p < lim && ((*p >= '0' && *p <= '9') || (*p == '.' && scale == 0)); p++) {
        if (*p == '.')
            scale = 1;
        else if (scale > 0)
            v += (*p - '0') * (scale /= 10);
        else
            v = v * 10 + (*p - '0');
    }
    if (p == s || (p == s + 1 && *s == '.'))
        return false;
    *out = v;
    *end = p;
    return true;
}

/* "<n> MG" (not MG/ML) or "<v> ML ... <c> MG/ML" within [s, lim): milligrams. */
static bool segment_strength(const char *s, const char *lim, double *mg)
{
    double vol = NAN;
    for (const char *p = s; p < lim; p++) {
        double v;
        const char *e;
        if (!(p == s || p[-1] == ' ' || p[-1] == '[') || !number_at(p, lim, &v, &e))
            continue;
        while (e < lim && *e == ' ')
            e++;
        if (ci_prefix(e, "MG/ML") && !isnan(vol)) {
            *mg = v * vol;
            return true;
        }
        if (ci_prefix(e, "ML") && (e + 2 == lim || e[2] == ' '))
            vol = v;
        else if (ci_prefix(e, "MG") && (e + 2 == lim || e[2] == ' ' || e[2] == ']')) {
            *mg = v;
            return true;
        }
    }
    return false;
}

static bool strength_from_text(const char *txt, const char *agent_name, double *mg)
{
    if (txt == NULL)
        return false;
    const char *end = txt + strlen(txt), *seg = txt;
    bool multi = ci_find(txt, end, " / ") != NULL;
    while (seg < end) {
        const char *slash = ci_find(seg, end, " / ");
        const char *lim = slash ? slash : end;
        if ((!multi || (agent_name && ci_find(seg, lim, agent_name))) &&
            segment_strength(seg, lim, mg))
            return true;
        seg = slash ? slash + 3 : end;
    }
    return false;
}

/* ---- dose, frequency ------------------------------------------------------------------- */

/* The unit of a Quantity: its UCUM code, else its human unit. */
static const char *qty_unit(const rf_json *q)
{
    const char *code = rf_fx_str(rf_json_get(q, "code"));
    return code ? code : rf_fx_str(rf_json_get(q, "unit"));
}

/* Dose forms counted rather than weighed: the strength comes from the medication. */
static bool is_count_unit(const char *u)
{
    static const char *const forms[] = {"{tbl}", "{tablet}", "{tablets}", "tablet", "tablets",
                                        "TAB",   "{capsule}", "capsule", "capsules", "CAP",
                                        "{cap}", "1",         "{dose}",   "dose"};
    if (u == NULL)
        return true;
    for (size_t i = 0; i < ARRAY_LEN(forms); i++)
        if (strcmp(u, forms[i]) == 0)
            return true;
    return false;
}

static bool dose_fits(const rf_kb *kb, int agent, const char *unit)
{
    rf_unit u;
    if (!rf_unit_lookup(unit, strlen(unit), &u))
        return false;
    if (agent < 0)
        return u.dim == RF_DIM_MASS || u.dim == RF_DIM_MASS_PER_TIME;
    rf_dim pd, g = kb->agent[agent]->unit.dim;
    return u.dim == g || (rf_dim_per_day(u.dim, &pd) && pd == g);
}

/* Strength per counted unit: Medication.ingredient[0].strength (mg per 1 unit), else the
 * display of a coding (inferred). */
static bool strength_of(fx *x, fx_order *o, const rf_json *med, double *mg, bool *inferred)
{
    const rf_json *ing = rf_json_get(med, "ingredient");
    if (rf_json_count(ing) == 1) {
        rf_json_iter it = rf_json_iter_begin(ing);
        const rf_json *st = rf_json_get(rf_json_iter_next(&it, NULL), "strength");
        const rf_json *num = rf_json_get(st, "numerator"), *den = rf_json_get(st, "denominator");
        const char *u = qty_unit(num);
        double v = rf_json_number(rf_json_get(num, "value"));
        double dv = rf_json_number(rf_json_get(den, "value"));
        if (u && strcmp(u, "mg") == 0 && v > 0 && dv == 1) {
            *mg = v;
            *inferred = false;
            return true;
        }
    }
    const char *name = o->agent >= 0 ? x->kb->agent[o->agent]->name : NULL;
    const char *id = o->agent >= 0 ? x->kb->agent[o->agent]->e.id : NULL;
    for (size_t i = 0; i < o->ncodes; i++)
        if (strength_from_text(o->codes[i].display, name, mg) ||
            strength_from_text(o->codes[i].display, id, mg)) {
            *inferred = true;
            return true;
        }
    return false;
}

static void read_dose(fx *x, fx_order *o, const rf_json *dose_qty, const rf_json *med, const char *sub)
{
    if (dose_qty == NULL)
        return;
    double v = rf_json_number(rf_json_get(dose_qty, "value"));
    const char *u = qty_unit(dose_qty);
    if (!isfinite(v) || v < 0) {
        rf_fx_note(x, "dose without a usable value left out", sub);
        return;
    }
    if (is_count_unit(u)) {
        double mg;
        bool inferred = false;
        if (!strength_of(x, o, med, &mg, &inferred)) {
            rf_fx_note(x, "dose in tablets or units without a strength left out", sub);
            return;
        }
        o->dose = v * mg;
        o->dose_unit = "mg";
        o->inferred_dose = inferred;
    } else if (!dose_fits(x->kb, o->agent, u)) {
        rf_unit tmp;
        rf_fx_note(x, rf_unit_lookup(u, strlen(u), &tmp) ? "dose unit that does not fit the agent left out"
                                                         : "unknown dose unit left out", sub);
        return;
    } else {
        o->dose = v;
        o->dose_unit = u;
    }
}

/* Standard names for the common rates (so the case shows "bid", not "2 every 1 d"). */
static const struct {
    double times, every;
    const char *unit, *name;
} freq_names[] = {{1, 1, "d", "daily"},  {2, 1, "d", "bid"},   {3, 1, "d", "tid"},
                  {4, 1, "d", "qid"},    {1, 1, "wk", "weekly"}, {1, 2, "wk", "q2w"},
                  {1, 3, "wk", "q3w"},   {1, 4, "wk", "q4w"},  {1, 1, "mo", "monthly"}};
/* FHIR Timing.code abbreviations (GTSAbbreviation) with a case-format name. */
static const struct {
    const char *code, *name;
    double per_day;
} timing_codes[] = {{"QD", "daily", 1}, {"BID", "bid", 2}, {"TID", "tid", 3}, {"QID", "qid", 4},
                    {"AM", "qam", 1},   {"BED", "qhs", 1}, {"Q6H", "q6h", 4}, {"Q8H", "q8h", 3},
                    {"WK", "weekly", 1.0 / 7}, {"MO", "monthly", 1.0 / RF_DAYS_PER_MONTH}};

static void read_timing(fx *x, fx_order *o, const rf_json *timing, const char *sub)
{
    const rf_json *rep = rf_json_get(timing, "repeat");
    if (rep == NULL) {
        const char *code = rf_fx_first_code(rf_json_get(timing, "code"));
        for (size_t i = 0; code && i < ARRAY_LEN(timing_codes); i++)
            if (strcmp(code, timing_codes[i].code) == 0) {
                o->frequency = timing_codes[i].name;
                o->per_day = timing_codes[i].per_day;
            }
        if (code && o->frequency == NULL)
            rf_fx_note(x, "unknown timing code left out", sub);
        return;
    }
    const rf_json *fj = rf_json_get(rep, "frequency");
    double f = fj ? rf_json_number(fj) : 1, per = rf_json_number(rf_json_get(rep, "period"));
    const char *pu = rf_fx_str(rf_json_get(rep, "periodUnit"));
    if (rf_json_get(rep, "period") == NULL && pu == NULL)
        return; /* bounds or count only */
    if (pu && strcmp(pu, "a") == 0) {
        per *= 12;
        pu = "mo";
    }
    rf_unit u;
    bool ok = pu && (strcmp(pu, "h") == 0 || strcmp(pu, "d") == 0 || strcmp(pu, "wk") == 0 ||
                     strcmp(pu, "mo") == 0) && rf_unit_lookup(pu, strlen(pu), &u);
    if (!ok || !(f >= 1) || !(per > 0) || f != floor(f) || per != floor(per) || f > 1e6 || per > 1e6) {
        rf_fx_note(x, "dose frequency refract cannot express left out", sub);
        return;
    }
    o->per_day = f / (per * u.factor);
    for (size_t i = 0; i < ARRAY_LEN(freq_names); i++)
        if (f == freq_names[i].times && per == freq_names[i].every && strcmp(pu, freq_names[i].unit) == 0)
            o->frequency = freq_names[i].name;
    if (o->frequency == NULL)
        o->frequency = rf_arena_printf(x->a, "%.0f every %.0f %s", f, per, pu);
}

static const char *text_of(const rf_json *cc)
{
    const char *t = rf_fx_str(rf_json_get(cc, "text"));
    if (t)
        return t;
    rf_json_iter it = rf_json_iter_begin(rf_json_get(cc, "coding"));
    return rf_fx_str(rf_json_get(rf_json_iter_next(&it, NULL), "display"));
}

/* Dosage (Request.dosageInstruction[0], Statement.dosage[0], Dispense.dosageInstruction[0]). */
static void read_dosage(fx *x, fx_order *o, const rf_json *list, const char *key, const rf_json *med)
{
    size_t n = rf_json_count(list);
    if (n == 0)
        return;
    if (n > 1)
        rf_fx_note(x, "only the first of several dosage instructions read", key);
    rf_json_iter it = rf_json_iter_begin(list);
    const rf_json *d = rf_json_iter_next(&it, NULL);
    char sub[80];
    rf_json_iter ri = rf_json_iter_begin(rf_json_get(d, "doseAndRate"));
    const rf_json *dr = rf_json_iter_next(&ri, NULL);
    snprintf(sub, sizeof sub, "%s[0].doseAndRate[0].doseQuantity", key);
    read_dose(x, o, rf_json_get(dr, "doseQuantity"), med, sub);
    if (rf_json_get(dr, "doseRange"))
        rf_fx_note(x, "dose range left out", sub);
    snprintf(sub, sizeof sub, "%s[0].timing", key);
    if (rf_json_typeof(rf_json_get(d, "asNeededBoolean")) == RF_JSON_TRUE ||
        rf_json_get(d, "asNeededCodeableConcept")) {
        rf_fx_note(x, "as-needed dosing: daily dose unknown", sub);
    } else {
        read_timing(x, o, rf_json_get(d, "timing"), sub);
    }
    o->route = text_of(rf_json_get(d, "route"));
}

/* ---- statuses, reasons, dates ---------------------------------------------------------- */

static int status_of(const char *s)
{
    static const struct {
        const char *name;
        int st;
    } map[] = {{"active", ST_ACTIVE},    {"in-progress", ST_ACTIVE}, {"intended", ST_ACTIVE},
               {"stopped", ST_ENDED},    {"completed", ST_ENDED},    {"on-hold", ST_NEUTRAL}};
    for (size_t i = 0; s && i < ARRAY_LEN(map); i++)
        if (strcmp(s, map[i].name) == 0)
            return map[i].st;
    return ST_NEUTRAL;
}

/* statusReason codes of the FHIR value set medicationrequest-status-reason that say why a
 * drug was stopped in the case format's terms; other reasons are noted, not guessed. */
static const struct {
    const char *code, *reason;
} stop_codes[] = {{"sintol", "intolerance"}, {"salg", "adverse_effect"}};

static void read_stop_reason(fx *x, fx_order *o, const rf_json *sr)
{
    if (sr == NULL)
        return;
    if (rf_json_typeof(sr) == RF_JSON_ARRAY) { /* MedicationStatement: a list */
        rf_json_iter it = rf_json_iter_begin(sr);
        sr = rf_json_iter_next(&it, NULL);
    }
    const char *code = rf_fx_first_code(sr);
    for (size_t i = 0; code && i < ARRAY_LEN(stop_codes); i++)
        if (strcmp(code, stop_codes[i].code) == 0)
            o->stop_reason = stop_codes[i].reason;
    if (o->stop_reason == NULL)
        rf_fx_note(x, "status reason not mapped to a stop reason", "statusReason");
}

/* reasonCode / reasonReference -> the kb condition the drug was given for. */
static void read_indication(fx *x, fx_order *o, const rf_json *res)
{
    rf_json_iter it = rf_json_iter_begin(rf_json_get(res, "reasonCode"));
    const rf_json *cc;
    while (o->for_condition == NULL && (cc = rf_json_iter_next(&it, NULL)) != NULL) {
        rf_code *codes;
        size_t n;
        if (rf_fx_codes(x, cc, "reasonCode", &codes, &n) != REFRACT_OK)
            return;
        int c = rf_kb_match_codes(x->kb, RF_SYM_CONDITION, codes, n);
        o->for_condition = c >= 0 ? x->kb->condition[c]->e.id : NULL;
    }
    it = rf_json_iter_begin(rf_json_get(res, "reasonReference"));
    const rf_json *ref;
    while (o->for_condition == NULL && (ref = rf_json_iter_next(&it, NULL)) != NULL) {
        const rf_json *cond = rf_fx_deref(x, ref);
        if (cond == NULL) {
            rf_fx_note(x, "reasonReference to a resource not in the record", "reasonReference");
            continue;
        }
        rf_code *codes;
        size_t n;
        if (rf_fx_codes(x, rf_json_get(cond, "code"), "reasonReference", &codes, &n) != REFRACT_OK)
            return;
        int c = rf_kb_match_codes(x->kb, RF_SYM_CONDITION, codes, n);
        o->for_condition = c >= 0 ? x->kb->condition[c]->e.id : NULL;
    }
}

static rf_date add_days(rf_date d, double days)
{
    if (d == RF_DATE_NONE || !(days > 0) || days > 36500)
        return RF_DATE_NONE;
    return d + (rf_date)ceil(days);
}

/* Duration {value, unit|code} in days, NaN if not a time. */
static double duration_days(const rf_json *q)
{
    double v = rf_json_number(rf_json_get(q, "value"));
    const char *u = qty_unit(q);
    rf_unit un;
    if (!isfinite(v) || u == NULL || !rf_unit_lookup(u, strlen(u), &un) || un.dim != RF_DIM_TIME)
        return NAN;
    return v * un.factor;
}

static void read_request_dates(fx *x, fx_order *o, const rf_json *res)
{
    rf_fx_date(x, rf_json_get(res, "authoredOn"), "authoredOn", &o->start);
    const rf_json *dr = rf_json_get(res, "dispenseRequest");
    const rf_json *vp = rf_json_get(dr, "validityPeriod");
    rf_date vs = RF_DATE_NONE, ve = RF_DATE_NONE;
    rf_fx_date(x, rf_json_get(vp, "start"), "dispenseRequest.validityPeriod.start", &vs);
    rf_fx_date(x, rf_json_get(vp, "end"), "dispenseRequest.validityPeriod.end", &ve);
    if (o->start == RF_DATE_NONE)
        o->start = vs;
    double supply = duration_days(rf_json_get(dr, "expectedSupplyDuration"));
    double repeats = rf_json_number(rf_json_get(dr, "numberOfRepeatsAllowed"));
    if (isfinite(supply))
        o->supply_end = add_days(o->start, supply * (1 + (repeats >= 0 && repeats < 100 ? repeats : 0)));
    if (o->supply_end == RF_DATE_NONE)
        o->supply_end = ve;
    /* a treatment end the prescriber wrote: the dosage's bounds */
    rf_json_iter it = rf_json_iter_begin(rf_json_get(res, "dosageInstruction"));
    const rf_json *bp = rf_json_get(rf_json_get(rf_json_get(rf_json_iter_next(&it, NULL), "timing"), "repeat"),
                                    "boundsPeriod");
    rf_fx_date(x, rf_json_get(bp, "end"), "dosageInstruction[0].timing.repeat.boundsPeriod.end", &o->end);
}

/* ---- one medication resource ----------------------------------------------------------- */

static const struct {
    const char *type;
    int src;
    const char *dosage_key;
} med_types[] = {{"MedicationRequest", SRC_REQUEST, "dosageInstruction"},
                 {"MedicationStatement", SRC_STATEMENT, "dosage"},
                 {"MedicationAdministration", SRC_ADMIN, NULL},
                 {"MedicationDispense", SRC_DISPENSE, "dosageInstruction"}};

/* medication[x]: the CodeableConcept, or the Medication resource referenced. */
static int med_codes(fx *x, const rf_json *res, fx_order *o, const rf_json **med)
{
    const rf_json *cc = rf_json_get(res, "medicationCodeableConcept");
    *med = NULL;
    if (cc == NULL) {
        const rf_json *ref = rf_json_get(res, "medicationReference");
        if (ref == NULL) {
            rf_fx_note(x, "medication without medication[x] not read", NULL);
            return 1;
        }
        *med = rf_fx_deref(x, ref);
        if (*med == NULL) {
            rf_fx_note(x, "medicationReference to a resource not in the record: not read",
                       "medicationReference");
            return 1;
        }
        cc = rf_json_get(*med, "code");
    }
    int rc = rf_fx_codes(x, cc, "medication", &o->codes, &o->ncodes);
    if (rc != REFRACT_OK)
        return rc;
    if (o->ncodes == 0) {
        rf_fx_note(x, "medication without a code refract reads (text or local code) not read",
                   "medication");
        return 1;
    }
    return REFRACT_OK;
}

static int read_admin(fx *x, fx_order *o, const rf_json *res, const rf_json *med)
{
    rf_fx_when(x, res, "effective", &o->start, &o->end);
    const rf_json *d = rf_json_get(res, "dosage");
    read_dose(x, o, rf_json_get(d, "dose"), med, "dosage.dose");
    o->route = text_of(rf_json_get(d, "route"));
    o->frequency = "once"; /* one administration: the daily rate comes from the series */
    return REFRACT_OK;
}

static int read_dispense(fx *x, fx_order *o, const rf_json *res)
{
    rf_date d = RF_DATE_NONE;
    if (rf_fx_date(x, rf_json_get(res, "whenHandedOver"), "whenHandedOver", &d) == 0)
        rf_fx_date(x, rf_json_get(res, "whenPrepared"), "whenPrepared", &d);
    o->start = d;
    double days = duration_days(rf_json_get(res, "daysSupply"));
    o->supply_end = add_days(d, days);
    if (d == RF_DATE_NONE || !(days > 0))
        return REFRACT_OK;
    fx_fill *f = FX_APPEND(x, x->fills, x->nfills, x->cap_fills);
    if (f == NULL)
        return rf_fx_oom(x);
    f->key = o->key;
    f->date = d;
    f->days = days;
    return REFRACT_OK;
}

int rf_fx_medication(fx *x, const rf_json *res)
{
    const char *type = rf_json_string(rf_json_get(res, "resourceType"));
    size_t t = 0;
    while (strcmp(med_types[t].type, type) != 0)
        t++;
    const char *status = rf_fx_str(rf_json_get(res, "status"));
    if (rf_fx_ignored(x, "medication", status, "status"))
        return REFRACT_OK;
    if (status && (strcmp(status, "draft") == 0)) {
        rf_fx_note(x, "draft medication order (ignored)", "status");
        return REFRACT_OK;
    }
    fx_order o = {.agent = -1, .dose = NAN, .per_day = NAN, .start = RF_DATE_NONE,
                  .end = RF_DATE_NONE, .supply_end = RF_DATE_NONE, .src = med_types[t].src,
                  .where = x->cur->where, .seq = x->norders};
    const rf_json *med;
    int rc = med_codes(x, res, &o, &med);
    if (rc != REFRACT_OK)
        return rc > 0 ? REFRACT_OK : rc;
    o.agent = rf_kb_match_codes(x->kb, RF_SYM_AGENT, o.codes, o.ncodes);
    o.key = o.agent >= 0 ? x->kb->agent[o.agent]->e.id
                         : rf_arena_printf(x->a, "%s|%s", o.codes[0].system, o.codes[0].code);
    o.status = o.src == SRC_DISPENSE ? ST_NEUTRAL : status_of(status);
    if (med_types[t].dosage_key)
        read_dosage(x, &o, rf_json_get(res, med_types[t].dosage_key), med_types[t].dosage_key, med);
    if (o.src == SRC_REQUEST)
        read_request_dates(x, &o, res);
    else if (o.src == SRC_STATEMENT)
        rf_fx_when(x, res, "effective", &o.start, &o.end);
    else if (o.src == SRC_ADMIN)
        rc = read_admin(x, &o, res, med);
    else
        rc = read_dispense(x, &o, res);
    if (rc != REFRACT_OK)
        return rc;
    if (o.status == ST_ENDED)
        read_stop_reason(x, &o, rf_json_get(res, "statusReason"));
    read_indication(x, &o, res);
    if (o.start == RF_DATE_NONE)
        rf_fx_note(x, "medication without a start date (trial period unknown)", NULL);
    else if (o.start > x->as_of) {
        rf_fx_note(x, "medication dated after as_of not read", NULL);
        return REFRACT_OK;
    }
    if (o.end != RF_DATE_NONE && ((o.start != RF_DATE_NONE && o.end < o.start) || o.end > x->as_of))
        o.end = RF_DATE_NONE;
    fx_order *slot = FX_APPEND(x, x->orders, x->norders, x->cap_orders);
    if (slot == NULL)
        return rf_fx_oom(x);
    *slot = o;
    return REFRACT_OK;
}

/* ---- orders -> trials ------------------------------------------------------------------ */

static int order_cmp(const void *pa, const void *pb)
{
    const fx_order *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    if (c != 0)
        return c;
    if (a->start != b->start) /* unknown starts (INT32_MIN) first: each its own trial */
        return a->start < b->start ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool num_conflict(double a, double b)
{
    return !isnan(a) && !isnan(b) && a != b;
}

static bool same_regimen(const rf_trial *t, const fx_order *o)
{
    if (num_conflict(t->dose_value, o->dose) || num_conflict(t->per_day, o->per_day))
        return false;
    return !(t->dose_unit && o->dose_unit && strcmp(t->dose_unit, o->dose_unit) != 0);
}

typedef struct chain {
    rf_trial *t;
    rf_date last_end; /* the latest known end or supply of its orders, else the last start */
    int status;       /* of the latest request/statement/administration */
} chain;

static int start_trial(fx *x, chain *c, const fx_order *o)
{
    rf_trial *t = FX_APPEND(x, x->p->trials, x->p->ntrials, x->cap_trial);
    if (t == NULL)
        return rf_fx_oom(x);
    t->agent = o->agent >= 0 ? o->key : NULL;
    t->codes = o->codes;
    t->ncodes = o->ncodes;
    t->dose_value = t->per_day = t->adherence = t->level_value = RF_NUM_NONE;
    t->baseline_score = t->end_score = t->dose_canon = RF_NUM_NONE;
    t->target_dose_date = RF_DATE_NONE;
    t->start = o->start;
    t->end = RF_DATE_NONE;
    t->where = o->where;
    c->t = t;
    c->status = ST_NEUTRAL;
    c->last_end = RF_DATE_NONE;
    return REFRACT_OK;
}

/* Fold order o into the chain's trial: the regimen fields it knows, its dates, its status. */
static void absorb(chain *c, const fx_order *o)
{
    rf_trial *t = c->t;
    if (isnan(t->dose_value) && !isnan(o->dose)) {
        t->dose_value = o->dose;
        t->dose_unit = o->dose_unit;
        t->inferred_dose = o->inferred_dose;
    }
    if (isnan(t->per_day) && !isnan(o->per_day)) {
        t->per_day = o->per_day;
        t->frequency = o->frequency;
    } else if (t->frequency == NULL && o->frequency && isnan(o->per_day) && o->src != SRC_ADMIN) {
        t->frequency = o->frequency;
    }
    t->route = t->route ? t->route : o->route;
    t->for_condition = t->for_condition ? t->for_condition : o->for_condition;
    if (o->end != RF_DATE_NONE && (t->end == RF_DATE_NONE || o->end > t->end))
        t->end = o->end;
    rf_date e = o->end != RF_DATE_NONE ? o->end : o->supply_end != RF_DATE_NONE ? o->supply_end : o->start;
    if (e != RF_DATE_NONE && (c->last_end == RF_DATE_NONE || e > c->last_end))
        c->last_end = e;
    if (o->src != SRC_DISPENSE) {
        c->status = o->status;
        t->stop_reason = o->stop_reason ? o->stop_reason : (o->status == ST_ACTIVE ? NULL : t->stop_reason);
    }
}

/* End of a chain: ongoing when its latest order is active; else the recorded end, else the
 * end of its last supply (dispenses, expected supply), marked inferred. */
static void finish(fx *x, chain *c)
{
    rf_trial *t = c->t;
    if (c->status == ST_ACTIVE || (c->status == ST_NEUTRAL && t->end == RF_DATE_NONE &&
                                   c->last_end != RF_DATE_NONE && c->last_end >= x->as_of)) {
        t->ongoing = true;
        t->end = RF_DATE_NONE;
    } else if (t->end == RF_DATE_NONE && c->last_end != RF_DATE_NONE && t->start != RF_DATE_NONE &&
               c->last_end > t->start && c->last_end != t->start) {
        t->end = c->last_end > x->as_of ? x->as_of : c->last_end;
        t->inferred_end = true;
    }
    if (t->ongoing || t->start == RF_DATE_NONE)
        t->stop_reason = t->ongoing ? NULL : t->stop_reason;
    if (t->inferred_dose && t->frequency == NULL)
        t->frequency = NULL;
    /* a dose already written as a rate is a daily dose: nothing to multiply */
    rf_unit u;
    if (t->dose_unit && rf_unit_lookup(t->dose_unit, strlen(t->dose_unit), &u) &&
        u.dim == RF_DIM_MASS_PER_TIME)
        t->per_day = RF_NUM_NONE;
}

static int build_chain(fx *x, const fx_order *o, size_t n)
{
    chain c;
    int rc = start_trial(x, &c, &o[0]);
    absorb(&c, &o[0]);
    for (size_t i = 1; rc == REFRACT_OK && i < n; i++) {
        bool gap = o[i].start == RF_DATE_NONE || c.last_end == RF_DATE_NONE ||
                   o[i].start - c.last_end > RF_FHIR_REFILL_GAP_DAYS;
        if (!gap && same_regimen(c.t, &o[i])) {
            absorb(&c, &o[i]);
            continue;
        }
        if (!gap && c.t->end == RF_DATE_NONE && o[i].start > c.t->start) {
            c.t->end = o[i].start; /* the dose changed: the earlier regimen ended there */
            c.t->inferred_end = true;
            c.status = ST_ENDED;
        }
        finish(x, &c);
        rc = start_trial(x, &c, &o[i]);
        if (rc == REFRACT_OK)
            absorb(&c, &o[i]);
    }
    if (rc == REFRACT_OK)
        finish(x, &c);
    return rc;
}

static int fill_cmp(const void *pa, const void *pb)
{
    const fx_fill *a = pa, *b = pb;
    int c = strcmp(a->key, b->key);
    return c != 0 ? c : (a->date > b->date) - (a->date < b->date);
}

/* Proportion of days covered over the trial (to its end, or as_of when ongoing): each fill
 * covers daysSupply days from its date, or from the end of the previous supply if later. */
static void pdc(fx *x, rf_trial *t, const char *key)
{
    rf_date end = t->ongoing || t->end == RF_DATE_NONE ? x->as_of : t->end;
    if (t->start == RF_DATE_NONE || end < t->start)
        return;
    rf_date cursor = t->start;
    double covered = 0;
    size_t nf = 0;
    for (size_t i = 0; i < x->nfills; i++) {
        const fx_fill *f = &x->fills[i];
        if (strcmp(f->key, key) != 0 || f->date < t->start || f->date > end)
            continue;
        nf++;
        rf_date s = f->date > cursor ? f->date : cursor;
        rf_date e = add_days(s, f->days);
        if (e == RF_DATE_NONE)
            continue;
        rf_date stop = e < end + 1 ? e : end + 1;
        covered += stop > s ? stop - s : 0;
        cursor = e > cursor ? e : cursor;
    }
    if (nf == 0)
        return;
    double days = (double)(end - t->start + 1);
    t->adherence = covered / days > 1 ? 1 : covered / days;
    t->adherence_source = "pdc";
}

int rf_fx_build_trials(fx *x)
{
    if (x->norders == 0)
        return REFRACT_OK;
    qsort(x->orders, x->norders, sizeof *x->orders, order_cmp);
    if (x->nfills > 0)
        qsort(x->fills, x->nfills, sizeof *x->fills, fill_cmp);
    size_t i = 0;
    while (i < x->norders) {
        size_t j = i + 1;
        while (j < x->norders && strcmp(x->orders[j].key, x->orders[i].key) == 0)
            j++;
        size_t first = x->p->ntrials;
        int rc = build_chain(x, &x->orders[i], j - i);
        if (rc != REFRACT_OK)
            return rc;
        for (size_t k = first; k < x->p->ntrials; k++)
            pdc(x, &x->p->trials[k], x->orders[i].key);
        i = j;
    }
    return REFRACT_OK;
}
