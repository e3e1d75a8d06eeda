/* bench_assess.c - how fast the engine assesses one typical record on one core: the whole
 * in-process pipeline (parse the case JSON, resolve, assess, render JSON) and the engine
 * alone (assess an already-resolved record). Prints its figures; no pass/fail. The whole
 * process, knowledge load included, is timed by scripts/bench with hyperfine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/pipeline.h"
#include "io/io.h"
#include "render/render.h"
#include "util/limits.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *case_path = argc > 1 ? argv[1] : RF_SOURCE_DIR "/examples/depression-trd.json";
    const char *dirs[1] = {argc > 2 ? argv[2] : RF_SOURCE_DIR "/kb"};
    double bench_seconds = argc > 3 ? strtod(argv[3], NULL) : 2.0;
    refract_error err = {0};
    double t0 = now();
    rf_kb *kb = NULL;
    if (rf_kb_load(&kb, dirs, 1, &err) != REFRACT_OK) {
        fprintf(stderr, "knowledge did not load: %s\n", err.message);
        return 1;
    }
    double t_load = now() - t0;
    rf_arena a;
    rf_arena_init(&a, RF_LIMIT_ARENA_BYTES);
    char *buf;
    size_t len;
    rf_arena file_arena;
    rf_arena_init(&file_arena, 0);
    if (rf_file_read(&buf, &len, &file_arena, case_path, RF_LIMIT_INPUT_BYTES, &err) != REFRACT_OK) {
        fprintf(stderr, "%s: %s\n", case_path, err.message);
        return 1;
    }
    /* whole pipeline */
    int n = 0;
    size_t out_bytes = 0;
    double start = now(), elapsed;
    rf_strbuf out;
    rf_strbuf_init(&out, 0);
    do {
        for (int i = 0; i < 200; i++, n++) {
            rf_assessment *as = NULL;
            if (rf_pipeline_assess_case(&as, kb, &a, buf, len, RF_DATE_NONE, &err) != REFRACT_OK) {
                fprintf(stderr, "%s: %s: %s\n", case_path, err.where, err.message);
                return 1;
            }
            rf_strbuf_reset(&out);
            rf_render_json(as, &out, true);
            out_bytes = out.len;
            rf_arena_reset(&a);
        }
        elapsed = now() - start;
    } while (elapsed < bench_seconds);
    double pipeline_rate = n / elapsed;
    /* engine alone */
    rf_arena pa;
    rf_arena_init(&pa, 0);
    rf_patient *p = NULL;
    if (rf_case_parse(&p, &pa, buf, len, RF_DATE_NONE, &err) != REFRACT_OK ||
        rf_engine_resolve(p, kb, &pa, &err) != REFRACT_OK) {
        fprintf(stderr, "%s: %s\n", err.where, err.message);
        return 1;
    }
    /* rounds of bench_seconds / ROUNDS each: the median is the figure, the spread shows how
     * steady the machine was (a shared 2-core VM drifts by several percent) */
#define ROUNDS 7
    double rates[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        int m = 0;
        start = now();
        do {
            for (int i = 0; i < 200; i++, m++) {
                rf_assessment *as = NULL;
                if (rf_engine_assess(&as, p, kb, &a, &err) != REFRACT_OK)
                    return 1;
                rf_arena_reset(&a);
            }
            elapsed = now() - start;
        } while (elapsed < bench_seconds / ROUNDS);
        rates[r] = m / elapsed;
    }
    qsort(rates, ROUNDS, sizeof rates[0], cmp_double);
    double engine_rate = rates[ROUNDS / 2];
    printf("refract bench_assess: %s\n", case_path);
    printf("  knowledge: %s (%d conditions, %d definitions, %d strategies), loaded in %.2f ms\n",
           kb->version, kb->n_condition, kb->n_definition, kb->n_strategy, t_load * 1e3);
    printf("  %-44s %10.0f /s  (%.1f us each, %zu bytes of JSON)\n",
           "pipeline: parse + resolve + assess + render", pipeline_rate, 1e6 / pipeline_rate, out_bytes);
    printf("  %-44s %10.0f /s  (%.1f us each)  target > 50000 /s\n", "engine alone: assess (median)",
           engine_rate, 1e6 / engine_rate);
    printf("  %-44s %10.0f .. %.0f /s over %d rounds\n", "engine alone: slowest .. fastest round", rates[0],
           rates[ROUNDS - 1], ROUNDS);
    rf_strbuf_free(&out);
    rf_arena_free(&a);
    rf_arena_free(&pa);
    rf_arena_free(&file_arena);
    rf_kb_free(kb);
    return 0;
}
