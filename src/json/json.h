/* json.h - JSON for every front: a strict RFC 8259 DOM parser into the caller's arena, an
 * on-demand cursor that skips what the caller does not ask for (bulk screening), and a
 * writer. One tokenizer under both readers. See docs/internals/json.md. */
#ifndef RF_JSON_H
#define RF_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../util/util.h"

typedef enum rf_json_type {
    RF_JSON_NULL = 0,
    RF_JSON_FALSE,
    RF_JSON_TRUE,
    RF_JSON_NUMBER,
    RF_JSON_STRING,
    RF_JSON_ARRAY,
    RF_JSON_OBJECT
} rf_json_type;

/* Limits: whatever grows from outside input has a ceiling. */
typedef struct rf_json_limits {
    size_t max_bytes;    /* whole document */
    uint32_t max_depth;  /* nesting of arrays/objects */
    size_t max_string;   /* one string, in bytes after unescaping */
} rf_json_limits;
/* Defaults from src/util/limits.h. */
void rf_json_limits_default(rf_json_limits *out);

/* A value in the DOM. Opaque; valid as long as the arena it was parsed into. */
typedef struct rf_json rf_json;

/*
 * Parse a whole document. The text is copied into the arena (so buf may be freed after);
 * strings are unescaped in place there and NUL-terminated. Strict RFC 8259: UTF-8 is
 * validated, no trailing commas, no comments, no NaN, no leading zeros, no trailing
 * content. Numbers are read without regard to the C locale.
 * On error err->where is "line L, column C (byte B)" and err->message says what was
 * wrong and near what, e.g. "unexpected ',' after object member".
 * lim may be NULL for the defaults.
 */
int rf_json_parse(const rf_json **out, rf_arena *a, const char *buf, size_t len,
                  const rf_json_limits *lim, refract_error *err);

/* Accessors. Every accessor tolerates NULL (returns the "absent" answer). */
rf_json_type rf_json_typeof(const rf_json *v);
bool rf_json_is_integer(const rf_json *v);  /* a number written without fraction/exponent
                                               that fits int64 */
int64_t rf_json_int(const rf_json *v);      /* 0 unless rf_json_is_integer */
double rf_json_number(const rf_json *v);    /* any number as a double; NaN if not a number */
const char *rf_json_string(const rf_json *v); /* NUL-terminated UTF-8, or NULL */
size_t rf_json_string_len(const rf_json *v);  /* bytes (strings may contain \u0000) */
size_t rf_json_count(const rf_json *v);       /* members of an array or object, else 0 */
/* Object member lookup by key (first match), NULL if absent or v is not an object. */
const rf_json *rf_json_get(const rf_json *obj, const char *key);

/* Iteration over arrays and objects, in document order:
 *     rf_json_iter it = rf_json_iter_begin(arr);
 *     const rf_json *v;
 *     while ((v = rf_json_iter_next(&it, NULL)) != NULL) ...
 * For objects, next() also returns the member's key through *key (NUL-terminated); the
 * key's node is in it.key (rf_json_string_len gives its length, keys may hold \u0000). */
typedef struct rf_json_iter {
    const rf_json *cur;
    size_t left;
    bool is_object;
    const rf_json *key; /* objects: the key node of the member next() returned last */
} rf_json_iter;
rf_json_iter rf_json_iter_begin(const rf_json *container);
const rf_json *rf_json_iter_next(rf_json_iter *it, const char **key);

/* ---- on-demand cursor ------------------------------------------------------------------ */

/*
 * Walks a document without building it: the caller asks for the members it wants and
 * skips the rest at scanning speed. Same strictness as the parser for what it reads; a
 * skipped value is checked for structure and string syntax (UTF-8 validation of skipped
 * strings is not required). Used by the bulk screen on NDJSON lines. Strings come back as
 * slices of the input when they hold no escape, else unescaped into scratch (valid until
 * the next call).
 */
typedef struct rf_json_cursor rf_json_cursor; /* defined in json_int.h; stack-allocate via
                                                 rf_json_cursor_new in an arena */
rf_json_cursor *rf_json_cursor_new(rf_arena *a, const char *buf, size_t len,
                                   const rf_json_limits *lim);
/* Enter an object; then call rf_json_cursor_key until it returns 0 (end of object). */
int rf_json_cursor_enter_object(rf_json_cursor *c, refract_error *err);
/* Next member key: 1 and the key (slice) when there is one, 0 at the object's end,
 * negative on error. */
int rf_json_cursor_key(rf_json_cursor *c, const char **key, size_t *key_len,
                       refract_error *err);
int rf_json_cursor_enter_array(rf_json_cursor *c, refract_error *err);
/* 1 when another element follows (the cursor is at it), 0 at the array's end. */
int rf_json_cursor_next_element(rf_json_cursor *c, refract_error *err);
rf_json_type rf_json_cursor_peek(rf_json_cursor *c); /* type of the value at the cursor */
int rf_json_cursor_string(rf_json_cursor *c, const char **s, size_t *len, refract_error *err);
int rf_json_cursor_number(rf_json_cursor *c, double *out, refract_error *err);
int rf_json_cursor_skip(rf_json_cursor *c, refract_error *err); /* skip the current value */
/* Parse the value at the cursor into a DOM (for a member the caller wants whole). */
int rf_json_cursor_dom(rf_json_cursor *c, const rf_json **out, rf_arena *a, refract_error *err);
/* true/false at the cursor (any other value is an error). */
int rf_json_cursor_bool(rf_json_cursor *c, bool *out, refract_error *err);
/* After the top-level value: REFRACT_OK if only whitespace follows, else an error. */
int rf_json_cursor_end(rf_json_cursor *c, refract_error *err);
/* Byte offset of the cursor in the text (for callers' own messages). */
size_t rf_json_cursor_offset(const rf_json_cursor *c);

/* ---- writer ---------------------------------------------------------------------------- */

/*
 * Streams JSON into an rf_strbuf. Commas and (with pretty) indentation are handled;
 * strings are escaped (control characters as \u00XX, '"' and '\\'; UTF-8 passed through).
 * Numbers: integers as integers; other doubles in the shortest form that round-trips,
 * never in a locale's format; NaN/inf are written as null. Deterministic: the same calls
 * give the same bytes.
 */
#define RF_JSON_WRITER_MAX_DEPTH 64
typedef struct rf_json_writer {
    rf_strbuf *out;
    int depth;
    bool pretty;
    bool after_key;
    bool need_comma[RF_JSON_WRITER_MAX_DEPTH];
} rf_json_writer;

void rf_jw_init(rf_json_writer *w, rf_strbuf *out, bool pretty);
void rf_jw_object_begin(rf_json_writer *w);
void rf_jw_object_end(rf_json_writer *w);
void rf_jw_array_begin(rf_json_writer *w);
void rf_jw_array_end(rf_json_writer *w);
void rf_jw_key(rf_json_writer *w, const char *key);
void rf_jw_key_n(rf_json_writer *w, const char *key, size_t n);
void rf_jw_string(rf_json_writer *w, const char *s); /* NULL writes null */
void rf_jw_string_n(rf_json_writer *w, const char *s, size_t n);
void rf_jw_number(rf_json_writer *w, double x);
void rf_jw_int(rf_json_writer *w, int64_t x);
void rf_jw_bool(rf_json_writer *w, bool b);
void rf_jw_null(rf_json_writer *w);
/* Write a DOM value (for round trips and tests). */
void rf_jw_value(rf_json_writer *w, const rf_json *v);
/* true if every write so far succeeded (the strbuf did not hit its ceiling) */
bool rf_jw_ok(const rf_json_writer *w);

#endif
