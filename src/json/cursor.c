/* cursor.c - the on-demand reader for bulk screening: the caller walks a document member by
 * member and the values it does not ask for are skipped by a structural scan that checks
 * the grammar but builds nothing. Same tokenizer as the DOM parser (json.c). */
#include <stdio.h>

#include "json_int.h"

static int replay(const rf_json_cursor *c, refract_error *err)
{
    if (err != NULL && err->code == 0)
        *err = c->failed;
    return c->failed.code;
}

static rf_jctx cursor_ctx(rf_json_cursor *c)
{
    rf_jctx cx = {.text = c->buf,
                  .text_len = c->len,
                  .buf = c->buf,
                  .base_off = 0,
                  .max_string = c->lim.max_string,
                  .err = &c->failed,
                  .status = NULL};
    return cx;
}

#define FOUND(q) rf_jctx_found(&cx, (q), fb)

rf_json_cursor *rf_json_cursor_new(rf_arena *a,
                                   const char *buf,
                                   size_t len,
                                   const rf_json_limits *lim)
{
    rf_json_cursor *c = RF_NEW(a, rf_json_cursor);
    if (c == NULL)
        return NULL;
    rf_json_limits_fill(&c->lim, lim);
    c->a = a;
    c->pending = true;
    if (len > c->lim.max_bytes) {
        static char empty[RF_JSON_PAD];
        char where[160];
        rf_json_where(where, sizeof where, buf, len, c->lim.max_bytes);
        rf_error_set(&c->failed, REFRACT_ELIMIT, where,
                     "document of %zu bytes exceeds the limit of %zu", len, c->lim.max_bytes);
        c->buf = c->p = empty;
        return c;
    }
    size_t kinds = (c->lim.max_depth < len ? c->lim.max_depth : len) + 1;
    c->kinds = rf_arena_alloc(a, kinds);
    c->buf = c->kinds ? rf_arena_alloc(a, len + RF_JSON_PAD) : NULL;
    if (c->buf == NULL)
        return NULL;
    memcpy(c->buf, buf, len);
    memset(c->buf + len, 0, RF_JSON_PAD);
    c->len = len;
    c->p = c->buf;
    return c;
}

size_t rf_json_cursor_offset(const rf_json_cursor *c)
{
    return (size_t)(c->p - c->buf);
}

/* Every reader starts here: a sticky error is repeated, and there must be a value. */
static int need_value(rf_json_cursor *c, refract_error *err)
{
    if (c->failed.code != 0)
        return replay(c, err);
    if (!c->pending) {
        rf_jctx cx = cursor_ctx(c);
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "no value at the cursor");
        return replay(c, err);
    }
    c->p = rf_json_skip_ws(c->p);
    return REFRACT_OK;
}

/* ---- skipping -------------------------------------------------------------------------- */

/* The string whose quote is at p[-1]: syntax only (escapes, control bytes), not UTF-8.
 * Returns the byte after the closing quote; *escaped tells whether a '\\' was seen. */
static char *skip_string(const rf_jctx *cx, char *p, bool *escaped)
{
    char fb[24];
    for (;;) {
        uint64_t x = rf_load64(p);
        uint64_t m = rf_swar_eq(x, '"') | rf_swar_eq(x, '\\') | rf_swar_ctl(x);
        if (m == 0) {
            p += 8;
            continue;
        }
        p += rf_first_byte(m);
        if (*p == '"')
            return p + 1;
        if (*p != '\\') {
            if ((size_t)(p - cx->buf) + cx->base_off >= cx->text_len)
                rf_jctx_fail(cx, REFRACT_EINVAL, p, "unterminated string, found end of input");
            else
                rf_jctx_fail(cx, REFRACT_EINVAL, p, "unescaped control character 0x%02X in string",
                             (unsigned)(unsigned char)*p);
            return NULL;
        }
        *escaped = true;
        char e = p[1];
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
            e == 't') {
            p += 2;
            continue;
        }
        if (e != 'u') {
            rf_jctx_fail(cx, REFRACT_EINVAL, p + 1, "invalid escape in string, found %s",
                         rf_jctx_found(cx, p + 1, fb));
            return NULL;
        }
        for (int i = 2; i < 6; i++) {
            char h = p[i];
            if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
                rf_jctx_fail(cx, REFRACT_EINVAL, p,
                             "invalid \\u escape in string, expected 4 hex digits");
                return NULL;
            }
        }
        p += 6;
    }
}

/* Skip the value at p (whitespace before it allowed): a structural scan with its own
 * stack in c->kinds above the cursor's depth, so nesting is bounded as in the parser. */
static char *skip_value(rf_json_cursor *c, char *p)
{
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    uint32_t base = c->depth, depth = c->depth;
    bool esc;
    rf_json scratch;
value:
    p = rf_json_skip_ws(p);
    switch (*p) {
    case '"':
        p = skip_string(&cx, p + 1, &esc);
        break;
    case '{':
    case '[':
        if (depth >= c->lim.max_depth) {
            rf_jctx_fail(&cx, REFRACT_ELIMIT, p, "nesting deeper than %u",
                         (unsigned)c->lim.max_depth);
            return NULL;
        }
        c->kinds[depth++] = (unsigned char)*p;
        p = rf_json_skip_ws(p + 1);
        if (*p == (c->kinds[depth - 1] == '{' ? '}' : ']')) {
            depth--;
            p++;
            break;
        }
        if (c->kinds[depth - 1] == '{')
            goto key;
        goto value;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        p = rf_json_scan_number(&cx, p, &scratch);
        break;
    default:
        p = rf_json_scan_literal(&cx, p, &scratch);
        break;
    }
    if (p == NULL)
        return NULL;
    while (depth > base) {
        bool obj = c->kinds[depth - 1] == '{';
        p = rf_json_skip_ws(p);
        if (*p == ',') {
            p = rf_json_skip_ws(p + 1);
            if (obj)
                goto key;
            goto value;
        }
        if (*p != (obj ? '}' : ']')) {
            rf_jctx_fail(&cx, REFRACT_EINVAL, p,
                         obj ? "expected ',' or '}' after object member, found %s"
                             : "expected ',' or ']' after array element, found %s",
                         FOUND(p));
            return NULL;
        }
        depth--;
        p++;
    }
    return p;
key:
    if (*p != '"') {
        rf_jctx_fail(&cx, REFRACT_EINVAL, p, "expected '\"' to begin an object key, found %s",
                     FOUND(p));
        return NULL;
    }
    p = skip_string(&cx, p + 1, &esc);
    if (p == NULL)
        return NULL;
    p = rf_json_skip_ws(p);
    if (*p != ':') {
        rf_jctx_fail(&cx, REFRACT_EINVAL, p, "expected ':' after object key, found %s", FOUND(p));
        return NULL;
    }
    p++;
    goto value;
}

int rf_json_cursor_skip(rf_json_cursor *c, refract_error *err)
{
    int rc = need_value(c, err);
    if (rc != REFRACT_OK)
        return rc;
    char *p = skip_value(c, c->p);
    if (p == NULL)
        return replay(c, err);
    c->p = p;
    c->pending = false;
    return REFRACT_OK;
}

/* ---- reading --------------------------------------------------------------------------- */

/* The string at c->p ('"'). Without escapes it is validated and NUL-terminated where it
 * lies; with escapes its raw bytes are copied into scratch[which] and unescaped there, so
 * the cursor's text keeps its line breaks for error positions. */
static int read_string(
    rf_json_cursor *c, int which, const char **s, size_t *len, refract_error *err)
{
    rf_jctx cx = cursor_ctx(c);
    char *start = c->p + 1;
    bool esc = false;
    char *after = skip_string(&cx, start, &esc);
    if (after == NULL)
        return replay(c, err);
    if (!esc) {
        if (rf_json_scan_string(&cx, start, len) == NULL)
            return replay(c, err);
        *s = start;
        c->p = after;
        return REFRACT_OK;
    }
    size_t raw = (size_t)(after - start);
    if (c->scratch_cap[which] < raw + RF_JSON_PAD) {
        size_t cap = raw + RF_JSON_PAD < 256 ? 256 : raw + RF_JSON_PAD;
        c->scratch[which] = rf_arena_alloc(c->a, cap);
        c->scratch_cap[which] = c->scratch[which] ? cap : 0;
        if (c->scratch[which] == NULL) {
            rf_json_nomem(&cx, c->a, c->p);
            return replay(c, err);
        }
    }
    char *sc = c->scratch[which];
    memcpy(sc, start, raw);
    memset(sc + raw, 0, RF_JSON_PAD);
    rf_jctx sx = cx;
    sx.buf = sc;
    sx.base_off = (size_t)(start - c->buf);
    if (rf_json_scan_string(&sx, sc, len) == NULL)
        return replay(c, err);
    *s = sc;
    c->p = after;
    return REFRACT_OK;
}

int rf_json_cursor_string(rf_json_cursor *c, const char **s, size_t *len, refract_error *err)
{
    int rc = need_value(c, err);
    if (rc != REFRACT_OK)
        return rc;
    if (*c->p != '"') {
        rf_jctx cx = cursor_ctx(c);
        char fb[24];
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "expected a string, found %s", FOUND(c->p));
        return replay(c, err);
    }
    size_t n;
    rc = read_string(c, 1, s, &n, err);
    if (rc != REFRACT_OK)
        return rc;
    if (len != NULL)
        *len = n;
    c->pending = false;
    return REFRACT_OK;
}

int rf_json_cursor_number(rf_json_cursor *c, double *out, refract_error *err)
{
    int rc = need_value(c, err);
    if (rc != REFRACT_OK)
        return rc;
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    if (*c->p != '-' && (unsigned char)(*c->p - '0') >= 10) {
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "expected a number, found %s", FOUND(c->p));
        return replay(c, err);
    }
    rf_json node;
    char *p = rf_json_scan_number(&cx, c->p, &node);
    if (p == NULL)
        return replay(c, err);
    *out = rf_json_number(&node);
    c->p = p;
    c->pending = false;
    return REFRACT_OK;
}

int rf_json_cursor_bool(rf_json_cursor *c, bool *out, refract_error *err)
{
    int rc = need_value(c, err);
    if (rc != REFRACT_OK)
        return rc;
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    rf_json node = {.tag = RF_JSON_NULL};
    char *p = (*c->p == 't' || *c->p == 'f') ? rf_json_scan_literal(&cx, c->p, &node) : NULL;
    if (p == NULL) {
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "expected true or false, found %s", FOUND(c->p));
        return replay(c, err);
    }
    *out = node.tag == RF_JSON_TRUE;
    c->p = p;
    c->pending = false;
    return REFRACT_OK;
}

rf_json_type rf_json_cursor_peek(rf_json_cursor *c)
{
    if (c->failed.code != 0 || !c->pending)
        return RF_JSON_NULL;
    c->p = rf_json_skip_ws(c->p);
    switch (*c->p) {
    case '{':
        return RF_JSON_OBJECT;
    case '[':
        return RF_JSON_ARRAY;
    case '"':
        return RF_JSON_STRING;
    case 't':
        return RF_JSON_TRUE;
    case 'f':
        return RF_JSON_FALSE;
    case '-':
        return RF_JSON_NUMBER;
    default:
        return (unsigned char)(*c->p - '0') < 10 ? RF_JSON_NUMBER : RF_JSON_NULL;
    }
}

/* ---- containers ------------------------------------------------------------------------ */

static int enter(rf_json_cursor *c, char open, refract_error *err)
{
    int rc = need_value(c, err);
    if (rc != REFRACT_OK)
        return rc;
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    if (*c->p != open) {
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "expected '%c', found %s", open, FOUND(c->p));
        return replay(c, err);
    }
    if (c->depth >= c->lim.max_depth) {
        rf_jctx_fail(&cx, REFRACT_ELIMIT, c->p, "nesting deeper than %u",
                     (unsigned)c->lim.max_depth);
        return replay(c, err);
    }
    c->kinds[c->depth++] = (unsigned char)open;
    c->p++;
    c->first = true;
    c->pending = false;
    return REFRACT_OK;
}

int rf_json_cursor_enter_object(rf_json_cursor *c, refract_error *err)
{
    return enter(c, '{', err);
}

int rf_json_cursor_enter_array(rf_json_cursor *c, refract_error *err)
{
    return enter(c, '[', err);
}

/* Move to the innermost container's next member: 1 at a member, 0 past the closing
 * bracket (the container is left), negative on error. A value the caller did not
 * consume is skipped first. */
static int advance(rf_json_cursor *c, char open, refract_error *err)
{
    if (c->failed.code != 0)
        return replay(c, err);
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    if (c->depth == 0 || c->kinds[c->depth - 1] != (unsigned char)open) {
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "the cursor is not inside %s",
                     open == '{' ? "an object" : "an array");
        return replay(c, err);
    }
    if (c->pending && rf_json_cursor_skip(c, err) != REFRACT_OK)
        return c->failed.code;
    char close = open == '{' ? '}' : ']';
    char *p = rf_json_skip_ws(c->p);
    if (*p == close) {
        c->p = p + 1;
        c->depth--;
        c->first = false;
        return 0;
    }
    if (!c->first) {
        if (*p != ',') {
            rf_jctx_fail(&cx, REFRACT_EINVAL, p,
                         open == '{' ? "expected ',' or '}' after object member, found %s"
                                     : "expected ',' or ']' after array element, found %s",
                         FOUND(p));
            return replay(c, err);
        }
        p = rf_json_skip_ws(p + 1);
    }
    c->first = false;
    c->p = p;
    c->pending = true;
    return 1;
}

int rf_json_cursor_next_element(rf_json_cursor *c, refract_error *err)
{
    return advance(c, '[', err);
}

int rf_json_cursor_key(rf_json_cursor *c, const char **key, size_t *key_len, refract_error *err)
{
    int rc = advance(c, '{', err);
    if (rc <= 0)
        return rc;
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    if (*c->p != '"') {
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "expected '\"' to begin an object key, found %s",
                     FOUND(c->p));
        return replay(c, err);
    }
    size_t n;
    rc = read_string(c, 0, key, &n, err);
    if (rc != REFRACT_OK)
        return rc;
    if (key_len != NULL)
        *key_len = n;
    char *p = rf_json_skip_ws(c->p);
    if (*p != ':') {
        rf_jctx_fail(&cx, REFRACT_EINVAL, p, "expected ':' after object key, found %s", FOUND(p));
        return replay(c, err);
    }
    c->p = rf_json_skip_ws(p + 1);
    return 1;
}

/* ---- whole values ---------------------------------------------------------------------- */

int rf_json_cursor_dom(rf_json_cursor *c, const rf_json **out, rf_arena *a, refract_error *err)
{
    *out = NULL;
    int rc = need_value(c, err);
    if (rc != REFRACT_OK)
        return rc;
    char *start = c->p;
    char *end = skip_value(c, start);
    if (end == NULL)
        return replay(c, err);
    /* The DOM gets its own padded copy in a: it may outlive the cursor's arena, and
     * unescaping in place must not disturb the cursor's text. */
    size_t n = (size_t)(end - start);
    rf_jctx cx = cursor_ctx(c);
    int status = REFRACT_EINVAL;
    cx.status = &status;
    char *copy = rf_arena_alloc(a, n + RF_JSON_PAD);
    if (copy == NULL) {
        rf_json_nomem(&cx, a, start);
        return replay(c, err);
    }
    memcpy(copy, start, n);
    memset(copy + n, 0, RF_JSON_PAD);
    cx.buf = copy;
    cx.base_off = (size_t)(start - c->buf);
    rc = rf_json_parse_value(out, a, &cx, copy, copy + n, c->lim.max_depth - c->depth, false, NULL);
    if (rc != REFRACT_OK)
        return replay(c, err);
    c->p = end;
    c->pending = false;
    return REFRACT_OK;
}

int rf_json_cursor_end(rf_json_cursor *c, refract_error *err)
{
    if (c->failed.code != 0)
        return replay(c, err);
    rf_jctx cx = cursor_ctx(c);
    char fb[24];
    if (c->depth != 0 || c->pending) {
        rf_jctx_fail(&cx, REFRACT_EINVAL, c->p, "the top-level value has not been read to its end");
        return replay(c, err);
    }
    char *p = rf_json_skip_ws(c->p);
    if (p != c->buf + c->len) {
        rf_jctx_fail(&cx, REFRACT_EINVAL, p, "unexpected %s after the top-level value", FOUND(p));
        return replay(c, err);
    }
    c->p = p;
    return REFRACT_OK;
}
