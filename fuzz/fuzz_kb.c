/* fuzz_kb.c - arbitrary bytes as a knowledge file: parse, check, and (when it loads)
 * assess a small fixed record against it. Must never crash, leak or hang. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/pipeline.h"
#include "kb/kb.h"
#include "render/render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char record[] =
    "{\"refract_case\": 1, \"as_of\": \"2024-09-01\", \"patient\": {\"birth_date\": \"1980-01-01\","
    " \"sex\": \"female\"}, \"conditions\": [{\"concept\": \"depression\", \"episode_start\":"
    " \"2023-01-01\"}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    rf_kb *kb = NULL;
    refract_error err = {0};
    int rc = rf_kb_load_text(&kb, "fuzz.kb", (const char *)data, size, &err);
    if (rc == REFRACT_OK) {
        rf_arena a;
        rf_arena_init(&a, 64u << 20);
        rf_assessment *as = NULL;
        refract_error e2 = {0};
        if (rf_pipeline_assess_case(&as, kb, &a, record, sizeof record - 1, RF_DATE_NONE, &e2) ==
            REFRACT_OK) {
            rf_strbuf out;
            rf_strbuf_init(&out, 0);
            rf_render_json(as, &out, false);
            rf_render_text(as, &out);
            rf_strbuf_free(&out);
        }
        rf_arena_free(&a);
    }
    rf_kb_free(kb);
    return 0;
}
