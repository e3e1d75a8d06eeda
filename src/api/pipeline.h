/* pipeline.h - the one path every entry point takes: read a record, resolve it against the
 * knowledge, assess it. (Rendering is the caller's choice.) */
#ifndef RF_PIPELINE_H
#define RF_PIPELINE_H

#include "../engine/engine.h"

/* Assess the refract case JSON in buf. Everything lives in a. On failure err names where. */
int rf_pipeline_assess_case(rf_assessment **out, const rf_kb *kb, rf_arena *a, const char *buf,
                            size_t len, rf_date as_of, refract_error *err);

#endif
