/* util.h - arena, string buffer, errors and dates: the base layer, no clinical notion. */
#ifndef RF_UTIL_H
#define RF_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "refract/error.h"

#if defined(__GNUC__)
#define RF_PRINTF(a, b) __attribute__((format(printf, a, b)))
/* For the compiler's block layout only: a memo hit judged unlikely was copied out with a
 * slow `rep movs` (the code for unlikely paths is laid out for size). */
#define RF_LIKELY(x) __builtin_expect(!!(x), 1)
#else
#define RF_PRINTF(a, b)
#define RF_LIKELY(x) (x)
#endif

/* ---- hashing ----------------------------------------------------------------------------- */

/* A hash of a NUL-terminated text for in-memory tables, eight bytes per step (a byte at a
 * time, the id lookups of a knowledge load were latency-bound on the multiply chain).
 * Chain calls through seed to hash several texts. Never persisted, never shown. */
uint32_t rf_str_hash(uint32_t seed, const char *s);

/* Text equality for the hot lookups: ids are interned, so equal ids are mostly the same
 * pointer, and the first byte settles most unequal ones before strcmp is called. */
static inline bool rf_streq(const char *a, const char *b)
{
    return a == b || (a[0] == b[0] && strcmp(a, b) == 0);
}

/* ---- errors ---------------------------------------------------------------------------- */

/* Fill err (if not NULL and not already set) and return code. Keeps the first error. */
int rf_error_set(refract_error *err, int code, const char *where, const char *fmt, ...)
    RF_PRINTF(4, 5);
void rf_error_clear(refract_error *err);

/* ---- arena ----------------------------------------------------------------------------- */

/*
 * One arena per request or assessment: everything parsed, built and rendered for it lives
 * here and is freed in one call. Allocation past cap_bytes fails (NULL) and the arena
 * remembers it, so callers can report REFRACT_ELIMIT. fail_after (tests only) makes the
 * Nth allocation fail, to prove every caller survives out-of-memory.
 */
typedef struct rf_arena_block rf_arena_block;
typedef struct rf_arena {
    rf_arena_block *head;
    size_t used_bytes;  /* bytes handed out, for reports */
    size_t total_bytes; /* bytes reserved from malloc */
    size_t cap_bytes;   /* 0 = no cap */
    long fail_after;    /* <0: never; tests set it for failure injection */
    bool failed;        /* an allocation failed: cap reached or malloc failed */
    char *last;         /* last allocation, which rf_arena_grow can extend in place */
    size_t last_size;
} rf_arena;

void rf_arena_init(rf_arena *a, size_t cap_bytes);
void rf_arena_free(rf_arena *a); /* frees every block; the arena can be reused after */
/* Forget every allocation but keep the newest block for reuse (hot loops: one malloc-free
 * request after the first). */
void rf_arena_reset(rf_arena *a);
void *rf_arena_alloc(rf_arena *a, size_t n);  /* 16-byte aligned, uninitialised */
/* Reserve one block of n bytes up front; with huge_pages, on 2 MiB pages where the system
 * offers them (the knowledge base: thousands of page faults become a handful). */
void rf_arena_reserve(rf_arena *a, size_t n, bool huge_pages);
void *rf_arena_zalloc(rf_arena *a, size_t n); /* zeroed */
/* Grow p (the arena's last allocation of old_n bytes) to new_n; moves it if it must. */
void *rf_arena_grow(rf_arena *a, void *p, size_t old_n, size_t new_n);
char *rf_arena_strdup(rf_arena *a, const char *s);
char *rf_arena_strndup(rf_arena *a, const char *s, size_t n);
/* Never NULL: out of memory gives "" (and sets the arena's failed flag). */
char *rf_arena_printf(rf_arena *a, const char *fmt, ...) RF_PRINTF(2, 3);

#define RF_NEW(a, T) ((T *)rf_arena_zalloc((a), sizeof(T)))
#define RF_NEWN(a, T, n) ((T *)rf_arena_zalloc((a), sizeof(T) * (size_t)(n)))

/* ---- growable array in an arena -------------------------------------------------------- */

/* A vector of pointers; grows by doubling inside the arena. */
typedef struct rf_ptrvec {
    void **items;
    size_t len, cap;
} rf_ptrvec;
int rf_ptrvec_push(rf_ptrvec *v, rf_arena *a, void *item); /* REFRACT_OK or REFRACT_ENOMEM */

/* ---- string buffer (malloc-backed, with a ceiling) ------------------------------------- */

typedef struct rf_strbuf {
    char *data;     /* always NUL-terminated when len > 0 or after rf_strbuf_cstr */
    size_t len, cap;
    size_t max_len; /* 0 = no ceiling; over it the buffer sets failed */
    bool failed;
} rf_strbuf;

void rf_strbuf_init(rf_strbuf *b, size_t max_len);
void rf_strbuf_free(rf_strbuf *b);
void rf_strbuf_reset(rf_strbuf *b);
bool rf_strbuf_put(rf_strbuf *b, const char *s, size_t n);
bool rf_strbuf_puts(rf_strbuf *b, const char *s);
bool rf_strbuf_putc(rf_strbuf *b, char c);
bool rf_strbuf_printf(rf_strbuf *b, const char *fmt, ...) RF_PRINTF(2, 3);
const char *rf_strbuf_cstr(rf_strbuf *b); /* "" when empty */

/* ---- dates ----------------------------------------------------------------------------- */

/* A calendar date as days since 1970-01-01 (proleptic Gregorian). */
typedef int32_t rf_date;
#define RF_DATE_NONE INT32_MIN

rf_date rf_date_from_ymd(int y, int m, int d); /* RF_DATE_NONE if not a real date */
void rf_date_to_ymd(rf_date d, int *y, int *m, int *day);
/* Parse exactly YYYY-MM-DD (with full=false also YYYY-MM-DDThh:mm:ss... keeping the date). */
bool rf_date_parse(const char *s, size_t n, rf_date *out);
/* Write YYYY-MM-DD into buf (at least 11 bytes). */
void rf_date_format(rf_date d, char buf[static 11]);
rf_date rf_date_today(void);
/* Whole calendar months from a to b (b >= a), as a clinician counts them. */
int rf_date_months_between(rf_date a, rf_date b);

/* ---- files ----------------------------------------------------------------------------- */

/* Read a whole file (or "-" for stdin) into the arena, NUL-terminated, at most max_bytes. */
int rf_file_read(char **out, size_t *out_len, rf_arena *a, const char *path, size_t max_bytes,
                 refract_error *err);

#endif
