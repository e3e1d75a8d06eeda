/* test_json_diff.c - our parser against jansson: every JSON and NDJSON file of shared/data,
 * thousands of generated documents and their mutations must give the same trees (types,
 * strings, exact doubles, key order) and the same accept/reject verdicts. */
/* cmocka.h needs these before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/limits.h"
#include "util/util.h"
#include "json/json.h"

#define JANSSON_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

static rf_arena A;
static char mismatch[512];

/* true when the trees agree; else mismatch names the path and the difference */
static bool same(const rf_json *r, const json_t *j, const char *path)
{
    char sub[400];
    switch (json_typeof(j)) {
    case JSON_NULL:
    case JSON_TRUE:
    case JSON_FALSE: {
        rf_json_type want = json_is_null(j)   ? RF_JSON_NULL
                            : json_is_true(j) ? RF_JSON_TRUE
                                              : RF_JSON_FALSE;
        if (rf_json_typeof(r) == want)
            return true;
        break;
    }
    case JSON_INTEGER:
        if (rf_json_is_integer(r) && rf_json_int(r) == json_integer_value(j))
            return true;
        break;
    case JSON_REAL: {
        double d = rf_json_number(r);
        if (rf_json_typeof(r) == RF_JSON_NUMBER && !rf_json_is_integer(r) &&
            d == json_real_value(j) && signbit(d) == signbit(json_real_value(j)))
            return true;
        break;
    }
    case JSON_STRING:
        if (rf_json_typeof(r) == RF_JSON_STRING && rf_json_string_len(r) == json_string_length(j) &&
            memcmp(rf_json_string(r), json_string_value(j), json_string_length(j)) == 0)
            return true;
        break;
    case JSON_ARRAY: {
        if (rf_json_typeof(r) != RF_JSON_ARRAY || rf_json_count(r) != json_array_size(j))
            break;
        rf_json_iter it = rf_json_iter_begin(r);
        for (size_t i = 0; i < json_array_size(j); i++) {
            snprintf(sub, sizeof sub, "%.300s[%zu]", path, i);
            if (!same(rf_json_iter_next(&it, NULL), json_array_get(j, i), sub))
                return false;
        }
        return true;
    }
    case JSON_OBJECT: {
        if (rf_json_typeof(r) != RF_JSON_OBJECT || rf_json_count(r) != json_object_size(j))
            break;
        rf_json_iter it = rf_json_iter_begin(r);
        const char *key;
        for (void *ji = json_object_iter((json_t *)(uintptr_t)j); ji != NULL;
             ji = json_object_iter_next((json_t *)(uintptr_t)j, ji)) {
            const rf_json *v = rf_json_iter_next(&it, &key);
            snprintf(sub, sizeof sub, "%.300s.%.80s", path, json_object_iter_key(ji));
            if (strcmp(key, json_object_iter_key(ji)) != 0) {
                snprintf(mismatch, sizeof mismatch, "%s: key '%s' where jansson has '%s'", sub, key,
                         json_object_iter_key(ji));
                return false;
            }
            if (!same(v, json_object_iter_value(ji), sub))
                return false;
        }
        return true;
    }
    }
    snprintf(mismatch, sizeof mismatch, "%s: type %d differs from jansson's %d", path,
             (int)rf_json_typeof(r), (int)json_typeof(j));
    return false;
}

/* json_equal, except that a number equals any number of the same value: the writer
 * writes 1.0 as 1, which jansson then reads as an integer. */
static bool same_values(const json_t *a, const json_t *b)
{
    if (json_is_number(a) && json_is_number(b))
        return json_number_value(a) == json_number_value(b);
    if (json_typeof(a) != json_typeof(b))
        return false;
    if (json_is_array(a)) {
        if (json_array_size(a) != json_array_size(b))
            return false;
        for (size_t i = 0; i < json_array_size(a); i++)
            if (!same_values(json_array_get(a, i), json_array_get(b, i)))
                return false;
        return true;
    }
    if (json_is_object(a)) {
        json_t *ma = (json_t *)(uintptr_t)a, *mb = (json_t *)(uintptr_t)b;
        if (json_object_size(a) != json_object_size(b))
            return false;
        for (void *ia = json_object_iter(ma), *ib = json_object_iter(mb); ia && ib;
             ia = json_object_iter_next(ma, ia), ib = json_object_iter_next(mb, ib))
            if (strcmp(json_object_iter_key(ia), json_object_iter_key(ib)) != 0 ||
                !same_values(json_object_iter_value(ia), json_object_iter_value(ib)))
                return false;
        return true;
    }
    return json_equal(a, b);
}

/* Parse one document with both; on agreement also write ours back and compare again. */
static void check_doc(const char *text, size_t len, const char *name)
{
    const rf_json *r;
    refract_error err = {0};
    json_error_t je;
    json_t *j = json_loadb(text, len, JANSSON_FLAGS, &je);
    int rc = rf_json_parse(&r, &A, text, len, NULL, &err);
    if (j == NULL)
        fail_msg("%s: jansson refuses it: %s", name, je.text);
    if (rc != 0)
        fail_msg("%s: %s: %s", name, err.where, err.message);
    if (!same(r, j, "$"))
        fail_msg("%s: %s", name, mismatch);

    rf_strbuf sb;
    rf_strbuf_init(&sb, 0);
    rf_json_writer w;
    rf_jw_init(&w, &sb, true);
    rf_jw_value(&w, r);
    assert_true(rf_jw_ok(&w));
    json_t *j2 = json_loadb(sb.data, sb.len, JANSSON_FLAGS, &je);
    if (j2 == NULL)
        fail_msg("%s: jansson refuses our rewrite: %s", name, je.text);
    if (!same_values(j, j2))
        fail_msg("%s: rewrite differs", name);

    /* the cursor skips it whole */
    rf_json_cursor *c = rf_json_cursor_new(&A, text, len, NULL);
    assert_non_null(c);
    if (rf_json_cursor_skip(c, &err) != 0 || rf_json_cursor_end(c, &err) != 0)
        fail_msg("%s: cursor: %s: %s", name, err.where, err.message);
    json_decref(j2);
    json_decref(j);
    rf_strbuf_free(&sb);
    rf_arena_free(&A);
}

static int files_checked, lines_checked;

static void check_file(const char *path)
{
    size_t n = strlen(path);
    bool nd = n > 7 && strcmp(path + n - 7, ".ndjson") == 0;
    if (!nd && !(n > 5 && strcmp(path + n - 5, ".json") == 0))
        return;
    rf_arena fa;
    rf_arena_init(&fa, 0);
    char *text;
    size_t len;
    refract_error err = {0};
    assert_int_equal(rf_file_read(&text, &len, &fa, path, RF_LIMIT_INPUT_BYTES, &err), 0);
    if (!nd) {
        check_doc(text, len, path);
    } else {
        char *p = text, *end = text + len;
        int line = 0;
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            char *stop = nl ? nl : end;
            line++;
            if (stop > p) {
                char name[4200];
                snprintf(name, sizeof name, "%s:%d", path, line);
                check_doc(p, (size_t)(stop - p), name);
                lines_checked++;
            }
            p = stop + 1;
        }
    }
    files_checked++;
    rf_arena_free(&fa);
}

static void walk(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(path);
        else
            check_file(path);
    }
    closedir(d);
}

static void test_shared_data_parses_as_jansson_reads_it(void **state)
{
    (void)state;
    walk(RF_SHARED_DIR "/data");
    print_message("%d files (%d NDJSON lines) agree with jansson\n", files_checked, lines_checked);
    assert_true(files_checked > 0);
}

/* ---- generated documents --------------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static void gen_ws(rf_strbuf *b)
{
    static const char ws[] = " \t\r\n";
    while (rnd(4) == 0)
        rf_strbuf_putc(b, ws[rnd(4)]);
}

static void gen_string_body(rf_strbuf *b, bool key)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         "0",
                                         " ",
                                         "\\n",
                                         "\\t",
                                         "\\\"",
                                         "\\\\",
                                         "\\/",
                                         "\\b",
                                         "\\f",
                                         "\\r",
                                         "\\u0041",
                                         "\\u00e9",
                                         "\\u20ac",
                                         "\\uD83D\\uDE00",
                                         "\\ud800\\udc00",
                                         "\xC3\xA9",
                                         "\xE2\x82\xAC",
                                         "\xF0\x9F\x98\x80",
                                         "\xEF\xBF\xBF",
                                         "\x7F",
                                         "\\u0001",
                                         "\\u001F",
                                         "abcdefghijklmnop",
                                         "\\u0000"};
    size_t np = sizeof pieces / sizeof pieces[0] - (key ? 1 : 0); /* no NUL in keys */
    int n = (int)rnd(12);
    for (int i = 0; i < n; i++)
        rf_strbuf_puts(b, pieces[rnd((uint32_t)np)]);
}

static void gen_string(rf_strbuf *b)
{
    rf_strbuf_putc(b, '"');
    gen_string_body(b, false);
    rf_strbuf_putc(b, '"');
}

static void gen_number(rf_strbuf *b)
{
    switch (rnd(6)) {
    case 0:
        rf_strbuf_printf(b, "%d", (int)rnd(2000) - 1000);
        break;
    case 1: {
        int64_t x = (int64_t)(rng >> 1) * (rnd(2) ? -1 : 1);
        rf_strbuf_printf(b, "%lld", (long long)x);
        break;
    }
    case 2:
        rf_strbuf_printf(b, "%s%u.%u", rnd(2) ? "-" : "", rnd(100000), rnd(1000000));
        break;
    case 3:
        rf_strbuf_printf(b, "%u.%ue%s%u", rnd(10), rnd(100000000), rnd(2) ? "-" : "+", rnd(300));
        break;
    case 4:
        rf_strbuf_printf(b, "%u%uE%d", rnd(1000000000) + 1, rnd(1000000000), (int)rnd(580) - 300);
        break;
    default:
        rf_strbuf_printf(b, "0.%u%u%u", rnd(1000000000), rnd(1000000000), rnd(1000000000));
        break;
    }
}

static void gen_value(rf_strbuf *b, int depth)
{
    gen_ws(b);
    uint32_t k = depth > 6 ? 5 + rnd(4) : rnd(9);
    switch (k) {
    case 0:
    case 1: {
        rf_strbuf_putc(b, '{');
        int n = (int)rnd(6);
        for (int i = 0; i < n; i++) {
            if (i)
                rf_strbuf_putc(b, ',');
            gen_ws(b);
            rf_strbuf_printf(b, "\"k%d_", i); /* unique keys: jansson keeps only the last */
            gen_string_body(b, true);
            rf_strbuf_putc(b, '"');
            gen_ws(b);
            rf_strbuf_putc(b, ':');
            gen_value(b, depth + 1);
        }
        gen_ws(b);
        rf_strbuf_putc(b, '}');
        break;
    }
    case 2:
    case 3: {
        rf_strbuf_putc(b, '[');
        int n = (int)rnd(6);
        for (int i = 0; i < n; i++) {
            if (i)
                rf_strbuf_putc(b, ',');
            gen_value(b, depth + 1);
        }
        gen_ws(b);
        rf_strbuf_putc(b, ']');
        break;
    }
    case 4:
    case 5:
        gen_string(b);
        break;
    case 6:
    case 7:
        gen_number(b);
        break;
    default:
        rf_strbuf_puts(b, rnd(3) == 0 ? "null" : rnd(2) ? "true" : "false");
        break;
    }
    gen_ws(b);
}

static void test_generated_documents_parse_as_jansson_reads_them(void **state)
{
    (void)state;
    rng = 0x9E3779B97F4A7C15ull;
    rf_strbuf b;
    rf_strbuf_init(&b, 0);
    for (int i = 0; i < 5000; i++) {
        rf_strbuf_reset(&b);
        gen_value(&b, 0);
        char name[32];
        snprintf(name, sizeof name, "generated #%d", i);
        check_doc(b.data, b.len, name);
    }
    rf_strbuf_free(&b);
}

/* jansson refuses a few things on purpose that RFC 8259 allows and we accept */
static bool jansson_only_limit(const char *msg)
{
    return strstr(msg, "too big integer") != NULL || strstr(msg, "too big negative") != NULL ||
           strstr(msg, "NUL") != NULL;
}

static void test_mutated_documents_get_the_same_verdict(void **state)
{
    (void)state;
    static const char bytes[] = "{}[]\",:\\ 0123456789.eE+-tfnulx\t\n\x01\x7F\x80\xC0\xC3\xE0\xED"
                                "\xF0\xF4\xF5\xFF";
    rng = 12345;
    rf_strbuf b;
    rf_strbuf_init(&b, 0);
    int accepted = 0, refused = 0;
    for (int i = 0; i < 20000; i++) {
        rf_strbuf_reset(&b);
        gen_value(&b, 3);
        size_t at = rnd((uint32_t)b.len);
        char c = bytes[rnd(sizeof bytes - 1)];
        switch (rnd(4)) {
        case 0: /* delete a byte */
            memmove(b.data + at, b.data + at + 1, b.len - at - 1);
            b.len--;
            break;
        case 1: /* replace a byte */
            b.data[at] = c;
            break;
        case 2: /* insert a byte */
            rf_strbuf_putc(&b, ' ');
            memmove(b.data + at + 1, b.data + at, b.len - at - 1);
            b.data[at] = c;
            break;
        default: /* truncate */
            b.len = at;
            break;
        }
        const rf_json *r;
        refract_error err = {0};
        json_error_t je;
        json_t *j = json_loadb(b.data, b.len, JANSSON_FLAGS, &je);
        int rc = rf_json_parse(&r, &A, b.data, b.len, NULL, &err);
        if (j == NULL && rc == 0 && jansson_only_limit(je.text)) {
            rf_arena_free(&A);
            continue;
        }
        if ((j != NULL) != (rc == 0))
            fail_msg("mutation #%d: jansson %s, we %s: %.*s", i, j ? "accepts" : je.text,
                     rc ? err.message : "accept", (int)b.len, b.data);
        if (j != NULL) {
            if (!same(r, j, "$"))
                fail_msg("mutation #%d: %s", i, mismatch);
            accepted++;
        } else {
            refused++;
        }
        /* the cursor refuses what the parser refuses, structurally */
        rf_json_cursor *cur = rf_json_cursor_new(&A, b.data, b.len, NULL);
        refract_error cerr = {0};
        int crc = rf_json_cursor_skip(cur, &cerr);
        if (crc == 0)
            crc = rf_json_cursor_end(cur, &cerr);
        if (rc == 0 && crc != 0)
            fail_msg("mutation #%d: cursor refuses a valid document: %s", i, cerr.message);
        json_decref(j);
        rf_arena_free(&A);
    }
    print_message("%d mutations accepted by both, %d refused by both\n", accepted, refused);
    rf_strbuf_free(&b);
}

static int setup(void **state)
{
    (void)state;
    rf_arena_init(&A, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rf_arena_free(&A);
    return 0;
}

int main(void)
{
    struct stat st;
    if (stat(RF_SHARED_DIR "/data", &st) != 0) {
        printf("no shared data at %s: skipping the differential tests\n", RF_SHARED_DIR "/data");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_shared_data_parses_as_jansson_reads_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_generated_documents_parse_as_jansson_reads_them, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mutated_documents_get_the_same_verdict, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
