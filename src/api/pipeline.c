/* pipeline.c - read, resolve, assess: shared by the CLI, the tests and the benchmarks so
 * that no entry point has clinical logic of its own. */
#include "pipeline.h"

#include "../io/fhir.h"
#include "../io/io.h"

int rf_pipeline_assess_case(rf_assessment **out, const rf_kb *kb, rf_arena *a, const char *buf,
                            size_t len, rf_date as_of, refract_error *err)
{
    rf_patient *p = NULL;
    int rc = rf_case_parse(&p, a, buf, len, as_of, err);
    if (rc == REFRACT_OK)
        rc = rf_engine_resolve(p, kb, a, err);
    if (rc == REFRACT_OK)
        rc = rf_engine_assess(out, p, kb, a, err);
    return rc;
}

int rf_pipeline_read_record(rf_patient **out, const rf_kb *kb, rf_arena *a, const char *buf,
                            size_t len, rf_date as_of, const char *pgx_path, refract_error *err)
{
    const rf_json *doc = NULL;
    int rc = rf_json_parse(&doc, a, buf, len, NULL, err);
    if (rc != REFRACT_OK)
        return rc;
    if (rf_fhir_detect(doc))
        rc = rf_fhir_read(out, a, doc, kb, as_of, err);
    else
        rc = rf_case_read(out, a, doc, as_of, err);
    if (rc == REFRACT_OK && pgx_path != NULL)
        rc = rf_pharmcat_read_file(*out, a, pgx_path, err);
    return rc;
}

int rf_pipeline_assess_record(rf_assessment **out, const rf_kb *kb, rf_arena *a, const char *buf,
                              size_t len, rf_date as_of, const char *pgx_path, refract_error *err)
{
    rf_patient *p = NULL;
    int rc = rf_pipeline_read_record(&p, kb, a, buf, len, as_of, pgx_path, err);
    if (rc == REFRACT_OK)
        rc = rf_engine_resolve(p, kb, a, err);
    if (rc == REFRACT_OK)
        rc = rf_engine_assess(out, p, kb, a, err);
    return rc;
}
