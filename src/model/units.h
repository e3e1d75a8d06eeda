/* units.h - the UCUM subset refract reads: each unit maps to a dimension and a factor to
 * that dimension's canonical unit. The table is one X-macro list in units.c. */
#ifndef RF_UNITS_H
#define RF_UNITS_H

#include <stdbool.h>
#include <stddef.h>

/* Dimensions and their canonical units. ORDER RESERVED: names are in rf_dim_name(). */
#define RF_DIM_LIST(X)                                                                  \
    X(NONE, "1", "dimensionless")                                                       \
    X(MASS, "mg", "mass")                                                               \
    X(VOLUME, "mL", "volume")                                                           \
    X(TIME, "d", "time")                                                                \
    X(AMOUNT, "mmol", "amount of substance")                                            \
    X(MASS_PER_TIME, "mg/d", "mass per time (daily dose)")                              \
    X(MASS_PER_MASS, "mg/kg", "mass per body mass")                                     \
    X(MASS_CONC, "mg/L", "mass concentration")                                          \
    X(AMOUNT_CONC, "mmol/L", "amount concentration")                                    \
    X(NUMBER_CONC, "10*9/L", "number concentration (cells)")                            \
    X(CATALYTIC_CONC, "U/L", "catalytic activity concentration")                        \
    X(LENGTH, "mm", "length")                                                           \
    X(LENGTH_PER_TIME, "mm/h", "length per time (ESR)")                                 \
    X(PER_TIME, "/d", "events per time")                                                \
    X(PRESSURE, "mm[Hg]", "pressure")                                                   \
    X(RATE_PER_VOLUME_MASS, "mL/min", "flow (clearance)")                               \
    X(ACTIVITY_RATE, "mL/min/1.73m2", "clearance per body surface (eGFR)")              \
    X(MASS_PER_AREA, "kg/m2", "mass per area (BMI)")                                    \
    X(DOSE_RADIATION, "MBq", "radioactivity")

/* Calendar conventions wherever months or years become days (units "mo" and "a", the
 * frequencies "monthly", "q3m"): the mean Gregorian month and the Julian year. */
#define RF_DAYS_PER_MONTH 30.4375 /* 365.25 / 12 */
#define RF_DAYS_PER_YEAR 365.25

typedef enum rf_dim {
#define X(name, canon, desc) RF_DIM_##name,
    RF_DIM_LIST(X)
#undef X
    RF_DIM_COUNT_
} rf_dim;

typedef struct rf_unit {
    rf_dim dim;
    double factor;       /* value_in_unit * factor = value in the canonical unit */
    const char *canon;   /* canonical unit of the dimension */
    const char *name;    /* the unit as written in the table */
} rf_unit;

/* Look up a unit as written (UCUM code, or a common clinical spelling such as "mg/day",
 * "mcg", "µg", "ng/ml"). Exact, case-sensitive where UCUM is (mg vs Mg), otherwise
 * accepting the spellings listed in units.c. false if unknown. */
bool rf_unit_lookup(const char *s, size_t n, rf_unit *out);
const char *rf_dim_name(rf_dim d);   /* "mass per time (daily dose)" */
const char *rf_dim_canon(rf_dim d);  /* "mg/d" */
/* Multiply a per-administration dimension by a frequency (administrations per day):
 * MASS -> MASS_PER_TIME; others unchanged-false. */
bool rf_dim_per_day(rf_dim d, rf_dim *out);

#endif
