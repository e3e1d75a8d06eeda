/* fuzz_case.c - libFuzzer target: arbitrary bytes as a refract case. The reader must return
 * REFRACT_OK with a patient or an error with a message; it must never crash, assert, leak
 * or read out of bounds. Corpus: fuzz/corpus/fuzz_case/. */
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_arena a;
    rf_arena_init(&a, (size_t)256 * 1024 * 1024);
    rf_patient *p = NULL;
    refract_error err = {0};
    /* a fixed as_of keeps runs reproducible from one day to the next */
    int rc = rf_case_parse(&p, &a, (const char *)data, size, rf_date_from_ymd(2024, 9, 1), &err);
    if (rc == REFRACT_OK && p == NULL)
        __builtin_trap();
    if (rc != REFRACT_OK && (err.code != rc || err.message[0] == '\0'))
        __builtin_trap();
    rf_arena_free(&a);
    return 0;
}
