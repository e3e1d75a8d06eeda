/* fuzz_json.c - libFuzzer target for src/json: parse as a DOM, read every value with the
 * cursor (the verdicts must agree: one tokenizer), skip with the cursor, then write the DOM
 * back, compact and pretty, and reparse: the trees must be equal. Any difference aborts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"
#include "json/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_json: %s\n", what);
        abort();
    }
}

static bool tree_equal(const rf_json *a, const rf_json *b)
{
    rf_json_type t = rf_json_typeof(a);
    if (t != rf_json_typeof(b))
        return false;
    switch (t) {
    case RF_JSON_NUMBER: {
        double x = rf_json_number(a), y = rf_json_number(b);
        return x == y && signbit(x) == signbit(y);
    }
    case RF_JSON_STRING:
        return rf_json_string_len(a) == rf_json_string_len(b) &&
               memcmp(rf_json_string(a), rf_json_string(b), rf_json_string_len(a)) == 0;
    case RF_JSON_ARRAY:
    case RF_JSON_OBJECT: {
        if (rf_json_count(a) != rf_json_count(b))
            return false;
        rf_json_iter ia = rf_json_iter_begin(a), ib = rf_json_iter_begin(b);
        const rf_json *va, *vb;
        while ((va = rf_json_iter_next(&ia, NULL)) != NULL) {
            vb = rf_json_iter_next(&ib, NULL);
            if (t == RF_JSON_OBJECT && !tree_equal(ia.key, ib.key))
                return false;
            if (!tree_equal(va, vb))
                return false;
        }
        return true;
    }
    default:
        return true;
    }
}

/* Read every value through the cursor (no skipping): 0 or the first error. */
static int cursor_read_all(rf_json_cursor *c, refract_error *err)
{
    int rc;
    const char *s;
    size_t n;
    double d;
    bool b;
    switch (rf_json_cursor_peek(c)) {
    case RF_JSON_OBJECT:
        if ((rc = rf_json_cursor_enter_object(c, err)) != 0)
            return rc;
        while ((rc = rf_json_cursor_key(c, &s, &n, err)) == 1)
            if ((rc = cursor_read_all(c, err)) != 0)
                return rc;
        return rc;
    case RF_JSON_ARRAY:
        if ((rc = rf_json_cursor_enter_array(c, err)) != 0)
            return rc;
        while ((rc = rf_json_cursor_next_element(c, err)) == 1)
            if ((rc = cursor_read_all(c, err)) != 0)
                return rc;
        return rc;
    case RF_JSON_STRING:
        return rf_json_cursor_string(c, &s, &n, err);
    case RF_JSON_NUMBER:
        return rf_json_cursor_number(c, &d, err);
    case RF_JSON_TRUE:
    case RF_JSON_FALSE:
        return rf_json_cursor_bool(c, &b, err);
    default:
        return rf_json_cursor_skip(c, err); /* null, or the error at a bad byte */
    }
}

static void round_trip(rf_arena *a, const rf_json *v, bool pretty)
{
    rf_strbuf sb;
    rf_strbuf_init(&sb, 0);
    rf_json_writer w;
    rf_jw_init(&w, &sb, pretty);
    rf_jw_value(&w, v);
    if (rf_jw_ok(&w)) { /* not ok only past the writer's depth */
        const rf_json *v2;
        refract_error err = {0};
        int rc = rf_json_parse(&v2, a, rf_strbuf_cstr(&sb), sb.len, NULL, &err);
        check(rc == 0, "the writer's output does not parse");
        check(tree_equal(v, v2), "the reparsed tree differs");
    }
    rf_strbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rf_arena a;
    rf_arena_init(&a, 0);
    const char *text = (const char *)data;
    const rf_json *v;
    refract_error err = {0}, cerr = {0}, serr = {0};
    int rc = rf_json_parse(&v, &a, text, size, NULL, &err);
    check(rc == 0 || (err.code == rc && err.message[0] != '\0'), "error without a message");

    rf_json_cursor *c = rf_json_cursor_new(&a, text, size, NULL);
    check(c != NULL, "cursor_new failed");
    int crc = cursor_read_all(c, &cerr);
    if (crc == 0)
        crc = rf_json_cursor_end(c, &cerr);
    check((rc == 0) == (crc == 0), "the cursor and the parser disagree");

    c = rf_json_cursor_new(&a, text, size, NULL);
    int src = rf_json_cursor_skip(c, &serr);
    if (src == 0)
        src = rf_json_cursor_end(c, &serr);
    if (rc == 0) {
        check(src == 0, "the cursor cannot skip a valid document");
        round_trip(&a, v, false);
        round_trip(&a, v, true);
    }
    rf_arena_free(&a);
    return 0;
}
