/* json.c - the tokenizer (strings, numbers, whitespace) and the DOM parser: the text is
 * copied into the arena with zero padding and parsed in place, strings are unescaped and
 * NUL-terminated where they lie, and the tree is one flat array of 16-byte nodes built
 * with an explicit container stack (no recursion, so no hostile depth reaches the C
 * stack). See docs/internals/json.md. */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_int.h"
#include "util/limits.h"

/* ---- errors ---------------------------------------------------------------------------- */

void rf_json_where(char *out, size_t out_size, const char *text, size_t text_len, size_t off)
{
    if (off > text_len)
        off = text_len;
    size_t line = 1, line_start = 0;
    const char *p = text, *stop = text + off;
    while (p < stop) {
        const char *nl = memchr(p, '\n', (size_t)(stop - p));
        if (nl == NULL)
            break;
        line++;
        line_start = (size_t)(nl - text) + 1;
        p = nl + 1;
    }
    snprintf(out, out_size, "line %zu, column %zu (byte %zu)", line, off - line_start + 1, off);
}

int rf_jctx_fail(const rf_jctx *cx, int code, const char *p, const char *fmt, ...)
{
    if (cx->status != NULL)
        *cx->status = code;
    if (cx->err == NULL || cx->err->code != 0)
        return code;
    char where[160], msg[256];
    size_t off = (size_t)(p - cx->buf) + cx->base_off;
    rf_json_where(where, sizeof where, cx->text, cx->text_len, off);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rf_error_set(cx->err, code, where, "%s", msg);
}

const char *rf_jctx_found(const rf_jctx *cx, const char *p, char buf[24])
{
    size_t off = (size_t)(p - cx->buf) + cx->base_off;
    if (off >= cx->text_len)
        return "end of input";
    unsigned char c = (unsigned char)cx->text[off];
    if (c > 0x20 && c < 0x7F)
        snprintf(buf, 24, "'%c'", c);
    else
        snprintf(buf, 24, "byte 0x%02X", (unsigned)c);
    return buf;
}

int rf_json_nomem(const rf_jctx *cx, rf_arena *a, const char *p)
{
    if (a->cap_bytes != 0 && a->fail_after < 0)
        return rf_jctx_fail(cx, REFRACT_ELIMIT, p, "arena cap of %zu bytes reached", a->cap_bytes);
    return rf_jctx_fail(cx, REFRACT_ENOMEM, p, "out of memory");
}

#define FOUND(q) rf_jctx_found(cx, (q), fb)

/* ---- locale ---------------------------------------------------------------------------- */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

locale_t rf_json_c_locale(void)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale;
}

/* ---- strings --------------------------------------------------------------------------- */

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* One escape at p ('\\'): writes its bytes at *w, returns the byte after it or NULL. */
static char *unescape(const rf_jctx *cx, char *p, char **w)
{
    static const char simple[256] = {['"'] = '"',  ['\\'] = '\\', ['/'] = '/',  ['b'] = '\b',
                                     ['f'] = '\f', ['n'] = '\n',  ['r'] = '\r', ['t'] = '\t'};
    char fb[24];
    unsigned char e = (unsigned char)p[1];
    if (simple[e]) {
        *(*w)++ = simple[e];
        return p + 2;
    }
    if (e != 'u') {
        rf_jctx_fail(cx, REFRACT_EINVAL, p + 1, "invalid escape in string, found %s", FOUND(p + 1));
        return NULL;
    }
    int cp = hex4(p + 2);
    if (cp < 0) {
        rf_jctx_fail(cx, REFRACT_EINVAL, p, "invalid \\u escape in string, expected 4 hex digits");
        return NULL;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        rf_jctx_fail(cx, REFRACT_EINVAL, p, "lone surrogate \\u%04X in string", (unsigned)cp);
        return NULL;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        int lo = (p[6] == '\\' && p[7] == 'u') ? hex4(p + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) {
            rf_jctx_fail(cx, REFRACT_EINVAL, p, "lone surrogate \\u%04X in string", (unsigned)cp);
            return NULL;
        }
        *w = put_utf8(*w, 0x10000u + (((unsigned)cp - 0xD800u) << 10) + ((unsigned)lo - 0xDC00u));
        return p + 12;
    }
    *w = put_utf8(*w, (unsigned)cp);
    return p + 6;
}

static char *string_done(const rf_jctx *cx, char *start, char *w, char *after, size_t *len)
{
    *w = '\0';
    *len = (size_t)(w - start);
    if (*len > cx->max_string) {
        rf_jctx_fail(cx, REFRACT_ELIMIT, start - 1, "string longer than %zu bytes", cx->max_string);
        return NULL;
    }
    return after;
}

static char *string_bad_byte(const rf_jctx *cx, char *p)
{
    unsigned char c = (unsigned char)*p;
    if ((size_t)(p - cx->buf) + cx->base_off >= cx->text_len)
        rf_jctx_fail(cx, REFRACT_EINVAL, p, "unterminated string, found end of input");
    else if (c < 0x20)
        rf_jctx_fail(cx, REFRACT_EINVAL, p, "unescaped control character 0x%02X in string",
                     (unsigned)c);
    else
        rf_jctx_fail(cx, REFRACT_EINVAL, p, "invalid UTF-8 byte 0x%02X in string", (unsigned)c);
    return NULL;
}

/* After the first escape every byte moves down, so this loop copies as it scans. */
static char *string_unescape(const rf_jctx *cx, char *start, char *p, size_t *len)
{
    char *w = p;
    for (;;) {
        uint64_t x = rf_load64(p);
        uint64_t m = rf_swar_eq(x, '"') | rf_swar_eq(x, '\\') | rf_swar_ctl(x) | (x & RF_HIGHS);
        if (m == 0) {
            memcpy(w, &x, 8); /* w + 8 <= p + 8: nothing unread is overwritten */
            p += 8;
            w += 8;
            continue;
        }
        unsigned k = rf_first_byte(m);
        memmove(w, p, k);
        w += k;
        p += k;
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return string_done(cx, start, w, p + 1, len);
        if (c == '\\') {
            p = unescape(cx, p, &w);
            if (p == NULL)
                return NULL;
            continue;
        }
        unsigned bad, n = c >= 0x80 ? rf_utf8_seq((const unsigned char *)p, &bad) : 0;
        if (n == 0)
            return string_bad_byte(cx, p); /* the sequence's first byte */
        memmove(w, p, n);
        w += n;
        p += n;
    }
}

char *rf_json_scan_string(const rf_jctx *cx, char *p, size_t *len)
{
    char *start = p;
    for (;;) {
        uint64_t x = rf_load64(p);
        uint64_t m = rf_swar_eq(x, '"') | rf_swar_eq(x, '\\') | rf_swar_ctl(x) | (x & RF_HIGHS);
        if (m == 0) {
            p += 8;
            continue;
        }
        p += rf_first_byte(m);
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return string_done(cx, start, p, p + 1, len);
        if (c == '\\')
            return string_unescape(cx, start, p, len);
        unsigned bad, n = c >= 0x80 ? rf_utf8_seq((const unsigned char *)p, &bad) : 0;
        if (n == 0)
            return string_bad_byte(cx, p); /* the sequence's first byte */
        p += n;
    }
}

/* ---- numbers --------------------------------------------------------------------------- */

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#define TWO53 9007199254740992.0

static bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* The digits of a number, read once: up to 19 significant digits in m, the rest only
 * moves the decimal exponent (and makes the value inexact if a dropped digit is not 0). */
typedef struct numparts {
    uint64_t m;
    int64_t e10;
    int nd;
    bool neg, exact, is_int;
} numparts;

static void take_digit(numparts *n, unsigned d, bool frac)
{
    if (n->nd < 19) {
        n->m = n->m * 10 + d;
        if (n->m != 0)
            n->nd++;
        if (frac)
            n->e10--;
    } else {
        if (!frac)
            n->e10++;
        if (d != 0)
            n->exact = false;
    }
}

static char *number_grammar(const rf_jctx *cx, char *p, numparts *n)
{
    char fb[24];
    n->neg = *p == '-';
    p += n->neg;
    if (*p == '0') {
        p++;
        if (is_digit(*p)) {
            rf_jctx_fail(cx, REFRACT_EINVAL, p - 1, "leading zero in number");
            return NULL;
        }
    } else if (is_digit(*p)) {
        do
            take_digit(n, (unsigned)(*p++ - '0'), false);
        while (is_digit(*p));
    } else {
        rf_jctx_fail(cx, REFRACT_EINVAL, p, "expected a digit after '-', found %s", FOUND(p));
        return NULL;
    }
    if (*p == '.') {
        n->is_int = false;
        p++;
        if (!is_digit(*p)) {
            rf_jctx_fail(cx, REFRACT_EINVAL, p, "expected a digit after '.', found %s", FOUND(p));
            return NULL;
        }
        do
            take_digit(n, (unsigned)(*p++ - '0'), true);
        while (is_digit(*p));
    }
    if (*p == 'e' || *p == 'E') {
        n->is_int = false;
        p++;
        bool eneg = *p == '-';
        if (*p == '+' || *p == '-')
            p++;
        if (!is_digit(*p)) {
            rf_jctx_fail(cx, REFRACT_EINVAL, p, "expected a digit in exponent, found %s", FOUND(p));
            return NULL;
        }
        int64_t ev = 0;
        do {
            if (ev < 100000000)
                ev = ev * 10 + (*p - '0');
            p++;
        } while (is_digit(*p));
        n->e10 += eneg ? -ev : ev;
    }
    return p;
}

/* Clinger's fast path: an exact mantissa below 2^53 times an exact power of ten is one
 * correctly rounded operation. false when the case needs the full conversion. */
static bool fast_double(const numparts *n, double *out)
{
    if (!n->exact)
        return false;
    double d = (double)n->m;
    if (n->m == 0) {
        d = 0.0;
    } else if (n->m > (1ull << 53)) {
        return false;
    } else if (n->e10 >= -22 && n->e10 <= 22) {
        d = n->e10 < 0 ? d / pow10_exact[-n->e10] : d * pow10_exact[n->e10];
    } else if (n->e10 > 22 && n->e10 <= 22 + 15) {
        d *= pow10_exact[n->e10 - 22]; /* exact while it stays below 2^53 */
        if (d > TWO53)
            return false;
        d *= 1e22;
    } else {
        return false;
    }
    *out = n->neg ? -d : d;
    return true;
}

static double slow_double(char *s, char *end)
{
    char save = *end;
    *end = '\0'; /* the working copy is ours, and padded */
    locale_t c = rf_json_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    double d = strtod(s, NULL);
    if (c)
        uselocale(old);
    *end = save;
    return d;
}

char *rf_json_scan_number(const rf_jctx *cx, char *p, rf_json *out)
{
    numparts n = {.m = 0, .e10 = 0, .nd = 0, .exact = true, .is_int = true};
    char *s = p;
    p = number_grammar(cx, p, &n);
    if (p == NULL)
        return NULL;
    if (n.is_int && n.exact && n.e10 == 0) {
        if (!n.neg && n.m <= (uint64_t)INT64_MAX) {
            out->tag = RF_JSON_NUMBER | RF_JTAG_INT;
            out->u.i = (int64_t)n.m;
            return p;
        }
        if (n.neg && n.m <= (uint64_t)INT64_MAX + 1) {
            out->tag = RF_JSON_NUMBER | RF_JTAG_INT | (n.m == 0 ? RF_JTAG_NEGZERO : 0);
            out->u.i = n.m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)n.m;
            return p;
        }
    }
    double d;
    if (!fast_double(&n, &d))
        d = slow_double(s, p);
    if (isinf(d)) {
        int w = p - s > 40 ? 40 : (int)(p - s);
        rf_jctx_fail(cx, REFRACT_ELIMIT, s, "number out of range, found %.*s%s", w, s,
                     p - s > 40 ? "..." : "");
        return NULL;
    }
    out->tag = RF_JSON_NUMBER;
    out->u.d = d;
    return p;
}

/* ---- the DOM parser -------------------------------------------------------------------- */

/* The parser needs cx->status: a scanner reports failure by returning NULL. */

static rf_json *grow_nodes(rf_arena *a, rf_json *nodes, size_t *cap)
{
    size_t ncap = *cap * 2;
    if (ncap > SIZE_MAX / sizeof *nodes / 2)
        return NULL;
    rf_json *n = rf_arena_grow(a, nodes, *cap * sizeof *nodes, ncap * sizeof *nodes);
    if (n != NULL)
        *cap = ncap;
    return n;
}

char *rf_json_scan_literal(const rf_jctx *cx, char *p, rf_json *node)
{
    char fb[24];
    if (memcmp(p, "true", 4) == 0) {
        node->tag = RF_JSON_TRUE;
        return p + 4;
    }
    if (memcmp(p, "false", 5) == 0) {
        node->tag = RF_JSON_FALSE;
        return p + 5;
    }
    if (memcmp(p, "null", 4) == 0) {
        node->tag = RF_JSON_NULL;
        return p + 4;
    }
    rf_jctx_fail(cx, REFRACT_EINVAL, p, "expected a value, found %s", FOUND(p));
    return NULL;
}

/* Close the container on top of the stack: its member count moves into the tag and its
 * payload becomes the span of its subtree. */
static void close_container(rf_json *nodes, size_t idx, size_t n)
{
    rf_json *c = &nodes[idx];
    c->tag |= (uint64_t)c->u.span << RF_JTAG_SHIFT;
    c->u.span = (uint64_t)(n - idx);
}

/*
 * One loop, three states (value, key, after_value) joined by gotos, as in yyjson: a value
 * that opens a container pushes it and goes on to its first member; after_value consults
 * the stack top for ',' or the closing bracket. The working copy ends in RF_JSON_PAD NULs,
 * so every scanner stops at the end of the text without an end check.
 */
int rf_json_parse_value(const rf_json **out,
                        rf_arena *a,
                        const rf_jctx *cx,
                        char *p,
                        const char *end,
                        uint32_t max_depth,
                        bool single,
                        char **stop)
{
    char fb[24];
    size_t text = (size_t)(end - p);
    size_t stack_cap = (max_depth < text ? max_depth : text) + 1;
    size_t *stack = rf_arena_alloc(a, stack_cap * sizeof *stack);
    /* Pretty-printed FHIR has a node per ~32 bytes, minified NDJSON about one per 16: no
     * doubling for either; a document of tiny values grows the array in place or by copy. */
    size_t cap = text / 12 + 16, n = 0, depth = 0;
    rf_json *nodes = stack ? rf_arena_alloc(a, cap * sizeof *nodes) : NULL;
    if (nodes == NULL)
        return rf_json_nomem(cx, a, p);

    p = rf_json_skip_ws(p);
value:
    if (n + 2 > cap && (nodes = grow_nodes(a, nodes, &cap)) == NULL)
        return rf_json_nomem(cx, a, p);
    switch (*p) {
    case '"': {
        size_t len;
        char *s = p + 1;
        p = rf_json_scan_string(cx, s, &len);
        if (p == NULL)
            return *cx->status;
        nodes[n].tag = RF_JSON_STRING | (uint64_t)len << RF_JTAG_SHIFT;
        nodes[n++].u.s = s;
        goto after_value;
    }
    case '{':
    case '[':
        if (depth >= max_depth)
            return rf_jctx_fail(cx, REFRACT_ELIMIT, p, "nesting deeper than %u",
                                (unsigned)max_depth);
        stack[depth++] = n;
        nodes[n].tag = *p == '{' ? RF_JSON_OBJECT : RF_JSON_ARRAY;
        nodes[n++].u.span = 0;
        p = rf_json_skip_ws(p + 1);
        if (*p == (nodes[n - 1].tag == RF_JSON_OBJECT ? '}' : ']')) {
            close_container(nodes, stack[--depth], n);
            p++;
            goto after_value;
        }
        if (nodes[n - 1].tag == RF_JSON_OBJECT)
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
        p = rf_json_scan_number(cx, p, &nodes[n]);
        if (p == NULL)
            return *cx->status;
        n++;
        goto after_value;
    default:
        p = rf_json_scan_literal(cx, p, &nodes[n]);
        if (p == NULL)
            return *cx->status;
        n++;
        goto after_value;
    }

key:
    if (*p != '"')
        return rf_jctx_fail(cx, REFRACT_EINVAL, p, "expected '\"' to begin an object key, found %s",
                            FOUND(p));
    {
        size_t len;
        char *s = p + 1;
        p = rf_json_scan_string(cx, s, &len);
        if (p == NULL)
            return *cx->status;
        nodes[n].tag = RF_JSON_STRING | (uint64_t)len << RF_JTAG_SHIFT;
        nodes[n++].u.s = s;
    }
    p = rf_json_skip_ws(p);
    if (*p != ':')
        return rf_jctx_fail(cx, REFRACT_EINVAL, p, "expected ':' after object key, found %s",
                            FOUND(p));
    p = rf_json_skip_ws(p + 1);
    goto value;

after_value:
    while (depth > 0) {
        rf_json *top = &nodes[stack[depth - 1]];
        top->u.span++;
        p = rf_json_skip_ws(p);
        bool obj = top->tag == RF_JSON_OBJECT;
        if (*p == ',') {
            p = rf_json_skip_ws(p + 1);
            if (!obj)
                goto value;
            if (n + 3 > cap && (nodes = grow_nodes(a, nodes, &cap)) == NULL)
                return rf_json_nomem(cx, a, p);
            goto key;
        }
        if (*p != (obj ? '}' : ']'))
            return rf_jctx_fail(cx, REFRACT_EINVAL, p,
                                obj ? "expected ',' or '}' after object member, found %s"
                                    : "expected ',' or ']' after array element, found %s",
                                FOUND(p));
        close_container(nodes, stack[--depth], n);
        p++;
    }

    if (single) {
        *stop = p;
    } else {
        p = rf_json_skip_ws(p);
        if (p != end)
            return rf_jctx_fail(cx, REFRACT_EINVAL, p, "unexpected %s after the top-level value",
                                FOUND(p));
    }
    *out = nodes;
    return REFRACT_OK;
}

void rf_json_limits_default(rf_json_limits *out)
{
    out->max_bytes = RF_LIMIT_INPUT_BYTES;
    out->max_depth = RF_LIMIT_JSON_DEPTH;
    out->max_string = RF_LIMIT_JSON_STRING;
}

/* A zero field of the caller's limits means the default. */
void rf_json_limits_fill(rf_json_limits *out, const rf_json_limits *lim)
{
    rf_json_limits_default(out);
    if (lim == NULL)
        return;
    if (lim->max_bytes)
        out->max_bytes = lim->max_bytes;
    if (lim->max_depth)
        out->max_depth = lim->max_depth;
    if (lim->max_string)
        out->max_string = lim->max_string;
}

int rf_json_parse(const rf_json **out,
                  rf_arena *a,
                  const char *buf,
                  size_t len,
                  const rf_json_limits *lim,
                  refract_error *err)
{
    rf_json_limits l;
    rf_json_limits_fill(&l, lim);
    *out = NULL;
    int status = REFRACT_EINVAL;
    rf_jctx cx = {
        .text = buf, .text_len = len, .max_string = l.max_string, .err = err, .status = &status};
    if (len > l.max_bytes) {
        char where[160];
        rf_json_where(where, sizeof where, buf, len, l.max_bytes);
        return rf_error_set(err, REFRACT_ELIMIT, where,
                            "document of %zu bytes exceeds the limit of %zu", len, l.max_bytes);
    }
    char *copy = rf_arena_alloc(a, len + RF_JSON_PAD);
    cx.buf = copy;
    if (copy == NULL) {
        cx.buf = buf;
        return rf_json_nomem(&cx, a, buf);
    }
    memcpy(copy, buf, len);
    memset(copy + len, 0, RF_JSON_PAD);
    return rf_json_parse_value(out, a, &cx, copy, copy + len, l.max_depth, false, NULL);
}

/* ---- accessors ------------------------------------------------------------------------- */

rf_json_type rf_json_typeof(const rf_json *v)
{
    return v ? rf_jnode_type(v) : RF_JSON_NULL;
}

bool rf_json_is_integer(const rf_json *v)
{
    return v != NULL &&
           (v->tag & (RF_JTAG_TYPE_MASK | RF_JTAG_INT)) == (RF_JSON_NUMBER | RF_JTAG_INT);
}

int64_t rf_json_int(const rf_json *v)
{
    return rf_json_is_integer(v) ? v->u.i : 0;
}

double rf_json_number(const rf_json *v)
{
    if (rf_json_typeof(v) != RF_JSON_NUMBER)
        return NAN;
    if (!(v->tag & RF_JTAG_INT))
        return v->u.d;
    return (v->tag & RF_JTAG_NEGZERO) ? -0.0 : (double)v->u.i;
}

const char *rf_json_string(const rf_json *v)
{
    return rf_json_typeof(v) == RF_JSON_STRING ? v->u.s : NULL;
}

size_t rf_json_string_len(const rf_json *v)
{
    return rf_json_typeof(v) == RF_JSON_STRING ? rf_jnode_len(v) : 0;
}

size_t rf_json_count(const rf_json *v)
{
    rf_json_type t = rf_json_typeof(v);
    return (t == RF_JSON_ARRAY || t == RF_JSON_OBJECT) ? rf_jnode_len(v) : 0;
}

const rf_json *rf_json_get(const rf_json *obj, const char *key)
{
    if (rf_json_typeof(obj) != RF_JSON_OBJECT || key == NULL)
        return NULL;
    size_t klen = strlen(key), left = rf_jnode_len(obj);
    const rf_json *k = obj + 1;
    for (; left > 0; left--) {
        const rf_json *v = k + 1;
        if (rf_jnode_len(k) == klen && memcmp(k->u.s, key, klen) == 0)
            return v;
        k = v + rf_jnode_span(v);
    }
    return NULL;
}

rf_json_iter rf_json_iter_begin(const rf_json *container)
{
    rf_json_iter it = {NULL, 0, false, NULL};
    size_t n = rf_json_count(container);
    if (n > 0) {
        it.cur = container + 1;
        it.left = n;
        it.is_object = rf_jnode_type(container) == RF_JSON_OBJECT;
    }
    return it;
}

const rf_json *rf_json_iter_next(rf_json_iter *it, const char **key)
{
    if (it->left == 0)
        return NULL;
    const rf_json *v = it->cur;
    it->left--;
    /* members of an object are (key, value) pairs; array elements have no key node */
    if (key != NULL)
        *key = NULL;
    if (it->is_object) {
        it->key = v;
        if (key != NULL)
            *key = v->u.s;
        v++;
    }
    it->cur = v + rf_jnode_span(v);
    return v;
}
