/* limits.h - every ceiling on what grows from outside input, with its reason, in one place
 * (as SQLite's sqliteLimit.h). Hostile input meets one of these before it meets a crash. */
#ifndef RF_LIMITS_H
#define RF_LIMITS_H

/* A case file or FHIR bundle: 256 MiB is several lifetimes of medication history. */
#define RF_LIMIT_INPUT_BYTES ((size_t)256 * 1024 * 1024)
/* JSON nesting: FHIR resources nest about 10 deep; 512 leaves room and keeps stacks small. */
#define RF_LIMIT_JSON_DEPTH 512
/* One JSON string (a narrative div can be large; a drug name is not). */
#define RF_LIMIT_JSON_STRING ((size_t)64 * 1024 * 1024)
/* Arena cap for one assessment: input, model, assessment and rendering together. */
#define RF_LIMIT_ARENA_BYTES ((size_t)2048 * 1024 * 1024)
/* A knowledge file: ours are tens of KiB; a site's override should be too. */
#define RF_LIMIT_KB_FILE_BYTES ((size_t)16 * 1024 * 1024)
/* Criteria expressions nest at most this deep: a deeper one is refused at parse time, so
 * the recursive parser, checker and evaluator cannot overflow the C stack. */
#define RF_LIMIT_EXPR_DEPTH 64
/* Lets that use lets, and results that use results (flag(x) inside a definition ...), nest at
 * most this deep: a hostile knowledge file cannot turn a long chain into a stack overflow. */
#define RF_LIMIT_REF_DEPTH 128
/* Diagnostics kept by `kb check`: beyond this, a summary line says how many more. */
#define RF_LIMIT_KB_DIAGNOSTICS 200
/* Items of one case list (trials, observations, ...). */
#define RF_LIMIT_CASE_ITEMS 100000

#endif
