/* test_json.c - the JSON module's contract: what the parser accepts and how it reads it,
 * what it refuses and where it says so, limits, numbers, locale independence, the cursor,
 * the writer, out-of-memory at every allocation, and a replay of the fuzz corpus. */
/* cmocka.h needs these before it */
/* clang-format off */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
/* clang-format on */

#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"
#include "util/util.h"
#include "json/json.h"

/* ---- helpers --------------------------------------------------------------------------- */

static rf_arena A;

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

static int parse_n(const rf_json **out, const char *s, size_t n, refract_error *err)
{
    rf_error_clear(err);
    return rf_json_parse(out, &A, s, n, NULL, err);
}

static int parse(const rf_json **out, const char *s, refract_error *err)
{
    return parse_n(out, s, strlen(s), err);
}

/* Compact rendering of a DOM through the writer, into a static buffer. */
static const char *render(const rf_json *v, bool pretty)
{
    static rf_strbuf sb;
    rf_strbuf_free(&sb);
    rf_json_writer w;
    rf_jw_init(&w, &sb, pretty);
    rf_jw_value(&w, v);
    assert_true(rf_jw_ok(&w));
    return rf_strbuf_cstr(&sb);
}

/* ---- accepted documents ---------------------------------------------------------------- */

/* input, then its compact rendering (which shows how every value was read) */
static const char *const valid_docs[][2] = {
    {"[]", "[]"},
    {"{}", "{}"},
    {" \t\r\n[ ] \n", "[]"},
    {"0", "0"},
    {"-0", "-0"},
    {"\"\"", "\"\""},
    {"null", "null"},
    {"true", "true"},
    {"false", "false"},
    {"[1,2,3]", "[1,2,3]"},
    {"[[[]]]", "[[[]]]"},
    {"{\"a\":{\"b\":[null,{}]}}", "{\"a\":{\"b\":[null,{}]}}"},
    {"{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}"},
    {"[1.5,-2.25,1e2,1E-2,1.0]", "[1.5,-2.25,100,0.01,1]"},
    {"[0.1,123.456e7]", "[0.1,1234560000]"},
    {"[1e22,1e23,-1e-7]", "[1e+22,1e+23,-1e-07]"},
    {"[9223372036854775807,-9223372036854775808]", "[9223372036854775807,-9223372036854775808]"},
    {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\\"\\\\/\\u0008\\u000c\\u000a\\u000d\\u0009\""},
    {"\"\\u0041\\u00e9\\u20AC\"", "\"A\xC3\xA9\xE2\x82\xAC\""},
    {"\"\\uD83D\\uDE00\"", "\"\xF0\x9F\x98\x80\""},
    {"\"\\uDBFF\\uDFFF\"", "\"\xF4\x8F\xBF\xBF\""},
    {"\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"",
     "\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\""},
    {"\"\x7F\"", "\"\x7F\""},
    {"\"a long string that crosses several eight-byte words \\n and \\t escapes\"",
     "\"a long string that crosses several eight-byte words \\u000a and \\u0009 escapes\""},
    {"{\"k\\u0000ey\":\"v\"}", "{\"k\\u0000ey\":\"v\"}"},
    {"[\"\xE6\x97\xA5\xE6\x9C\xAC\"]", "[\"\xE6\x97\xA5\xE6\x9C\xAC\"]"},
};

static void test_parser_accepts_valid_documents(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_docs / sizeof valid_docs[0]; i++) {
        const rf_json *v;
        refract_error err;
        int rc = parse(&v, valid_docs[i][0], &err);
        if (rc != 0)
            fail_msg("doc %zu %s: %s: %s", i, valid_docs[i][0], err.where, err.message);
        assert_string_equal(render(v, false), valid_docs[i][1]);
    }
}

/* ---- refused documents ----------------------------------------------------------------- */

typedef struct bad_doc {
    const char *text;
    size_t len; /* 0: strlen */
    int code;
    const char *where;   /* NULL: not checked */
    const char *message; /* exact */
} bad_doc;

static const bad_doc bad_docs[] = {
    {"", 0, REFRACT_EINVAL, "line 1, column 1 (byte 0)", "expected a value, found end of input"},
    {"  \n ", 0, REFRACT_EINVAL, "line 2, column 2 (byte 4)",
     "expected a value, found end of input"},
    {"{\"a\" }", 0, REFRACT_EINVAL, "line 1, column 6 (byte 5)",
     "expected ':' after object key, found '}'"},
    {"{\n  \"a\": 1,\n}", 0, REFRACT_EINVAL, "line 3, column 1 (byte 12)",
     "expected '\"' to begin an object key, found '}'"},
    {"[1,]", 0, REFRACT_EINVAL, "line 1, column 4 (byte 3)", "expected a value, found ']'"},
    {"[1 2]", 0, REFRACT_EINVAL, "line 1, column 4 (byte 3)",
     "expected ',' or ']' after array element, found '2'"},
    {"{\"a\":1 \"b\":2}", 0, REFRACT_EINVAL, "line 1, column 8 (byte 7)",
     "expected ',' or '}' after object member, found '\"'"},
    {"[1] x", 0, REFRACT_EINVAL, "line 1, column 5 (byte 4)",
     "unexpected 'x' after the top-level value"},
    {"1 2", 0, REFRACT_EINVAL, NULL, "unexpected '2' after the top-level value"},
    {"[\"a\xC0\xAF\"]", 0, REFRACT_EINVAL, "line 1, column 4 (byte 3)",
     "invalid UTF-8 byte 0xC0 in string"},
    {"\"\xE0\x80\xAF\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0xE0 in string"},
    {"\"\xED\xA0\x80\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0xED in string"},
    {"\"\xF4\x90\x80\x80\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0xF4 in string"},
    {"\"\xF5\x80\x80\x80\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0xF5 in string"},
    {"\"\x80\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0x80 in string"},
    {"\"\xC3\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0xC3 in string"},
    {"\"\xFF\"", 0, REFRACT_EINVAL, NULL, "invalid UTF-8 byte 0xFF in string"},
    {"\"a\tb\"", 0, REFRACT_EINVAL, "line 1, column 3 (byte 2)",
     "unescaped control character 0x09 in string"},
    {"\"a\0b\"", 5, REFRACT_EINVAL, NULL, "unescaped control character 0x00 in string"},
    {"\"abc", 0, REFRACT_EINVAL, "line 1, column 5 (byte 4)",
     "unterminated string, found end of input"},
    {"\"\\x\"", 0, REFRACT_EINVAL, "line 1, column 3 (byte 2)",
     "invalid escape in string, found 'x'"},
    {"\"\\u12G4\"", 0, REFRACT_EINVAL, NULL, "invalid \\u escape in string, expected 4 hex digits"},
    {"\"\\uD800\"", 0, REFRACT_EINVAL, "line 1, column 2 (byte 1)",
     "lone surrogate \\uD800 in string"},
    {"\"\\uDC00\\uD800\"", 0, REFRACT_EINVAL, NULL, "lone surrogate \\uDC00 in string"},
    {"\"\\uD800\\u0041\"", 0, REFRACT_EINVAL, NULL, "lone surrogate \\uD800 in string"},
    {"\"\\uD800x\"", 0, REFRACT_EINVAL, NULL, "lone surrogate \\uD800 in string"},
    {"01", 0, REFRACT_EINVAL, "line 1, column 1 (byte 0)", "leading zero in number"},
    {"-01", 0, REFRACT_EINVAL, NULL, "leading zero in number"},
    {"+1", 0, REFRACT_EINVAL, NULL, "expected a value, found '+'"},
    {".5", 0, REFRACT_EINVAL, NULL, "expected a value, found '.'"},
    {"1.", 0, REFRACT_EINVAL, "line 1, column 3 (byte 2)",
     "expected a digit after '.', found end of input"},
    {"1.e5", 0, REFRACT_EINVAL, NULL, "expected a digit after '.', found 'e'"},
    {"1e", 0, REFRACT_EINVAL, NULL, "expected a digit in exponent, found end of input"},
    {"1e+", 0, REFRACT_EINVAL, NULL, "expected a digit in exponent, found end of input"},
    {"-", 0, REFRACT_EINVAL, NULL, "expected a digit after '-', found end of input"},
    {"-Infinity", 0, REFRACT_EINVAL, NULL, "expected a digit after '-', found 'I'"},
    {"NaN", 0, REFRACT_EINVAL, NULL, "expected a value, found 'N'"},
    {"Infinity", 0, REFRACT_EINVAL, NULL, "expected a value, found 'I'"},
    {"0x10", 0, REFRACT_EINVAL, NULL, "unexpected 'x' after the top-level value"},
    {"1e400", 0, REFRACT_ELIMIT, NULL, "number out of range, found 1e400"},
    {"-1e99999999999999999999", 0, REFRACT_ELIMIT, NULL,
     "number out of range, found -1e99999999999999999999"},
    {"tru", 0, REFRACT_EINVAL, NULL, "expected a value, found 't'"},
    {"nulll", 0, REFRACT_EINVAL, NULL, "unexpected 'l' after the top-level value"},
    {"True", 0, REFRACT_EINVAL, NULL, "expected a value, found 'T'"},
    {"[1,2", 0, REFRACT_EINVAL, NULL,
     "expected ',' or ']' after array element, found end of input"},
    {"{\"a\":1", 0, REFRACT_EINVAL, NULL,
     "expected ',' or '}' after object member, found end of input"},
    {"{1:2}", 0, REFRACT_EINVAL, NULL, "expected '\"' to begin an object key, found '1'"},
    {"['a']", 0, REFRACT_EINVAL, NULL, "expected a value, found '''"},
    {"[1]\0", 4, REFRACT_EINVAL, "line 1, column 4 (byte 3)",
     "unexpected byte 0x00 after the top-level value"},
    {"/* c */ 1", 0, REFRACT_EINVAL, NULL, "expected a value, found '/'"},
    {"[1,/**/2]", 0, REFRACT_EINVAL, NULL, "expected a value, found '/'"},
    {"\xEF\xBB\xBF[]", 0, REFRACT_EINVAL, NULL, "expected a value, found byte 0xEF"},
    {"[\f]", 0, REFRACT_EINVAL, NULL, "expected a value, found byte 0x0C"},
    {"\"\xE2\x80\xA8\" \"x\"", 0, REFRACT_EINVAL, NULL,
     "unexpected '\"' after the top-level value"},
};

static void test_parser_refuses_invalid_documents_with_place_and_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_docs / sizeof bad_docs[0]; i++) {
        const bad_doc *b = &bad_docs[i];
        const rf_json *v = NULL;
        refract_error err;
        int rc = parse_n(&v, b->text, b->len ? b->len : strlen(b->text), &err);
        if (rc != b->code || err.code != b->code || strcmp(err.message, b->message) != 0 ||
            (b->where && strcmp(err.where, b->where) != 0))
            fail_msg("bad doc %zu: rc %d, %s: %s", i, rc, err.where, err.message);
        assert_null(v);
    }
}

static void test_parse_returns_the_right_code_without_an_error_struct(void **state)
{
    (void)state;
    const rf_json *v;
    assert_int_equal(rf_json_parse(&v, &A, "1e999", 5, NULL, NULL), REFRACT_ELIMIT);
    assert_int_equal(rf_json_parse(&v, &A, "[1,]", 4, NULL, NULL), REFRACT_EINVAL);
    refract_error old = {.code = REFRACT_EIO, .where = "x", .message = "earlier"};
    assert_int_equal(rf_json_parse(&v, &A, "\"\\uD800\"", 8, NULL, &old), REFRACT_EINVAL);
    assert_string_equal(old.message, "earlier"); /* the first error is kept */
}

/* ---- limits ---------------------------------------------------------------------------- */

static char *nested(size_t depth, char open, char close)
{
    char *s = malloc(2 * depth + 1);
    assert_non_null(s);
    memset(s, open, depth);
    memset(s + depth, close, depth);
    s[2 * depth] = '\0';
    return s;
}

static void test_nesting_of_10000_is_refused_without_recursion(void **state)
{
    (void)state;
    char *s = nested(10000, '[', ']');
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, s, &err), REFRACT_ELIMIT);
    assert_string_equal(err.message, "nesting deeper than 512");
    assert_string_equal(err.where, "line 1, column 513 (byte 512)");
    free(s);
}

static void test_nesting_of_512_is_accepted(void **state)
{
    (void)state;
    char *s = nested(RF_LIMIT_JSON_DEPTH, '[', ']');
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, s, &err), 0);
    assert_int_equal(rf_json_count(v), 1);
    free(s);
}

static void test_custom_limits_refuse_depth_size_and_string_length(void **state)
{
    (void)state;
    const rf_json *v;
    refract_error err;
    rf_json_limits lim = {.max_bytes = 0, .max_depth = 2, .max_string = 0};
    rf_error_clear(&err);
    assert_int_equal(rf_json_parse(&v, &A, "[[1]]", 5, &lim, &err), 0);
    assert_int_equal(rf_json_parse(&v, &A, "[[[1]]]", 7, &lim, &err), REFRACT_ELIMIT);
    assert_string_equal(err.message, "nesting deeper than 2");

    lim = (rf_json_limits){.max_bytes = 4};
    rf_error_clear(&err);
    assert_int_equal(rf_json_parse(&v, &A, "[1,2]", 5, &lim, &err), REFRACT_ELIMIT);
    assert_string_equal(err.message, "document of 5 bytes exceeds the limit of 4");

    lim = (rf_json_limits){.max_string = 3};
    rf_error_clear(&err);
    assert_int_equal(rf_json_parse(&v, &A, "[\"abc\"]", 7, &lim, &err), 0);
    assert_int_equal(rf_json_parse(&v, &A, "[\"a\\u00e9c\"]", 12, &lim, &err), REFRACT_ELIMIT);
    assert_string_equal(err.message, "string longer than 3 bytes");
    assert_string_equal(err.where, "line 1, column 2 (byte 1)");
}

static void test_long_strings_are_read_whole(void **state)
{
    (void)state;
    size_t n = 3 * 1024 * 1024;
    char *s = malloc(n + 3);
    assert_non_null(s);
    s[0] = '"';
    for (size_t i = 1; i <= n; i++)
        s[i] = (char)('a' + i % 26);
    memcpy(s + n - 4, "\\n\\\"x", 5); /* escapes at the end move the whole tail */
    s[n + 1] = '"';
    s[n + 2] = '\0';
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse_n(&v, s, n + 2, &err), 0);
    assert_int_equal(rf_json_string_len(v), n - 2);
    assert_memory_equal(rf_json_string(v), s + 1, n - 5);
    assert_string_equal(rf_json_string(v) + n - 5, "\n\"x");
    free(s);
}

/* ---- strings --------------------------------------------------------------------------- */

static void test_surrogate_pairs_become_four_byte_utf8(void **state)
{
    (void)state;
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, "\"x\\ud834\\udd1ey\"", &err), 0);
    assert_string_equal(rf_json_string(v), "x\xF0\x9D\x84\x9Ey");
    assert_int_equal(rf_json_string_len(v), 6);
}

static void test_escaped_nul_keeps_the_string_length(void **state)
{
    (void)state;
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, "\"a\\u0000b\"", &err), 0);
    assert_int_equal(rf_json_string_len(v), 3);
    assert_memory_equal(rf_json_string(v), "a\0b", 4);
}

/* ---- numbers --------------------------------------------------------------------------- */

typedef struct num_case {
    const char *text;
    bool is_int;
    int64_t i;
    double d;
} num_case;

static const num_case num_cases[] = {
    {"0", true, 0, 0.0},
    {"-0", true, 0, -0.0},
    {"-0.0", false, 0, -0.0},
    {"0e10", false, 0, 0.0},
    {"1", true, 1, 1.0},
    {"-1", true, -1, -1.0},
    {"9223372036854775807", true, INT64_MAX, 9223372036854775807.0},
    {"-9223372036854775808", true, INT64_MIN, -9223372036854775808.0},
    {"9223372036854775808", false, 0, 9223372036854775808.0},
    {"123456789012345678901234567890", false, 0, 123456789012345678901234567890.0},
    {"1.5", false, 0, 1.5},
    {"1E2", false, 0, 100.0},
    {"1e+2", false, 0, 100.0},
    {"1e-2", false, 0, 0.01},
    {"0.1", false, 0, 0.1},
    {"1e308", false, 0, 1e308},
    {"1.7976931348623157e308", false, 0, 1.7976931348623157e308},
    {"4.9406564584124654e-324", false, 0, 4.9406564584124654e-324},
    {"2.2250738585072011e-308", false, 0, 2.2250738585072011e-308},
    {"1e-400", false, 0, 0.0},
    {"-1e-400", false, 0, -0.0},
    {"1e-99999999999999", false, 0, 0.0},
    {"0e99999999999999", false, 0, 0.0},
    {"123.456e-789", false, 0, 0.0},
    {"9007199254740993", true, 9007199254740993LL, 9007199254740992.0},
    {"9007199254740993.0", false, 0, 9007199254740992.0},
    {"0.30000000000000004", false, 0, 0.30000000000000004},
    {"1e23", false, 0, 1e23},
    {"8.98846567431158e307", false, 0, 8.98846567431158e307},
    {"0.000000000000000000000000000000000000000000001", false, 0, 1e-45},
    {"100000000000000000000000000000000000000000000000000e-50", false, 0, 1.0},
    {"12345678901234567890.123", false, 0, 12345678901234567890.123},
    {"2.5e37", false, 0, 2.5e37},
};

static void test_numbers_are_read_exactly(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof num_cases / sizeof num_cases[0]; i++) {
        const num_case *c = &num_cases[i];
        const rf_json *v;
        refract_error err;
        if (parse(&v, c->text, &err) != 0)
            fail_msg("%s: %s", c->text, err.message);
        assert_int_equal(rf_json_typeof(v), RF_JSON_NUMBER);
        if (rf_json_is_integer(v) != c->is_int)
            fail_msg("%s: is_integer %d", c->text, rf_json_is_integer(v));
        assert_true(rf_json_int(v) == c->i);
        double d = rf_json_number(v);
        if (d != c->d || signbit(d) != signbit(c->d))
            fail_msg("%s: %.17g, expected %.17g", c->text, d, c->d);
    }
}

/* Random decimal strings, read by our fast paths or fallback, against strtod. */
static void test_numbers_agree_with_strtod(void **state)
{
    (void)state;
    uint64_t seed = 42;
    for (int i = 0; i < 100000; i++) {
        char buf[64];
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = seed >> 11;
        int digits = (int)(r % 20) + 1, point = (int)((r >> 5) % 21),
            exp = (int)((r >> 10) % 600) - 320;
        size_t n = 0;
        if (r & (1u << 20))
            buf[n++] = '-';
        uint64_t m = seed;
        buf[n++] = (char)('1' + m % 9);
        for (int k = 1; k < digits; k++) {
            m = m * 6364136223846793005ULL + 1;
            if (k == point)
                buf[n++] = '.';
            buf[n++] = (char)('0' + (m >> 33) % 10);
        }
        n += (size_t)snprintf(buf + n, sizeof buf - n, "e%d", (r & (1u << 21)) ? exp : exp / 20);
        const rf_json *v;
        refract_error err;
        assert_int_equal(parse_n(&v, buf, n, &err), 0);
        double want = strtod(buf, NULL);
        if (rf_json_number(v) != want)
            fail_msg("%s: %.17g, strtod %.17g", buf, rf_json_number(v), want);
        rf_arena_free(&A);
    }
}

static void test_numbers_ignore_the_c_locale(void **state)
{
    (void)state;
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") == NULL &&
        setlocale(LC_NUMERIC, "de_DE.utf8") == NULL) {
        print_message("locale de_DE.UTF-8 not installed: locale independence not exercised\n");
        skip();
    }
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    assert_string_equal(probe, "1,5"); /* the locale is really in force */
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, "[1.5,2.5e-3,0.30000000000000004,1e-400]", &err), 0);
    assert_true(rf_json_number(rf_json_iter_begin(v).cur) == 1.5);
    assert_string_equal(render(v, false), "[1.5,0.0025,0.30000000000000004,0]");
    rf_json_cursor *c = rf_json_cursor_new(&A, "12345678901234567890.5", 22, NULL);
    double d;
    assert_int_equal(rf_json_cursor_number(c, &d, &err), 0);
    assert_true(d == 12345678901234567890.5);
    setlocale(LC_NUMERIC, "C");
}

/* ---- accessors ------------------------------------------------------------------------- */

static void test_accessors_tolerate_null_and_wrong_types(void **state)
{
    (void)state;
    assert_int_equal(rf_json_typeof(NULL), RF_JSON_NULL);
    assert_false(rf_json_is_integer(NULL));
    assert_int_equal(rf_json_int(NULL), 0);
    assert_true(isnan(rf_json_number(NULL)));
    assert_null(rf_json_string(NULL));
    assert_int_equal(rf_json_string_len(NULL), 0);
    assert_int_equal(rf_json_count(NULL), 0);
    assert_null(rf_json_get(NULL, "a"));
    rf_json_iter it = rf_json_iter_begin(NULL);
    assert_null(rf_json_iter_next(&it, NULL));
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, "[\"s\", 1.5]", &err), 0);
    assert_null(rf_json_get(v, "a"));
    it = rf_json_iter_begin(v);
    const rf_json *s = rf_json_iter_next(&it, NULL);
    assert_int_equal(rf_json_count(s), 0);
    assert_true(isnan(rf_json_number(s)));
    assert_int_equal(rf_json_int(rf_json_iter_next(&it, NULL)), 0);
}

static void test_get_and_iteration_walk_members_in_order(void **state)
{
    (void)state;
    const rf_json *v;
    refract_error err;
    assert_int_equal(
        parse(&v, "{\"a\":[1,[2,3],{\"x\":4}],\"b\":{\"c\":null},\"a\":\"dup\",\"d\":true}", &err),
        0);
    assert_int_equal(rf_json_count(v), 4);
    assert_int_equal(rf_json_count(rf_json_get(v, "a")), 3);
    assert_int_equal(rf_json_typeof(rf_json_get(rf_json_get(v, "b"), "c")), RF_JSON_NULL);
    assert_int_equal(rf_json_typeof(rf_json_get(v, "d")), RF_JSON_TRUE);
    assert_null(rf_json_get(v, "e"));
    const char *keys[4];
    rf_json_iter it = rf_json_iter_begin(v);
    size_t n = 0;
    const char *k;
    while (rf_json_iter_next(&it, &k) != NULL)
        keys[n++] = k;
    assert_int_equal(n, 4);
    assert_string_equal(keys[0], "a");
    assert_string_equal(keys[1], "b");
    assert_string_equal(keys[2], "a");
    assert_string_equal(keys[3], "d");
    it = rf_json_iter_begin(rf_json_get(v, "a"));
    assert_int_equal(rf_json_int(rf_json_iter_next(&it, &k)), 1);
    assert_null(k);
    assert_int_equal(rf_json_count(rf_json_iter_next(&it, NULL)), 2);
    assert_int_equal(rf_json_int(rf_json_get(rf_json_iter_next(&it, NULL), "x")), 4);
    assert_null(rf_json_iter_next(&it, NULL));
}

static void test_input_buffer_may_be_freed_after_parse(void **state)
{
    (void)state;
    char *s = strdup("{\"name\":\"value\"}");
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, s, &err), 0);
    memset(s, 'x', strlen(s));
    free(s);
    assert_string_equal(rf_json_string(rf_json_get(v, "name")), "value");
}

/* ---- cursor ---------------------------------------------------------------------------- */

static const char cursor_doc[] =
    "{\"resourceType\": \"Condition\",\n"
    " \"skipped\": {\"deep\": [1, 2, {\"x\": \"y\\\"z\"}], \"n\": null},\n"
    " \"code\": {\"coding\": [{\"code\": \"35489007\", \"display\": \"De\\u0301pression\"}]},\n"
    " \"onset\": 2019.5, \"active\": true, \"note\": [\"a\", \"b\"]}";

static void test_cursor_reads_wanted_members_and_skips_the_rest(void **state)
{
    (void)state;
    refract_error err = {0};
    rf_json_cursor *c = rf_json_cursor_new(&A, cursor_doc, sizeof cursor_doc - 1, NULL);
    assert_non_null(c);
    assert_int_equal(rf_json_cursor_peek(c), RF_JSON_OBJECT);
    assert_int_equal(rf_json_cursor_enter_object(c, &err), 0);
    const char *k, *s;
    size_t kn, sn;
    double onset = 0;
    bool active = false;
    int members = 0;
    while (rf_json_cursor_key(c, &k, &kn, &err) == 1) {
        members++;
        if (strcmp(k, "resourceType") == 0) {
            assert_int_equal(rf_json_cursor_string(c, &s, &sn, &err), 0);
            assert_string_equal(s, "Condition");
        } else if (strcmp(k, "code") == 0) {
            assert_int_equal(rf_json_cursor_enter_object(c, &err), 0);
            assert_int_equal(rf_json_cursor_key(c, &k, &kn, &err), 1);
            assert_string_equal(k, "coding");
            assert_int_equal(rf_json_cursor_enter_array(c, &err), 0);
            assert_int_equal(rf_json_cursor_next_element(c, &err), 1);
            const rf_json *coding;
            assert_int_equal(rf_json_cursor_dom(c, &coding, &A, &err), 0);
            assert_string_equal(rf_json_string(rf_json_get(coding, "code")), "35489007");
            assert_string_equal(rf_json_string(rf_json_get(coding, "display")),
                                "De\xCC\x81pression");
            assert_int_equal(rf_json_cursor_next_element(c, &err), 0);
            assert_int_equal(rf_json_cursor_key(c, &k, &kn, &err), 0);
        } else if (strcmp(k, "onset") == 0) {
            assert_int_equal(rf_json_cursor_peek(c), RF_JSON_NUMBER);
            assert_int_equal(rf_json_cursor_number(c, &onset, &err), 0);
        } else if (strcmp(k, "active") == 0) {
            assert_int_equal(rf_json_cursor_bool(c, &active, &err), 0);
        } else {
            assert_int_equal(rf_json_cursor_skip(c, &err), 0);
        }
    }
    assert_int_equal(err.code, 0);
    assert_int_equal(members, 6);
    assert_true(onset == 2019.5);
    assert_true(active);
    assert_int_equal(rf_json_cursor_end(c, &err), 0);
}

static void test_cursor_skips_values_the_caller_leaves(void **state)
{
    (void)state;
    refract_error err = {0};
    rf_json_cursor *c = rf_json_cursor_new(&A, cursor_doc, sizeof cursor_doc - 1, NULL);
    assert_int_equal(rf_json_cursor_enter_object(c, &err), 0);
    const char *k;
    int n = 0;
    while (rf_json_cursor_key(c, &k, NULL, &err) == 1)
        n++;
    assert_int_equal(n, 6);
    assert_int_equal(rf_json_cursor_end(c, &err), 0);
}

static void test_cursor_keeps_an_escaped_key_while_reading_its_value(void **state)
{
    (void)state;
    const char doc[] = "{\"k\\u00e9y\": \"v\\u00e0l\", \"plain\": \"x\"}";
    refract_error err = {0};
    rf_json_cursor *c = rf_json_cursor_new(&A, doc, sizeof doc - 1, NULL);
    const char *k, *s;
    size_t kn, sn;
    assert_int_equal(rf_json_cursor_enter_object(c, &err), 0);
    assert_int_equal(rf_json_cursor_key(c, &k, &kn, &err), 1);
    assert_int_equal(rf_json_cursor_string(c, &s, &sn, &err), 0);
    assert_string_equal(k, "k\xC3\xA9y");
    assert_int_equal(kn, 4);
    assert_string_equal(s, "v\xC3\xA0l");
    assert_int_equal(rf_json_cursor_key(c, &k, &kn, &err), 1);
    assert_memory_equal(k, "plain", 5);
    assert_int_equal(kn, 5);
}

static void test_cursor_errors_are_placed_and_sticky(void **state)
{
    (void)state;
    const char doc[] = "{\"a\": [1, 2,],\n \"b\": 1}";
    refract_error err = {0};
    rf_json_cursor *c = rf_json_cursor_new(&A, doc, sizeof doc - 1, NULL);
    const char *k;
    assert_int_equal(rf_json_cursor_enter_object(c, &err), 0);
    assert_int_equal(rf_json_cursor_key(c, &k, NULL, &err), 1);
    assert_int_equal(rf_json_cursor_key(c, &k, NULL, &err), REFRACT_EINVAL);
    assert_string_equal(err.message, "expected a value, found ']'");
    assert_string_equal(err.where, "line 1, column 13 (byte 12)");
    refract_error again = {0};
    assert_int_equal(rf_json_cursor_key(c, &k, NULL, &again), REFRACT_EINVAL);
    assert_string_equal(again.message, err.message);
    assert_int_equal(rf_json_cursor_peek(c), RF_JSON_NULL);
}

static void test_cursor_refuses_misuse_and_bad_values(void **state)
{
    (void)state;
    refract_error err = {0};
    rf_json_cursor *c = rf_json_cursor_new(&A, "[\"x\"]", 5, NULL);
    assert_int_equal(rf_json_cursor_enter_object(c, &err), REFRACT_EINVAL);
    assert_string_equal(err.message, "expected '{', found '['");

    rf_error_clear(&err);
    c = rf_json_cursor_new(&A, "[\"x\"]", 5, NULL);
    assert_int_equal(rf_json_cursor_enter_array(c, &err), 0);
    assert_int_equal(rf_json_cursor_key(c, NULL, NULL, &err), REFRACT_EINVAL);
    assert_string_equal(err.message, "the cursor is not inside an object");

    rf_error_clear(&err);
    c = rf_json_cursor_new(&A, "[\"x\xC0\"]", 6, NULL);
    assert_int_equal(rf_json_cursor_enter_array(c, &err), 0);
    assert_int_equal(rf_json_cursor_next_element(c, &err), 1);
    const char *s;
    double d;
    assert_int_equal(rf_json_cursor_number(c, &d, &err), REFRACT_EINVAL);
    assert_string_equal(err.message, "expected a number, found '\"'");

    rf_error_clear(&err);
    c = rf_json_cursor_new(&A, "[\"x\xC0\"]", 6, NULL);
    rf_json_cursor_enter_array(c, &err);
    rf_json_cursor_next_element(c, &err);
    assert_int_equal(rf_json_cursor_string(c, &s, NULL, &err), REFRACT_EINVAL);
    assert_string_equal(err.message, "invalid UTF-8 byte 0xC0 in string");

    rf_error_clear(&err);
    c = rf_json_cursor_new(&A, "[1] 2", 5, NULL);
    assert_int_equal(rf_json_cursor_skip(c, &err), 0);
    assert_int_equal(rf_json_cursor_end(c, &err), REFRACT_EINVAL);
    assert_string_equal(err.message, "unexpected '2' after the top-level value");

    rf_error_clear(&err);
    char *deep = nested(10000, '[', ']');
    c = rf_json_cursor_new(&A, deep, 20000, NULL);
    assert_int_equal(rf_json_cursor_skip(c, &err), REFRACT_ELIMIT);
    assert_string_equal(err.message, "nesting deeper than 512");
    free(deep);
}

static void test_cursor_skip_checks_structure(void **state)
{
    (void)state;
    static const char *const bad[] = {"[1,]",     "{\"a\" 1}", "[\"\\q\"]", "[\"a\nb\"]",
                                      "{\"a\":}", "[tru]",     "[01]",      "[1 2]",
                                      "\"abc",    "{\"a\":1,}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        refract_error err = {0};
        rf_json_cursor *c = rf_json_cursor_new(&A, bad[i], strlen(bad[i]), NULL);
        if (rf_json_cursor_skip(c, &err) == 0 && rf_json_cursor_end(c, &err) == 0)
            fail_msg("cursor skipped invalid %s", bad[i]);
        const rf_json *v;
        refract_error perr;
        assert_int_not_equal(parse(&v, bad[i], &perr), 0);
        assert_string_equal(err.message, perr.message); /* one tokenizer, one message */
    }
}

/* ---- writer ---------------------------------------------------------------------------- */

static void test_writer_pretty_output_is_two_space_indented(void **state)
{
    (void)state;
    rf_strbuf sb;
    rf_strbuf_init(&sb, 0);
    rf_json_writer w;
    rf_jw_init(&w, &sb, true);
    rf_jw_object_begin(&w);
    rf_jw_key(&w, "a");
    rf_jw_int(&w, -42);
    rf_jw_key(&w, "b");
    rf_jw_array_begin(&w);
    rf_jw_number(&w, 0.5);
    rf_jw_bool(&w, false);
    rf_jw_string(&w, NULL);
    rf_jw_array_end(&w);
    rf_jw_key(&w, "e");
    rf_jw_object_begin(&w);
    rf_jw_object_end(&w);
    rf_jw_key(&w, "f");
    rf_jw_array_begin(&w);
    rf_jw_array_end(&w);
    rf_jw_object_end(&w);
    assert_true(rf_jw_ok(&w));
    assert_string_equal(rf_strbuf_cstr(&sb), "{\n  \"a\": -42,\n  \"b\": [\n    0.5,\n    false,\n"
                                             "    null\n  ],\n  \"e\": {},\n  \"f\": []\n}");
    rf_strbuf_free(&sb);
}

static void test_writer_escapes_strings(void **state)
{
    (void)state;
    rf_strbuf sb;
    rf_strbuf_init(&sb, 0);
    rf_json_writer w;
    rf_jw_init(&w, &sb, false);
    rf_jw_array_begin(&w);
    rf_jw_string(&w, "q\"b\\s/\x01\x1F\x7F\xC3\xA9");
    rf_jw_string_n(&w, "n\0l", 3);
    rf_jw_string(&w, "bad\xC0\xAFtail\xE2\x82");
    rf_jw_array_end(&w);
    assert_string_equal(rf_strbuf_cstr(&sb),
                        "[\"q\\\"b\\\\s/\\u0001\\u001f\x7F\xC3\xA9\","
                        "\"n\\u0000l\",\"bad\\ufffd\\ufffdtail\\ufffd\\ufffd\"]");
    rf_strbuf_free(&sb);
}

static void test_writer_numbers_are_shortest_round_trip(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *text;
    } cases[] = {{0.1, "0.1"},         {1.0 / 3, "0.3333333333333333"},
                 {-0.0, "-0"},         {1e21, "1e+21"},
                 {1e300, "1e+300"},    {5e-324, "4.94065645841247e-324"},
                 {123456.0, "123456"}, {0.30000000000000004, "0.30000000000000004"},
                 {NAN, "null"},        {INFINITY, "null"},
                 {-1.5e-7, "-1.5e-07"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rf_strbuf sb;
        rf_strbuf_init(&sb, 0);
        rf_json_writer w;
        rf_jw_init(&w, &sb, false);
        rf_jw_number(&w, cases[i].x);
        assert_string_equal(rf_strbuf_cstr(&sb), cases[i].text);
        rf_strbuf_free(&sb);
    }
    /* random bit patterns: every finite double reads back to itself */
    uint64_t seed = 7;
    for (int i = 0; i < 20000; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        double x;
        memcpy(&x, &seed, sizeof x);
        if (!isfinite(x))
            continue;
        rf_strbuf sb;
        rf_strbuf_init(&sb, 0);
        rf_json_writer w;
        rf_jw_init(&w, &sb, false);
        rf_jw_number(&w, x);
        const rf_json *v;
        refract_error err;
        assert_int_equal(parse(&v, rf_strbuf_cstr(&sb), &err), 0);
        if (rf_json_number(v) != x)
            fail_msg("%.17g written as %s", x, rf_strbuf_cstr(&sb));
        rf_strbuf_free(&sb);
        rf_arena_free(&A);
    }
}

static void test_writer_round_trips_a_document_byte_for_byte(void **state)
{
    (void)state;
    const char doc[] =
        "{\"a\":[1,-0,2.5,1e+300,\"\\u0000\\\"\",{\"b\":{}},[]],\"c\":null,\"d\":true}";
    const rf_json *v;
    refract_error err;
    assert_int_equal(parse(&v, doc, &err), 0);
    assert_string_equal(render(v, false), doc);
}

static void test_writer_fails_past_its_depth_and_ceiling(void **state)
{
    (void)state;
    rf_strbuf sb;
    rf_strbuf_init(&sb, 0);
    rf_json_writer w;
    rf_jw_init(&w, &sb, false);
    for (int i = 0; i < RF_JSON_WRITER_MAX_DEPTH; i++)
        rf_jw_array_begin(&w);
    assert_true(rf_jw_ok(&w));
    rf_jw_array_begin(&w);
    assert_false(rf_jw_ok(&w));
    rf_strbuf_free(&sb);

    rf_strbuf_init(&sb, 8);
    rf_jw_init(&w, &sb, false);
    rf_jw_string(&w, "longer than eight");
    assert_false(rf_jw_ok(&w));
    rf_strbuf_free(&sb);
}

/* ---- failure injection ----------------------------------------------------------------- */

static void test_every_allocation_failure_is_reported(void **state)
{
    (void)state;
    /* big enough that the node array must grow past its first estimate */
    rf_strbuf doc;
    rf_strbuf_init(&doc, 0);
    rf_strbuf_puts(&doc, "[");
    for (int i = 0; i < 20000; i++)
        rf_strbuf_puts(&doc, i ? ",[1,{\"a\":\"\\u00e9\"}]" : "[1,{\"a\":\"\\u00e9\"}]");
    rf_strbuf_puts(&doc, "]");
    for (long n = 0;; n++) {
        rf_arena a;
        rf_arena_init(&a, 0);
        a.fail_after = n;
        const rf_json *v = NULL;
        refract_error err = {0};
        int rc = rf_json_parse(&v, &a, doc.data, doc.len, NULL, &err);
        if (rc == 0) {
            assert_int_equal(rf_json_count(v), 20000);
            rf_arena_free(&a);
            assert_true(n >= 3);
            break;
        }
        assert_int_equal(rc, REFRACT_ENOMEM);
        assert_string_equal(err.message, "out of memory");
        assert_null(v);
        rf_arena_free(&a);
        assert_true(n < 100);
    }
    for (long n = 0;; n++) {
        rf_arena a;
        rf_arena_init(&a, 0);
        a.fail_after = n;
        refract_error err = {0};
        const rf_json *v = NULL;
        rf_json_cursor *c = rf_json_cursor_new(&a, cursor_doc, sizeof cursor_doc - 1, NULL);
        int rc = REFRACT_ENOMEM;
        const char *k;
        if (c != NULL && rf_json_cursor_enter_object(c, &err) == 0) {
            while ((rc = rf_json_cursor_key(c, &k, NULL, &err)) == 1)
                if (strcmp(k, "code") == 0 && (rc = rf_json_cursor_dom(c, &v, &a, &err)) != 0)
                    break;
        }
        rf_arena_free(&a);
        if (rc == 0 && v != NULL)
            break;
        assert_int_equal(rc, REFRACT_ENOMEM);
        assert_true(n < 100);
    }
    rf_strbuf_free(&doc);
}

/* ---- fuzz corpus replay ---------------------------------------------------------------- */

static void test_fuzz_corpus_replays_cleanly(void **state)
{
    (void)state;
    const char *dir = RF_SOURCE_DIR "/fuzz/corpus/fuzz_json";
    DIR *d = opendir(dir);
    if (d == NULL) {
        print_message("no fuzz corpus at %s\n", dir);
        skip();
    }
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *text;
        size_t len;
        refract_error err = {0};
        assert_int_equal(rf_file_read(&text, &len, &A, path, RF_LIMIT_INPUT_BYTES, &err), 0);
        const rf_json *v;
        if (parse_n(&v, text, len, &err) == 0) {
            /* accepted documents survive a write and a reparse unchanged */
            char *once = strdup(render(v, false));
            const rf_json *v2;
            assert_int_equal(parse(&v2, once, &err), 0);
            assert_string_equal(render(v2, false), once);
            free(once);
        } else {
            assert_true(err.message[0] != '\0');
            assert_true(strncmp(err.where, "line ", 5) == 0);
        }
        rf_json_cursor *c = rf_json_cursor_new(&A, text, len, NULL);
        assert_non_null(c);
        refract_error cerr = {0};
        rf_json_cursor_skip(c, &cerr);
        files++;
        rf_arena_free(&A);
    }
    closedir(d);
    assert_true(files > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parser_accepts_valid_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_parser_refuses_invalid_documents_with_place_and_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_returns_the_right_code_without_an_error_struct,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_nesting_of_10000_is_refused_without_recursion, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_nesting_of_512_is_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_limits_refuse_depth_size_and_string_length,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_strings_are_read_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_surrogate_pairs_become_four_byte_utf8, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_escaped_nul_keeps_the_string_length, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_are_read_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_agree_with_strtod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_numbers_ignore_the_c_locale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accessors_tolerate_null_and_wrong_types, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_get_and_iteration_walk_members_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_input_buffer_may_be_freed_after_parse, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cursor_reads_wanted_members_and_skips_the_rest, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cursor_skips_values_the_caller_leaves, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cursor_keeps_an_escaped_key_while_reading_its_value,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_errors_are_placed_and_sticky, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_refuses_misuse_and_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cursor_skip_checks_structure, setup, teardown),
        cmocka_unit_test(test_writer_pretty_output_is_two_space_indented),
        cmocka_unit_test(test_writer_escapes_strings),
        cmocka_unit_test_setup_teardown(test_writer_numbers_are_shortest_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_writer_round_trips_a_document_byte_for_byte, setup,
                                        teardown),
        cmocka_unit_test(test_writer_fails_past_its_depth_and_ceiling),
        cmocka_unit_test(test_every_allocation_failure_is_reported),
        cmocka_unit_test_setup_teardown(test_fuzz_corpus_replays_cleanly, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
