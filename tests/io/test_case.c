/* test_case.c - the refract case reader: a full case read field by field, every rejection
 * with its exact path and message, as_of precedence, and arena failure injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>

#include "io/io.h"
#include "util/limits.h"

/* cmocka 1.1.5 (Debian 12) has no assert_double_equal */
#define assert_near(got, want, eps) assert_near_((got), (want), (eps), __FILE__, __LINE__)
static void assert_near_(double got, double want, double eps, const char *file, int line)
{
    if (!(fabs(got - want) <= eps)) {
        print_error("%.17g != %.17g (within %g)\n", got, want, eps);
        _fail(file, line);
    }
}

#define FULL_CASE  RF_TEST_DIR "/io/data/full_case.json"
#define CORPUS_DIR RF_SOURCE_DIR "/fuzz/corpus/fuzz_case"

static rf_date ymd(int y, int m, int d)
{
    return rf_date_from_ymd(y, m, d);
}

static char *slurp(rf_arena *a, const char *path, size_t *len)
{
    char *buf = NULL;
    refract_error err = {0};
    if (rf_file_read(&buf, len, a, path, RF_LIMIT_INPUT_BYTES, &err) != REFRACT_OK)
        fail_msg("%s: %s", err.where, err.message);
    return buf;
}

static rf_patient *read_full(rf_arena *a, rf_date as_of)
{
    size_t len = 0;
    char *buf = slurp(a, FULL_CASE, &len);
    rf_patient *p = NULL;
    refract_error err = {0};
    int rc = rf_case_parse(&p, a, buf, len, as_of, &err);
    if (rc != REFRACT_OK)
        fail_msg("full case refused: %s: %s", err.where, err.message);
    return p;
}

/* ---- a valid case, field by field ------------------------------------------------------ */

static void test_case__reads_patient_and_conditions(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_full(&a, RF_DATE_NONE);
    assert_string_equal(p->id, "dep-001");
    assert_int_equal(p->as_of, ymd(2024, 9, 1));
    assert_int_equal(p->birth_date, ymd(1980, 4, 2));
    assert_int_equal(p->sex, RF_SEX_FEMALE);
    assert_int_equal(p->pregnant, RF_TRI_FALSE);
    assert_int_equal(p->breastfeeding, RF_TRI_UNKNOWN);
    assert_int_equal(p->childbearing_potential, RF_TRI_TRUE);
    assert_near(p->weight_kg, 70.5, 1e-12);
    assert_int_equal(p->smoker, RF_TRI_FALSE);

    assert_int_equal(p->nconditions, 2);
    const rf_condition *c = &p->conditions[0];
    assert_string_equal(c->concept, "depression");
    assert_int_equal(c->ncodes, 1);
    assert_string_equal(c->codes[0].system, "icd10cm");
    assert_string_equal(c->codes[0].code, "F33.1");
    assert_string_equal(c->codes[0].display, "Major depressive disorder, recurrent, moderate");
    assert_int_equal(c->onset, ymd(2015, 1, 1));
    assert_int_equal(c->episode_start, ymd(2023, 1, 10));
    assert_int_equal(c->abatement, RF_DATE_NONE);
    assert_string_equal(c->status, "active");
    assert_string_equal(c->severity, "moderate");
    assert_int_equal(c->nfeatures, 2);
    assert_string_equal(c->features[0], "anxious_distress");
    assert_string_equal(c->features[1], "suicidal_ideation");
    assert_string_equal(c->where, "$.conditions[0]");
    c = &p->conditions[1];
    assert_null(c->concept);
    assert_string_equal(c->codes[0].system, "snomed");
    assert_null(c->codes[0].display);
    assert_int_equal(c->abatement, ymd(2012, 1, 1));
    assert_string_equal(c->status, "resolved");
    assert_null(c->severity);
    assert_int_equal(c->nfeatures, 0);
    assert_string_equal(c->where, "$.conditions[1]");
    rf_arena_free(&a);
}

static void test_case__reads_trials(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_full(&a, RF_DATE_NONE);
    assert_int_equal(p->ntrials, 3);
    const rf_trial *t = &p->trials[0];
    assert_string_equal(t->agent, "sertraline");
    assert_int_equal(t->ncodes, 2);
    assert_string_equal(t->codes[1].system, "atc");
    assert_string_equal(t->codes[1].code, "N06AB06");
    assert_string_equal(t->for_condition, "depression");
    assert_near(t->dose_value, 100, 0);
    assert_string_equal(t->dose_unit, "mg");
    assert_string_equal(t->frequency, "daily");
    assert_near(t->per_day, 1, 0);
    assert_string_equal(t->route, "oral");
    assert_int_equal(t->start, ymd(2023, 2, 1));
    assert_int_equal(t->end, ymd(2023, 4, 15));
    assert_false(t->ongoing);
    assert_int_equal(t->target_dose_date, ymd(2023, 2, 15));
    assert_near(t->adherence, 0.9, 1e-12);
    assert_string_equal(t->adherence_source, "pdc");
    assert_near(t->level_value, 80, 0);
    assert_string_equal(t->level_unit, "ng/mL");
    assert_int_equal(t->outcome, RF_OUTCOME_NONE);
    assert_string_equal(t->instrument, "hamd17");
    assert_near(t->baseline_score, 24, 0);
    assert_near(t->end_score, 20, 0);
    assert_string_equal(t->stop_reason, "nonresponse");
    assert_string_equal(t->role, "monotherapy");
    assert_false(t->max_tolerated);
    assert_string_equal(t->adverse_effects, "nausea in week 1");
    assert_false(t->inferred_end);
    assert_false(t->inferred_dose);
    assert_true(isnan(t->dose_canon)); /* the engine's, not the reader's */
    assert_string_equal(t->where, "$.trials[0]");

    t = &p->trials[1]; /* 225 mg/d given bid: already a daily dose */
    assert_string_equal(t->dose_unit, "mg/d");
    assert_string_equal(t->frequency, "bid");
    assert_true(isnan(t->per_day));
    assert_true(t->ongoing);
    assert_int_equal(t->end, RF_DATE_NONE);
    assert_int_equal(t->outcome, RF_OUTCOME_ONGOING);
    assert_true(isnan(t->adherence));
    assert_null(t->adherence_source);
    assert_true(isnan(t->level_value));
    assert_true(isnan(t->baseline_score));

    t = &p->trials[2]; /* {"times": 2, "every": 1, "unit": "d"} */
    assert_near(t->per_day, 2, 1e-12);
    assert_string_equal(t->frequency, "2 every 1 d");
    assert_string_equal(t->role, "augmentation");
    assert_string_equal(t->level_unit, "mmol/L");
    assert_int_equal(t->outcome, RF_OUTCOME_UNKNOWN);
    rf_arena_free(&a);
}

static void test_case__reads_the_other_lists(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_full(&a, RF_DATE_NONE);

    assert_int_equal(p->nprocedures, 1);
    const rf_procedure *pr = &p->procedures[0];
    assert_string_equal(pr->kind, "ect");
    assert_string_equal(pr->codes[0].system, "cpt");
    assert_string_equal(pr->for_condition, "depression");
    assert_int_equal(pr->start, ymd(2024, 1, 10));
    assert_int_equal(pr->end, ymd(2024, 2, 20));
    assert_near(pr->sessions, 12, 0);
    assert_string_equal(pr->laterality, "bilateral");
    assert_int_equal(pr->outcome, RF_OUTCOME_PARTIAL);
    assert_false(pr->device_present);
    assert_string_equal(pr->where, "$.procedures[0]");

    assert_int_equal(p->nobservations, 3);
    const rf_observation *o = &p->observations[0];
    assert_string_equal(o->kind, "phq9");
    assert_string_equal(o->codes[0].code, "44261-6");
    assert_near(o->value, 18, 0);
    assert_string_equal(o->unit, "{score}");
    assert_null(o->text_value);
    assert_int_equal(o->date, ymd(2024, 8, 20));
    assert_true(isnan(o->value_canon));
    assert_string_equal(p->observations[1].unit, "mIU/L");
    o = &p->observations[2];
    assert_true(isnan(o->value));
    assert_null(o->unit);
    assert_string_equal(o->text_value, "negative");
    assert_string_equal(o->where, "$.observations[2]");

    assert_int_equal(p->nevents, 1);
    assert_string_equal(p->events[0].kind, "hospitalisation");
    assert_int_equal(p->events[0].date, ymd(2023, 12, 1));
    assert_string_equal(p->events[0].detail, "suicidal crisis");

    assert_int_equal(p->nallergies, 1);
    const rf_allergy *al = &p->allergies[0];
    assert_string_equal(al->agent, "carbamazepine");
    assert_string_equal(al->kind, "allergy");
    assert_string_equal(al->reaction, "rash");
    assert_string_equal(al->severity, "severe");
    assert_int_equal(al->date, ymd(2005, 3, 1));

    assert_int_equal(p->ngenotypes, 2);
    const rf_genotype *g = &p->genotypes[0];
    assert_string_equal(g->gene, "CYP2C19");
    assert_string_equal(g->phenotype, "poor_metabolizer");
    assert_string_equal(g->diplotype, "*2/*2");
    assert_near(g->activity_score, 0, 0);
    assert_int_equal(g->carrier, RF_TRI_UNKNOWN);
    assert_int_equal(g->date, ymd(2022, 11, 1));
    g = &p->genotypes[1];
    assert_string_equal(g->allele, "*15:02");
    assert_int_equal(g->carrier, RF_TRI_FALSE);
    assert_true(isnan(g->activity_score));
    assert_int_equal(g->date, RF_DATE_NONE);

    assert_int_equal(p->nfindings, 1);
    assert_string_equal(p->findings[0].marker, "BRCA2");
    assert_string_equal(p->findings[0].result, "negative");
    assert_string_equal(p->findings[0].origin, "germline");

    assert_int_equal(p->prefs.ndeclines, 1);
    assert_string_equal(p->prefs.declines[0], "dep_ect");
    assert_int_equal(p->prefs.navoid, 2);
    assert_string_equal(p->prefs.avoid[1], "sexual_dysfunction");
    rf_arena_free(&a);
}

static void test_case__minimal_case_leaves_everything_unknown(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    const char *json = "{\"refract_case\": 1, \"as_of\": \"2024-01-01\", \"patient\": {}}";
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(rf_case_parse(&p, &a, json, strlen(json), RF_DATE_NONE, &err), REFRACT_OK);
    assert_null(p->id);
    assert_int_equal(p->birth_date, RF_DATE_NONE);
    assert_int_equal(p->sex, RF_SEX_UNKNOWN);
    assert_int_equal(p->pregnant, RF_TRI_UNKNOWN);
    assert_true(isnan(p->weight_kg));
    assert_int_equal(p->ntrials, 0);
    assert_null(p->trials);
    assert_int_equal(p->prefs.ndeclines, 0);
    rf_arena_free(&a);
}

static void test_case__frequencies_give_administrations_per_day(void **state)
{
    (void)state;
    static const struct {
        const char *freq;
        double per_day; /* -1: NaN */
    } rows[] = {
        {"\"qd\"", 1},
        {"\"tid\"", 3},
        {"\"q6h\"", 4},
        {"\"weekly\"", 1.0 / 7},
        {"\"q2w\"", 1.0 / 14},
        {"\"monthly\"", 1 / 30.4375},
        {"\"q3m\"", 1 / 91.3125},
        {"\"once\"", -1},
        {"{\"times\": 1, \"unit\": \"wk\"}", 1.0 / 7},
        {"{\"times\": 3, \"every\": 2, \"unit\": \"wk\"}", 3.0 / 14},
        {"{\"times\": 1, \"every\": 6, \"unit\": \"mo\"}", 1 / (6 * 30.4375)},
        {"{\"times\": 1, \"every\": 4, \"unit\": \"h\"}", 6},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rf_arena a;
        rf_arena_init(&a, 0);
        char *json = rf_arena_printf(&a,
                                     "{\"refract_case\":1,\"as_of\":\"2024-01-01\",\"patient\":{},"
                                     "\"trials\":[{\"agent\":\"x\",\"dose\":{\"value\":5,\"unit\":"
                                     "\"mg\"},\"frequency\":%s}]}",
                                     rows[i].freq);
        rf_patient *p = NULL;
        refract_error err = {0};
        int rc = rf_case_parse(&p, &a, json, strlen(json), RF_DATE_NONE, &err);
        if (rc != REFRACT_OK)
            fail_msg("%s refused: %s: %s", rows[i].freq, err.where, err.message);
        if (rows[i].per_day < 0)
            assert_true(isnan(p->trials[0].per_day));
        else
            assert_near(p->trials[0].per_day, rows[i].per_day, 1e-12);
        rf_arena_free(&a);
    }
}

static void test_case__reads_a_file(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(rf_case_read_file(&p, &a, FULL_CASE, RF_DATE_NONE, &err), REFRACT_OK);
    assert_string_equal(p->id, "dep-001");
    p = NULL;
    assert_int_equal(
        rf_case_read_file(&p, &a, RF_TEST_DIR "/io/data/absent.json", RF_DATE_NONE, &err),
        REFRACT_EIO);
    assert_null(p);
    rf_arena_free(&a);
}

/* The complete example in docs/case-format.md is a valid case. */
static void test_case__documented_example_is_valid(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    size_t len = 0;
    char *doc = slurp(&a, RF_SOURCE_DIR "/docs/case-format.md", &len);
    char *start = strstr(doc, "```json\n");
    assert_non_null(start);
    start += 8;
    char *end = strstr(start, "\n```");
    assert_non_null(end);
    rf_patient *p = NULL;
    refract_error err = {0};
    int rc = rf_case_parse(&p, &a, start, (size_t)(end - start), RF_DATE_NONE, &err);
    if (rc != REFRACT_OK)
        fail_msg("docs example refused: %s: %s", err.where, err.message);
    assert_int_equal(p->ntrials, 3);
    rf_arena_free(&a);
}

/* ---- as_of ----------------------------------------------------------------------------- */

static void test_case__as_of_override_beats_the_case(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_full(&a, ymd(2024, 12, 31));
    assert_int_equal(p->as_of, ymd(2024, 12, 31));
    rf_arena_free(&a);
}

static void test_case__as_of_override_applies_to_every_date(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    size_t len = 0;
    char *buf = slurp(&a, FULL_CASE, &len);
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(rf_case_parse(&p, &a, buf, len, ymd(2023, 3, 1), &err), REFRACT_EINVAL);
    assert_string_equal(err.where, "$.trials[0].end");
    assert_string_equal(err.message, "date 2023-04-15 is after as_of 2023-03-01");
    assert_null(p);
    rf_arena_free(&a);
}

static void test_case__as_of_defaults_to_today(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    const char *json = "{\"refract_case\": 1, \"patient\": {\"birth_date\": \"1990-01-01\"}}";
    rf_patient *p = NULL;
    refract_error err = {0};
    rf_date before = rf_date_today();
    assert_int_equal(rf_case_parse(&p, &a, json, strlen(json), RF_DATE_NONE, &err), REFRACT_OK);
    rf_date after = rf_date_today();
    assert_true(p->as_of == before || p->as_of == after);
    rf_arena_free(&a);
}

/* ---- rejections: one per behaviour, exact path and message ----------------------------- */

typedef struct rejection {
    const char *name;
    const char *json;
    const char *where;
    const char *message;
} rejection;

#define HEAD        "{\"refract_case\":1,\"as_of\":\"2024-09-01\",\"patient\":{},"
#define TRIAL(body) HEAD "\"trials\":[{\"agent\":\"sertraline\"," body "}]}"
#define DOSE        "\"dose\":{\"value\":50,\"unit\":\"mg\"}"

static const rejection rejections[] = {
    {"unknown field at the top", HEAD "\"trails\":[]}", "$.trails", "unknown field 'trails'"},
    {"unknown field in patient", "{\"refract_case\":1,\"patient\":{\"sexx\":\"female\"}}",
     "$.patient.sexx", "unknown field 'sexx'"},
    {"unknown field in a code",
     TRIAL("\"codes\":[{\"system\":\"rxnorm\",\"code\":\"1\",\"sytem\":\"x\"}]"),
     "$.trials[0].codes[0].sytem", "unknown field 'sytem'"},
    {"unknown field in a dose", TRIAL("\"dose\":{\"value\":50,\"unit\":\"mg\",\"units\":\"mg\"}"),
     "$.trials[0].dose.units", "unknown field 'units'"},
    {"unknown field in preferences", HEAD "\"preferences\":{\"declined\":[]}}",
     "$.preferences.declined", "unknown field 'declined'"},
    {"duplicate field", TRIAL("\"route\":\"oral\",\"route\":\"iv\""), "$.trials[0].route",
     "duplicate field 'route'"},
    {"case not an object", "[1, 2]", "$", "expected an object, got an array"},
    {"number given as a string", "{\"refract_case\":1,\"patient\":{\"weight_kg\":\"70\"}}",
     "$.patient.weight_kg", "expected a number, got a string"},
    {"list given as an object", HEAD "\"trials\":{}}", "$.trials",
     "expected an array, got an object"},
    {"boolean given as a string", TRIAL("\"ongoing\":\"yes\""), "$.trials[0].ongoing",
     "expected true or false, got a string"},
    {"null where a string is needed", TRIAL("\"route\":null"), "$.trials[0].route",
     "expected a string, got null"},
    {"empty string", TRIAL("\"route\":\"\""), "$.trials[0].route",
     "empty string (leave the field out when it is unknown)"},
    {"missing patient", "{\"refract_case\":1}", "$", "missing required field 'patient'"},
    {"missing version", "{\"patient\":{}}", "$", "missing required field 'refract_case'"},
    {"unsupported version", "{\"refract_case\":2,\"patient\":{}}", "$.refract_case",
     "unsupported version 2 (expected 1)"},
    {"missing dose unit", TRIAL("\"dose\":{\"value\":50}"), "$.trials[0].dose",
     "missing required field 'unit'"},
    {"trial without agent or codes", HEAD "\"trials\":[{\"route\":\"oral\"}]}", "$.trials[0]",
     "missing 'agent' or 'codes'"},
    {"observation without a date", HEAD "\"observations\":[{\"kind\":\"phq9\",\"value\":3}]}",
     "$.observations[0]", "missing required field 'date'"},
    {"observation without value or text",
     HEAD "\"observations\":[{\"kind\":\"phq9\",\"date\":\"2024-01-01\"}]}", "$.observations[0]",
     "missing 'value' or 'text'"},
    {"observation unit without value",
     HEAD "\"observations\":[{\"kind\":\"x\",\"text\":\"pos\",\"unit\":\"mg\","
          "\"date\":\"2024-01-01\"}]}",
     "$.observations[0].unit", "unit given without a value"},
    {"date with slashes", TRIAL("\"start\":\"2024/01/01\""), "$.trials[0].start",
     "invalid date '2024/01/01' (expected YYYY-MM-DD)"},
    {"date with a time", TRIAL("\"start\":\"2024-01-01T10:00:00Z\""), "$.trials[0].start",
     "invalid date '2024-01-01T10:00:00Z' (expected YYYY-MM-DD)"},
    {"February 30", TRIAL("\"start\":\"2023-02-30\""), "$.trials[0].start",
     "invalid date '2023-02-30' (no such day)"},
    {"bad as_of", "{\"refract_case\":1,\"as_of\":\"2024-13-01\",\"patient\":{}}", "$.as_of",
     "invalid date '2024-13-01' (no such day)"},
    {"end before start", TRIAL("\"start\":\"2023-02-01\",\"end\":\"2023-01-01\""),
     "$.trials[0].end", "end 2023-01-01 is before start 2023-02-01"},
    {"abatement before onset",
     HEAD "\"conditions\":[{\"concept\":\"depression\",\"onset\":\"2020-01-01\","
          "\"abatement\":\"2019-01-01\"}]}",
     "$.conditions[0].abatement", "abatement 2019-01-01 is before onset 2020-01-01"},
    {"procedure end before start",
     HEAD "\"procedures\":[{\"kind\":\"ect\",\"start\":\"2024-02-01\","
          "\"end\":\"2024-01-01\"}]}",
     "$.procedures[0].end", "end 2024-01-01 is before start 2024-02-01"},
    {"date after as_of", TRIAL("\"start\":\"2024-10-01\""), "$.trials[0].start",
     "date 2024-10-01 is after as_of 2024-09-01"},
    {"birth after as_of",
     "{\"refract_case\":1,\"as_of\":\"2024-09-01\",\"patient\":{\"birth_date\":\"2025-01-01\"}}",
     "$.patient.birth_date", "date 2025-01-01 is after as_of 2024-09-01"},
    {"negative dose", TRIAL("\"dose\":{\"value\":-5,\"unit\":\"mg\"}"), "$.trials[0].dose.value",
     "must not be negative (got -5)"},
    {"negative weight", "{\"refract_case\":1,\"patient\":{\"weight_kg\":-70}}",
     "$.patient.weight_kg", "must not be negative (got -70)"},
    {"negative sessions", HEAD "\"procedures\":[{\"kind\":\"ect\",\"sessions\":-1}]}",
     "$.procedures[0].sessions", "must not be negative (got -1)"},
    {"fractional sessions", HEAD "\"procedures\":[{\"kind\":\"ect\",\"sessions\":2.5}]}",
     "$.procedures[0].sessions", "expected an integer, got 2.5"},
    {"adherence above 1", TRIAL("\"adherence\":1.2"), "$.trials[0].adherence",
     "must be between 0 and 1 (got 1.2)"},
    {"unknown unit", TRIAL("\"dose\":{\"value\":50,\"unit\":\"mgs\"}"), "$.trials[0].dose.unit",
     "unknown unit 'mgs'"},
    {"unknown sex", "{\"refract_case\":1,\"patient\":{\"sex\":\"femal\"}}", "$.patient.sex",
     "unknown value 'femal' (expected one of unknown, female, male, other)"},
    {"unknown outcome", TRIAL("\"outcome\":\"responded\""), "$.trials[0].outcome",
     "unknown value 'responded' (expected one of unknown, remission, response, partial, none, "
     "intolerance, ongoing)"},
    {"unknown stop reason", TRIAL("\"stop_reason\":\"lack_of_effect\""), "$.trials[0].stop_reason",
     "unknown value 'lack_of_effect' (expected one of nonresponse, partial_response, "
     "intolerance, adverse_effect, remission, switch_to_mania, patient_choice, cost, other)"},
    {"unknown code system", TRIAL("\"codes\":[{\"system\":\"ICD10\",\"code\":\"F33\"}]"),
     "$.trials[0].codes[0].system",
     "unknown value 'ICD10' (expected one of icd10cm, icd11, snomed, rxnorm, atc, loinc, cpt, "
     "hcpcs, ndc, hgnc, local)"},
    {"unknown carrier value",
     HEAD "\"genotypes\":[{\"gene\":\"HLA-B\",\"allele\":\"*15:02\",\"carrier\":\"yes\"}]}",
     "$.genotypes[0].carrier", "expected true, false or null, got a string"},
    {"carrier without allele", HEAD "\"genotypes\":[{\"gene\":\"HLA-B\",\"carrier\":true}]}",
     "$.genotypes[0].carrier", "carrier status given without an allele"},
    {"feature not an identifier",
     HEAD "\"conditions\":[{\"concept\":\"depression\",\"features\":[\"Psychotic features\"]}]}",
     "$.conditions[0].features[0]",
     "'Psychotic features' is not a lowercase identifier (a-z, 0-9, _)"},
    {"unknown frequency", TRIAL(DOSE ",\"frequency\":\"twice a day\""), "$.trials[0].frequency",
     "unknown frequency 'twice a day' (expected a name such as daily, bid, weekly, q2w, or "
     "{\"times\", \"every\", \"unit\"})"},
    {"frequency of zero times", TRIAL(DOSE ",\"frequency\":{\"times\":0,\"unit\":\"d\"}"),
     "$.trials[0].frequency.times", "must be positive (got 0)"},
    {"frequency in an unknown unit", TRIAL(DOSE ",\"frequency\":{\"times\":1,\"unit\":\"yr\"}"),
     "$.trials[0].frequency.unit", "unknown value 'yr' (expected one of h, d, wk, mo)"},
    {"frequency as a number", TRIAL(DOSE ",\"frequency\":2"), "$.trials[0].frequency",
     "expected a string or an object, got a number"},
    {"ongoing with an end date", TRIAL("\"ongoing\":true,\"end\":\"2024-01-01\""),
     "$.trials[0].end", "end date given for an ongoing trial"},
    {"string with a NUL", TRIAL("\"route\":\"or\\u0000al\""), "$.trials[0].route",
     "string contains a NUL character"},
    {"control characters are not echoed", "{\"refract_case\":1,\"patient\":{\"a\\nb\":1}}",
     "$.patient.a?b", "unknown field 'a?b'"},
};

static void test_case__rejects(void **state)
{
    const rejection *t = *state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = NULL;
    refract_error err = {0};
    int rc = rf_case_parse(&p, &a, t->json, strlen(t->json), RF_DATE_NONE, &err);
    assert_int_equal(rc, REFRACT_EINVAL);
    assert_int_equal(err.code, REFRACT_EINVAL);
    assert_null(p);
    assert_string_equal(err.where, t->where);
    assert_string_equal(err.message, t->message);
    rf_arena_free(&a);
}

static void test_case__rejects_malformed_json_with_line_and_column(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    const char *json = "{\"refract_case\": 1,\n \"patient\": {},}";
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(rf_case_parse(&p, &a, json, strlen(json), RF_DATE_NONE, &err), REFRACT_EINVAL);
    assert_null(p);
    /* the JSON parser's place, not a JSON path */
    assert_string_equal(err.where, "line 2, column 16 (byte 35)");
    assert_true(err.message[0] != '\0');
    rf_arena_free(&a);
}

static void test_case__rejects_a_list_over_the_limit(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_strbuf b;
    rf_strbuf_init(&b, 0);
    rf_strbuf_puts(&b, HEAD "\"events\":[");
    for (size_t i = 0; i <= RF_LIMIT_CASE_ITEMS; i++)
        rf_strbuf_puts(&b, i ? ",0" : "0");
    rf_strbuf_puts(&b, "]}");
    assert_false(b.failed);
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(rf_case_parse(&p, &a, b.data, b.len, RF_DATE_NONE, &err), REFRACT_EINVAL);
    assert_string_equal(err.where, "$.events");
    assert_string_equal(err.message, "too many items (100001, limit 100000)");
    rf_strbuf_free(&b);
    rf_arena_free(&a);
}

/* ---- failure injection ----------------------------------------------------------------- */

/* Fail the reader's Nth allocation for N = 0, 1, ... until it succeeds: every N must give an
 * error (never a crash, never a half-built patient). The document lives in its own arena so
 * that only the reader's allocations are counted. */
static void test_case__survives_every_allocation_failure(void **state)
{
    (void)state;
    rf_arena docs;
    rf_arena_init(&docs, 0);
    size_t len = 0;
    char *buf = slurp(&docs, FULL_CASE, &len);
    const rf_json *doc = NULL;
    refract_error err = {0};
    assert_int_equal(rf_json_parse(&doc, &docs, buf, len, NULL, &err), REFRACT_OK);
    long n = 0;
    for (;; n++) {
        rf_arena a;
        rf_arena_init(&a, 0);
        a.fail_after = n;
        rf_patient *p = NULL;
        rf_error_clear(&err);
        int rc = rf_case_read(&p, &a, doc, RF_DATE_NONE, &err);
        rf_arena_free(&a);
        if (rc == REFRACT_OK)
            break;
        assert_int_equal(rc, REFRACT_ENOMEM);
        assert_int_equal(err.code, REFRACT_ENOMEM);
        assert_null(p);
        assert_true(n < 100000);
    }
    assert_true(n > 50); /* the full case allocates its strings, lists and paths */
    rf_arena_free(&docs);
}

/* The same through rf_case_parse, so the JSON parser's allocations fail too. */
static void test_case__parse_survives_every_allocation_failure(void **state)
{
    (void)state;
    rf_arena files;
    rf_arena_init(&files, 0);
    size_t len = 0;
    char *buf = slurp(&files, FULL_CASE, &len);
    for (long n = 0;; n++) {
        rf_arena a;
        rf_arena_init(&a, 0);
        a.fail_after = n;
        rf_patient *p = NULL;
        refract_error err = {0};
        int rc = rf_case_parse(&p, &a, buf, len, RF_DATE_NONE, &err);
        rf_arena_free(&a);
        if (rc == REFRACT_OK)
            break;
        assert_int_not_equal(err.code, 0);
        assert_null(p);
        assert_true(n < 100000);
    }
    rf_arena_free(&files);
}

/* ---- the fuzz corpus, replayed: no input may crash the reader -------------------------- */

static void test_case__fuzz_corpus_replays_without_crashing(void **state)
{
    (void)state;
    DIR *d = opendir(CORPUS_DIR);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        rf_arena a;
        rf_arena_init(&a, 0);
        char *path = rf_arena_printf(&a, "%s/%s", CORPUS_DIR, e->d_name);
        size_t len = 0;
        char *buf = slurp(&a, path, &len);
        rf_patient *p = NULL;
        refract_error err = {0};
        int rc = rf_case_parse(&p, &a, buf, len, RF_DATE_NONE, &err);
        assert_true(rc == REFRACT_OK ? p != NULL : err.code == rc);
        rf_arena_free(&a);
        files++;
    }
    closedir(d);
    assert_true(files > 0);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_case__reads_patient_and_conditions),
        cmocka_unit_test(test_case__reads_trials),
        cmocka_unit_test(test_case__reads_the_other_lists),
        cmocka_unit_test(test_case__minimal_case_leaves_everything_unknown),
        cmocka_unit_test(test_case__frequencies_give_administrations_per_day),
        cmocka_unit_test(test_case__reads_a_file),
        cmocka_unit_test(test_case__documented_example_is_valid),
        cmocka_unit_test(test_case__as_of_override_beats_the_case),
        cmocka_unit_test(test_case__as_of_override_applies_to_every_date),
        cmocka_unit_test(test_case__as_of_defaults_to_today),
        cmocka_unit_test(test_case__rejects_malformed_json_with_line_and_column),
        cmocka_unit_test(test_case__rejects_a_list_over_the_limit),
        cmocka_unit_test(test_case__survives_every_allocation_failure),
        cmocka_unit_test(test_case__parse_survives_every_allocation_failure),
        cmocka_unit_test(test_case__fuzz_corpus_replays_without_crashing),
    };
    enum {
        NFIXED = sizeof fixed / sizeof fixed[0],
        NREJ = sizeof rejections / sizeof rejections[0]
    };
    static struct CMUnitTest tests[NFIXED + NREJ];
    static char names[NREJ][96];
    for (size_t i = 0; i < NFIXED; i++)
        tests[i] = fixed[i];
    for (size_t i = 0; i < NREJ; i++) {
        snprintf(names[i], sizeof names[i], "rejects: %s", rejections[i].name);
        tests[NFIXED + i] = (struct CMUnitTest){names[i], test_case__rejects, NULL, NULL,
                                                (void *)(uintptr_t)&rejections[i]};
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
