/* test_fhir.c - the FHIR R4 reader: every public file under shared/data reads without error
 * (bundles, each Bulk NDJSON line as a resource, the HL7 examples); what the Synthea patients
 * map to; our own bundles (tests/fhir/) for genomics, PharmCAT, ECT series, PSA series, a
 * refill chain with dispenses, refuted and entered-in-error conditions; hostile input; the
 * case writer's round trip. Exits 77 (skipped) when shared/data is absent. */
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

#include "api/pipeline.h"
#include "io/fhir.h"
#include "io/io.h"
#include "kb/kb.h"
#include "util/limits.h"

#define DATA RF_SHARED_DIR "/data"
#define FIX RF_TEST_DIR "/fhir/"

static rf_kb *g_kb;
static const rf_date AS_OF = 20089; /* 2025-01-01, set in main */

static rf_date ymd(int y, int m, int d)
{
    return rf_date_from_ymd(y, m, d);
}

static char *slurp(rf_arena *a, const char *path, size_t *len)
{
    char *buf = NULL;
    refract_error err = {0};
    if (rf_file_read(&buf, len, a, path, RF_LIMIT_INPUT_BYTES, &err) != REFRACT_OK)
        fail_msg("%s: %s", path, err.message);
    return buf;
}

static int read_buf(rf_patient **p, rf_arena *a, const char *buf, size_t len, refract_error *err)
{
    const rf_json *doc = NULL;
    int rc = rf_json_parse(&doc, a, buf, len, NULL, err);
    return rc == REFRACT_OK ? rf_fhir_read(p, a, doc, g_kb, AS_OF, err) : rc;
}

static rf_patient *read_file(rf_arena *a, const char *path)
{
    size_t len = 0;
    char *buf = slurp(a, path, &len);
    rf_patient *p = NULL;
    refract_error err = {0};
    if (read_buf(&p, a, buf, len, &err) != REFRACT_OK)
        fail_msg("%s refused: %s: %s", path, err.where, err.message);
    return p;
}

/* The Synthea bundle whose file name starts with prefix. */
static rf_patient *synthea(rf_arena *a, const char *prefix)
{
    DIR *d = opendir(DATA "/synthea/bundles");
    assert_non_null(d);
    struct dirent *e;
    char path[512] = "";
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            snprintf(path, sizeof path, "%s/%s", DATA "/synthea/bundles", e->d_name);
    closedir(d);
    assert_true(path[0] != '\0');
    return read_file(a, path);
}

static const rf_trial *trial_of(const rf_patient *p, const char *agent, size_t nth)
{
    for (size_t i = 0; i < p->ntrials; i++)
        if (p->trials[i].agent && strcmp(p->trials[i].agent, agent) == 0 && nth-- == 0)
            return &p->trials[i];
    return NULL;
}

static size_t count_agent(const rf_patient *p, const char *agent)
{
    size_t n = 0;
    for (size_t i = 0; i < p->ntrials; i++)
        n += p->trials[i].agent && strcmp(p->trials[i].agent, agent) == 0;
    return n;
}

static const rf_quality *quality(const rf_patient *p, const char *reason)
{
    for (size_t i = 0; i < p->nquality; i++)
        if (strcmp(p->quality[i].reason, reason) == 0)
            return &p->quality[i];
    return NULL;
}

static bool has_condition_code(const rf_patient *p, const char *code)
{
    for (size_t i = 0; i < p->nconditions; i++)
        for (size_t k = 0; k < p->conditions[i].ncodes; k++)
            if (strcmp(p->conditions[i].codes[k].code, code) == 0)
                return true;
    return false;
}

/* ---- every public file ------------------------------------------------------------------ */

static void read_dir(const char *dir, size_t *n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 5, ".json") != 0 || strcmp(e->d_name, "package.json") == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rf_arena a;
        rf_arena_init(&a, 0);
        rf_patient *p = read_file(&a, path);
        assert_non_null(p);
        rf_arena_free(&a);
        (*n)++;
    }
    closedir(d);
}

static void test_fhir__every_bundle_and_example_reads(void **state)
{
    (void)state;
    size_t n = 0;
    read_dir(DATA "/synthea/bundles", &n);
    assert_int_equal(n, 27);
    read_dir(DATA "/fhir-examples", &n);
    assert_int_equal(n, 27 + 63);
}

/* Each NDJSON line is one resource; log.ndjson is an export log, not FHIR, and is refused. */
static void test_fhir__every_bulk_ndjson_line_reads_as_a_resource(void **state)
{
    (void)state;
    DIR *d = opendir(DATA "/synthea/bulk-10-patients");
    assert_non_null(d);
    struct dirent *e;
    size_t lines = 0, refused = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 7 || strcmp(e->d_name + l - 7, ".ndjson") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", DATA "/synthea/bulk-10-patients", e->d_name);
        rf_arena a;
        rf_arena_init(&a, 0);
        size_t len = 0;
        char *buf = slurp(&a, path, &len);
        bool is_log = strcmp(e->d_name, "log.ndjson") == 0;
        for (size_t i = 0; i < len;) {
            char *nl = memchr(buf + i, '\n', len - i);
            size_t n = nl ? (size_t)(nl - (buf + i)) : len - i;
            if (n > 0) {
                rf_arena la;
                rf_arena_init(&la, 0);
                rf_patient *p = NULL;
                refract_error err = {0};
                int rc = read_buf(&p, &la, buf + i, n, &err);
                if (is_log) {
                    assert_int_equal(rc, REFRACT_EINVAL);
                    assert_string_equal(err.message, "not a FHIR resource (expected an object with a resourceType)");
                    refused++;
                } else if (rc != REFRACT_OK) {
                    fail_msg("%s line at byte %zu: %s: %s", e->d_name, i, err.where, err.message);
                }
                lines++;
                rf_arena_free(&la);
            }
            i += n + 1;
        }
        rf_arena_free(&a);
    }
    closedir(d);
    assert_int_equal(refused, 4);
    assert_true(lines > 5000);
}

/* ---- Synthea patients -------------------------------------------------------------------- */

static void test_fhir__milan_beatty_fluoxetine_refill_is_one_ongoing_trial(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = synthea(&a, "Milan_Beatty");
    assert_int_equal(p->sex, RF_SEX_MALE);
    assert_int_equal(p->birth_date, ymd(1973, 11, 24));
    assert_true(has_condition_code(p, "370143000"));
    assert_int_equal(count_agent(p, "fluoxetine"), 1); /* two requests, one trial */
    const rf_trial *t = trial_of(p, "fluoxetine", 0);
    assert_int_equal(t->start, ymd(1993, 1, 9));
    assert_true(t->ongoing);
    assert_int_equal(t->end, RF_DATE_NONE);
    /* "Fluoxetine 25MG", one unit daily: 25 mg, read from the display */
    assert_true(t->dose_value == 25 && strcmp(t->dose_unit, "mg") == 0);
    assert_true(t->inferred_dose);
    assert_true(t->per_day == 1 && strcmp(t->frequency, "daily") == 0);
    const rf_quality *q = quality(p, "Encounter resource not used by refract");
    assert_non_null(q);
    assert_int_equal(q->count, 15);
    assert_string_equal(q->examples[0],
                        "Bundle.entry[3].resource(Encounter/fe13c35e-f20c-4086-8b9e-bb5db3d4839c)");
    assert_non_null(quality(p, "observation whose code the knowledge base does not know not read"));
    rf_arena_free(&a);
}

static void test_fhir__basil_champlin_epilepsy_carbamazepine_chain(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = synthea(&a, "Basil_Champlin");
    assert_true(has_condition_code(p, "84757009"));
    assert_int_equal(count_agent(p, "carbamazepine"), 1); /* two stopped orders 131 days apart */
    const rf_trial *t = trial_of(p, "carbamazepine", 0);
    assert_int_equal(t->start, ymd(2012, 8, 29));
    assert_int_equal(t->end, ymd(2013, 1, 7));
    assert_true(t->inferred_end);
    assert_false(t->ongoing);
    assert_true(isnan(t->dose_value)); /* "Carbamazepine[Tegretol]": no strength, no dosage */
    const rf_trial *dz = trial_of(p, "diazepam", 0);
    assert_non_null(dz);
    assert_true(dz->ongoing);
    assert_int_equal(dz->start, ymd(2012, 8, 1));
    rf_arena_free(&a);
}

static void test_fhir__brain_erdman_clonazepam_orders_a_year_apart_are_two_trials(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = synthea(&a, "Brain_Erdman");
    assert_true(has_condition_code(p, "84757009"));
    assert_int_equal(count_agent(p, "clonazepam"), 2);
    assert_int_equal(trial_of(p, "clonazepam", 0)->start, ymd(1946, 7, 15));
    assert_int_equal(trial_of(p, "clonazepam", 1)->start, ymd(1947, 6, 20));
    assert_true(trial_of(p, "carbamazepine", 0)->ongoing);
    rf_arena_free(&a);
}

static void test_fhir__asa_hermiston_methotrexate_and_naproxen(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = synthea(&a, "Asa_Hermiston");
    assert_true(has_condition_code(p, "69896004"));
    const rf_trial *mtx = trial_of(p, "methotrexate", 0);
    assert_non_null(mtx);
    assert_int_equal(mtx->start, ymd(2019, 2, 19));
    assert_true(mtx->ongoing);
    assert_int_equal(count_agent(p, "naproxen"), 3); /* 220 MG 2014, 220 MG 2017, 500 MG 2019 */
    /* the 2019 naproxen 500 MG order: a different product, same agent, its own trial */
    assert_int_equal(trial_of(p, "naproxen", 2)->start, ymd(2019, 2, 19));
    rf_arena_free(&a);
}

static void test_fhir__andy_schaden_prostate_cancer_leuprolide_docetaxel(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = synthea(&a, "Andy_Schaden");
    assert_true(has_condition_code(p, "126906006"));
    const rf_trial *l = trial_of(p, "leuprorelin", 0), *d = trial_of(p, "docetaxel", 0);
    assert_non_null(l);
    assert_non_null(d);
    assert_int_equal(l->start, ymd(2000, 3, 10));
    assert_int_equal(d->start, ymd(2000, 3, 10));
    assert_true(l->ongoing && d->ongoing);
    assert_true(isnan(l->dose_value)); /* no dosageInstruction: no dose is invented */
    /* the condition resolves to prostate_cancer through kb/fhir_codes.kb */
    rf_assessment *as = NULL;
    refract_error err = {0};
    assert_int_equal(rf_engine_resolve(p, g_kb, &a, &err), REFRACT_OK);
    assert_int_equal(rf_engine_assess(&as, p, g_kb, &a, &err), REFRACT_OK);
    bool found = false;
    for (int i = 0; i < as->nconds; i++)
        found = found || strcmp(as->conds[i].condition->e.id, "prostate_cancer") == 0;
    assert_true(found);
    rf_arena_free(&a);
}

/* ---- our bundles -------------------------------------------------------------------------- */

static void test_fhir__genomics_reporting_ig_results(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_file(&a, FIX "pgx.json");
    assert_int_equal(p->ngenotypes, 2);
    assert_string_equal(p->genotypes[0].gene, "CYP2C19");
    assert_string_equal(p->genotypes[0].diplotype, "*2/*2");
    assert_string_equal(p->genotypes[0].phenotype, "poor_metabolizer");
    assert_string_equal(p->genotypes[1].gene, "HLA-B");
    assert_string_equal(p->genotypes[1].allele, "*15:02");
    assert_int_equal(p->genotypes[1].carrier, RF_TRI_TRUE);
    assert_null(p->genotypes[1].phenotype);
    assert_int_equal(p->nfindings, 1);
    assert_string_equal(p->findings[0].marker, "BRCA2");
    assert_string_equal(p->findings[0].result, "pathogenic");
    rf_arena_free(&a);
}

static void test_fhir__pharmcat_tsv_and_report_json(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_file(&a, FIX "pgx.json");
    refract_error err = {0};
    assert_int_equal(rf_pharmcat_read_file(p, &a, FIX "pharmcat.tsv", &err), REFRACT_OK);
    /* CYP2C19 replaced by the newer call; CYP2D6, CYP2C9 (score only) and HLA-A added */
    assert_int_equal(p->ngenotypes, 5);
    assert_string_equal(p->genotypes[0].phenotype, "rapid_metabolizer");
    assert_string_equal(p->genotypes[2].gene, "CYP2D6");
    assert_string_equal(p->genotypes[2].phenotype, "intermediate_metabolizer");
    assert_true(p->genotypes[2].activity_score == 1.0);
    assert_true(p->genotypes[3].activity_score == 2.0 && p->genotypes[3].phenotype == NULL);
    assert_string_equal(p->genotypes[4].allele, "*31:01");
    assert_int_equal(p->genotypes[4].carrier, RF_TRI_TRUE);
    assert_int_equal(rf_pharmcat_read_file(p, &a, FIX "pharmcat_report.json", &err), REFRACT_OK);
    assert_string_equal(p->genotypes[0].phenotype, "poor_metabolizer");
    assert_string_equal(p->genotypes[2].phenotype, "ultrarapid_metabolizer");
    assert_true(p->genotypes[2].activity_score == 3.0);
    const char bad[] = "CYP2D6\t*1/*4\tSlow\n";
    assert_int_equal(rf_pharmcat_read_tsv(p, &a, bad, sizeof bad - 1, &err), REFRACT_EINVAL);
    assert_string_equal(err.where, "line 1");
    rf_arena_free(&a);
}

static void test_fhir__ect_sessions_form_courses(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_file(&a, FIX "ect_series.json");
    assert_int_equal(p->nprocedures, 2);
    assert_string_equal(p->procedures[0].kind, "ect");
    assert_true(p->procedures[0].sessions == 4);
    assert_int_equal(p->procedures[0].start, ymd(2023, 1, 2));
    assert_int_equal(p->procedures[0].end, ymd(2023, 1, 12));
    assert_true(p->procedures[1].sessions == 1);
    rf_arena_free(&a);
}

static void test_fhir__psa_series_and_units(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_file(&a, FIX "psa_series.json");
    assert_int_equal(p->nobservations, 3);
    assert_string_equal(p->observations[2].kind, "psa");
    assert_true(p->observations[2].value == 9.8);
    const rf_quality *q = quality(p, "observation with a unit refract does not know not read");
    assert_non_null(q);
    assert_string_equal(q->examples[0], "Bundle.entry[4].resource(Observation/psa3).value");
    assert_non_null(quality(p, "observation whose unit does not fit its kind not read"));
    rf_arena_free(&a);
}

static void test_fhir__refill_chain_one_trial_with_pdc_then_dose_change(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_file(&a, FIX "refill_chain.json");
    assert_int_equal(p->ntrials, 2);
    const rf_trial *t = trial_of(p, "sertraline", 0), *u = trial_of(p, "sertraline", 1);
    assert_true(t->dose_value == 50 && t->inferred_dose);
    assert_int_equal(t->start, ymd(2023, 1, 1));
    assert_int_equal(t->end, ymd(2023, 4, 1)); /* where the 100 mg order begins */
    assert_true(t->inferred_end);
    assert_string_equal(t->adherence_source, "pdc");
    /* 3 fills of 30 days from 2023-01-01, 02-15, 03-20 over 91 days: 73 covered */
    assert_true(fabs(t->adherence - 73.0 / 91.0) < 1e-9);
    assert_true(u->dose_value == 100 && u->ongoing);
    rf_arena_free(&a);
}

static void test_fhir__refuted_and_entered_in_error_are_ignored_and_reported(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = read_file(&a, FIX "conditions.json");
    assert_int_equal(p->nconditions, 1);
    const rf_quality *q = quality(p, "condition refuted (ignored)");
    assert_non_null(q);
    assert_string_equal(q->examples[0], "Bundle.entry[2].resource(Condition/c2).verificationStatus");
    assert_non_null(quality(p, "condition entered-in-error (ignored)"));
    q = quality(p, "medicationReference to a resource not in the record: not read");
    assert_non_null(q);
    assert_string_equal(q->examples[0],
                        "Bundle.entry[4].resource(MedicationStatement/ms1).medicationReference");
    const rf_trial *t = trial_of(p, "fluoxetine", 0);
    assert_string_equal(t->stop_reason, "intolerance");
    assert_string_equal(t->for_condition, "depression");
    assert_int_equal(t->end, ymd(2022, 4, 15));
    /* the assessment carries the reader's data quality */
    rf_assessment *as = NULL;
    refract_error err = {0};
    assert_int_equal(rf_engine_resolve(p, g_kb, &a, &err), REFRACT_OK);
    assert_int_equal(rf_engine_assess(&as, p, g_kb, &a, &err), REFRACT_OK);
    bool seen = false;
    for (int i = 0; i < as->data_quality.n; i++)
        seen = seen || strstr(as->data_quality.items[i], "condition refuted (ignored)") != NULL;
    assert_true(seen);
    rf_arena_free(&a);
}

/* ---- hostile input ------------------------------------------------------------------------- */

static void test_fhir__latest_pregnancy_status_observation_sets_pregnancy(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, RF_LIMIT_ARENA_BYTES);
    /* not pregnant (2024-01), then pregnant (2024-06); an older "not pregnant" listed last
     * must not override the newer answer */
    rf_patient *p = read_file(&a, FIX "pregnancy.json");
    assert_int_equal(p->pregnant, RF_TRI_TRUE);
    assert_int_equal(p->nobservations, 0); /* a status, not an observation the engine rates */
    /* the same bundle's microsatellite-instability result is the tumour finding MSI-H */
    assert_int_equal(p->nfindings, 1);
    assert_string_equal(p->findings[0].marker, "MSI-H");
    assert_string_equal(p->findings[0].result, "positive");
    rf_arena_free(&a);
}

static int read_text(rf_arena *a, const char *text, rf_patient **p, refract_error *err)
{
    return read_buf(p, a, text, strlen(text), err);
}

static void test_fhir__wrong_resource_type_and_bundle_structure(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(read_text(&a, "{\"refract_case\": 1}", &p, &err), REFRACT_EINVAL);
    assert_string_equal(err.where, "$");
    err = (refract_error){0};
    assert_int_equal(read_text(&a, "{\"resourceType\": \"Bundle\", \"type\": \"bogus\"}", &p, &err),
                     REFRACT_EINVAL);
    assert_string_equal(err.where, "Bundle.type");
    assert_string_equal(err.message, "unknown Bundle type 'bogus'");
    err = (refract_error){0};
    assert_int_equal(read_text(&a, "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": 5}",
                               &p, &err), REFRACT_EINVAL);
    assert_string_equal(err.where, "Bundle.entry");
    /* an unknown resource type inside is counted, not an error */
    err = (refract_error){0};
    assert_int_equal(read_text(&a, "{\"resourceType\": \"Bundle\", \"type\": \"collection\", \"entry\": "
                                   "[{\"resource\": {\"resourceType\": \"Spaceship\", \"id\": \"x\"}}, {}]}",
                               &p, &err), REFRACT_OK);
    assert_non_null(quality(p, "Spaceship resource not used by refract"));
    assert_non_null(quality(p, "bundle entry without a resource (a request or a DELETE) not read"));
    rf_arena_free(&a);
}

static void test_fhir__invalid_dates_and_units_become_data_quality(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = NULL;
    refract_error err = {0};
    const char *doc =
        "{\"resourceType\": \"MedicationRequest\", \"id\": \"abc\", \"status\": \"active\","
        " \"authoredOn\": \"2023-02-30\","
        " \"medicationCodeableConcept\": {\"coding\": [{\"system\": "
        "\"http://www.nlm.nih.gov/research/umls/rxnorm\", \"code\": \"328670\"}]},"
        " \"dosageInstruction\": [{\"doseAndRate\": [{\"doseQuantity\": {\"value\": 5, \"unit\": \"blorp\"}}]}]}";
    assert_int_equal(read_text(&a, doc, &p, &err), REFRACT_OK);
    const rf_quality *q = quality(p, "invalid date left out");
    assert_non_null(q);
    assert_string_equal(q->examples[0], "$(MedicationRequest/abc).authoredOn");
    q = quality(p, "unknown dose unit left out");
    assert_non_null(q);
    assert_string_equal(q->examples[0],
                        "$(MedicationRequest/abc).dosageInstruction[0].doseAndRate[0].doseQuantity");
    assert_int_equal(p->ntrials, 1);
    assert_true(isnan(p->trials[0].dose_value));
    rf_arena_free(&a);
}

static void test_fhir__ten_thousand_deep_nesting_is_refused_by_the_json_limits(void **state)
{
    (void)state;
    size_t depth = 10000, n = 0;
    char *buf = malloc(depth * 2 + 64);
    assert_non_null(buf);
    n += (size_t)snprintf(buf, 64, "{\"resourceType\": \"Patient\", \"x\": ");
    for (size_t i = 0; i < depth; i++)
        buf[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        buf[n++] = ']';
    buf[n++] = '}';
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(read_buf(&p, &a, buf, n, &err), REFRACT_ELIMIT);
    assert_non_null(strstr(err.message, "deep"));
    rf_arena_free(&a);
    free(buf);
}

/* A 100 MB searchset built in memory (not committed): reads, and every order merges into one
 * trial per agent. */
static void test_fhir__hundred_megabyte_bundle(void **state)
{
    (void)state;
    rf_strbuf b;
    rf_strbuf_init(&b, 0);
    rf_strbuf_puts(&b, "{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"entry\":[");
    size_t i = 0;
    while (b.len < (size_t)100 * 1000 * 1000) {
        int day = (int)(i % 28) + 1, month = (int)(i / 28 % 12) + 1;
        rf_strbuf_printf(&b, "%s{\"fullUrl\":\"urn:uuid:m%zu\",\"resource\":{\"resourceType\":"
                         "\"MedicationRequest\",\"id\":\"m%zu\",\"status\":\"completed\","
                         "\"authoredOn\":\"2020-%02d-%02d\",\"medicationCodeableConcept\":{\"coding\":"
                         "[{\"system\":\"http://www.nlm.nih.gov/research/umls/rxnorm\",\"code\":\"328670\","
                         "\"display\":\"Sertraline 100MG\"}]},\"note\":[{\"text\":\"%0400zu\"}]}}",
                         i ? "," : "", i, i, month, day, i);
        i++;
    }
    rf_strbuf_puts(&b, "]}");
    assert_false(b.failed);
    rf_arena a;
    rf_arena_init(&a, 0);
    rf_patient *p = NULL;
    refract_error err = {0};
    assert_int_equal(read_buf(&p, &a, b.data, b.len, &err), REFRACT_OK);
    assert_int_equal(p->ntrials, 1);
    assert_int_equal(p->trials[0].start, ymd(2020, 1, 1));
    rf_arena_free(&a);
    rf_strbuf_free(&b);
}

/* ---- round trip -------------------------------------------------------------------------- */

static void roundtrip(const char *path, const char *pgx)
{
    rf_arena a;
    rf_arena_init(&a, 0);
    size_t len = 0;
    char *buf = slurp(&a, path, &len);
    rf_patient *p = NULL, *q = NULL;
    refract_error err = {0};
    if (rf_pipeline_read_record(&p, g_kb, &a, buf, len, AS_OF, pgx, &err) != REFRACT_OK)
        fail_msg("%s: %s: %s", path, err.where, err.message);
    rf_strbuf s1, s2;
    rf_strbuf_init(&s1, 0);
    rf_strbuf_init(&s2, 0);
    assert_int_equal(rf_case_write(p, &s1, true, &err), REFRACT_OK);
    if (rf_case_parse(&q, &a, s1.data, s1.len, RF_DATE_NONE, &err) != REFRACT_OK)
        fail_msg("%s: the written case is refused: %s: %s", path, err.where, err.message);
    assert_int_equal(rf_case_write(q, &s2, true, &err), REFRACT_OK);
    assert_int_equal(s1.len, s2.len);
    assert_memory_equal(s1.data, s2.data, s1.len);
    assert_int_equal(q->ntrials, p->ntrials);
    assert_int_equal(q->nconditions, p->nconditions);
    assert_int_equal(q->as_of, AS_OF);
    rf_strbuf_free(&s1);
    rf_strbuf_free(&s2);
    rf_arena_free(&a);
}

static void test_fhir__case_write_round_trips(void **state)
{
    (void)state;
    static const char *const own[] = {"pgx.json", "ect_series.json", "psa_series.json",
                                      "refill_chain.json", "conditions.json"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s%s", FIX, own[i]);
        roundtrip(path, i == 0 ? FIX "pharmcat.tsv" : NULL);
    }
    DIR *d = opendir(DATA "/synthea/bundles");
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[512];
        if (strstr(e->d_name, ".json") == NULL)
            continue;
        snprintf(path, sizeof path, "%s/%s", DATA "/synthea/bundles", e->d_name);
        roundtrip(path, NULL);
    }
    closedir(d);
    roundtrip(RF_TEST_DIR "/io/data/full_case.json", NULL);
}

/* The fuzz corpus replays in the ordinary run: no crash, and what reads writes back. */
static void test_fhir__fuzz_corpus_replays(void **state)
{
    (void)state;
    DIR *d = opendir(RF_SOURCE_DIR "/fuzz/corpus/fuzz_fhir");
    assert_non_null(d);
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", RF_SOURCE_DIR "/fuzz/corpus/fuzz_fhir", e->d_name);
        rf_arena a;
        rf_arena_init(&a, 0);
        size_t len = 0;
        char *buf = slurp(&a, path, &len);
        rf_patient *p = NULL, *q = NULL;
        refract_error err = {0};
        if (read_buf(&p, &a, buf, len, &err) == REFRACT_OK) {
            rf_strbuf s;
            rf_strbuf_init(&s, 0);
            assert_int_equal(rf_case_write(p, &s, false, &err), REFRACT_OK);
            if (rf_case_parse(&q, &a, s.data, s.len, RF_DATE_NONE, &err) != REFRACT_OK)
                fail_msg("%s: written case refused: %s: %s", e->d_name, err.where, err.message);
            rf_strbuf_free(&s);
        } else {
            assert_true(err.message[0] != '\0');
        }
        rf_arena_free(&a);
        n++;
    }
    closedir(d);
    assert_true(n >= 8);
}

int main(void)
{
    DIR *d = opendir(DATA "/synthea/bundles");
    if (d == NULL) {
        printf("skipped: %s not found (the public FHIR data of shared/data)\n", DATA);
        return 77;
    }
    closedir(d);
    const char *dirs[1] = {RF_SOURCE_DIR "/kb"};
    refract_error err = {0};
    if (rf_kb_load(&g_kb, dirs, 1, &err) != REFRACT_OK) {
        printf("the knowledge base did not load: %s: %s\n", err.where, err.message);
        return 1;
    }
    assert_true(AS_OF == ymd(2025, 1, 1));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fhir__every_bundle_and_example_reads),
        cmocka_unit_test(test_fhir__every_bulk_ndjson_line_reads_as_a_resource),
        cmocka_unit_test(test_fhir__milan_beatty_fluoxetine_refill_is_one_ongoing_trial),
        cmocka_unit_test(test_fhir__basil_champlin_epilepsy_carbamazepine_chain),
        cmocka_unit_test(test_fhir__brain_erdman_clonazepam_orders_a_year_apart_are_two_trials),
        cmocka_unit_test(test_fhir__asa_hermiston_methotrexate_and_naproxen),
        cmocka_unit_test(test_fhir__andy_schaden_prostate_cancer_leuprolide_docetaxel),
        cmocka_unit_test(test_fhir__genomics_reporting_ig_results),
        cmocka_unit_test(test_fhir__pharmcat_tsv_and_report_json),
        cmocka_unit_test(test_fhir__ect_sessions_form_courses),
        cmocka_unit_test(test_fhir__psa_series_and_units),
        cmocka_unit_test(test_fhir__refill_chain_one_trial_with_pdc_then_dose_change),
        cmocka_unit_test(test_fhir__refuted_and_entered_in_error_are_ignored_and_reported),
        cmocka_unit_test(test_fhir__latest_pregnancy_status_observation_sets_pregnancy),
        cmocka_unit_test(test_fhir__wrong_resource_type_and_bundle_structure),
        cmocka_unit_test(test_fhir__invalid_dates_and_units_become_data_quality),
        cmocka_unit_test(test_fhir__ten_thousand_deep_nesting_is_refused_by_the_json_limits),
        cmocka_unit_test(test_fhir__hundred_megabyte_bundle),
        cmocka_unit_test(test_fhir__case_write_round_trips),
        cmocka_unit_test(test_fhir__fuzz_corpus_replays),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rf_kb_free(g_kb);
    return rc;
}
