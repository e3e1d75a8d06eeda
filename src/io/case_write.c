/* case_write.c - a patient as refract case JSON (docs/case-format.md), the inverse of
 * case.c: what `refract convert` prints so a clinician can see and correct what a FHIR record
 * was read as. Absent values (NaN, RF_DATE_NONE, NULL, unknown) are left out, so
 * rf_case_read gives back the same record. Values only a reader can know (where, inferred
 * marks, the engine's canonical doses) are not part of the format and are not written. */
#include <string.h>

#include "io.h"

static void key_str(rf_json_writer *w, const char *k, const char *v)
{
    if (v == NULL || v[0] == '\0')
        return;
    rf_jw_key(w, k);
    rf_jw_string(w, v);
}

static void key_num(rf_json_writer *w, const char *k, double v)
{
    if (!rf_num_known(v))
        return;
    rf_jw_key(w, k);
    rf_jw_number(w, v);
}

static void key_date(rf_json_writer *w, const char *k, rf_date d)
{
    char b[11];
    if (d == RF_DATE_NONE)
        return;
    rf_date_format(d, b);
    key_str(w, k, b);
}

static void key_tri(rf_json_writer *w, const char *k, rf_tri t)
{
    if (t == RF_TRI_UNKNOWN)
        return;
    rf_jw_key(w, k);
    rf_jw_bool(w, t == RF_TRI_TRUE);
}

static void key_true(rf_json_writer *w, const char *k, bool b)
{
    if (!b)
        return;
    rf_jw_key(w, k);
    rf_jw_bool(w, true);
}

static void key_qty(rf_json_writer *w, const char *k, double v, const char *unit)
{
    if (!rf_num_known(v) || unit == NULL)
        return;
    rf_jw_key(w, k);
    rf_jw_object_begin(w);
    key_num(w, "value", v);
    key_str(w, "unit", unit);
    rf_jw_object_end(w);
}

static void key_outcome(rf_json_writer *w, rf_outcome o)
{
    if (o != RF_OUTCOME_UNKNOWN)
        key_str(w, "outcome", rf_outcome_name(o));
}

static void key_strs(rf_json_writer *w, const char *k, const char *const *s, size_t n)
{
    if (n == 0)
        return;
    rf_jw_key(w, k);
    rf_jw_array_begin(w);
    for (size_t i = 0; i < n; i++)
        rf_jw_string(w, s[i]);
    rf_jw_array_end(w);
}

static void key_codes(rf_json_writer *w, const rf_code *c, size_t n)
{
    if (n == 0)
        return;
    rf_jw_key(w, "codes");
    rf_jw_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        rf_jw_object_begin(w);
        key_str(w, "system", c[i].system);
        key_str(w, "code", c[i].code);
        key_str(w, "display", c[i].display);
        rf_jw_object_end(w);
    }
    rf_jw_array_end(w);
}

/* A whole number at [s, lim), or -1. */
static double whole(const char *s, const char *lim)
{
    double v = 0;
    if (s >= lim)
        return -1;
    for (; s < lim; s++) {
        if (*s < '0' || *s > '9' || v > 1e9)
            return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

/* "2 every 1 d" (the readers' spelling of a frequency object) back into the object. */
static void key_frequency(rf_json_writer *w, const char *f)
{
    if (f == NULL)
        return;
    const char *ev = strstr(f, " every ");
    const char *unit = ev ? strrchr(ev + 7, ' ') : NULL;
    double times = ev ? whole(f, ev) : -1, every = unit ? whole(ev + 7, unit) : -1;
    rf_jw_key(w, "frequency");
    if (times <= 0 || every <= 0) {
        rf_jw_string(w, f);
        return;
    }
    rf_jw_object_begin(w);
    key_num(w, "times", times);
    key_num(w, "every", every);
    key_str(w, "unit", unit + 1);
    rf_jw_object_end(w);
}

static void write_patient(rf_json_writer *w, const rf_patient *p)
{
    static const char *const sexes[] = {"unknown", "female", "male", "other"};
    rf_jw_key(w, "patient");
    rf_jw_object_begin(w);
    key_date(w, "birth_date", p->birth_date);
    if (p->sex != RF_SEX_UNKNOWN)
        key_str(w, "sex", sexes[p->sex]);
    key_tri(w, "pregnant", p->pregnant);
    key_tri(w, "breastfeeding", p->breastfeeding);
    key_tri(w, "childbearing_potential", p->childbearing_potential);
    key_num(w, "weight_kg", p->weight_kg);
    key_tri(w, "smoker", p->smoker);
    rf_jw_object_end(w);
}

static void write_condition(rf_json_writer *w, const rf_condition *c)
{
    key_str(w, "concept", c->concept);
    key_codes(w, c->codes, c->ncodes);
    key_date(w, "onset", c->onset);
    key_date(w, "episode_start", c->episode_start);
    key_date(w, "abatement", c->abatement);
    key_str(w, "status", c->status);
    key_str(w, "severity", c->severity);
    key_strs(w, "features", c->features, c->nfeatures);
}

static void write_trial(rf_json_writer *w, const rf_trial *t)
{
    key_str(w, "agent", t->agent);
    key_codes(w, t->codes, t->ncodes);
    key_str(w, "for", t->for_condition);
    key_qty(w, "dose", t->dose_value, t->dose_unit);
    key_frequency(w, t->frequency);
    key_str(w, "route", t->route);
    key_date(w, "start", t->start);
    key_date(w, "end", t->ongoing ? RF_DATE_NONE : t->end);
    key_true(w, "ongoing", t->ongoing);
    key_date(w, "target_dose_date", t->target_dose_date);
    key_num(w, "adherence", t->adherence);
    key_str(w, "adherence_source", t->adherence_source);
    key_qty(w, "level", t->level_value, t->level_unit);
    key_outcome(w, t->outcome);
    key_str(w, "instrument", t->instrument);
    key_num(w, "baseline_score", t->baseline_score);
    key_num(w, "end_score", t->end_score);
    key_str(w, "stop_reason", t->stop_reason);
    key_str(w, "role", t->role);
    key_true(w, "max_tolerated", t->max_tolerated);
    key_str(w, "adverse_effects", t->adverse_effects);
}

static void write_procedure(rf_json_writer *w, const rf_procedure *x)
{
    key_str(w, "kind", x->kind);
    key_codes(w, x->codes, x->ncodes);
    key_str(w, "for", x->for_condition);
    key_date(w, "start", x->start);
    key_date(w, "end", x->end);
    key_num(w, "sessions", x->sessions);
    key_str(w, "laterality", x->laterality);
    key_outcome(w, x->outcome);
    key_true(w, "device_present", x->device_present);
}

static void write_observation(rf_json_writer *w, const rf_observation *o)
{
    key_str(w, "kind", o->kind);
    key_codes(w, o->codes, o->ncodes);
    key_num(w, "value", o->value);
    if (rf_num_known(o->value))
        key_str(w, "unit", o->unit);
    key_str(w, "text", o->text_value);
    key_date(w, "date", o->date);
}

static void write_event(rf_json_writer *w, const rf_event *e)
{
    key_str(w, "kind", e->kind);
    key_date(w, "date", e->date);
    key_str(w, "detail", e->detail);
}

static void write_allergy(rf_json_writer *w, const rf_allergy *al)
{
    key_str(w, "agent", al->agent);
    key_codes(w, al->codes, al->ncodes);
    key_str(w, "kind", al->kind);
    key_str(w, "reaction", al->reaction);
    key_str(w, "severity", al->severity);
    key_date(w, "date", al->date);
}

static void write_genotype(rf_json_writer *w, const rf_genotype *g)
{
    key_str(w, "gene", g->gene);
    key_str(w, "phenotype", g->phenotype);
    key_str(w, "diplotype", g->diplotype);
    key_str(w, "allele", g->allele);
    if (g->allele)
        key_tri(w, "carrier", g->carrier);
    key_num(w, "activity_score", g->activity_score);
    key_date(w, "date", g->date);
}

static void write_finding(rf_json_writer *w, const rf_finding *f)
{
    key_str(w, "marker", f->marker);
    key_str(w, "result", f->result);
    key_str(w, "origin", f->origin);
    key_date(w, "date", f->date);
}

#define WRITE_LIST(w, key, items, n, fn)                                                       \
    do {                                                                                       \
        if ((n) > 0) {                                                                         \
            rf_jw_key((w), (key));                                                             \
            rf_jw_array_begin(w);                                                              \
            for (size_t i_ = 0; i_ < (n); i_++) {                                              \
                rf_jw_object_begin(w);                                                         \
                fn((w), &(items)[i_]);                                                         \
                rf_jw_object_end(w);                                                           \
            }                                                                                  \
            rf_jw_array_end(w);                                                                \
        }                                                                                      \
    } while (0)

int rf_case_write(const rf_patient *p, rf_strbuf *out, bool pretty, refract_error *err)
{
    rf_json_writer w;
    rf_jw_init(&w, out, pretty);
    rf_jw_object_begin(&w);
    rf_jw_key(&w, "refract_case");
    rf_jw_int(&w, 1);
    key_str(&w, "id", p->id);
    key_date(&w, "as_of", p->as_of);
    write_patient(&w, p);
    WRITE_LIST(&w, "conditions", p->conditions, p->nconditions, write_condition);
    WRITE_LIST(&w, "trials", p->trials, p->ntrials, write_trial);
    WRITE_LIST(&w, "procedures", p->procedures, p->nprocedures, write_procedure);
    WRITE_LIST(&w, "observations", p->observations, p->nobservations, write_observation);
    WRITE_LIST(&w, "events", p->events, p->nevents, write_event);
    WRITE_LIST(&w, "allergies", p->allergies, p->nallergies, write_allergy);
    WRITE_LIST(&w, "genotypes", p->genotypes, p->ngenotypes, write_genotype);
    WRITE_LIST(&w, "findings", p->findings, p->nfindings, write_finding);
    if (p->prefs.ndeclines || p->prefs.navoid) {
        rf_jw_key(&w, "preferences");
        rf_jw_object_begin(&w);
        key_strs(&w, "declines", p->prefs.declines, p->prefs.ndeclines);
        key_strs(&w, "avoid", p->prefs.avoid, p->prefs.navoid);
        rf_jw_object_end(&w);
    }
    rf_jw_object_end(&w);
    if (pretty)
        rf_strbuf_putc(out, '\n');
    if (!rf_jw_ok(&w) || out->failed)
        return rf_error_set(err, REFRACT_ELIMIT, "", "the case is too large to write");
    return REFRACT_OK;
}
