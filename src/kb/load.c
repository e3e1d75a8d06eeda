/* load.c - finds the knowledge files in each directory (sorted, so loading is
 * deterministic), parses and checks them, and names the result: the knowledge version is the
 * declared version plus a hash of every byte loaded, and each site directory adds itself, so
 * an output always says exactly which knowledge produced it. */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../model/model.h"
#include "../util/limits.h"
#include "kb.h"

void rf_kb_diag(rf_kb *kb, rf_pos pos, const char *fmt, ...)
{
    kb->ndiags_total++;
    if (kb->ndiags >= RF_LIMIT_KB_DIAGNOSTICS)
        return;
    if (kb->ndiags == kb->cap_diags) {
        int ncap = kb->cap_diags ? kb->cap_diags * 2 : 16;
        rf_diag *n = rf_arena_grow(&kb->arena, kb->diags, sizeof *n * (size_t)kb->cap_diags,
                                   sizeof *n * (size_t)ncap);
        if (n == NULL)
            return;
        kb->diags = n;
        kb->cap_diags = ncap;
    }
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    kb->diags[kb->ndiags].pos = pos;
    kb->diags[kb->ndiags].message = rf_arena_strdup(&kb->arena, msg);
    kb->ndiags++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A content hash for the knowledge version: four independent multiply chains over 32 bytes
 * at a time, folded at the end (one chain was latency-bound: a twentieth of the start-up
 * time). Not cryptographic; it names a version, it does not authenticate it. */
static uint64_t content_hash(uint64_t h, const char *s, size_t n)
{
    const uint64_t k = 1099511628211ull;
    uint64_t lane[4] = {h, h ^ 0x9E3779B97F4A7C15ull, h ^ 0xC2B2AE3D27D4EB4Full, h ^ 0x165667B19E3779F9ull};
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        for (int j = 0; j < 4; j++) {
            uint64_t w;
            memcpy(&w, s + i + 8 * (size_t)j, 8);
            lane[j] = (lane[j] ^ w) * k;
            lane[j] ^= lane[j] >> 29;
        }
    }
    h = lane[0] ^ (lane[1] * 3) ^ (lane[2] * 5) ^ (lane[3] * 7);
    for (; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= k;
    }
    h ^= (uint64_t)n;
    h *= k;
    return h ^ (h >> 32);
}

/* The .kb files of one directory, sorted by name. */
static int list_files(rf_kb *kb, const char *dir, char ***out, int *n, refract_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return rf_error_set(err, REFRACT_EIO, dir, "cannot open knowledge directory");
    rf_ptrvec v = {0};
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".kb") != 0 || de->d_name[0] == '.')
            continue;
        char *path = rf_arena_printf(&kb->arena, "%s/%s", dir, de->d_name);
        if (path == NULL || rf_ptrvec_push(&v, &kb->arena, path) != REFRACT_OK) {
            closedir(d);
            return rf_error_set(err, REFRACT_ENOMEM, dir, "out of memory");
        }
    }
    closedir(d);
    if (v.len)
        qsort(v.items, v.len, sizeof(char *), cmp_str);
    *out = (char **)v.items;
    *n = (int)v.len;
    return REFRACT_OK;
}

static const char *base_name(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *end = path + len;
    const char *s = end;
    while (s > path && s[-1] != '/')
        s--;
    static char buf[128];
    snprintf(buf, sizeof buf, "%.*s", (int)(end - s), s);
    return buf;
}

/* Read and parse every file of a directory in name order, hashing what was read. */
static int load_dir(rf_kb *kb, const char *dir, int index, uint64_t *hash, refract_error *err)
{
    char **files = NULL;
    int n = 0;
    int rc = list_files(kb, dir, &files, &n, err);
    if (rc != REFRACT_OK)
        return rc;
    if (n == 0 && index == 0)
        return rf_error_set(err, REFRACT_EKB, dir, "no .kb files in the knowledge directory");
    for (int i = 0; i < n; i++) {
        char *src;
        size_t len;
        rc = rf_file_read(&src, &len, &kb->arena, files[i], RF_LIMIT_KB_FILE_BYTES, err);
        if (rc != REFRACT_OK)
            return rc;
        const char *name = strrchr(files[i], '/');
        name = name ? name + 1 : files[i];
        *hash = content_hash(*hash, name, strlen(name) + 1);
        *hash = content_hash(*hash, src, len);
        rf_kb_parse(kb, files[i], src, len, index);
    }
    return REFRACT_OK;
}

/* Bytes of knowledge text in the directories (for sizing the arena once). */
static size_t text_bytes(const char *const *dirs, size_t ndirs)
{
    size_t total = 0;
    for (size_t i = 0; i < ndirs; i++) {
        DIR *d = opendir(dirs[i]);
        if (d == NULL)
            continue;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            size_t len = strlen(de->d_name);
            if (len < 4 || strcmp(de->d_name + len - 3, ".kb") != 0)
                continue;
            char path[4096];
            struct stat st;
            snprintf(path, sizeof path, "%s/%s", dirs[i], de->d_name);
            if (stat(path, &st) == 0 && st.st_size > 0)
                total += (size_t)st.st_size;
        }
        closedir(d);
    }
    return total;
}

int rf_kb_load(rf_kb **out, const char *const *dirs, size_t ndirs, refract_error *err)
{
    *out = NULL;
    rf_kb *kb = calloc(1, sizeof *kb);
    if (kb == NULL)
        return rf_error_set(err, REFRACT_ENOMEM, "", "out of memory");
    rf_arena_init(&kb->arena, 0);
    /* the compiled knowledge takes about ten times its text: one block, on huge pages where
     * offered, instead of a chain of blocks and a page fault every 4 KiB */
    size_t text = text_bytes(dirs, ndirs);
    if (text > 0 && text < RF_LIMIT_KB_FILE_BYTES)
        rf_arena_reserve(&kb->arena, text * 10 + ((size_t)1 << 20), true);
    kb->ndirs = (int)ndirs;
    rf_strbuf ver;
    rf_strbuf_init(&ver, 4096);
    int rc = REFRACT_OK;
    uint64_t *hashes = RF_NEWN(&kb->arena, uint64_t, ndirs + 1);
    if (hashes == NULL)
        rc = rf_error_set(err, REFRACT_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == REFRACT_OK && i < ndirs; i++) {
        hashes[i] = 14695981039346656037ull;
        rc = load_dir(kb, dirs[i], (int)i, &hashes[i], err);
    }
    /* the version names the base directory's knowledge declaration and each site */
    for (size_t i = 0; rc == REFRACT_OK && i < ndirs; i++) {
        if (i == 0)
            rf_strbuf_printf(&ver, "%s %s+%08llx", kb->name ? kb->name : "refract-kb",
                             kb->base_version ? kb->base_version : "unversioned",
                             (unsigned long long)(hashes[i] & 0xffffffffu));
        else
            rf_strbuf_printf(&ver, " site:%s+%08llx", base_name(dirs[i]),
                             (unsigned long long)(hashes[i] & 0xffffffffu));
    }
    if (rc == REFRACT_OK) {
        if (!kb->have_knowledge)
            rf_kb_diag(kb, (rf_pos){dirs[0], 1, 1},
                       "no 'knowledge { name: ... version: ... }' declaration");
        rf_kb_check(kb);
        kb->version = rf_arena_strdup(&kb->arena, rf_strbuf_cstr(&ver));
        if (kb->arena.failed)
            rc = rf_error_set(err, REFRACT_ENOMEM, "", "out of memory loading knowledge");
        else if (kb->ndiags_total > 0)
            rc = rf_error_set(err, REFRACT_EKB, "", "%d error(s) in the knowledge base; first: %s:%d:%d: %s",
                              kb->ndiags_total, kb->diags[0].pos.file, kb->diags[0].pos.line,
                              kb->diags[0].pos.col, kb->diags[0].message);
    }
    rf_strbuf_free(&ver);
    *out = kb; /* even on error: the caller may list the diagnostics, then free it */
    return rc;
}

void rf_kb_free(rf_kb *kb)
{
    if (kb == NULL)
        return;
    rf_arena_free(&kb->arena);
    free(kb);
}

static bool code_eq(const rf_kb_code *c, const char *system, const char *code)
{
    if ((c->code[0] != code[0] && c->code[0] != '\0') || strcmp(c->system, system) != 0) /* codes differ early */
        return false;
    if (!c->prefix)
        return strcmp(c->code, code) == 0;
    size_t n = strlen(c->code);
    /* "F31.*": F31 itself, F31.x, F31.xx; and for ICD "F31*" style codes without the dot */
    return strncmp(c->code, code, n) == 0 && (code[n] == '\0' || code[n] == '.' || (n && c->code[n - 1] == '.') ||
                                               (code[n] >= '0' && code[n] <= '9') ||
                                               (code[n] >= 'A' && code[n] <= 'Z'));
}

bool rf_kb_code_match(const rf_kb_codes *codes, const char *system, const char *code)
{
    if (system == NULL || code == NULL)
        return false;
    for (int i = 0; i < codes->n; i++)
        if (code_eq(&codes->items[i], system, code))
            return true;
    return false;
}

static uint32_t name_hash(int kind, const char *id)
{
    return rf_str_hash(2166136261u ^ (uint32_t)kind, id);
}

static void index_put(rf_kb *kb, int kind, const char *id, int value)
{
    uint32_t mask = (uint32_t)kb->index_cap - 1;
    for (uint32_t i = name_hash(kind, id) & mask;; i = (i + 1) & mask) {
        rf_kb_slot *s = &kb->index[i];
        if (s->id == NULL) {
            *s = (rf_kb_slot){id, kind, value};
            return;
        }
        if (s->kind == kind && rf_streq(s->id, id))
            return; /* the first entry with an id wins, as the linear search did */
    }
}

static int index_get(const rf_kb *kb, int kind, const char *id)
{
    uint32_t mask = (uint32_t)kb->index_cap - 1;
    for (uint32_t i = name_hash(kind, id) & mask;; i = (i + 1) & mask) {
        const rf_kb_slot *s = &kb->index[i];
        if (s->id == NULL)
            return -1;
        if (s->kind == kind && rf_streq(s->id, id))
            return s->value;
    }
}

#define RF_KIND_LET 100
#define RF_KIND_SOURCE 101
void rf_kb_build_index(rf_kb *kb)
{
    size_t n = (size_t)(kb->n_agent + kb->n_klass + kb->n_codeset + kb->n_condition +
                        kb->n_observation + kb->n_procedure + kb->n_flag + kb->n_definition +
                        kb->n_score + kb->n_strategy + kb->n_let + kb->n_source);
    size_t cap = 64;
    while (cap < n * 2)
        cap *= 2;
    kb->index = RF_NEWN(&kb->arena, rf_kb_slot, cap);
    if (kb->index == NULL) {
        kb->index_cap = 0;
        return;
    }
    kb->index_cap = (int)cap;
#define PUT(tab, kind)                                                                       \
    for (int i = 0; i < kb->n_##tab; i++)                                                    \
        index_put(kb, kind, kb->tab[i]->e.id, i);
    PUT(agent, RF_SYM_AGENT)
    PUT(klass, RF_SYM_CLASS)
    PUT(codeset, RF_SYM_CODESET)
    PUT(condition, RF_SYM_CONDITION)
    PUT(observation, RF_SYM_OBSERVATION)
    PUT(procedure, RF_SYM_PROCEDURE)
    PUT(flag, RF_SYM_FLAG)
    PUT(definition, RF_SYM_DEFINITION)
    PUT(score, RF_SYM_SCORE)
    PUT(strategy, RF_SYM_STRATEGY)
    PUT(let, RF_KIND_LET)
    PUT(source, RF_KIND_SOURCE)
#undef PUT
}

int rf_kb_find(const rf_kb *kb, rf_sym_kind kind, const char *id)
{
    if (kb->index_cap > 0)
        return index_get(kb, (int)kind, id);
#define FIND(tab)                                                                            \
    for (int i = 0; i < kb->n_##tab; i++)                                                    \
        if (strcmp(kb->tab[i]->e.id, id) == 0)                                               \
            return i;                                                                        \
    return -1;
    switch (kind) {
    case RF_SYM_AGENT: FIND(agent)
    case RF_SYM_CLASS: FIND(klass)
    case RF_SYM_CODESET: FIND(codeset)
    case RF_SYM_CONDITION: FIND(condition)
    case RF_SYM_OBSERVATION: FIND(observation)
    case RF_SYM_PROCEDURE: FIND(procedure)
    case RF_SYM_FLAG: FIND(flag)
    case RF_SYM_DEFINITION: FIND(definition)
    case RF_SYM_SCORE: FIND(score)
    case RF_SYM_STRATEGY: FIND(strategy)
    case RF_SYM_ANY:
        break;
    }
#undef FIND
    return -1;
}

int rf_kb_find_source(const rf_kb *kb, const char *id)
{
    if (kb->index_cap > 0)
        return index_get(kb, RF_KIND_SOURCE, id);
    for (int i = 0; i < kb->n_source; i++)
        if (strcmp(kb->source[i]->e.id, id) == 0)
            return i;
    return -1;
}

int rf_kb_find_let(const rf_kb *kb, const char *id)
{
    if (kb->index_cap > 0)
        return index_get(kb, RF_KIND_LET, id);
    for (int i = 0; i < kb->n_let; i++)
        if (strcmp(kb->let[i]->e.id, id) == 0)
            return i;
    return -1;
}

const rf_kb_adequacy *rf_kb_adequacy_for(const rf_kb *kb, int condition, int agent)
{
    for (int i = 0; i < kb->n_adequacy; i++)
        if (kb->adequacy[i]->condition == condition && kb->adequacy[i]->agent == agent)
            return kb->adequacy[i];
    return NULL;
}

const char *rf_kb_default_dir(void)
{
    const char *env = getenv("REFRACT_KB_DIR");
    if (env && *env)
        return env;
#ifdef RF_SOURCE_KB_DIR
    return RF_SOURCE_KB_DIR;
#else
    return "kb";
#endif
}

static const rf_kb_codes *own_codes(const rf_kb *kb, rf_sym_kind kind, int i)
{
    switch (kind) {
    case RF_SYM_AGENT: return &kb->agent[i]->codes;
    case RF_SYM_OBSERVATION: return &kb->observation[i]->codes;
    case RF_SYM_PROCEDURE: return &kb->procedure[i]->codes;
    case RF_SYM_CONDITION: return &kb->condition[i]->codes;
    default: return NULL;
    }
}

bool rf_kb_codes_identify(const rf_kb *kb, rf_sym_kind kind, int index, const void *codes_,
                          size_t ncodes)
{
    const rf_code *codes = codes_;
    const rf_kb_codes *own = own_codes(kb, kind, index);
    for (size_t c = 0; c < ncodes; c++) {
        if (own && rf_kb_code_match(own, codes[c].system, codes[c].code))
            return true;
        for (int t = 0; t < kb->ntargeted; t++) {
            const rf_kb_codeset *cs = kb->codeset[kb->targeted[t]];
            if (cs->target_kind == kind && cs->target == index &&
                rf_kb_code_match(&cs->codes, codes[c].system, codes[c].code))
                return true;
        }
    }
    return false;
}

int rf_kb_match_codes(const rf_kb *kb, rf_sym_kind kind, const void *codes_, size_t ncodes)
{
    const rf_code *codes = codes_;
    int n = kind == RF_SYM_AGENT ? kb->n_agent : kind == RF_SYM_OBSERVATION ? kb->n_observation
            : kind == RF_SYM_PROCEDURE ? kb->n_procedure : kind == RF_SYM_CONDITION ? kb->n_condition : 0;
    for (size_t c = 0; c < ncodes; c++) {
        for (int i = 0; i < n; i++)
            if (rf_kb_code_match(own_codes(kb, kind, i), codes[c].system, codes[c].code))
                return i;
        for (int t = 0; t < kb->ntargeted; t++) {
            const rf_kb_codeset *cs = kb->codeset[kb->targeted[t]];
            if (cs->target_kind == kind && rf_kb_code_match(&cs->codes, codes[c].system, codes[c].code))
                return cs->target;
        }
    }
    return -1;
}

int rf_kb_load_text(rf_kb **out, const char *name, const char *src, size_t len,
                    refract_error *err)
{
    *out = NULL;
    rf_kb *kb = calloc(1, sizeof *kb);
    if (kb == NULL)
        return rf_error_set(err, REFRACT_ENOMEM, "", "out of memory");
    rf_arena_init(&kb->arena, 0);
    kb->ndirs = 1;
    char *copy = rf_arena_strndup(&kb->arena, src, len);
    if (copy == NULL) {
        free(kb);
        return rf_error_set(err, REFRACT_ENOMEM, "", "out of memory");
    }
    uint64_t h = content_hash(14695981039346656037ull, copy, len);
    rf_kb_parse(kb, name, copy, len, 0);
    rf_kb_check(kb);
    kb->version = rf_arena_printf(&kb->arena, "%s %s+%08llx", kb->name ? kb->name : "refract-kb",
                                  kb->base_version ? kb->base_version : "unversioned",
                                  (unsigned long long)(h & 0xffffffffu));
    *out = kb;
    if (kb->ndiags_total > 0)
        return rf_error_set(err, REFRACT_EKB, "", "%d error(s); first: %s:%d:%d: %s", kb->ndiags_total,
                            kb->diags[0].pos.file, kb->diags[0].pos.line, kb->diags[0].pos.col,
                            kb->diags[0].message);
    return REFRACT_OK;
}
