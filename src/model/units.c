/* units.c - the UCUM subset refract reads, as one table: each spelling maps to a dimension
 * and a factor to that dimension's canonical unit (RF_DIM_LIST in units.h). A reader
 * refuses a unit that is not here rather than guess what "mgs" meant.
 *
 * Calendar conventions (RF_DAYS_PER_MONTH, RF_DAYS_PER_YEAR in units.h):
 *   mo (month) = 30.4375 d, the mean Gregorian month (365.25 / 12)
 *   a  (year)  = 365.25 d, the Julian year UCUM defines
 * Equivalents: mEq/L is taken as mmol/L, true for the monovalent ions (Na, K, Cl, HCO3)
 * that clinical records report in it; IU/L and U/L are one unit here. */
#include <string.h>

#include "units.h"

/* X(spelling, dimension, factor to the canonical unit). Spellings are matched exactly;
 * rf_unit_lookup also folds a few spelling variants (see normalise()). */
#define RF_UNIT_LIST(X)                                                                            \
    /* dimensionless: counts, scores, ratios; % is a hundredth */                                  \
    X("1", NONE, 1.0)                                                                              \
    X("%", NONE, 0.01)                                                                             \
    X("{score}", NONE, 1.0)                                                                        \
    X("{count}", NONE, 1.0)                                                                        \
    X("{ratio}", NONE, 1.0)                                                                        \
    /* mass -> mg */                                                                               \
    X("mg", MASS, 1.0)                                                                             \
    X("g", MASS, 1e3)                                                                              \
    X("kg", MASS, 1e6)                                                                             \
    X("ug", MASS, 1e-3)                                                                            \
    X("mcg", MASS, 1e-3)                                                                           \
    X("\xC2\xB5g", MASS, 1e-3) /* U+00B5 micro sign */                                             \
    X("ng", MASS, 1e-6)                                                                            \
    /* volume -> mL */                                                                             \
    X("mL", VOLUME, 1.0)                                                                           \
    X("L", VOLUME, 1e3)                                                                            \
    X("dL", VOLUME, 1e2)                                                                           \
    X("uL", VOLUME, 1e-3)                                                                          \
    /* time -> d */                                                                                \
    X("d", TIME, 1.0)                                                                              \
    X("wk", TIME, 7.0)                                                                             \
    X("mo", TIME, RF_DAYS_PER_MONTH)                                                               \
    X("a", TIME, RF_DAYS_PER_YEAR)                                                                 \
    X("h", TIME, 1.0 / 24.0)                                                                       \
    X("min", TIME, 1.0 / 1440.0)                                                                   \
    X("s", TIME, 1.0 / 86400.0)                                                                    \
    X("ms", TIME, 1.0 / 86400000.0)                                                                \
    /* amount of substance -> mmol */                                                              \
    X("mol", AMOUNT, 1e3)                                                                          \
    X("mmol", AMOUNT, 1.0)                                                                         \
    X("umol", AMOUNT, 1e-3)                                                                        \
    X("nmol", AMOUNT, 1e-6)                                                                        \
    /* mass per time (a daily dose) -> mg/d */                                                     \
    X("mg/d", MASS_PER_TIME, 1.0)                                                                  \
    X("mg/day", MASS_PER_TIME, 1.0)                                                                \
    X("mg/(24.h)", MASS_PER_TIME, 1.0)                                                             \
    X("mg/24.h", MASS_PER_TIME, 1.0)                                                               \
    X("g/d", MASS_PER_TIME, 1e3)                                                                   \
    X("g/day", MASS_PER_TIME, 1e3)                                                                 \
    X("ug/d", MASS_PER_TIME, 1e-3)                                                                 \
    X("mcg/d", MASS_PER_TIME, 1e-3)                                                                \
    X("ug/day", MASS_PER_TIME, 1e-3)                                                               \
    X("mcg/day", MASS_PER_TIME, 1e-3)                                                              \
    X("mg/h", MASS_PER_TIME, 24.0)                                                                 \
    X("ug/h", MASS_PER_TIME, 24e-3) /* transdermal patches */                                      \
    X("mcg/h", MASS_PER_TIME, 24e-3)                                                               \
    X("mg/wk", MASS_PER_TIME, 1.0 / 7.0)                                                           \
    X("g/wk", MASS_PER_TIME, 1e3 / 7.0)                                                            \
    X("ug/wk", MASS_PER_TIME, 1e-3 / 7.0)                                                          \
    X("mcg/wk", MASS_PER_TIME, 1e-3 / 7.0)                                                         \
    X("mg/mo", MASS_PER_TIME, 1.0 / RF_DAYS_PER_MONTH)                                             \
    /* mass per body mass -> mg/kg */                                                              \
    X("mg/kg", MASS_PER_MASS, 1.0)                                                                 \
    X("ug/kg", MASS_PER_MASS, 1e-3)                                                                \
    X("mcg/kg", MASS_PER_MASS, 1e-3)                                                               \
    X("g/kg", MASS_PER_MASS, 1e3)                                                                  \
    /* mass concentration -> mg/L */                                                               \
    X("mg/L", MASS_CONC, 1.0)                                                                      \
    X("mg/dL", MASS_CONC, 10.0)                                                                    \
    X("mg/mL", MASS_CONC, 1e3)                                                                     \
    X("g/L", MASS_CONC, 1e3)                                                                       \
    X("g/dL", MASS_CONC, 1e4)                                                                      \
    X("ug/L", MASS_CONC, 1e-3)                                                                     \
    X("ug/dL", MASS_CONC, 1e-2)                                                                    \
    X("ug/mL", MASS_CONC, 1.0)                                                                     \
    X("mcg/mL", MASS_CONC, 1.0)                                                                    \
    X("ng/mL", MASS_CONC, 1e-3)                                                                    \
    X("ng/dL", MASS_CONC, 1e-5)                                                                    \
    X("ng/L", MASS_CONC, 1e-6)                                                                     \
    X("pg/mL", MASS_CONC, 1e-6)                                                                    \
    /* amount concentration -> mmol/L */                                                           \
    X("mol/L", AMOUNT_CONC, 1e3)                                                                   \
    X("mmol/L", AMOUNT_CONC, 1.0)                                                                  \
    X("umol/L", AMOUNT_CONC, 1e-3)                                                                 \
    X("nmol/L", AMOUNT_CONC, 1e-6)                                                                 \
    X("pmol/L", AMOUNT_CONC, 1e-9)                                                                 \
    X("mEq/L", AMOUNT_CONC, 1.0)                                                                   \
    X("meq/L", AMOUNT_CONC, 1.0)                                                                   \
    /* number concentration (cell counts) -> 10*9/L; 1/uL is 10*6/L */                             \
    X("10*9/L", NUMBER_CONC, 1.0)                                                                  \
    X("10^9/L", NUMBER_CONC, 1.0)                                                                  \
    X("10*3/uL", NUMBER_CONC, 1.0)                                                                 \
    X("10^3/uL", NUMBER_CONC, 1.0)                                                                 \
    X("10*12/L", NUMBER_CONC, 1e3)                                                                 \
    X("10*6/uL", NUMBER_CONC, 1e3)                                                                 \
    X("10*6/L", NUMBER_CONC, 1e-3)                                                                 \
    X("/uL", NUMBER_CONC, 1e-3)                                                                    \
    X("/mm3", NUMBER_CONC, 1e-3)                                                                   \
    X("cells/uL", NUMBER_CONC, 1e-3)                                                               \
    /* catalytic (and international-unit) concentration -> U/L */                                  \
    X("U/L", CATALYTIC_CONC, 1.0)                                                                  \
    X("IU/L", CATALYTIC_CONC, 1.0)                                                                 \
    X("[IU]/L", CATALYTIC_CONC, 1.0)                                                               \
    X("mIU/L", CATALYTIC_CONC, 1e-3)                                                               \
    X("m[IU]/L", CATALYTIC_CONC, 1e-3)                                                             \
    X("mU/L", CATALYTIC_CONC, 1e-3)                                                                \
    X("uIU/mL", CATALYTIC_CONC, 1e-3)                                                              \
    X("u[IU]/mL", CATALYTIC_CONC, 1e-3)                                                            \
    /* length -> mm */                                                                             \
    X("mm", LENGTH, 1.0)                                                                           \
    X("cm", LENGTH, 10.0)                                                                          \
    X("m", LENGTH, 1e3)                                                                            \
    /* length per time (ESR) -> mm/h */                                                            \
    X("mm/h", LENGTH_PER_TIME, 1.0)                                                                \
    X("mm/hr", LENGTH_PER_TIME, 1.0)                                                               \
    /* events per time (seizures, headache days) -> /d */                                          \
    X("/d", PER_TIME, 1.0)                                                                         \
    X("/wk", PER_TIME, 1.0 / 7.0)                                                                  \
    X("/mo", PER_TIME, 1.0 / RF_DAYS_PER_MONTH)                                                    \
    X("/a", PER_TIME, 1.0 / RF_DAYS_PER_YEAR)                                                      \
    X("/h", PER_TIME, 24.0)                                                                        \
    X("/min", PER_TIME, 1440.0)                                                                    \
    X("1/d", PER_TIME, 1.0)                                                                        \
    X("1/wk", PER_TIME, 1.0 / 7.0)                                                                 \
    X("1/mo", PER_TIME, 1.0 / RF_DAYS_PER_MONTH)                                                   \
    X("1/a", PER_TIME, 1.0 / RF_DAYS_PER_YEAR)                                                     \
    X("1/min", PER_TIME, 1440.0)                                                                   \
    /* pressure -> mm[Hg] */                                                                       \
    X("mm[Hg]", PRESSURE, 1.0)                                                                     \
    X("mmHg", PRESSURE, 1.0)                                                                       \
    X("kPa", PRESSURE, 7.500615758)                                                                \
    /* flow (clearance) -> mL/min */                                                               \
    X("mL/min", RATE_PER_VOLUME_MASS, 1.0)                                                         \
    X("mL/s", RATE_PER_VOLUME_MASS, 60.0)                                                          \
    /* clearance per body surface (eGFR) -> mL/min/1.73m2 */                                       \
    X("mL/min/1.73m2", ACTIVITY_RATE, 1.0)                                                         \
    X("mL/min/{1.73_m2}", ACTIVITY_RATE, 1.0)                                                      \
    X("mL/min/1.73_m2", ACTIVITY_RATE, 1.0)                                                        \
    /* mass per area (BMI) -> kg/m2 */                                                             \
    X("kg/m2", MASS_PER_AREA, 1.0)                                                                 \
    X("kg/m^2", MASS_PER_AREA, 1.0)                                                                \
    /* radioactivity -> MBq */                                                                     \
    X("kBq", DOSE_RADIATION, 1e-3)                                                                 \
    X("MBq", DOSE_RADIATION, 1.0)                                                                  \
    X("GBq", DOSE_RADIATION, 1e3)                                                                  \
    X("mCi", DOSE_RADIATION, 37.0)

typedef struct unit_row {
    const char *name;
    rf_dim dim;
    double factor;
} unit_row;

static const unit_row unit_table[] = {
#define X(name, dim, factor) {name, RF_DIM_##dim, factor},
    RF_UNIT_LIST(X)
#undef X
};

static const char *const dim_canon[] = {
#define X(name, canon, desc) canon,
    RF_DIM_LIST(X)
#undef X
};

static const char *const dim_desc[] = {
#define X(name, canon, desc) desc,
    RF_DIM_LIST(X)
#undef X
};

/* Longest spelling we try to fold; anything longer is not a unit we know. */
#define UNIT_MAX 48

static bool find_exact(const char *s, size_t n, rf_unit *out)
{
    for (size_t i = 0; i < sizeof unit_table / sizeof unit_table[0]; i++) {
        const unit_row *u = &unit_table[i];
        /* the first byte rules out most rows before the length and bytes are compared (the
         * knowledge lexer asks after every number) */
        if (n > 0 && u->name[0] == s[0] && strlen(u->name) == n && memcmp(u->name, s, n) == 0) {
            out->dim = u->dim;
            out->factor = u->factor;
            out->canon = dim_canon[u->dim];
            out->name = u->name;
            return true;
        }
    }
    return false;
}

/* A '/'-separated segment that is a litre written in lower case: "ml", "dl", "l", "ul".
 * UCUM accepts both l and L; we fold whole segments only, so mmol keeps its l. */
static bool lower_litre(const char *seg, size_t n)
{
    return (n == 1 && seg[0] == 'l') ||
           (n == 2 && seg[1] == 'l' && (seg[0] == 'm' || seg[0] == 'd' || seg[0] == 'u'));
}

/* Fold spelling variants into the table's: the micro signs (U+00B5, U+03BC) to u, "mcg"
 * to "ug", lower-case litres to L, and UCUM {annotations} (which mean 1) dropped, so
 * "{seizures}/mo" reads as "/mo" and "ng/ml" as "ng/mL". Returns the folded length, or 0
 * when nothing could be folded into buf. */
static size_t normalise(const char *s, size_t n, char buf[static UNIT_MAX + 1])
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o >= UNIT_MAX)
            return 0;
        if (c == '{') { /* annotation: skip to its closing brace */
            while (i < n && s[i] != '}')
                i++;
            if (i == n)
                return 0;
            continue;
        }
        if (i + 1 < n && ((c == 0xC2 && (unsigned char)s[i + 1] == 0xB5) ||
                          (c == 0xCE && (unsigned char)s[i + 1] == 0xBC))) {
            buf[o++] = 'u';
            i++;
            continue;
        }
        if (c == 'm' && i + 2 < n && s[i + 1] == 'c' && s[i + 2] == 'g') {
            buf[o++] = 'u';
            buf[o++] = 'g';
            i += 2;
            continue;
        }
        buf[o++] = (char)c;
    }
    buf[o] = '\0';
    for (size_t start = 0; start < o;) { /* litre segments */
        size_t end = start;
        while (end < o && buf[end] != '/')
            end++;
        if (lower_litre(buf + start, end - start))
            buf[end - 1] = 'L';
        start = end + 1;
    }
    return o;
}

bool rf_unit_lookup(const char *s, size_t n, rf_unit *out)
{
    rf_unit tmp;
    if (out == NULL)
        out = &tmp;
    if (s == NULL || n == 0)
        return false;
    if (find_exact(s, n, out))
        return true;
    if (n > UNIT_MAX)
        return false;
    char buf[UNIT_MAX + 1];
    size_t m = normalise(s, n, buf);
    if (m == 0) { /* only annotations, such as "{beats}": a dimensionless count */
        if (s[0] == '{' && s[n - 1] == '}' && memchr(s + 1, '{', n - 1) == NULL)
            return find_exact("1", 1, out);
        return false;
    }
    return find_exact(buf, m, out);
}

const char *rf_dim_name(rf_dim d)
{
    if ((unsigned)d >= (unsigned)RF_DIM_COUNT_)
        return "unknown";
    return dim_desc[d];
}

const char *rf_dim_canon(rf_dim d)
{
    if ((unsigned)d >= (unsigned)RF_DIM_COUNT_)
        return "?";
    return dim_canon[d];
}

bool rf_dim_per_day(rf_dim d, rf_dim *out)
{
    if (d != RF_DIM_MASS)
        return false;
    if (out != NULL)
        *out = RF_DIM_MASS_PER_TIME;
    return true;
}
