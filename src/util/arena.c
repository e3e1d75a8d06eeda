/* arena.c - bump allocation in chained blocks, freed all at once; a byte cap turns runaway
 * input into REFRACT_ELIMIT instead of an exhausted machine. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

struct rf_arena_block {
    rf_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_MIN_BLOCK ((size_t)64 * 1024)
#define ALIGN16(n) (((n) + 15u) & ~(size_t)15u)

void rf_arena_init(rf_arena *a, size_t cap_bytes)
{
    memset(a, 0, sizeof *a);
    a->cap_bytes = cap_bytes;
    a->fail_after = -1;
}

void rf_arena_free(rf_arena *a)
{
    if (a == NULL)
        return;
    rf_arena_block *b = a->head;
    while (b != NULL) {
        rf_arena_block *next = b->next;
        free(b);
        b = next;
    }
    size_t cap = a->cap_bytes;
    long fail_after = a->fail_after;
    rf_arena_init(a, cap);
    a->fail_after = fail_after;
}

void rf_arena_reset(rf_arena *a)
{
    rf_arena_block *keep = a->head;
    if (keep == NULL)
        return;
    rf_arena_block *b = keep->next;
    while (b != NULL) {
        rf_arena_block *next = b->next;
        free(b);
        b = next;
    }
    keep->next = NULL;
    keep->used = 0;
    a->total_bytes = keep->size;
    a->used_bytes = 0;
    a->failed = false;
    a->last = NULL;
    a->last_size = 0;
}

static bool injected_failure(rf_arena *a)
{
    if (a->fail_after < 0)
        return false;
    if (a->fail_after == 0)
        return true;
    a->fail_after--;
    return false;
}

void *rf_arena_alloc(rf_arena *a, size_t n)
{
    if (injected_failure(a)) {
        a->failed = true;
        return NULL;
    }
    size_t need = ALIGN16(n ? n : 1);
    if (need < n) { /* overflow */
        a->failed = true;
        return NULL;
    }
    rf_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t size = need > ARENA_MIN_BLOCK ? need : ARENA_MIN_BLOCK;
        if (b != NULL && size < b->size * 2 && b->size * 2 <= 64u * 1024 * 1024)
            size = b->size * 2;
        if (a->cap_bytes && a->total_bytes + size > a->cap_bytes) {
            size = need; /* try the exact size before giving up */
            if (a->total_bytes + size > a->cap_bytes) {
                a->failed = true;
                return NULL;
            }
        }
        rf_arena_block *nb = malloc(sizeof *nb + size);
        if (nb == NULL) {
            a->failed = true;
            return NULL;
        }
        nb->size = size;
        nb->used = 0;
        nb->next = b;
        a->head = nb;
        a->total_bytes += size;
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used_bytes += need;
    a->last = p;
    a->last_size = need;
    return p;
}

void rf_arena_reserve(rf_arena *a, size_t n, bool huge_pages)
{
    if (a->head != NULL || n == 0 || (a->cap_bytes && n > a->cap_bytes))
        return;
    const size_t huge = (size_t)2 * 1024 * 1024;
    size_t size = huge_pages ? (sizeof(rf_arena_block) + n + huge - 1) / huge * huge
                             : sizeof(rf_arena_block) + n;
    void *mem = NULL;
    if (huge_pages) {
        if (posix_memalign(&mem, huge, size) != 0)
            return;
#ifdef MADV_HUGEPAGE
        madvise(mem, size, MADV_HUGEPAGE); /* advice only: ignored where unavailable */
#endif
    } else {
        mem = malloc(size);
        if (mem == NULL)
            return;
    }
    rf_arena_block *b = mem;
    b->size = size - sizeof *b;
    b->used = 0;
    b->next = NULL;
    a->head = b;
    a->total_bytes = b->size;
}

void *rf_arena_zalloc(rf_arena *a, size_t n)
{
    void *p = rf_arena_alloc(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void *rf_arena_grow(rf_arena *a, void *p, size_t old_n, size_t new_n)
{
    if (p == NULL)
        return rf_arena_alloc(a, new_n);
    if (new_n <= old_n)
        return p;
    rf_arena_block *b = a->head;
    size_t need = ALIGN16(new_n);
    if (p == a->last && b != NULL && (unsigned char *)p + a->last_size == b->data + b->used &&
        (size_t)((unsigned char *)p - b->data) + need <= b->size && !injected_failure(a)) {
        b->used = (size_t)((unsigned char *)p - b->data) + need;
        a->used_bytes += need - a->last_size;
        a->last_size = need;
        return p;
    }
    void *q = rf_arena_alloc(a, new_n);
    if (q != NULL)
        memcpy(q, p, old_n);
    return q;
}

char *rf_arena_strndup(rf_arena *a, const char *s, size_t n)
{
    char *p = rf_arena_alloc(a, n + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *rf_arena_strdup(rf_arena *a, const char *s)
{
    return s ? rf_arena_strndup(a, s, strlen(s)) : NULL;
}

/* What rf_arena_printf returns when memory ran out: an empty text, so a caller building a
 * message never formats NULL; the arena's failed flag still reports the failure. */
static char empty_text[1];

/* A format whose only directives are %s, the shape of nearly every trace text ("%s: %s"),
 * joined directly: vsnprintf's general machinery cost the engine a seventh of its time.
 * Returns NULL if the format has any other directive. glibc's "(null)" is kept for NULL. */
static char *concat_s(rf_arena *a, const char *fmt, va_list ap)
{
    size_t total = 0, nargs = 0;
    const char *args[16];
    size_t lens[16];
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            total++;
            continue;
        }
        if (f[1] != 's' || nargs == sizeof args / sizeof args[0])
            return NULL;
        f++;
        const char *s = va_arg(ap, const char *);
        args[nargs] = s ? s : "(null)";
        lens[nargs] = strlen(args[nargs]);
        total += lens[nargs++];
    }
    char *out = rf_arena_alloc(a, total + 1);
    if (out == NULL)
        return empty_text;
    char *o = out;
    size_t k = 0;
    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            *o++ = *f;
            continue;
        }
        f++;
        memcpy(o, args[k], lens[k]);
        o += lens[k++];
    }
    *o = '\0';
    return out;
}

char *rf_arena_printf(rf_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *fast = concat_s(a, fmt, ap);
    va_end(ap);
    if (fast != NULL)
        return fast;
    /* one formatting pass in the common case: most texts fit the stack buffer */
    char buf[512];
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return empty_text;
    if ((size_t)n < sizeof buf) {
        char *p = rf_arena_strndup(a, buf, (size_t)n);
        return p ? p : empty_text;
    }
    char *p = rf_arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return empty_text;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int rf_ptrvec_push(rf_ptrvec *v, rf_arena *a, void *item)
{
    if (v->len == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 8;
        void **n = rf_arena_grow(a, v->items, v->cap * sizeof *n, ncap * sizeof *n);
        if (n == NULL)
            return REFRACT_ENOMEM;
        v->items = n;
        v->cap = ncap;
    }
    v->items[v->len++] = item;
    return REFRACT_OK;
}
