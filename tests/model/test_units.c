/* test_units.c - the unit table: spellings, factors to canonical units, dimensions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "model/model.h"
#include "model/units.h"

/* cmocka 1.1.5 (Debian 12) has no assert_double_equal */
#define assert_near(got, want, eps) assert_near_((got), (want), (eps), __FILE__, __LINE__)
static void assert_near_(double got, double want, double eps, const char *file, int line)
{
    if (!(fabs(got - want) <= eps)) {
        print_error("%.17g != %.17g (within %g)\n", got, want, eps);
        _fail(file, line);
    }
}

static rf_unit must_lookup(const char *s)
{
    rf_unit u;
    memset(&u, 0, sizeof u);
    if (!rf_unit_lookup(s, strlen(s), &u))
        fail_msg("unit '%s' not found", s);
    return u;
}

/* value in unit `from` expressed in unit `to` (same dimension) */
static double convert(double value, const char *from, const char *to)
{
    rf_unit a = must_lookup(from), b = must_lookup(to);
    assert_int_equal(a.dim, b.dim);
    return value * a.factor / b.factor;
}

static void test_units__gram_is_1000_mg(void **state)
{
    (void)state;
    assert_near(convert(1, "g", "mg"), 1000, 1e-9);
    assert_near(convert(1, "kg", "g"), 1000, 1e-9);
    assert_near(convert(250, "ug", "mg"), 0.25, 1e-12);
}

static void test_units__microgram_spellings_agree(void **state)
{
    (void)state;
    rf_unit ug = must_lookup("ug");
    const char *spellings[] = {"mcg", "\xC2\xB5g", "\xCE\xBCg"}; /* micro sign, Greek mu */
    for (size_t i = 0; i < 3; i++) {
        rf_unit u = must_lookup(spellings[i]);
        assert_int_equal(u.dim, RF_DIM_MASS);
        assert_near(u.factor, ug.factor, 1e-15);
    }
}

static void test_units__5_mg_per_dl_is_50_mg_per_l(void **state)
{
    (void)state;
    assert_near(convert(5, "mg/dL", "mg/L"), 50, 1e-9);
    assert_near(convert(1, "g/dL", "g/L"), 10, 1e-9);
}

static void test_units__2_ng_per_ml_is_2_ug_per_l(void **state)
{
    (void)state;
    assert_near(convert(2, "ng/mL", "ug/L"), 2, 1e-12);
    assert_near(convert(2, "ng/ml", "ug/L"), 2, 1e-12); /* lower-case litre */
}

static void test_units__one_week_is_7_days(void **state)
{
    (void)state;
    assert_near(convert(1, "wk", "d"), 7, 1e-12);
    assert_near(convert(1, "mo", "d"), 30.4375, 1e-12);
    assert_near(convert(1, "a", "d"), 365.25, 1e-12);
    assert_near(convert(36, "h", "d"), 1.5, 1e-12);
}

static void test_units__daily_dose_spellings(void **state)
{
    (void)state;
    const char *per_day[] = {"mg/d", "mg/day", "mg/(24.h)"};
    for (size_t i = 0; i < 3; i++) {
        rf_unit u = must_lookup(per_day[i]);
        assert_int_equal(u.dim, RF_DIM_MASS_PER_TIME);
        assert_near(u.factor, 1, 1e-12);
        assert_string_equal(u.canon, "mg/d");
    }
    assert_near(convert(70, "mg/wk", "mg/d"), 10, 1e-9);
    assert_near(convert(1, "g/d", "mg/d"), 1000, 1e-9);
    assert_near(convert(25, "mcg/h", "mg/d"), 0.6, 1e-12); /* a fentanyl patch */
}

static void test_units__cells_per_microlitre_are_thousandths_of_10_9_per_l(void **state)
{
    (void)state;
    assert_near(convert(500, "/uL", "10*9/L"), 0.5, 1e-12);
    assert_near(convert(500, "/mm3", "10*9/L"), 0.5, 1e-12);
    assert_near(convert(4.2, "10*3/uL", "10*9/L"), 4.2, 1e-12);
}

static void test_units__concentrations_and_others(void **state)
{
    (void)state;
    assert_near(convert(140, "mEq/L", "mmol/L"), 140, 1e-9);
    assert_near(convert(800, "umol/L", "mmol/L"), 0.8, 1e-12);
    assert_near(convert(40, "IU/L", "U/L"), 40, 1e-12);
    assert_near(convert(2, "cm", "mm"), 20, 1e-12);
    assert_near(convert(120, "mmHg", "mm[Hg]"), 120, 1e-12);
    assert_near(convert(7.4, "GBq", "MBq"), 7400, 1e-9);
    assert_near(convert(4, "/mo", "/d"), 4 / 30.4375, 1e-12);
    assert_near(convert(45, "%", "1"), 0.45, 1e-12);
    assert_int_equal(must_lookup("mL/min/{1.73_m2}").dim, RF_DIM_ACTIVITY_RATE);
    assert_int_equal(must_lookup("kg/m2").dim, RF_DIM_MASS_PER_AREA);
    assert_int_equal(must_lookup("mm/h").dim, RF_DIM_LENGTH_PER_TIME);
    assert_int_equal(must_lookup("mg/kg").dim, RF_DIM_MASS_PER_MASS);
}

static void test_units__annotations_mean_one(void **state)
{
    (void)state;
    assert_int_equal(must_lookup("{score}").dim, RF_DIM_NONE);
    assert_int_equal(must_lookup("{beats}").dim, RF_DIM_NONE);
    rf_unit u = must_lookup("{seizures}/mo");
    assert_int_equal(u.dim, RF_DIM_PER_TIME);
    assert_near(u.factor, 1 / 30.4375, 1e-12);
}

static void test_units__lookup_takes_a_length(void **state)
{
    (void)state;
    rf_unit u;
    assert_true(rf_unit_lookup("mg/dLxxx", 5, &u)); /* "mg/dL" */
    assert_near(u.factor, 10, 1e-12);
    assert_string_equal(u.name, "mg/dL");
}

static void test_units__unknown_units_are_refused(void **state)
{
    (void)state;
    rf_unit u;
    const char *bad[] = {"mgs",     "Mg",       "MG",          "", "mg/", "{score",
                         "tablets", "mmol/l/l", "{unclosed}}{"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(rf_unit_lookup(bad[i], strlen(bad[i]), &u));
    assert_false(rf_unit_lookup(NULL, 0, &u));
    char longest[200];
    memset(longest, 'm', sizeof longest);
    assert_false(rf_unit_lookup(longest, sizeof longest, &u));
    assert_true(rf_unit_lookup("mmol/L", 6, NULL)); /* out may be NULL */
}

static void test_units__dimension_names_and_canonical_units(void **state)
{
    (void)state;
    assert_string_equal(rf_dim_name(RF_DIM_MASS_PER_TIME), "mass per time (daily dose)");
    assert_string_equal(rf_dim_canon(RF_DIM_MASS_PER_TIME), "mg/d");
    assert_string_equal(rf_dim_canon(RF_DIM_NUMBER_CONC), "10*9/L");
    assert_string_equal(rf_dim_name(RF_DIM_NONE), "dimensionless");
    assert_string_equal(rf_dim_name(RF_DIM_COUNT_), "unknown");
    /* every canonical unit is itself in the table with factor 1 */
    for (int d = 0; d < RF_DIM_COUNT_; d++) {
        rf_unit u = must_lookup(rf_dim_canon((rf_dim)d));
        assert_int_equal(u.dim, d);
        assert_near(u.factor, 1, 1e-15);
    }
}

static void test_units__per_day_turns_a_dose_into_a_daily_dose(void **state)
{
    (void)state;
    rf_dim out = RF_DIM_NONE;
    assert_true(rf_dim_per_day(RF_DIM_MASS, &out));
    assert_int_equal(out, RF_DIM_MASS_PER_TIME);
    assert_false(rf_dim_per_day(RF_DIM_MASS_PER_TIME, &out));
    assert_false(rf_dim_per_day(RF_DIM_MASS_CONC, &out));
    /* 50 mg bid = 100 mg/d */
    rf_unit mg = must_lookup("mg");
    assert_near(50 * mg.factor * 2, 100 * must_lookup("mg/d").factor, 1e-12);
}

static void test_model__outcome_names_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"unknown", "remission",   "response", "partial",
                           "none",    "intolerance", "ongoing"};
    for (int i = 0; i <= RF_OUTCOME_ONGOING; i++) {
        rf_outcome o = RF_OUTCOME_UNKNOWN;
        assert_string_equal(rf_outcome_name((rf_outcome)i), names[i]);
        assert_true(rf_outcome_parse(names[i], &o));
        assert_int_equal(o, i);
    }
    rf_outcome o = RF_OUTCOME_RESPONSE;
    assert_false(rf_outcome_parse("responded", &o));
    assert_false(rf_outcome_parse(NULL, &o));
    assert_int_equal(o, RF_OUTCOME_RESPONSE);
    assert_string_equal(rf_outcome_name((rf_outcome)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_units__gram_is_1000_mg),
        cmocka_unit_test(test_units__microgram_spellings_agree),
        cmocka_unit_test(test_units__5_mg_per_dl_is_50_mg_per_l),
        cmocka_unit_test(test_units__2_ng_per_ml_is_2_ug_per_l),
        cmocka_unit_test(test_units__one_week_is_7_days),
        cmocka_unit_test(test_units__daily_dose_spellings),
        cmocka_unit_test(test_units__cells_per_microlitre_are_thousandths_of_10_9_per_l),
        cmocka_unit_test(test_units__concentrations_and_others),
        cmocka_unit_test(test_units__annotations_mean_one),
        cmocka_unit_test(test_units__lookup_takes_a_length),
        cmocka_unit_test(test_units__unknown_units_are_refused),
        cmocka_unit_test(test_units__dimension_names_and_canonical_units),
        cmocka_unit_test(test_units__per_day_turns_a_dose_into_a_daily_dose),
        cmocka_unit_test(test_model__outcome_names_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
