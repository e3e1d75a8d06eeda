/* io.h - readers that turn outside records into the patient model (src/model/model.h).
 * The refract case format is documented in docs/case-format.md and
 * schema/case.schema.json. */
#ifndef RF_IO_H
#define RF_IO_H

#include <stddef.h>

#include "../json/json.h"
#include "../model/model.h"
#include "../util/util.h"

/*
 * Read a parsed refract case into a patient.
 *
 * Everything the patient points to (strings included) is allocated in a; the patient
 * lives as long as a. doc is only read; it may live in another arena.
 * The assessment date is as_of_override when it is not RF_DATE_NONE, else the case's
 * "as_of", else rf_date_today(); it is stored in (*out)->as_of, and every date in the case
 * must fall on or before it.
 * Absent facts stay absent (NaN, RF_DATE_NONE, NULL, RF_TRI_UNKNOWN); nothing is guessed.
 * rf_trial.per_day is filled from "frequency" only when the dose is per administration
 * (its unit is not already a rate such as mg/d) and the frequency is periodic ("once"
 * leaves it NaN).
 *
 * @param[out] out  the patient, set only on success
 * @param[out] err  on bad input: REFRACT_EINVAL, err->where the JSON path of the offending
 *                  value ("$.trials[2].dose.value") and a one-line message; REFRACT_ENOMEM
 *                  when the arena refuses an allocation
 * @return REFRACT_OK or a negative refract_status
 */
int rf_case_read(
    rf_patient **out, rf_arena *a, const rf_json *doc, rf_date as_of_override, refract_error *err);

/* Parse buf (len bytes of JSON, need not be NUL-terminated) into a, then rf_case_read it.
 * A JSON syntax error keeps the JSON parser's where ("line L, column C (byte B)"). */
int rf_case_parse(rf_patient **out,
                  rf_arena *a,
                  const char *buf,
                  size_t len,
                  rf_date as_of_override,
                  refract_error *err);

/* Read the file at path ("-" for stdin, at most RF_LIMIT_INPUT_BYTES), then parse it. */
int rf_case_read_file(
    rf_patient **out, rf_arena *a, const char *path, rf_date as_of_override, refract_error *err);

/*
 * Write p as refract case JSON (docs/case-format.md) into out: what rf_case_read reads back
 * as the same record. Absent values are left out; reader-only values (where, inferred
 * marks) are not part of the format. pretty: indented, with a final newline.
 * @return REFRACT_OK, or REFRACT_ELIMIT when out reached its ceiling
 */
int rf_case_write(const rf_patient *p, rf_strbuf *out, bool pretty, refract_error *err);

#endif
