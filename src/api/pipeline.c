/* pipeline.c - read, resolve, assess: shared by the CLI, the tests and the benchmarks so
 * that no entry point has clinical logic of its own. */
#include "pipeline.h"

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
