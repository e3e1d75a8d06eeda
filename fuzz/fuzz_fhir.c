/* fuzz_fhir.c - libFuzzer target: arbitrary bytes as a FHIR R4 record. The reader must
 * return REFRACT_OK with a patient (whose case JSON rf_case_read accepts back) or an error
 * with a message; it must never crash, assert, leak or read out of bounds.
 * Corpus: fuzz/corpus/fuzz_fhir/. The knowledge base is the source tree's kb/, loaded once. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "io/fhir.h"
#include "io/io.h"
#include "kb/kb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static rf_kb *kb_once(void)
{
    static rf_kb *kb;
    if (kb == NULL) {
        const char *dirs[1] = {rf_kb_default_dir()};
        refract_error err = {0};
        if (rf_kb_load(&kb, dirs, 1, &err) != REFRACT_OK)
            abort();
    }
    return kb;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_arena a;
    rf_arena_init(&a, (size_t)256 * 1024 * 1024);
    const rf_json *doc = NULL;
    rf_patient *p = NULL, *q = NULL;
    refract_error err = {0};
    rf_date as_of = rf_date_from_ymd(2024, 9, 1);
    int rc = rf_json_parse(&doc, &a, (const char *)data, size, NULL, &err);
    if (rc == REFRACT_OK)
        rc = rf_fhir_read(&p, &a, doc, kb_once(), as_of, &err);
    if (rc == REFRACT_OK && p == NULL)
        __builtin_trap();
    if (rc != REFRACT_OK && (err.code != rc || err.message[0] == '\0'))
        __builtin_trap();
    if (rc == REFRACT_OK) { /* what the reader builds, the case reader must accept */
        rf_strbuf s;
        rf_strbuf_init(&s, 0);
        if (rf_case_write(p, &s, false, &err) == REFRACT_OK &&
            rf_case_parse(&q, &a, s.data, s.len, RF_DATE_NONE, &err) != REFRACT_OK)
            __builtin_trap();
        rf_strbuf_free(&s);
    }
    rf_arena_free(&a);
    return 0;
}
