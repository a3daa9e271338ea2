/* lrlab find-lr (C17): the curve CSV, the suggestions file and stderr line, and bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

Test(cli_find_lr, curve_and_suggestions)
{
    char *dir = make_temp_dir(), sug[512];
    snprintf(sug, sizeof sug, "%s/s.csv", dir);
    const char *argv[] = {"find-lr", "--problem", "linreg", "--optimizer", "sgd", "--lr", "1",
                          "--num-it", "80", "--suggestions", sug, NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(strncmp(r.out, "lr,loss,smoothed_loss\n1e-07,", 28), 0, "%.80s", r.out);
    size_t lines = count_lines(r.out);
    cr_assert(lines >= 2 && lines <= 81, "%zu lines", lines);
    cr_assert_not_null(strstr(r.err, "suggestions: minimum "), "%s", r.err);
    char *text = slurp(sug);
    cr_assert_not_null(text);
    double mn, st, va;
    cr_assert_eq(sscanf(text, "method,lr\nminimum,%lf\nsteep,%lf\nvalley,%lf\n", &mn, &st, &va), 3,
                 "%s", text);
    cr_assert(mn > 0 && st > 0 && va > 0);
    free(text);
    cmd_result_free(&r);
    free(dir);
}

Test(cli_find_lr, same_suggestions_from_both_implementations)
{
    const char *ref[] = {"find-lr", "--problem", "quadratic", "--optimizer", "sgd", "--lr", "1",
                         "--impl", "reference", NULL};
    const char *avx[] = {"find-lr", "--problem", "quadratic", "--optimizer", "sgd", "--lr", "1",
                         "--impl", "avx2", NULL};
    lr_cmd_result a = run_lrlab(ref, NULL), b = run_lrlab(avx, NULL);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_eq(b.status, 0, "%s", b.err);
    cr_assert_str_eq(a.err, b.err, "suggestions differ");
    cmd_result_free(&a);
    cmd_result_free(&b);
}

Test(cli_find_lr, bad_input)
{
    static const char *const cases[][12] = {
        {"find-lr", "--problem", "quadratic", "--optimizer", "adam", "--start-lr", "0", NULL},
        {"find-lr", "--problem", "quadratic", "--optimizer", "adam", "--end-lr", "1e-8", NULL},
        {"find-lr", "--problem", "quadratic", "--optimizer", "adam", "--num-it", "0", NULL},
        {"find-lr", "--problem", "quadratic", "--optimizer", "adam", "--steps", "5", NULL},
        {"find-lr", "--problem", "quadratic", "--optimizer", "adam", "--end-lr", "nan", NULL},
    };
    static const char *const needles[] = {"--start-lr", "--end-lr", "--num-it", "--steps", "--end-lr"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lr_cmd_result r = run_lrlab(cases[i], NULL);
        cr_assert_eq(r.status, 2, "case %zu: %d %s", i, r.status, r.err);
        cr_assert_not_null(strstr(r.err, needles[i]), "case %zu: %s", i, r.err);
        cmd_result_free(&r);
    }
}
