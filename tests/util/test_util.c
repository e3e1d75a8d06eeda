/* test_util.c - the base layer's text helpers: rf_arena_printf (its %s-only fast path must
 * write what vsnprintf writes) and rf_str_hash (the hash of the in-memory id tables). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "util/util.h"

static rf_arena arena;

static int setup(void **state)
{
    (void)state;
    rf_arena_init(&arena, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    rf_arena_free(&arena);
    return 0;
}

static void test_printf__joins_s_only_formats(void **state)
{
    (void)state;
    assert_string_equal(rf_arena_printf(&arena, "%s: %s", "dose", "150 mg/d"), "dose: 150 mg/d");
    assert_string_equal(rf_arena_printf(&arena, "%s", ""), "");
    assert_string_equal(rf_arena_printf(&arena, "no directives"), "no directives");
    assert_string_equal(rf_arena_printf(&arena, "%s%s%s", "a", "", "c"), "ac");
    assert_string_equal(rf_arena_printf(&arena, "%s trial from %s%s%s (%s)", "sertraline", "2023-01-02",
                                        " to ", "2023-03-04", "$.trials[0]"),
                        "sertraline trial from 2023-01-02 to 2023-03-04 ($.trials[0])");
}

static void test_printf__null_argument_is_written_as_glibc_does(void **state)
{
    (void)state;
    const char *volatile none = NULL; /* volatile: the compiler would warn about a null %s */
    char want[64];
    snprintf(want, sizeof want, "x %s y", none);
    assert_string_equal(rf_arena_printf(&arena, "x %s y", none), want);
}

/* Formats with any other directive, %% included, or more arguments than the fast path takes,
 * go through vsnprintf and must read every argument in order. */
static void test_printf__other_directives_fall_back(void **state)
{
    (void)state;
    assert_string_equal(rf_arena_printf(&arena, "%zu x %s", (size_t)3, "trial"), "3 x trial");
    assert_string_equal(rf_arena_printf(&arena, "%g days", 42.5), "42.5 days");
    assert_string_equal(rf_arena_printf(&arena, "100%% of %s", "doses"), "100% of doses");
    assert_string_equal(rf_arena_printf(&arena, "%s-%d", "row", 7), "row-7");
    assert_string_equal(rf_arena_printf(&arena, "%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s%s", "a", "b", "c", "d", "e",
                                        "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"),
                        "abcdefghijklmnopq");
}

static void test_printf__long_texts_are_whole(void **state)
{
    (void)state;
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    const char *s = rf_arena_printf(&arena, "[%s]", big);
    assert_int_equal(strlen(s), sizeof big + 1);
    assert_int_equal(s[0], '[');
    assert_int_equal(s[sizeof big], ']');
    const char *t = rf_arena_printf(&arena, "%zu:[%s]", strlen(big), big); /* vsnprintf, > 512 */
    assert_int_equal(strlen(t), sizeof big + 1 + 5);
}

static void test_printf__out_of_memory_gives_an_empty_text(void **state)
{
    (void)state;
    rf_arena a;
    rf_arena_init(&a, 0);
    a.fail_after = 0;
    const char *s = rf_arena_printf(&a, "%s: %s", "a", "b");
    assert_non_null(s);
    assert_string_equal(s, "");
    assert_true(a.failed);
    rf_arena_free(&a);
}

static void test_hash__equal_texts_hash_equal(void **state)
{
    (void)state;
    char a[] = "dep_switch_other_class", b[] = "dep_switch_other_class";
    assert_ptr_not_equal(a, b);
    assert_int_equal(rf_str_hash(1, a), rf_str_hash(1, b));
    assert_int_not_equal(rf_str_hash(1, a), rf_str_hash(2, a)); /* the seed chains texts */
}

/* Every length up to three words, so each tail size is taken: no two of these collide, and a
 * text differs from its own prefixes. */
static void test_hash__lengths_and_tails_differ(void **state)
{
    (void)state;
    const char *base = "abcdefghijklmnopqrstuvwxyz";
    uint32_t seen[27];
    for (size_t n = 0; n <= 26; n++) {
        char s[27];
        memcpy(s, base, n);
        s[n] = '\0';
        seen[n] = rf_str_hash(0, s);
        for (size_t j = 0; j < n; j++)
            assert_int_not_equal(seen[j], seen[n]);
    }
    assert_int_not_equal(rf_str_hash(0, "ab"), rf_str_hash(0, "ba"));
    assert_int_not_equal(rf_str_hash(0, "flag"), rf_str_hash(0, "flags"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_printf__joins_s_only_formats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_printf__null_argument_is_written_as_glibc_does, setup, teardown),
        cmocka_unit_test_setup_teardown(test_printf__other_directives_fall_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_printf__long_texts_are_whole, setup, teardown),
        cmocka_unit_test(test_printf__out_of_memory_gives_an_empty_text),
        cmocka_unit_test(test_hash__equal_texts_hash_equal),
        cmocka_unit_test(test_hash__lengths_and_tails_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
