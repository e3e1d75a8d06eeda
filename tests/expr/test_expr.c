/* test_expr.c - the criteria language end to end: every block of eval.test is compiled as a
 * let appended to fixture.kb and evaluated in the depression context of fixture.json; the
 * rendered value (and, where given, one missing-data line) must match. Lexer, parser,
 * checker and evaluator are all on this path; test_kb_errors covers their diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/engine_int.h"
#include "io/io.h"
#include "util/limits.h"

typedef struct expr_test {
    int line;
    char *expr, *expect, *missing;
} expr_test;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static char *dup_trim(const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static int read_tests(expr_test *out, int max)
{
    FILE *f = fopen(RF_TEST_DIR "/expr/eval.test", "r");
    assert_non_null(f);
    char line[4096];
    int n = -1, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strncmp(line, "expr:", 5) == 0) {
            assert_true(n + 1 < max);
            n++;
            out[n] = (expr_test){lineno, dup_trim(line + 5), NULL, NULL};
        } else if (n >= 0 && strncmp(line, "expect:", 7) == 0) {
            out[n].expect = dup_trim(line + 7);
        } else if (n >= 0 && strncmp(line, "missing:", 8) == 0) {
            out[n].missing = dup_trim(line + 8);
        }
    }
    fclose(f);
    return n + 1;
}

static void expressions_evaluate_as_expected(void **state)
{
    (void)state;
    static expr_test tests[256];
    int n = read_tests(tests, 256);
    assert_true(n > 20);
    size_t klen = 0, clen = 0;
    char *kb_text = slurp(RF_TEST_DIR "/expr/fixture.kb", &klen);
    char *case_text = slurp(RF_TEST_DIR "/expr/fixture.json", &clen);
    assert_non_null(kb_text);
    assert_non_null(case_text);
    rf_strbuf src;
    rf_strbuf_init(&src, 0);
    rf_strbuf_puts(&src, kb_text);
    for (int i = 0; i < n; i++)
        rf_strbuf_printf(&src, "\nlet expr_test_%d = %s\n", i, tests[i].expr);
    rf_kb *kb = NULL;
    refract_error err = {0};
    int rc = rf_kb_load_text(&kb, "fixture.kb", src.data, src.len, &err);
    if (rc != REFRACT_OK)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, REFRACT_OK);

    rf_arena a;
    rf_arena_init(&a, RF_LIMIT_ARENA_BYTES);
    rf_patient *p = NULL;
    assert_int_equal(rf_case_parse(&p, &a, case_text, clen, RF_DATE_NONE, &err), REFRACT_OK);
    assert_int_equal(rf_engine_resolve(p, kb, &a, &err), REFRACT_OK);
    rf_eval ev;
    assert_int_equal(rf_eval_init(&ev, p, kb, &a), REFRACT_OK);
    rf_eval_set_condition(&ev, rf_kb_find(kb, RF_SYM_CONDITION, "depression"));
    int failed = 0;
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "expr_test_%d", i);
        const rf_kb_let *l = kb->let[rf_kb_find_let(kb, name)];
        ev.frame = rf_eval_new_frame(&ev, l->nslots + 1, NULL);
        rf_val v = rf_eval_node(&ev, l->expr);
        const char *got = rf_val_render(&ev, v, l->expr->type);
        bool ok = tests[i].expect && strcmp(got, tests[i].expect) == 0;
        bool missing_ok = true;
        if (tests[i].missing) {
            missing_ok = false;
            for (const rf_missing *m = v.missing; m; m = m->next)
                if (strcmp(rf_missing_text(&ev, m), tests[i].missing) == 0)
                    missing_ok = true;
        }
        if (!ok || !missing_ok) {
            fprintf(stderr, "eval.test:%d: %s\n  expected: %s%s%s\n  got:      %s\n", tests[i].line,
                    tests[i].expr, tests[i].expect ? tests[i].expect : "(none)",
                    tests[i].missing ? "  missing: " : "", tests[i].missing ? tests[i].missing : "", got);
            for (const rf_missing *m = v.missing; m; m = m->next)
                fprintf(stderr, "  missing:  %s\n", rf_missing_text(&ev, m));
            failed++;
        }
    }
    for (int i = 0; i < n; i++) {
        free(tests[i].expr);
        free(tests[i].expect);
        free(tests[i].missing);
    }
    rf_arena_free(&a);
    rf_kb_free(kb);
    rf_strbuf_free(&src);
    free(kb_text);
    free(case_text);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expressions_evaluate_as_expected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
