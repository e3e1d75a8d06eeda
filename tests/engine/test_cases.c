/* test_cases.c - end-to-end cases and knowledge coverage.
 *
 * Every tests/cases/<condition>/<name>.json is assessed with the knowledge in kb/ and its
 * JSON output compared byte for byte with <name>.expected.json (a case that must be refused
 * expects {"error": {"where": ..., "message": ...}}). REFRACT_UPDATE_EXPECTED=1 rewrites
 * the expected files; review the diff before committing them.
 *
 * The coverage test fails, listing what is missed, unless across all cases every
 * definition is seen refractory, not refractory and with insufficient data, every score
 * item is computed, every flag is raised, every strategy is recommended and excluded,
 * and every contraindication and pharmacogenomic rule applies at least once. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/pipeline.h"
#include "json/json.h"
#include "render/render.h"
#include "util/limits.h"

typedef struct coverage {
    unsigned char *def_status; /* [n_definition] bit per rf_status */
    unsigned char *score_item; /* [n_score * 64] */
    unsigned char *flag;
    unsigned char *strategy;   /* bit 1 recommended, bit 2 excluded */
    unsigned char *contra, *pgx;
} coverage;

static rf_kb *g_kb;
static coverage g_cov;
static int g_cases;

static int setup(void **state)
{
    (void)state;
    const char *dirs[1] = {RF_SOURCE_DIR "/kb"};
    refract_error err = {0};
    if (rf_kb_load(&g_kb, dirs, 1, &err) != REFRACT_OK) {
        for (int i = 0; g_kb && i < g_kb->ndiags; i++)
            fprintf(stderr, "%s:%d:%d: %s\n", g_kb->diags[i].pos.file, g_kb->diags[i].pos.line,
                    g_kb->diags[i].pos.col, g_kb->diags[i].message);
        fprintf(stderr, "knowledge did not load: %s\n", err.message);
        return -1;
    }
    g_cov.def_status = calloc((size_t)g_kb->n_definition + 1, 1);
    g_cov.score_item = calloc((size_t)g_kb->n_score * 64 + 1, 1);
    g_cov.flag = calloc((size_t)g_kb->n_flag + 1, 1);
    g_cov.strategy = calloc((size_t)g_kb->n_strategy + 1, 1);
    g_cov.contra = calloc((size_t)g_kb->n_contra + 1, 1);
    g_cov.pgx = calloc((size_t)g_kb->n_pgx + 1, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rf_kb_free(g_kb);
    free(g_cov.def_status);
    free(g_cov.score_item);
    free(g_cov.flag);
    free(g_cov.strategy);
    free(g_cov.contra);
    free(g_cov.pgx);
    return 0;
}

static int index_of(void **table, int n, const void *p)
{
    for (int i = 0; i < n; i++)
        if (table[i] == p)
            return i;
    return -1;
}

static void record_coverage(const rf_assessment *as)
{
    const rf_kb *kb = g_kb;
    for (int c = 0; c < as->nconds; c++) {
        const rf_cond_result *cr = &as->conds[c];
        for (int i = 0; i < cr->ndefs; i++) {
            int k = index_of((void **)kb->definition, kb->n_definition, cr->defs[i].def);
            if (k >= 0)
                g_cov.def_status[k] |= (unsigned char)(1u << cr->defs[i].status);
        }
        for (int i = 0; i < cr->nscores; i++) {
            int k = index_of((void **)kb->score, kb->n_score, cr->scores[i].score);
            for (int t = 0; k >= 0 && t < cr->scores[i].nitems && t < 64; t++)
                if (cr->scores[i].items[t].lo == cr->scores[i].items[t].hi)
                    g_cov.score_item[k * 64 + t] = 1;
        }
        for (int i = 0; i < cr->nflags; i++) {
            int k = index_of((void **)kb->flag, kb->n_flag, cr->flags[i].flag);
            if (k >= 0)
                g_cov.flag[k] = 1;
        }
        for (int i = 0; i < cr->nrecs; i++) {
            int k = index_of((void **)kb->strategy, kb->n_strategy, cr->recs[i].strategy);
            if (k >= 0)
                g_cov.strategy[k] |= 1;
        }
        for (int i = 0; i < cr->nexcluded; i++) {
            int k = index_of((void **)kb->strategy, kb->n_strategy, cr->excluded[i].strategy);
            if (k >= 0)
                g_cov.strategy[k] |= 2;
        }
        for (int i = 0; i < cr->rules_fired.n; i++) {
            for (int k = 0; k < kb->n_contra; k++)
                if (strcmp(kb->contra[k]->e.id, cr->rules_fired.items[i]) == 0)
                    g_cov.contra[k] = 1;
            for (int k = 0; k < kb->n_pgx; k++)
                if (strcmp(kb->pgx[k]->e.id, cr->rules_fired.items[i]) == 0)
                    g_cov.pgx[k] = 1;
        }
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* Assess one case; the JSON output (or the error) goes into out. */
static void run_case(const char *path, rf_strbuf *out)
{
    size_t len = 0;
    char *buf = slurp(path, &len);
    assert_non_null(buf);
    rf_arena a;
    rf_arena_init(&a, RF_LIMIT_ARENA_BYTES);
    refract_error err = {0};
    rf_assessment *as = NULL;
    int rc = rf_pipeline_assess_case(&as, g_kb, &a, buf, len, RF_DATE_NONE, &err);
    if (rc == REFRACT_OK) {
        rf_strbuf raw;
        rf_strbuf_init(&raw, 0);
        rf_render_json(as, &raw, true);
        /* the version hashes every kb byte: mask it so a knowledge edit elsewhere does not
         * rewrite every expected file (the version's presence is still asserted) */
        const char *s = rf_strbuf_cstr(&raw);
        const char *v = strstr(s, g_kb->version);
        assert_non_null(v);
        rf_strbuf_put(out, s, (size_t)(v - s));
        rf_strbuf_puts(out, "<knowledge version>");
        rf_strbuf_puts(out, v + strlen(g_kb->version));
        rf_strbuf_free(&raw);
        record_coverage(as);
    } else {
        rf_json_writer w;
        rf_jw_init(&w, out, true);
        rf_jw_object_begin(&w);
        rf_jw_key(&w, "error");
        rf_jw_object_begin(&w);
        rf_jw_key(&w, "where");
        rf_jw_string(&w, err.where);
        rf_jw_key(&w, "message");
        rf_jw_string(&w, err.message);
        rf_jw_object_end(&w);
        rf_jw_object_end(&w);
        rf_strbuf_putc(out, '\n');
    }
    rf_arena_free(&a);
    free(buf);
}

static int first_diff_line(const char *a, const char *b)
{
    int line = 1;
    while (*a && *a == *b) {
        if (*a == '\n')
            line++;
        a++;
        b++;
    }
    return line;
}

static int check_case(const char *path, bool update)
{
    char expected_path[1024];
    size_t n = strlen(path);
    snprintf(expected_path, sizeof expected_path, "%.*s.expected.json", (int)(n - 5), path);
    rf_strbuf out;
    rf_strbuf_init(&out, 0);
    run_case(path, &out);
    int failed = 0;
    if (update) {
        FILE *f = fopen(expected_path, "wb");
        if (f) {
            fwrite(out.data, 1, out.len, f);
            fclose(f);
        }
    } else {
        size_t elen = 0;
        char *expected = slurp(expected_path, &elen);
        if (expected == NULL) {
            fprintf(stderr, "FAIL %s: no %s (run with REFRACT_UPDATE_EXPECTED=1, then review)\n", path,
                    expected_path);
            failed = 1;
        } else if (elen != out.len || memcmp(expected, out.data, elen) != 0) {
            fprintf(stderr, "FAIL %s: output differs from %s from line %d\n", path, expected_path,
                    first_diff_line(expected, rf_strbuf_cstr(&out)));
            failed = 1;
        }
        free(expected);
    }
    rf_strbuf_free(&out);
    return failed;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All case files, sorted, so the run is deterministic. */
static int list_cases(char ***out)
{
    int n = 0, cap = 64;
    char **names = malloc(sizeof(char *) * (size_t)cap);
    DIR *top = opendir(RF_TEST_DIR "/cases");
    if (top == NULL || names == NULL) {
        free(names);
        if (top)
            closedir(top);
        *out = NULL;
        return 0;
    }
    struct dirent *cd;
    while ((cd = readdir(top)) != NULL) {
        if (cd->d_name[0] == '.')
            continue;
        char dir[512];
        snprintf(dir, sizeof dir, "%s/cases/%s", RF_TEST_DIR, cd->d_name);
        DIR *d = opendir(dir);
        if (d == NULL)
            continue;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            size_t len = strlen(de->d_name);
            if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 ||
                (len > 14 && strcmp(de->d_name + len - 14, ".expected.json") == 0))
                continue;
            if (n == cap) {
                cap *= 2;
                char **nn = realloc(names, sizeof(char *) * (size_t)cap);
                if (nn == NULL)
                    break;
                names = nn;
            }
            size_t plen = strlen(dir) + len + 2;
            names[n] = malloc(plen);
            if (names[n] == NULL)
                break;
            snprintf(names[n], plen, "%s/%s", dir, de->d_name);
            n++;
        }
        closedir(d);
    }
    closedir(top);
    qsort(names, (size_t)n, sizeof(char *), cmp_names);
    *out = names;
    return n;
}

static void cases_match_expected(void **state)
{
    (void)state;
    /* REFRACT_UPDATE_EXPECTED=1 rewrites every expected file; =NAME only those under
     * tests/cases/NAME/ */
    const char *upd = getenv("REFRACT_UPDATE_EXPECTED");
    char **names;
    int n = list_cases(&names);
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char dir[256];
        snprintf(dir, sizeof dir, "/%s/", upd ? upd : "");
        bool update = upd && (strcmp(upd, "1") == 0 || strstr(names[i], dir) != NULL);
        failed += check_case(names[i], update);
        free(names[i]);
    }
    free(names);
    g_cases = n;
    fprintf(stderr, "%d cases, %d differ\n", n, failed);
    assert_true(n > 0);
    assert_int_equal(failed, 0);
}

static void missed(int *count, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "  not covered: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    (*count)++;
}

/* A definition the reference names but forbids using as a rule is written with an
 * unconditional not_applicable clause: it cannot be exercised, and says why in every output. */
static bool not_operationalised(const rf_kb_definition *d)
{
    for (int i = 0; i < d->body.nclauses; i++) {
        const rf_clause *c = &d->body.clauses[i];
        if ((c->kind == RF_CL_NOT_APPLICABLE || c->kind == RF_CL_NOT_IMPLEMENTED) &&
            c->expr->kind == RF_N_BOOL && c->expr->num != 0)
            return true;
    }
    return false;
}

/* An agent rule can only apply when some strategy gives one of its agents. */
static bool reachable(const rf_kb *kb, const rf_idrefs *agents, const rf_idrefs *classes)
{
    for (int s = 0; s < kb->n_strategy; s++) {
        const rf_idrefs *sa = &kb->strategy[s]->agents;
        for (int i = 0; i < sa->n; i++) {
            int ag = sa->index[i];
            if (ag < 0)
                continue;
            for (int k = 0; k < agents->n; k++)
                if (agents->index[k] == ag)
                    return true;
            for (int k = 0; k < classes->n; k++)
                if (classes->index[k] >= 0 && kb->agent[ag]->is_class[classes->index[k]])
                    return true;
        }
    }
    return false;
}

static void knowledge_coverage(void **state)
{
    (void)state;
    assert_true(g_cases > 0); /* runs after cases_match_expected filled the coverage */
    const rf_kb *kb = g_kb;
    int n = 0;
    for (int i = 0; i < kb->n_definition; i++) {
        static const char *const names[] = {"refractory", "not_refractory", "insufficient_data"};
        if (not_operationalised(kb->definition[i])) {
            fprintf(stderr, "  (definition %s is not implemented: the reference names it without usable criteria)\n",
                    kb->definition[i]->e.id);
            continue;
        }
        for (int s = 0; s < 3; s++)
            if (!(g_cov.def_status[i] & (1u << s)))
                missed(&n, "definition %s never %s", kb->definition[i]->e.id, names[s]);
    }
    for (int i = 0; i < kb->n_score; i++)
        for (int t = 0; t < kb->score[i]->nitems && t < 64; t++)
            if (!g_cov.score_item[i * 64 + t])
                missed(&n, "score %s item %s never computed", kb->score[i]->e.id, kb->score[i]->items[t].id);
    for (int i = 0; i < kb->n_flag; i++)
        if (!g_cov.flag[i])
            missed(&n, "flag %s never raised", kb->flag[i]->e.id);
    for (int i = 0; i < kb->n_strategy; i++) {
        if (!(g_cov.strategy[i] & 1))
            missed(&n, "strategy %s never recommended", kb->strategy[i]->e.id);
        if (!(g_cov.strategy[i] & 2))
            missed(&n, "strategy %s never excluded", kb->strategy[i]->e.id);
    }
    int unreachable = 0;
    for (int i = 0; i < kb->n_contra; i++) {
        if (g_cov.contra[i])
            continue;
        if (!reachable(kb, &kb->contra[i]->agents, &kb->contra[i]->classes)) {
            fprintf(stderr, "  (no strategy gives an agent of contraindication %s)\n", kb->contra[i]->e.id);
            unreachable++;
        } else {
            missed(&n, "contraindication %s never applied", kb->contra[i]->e.id);
        }
    }
    for (int i = 0; i < kb->n_pgx; i++) {
        if (g_cov.pgx[i])
            continue;
        if (!reachable(kb, &kb->pgx[i]->agents, &kb->pgx[i]->classes)) {
            fprintf(stderr, "  (no strategy gives an agent of pgx rule %s)\n", kb->pgx[i]->e.id);
            unreachable++;
        } else {
            missed(&n, "pgx rule %s never applied", kb->pgx[i]->e.id);
        }
    }
    if (unreachable)
        fprintf(stderr, "%d agent rule(s) cannot apply: no strategy gives their agents\n", unreachable);
    fprintf(stderr, "knowledge coverage: %d item(s) not exercised by any case\n", n);
    assert_int_equal(n, 0);
}

/* Out of memory at every allocation of an assessment, the Nth for N = 0, 1, 2, ... until it
 * succeeds: an error comes back, never a crash (STYLE.md 9; Lua's memerr.lua). */
static void assessment_survives_allocation_failure_at_every_point(void **state)
{
    (void)state;
    size_t len = 0;
    char *buf = slurp(RF_SOURCE_DIR "/examples/depression-trd.json", &len);
    assert_non_null(buf);
    int failures = 0;
    for (long n = 0; n < 200000; n++) {
        rf_arena a;
        rf_arena_init(&a, RF_LIMIT_ARENA_BYTES);
        a.fail_after = n;
        refract_error err = {0};
        rf_assessment *as = NULL;
        int rc = rf_pipeline_assess_case(&as, g_kb, &a, buf, len, RF_DATE_NONE, &err);
        if (rc == REFRACT_OK) {
            rf_strbuf out;
            rf_strbuf_init(&out, 0);
            rf_render_json(as, &out, true);
            rf_render_text(as, &out);
            rf_strbuf_free(&out);
            rf_arena_free(&a);
            break;
        }
        assert_true(rc == REFRACT_ENOMEM || rc == REFRACT_ELIMIT || rc == REFRACT_EINVAL);
        failures++;
        rf_arena_free(&a);
        n += n / 64; /* every allocation at first, then sparser: the run stays short */
    }
    free(buf);
    assert_true(failures > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cases_match_expected),
        cmocka_unit_test(knowledge_coverage),
        cmocka_unit_test(assessment_survives_allocation_failure_at_every_point),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
