/* pipeline.h - the one path every entry point takes: read a record, resolve it against the
 * knowledge, assess it. (Rendering is the caller's choice.) */
#ifndef RF_PIPELINE_H
#define RF_PIPELINE_H

#include "../engine/engine.h"

/* Assess the refract case JSON in buf. Everything lives in a. On failure err names where. */
int rf_pipeline_assess_case(rf_assessment **out, const rf_kb *kb, rf_arena *a, const char *buf,
                            size_t len, rf_date as_of, refract_error *err);

/* Read the patient record in buf, whichever format it is: FHIR R4 (a Bundle or one
 * resource: a top-level "resourceType") or the refract case format. pgx_path (may be NULL)
 * names a PharmCAT outside-call TSV or report JSON whose calls are added to the patient.
 * Every entry point reads records through this function, so they all accept the same
 * inputs. Everything lives in a. */
int rf_pipeline_read_record(rf_patient **out, const rf_kb *kb, rf_arena *a, const char *buf,
                            size_t len, rf_date as_of, const char *pgx_path, refract_error *err);

/* rf_pipeline_read_record, then resolve and assess. */
int rf_pipeline_assess_record(rf_assessment **out, const rf_kb *kb, rf_arena *a, const char *buf,
                              size_t len, rf_date as_of, const char *pgx_path, refract_error *err);

#endif
