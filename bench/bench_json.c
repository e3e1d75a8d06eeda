/* bench_json.c - DOM parse throughput on Synthea FHIR bundles: refract's parser, its cursor
 * skipping whole documents, and (when built with them) jansson and cJSON, in one table.
 * Usage: bench_json [BUNDLE_DIR]   (default RF_SHARED_DIR/data/synthea/bundles) */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"
#include "json/json.h"

#ifdef HAVE_JANSSON
#include <jansson.h>
#endif
#ifdef HAVE_CJSON
#include <cjson/cJSON.h>
#endif

typedef struct doc {
    char *text;
    size_t len;
} doc;

static doc pretty_docs[256], mini_docs[256];
static doc *docs = pretty_docs; /* the set the passes run over */
static size_t ndocs, total_bytes;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int load(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && ndocs < 256) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (f == NULL)
            continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        fseek(f, 0, SEEK_SET);
        char *t = malloc((size_t)sz + 1);
        if (t != NULL && fread(t, 1, (size_t)sz, f) == (size_t)sz) {
            t[sz] = '\0';
            pretty_docs[ndocs].text = t;
            pretty_docs[ndocs++].len = (size_t)sz;
            total_bytes += (size_t)sz;
        } else {
            free(t);
        }
        fclose(f);
    }
    closedir(d);
    return 0;
}

/* One pass over every document; returns a checksum so nothing is optimised away. */
typedef size_t (*pass_fn)(void);

static rf_arena arena;

static size_t pass_refract(void)
{
    size_t sum = 0;
    for (size_t i = 0; i < ndocs; i++) {
        const rf_json *root;
        refract_error err = {0};
        if (rf_json_parse(&root, &arena, docs[i].text, docs[i].len, NULL, &err) != 0) {
            fprintf(stderr, "refract: %s: %s\n", err.where, err.message);
            exit(1);
        }
        sum += rf_json_count(root);
        rf_arena_free(&arena);
    }
    return sum;
}

static size_t pass_cursor(void)
{
    size_t sum = 0;
    for (size_t i = 0; i < ndocs; i++) {
        refract_error err = {0};
        rf_json_cursor *c = rf_json_cursor_new(&arena, docs[i].text, docs[i].len, NULL);
        if (c == NULL || rf_json_cursor_skip(c, &err) != 0 || rf_json_cursor_end(c, &err) != 0) {
            fprintf(stderr, "cursor: %s: %s\n", err.where, err.message);
            exit(1);
        }
        sum += rf_json_cursor_offset(c);
        rf_arena_free(&arena);
    }
    return sum;
}

#ifdef HAVE_JANSSON
static size_t pass_jansson(void)
{
    size_t sum = 0;
    for (size_t i = 0; i < ndocs; i++) {
        json_error_t e;
        json_t *j = json_loadb(docs[i].text, docs[i].len, 0, &e);
        if (j == NULL) {
            fprintf(stderr, "jansson: %s\n", e.text);
            exit(1);
        }
        sum += json_object_size(j);
        json_decref(j);
    }
    return sum;
}
#endif

#ifdef HAVE_CJSON
static size_t pass_cjson(void)
{
    size_t sum = 0;
    for (size_t i = 0; i < ndocs; i++) {
        cJSON *j = cJSON_ParseWithLength(docs[i].text, docs[i].len);
        if (j == NULL) {
            fprintf(stderr, "cJSON: parse failed\n");
            exit(1);
        }
        sum += (size_t)cJSON_GetArraySize(j);
        cJSON_Delete(j);
    }
    return sum;
}
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Repeat passes for about budget_s seconds; print best and median MB/s. */
static void run(const char *name, pass_fn fn, double budget_s)
{
    double times[1000];
    int n = 0;
    volatile size_t sink = fn(); /* warm-up */
    double start = now_s();
    while (n < 1000 && (n < 5 || now_s() - start < budget_s)) {
        double t0 = now_s();
        sink += fn();
        times[n++] = now_s() - t0;
    }
    (void)sink;
    qsort(times, (size_t)n, sizeof times[0], cmp_double);
    double mb = (double)total_bytes / 1e6;
    printf("%-28s %10.0f %10.0f %8d\n", name, mb / times[0], mb / times[n / 2], n);
}

/* The same bundles written compact by our writer: NDJSON lines look like this. */
static size_t minify(void)
{
    size_t total = 0;
    for (size_t i = 0; i < ndocs; i++) {
        const rf_json *root;
        refract_error err = {0};
        rf_strbuf sb;
        rf_strbuf_init(&sb, 0);
        rf_json_writer w;
        if (rf_json_parse(&root, &arena, pretty_docs[i].text, pretty_docs[i].len, NULL, &err) != 0)
            exit(1);
        rf_jw_init(&w, &sb, false);
        rf_jw_value(&w, root);
        mini_docs[i].text = sb.data;
        mini_docs[i].len = sb.len;
        total += sb.len;
        rf_arena_free(&arena);
    }
    return total;
}

static void table(const char *title)
{
    printf("\n%s: %zu documents, %.1f MB\n", title, ndocs, (double)total_bytes / 1e6);
    printf("%-28s %10s %10s %8s\n", "parser", "best MB/s", "median", "passes");
    run("refract rf_json_parse (DOM)", pass_refract, 1.5);
    run("refract cursor skip", pass_cursor, 1.5);
#ifdef HAVE_JANSSON
    run("jansson json_loadb", pass_jansson, 1.5);
#endif
#ifdef HAVE_CJSON
    run("cJSON_ParseWithLength", pass_cjson, 1.5);
#endif
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : RF_SHARED_DIR "/data/synthea/bundles";
    if (load(dir) != 0 || ndocs == 0) {
        fprintf(stderr, "bench_json: no *.json under %s\n", dir);
        return 77;
    }
    rf_arena_init(&arena, 0);
    printf("FHIR bundles from %s\n", dir);
    table("Synthea bundles as shipped (pretty-printed)");
    total_bytes = minify();
    docs = mini_docs;
    table("the same bundles minified (as NDJSON lines are)");
    rf_arena_free(&arena);
    for (size_t i = 0; i < ndocs; i++) {
        free(pretty_docs[i].text);
        free(mini_docs[i].text);
    }
    return 0;
}
