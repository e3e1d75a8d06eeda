/* case.c - the refract case reader: a parsed case JSON document into an rf_patient.
 *
 * Each JSON object of the format has one table of field readers (objdesc below); one
 * generic walker reads any object through its table, so an unknown key, a duplicate key, a
 * wrong type or a missing required field is refused the same way at every depth, and the
 * error names the JSON path ("$.trials[2].dose.value"). Rules that span fields (an end
 * before its start, "agent or codes") live in one check function per object. Nothing is
 * guessed: an absent field stays absent (NaN, RF_DATE_NONE, NULL, RF_TRI_UNKNOWN).
 * The format: docs/case-format.md and schema/case.schema.json. */
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../model/units.h"
#include "../util/limits.h"
#include "io.h"

#define ARRAY_LEN(x) (sizeof(x) / sizeof((x)[0]))

typedef struct reader {
    rf_arena *a;
    refract_error *err;
    rf_date as_of;  /* the effective assessment date: no date may follow it */
    char path[256]; /* JSON path of the value being read: "$.trials[2].dose" */
    size_t plen;
} reader;

typedef struct field field;
typedef int (*field_fn)(reader *r, const rf_json *v, void *obj, const field *f);

enum {
    F_REQUIRED = 1u << 0,
    F_NONNEG = 1u << 1,        /* numbers: >= 0 */
    F_POSITIVE = 1u << 2,      /* numbers: > 0 */
    F_UNIT_INTERVAL = 1u << 3, /* numbers: 0..1 */
    F_INTEGER = 1u << 4,       /* numbers: written as an integer */
    F_ANY_DATE = 1u << 5       /* dates: not checked against as_of (as_of itself) */
};

/* One member of a JSON object: its key, its reader, where it lands in the C struct
 * (off, and off2 for a count, a unit or a per-day rate) and what the reader needs (aux:
 * the allowed values of an enum, or the table of a nested object). */
struct field {
    const char *key;
    field_fn read;
    size_t off, off2;
    const void *aux;
    unsigned flags;
};

typedef struct objdesc {
    const field *fields;
    size_t nfields;
    size_t size;      /* of one item, when the object is a list element */
    size_t where_off; /* offset of the item's `where`, or NO_WHERE */
    void (*init)(void *obj);
    int (*check)(reader *r, void *obj); /* rules across fields, after every field is read */
} objdesc;
#define NO_WHERE SIZE_MAX

/* ---- paths and errors ------------------------------------------------------------------ */

static void path_advance(reader *r, int n)
{
    size_t room = sizeof r->path - r->plen - 1;
    if (n > 0)
        r->plen += (size_t)n < room ? (size_t)n : room;
}

static void path_pop(reader *r, size_t saved)
{
    r->plen = saved;
    r->path[saved] = '\0';
}

/* Copy s for a message or a path: at most 40 bytes, control characters and quotes as '?',
 * "..." when cut (never in the middle of a UTF-8 sequence). */
static const char *shown(char buf[static 48], const char *s)
{
    size_t n = 0;
    for (; s[n] != '\0' && n < 40; n++) {
        unsigned char c = (unsigned char)s[n];
        buf[n] = c < 0x20 || c == 0x7f || c == '\'' ? '?' : (char)c;
    }
    if (s[n] != '\0') {
        while (n > 0 && ((unsigned char)buf[n] & 0xC0) == 0x80)
            n--;
        memcpy(buf + n, "...", 4);
    } else {
        buf[n] = '\0';
    }
    return buf;
}

static size_t path_key(reader *r, const char *key)
{
    size_t saved = r->plen;
    char b[48];
    path_advance(r, snprintf(r->path + r->plen, sizeof r->path - r->plen, ".%s", shown(b, key)));
    return saved;
}

static size_t path_index(reader *r, size_t i)
{
    size_t saved = r->plen;
    path_advance(r, snprintf(r->path + r->plen, sizeof r->path - r->plen, "[%zu]", i));
    return saved;
}

static int fail(reader *r, const char *fmt, ...) RF_PRINTF(2, 3);
static int fail(reader *r, const char *fmt, ...)
{
    char msg[sizeof r->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return rf_error_set(r->err, REFRACT_EINVAL, r->path, "%s", msg);
}

/* fail() at member key of the object being checked. */
static int fail_at(reader *r, const char *key, const char *fmt, ...) RF_PRINTF(3, 4);
static int fail_at(reader *r, const char *key, const char *fmt, ...)
{
    char msg[sizeof r->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t saved = path_key(r, key);
    int rc = rf_error_set(r->err, REFRACT_EINVAL, r->path, "%s", msg);
    path_pop(r, saved);
    return rc;
}

static int oom(reader *r)
{
    return rf_error_set(r->err, REFRACT_ENOMEM, r->path, "out of memory");
}

static const char *type_name(rf_json_type t)
{
    static const char *const names[] = {
        [RF_JSON_NULL] = "null",        [RF_JSON_FALSE] = "a boolean", [RF_JSON_TRUE] = "a boolean",
        [RF_JSON_NUMBER] = "a number",  [RF_JSON_STRING] = "a string", [RF_JSON_ARRAY] = "an array",
        [RF_JSON_OBJECT] = "an object",
    };
    return (unsigned)t < ARRAY_LEN(names) ? names[t] : "an unknown value";
}

static int wrong_type(reader *r, const rf_json *v, const char *expected)
{
    return fail(r, "expected %s, got %s", expected, type_name(rf_json_typeof(v)));
}

/* ---- slots in the C structs ------------------------------------------------------------ */

static void *slot(void *obj, size_t off)
{
    return (char *)obj + off;
}

/* Pointers of every type share one representation on the platforms we build for; memcpy
 * stores one without pretending the slot is a void *. */
static void put_ptr(void *obj, size_t off, const void *p)
{
    memcpy(slot(obj, off), &p, sizeof p);
}

/* ---- scalar readers -------------------------------------------------------------------- */

/* A non-empty string without NUL bytes (those would cut it short everywhere downstream). */
static int get_str(reader *r, const rf_json *v, const char **s, size_t *n)
{
    if (rf_json_typeof(v) != RF_JSON_STRING)
        return wrong_type(r, v, "a string");
    *s = rf_json_string(v);
    *n = rf_json_string_len(v);
    if (*s == NULL)
        return wrong_type(r, v, "a string");
    if (*n == 0)
        return fail(r, "empty string (leave the field out when it is unknown)");
    if (memchr(*s, '\0', *n) != NULL)
        return fail(r, "string contains a NUL character");
    return REFRACT_OK;
}

static int rd_str(reader *r, const rf_json *v, void *obj, const field *f)
{
    const char *s = NULL;
    size_t n = 0;
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    char *copy = rf_arena_strndup(r->a, s, n);
    if (copy == NULL)
        return oom(r);
    put_ptr(obj, f->off, copy);
    return REFRACT_OK;
}

static bool is_ident(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

/* A lowercase identifier, stored at *dst. */
static int get_ident(reader *r, const rf_json *v, const char **dst)
{
    const char *s = NULL;
    size_t n = 0;
    char b[48];
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    if (!is_ident(s))
        return fail(r, "'%s' is not a lowercase identifier (a-z, 0-9, _)", shown(b, s));
    *dst = rf_arena_strndup(r->a, s, n);
    return *dst == NULL ? oom(r) : REFRACT_OK;
}

static int rd_ident(reader *r, const rf_json *v, void *obj, const field *f)
{
    const char *s = NULL;
    int rc = get_ident(r, v, &s);
    if (rc == REFRACT_OK)
        put_ptr(obj, f->off, s);
    return rc;
}

static int unknown_value(reader *r, const char *s, const char *const *names)
{
    char list[160] = "", b[48];
    size_t used = 0;
    for (size_t i = 0; names[i] != NULL && used < sizeof list; i++) {
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", names[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    return fail(r, "unknown value '%s' (expected one of %s)", shown(b, s), list);
}

/* One of a NULL-terminated list of names; *index is its position. */
static int get_enum(reader *r, const rf_json *v, const char *const *names, size_t *index)
{
    const char *s = NULL;
    size_t n = 0;
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    for (size_t i = 0; names[i] != NULL; i++) {
        if (strcmp(s, names[i]) == 0) {
            *index = i;
            return REFRACT_OK;
        }
    }
    return unknown_value(r, s, names);
}

/* An enum kept as its (static) name. */
static int rd_enum(reader *r, const rf_json *v, void *obj, const field *f)
{
    const char *const *names = f->aux;
    size_t i = 0;
    int rc = get_enum(r, v, names, &i);
    if (rc == REFRACT_OK)
        put_ptr(obj, f->off, names[i]);
    return rc;
}

static const char *const sex_names[] = {"unknown", "female", "male", "other", NULL};
static const rf_sex sex_values[] = {RF_SEX_UNKNOWN, RF_SEX_FEMALE, RF_SEX_MALE, RF_SEX_OTHER};

static int rd_sex(reader *r, const rf_json *v, void *obj, const field *f)
{
    size_t i = 0;
    int rc = get_enum(r, v, sex_names, &i);
    if (rc == REFRACT_OK)
        *(rf_sex *)slot(obj, f->off) = sex_values[i];
    return rc;
}

/* Outcomes are named by model.c (rf_outcome_name), the one list of them. */
static int rd_outcome(reader *r, const rf_json *v, void *obj, const field *f)
{
    const char *s = NULL;
    size_t n = 0;
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    if (!rf_outcome_parse(s, (rf_outcome *)slot(obj, f->off))) {
        const char *names[RF_OUTCOME_ONGOING + 2];
        for (int i = 0; i <= RF_OUTCOME_ONGOING; i++)
            names[i] = rf_outcome_name((rf_outcome)i);
        names[RF_OUTCOME_ONGOING + 1] = NULL;
        return unknown_value(r, s, names);
    }
    return REFRACT_OK;
}

static int rd_bool(reader *r, const rf_json *v, void *obj, const field *f)
{
    rf_json_type t = rf_json_typeof(v);
    if (t != RF_JSON_TRUE && t != RF_JSON_FALSE)
        return wrong_type(r, v, "true or false");
    *(bool *)slot(obj, f->off) = t == RF_JSON_TRUE;
    return REFRACT_OK;
}

/* true, false, or null for "not known". */
static int rd_tri(reader *r, const rf_json *v, void *obj, const field *f)
{
    rf_json_type t = rf_json_typeof(v);
    if (t != RF_JSON_TRUE && t != RF_JSON_FALSE && t != RF_JSON_NULL)
        return wrong_type(r, v, "true, false or null");
    *(rf_tri *)slot(obj, f->off) = t == RF_JSON_TRUE    ? RF_TRI_TRUE
                                   : t == RF_JSON_FALSE ? RF_TRI_FALSE
                                                        : RF_TRI_UNKNOWN;
    return REFRACT_OK;
}

static int get_num(reader *r, const rf_json *v, unsigned flags, double *out)
{
    if (rf_json_typeof(v) != RF_JSON_NUMBER)
        return wrong_type(r, v, "a number");
    double x = rf_json_number(v);
    if (!isfinite(x))
        return fail(r, "number out of range");
    if ((flags & F_INTEGER) && !rf_json_is_integer(v))
        return fail(r, "expected an integer, got %g", x);
    if ((flags & F_NONNEG) && x < 0)
        return fail(r, "must not be negative (got %g)", x);
    if ((flags & F_POSITIVE) && x <= 0)
        return fail(r, "must be positive (got %g)", x);
    if ((flags & F_UNIT_INTERVAL) && (x < 0 || x > 1))
        return fail(r, "must be between 0 and 1 (got %g)", x);
    *out = x;
    return REFRACT_OK;
}

static int rd_num(reader *r, const rf_json *v, void *obj, const field *f)
{
    return get_num(r, v, f->flags, (double *)slot(obj, f->off));
}

/* "refract_case": the format's version; only 1 exists. */
static int rd_version(reader *r, const rf_json *v, void *obj, const field *f)
{
    double x = 0;
    (void)obj;
    int rc = get_num(r, v, f->flags, &x);
    if (rc == REFRACT_OK && x != 1)
        return fail(r, "unsupported version %g (expected 1)", x);
    return rc;
}

static bool date_syntax(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    return true;
}

static int get_date(reader *r, const rf_json *v, unsigned flags, rf_date *out)
{
    const char *s = NULL;
    size_t n = 0;
    char b[48], d1[11], d2[11];
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    if (!date_syntax(s, n))
        return fail(r, "invalid date '%s' (expected YYYY-MM-DD)", shown(b, s));
    rf_date d;
    if (!rf_date_parse(s, n, &d))
        return fail(r, "invalid date '%s' (no such day)", s);
    if (!(flags & F_ANY_DATE) && r->as_of != RF_DATE_NONE && d > r->as_of) {
        rf_date_format(r->as_of, d2);
        rf_date_format(d, d1);
        return fail(r, "date %s is after as_of %s", d1, d2);
    }
    *out = d;
    return REFRACT_OK;
}

static int rd_date(reader *r, const rf_json *v, void *obj, const field *f)
{
    return get_date(r, v, f->flags, (rf_date *)slot(obj, f->off));
}

/* A unit refract knows (units.c); kept as written. */
static int rd_unit(reader *r, const rf_json *v, void *obj, const field *f)
{
    const char *s = NULL;
    size_t n = 0;
    char b[48];
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    if (!rf_unit_lookup(s, n, NULL))
        return fail(r, "unknown unit '%s'", shown(b, s));
    return rd_str(r, v, obj, f);
}

/* ---- objects and lists ----------------------------------------------------------------- */

static int read_object(reader *r, const rf_json *v, const objdesc *d, void *obj);

static const field *find_field(const objdesc *d, const char *key, size_t *index)
{
    for (size_t i = 0; i < d->nfields; i++) {
        if (strcmp(d->fields[i].key, key) == 0) {
            *index = i;
            return &d->fields[i];
        }
    }
    return NULL;
}

static int read_member(
    reader *r, const rf_json *v, const char *key, const objdesc *d, void *obj, uint64_t *seen)
{
    char b[48];
    size_t i = 0;
    const field *f = find_field(d, key, &i);
    if (f == NULL)
        return fail(r, "unknown field '%s'", shown(b, key));
    if (*seen & ((uint64_t)1 << i))
        return fail(r, "duplicate field '%s'", key);
    *seen |= (uint64_t)1 << i;
    return f->read(r, v, obj, f);
}

static int read_object(reader *r, const rf_json *v, const objdesc *d, void *obj)
{
    assert(d->nfields <= 64);
    if (rf_json_typeof(v) != RF_JSON_OBJECT)
        return wrong_type(r, v, "an object");
    uint64_t seen = 0;
    rf_json_iter it = rf_json_iter_begin(v);
    const rf_json *m;
    const char *key = NULL;
    while ((m = rf_json_iter_next(&it, &key)) != NULL) {
        size_t saved = path_key(r, key ? key : "");
        int rc = read_member(r, m, key ? key : "", d, obj, &seen);
        if (rc != REFRACT_OK)
            return rc;
        path_pop(r, saved);
    }
    for (size_t i = 0; i < d->nfields; i++)
        if ((d->fields[i].flags & F_REQUIRED) && !(seen & ((uint64_t)1 << i)))
            return fail(r, "missing required field '%s'", d->fields[i].key);
    return d->check ? d->check(r, obj) : REFRACT_OK;
}

/* An array within RF_LIMIT_CASE_ITEMS; *n its length. */
static int list_len(reader *r, const rf_json *v, size_t *n)
{
    if (rf_json_typeof(v) != RF_JSON_ARRAY)
        return wrong_type(r, v, "an array");
    *n = rf_json_count(v);
    if (*n > RF_LIMIT_CASE_ITEMS)
        return fail(r, "too many items (%zu, limit %d)", *n, RF_LIMIT_CASE_ITEMS);
    return REFRACT_OK;
}

static int read_item(reader *r, const rf_json *v, const objdesc *d, void *item)
{
    if (d->init)
        d->init(item);
    if (d->where_off != NO_WHERE) {
        char *where = rf_arena_strndup(r->a, r->path, r->plen);
        if (where == NULL)
            return oom(r);
        put_ptr(item, d->where_off, where);
    }
    return read_object(r, v, d, item);
}

/* A list of objects: an array of d->size items at off, its length at off2. */
static int rd_list(reader *r, const rf_json *v, void *obj, const field *f)
{
    const objdesc *d = f->aux;
    size_t n = 0;
    int rc = list_len(r, v, &n);
    if (rc != REFRACT_OK || n == 0)
        return rc;
    unsigned char *items = rf_arena_zalloc(r->a, n * d->size);
    if (items == NULL)
        return oom(r);
    rf_json_iter it = rf_json_iter_begin(v);
    const rf_json *e;
    for (size_t i = 0; (e = rf_json_iter_next(&it, NULL)) != NULL && i < n; i++) {
        size_t saved = path_index(r, i);
        rc = read_item(r, e, d, items + i * d->size);
        if (rc != REFRACT_OK)
            return rc;
        path_pop(r, saved);
    }
    put_ptr(obj, f->off, items);
    *(size_t *)slot(obj, f->off2) = n;
    return REFRACT_OK;
}

/* A list of lowercase identifiers: const char ** at off, its length at off2. */
static int rd_idents(reader *r, const rf_json *v, void *obj, const field *f)
{
    size_t n = 0;
    int rc = list_len(r, v, &n);
    if (rc != REFRACT_OK || n == 0)
        return rc;
    const char **items = RF_NEWN(r->a, const char *, n);
    if (items == NULL)
        return oom(r);
    rf_json_iter it = rf_json_iter_begin(v);
    const rf_json *e;
    for (size_t i = 0; (e = rf_json_iter_next(&it, NULL)) != NULL && i < n; i++) {
        size_t saved = path_index(r, i);
        rc = get_ident(r, e, &items[i]);
        if (rc != REFRACT_OK)
            return rc;
        path_pop(r, saved);
    }
    put_ptr(obj, f->off, items);
    *(size_t *)slot(obj, f->off2) = n;
    return REFRACT_OK;
}

/* A nested object read into the struct at off (patient, preferences). */
static int rd_object(reader *r, const rf_json *v, void *obj, const field *f)
{
    return read_object(r, v, f->aux, slot(obj, f->off));
}

/* ---- the format's objects -------------------------------------------------------------- */

#define FLD(T, key, fn, member, aux, flags)                                                        \
    {                                                                                              \
        key, fn, offsetof(T, member), 0, aux, flags                                                \
    }
#define FLD2(T, key, fn, m1, m2, aux, flags)                                                       \
    {                                                                                              \
        key, fn, offsetof(T, m1), offsetof(T, m2), aux, flags                                      \
    }
#define OBJ(fields, T, where, init, check)                                                         \
    {                                                                                              \
        fields, ARRAY_LEN(fields), sizeof(T), where, init, check                                   \
    }

/* codes: [{"system": "icd10cm", "code": "F33.1", "display": "..."}] */
static const char *const code_systems[] = {"icd10cm", "icd11", "snomed", "rxnorm", "atc",   "loinc",
                                           "cpt",     "hcpcs", "ndc",    "hgnc",   "local", NULL};
static const field code_fields[] = {
    FLD(rf_code, "system", rd_enum, system, code_systems, F_REQUIRED),
    FLD(rf_code, "code", rd_str, code, NULL, F_REQUIRED),
    FLD(rf_code, "display", rd_str, display, NULL, 0),
};
static const objdesc code_desc = OBJ(code_fields, rf_code, NO_WHERE, NULL, NULL);
#define CODES(T) FLD2(T, "codes", rd_list, codes, ncodes, &code_desc, 0)

/* {"value": 100, "unit": "mg"}: dose and drug level */
typedef struct quantity {
    double value;
    const char *unit;
} quantity;
static const field qty_fields[] = {
    FLD(quantity, "value", rd_num, value, NULL, F_REQUIRED | F_NONNEG),
    FLD(quantity, "unit", rd_unit, unit, NULL, F_REQUIRED),
};
static const objdesc qty_desc = OBJ(qty_fields, quantity, NO_WHERE, NULL, NULL);

static int rd_qty(reader *r, const rf_json *v, void *obj, const field *f)
{
    quantity q = {RF_NUM_NONE, NULL};
    int rc = read_object(r, v, &qty_desc, &q);
    if (rc != REFRACT_OK)
        return rc;
    *(double *)slot(obj, f->off) = q.value;
    put_ptr(obj, f->off2, q.unit);
    return REFRACT_OK;
}

/* frequency: a name, or {"times": 2, "every": 1, "unit": "d"} */
static const struct {
    const char *name;
    double per_day; /* NaN: not periodic */
} freq_names[] = {
    {"once", RF_NUM_NONE},
    {"daily", 1},
    {"qd", 1},
    {"qhs", 1},
    {"qam", 1},
    {"bid", 2},
    {"q12h", 2},
    {"tid", 3},
    {"q8h", 3},
    {"qid", 4},
    {"q6h", 4},
    {"weekly", 1.0 / 7},
    {"qw", 1.0 / 7},
    {"q2w", 1.0 / 14},
    {"q3w", 1.0 / 21},
    {"q4w", 1.0 / 28},
    {"q6w", 1.0 / 42},
    {"q8w", 1.0 / 56},
    {"monthly", 1.0 / RF_DAYS_PER_MONTH},
    {"q3m", 1.0 / (3 * RF_DAYS_PER_MONTH)},
    {"q6m", 1.0 / (6 * RF_DAYS_PER_MONTH)},
};

/* the units a frequency object may count in; their length in days comes from units.c */
static const char *const freq_units[] = {"h", "d", "wk", "mo", NULL};
typedef struct freq_obj {
    double times, every;
    const char *unit;
} freq_obj;
static const field freq_fields[] = {
    FLD(freq_obj, "times", rd_num, times, NULL, F_REQUIRED | F_INTEGER | F_POSITIVE),
    FLD(freq_obj, "every", rd_num, every, NULL, F_INTEGER | F_POSITIVE),
    FLD(freq_obj, "unit", rd_enum, unit, freq_units, F_REQUIRED),
};
static const objdesc freq_desc = OBJ(freq_fields, freq_obj, NO_WHERE, NULL, NULL);

static int freq_object(reader *r, const rf_json *v, const char **name, double *per_day)
{
    freq_obj fo = {RF_NUM_NONE, 1, NULL};
    int rc = read_object(r, v, &freq_desc, &fo);
    if (rc != REFRACT_OK)
        return rc;
    rf_unit u;
    if (!rf_unit_lookup(fo.unit, strlen(fo.unit), &u) || u.dim != RF_DIM_TIME)
        return fail(r, "internal error: frequency unit '%s' is not a time", fo.unit);
    *per_day = fo.times / (fo.every * u.factor);
    *name = rf_arena_printf(r->a, "%.0f every %.0f %s", fo.times, fo.every, fo.unit);
    return *name == NULL ? oom(r) : REFRACT_OK;
}

static int freq_string(reader *r, const rf_json *v, const char **name, double *per_day)
{
    const char *s = NULL;
    size_t n = 0;
    char b[48];
    int rc = get_str(r, v, &s, &n);
    if (rc != REFRACT_OK)
        return rc;
    for (size_t i = 0; i < ARRAY_LEN(freq_names); i++) {
        if (strcmp(s, freq_names[i].name) == 0) {
            *name = freq_names[i].name;
            *per_day = freq_names[i].per_day;
            return REFRACT_OK;
        }
    }
    return fail(r,
                "unknown frequency '%s' (expected a name such as daily, bid, weekly, q2w, "
                "or {\"times\", \"every\", \"unit\"})",
                shown(b, s));
}

/* Frequency name at off, administrations per day at off2. */
static int rd_frequency(reader *r, const rf_json *v, void *obj, const field *f)
{
    const char *name = NULL;
    double per_day = RF_NUM_NONE;
    rf_json_type t = rf_json_typeof(v);
    int rc = t == RF_JSON_OBJECT   ? freq_object(r, v, &name, &per_day)
             : t == RF_JSON_STRING ? freq_string(r, v, &name, &per_day)
                                   : wrong_type(r, v, "a string or an object");
    if (rc != REFRACT_OK)
        return rc;
    put_ptr(obj, f->off, name);
    *(double *)slot(obj, f->off2) = per_day;
    return REFRACT_OK;
}

/* Cross-field rules shared by several objects. */

/* later (at key later_key) must not precede earlier (named earlier_key). */
static int not_before(
    reader *r, rf_date later, const char *later_key, rf_date earlier, const char *earlier_key)
{
    char d1[11], d2[11];
    if (later == RF_DATE_NONE || earlier == RF_DATE_NONE || later >= earlier)
        return REFRACT_OK;
    rf_date_format(later, d1);
    rf_date_format(earlier, d2);
    return fail_at(r, later_key, "%s %s is before %s %s", later_key, d1, earlier_key, d2);
}

static int named_or_coded(reader *r, const char *name, size_t ncodes, const char *name_key)
{
    if (name == NULL && ncodes == 0)
        return fail(r, "missing '%s' or 'codes'", name_key);
    return REFRACT_OK;
}

/* conditions[] */
static const char *const condition_status[] = {"active",   "recurrence", "relapse", "remission",
                                               "resolved", "inactive",   NULL};
static const char *const condition_severity[] = {
    "mild", "moderate", "severe", "severe_psychotic", "subsyndromal", NULL};
static const field condition_fields[] = {
    FLD(rf_condition, "concept", rd_str, concept, NULL, 0),
    CODES(rf_condition),
    FLD(rf_condition, "onset", rd_date, onset, NULL, 0),
    FLD(rf_condition, "episode_start", rd_date, episode_start, NULL, 0),
    FLD(rf_condition, "abatement", rd_date, abatement, NULL, 0),
    FLD(rf_condition, "status", rd_enum, status, condition_status, 0),
    FLD(rf_condition, "severity", rd_enum, severity, condition_severity, 0),
    FLD2(rf_condition, "features", rd_idents, features, nfeatures, NULL, 0),
};

static void condition_init(void *obj)
{
    rf_condition *c = obj;
    c->onset = c->episode_start = c->abatement = RF_DATE_NONE;
}

static int condition_check(reader *r, void *obj)
{
    const rf_condition *c = obj;
    int rc = named_or_coded(r, c->concept, c->ncodes, "concept");
    if (rc == REFRACT_OK)
        rc = not_before(r, c->episode_start, "episode_start", c->onset, "onset");
    if (rc == REFRACT_OK)
        rc = not_before(r, c->abatement, "abatement", c->onset, "onset");
    return rc;
}
static const objdesc condition_desc = OBJ(
    condition_fields, rf_condition, offsetof(rf_condition, where), condition_init, condition_check);

/* trials[] */
static const char *const adherence_sources[] = {"pdc",   "pill_count", "self_report",
                                                "level", "clinician",  NULL};
static const char *const stop_reasons[] = {
    "nonresponse",     "partial_response", "intolerance", "adverse_effect", "remission",
    "switch_to_mania", "patient_choice",   "cost",        "other",          NULL};
static const char *const trial_roles[] = {"monotherapy", "augmentation", "combination", NULL};
static const field trial_fields[] = {
    FLD(rf_trial, "agent", rd_str, agent, NULL, 0),
    CODES(rf_trial),
    FLD(rf_trial, "for", rd_str, for_condition, NULL, 0),
    FLD2(rf_trial, "dose", rd_qty, dose_value, dose_unit, NULL, 0),
    FLD2(rf_trial, "frequency", rd_frequency, frequency, per_day, NULL, 0),
    FLD(rf_trial, "route", rd_str, route, NULL, 0),
    FLD(rf_trial, "start", rd_date, start, NULL, 0),
    FLD(rf_trial, "end", rd_date, end, NULL, 0),
    FLD(rf_trial, "ongoing", rd_bool, ongoing, NULL, 0),
    FLD(rf_trial, "target_dose_date", rd_date, target_dose_date, NULL, 0),
    FLD(rf_trial, "adherence", rd_num, adherence, NULL, F_UNIT_INTERVAL),
    FLD(rf_trial, "adherence_source", rd_enum, adherence_source, adherence_sources, 0),
    FLD2(rf_trial, "level", rd_qty, level_value, level_unit, NULL, 0),
    FLD(rf_trial, "outcome", rd_outcome, outcome, NULL, 0),
    FLD(rf_trial, "instrument", rd_str, instrument, NULL, 0),
    FLD(rf_trial, "baseline_score", rd_num, baseline_score, NULL, 0),
    FLD(rf_trial, "end_score", rd_num, end_score, NULL, 0),
    FLD(rf_trial, "stop_reason", rd_enum, stop_reason, stop_reasons, 0),
    FLD(rf_trial, "role", rd_enum, role, trial_roles, 0),
    FLD(rf_trial, "max_tolerated", rd_bool, max_tolerated, NULL, 0),
    FLD(rf_trial, "adverse_effects", rd_str, adverse_effects, NULL, 0),
};

static void trial_init(void *obj)
{
    rf_trial *t = obj;
    t->dose_value = t->per_day = t->adherence = t->level_value = RF_NUM_NONE;
    t->baseline_score = t->end_score = t->dose_canon = RF_NUM_NONE;
    t->start = t->end = t->target_dose_date = RF_DATE_NONE;
}

/* A dose already written as a rate (mg/d) is a daily dose: a frequency multiplies nothing,
 * so per_day stays unknown rather than invite the engine to multiply twice. */
static void trial_per_day(rf_trial *t)
{
    rf_unit u;
    if (t->dose_unit != NULL && rf_unit_lookup(t->dose_unit, strlen(t->dose_unit), &u) &&
        u.dim == RF_DIM_MASS_PER_TIME)
        t->per_day = RF_NUM_NONE;
}

static int trial_check(reader *r, void *obj)
{
    rf_trial *t = obj;
    int rc = named_or_coded(r, t->agent, t->ncodes, "agent");
    if (rc == REFRACT_OK && t->ongoing && t->end != RF_DATE_NONE)
        rc = fail_at(r, "end", "end date given for an ongoing trial");
    if (rc == REFRACT_OK)
        rc = not_before(r, t->end, "end", t->start, "start");
    if (rc == REFRACT_OK)
        rc = not_before(r, t->target_dose_date, "target_dose_date", t->start, "start");
    if (rc == REFRACT_OK)
        rc = not_before(r, t->end, "end", t->target_dose_date, "target_dose_date");
    trial_per_day(t);
    return rc;
}
static const objdesc trial_desc =
    OBJ(trial_fields, rf_trial, offsetof(rf_trial, where), trial_init, trial_check);

/* procedures[] */
static const char *const lateralities[] = {"bilateral", "unilateral", NULL};
static const field procedure_fields[] = {
    FLD(rf_procedure, "kind", rd_str, kind, NULL, 0),
    CODES(rf_procedure),
    FLD(rf_procedure, "for", rd_str, for_condition, NULL, 0),
    FLD(rf_procedure, "start", rd_date, start, NULL, 0),
    FLD(rf_procedure, "end", rd_date, end, NULL, 0),
    FLD(rf_procedure, "sessions", rd_num, sessions, NULL, F_NONNEG | F_INTEGER),
    FLD(rf_procedure, "laterality", rd_enum, laterality, lateralities, 0),
    FLD(rf_procedure, "outcome", rd_outcome, outcome, NULL, 0),
    FLD(rf_procedure, "device_present", rd_bool, device_present, NULL, 0),
};

static void procedure_init(void *obj)
{
    rf_procedure *p = obj;
    p->start = p->end = RF_DATE_NONE;
    p->sessions = RF_NUM_NONE;
}

static int procedure_check(reader *r, void *obj)
{
    const rf_procedure *p = obj;
    int rc = named_or_coded(r, p->kind, p->ncodes, "kind");
    return rc == REFRACT_OK ? not_before(r, p->end, "end", p->start, "start") : rc;
}
static const objdesc procedure_desc = OBJ(
    procedure_fields, rf_procedure, offsetof(rf_procedure, where), procedure_init, procedure_check);

/* observations[] */
static const field observation_fields[] = {
    FLD(rf_observation, "kind", rd_str, kind, NULL, 0),
    CODES(rf_observation),
    FLD(rf_observation, "value", rd_num, value, NULL, 0),
    FLD(rf_observation, "unit", rd_unit, unit, NULL, 0),
    FLD(rf_observation, "text", rd_str, text_value, NULL, 0),
    FLD(rf_observation, "date", rd_date, date, NULL, F_REQUIRED),
};

static void observation_init(void *obj)
{
    rf_observation *o = obj;
    o->value = o->value_canon = RF_NUM_NONE;
    o->date = RF_DATE_NONE;
}

static int observation_check(reader *r, void *obj)
{
    const rf_observation *o = obj;
    int rc = named_or_coded(r, o->kind, o->ncodes, "kind");
    if (rc == REFRACT_OK && !rf_num_known(o->value) && o->text_value == NULL)
        rc = fail(r, "missing 'value' or 'text'");
    if (rc == REFRACT_OK && o->unit != NULL && !rf_num_known(o->value))
        rc = fail_at(r, "unit", "unit given without a value");
    return rc;
}
static const objdesc observation_desc = OBJ(observation_fields,
                                            rf_observation,
                                            offsetof(rf_observation, where),
                                            observation_init,
                                            observation_check);

/* events[] */
static const field event_fields[] = {
    FLD(rf_event, "kind", rd_str, kind, NULL, F_REQUIRED),
    FLD(rf_event, "date", rd_date, date, NULL, F_REQUIRED),
    FLD(rf_event, "detail", rd_str, detail, NULL, 0),
};

static void event_init(void *obj)
{
    ((rf_event *)obj)->date = RF_DATE_NONE;
}
static const objdesc event_desc =
    OBJ(event_fields, rf_event, offsetof(rf_event, where), event_init, NULL);

/* allergies[] */
static const char *const allergy_kinds[] = {"allergy", "intolerance", NULL};
static const char *const allergy_severity[] = {"mild", "moderate", "severe", "life_threatening",
                                               NULL};
static const field allergy_fields[] = {
    FLD(rf_allergy, "agent", rd_str, agent, NULL, 0),
    CODES(rf_allergy),
    FLD(rf_allergy, "kind", rd_enum, kind, allergy_kinds, 0),
    FLD(rf_allergy, "reaction", rd_str, reaction, NULL, 0),
    FLD(rf_allergy, "severity", rd_enum, severity, allergy_severity, 0),
    FLD(rf_allergy, "date", rd_date, date, NULL, 0),
};

static void allergy_init(void *obj)
{
    ((rf_allergy *)obj)->date = RF_DATE_NONE;
}

static int allergy_check(reader *r, void *obj)
{
    const rf_allergy *al = obj;
    return named_or_coded(r, al->agent, al->ncodes, "agent");
}
static const objdesc allergy_desc =
    OBJ(allergy_fields, rf_allergy, offsetof(rf_allergy, where), allergy_init, allergy_check);

/* genotypes[] */
static const field genotype_fields[] = {
    FLD(rf_genotype, "gene", rd_str, gene, NULL, F_REQUIRED),
    FLD(rf_genotype, "phenotype", rd_ident, phenotype, NULL, 0),
    FLD(rf_genotype, "diplotype", rd_str, diplotype, NULL, 0),
    FLD(rf_genotype, "allele", rd_str, allele, NULL, 0),
    FLD(rf_genotype, "carrier", rd_tri, carrier, NULL, 0),
    FLD(rf_genotype, "activity_score", rd_num, activity_score, NULL, F_NONNEG),
    FLD(rf_genotype, "date", rd_date, date, NULL, 0),
};

static void genotype_init(void *obj)
{
    rf_genotype *g = obj;
    g->activity_score = RF_NUM_NONE;
    g->date = RF_DATE_NONE;
}

static int genotype_check(reader *r, void *obj)
{
    const rf_genotype *g = obj;
    if (g->carrier != RF_TRI_UNKNOWN && g->allele == NULL)
        return fail_at(r, "carrier", "carrier status given without an allele");
    return REFRACT_OK;
}
static const objdesc genotype_desc =
    OBJ(genotype_fields, rf_genotype, offsetof(rf_genotype, where), genotype_init, genotype_check);

/* findings[] */
static const char *const finding_origins[] = {"germline", "somatic", "imaging", NULL};
static const field finding_fields[] = {
    FLD(rf_finding, "marker", rd_str, marker, NULL, F_REQUIRED),
    FLD(rf_finding, "result", rd_str, result, NULL, F_REQUIRED),
    FLD(rf_finding, "origin", rd_enum, origin, finding_origins, 0),
    FLD(rf_finding, "date", rd_date, date, NULL, 0),
};

static void finding_init(void *obj)
{
    ((rf_finding *)obj)->date = RF_DATE_NONE;
}
static const objdesc finding_desc =
    OBJ(finding_fields, rf_finding, offsetof(rf_finding, where), finding_init, NULL);

/* preferences */
static const field preference_fields[] = {
    FLD2(rf_preferences, "declines", rd_idents, declines, ndeclines, NULL, 0),
    FLD2(rf_preferences, "avoid", rd_idents, avoid, navoid, NULL, 0),
};
static const objdesc preference_desc = OBJ(preference_fields, rf_preferences, NO_WHERE, NULL, NULL);

/* patient: demographics, read into rf_patient itself */
static const field patient_fields[] = {
    FLD(rf_patient, "birth_date", rd_date, birth_date, NULL, 0),
    FLD(rf_patient, "sex", rd_sex, sex, NULL, 0),
    FLD(rf_patient, "pregnant", rd_tri, pregnant, NULL, 0),
    FLD(rf_patient, "breastfeeding", rd_tri, breastfeeding, NULL, 0),
    FLD(rf_patient, "childbearing_potential", rd_tri, childbearing_potential, NULL, 0),
    FLD(rf_patient, "weight_kg", rd_num, weight_kg, NULL, F_NONNEG),
    FLD(rf_patient, "smoker", rd_tri, smoker, NULL, 0),
};
static const objdesc patient_desc = OBJ(patient_fields, rf_patient, NO_WHERE, NULL, NULL);

/* the case itself */
#define LIST(key, items, n, desc) FLD2(rf_patient, key, rd_list, items, n, desc, 0)
static const field case_fields[] = {
    {"refract_case", rd_version, 0, 0, NULL, F_REQUIRED},
    FLD(rf_patient, "id", rd_str, id, NULL, 0),
    FLD(rf_patient, "as_of", rd_date, as_of, NULL, F_ANY_DATE),
    {"patient", rd_object, 0, 0, &patient_desc, F_REQUIRED},
    LIST("conditions", conditions, nconditions, &condition_desc),
    LIST("trials", trials, ntrials, &trial_desc),
    LIST("procedures", procedures, nprocedures, &procedure_desc),
    LIST("observations", observations, nobservations, &observation_desc),
    LIST("events", events, nevents, &event_desc),
    LIST("allergies", allergies, nallergies, &allergy_desc),
    LIST("genotypes", genotypes, ngenotypes, &genotype_desc),
    LIST("findings", findings, nfindings, &finding_desc),
    FLD(rf_patient, "preferences", rd_object, prefs, &preference_desc, 0),
};
static const objdesc case_desc = OBJ(case_fields, rf_patient, NO_WHERE, NULL, NULL);

/* ---- entry points ---------------------------------------------------------------------- */

/* The override, else the case's as_of, else today. Read before anything else because every
 * other date is checked against it. */
static int effective_as_of(reader *r, const rf_json *doc, rf_date override)
{
    if (override != RF_DATE_NONE) {
        r->as_of = override;
        return REFRACT_OK;
    }
    const rf_json *v = rf_json_get(doc, "as_of");
    if (v == NULL) {
        r->as_of = rf_date_today();
        return REFRACT_OK;
    }
    size_t saved = path_key(r, "as_of");
    int rc = get_date(r, v, F_ANY_DATE, &r->as_of);
    if (rc == REFRACT_OK)
        path_pop(r, saved);
    return rc;
}

int rf_case_read(
    rf_patient **out, rf_arena *a, const rf_json *doc, rf_date as_of_override, refract_error *err)
{
    reader r = {.a = a, .err = err, .as_of = RF_DATE_NONE, .path = "$", .plen = 1};
    int rc = effective_as_of(&r, doc, as_of_override);
    if (rc != REFRACT_OK)
        return rc;
    rf_patient *p = RF_NEW(a, rf_patient);
    if (p == NULL)
        return oom(&r);
    p->birth_date = p->as_of = RF_DATE_NONE;
    p->weight_kg = RF_NUM_NONE;
    rc = read_object(&r, doc, &case_desc, p);
    if (rc != REFRACT_OK)
        return rc;
    p->as_of = r.as_of; /* the effective date, whatever the case said */
    *out = p;
    return REFRACT_OK;
}

int rf_case_parse(rf_patient **out,
                  rf_arena *a,
                  const char *buf,
                  size_t len,
                  rf_date as_of_override,
                  refract_error *err)
{
    const rf_json *doc = NULL;
    int rc = rf_json_parse(&doc, a, buf, len, NULL, err);
    if (rc != REFRACT_OK)
        return rc;
    return rf_case_read(out, a, doc, as_of_override, err);
}

int rf_case_read_file(
    rf_patient **out, rf_arena *a, const char *path, rf_date as_of_override, refract_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    int rc = rf_file_read(&buf, &len, a, path, RF_LIMIT_INPUT_BYTES, err);
    if (rc != REFRACT_OK)
        return rc;
    return rf_case_parse(out, a, buf, len, as_of_override, err);
}
