/* Hardening: one table of bad inputs across every subcommand. Each case must exit with the stated
 * status, name the flag, file, line or value at fault on stderr, print nothing on stdout, and
 * leave no output file (nor a temporary one) behind. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

typedef struct bad_input {
    const char *args[20]; /* "@OUT" becomes the output path, "@IN" an input file with `input` */
    const char *input;     /* contents of @IN (NULL: no file is written) */
    int status;
    const char *needle;    /* must appear in stderr */
} bad_input;

static const bad_input cases[] = {
    /* replay */
    {{"replay", "--optimizer", "sgd", "--input", "@IN", "--output", "@OUT", NULL}, "1,2\n", 2, "--lr"},
    {{"replay", "--optimizer", "sgd", "--lr", "-1", "--output", "@OUT", NULL}, NULL, 2, "--lr"},
    {{"replay", "--optimizer", "adam", "--beta1", "1", "--output", "@OUT", NULL}, NULL, 2, "--beta1"},
    {{"replay", "--optimizer", "adam", "--beta2", "-0.1", "--output", "@OUT", NULL}, NULL, 2, "--beta2"},
    {{"replay", "--optimizer", "adam", "--eps", "-1", "--output", "@OUT", NULL}, NULL, 2, "--eps"},
    {{"replay", "--optimizer", "adagrad", "--lr-decay", "-1", "--output", "@OUT", NULL}, NULL, 2, "--lr-decay"},
    {{"replay", "--optimizer", "rmsprop", "--alpha", "-1", "--output", "@OUT", NULL}, NULL, 2, "--alpha"},
    {{"replay", "--optimizer", "sgd", "--lr", "1", "--nesterov", "--output", "@OUT", NULL}, NULL, 2, "Nesterov"},
    {{"replay", "--optimizer", "sgd", "--lr", "1", "--amsgrad", "--output", "@OUT", NULL}, NULL, 2, "--amsgrad"},
    {{"replay", "--optimizer", "sgdx", "--output", "@OUT", NULL}, NULL, 2, "sgdx"},
    {{"replay", "--optimizer", "adam", "--lr", "nan", "--output", "@OUT", NULL}, NULL, 2, "--lr"},
    {{"replay", "--optimizer", "adam", "--lr", "0.1x", "--output", "@OUT", NULL}, NULL, 2, "0.1x"},
    {{"replay", "--optimizer", "adam", "--input", "@IN", "--output", "@OUT", NULL}, "1,2\n3\n", 2, ":2:"},
    {{"replay", "--optimizer", "adam", "--input", "@IN", "--output", "@OUT", NULL}, "1,2\n3,abc\n", 2, "abc"},
    {{"replay", "--optimizer", "adam", "--input", "@IN", "--output", "@OUT", NULL}, "", 2, "empty"},
    {{"replay", "--optimizer", "adam", "--input", "/nonexistent/in.csv", "--output", "@OUT", NULL}, NULL, 2,
     "/nonexistent/in.csv"},
    {{"replay", "--optimizer", "adam", "--impl", "simd", "--output", "@OUT", NULL}, NULL, 2, "simd"},
    {{"replay", "--optimizer", "adam", "--bogus", "--output", "@OUT", NULL}, NULL, 2, "--bogus"},
    {{"replay", "--optimizer", "adam", "--output", "@OUT", "--lr", NULL}, NULL, 2, "--lr"},
    /* schedule */
    {{"schedule", "--name", "cosine", "--lr", "0.1", "--steps", "5", "--output", "@OUT", NULL}, NULL, 2, "--t-max"},
    {{"schedule", "--name", "step", "--lr", "0.1", "--steps", "5", "--step-size", "0", "--output", "@OUT", NULL},
     NULL, 2, "--step-size"},
    {{"schedule", "--name", "warp", "--lr", "0.1", "--steps", "5", "--output", "@OUT", NULL}, NULL, 2, "warp"},
    {{"schedule", "--name", "cosine-restarts", "--lr", "0.1", "--steps", "5", "--t-0", "0", "--output", "@OUT",
      NULL}, NULL, 2, "--t-0"},
    {{"schedule", "--name", "cosine-restarts", "--lr", "0.1", "--steps", "5", "--t-0", "3", "--t-mult", "1.5",
      "--output", "@OUT", NULL}, NULL, 2, "--t-mult"},
    {{"schedule", "--name", "onecycle", "--max-lr", "1", "--total-steps", "10", "--steps", "20", "--output",
      "@OUT", NULL}, NULL, 2, "total_steps"},
    {{"schedule", "--name", "cyclic", "--base-lr", "0.1", "--max-lr", "1", "--mode", "zigzag", "--steps", "5",
      "--output", "@OUT", NULL}, NULL, 2, "zigzag"},
    {{"schedule", "--name", "plateau", "--lr", "0.1", "--factor", "1", "--metrics", "@IN", "--output", "@OUT",
      NULL}, "1\n", 2, "--factor"},
    {{"schedule", "--name", "plateau", "--lr", "0.1", "--metrics", "@IN", "--output", "@OUT", NULL},
     "1\n2\nthree\n", 2, ":3"},
    {{"schedule", "--name", "plateau", "--lr", "0.1", "--metrics", "/nonexistent/m.txt", "--output", "@OUT",
      NULL}, NULL, 2, "/nonexistent/m.txt"},
    {{"schedule", "--name", "multistep", "--lr", "0.1", "--milestones", "30,x", "--steps", "5", "--output",
      "@OUT", NULL}, NULL, 2, "--milestones"},
    {{"schedule", "--name", "exponential", "--lr", "0.1", "--steps", "5", "--output", "@OUT", NULL}, NULL, 2,
     "--gamma"},
    /* train */
    {{"train", "--problem", "quadratic", "--optimizer", "adam", "--mu", "0", "--output", "@OUT", NULL}, NULL, 2,
     "mu"},
    {{"train", "--problem", "quadratic", "--optimizer", "adam", "--L", "inf", "--output", "@OUT", NULL}, NULL, 2,
     "L"},
    {{"train", "--problem", "linreg", "--optimizer", "adam", "--outliers", "1.5", "--output", "@OUT", NULL}, NULL,
     2, "outliers"},
    {{"train", "--problem", "linreg", "--optimizer", "adam", "--noise", "-1", "--output", "@OUT", NULL}, NULL, 2,
     "noise"},
    {{"train", "--problem", "linreg", "--optimizer", "adam", "--features", "0", "--output", "@OUT", NULL}, NULL,
     2, "--features"},
    {{"train", "--problem", "rosenbrock", "--optimizer", "adam", "--rotate", "--output", "@OUT", NULL}, NULL, 2,
     "--rotate"},
    {{"train", "--problem", "quadratic", "--optimizer", "adam", "--x0", "1,nan", "--dim", "2", "--output", "@OUT",
      NULL}, NULL, 2, "--x0"},
    {{"train", "--problem", "linreg", "--optimizer", "adam", "--epochs", "0", "--output", "@OUT", NULL}, NULL, 2,
     "--epochs"},
    {{"train", "--problem", "quadratic", "--optimizer", "rmsprop", "--momentum", "-1", "--output", "@OUT", NULL},
     NULL, 2, "--momentum"},
    {{"train", "--problem", "quadratic", "--optimizer", "adam", "--log-every", "-2", "--output", "@OUT", NULL},
     NULL, 2, "--log-every"},
    /* find-lr */
    {{"find-lr", "--problem", "linreg", "--optimizer", "sgd", "--lr", "1", "--start-lr", "-1", "--output", "@OUT",
      NULL}, NULL, 2, "--start-lr"},
    {{"find-lr", "--problem", "linreg", "--optimizer", "sgd", "--lr", "1", "--num-it", "x", "--output", "@OUT",
      NULL}, NULL, 2, "--num-it"},
    {{"find-lr", "--problem", "linreg", "--optimizer", "sgd", "--lr", "1", "--log-every", "3", "--output", "@OUT",
      NULL}, NULL, 2, "--log-every"},
    /* sweep's schedule flags are train's */
    {{"sweep", "--problem", "linreg", "--optimizer", "sgd", "--lr-grid", "1e-3:1:3", "--schedule", "warp",
      "--output", "@OUT", NULL}, NULL, 2, "warp"},
    {{"sweep", "--problem", "linreg", "--optimizer", "sgd", "--lr-grid", "1e-3:1:3", "--eta-min", "0.1",
      "--output", "@OUT", NULL}, NULL, 2, "--eta-min"},
    {{"sweep", "--problem", "linreg", "--optimizer", "sgd", "--lr-grid", "1e-3:1:3", "--schedule", "cosine",
      "--t-max", "-3", "--output", "@OUT", NULL}, NULL, 2, "--t-max"},
    /* the command itself */
    {{"trian", "--output", "@OUT", NULL}, NULL, 2, "trian"},
};

Test(cli_bad_input, every_case_fails_cleanly)
{
    size_t ncases = sizeof cases / sizeof cases[0];
    cr_assert_geq(ncases, 40);
    for (size_t i = 0; i < ncases; i++) {
        char *dir = make_temp_dir(), out[512], in[512];
        snprintf(out, sizeof out, "%s/out.csv", dir);
        snprintf(in, sizeof in, "%s/in.txt", dir);
        if (cases[i].input)
            cr_assert_eq(write_text(in, cases[i].input), 0);
        const char *argv[20];
        size_t k = 0;
        for (; cases[i].args[k]; k++)
            argv[k] = !strcmp(cases[i].args[k], "@OUT") ? out
                      : !strcmp(cases[i].args[k], "@IN") ? in : cases[i].args[k];
        argv[k] = NULL;
        lr_cmd_result r = run_lrlab(argv, "");
        cr_assert_eq(r.status, cases[i].status, "case %zu (%s %s): status %d, stderr: %s", i,
                     argv[0], argv[1], r.status, r.err);
        cr_assert_not_null(strstr(r.err, cases[i].needle), "case %zu: '%s' not named in: %s", i,
                           cases[i].needle, r.err);
        cr_assert_str_eq(r.out, "", "case %zu printed on stdout", i);
        char first[256] = "";
        cr_assert_eq(dir_leftovers(dir, "in.txt", first, sizeof first), 0,
                     "case %zu left '%s' behind", i, first);
        cmd_result_free(&r);
        remove(in);
        remove(dir);
        free(dir);
    }
}
