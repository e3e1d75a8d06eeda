/* strbuf.c - a growable, NUL-terminated byte buffer with a ceiling (curl's dynbuf "toobig"). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void rf_strbuf_init(rf_strbuf *b, size_t max_len)
{
    memset(b, 0, sizeof *b);
    b->max_len = max_len;
}

void rf_strbuf_free(rf_strbuf *b)
{
    free(b->data);
    size_t max_len = b->max_len;
    rf_strbuf_init(b, max_len);
}

void rf_strbuf_reset(rf_strbuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static bool reserve(rf_strbuf *b, size_t extra)
{
    if (b->failed)
        return false;
    size_t need = b->len + extra + 1;
    if (need < b->len || (b->max_len && need - 1 > b->max_len)) {
        b->failed = true;
        return false;
    }
    if (need <= b->cap)
        return true;
    size_t ncap = b->cap ? b->cap : 256;
    while (ncap < need)
        ncap *= 2;
    char *n = realloc(b->data, ncap);
    if (n == NULL) {
        b->failed = true;
        return false;
    }
    b->data = n;
    b->cap = ncap;
    return true;
}

bool rf_strbuf_put(rf_strbuf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool rf_strbuf_puts(rf_strbuf *b, const char *s)
{
    return s == NULL || rf_strbuf_put(b, s, strlen(s)); /* NULL: a text lost to out-of-memory */
}

bool rf_strbuf_putc(rf_strbuf *b, char c)
{
    return rf_strbuf_put(b, &c, 1);
}

bool rf_strbuf_printf(rf_strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

const char *rf_strbuf_cstr(rf_strbuf *b)
{
    return b->data ? b->data : "";
}

uint32_t rf_str_hash(uint32_t seed, const char *s)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull; /* 2^64 / golden ratio */
    size_t n = strlen(s), i = 0;
    uint64_t x = seed;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        x = (x ^ w) * k;
        x ^= x >> 32;
    }
    /* the last 1..7 bytes by fixed-size (possibly overlapping) loads, no byte loop */
    size_t r = n - i;
    uint64_t w = 0;
    if (r >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s + i, 4);
        memcpy(&hi, s + i + r - 4, 4);
        w = lo | (uint64_t)hi << 32;
    } else if (r > 0) {
        w = (uint64_t)(unsigned char)s[i] | (uint64_t)(unsigned char)s[i + r / 2] << 8 |
            (uint64_t)(unsigned char)s[i + r - 1] << 16;
    }
    x = (x ^ w ^ ((uint64_t)n << 56)) * k;
    x ^= x >> 29;
    return (uint32_t)(x ^ (x >> 32));
}
