/* json_int.h - what json.c, cursor.c and writer.c share and nobody else sees: the node
 * layout, the tokenizer context and the SWAR scanning helpers. */
#ifndef RF_JSON_INT_H
#define RF_JSON_INT_H

#include <locale.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "json.h"

/*
 * A node is 16 bytes and the nodes of one document are one contiguous array in document
 * order (yyjson's layout). tag: bits 0-2 the rf_json_type, bits 3-7 flags, bits 8-63 the
 * length: bytes of a string, members of an array or object. An object's members are pairs
 * of nodes, key (a string node) then value. A container's span is the number of nodes of
 * its subtree including itself, so its next sibling is at node + span: iteration is a
 * linear walk and needs no pointers.
 */
struct rf_json {
    uint64_t tag;
    union {
        int64_t i;     /* number with RF_JTAG_INT */
        double d;      /* other numbers */
        const char *s; /* string: NUL-terminated, inside the arena's copy of the text */
        uint64_t span; /* array, object (while parsing: the member count so far) */
    } u;
};

#define RF_JTAG_TYPE_MASK 7u
#define RF_JTAG_INT       8u  /* number written as an integer that fits int64 */
#define RF_JTAG_NEGZERO   16u /* the integer was written "-0": as a double it is -0.0 */
#define RF_JTAG_SHIFT     8u

/* Bytes of zeros after every copy of the text: the scanners read 8 bytes at a time and
 * stop at a NUL, so they need no end check. Do not make it smaller than 16. */
#define RF_JSON_PAD 64

static inline rf_json_type rf_jnode_type(const rf_json *v)
{
    return (rf_json_type)(v->tag & RF_JTAG_TYPE_MASK);
}
static inline size_t rf_jnode_len(const rf_json *v)
{
    return (size_t)(v->tag >> RF_JTAG_SHIFT);
}
static inline size_t rf_jnode_span(const rf_json *v)
{
    rf_json_type t = rf_jnode_type(v);
    return (t == RF_JSON_ARRAY || t == RF_JSON_OBJECT) ? (size_t)v->u.span : 1u;
}

/* Tokenizer context: maps a position in the working copy back to the text the caller
 * gave, for "line L, column C (byte B)". Text offsets = (p - buf) + base_off. */
typedef struct rf_jctx {
    const char *text; /* the bytes errors are located in (never modified after the start) */
    size_t text_len;
    const char *buf; /* working copy (padded, may be modified in place) */
    size_t base_off;
    size_t max_string;
    refract_error *err; /* may be NULL */
    int *status;        /* if not NULL, gets the code of a failure (err may hold an older one) */
} rf_jctx;

/* Set err with code, the place of p and a message; returns code. */
int rf_jctx_fail(const rf_jctx *cx, int code, const char *p, const char *fmt, ...) RF_PRINTF(4, 5);
/* Describe the byte at p for "found ...": "'}'", "end of input" or "byte 0x01". */
const char *rf_jctx_found(const rf_jctx *cx, const char *p, char buf[24]);
/* Fill err->where with the location of text offset off. */
void rf_json_where(char *out, size_t out_size, const char *text, size_t text_len, size_t off);

/* Parse and unescape in place the string whose opening quote is at p[-1]; on success
 * returns the byte after the closing quote (now a NUL) and the length through *len. */
char *rf_json_scan_string(const rf_jctx *cx, char *p, size_t *len);
/* Number at p (grammar checked); *out gets the node (tag and payload). NULL on error. */
char *rf_json_scan_number(const rf_jctx *cx, char *p, rf_json *out);
/* true, false or null at p into *node; NULL (and err set) if it is none of them. */
char *rf_json_scan_literal(const rf_jctx *cx, char *p, rf_json *node);
/* Parse one value starting at p (whitespace before it allowed) into a DOM. With single,
 * stop after the value and return its end through *end; else only whitespace may follow
 * up to end. */
int rf_json_parse_value(const rf_json **out,
                        rf_arena *a,
                        const rf_jctx *cx,
                        char *p,
                        const char *end,
                        uint32_t max_depth,
                        bool single,
                        char **stop);
/* Copy lim (NULL: defaults) into out; a zero field means its default. */
void rf_json_limits_fill(rf_json_limits *out, const rf_json_limits *lim);
/* The "C" locale, created once ((locale_t)0 if it could not be): numbers are read and
 * written with it, whatever LC_NUMERIC the program set. */
locale_t rf_json_c_locale(void);
int rf_json_nomem(const rf_jctx *cx, rf_arena *a, const char *p);

/* ---- SWAR helpers ---------------------------------------------------------------------- */

#define RF_ONES  0x0101010101010101ull
#define RF_HIGHS 0x8080808080808080ull

static inline uint64_t rf_load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* Index (in memory order) of the first byte whose high bit is set in m (m != 0). */
static inline unsigned rf_first_byte(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (unsigned)__builtin_clzll(m) >> 3;
#else
    return (unsigned)__builtin_ctzll(m) >> 3;
#endif
}

/* High bit set in each byte equal to b; exact for the first such byte (borrows only
 * produce false positives above a true one). */
static inline uint64_t rf_swar_eq(uint64_t w, unsigned char b)
{
    uint64_t x = w ^ (RF_ONES * b);
    return (x - RF_ONES) & ~x & RF_HIGHS;
}
/* High bit set in each byte < 0x20 (first one exact). */
static inline uint64_t rf_swar_ctl(uint64_t w)
{
    return (w - RF_ONES * 0x20) & ~w & RF_HIGHS;
}

static inline bool rf_json_is_ws(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Skip JSON whitespace; the text must be followed by a NUL (padding). Pretty-printed FHIR
 * spends its bytes on indentation, so runs of spaces go 8 at a time. */
static inline char *rf_json_skip_ws(char *p)
{
    for (;;) {
        char c = *p;
        if (!rf_json_is_ws(c))
            return p;
        p++;
        uint64_t x = rf_load64(p) ^ (RF_ONES * 0x20);
        while (x == 0) {
            p += 8;
            x = rf_load64(p) ^ (RF_ONES * 0x20);
        }
        /* first non-space byte: a byte of x is non-zero there */
        uint64_t nz = (((x & ~RF_HIGHS) + ~RF_HIGHS) | x) & RF_HIGHS;
        p += rf_first_byte(nz);
    }
}

/* Length (2-4) of the valid UTF-8 sequence at p, or 0; *bad gets the offending byte's
 * offset. Overlongs, UTF-16 surrogates and code points above U+10FFFF are invalid. The
 * text must be NUL-padded (a NUL is never a continuation byte). */
static inline unsigned rf_utf8_seq(const unsigned char *p, unsigned *bad)
{
    unsigned c = p[0];
    *bad = 0;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    unsigned c1 = p[1];
    *bad = 1;
    if ((c1 & 0xC0) != 0x80)
        return 0;
    if (c < 0xE0)
        return 2;
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
        (c == 0xF4 && c1 >= 0x90))
        return 0;
    *bad = 2;
    if ((p[2] & 0xC0) != 0x80)
        return 0;
    if (c < 0xF0)
        return 3;
    *bad = 3;
    if ((p[3] & 0xC0) != 0x80)
        return 0;
    return 4;
}

/* ---- cursor ---------------------------------------------------------------------------- */

struct rf_json_cursor {
    rf_arena *a;
    char *buf; /* padded copy of the text; only quotes are overwritten (by NULs) */
    size_t len;
    char *p;
    rf_json_limits lim;
    unsigned char *kinds; /* per open container: '{' or '[' */
    uint32_t depth;
    bool first;       /* the innermost container has not yielded a member yet */
    bool pending;     /* a value is at the cursor and has not been consumed */
    char *scratch[2]; /* [0] keys, [1] string values: a key survives reading its value */
    size_t scratch_cap[2];
    refract_error failed; /* sticky: the first error, repeated by every later call */
};

#endif
