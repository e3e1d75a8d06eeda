/* writer.c - JSON out: commas, indentation, string escaping and numbers that read back to
 * the same double, whatever the program's locale. The same calls always give the same
 * bytes, so rendered output can be compared and hashed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_int.h"

void rf_jw_init(rf_json_writer *w, rf_strbuf *out, bool pretty)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->pretty = pretty;
}

bool rf_jw_ok(const rf_json_writer *w)
{
    return !w->out->failed;
}

static void put(rf_json_writer *w, const char *s, size_t n)
{
    rf_strbuf_put(w->out, s, n);
}

static void newline(rf_json_writer *w)
{
    static const char spaces[] = "                                ";
    rf_strbuf_putc(w->out, '\n');
    size_t n = (size_t)w->depth * 2;
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(w, spaces, k);
        n -= k;
    }
}

/* Comma and indentation before a value or a key; nothing right after a key. */
static void before(rf_json_writer *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth == 0)
        return;
    if (w->depth <= RF_JSON_WRITER_MAX_DEPTH) {
        if (w->need_comma[w->depth - 1])
            rf_strbuf_putc(w->out, ',');
        w->need_comma[w->depth - 1] = true;
    }
    if (w->pretty)
        newline(w);
}

static void begin(rf_json_writer *w, char open)
{
    before(w);
    rf_strbuf_putc(w->out, open);
    if (w->depth >= RF_JSON_WRITER_MAX_DEPTH)
        w->out->failed = true; /* deeper than need_comma[]: the output would be wrong */
    else
        w->need_comma[w->depth] = false;
    w->depth++;
}

static void end(rf_json_writer *w, char close)
{
    if (w->depth == 0) {
        w->out->failed = true; /* unbalanced: a caller's bug, reported as a failed write */
        return;
    }
    w->depth--;
    if (w->pretty && w->depth < RF_JSON_WRITER_MAX_DEPTH && w->need_comma[w->depth])
        newline(w);
    rf_strbuf_putc(w->out, close);
}

void rf_jw_object_begin(rf_json_writer *w)
{
    begin(w, '{');
}

void rf_jw_object_end(rf_json_writer *w)
{
    end(w, '}');
}

void rf_jw_array_begin(rf_json_writer *w)
{
    begin(w, '[');
}

void rf_jw_array_end(rf_json_writer *w)
{
    end(w, ']');
}

/* Length of the valid UTF-8 sequence at s[i..n), or 0. */
static unsigned utf8_at(const char *s, size_t i, size_t n)
{
    unsigned char b[4] = {0, 0, 0, 0};
    size_t k = n - i < 4 ? n - i : 4;
    memcpy(b, s + i, k);
    unsigned bad;
    return rf_utf8_seq(b, &bad);
}

/* '"', '\\' and control bytes are escaped; invalid UTF-8 bytes become U+FFFD, so the
 * output is always valid JSON whatever the caller's bytes. */
static void put_string(rf_json_writer *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    rf_strbuf_putc(w->out, '"');
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        unsigned len = c >= 0x80 ? utf8_at(s, i, n) : 0;
        if (len > 0) {
            i += len;
            continue;
        }
        put(w, s + run, i - run);
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            put(w, esc, 2);
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(w, esc, 6);
        } else {
            put(w, "\\ufffd", 6);
        }
        i++;
        run = i;
    }
    put(w, s + run, n - run);
    rf_strbuf_putc(w->out, '"');
}

void rf_jw_key_n(rf_json_writer *w, const char *key, size_t n)
{
    before(w);
    put_string(w, key, n);
    put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = true;
}

void rf_jw_key(rf_json_writer *w, const char *key)
{
    rf_jw_key_n(w, key, strlen(key));
}

void rf_jw_string_n(rf_json_writer *w, const char *s, size_t n)
{
    before(w);
    put_string(w, s, n);
}

void rf_jw_string(rf_json_writer *w, const char *s)
{
    if (s == NULL)
        rf_jw_null(w);
    else
        rf_jw_string_n(w, s, strlen(s));
}

static void put_int(rf_json_writer *w, int64_t x)
{
    char buf[24];
    char *p = buf + sizeof buf;
    uint64_t u = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (x < 0)
        *--p = '-';
    put(w, p, (size_t)(buf + sizeof buf - p));
}

void rf_jw_int(rf_json_writer *w, int64_t x)
{
    before(w);
    put_int(w, x);
}

/* The shortest of %.15g, %.16g, %.17g that reads back to x (%.17g always does), printed
 * and read in the "C" locale so a decimal comma never appears. */
static size_t format_double(char buf[40], double x)
{
    locale_t c = rf_json_c_locale();
    locale_t old = c ? uselocale(c) : (locale_t)0;
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, 40, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (c)
        uselocale(old);
    for (int i = 0; i < n; i++)
        if (buf[i] == ',') /* only if the C locale could not be made */
            buf[i] = '.';
    return n > 0 ? (size_t)n : 0;
}

void rf_jw_number(rf_json_writer *w, double x)
{
    before(w);
    if (!isfinite(x)) {
        put(w, "null", 4);
        return;
    }
    if (x == 0 && signbit(x)) {
        put(w, "-0", 2);
        return;
    }
    if (fabs(x) < 9007199254740992.0 && x == trunc(x)) {
        put_int(w, (int64_t)x);
        return;
    }
    char buf[40];
    put(w, buf, format_double(buf, x));
}

void rf_jw_bool(rf_json_writer *w, bool b)
{
    before(w);
    put(w, b ? "true" : "false", b ? 4 : 5);
}

void rf_jw_null(rf_json_writer *w)
{
    before(w);
    put(w, "null", 4);
}

void rf_jw_value(rf_json_writer *w, const rf_json *v)
{
    rf_json_iter it;
    const rf_json *m;
    switch (rf_json_typeof(v)) {
    case RF_JSON_NULL:
        rf_jw_null(w);
        break;
    case RF_JSON_FALSE:
    case RF_JSON_TRUE:
        rf_jw_bool(w, rf_json_typeof(v) == RF_JSON_TRUE);
        break;
    case RF_JSON_NUMBER:
        if (rf_json_is_integer(v) && !(v->tag & RF_JTAG_NEGZERO))
            rf_jw_int(w, rf_json_int(v));
        else
            rf_jw_number(w, rf_json_number(v));
        break;
    case RF_JSON_STRING:
        rf_jw_string_n(w, rf_json_string(v), rf_json_string_len(v));
        break;
    case RF_JSON_ARRAY:
    case RF_JSON_OBJECT:
        /* recursion is bounded: past RF_JSON_WRITER_MAX_DEPTH the write has failed */
        if (w->depth >= RF_JSON_WRITER_MAX_DEPTH) {
            w->out->failed = true;
            return;
        }
        if (rf_json_typeof(v) == RF_JSON_ARRAY)
            rf_jw_array_begin(w);
        else
            rf_jw_object_begin(w);
        it = rf_json_iter_begin(v);
        while ((m = rf_json_iter_next(&it, NULL)) != NULL) {
            if (it.is_object)
                rf_jw_key_n(w, rf_json_string(it.key), rf_json_string_len(it.key));
            rf_jw_value(w, m);
        }
        if (rf_json_typeof(v) == RF_JSON_ARRAY)
            rf_jw_array_end(w);
        else
            rf_jw_object_end(w);
        break;
    }
}
