/* fhir.h - FHIR R4 records (a Bundle of any type, or one resource) and PharmCAT results into
 * the patient model. The mapping, element by element, with its traps: docs/fhir.md. */
#ifndef RF_FHIR_H
#define RF_FHIR_H

#include "../json/json.h"
#include "../kb/kb.h"
#include "../model/model.h"
#include "../util/util.h"

/* An order renewed within this many days of the previous order's end (its recorded end, else
 * its supply, else its own date) continues the same trial: a refill chain is one trial. A
 * mapping convention, not a clinical threshold (docs/fhir.md, "Trials"). */
#define RF_FHIR_REFILL_GAP_DAYS 183
/* Nested Bundles (batch-response entries holding searchset Bundles) are read this deep. */
#define RF_FHIR_MAX_BUNDLE_DEPTH 8

/*
 * Map a parsed FHIR R4 resource (a Bundle: searchset, collection, transaction, batch,
 * batch-response, ...; or a single resource such as one Bulk NDJSON line) into a patient.
 *
 * kb decides what the codes mean (agents for RxNorm/ATC, observation kinds for LOINC,
 * procedure kinds for SNOMED CT/CPT): the reader resolves medications to agents so that
 * orders of one agent merge into one trial, and keeps every code it read. Everything lives
 * in a. as_of (RF_DATE_NONE: today) is the assessment date: resources dated after it are not
 * read. What could not be mapped, was ignored on purpose (refuted, entered-in-error) or was
 * inferred is counted in (*out)->quality with the first places it happened.
 *
 * @param[out] out  the patient, set only on success
 * @param[out] err  REFRACT_EINVAL when the document is not a FHIR resource or a Bundle's
 *                  structure is broken (err->where "Bundle.entry[3]"); REFRACT_ENOMEM /
 *                  REFRACT_ELIMIT when the arena refuses
 * @return REFRACT_OK or a negative refract_status
 */
int rf_fhir_read(rf_patient **out,
                 rf_arena *a,
                 const rf_json *doc,
                 const rf_kb *kb,
                 rf_date as_of,
                 refract_error *err);

/* true when doc looks like FHIR (a top-level "resourceType" string). */
bool rf_fhir_detect(const rf_json *doc);

/* Add PharmCAT results to p: the outside-call TSV (gene, diplotype, phenotype, activity score;
 * '#' comments) or the report JSON ("genes" by gene, or by source then gene). Genes already
 * on p are replaced by the newer call. Bad lines are refused with "line N" in err->where. */
int rf_pharmcat_read_tsv(rf_patient *p, rf_arena *a, const char *buf, size_t len,
                         refract_error *err);
int rf_pharmcat_read_json(rf_patient *p, rf_arena *a, const rf_json *doc, refract_error *err);
/* Read a PharmCAT file, TSV or JSON by its first non-blank byte. */
int rf_pharmcat_read_file(rf_patient *p, rf_arena *a, const char *path, refract_error *err);

/* "Poor Metabolizer", "poor metabolizer", "PM" ... -> "poor_metabolizer"; NULL if none. */
const char *rf_phenotype_normalize(const char *s, size_t n);

#endif
