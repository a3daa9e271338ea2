/* lrlab train (C21-C25): rows and columns as CLI.md specifies, divergence marking,
 * determinism, the 2/L threshold through the command line, and every bad-input path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char header[] = "problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,"
                             "test_loss,test_acc,seconds,diverged,dist\n";

/* The CSV with the seconds column (12th) blanked, for comparisons across runs. */
static char *without_seconds(const char *csv)
{
    char *out = strdup(csv), *w = out;
    int col = 1;
    for (const char *s = csv; *s; s++) {
        if (*s == '\n')
            col = 1;
        else if (*s == ',')
            col++;
        else if (col == 12)
            continue;
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

Test(cli_train, quadratic_writes_a_row_per_step_from_step_zero)
{
    const char *argv[] = {"train", "--problem", "quadratic", "--dim", "8", "--optimizer", "sgd",
                          "--lr", "0.5", "--steps", "20", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(strncmp(r.out, header, strlen(header)), 0, "header: %.200s", r.out);
    cr_assert_eq(count_lines(r.out), 1 + 21);
    cr_assert_not_null(strstr(r.out, "\nquadratic,sgd,constant,0.5,0,0,0,0.5,"));
    cr_assert_lt(csv_last_field(r.out, 14), 2.8, "dist falls from sqrt(8) = 2.83");
    cmd_result_free(&r);
}

Test(cli_train, minibatch_writes_a_row_per_epoch_and_log_every_thins)
{
    const char *argv[] = {"train", "--problem", "linreg", "--samples", "100", "--optimizer", "sgd",
                          "--lr", "0.1", "--epochs", "4", "--batch-size", "10", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 1 + 5, "epochs 0..4");
    cr_assert_not_null(strstr(r.out, "\nlinreg,sgd,constant,0.1,0,4,40,"));
    cmd_result_free(&r);
    const char *thin[] = {"train", "--problem", "quadratic", "--optimizer", "adam", "--steps", "100",
                          "--log-every", "25", NULL};
    r = run_lrlab(thin, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(count_lines(r.out), 1 + 5, "steps 0, 25, 50, 75, 100");
    cmd_result_free(&r);
}

Test(cli_train, gd_converges_below_2_over_L_and_diverges_above)
{
    /* K01 through the command line: L = 1, so the threshold is lr = 2 */
    const char *below[] = {"train", "--problem", "quadratic", "--dim", "10", "--mu", "0.1",
                           "--optimizer", "sgd", "--lr", "1.98", "--steps", "3000", NULL};
    lr_cmd_result r = run_lrlab(below, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_lt(csv_last_field(r.out, 14), 1e-3);
    cr_assert_eq(csv_last_field(r.out, 13), 0.0, "not diverged");
    cmd_result_free(&r);
    const char *above[] = {"train", "--problem", "quadratic", "--dim", "10", "--mu", "0.1",
                           "--optimizer", "sgd", "--lr", "2.02", "--steps", "100000", NULL};
    r = run_lrlab(above, NULL);
    cr_assert_eq(r.status, 0, "a diverged run exits 0: %s", r.err);
    cr_assert_lt(count_lines(r.out), 100000, "the run stopped early");
    /* every row of a diverged run says so */
    for (const char *line = strchr(r.out, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        const char *c = line;
        for (int col = 1; col < 13; col++)
            c = strchr(c, ',') + 1;
        cr_assert_eq(*c, '1', "row without diverged=1: %.80s", line);
    }
    cmd_result_free(&r);
}

Test(cli_train, same_seed_same_bytes_less_seconds)
{
    const char *argv[] = {"train", "--problem", "linreg", "--samples", "200", "--noise", "0.5",
                          "--outliers", "0.1", "--loss", "huber", "--optimizer", "adam",
                          "--lr", "0.01", "--epochs", "3", "--seed", "7", NULL};
    lr_cmd_result a = run_lrlab(argv, NULL), b = run_lrlab(argv, NULL);
    cr_assert_eq(a.status, 0, "%s", a.err);
    char *x = without_seconds(a.out), *y = without_seconds(b.out);
    cr_assert_str_eq(x, y);
    free(x);
    free(y);
    cmd_result_free(&a);
    cmd_result_free(&b);
}

Test(cli_train, output_file_is_written_whole)
{
    char *dir = make_temp_dir(), path[512];
    snprintf(path, sizeof path, "%s/run.csv", dir);
    const char *argv[] = {"train", "--problem", "rosenbrock", "--optimizer", "adam", "--lr", "0.01",
                          "--steps", "50", "--output", path, NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *text = slurp(path);
    cr_assert_not_null(text);
    cr_assert_eq(count_lines(text), 1 + 51);
    free(text);
    cmd_result_free(&r);
    free(dir);
}

typedef struct bad_case {
    const char *args[16];
    const char *needle;
} bad_case;

Test(cli_train, bad_input_exits_2_naming_the_fault)
{
    static const bad_case cases[] = {
        {{"train", "--optimizer", "sgd", "--lr", "1", NULL}, "--problem is required"},
        {{"train", "--problem", "cubic", "--optimizer", "sgd", "--lr", "1", NULL}, "cubic"},
        {{"train", "--problem", "quadratic", NULL}, "--optimizer is required"},
        {{"train", "--problem", "quadratic", "--optimizer", "sgd", NULL}, "--lr"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--noise", "1", NULL}, "--noise"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--mu", "2", NULL}, "mu"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--dim", "0", NULL}, "--dim"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--epochs", "3", NULL}, "--epochs"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--steps", "0", NULL}, "--steps"},
        {{"train", "--problem", "linreg", "--optimizer", "adam", "--batch-size", "0", NULL},
         "--batch-size"},
        {{"train", "--problem", "linreg", "--optimizer", "adam", "--loss", "l1", NULL}, "--loss"},
        {{"train", "--problem", "linreg", "--optimizer", "adam", "--samples", "-3", NULL}, "--samples"},
        {{"train", "--problem", "rosenbrock", "--optimizer", "adam", "--dim", "1", NULL}, "--dim"},
        {{"train", "--problem", "quadratic", "--dim", "3", "--x0", "1,2", "--optimizer", "adam", NULL},
         "--x0"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--impl", "gpu", NULL}, "--impl"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--seed", "-1", NULL}, "--seed"},
        {{"train", "--problem", "quadratic", "--optimizer", "adam", "--output", "/nonexistent/x.csv",
          NULL}, "/nonexistent/x.csv"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lr_cmd_result r = run_lrlab(cases[i].args, NULL);
        cr_assert_eq(r.status, 2, "case %zu: status %d, stderr %s", i, r.status, r.err);
        cr_assert_not_null(strstr(r.err, cases[i].needle), "case %zu: '%s' not in: %s", i,
                           cases[i].needle, r.err);
        cr_assert_str_eq(r.out, "", "case %zu wrote output", i);
        cmd_result_free(&r);
    }
}
