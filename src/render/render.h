/* render.h - pure functions of an assessment: JSON (docs/output-format.md) and text. */
#ifndef RF_RENDER_H
#define RF_RENDER_H

#include "../engine/engine.h"
#include "../util/util.h"

#define RF_DISCLAIMER                                                                        \
    "Decision support for a qualified clinician, not a prescription: every result rests on "  \
    "the record as given and on the knowledge version named here; verify before acting."

/* The version of the output format (docs/output-format.md). */
#define RF_OUTPUT_FORMAT 1

void rf_render_json(const rf_assessment *as, rf_strbuf *out, bool pretty);
void rf_render_text(const rf_assessment *as, rf_strbuf *out);

#endif
