/* test_kb_errors.c - every block of errors.test loads with exactly its diagnostics, each
 * with file:line:column, so `refract kb check` points at the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "kb/kb.h"

static void run_block(const char *name, const char *src, const char *expected, int *failed)
{
    rf_kb *kb = NULL;
    refract_error err = {0};
    rf_kb_load_text(&kb, "errors.kb", src, strlen(src), &err);
    rf_strbuf got;
    rf_strbuf_init(&got, 0);
    for (int i = 0; kb && i < kb->ndiags; i++)
        rf_strbuf_printf(&got, "%s:%d:%d: %s\n", kb->diags[i].pos.file, kb->diags[i].pos.line,
                         kb->diags[i].pos.col, kb->diags[i].message);
    if (strcmp(rf_strbuf_cstr(&got), expected) != 0) {
        fprintf(stderr, "=== %s\nexpected:\n%sgot:\n%s", name, expected, rf_strbuf_cstr(&got));
        (*failed)++;
    }
    rf_strbuf_free(&got);
    rf_kb_free(kb);
}

static void diagnostics_name_file_line_column(void **state)
{
    (void)state;
    FILE *f = fopen(RF_TEST_DIR "/kb/errors.test", "r");
    assert_non_null(f);
    char line[4096], name[256] = "";
    rf_strbuf src, exp;
    rf_strbuf_init(&src, 0);
    rf_strbuf_init(&exp, 0);
    int mode = 0, failed = 0, blocks = 0; /* 0 none, 1 source, 2 expected */
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "=== ", 4) == 0 || (line[0] == '#' && mode == 0)) {
            if (mode == 2) {
                run_block(name, rf_strbuf_cstr(&src), rf_strbuf_cstr(&exp), &failed);
                blocks++;
            }
            if (line[0] == '#')
                continue;
            snprintf(name, sizeof name, "%.200s", line + 4);
            rf_strbuf_reset(&src);
            rf_strbuf_reset(&exp);
            mode = 1;
        } else if (mode == 1 && strcmp(line, "---\n") == 0) {
            mode = 2;
        } else if (mode == 1) {
            rf_strbuf_puts(&src, line);
        } else if (mode == 2) {
            rf_strbuf_puts(&exp, line);
        }
    }
    if (mode == 2) {
        run_block(name, rf_strbuf_cstr(&src), rf_strbuf_cstr(&exp), &failed);
        blocks++;
    }
    fclose(f);
    rf_strbuf_free(&src);
    rf_strbuf_free(&exp);
    assert_true(blocks >= 10);
    assert_int_equal(failed, 0);
}

static void shipped_knowledge_checks_clean(void **state)
{
    (void)state;
    const char *dirs[1] = {RF_SOURCE_DIR "/kb"};
    rf_kb *kb = NULL;
    refract_error err = {0};
    int rc = rf_kb_load(&kb, dirs, 1, &err);
    for (int i = 0; kb && i < kb->ndiags; i++)
        fprintf(stderr, "%s:%d:%d: %s\n", kb->diags[i].pos.file, kb->diags[i].pos.line,
                kb->diags[i].pos.col, kb->diags[i].message);
    assert_int_equal(rc, REFRACT_OK);
    assert_non_null(strstr(kb->version, "refract-kb"));
    rf_kb_free(kb);
}

static void site_directory_overrides_and_names_itself(void **state)
{
    (void)state;
    char dir[] = "/tmp/refract-site-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof path, "%s/site.kb", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("source site_protocol { citation: \"Local protocol 2026\" }\n", f);
    fclose(f);
    const char *dirs[2] = {RF_SOURCE_DIR "/kb", dir};
    rf_kb *kb = NULL;
    refract_error err = {0};
    assert_int_equal(rf_kb_load(&kb, dirs, 2, &err), REFRACT_OK);
    assert_non_null(strstr(kb->version, " site:refract-site-"));
    assert_true(rf_kb_find_let(kb, "nonexistent") < 0);
    bool found = false;
    for (int i = 0; i < kb->n_source; i++)
        found |= strcmp(kb->source[i]->e.id, "site_protocol") == 0;
    assert_true(found);
    rf_kb_free(kb);
    remove(path);
    rmdir(dir);
}

/* Every input in the kb fuzz corpus loads (with or without diagnostics) and frees cleanly:
 * the crashers the fuzzer ever found stay fixed (libgit2's and SQLite's corpus replays). */
static void fuzz_corpus_replays_cleanly(void **state)
{
    (void)state;
    DIR *d = opendir(RF_SOURCE_DIR "/fuzz/corpus/fuzz_kb");
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/fuzz/corpus/fuzz_kb/%s", RF_SOURCE_DIR, de->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char buf[1 << 16];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        rf_kb *kb = NULL;
        refract_error err = {0};
        rf_kb_load_text(&kb, de->d_name, buf, len, &err);
        rf_kb_free(kb);
        n++;
    }
    closedir(d);
    assert_true(n >= 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(diagnostics_name_file_line_column),
        cmocka_unit_test(shipped_knowledge_checks_clean),
        cmocka_unit_test(site_directory_overrides_and_names_itself),
        cmocka_unit_test(fuzz_corpus_replays_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
