/* lrlab train --trace (C21-C23): the parameters as columns x1..xD, checked against iterates known
 * exactly (a diagonal quadratic with binary-fraction rates), the dist column and the dim limit. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* Field `col` (1-based) of data line `row` (0-based, after the header), or NAN. */
static double field(const char *csv, int row, int col)
{
    const char *line = strchr(csv, '\n');
    for (int r = 0; line && r < row; r++)
        line = strchr(line + 1, '\n');
    if (!line)
        return NAN;
    line++;
    for (int c = 1; c < col; c++) {
        const char *comma = strchr(line, ',');
        const char *nl = strchr(line, '\n');
        if (!comma || (nl && comma > nl))
            return NAN;
        line = comma + 1;
    }
    return strtod(line, NULL);
}

Test(cli_train_trace, quadratic_iterates_are_exact_powers)
{
    /* dim 2: the eigenvalues are exactly mu = 0.5 and L = 1; at lr 0.5 each step multiplies x1 by
     * 0.75 and x2 by 0.5, which float32 does without rounding. */
    const char *argv[] = {"train", "--problem", "quadratic", "--dim", "2", "--mu", "0.5", "--L", "1",
                          "--optimizer", "sgd", "--lr", "0.5", "--steps", "3", "--trace", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    const char *header = "problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,"
                         "test_loss,test_acc,seconds,diverged,dist,x1,x2\n";
    cr_assert_eq(strncmp(r.out, header, strlen(header)), 0, "header: %.200s", r.out);
    for (int t = 0; t <= 3; t++) {
        cr_assert_eq(field(r.out, t, 15), pow(0.75, t), "x1 at step %d", t);
        cr_assert_eq(field(r.out, t, 16), pow(0.5, t), "x2 at step %d", t);
    }
    cr_assert(isnan(field(r.out, 4, 15)), "four data rows only");
    cmd_result_free(&r);
}

Test(cli_train_trace, rosenbrock_trace_agrees_with_dist)
{
    const char *argv[] = {"train", "--problem", "rosenbrock", "--optimizer", "adam", "--lr", "0.05",
                          "--steps", "50", "--trace", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq((float)field(r.out, 0, 15), -1.2f, "%%.9g round-trips a float32");
    cr_assert_eq(field(r.out, 0, 16), 1.0);
    for (int t = 0; t <= 50; t += 7) {
        double x1 = field(r.out, t, 15), x2 = field(r.out, t, 16), dist = field(r.out, t, 14);
        double want = hypot(x1 - 1.0, x2 - 1.0);
        /* both printed with 9 significant digits from float32 values */
        cr_assert_leq(fabs(dist - want), 1e-6 * (1.0 + want), "step %d: dist %.9g, trace gives %.9g",
                      t, dist, want);
    }
    cmd_result_free(&r);
}

Test(cli_train_trace, linreg_traces_its_weights_from_zero)
{
    const char *argv[] = {"train", "--problem", "linreg", "--features", "3", "--samples", "64",
                          "--optimizer", "sgd", "--lr", "0.1", "--epochs", "2", "--trace", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_not_null(strstr(r.out, ",dist,x1,x2,x3\n"), "header: %.200s", r.out);
    for (int j = 15; j <= 17; j++)
        cr_assert_eq(field(r.out, 0, j), 0.0, "initial weight %d", j - 14);
    cr_assert_neq(field(r.out, 2, 15), 0.0, "trained weights move");
    cmd_result_free(&r);
}

Test(cli_train_trace, too_many_parameters_is_a_usage_error)
{
    const char *argv[] = {"train", "--problem", "quadratic", "--dim", "65", "--optimizer", "sgd",
                          "--lr", "0.1", "--steps", "2", "--trace", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--trace"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "65 parameters"), "%s", r.err);
    cr_assert_eq(r.out[0], '\0', "no rows on stdout: %.100s", r.out);
    cmd_result_free(&r);
}
