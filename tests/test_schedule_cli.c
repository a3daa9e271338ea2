/* C07-C16 `lrlab schedule` contract: header and format, --help, atomic --output, and every bad input
 * (parameters PyTorch rejects or fails on, unknown names and modes, missing flags, bad metrics
 * files): exit 2, a message naming the flag, file or line, and no output file left behind. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Runs `lrlab schedule ARGS --output DIR/out.csv` and checks exit 2, a stderr naming `needle`, and an
 * empty DIR afterwards. */
static void expect_bad(const char *needle, const char *const *args)
{
    char *dir = make_temp_dir();
    char out[512];
    snprintf(out, sizeof out, "%s/out.csv", dir);
    const char *argv[64] = {"schedule"};
    size_t n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n++] = "--output";
    argv[n++] = out;
    argv[n] = NULL;
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 2, "%s: exit %d, stderr: %s", needle, r.status, r.err);
    cr_assert_not_null(strstr(r.err, needle), "stderr does not name '%s': %s", needle, r.err);
    cr_assert_str_eq(r.out, "");
    char first[256] = "";
    cr_assert_eq(dir_leftovers(dir, NULL, first, sizeof first), 0, "%s: left %s behind", needle,
                 first);
    rmdir(dir);
    free(dir);
    cmd_result_free(&r);
}

#define BAD(needle, ...) expect_bad(needle, (const char *const[]){__VA_ARGS__, NULL})

Test(schedule_cli, prints_the_header_and_17_digits)
{
    const char *argv[] = {"schedule", "--name", "exponential", "--lr", "0.1", "--gamma", "0.5",
                          "--steps", "3", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "step,lr\n0,0.10000000000000001\n1,0.050000000000000003\n2,0.025000000000000001\n");
    cmd_result_free(&r);
}

Test(schedule_cli, momentum_column_only_when_asked)
{
    const char *with[] = {"schedule", "--name", "cyclic", "--base-lr", "0.1", "--max-lr", "1",
                          "--step-size-up", "2", "--steps", "3", "--cycle-momentum", NULL};
    lr_cmd_result r = run_lrlab(with, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "step,lr,momentum\n0,0.10000000000000001,0.90000000000000002\n"
                            "1,0.55000000000000004,0.85000000000000009\n2,1,0.80000000000000004\n");
    cmd_result_free(&r);
    const char *without[] = {"schedule", "--name", "onecycle", "--max-lr", "1", "--total-steps", "4",
                             "--steps", "2", NULL};
    r = run_lrlab(without, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(strncmp(r.out, "step,lr\n0,0.040000000000000001\n", 31), 0, "%s", r.out);
    cmd_result_free(&r);
}

Test(schedule_cli, plateau_reads_one_metric_a_line)
{
    const char *argv[] = {"schedule", "--name", "plateau", "--lr", "1", "--patience", "0",
                          "--metrics", "-", NULL};
    lr_cmd_result r = run_lrlab(argv, "3\n\n2\n2.5\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_eq(r.out, "step,lr\n0,1\n1,1\n2,1\n3,0.10000000000000001\n");
    cmd_result_free(&r);
}

Test(schedule_cli, output_is_written_whole)
{
    char *dir = make_temp_dir(), path[512];
    snprintf(path, sizeof path, "%s/rates.csv", dir);
    const char *to_file[] = {"schedule", "--name", "cosine", "--lr", "0.1", "--t-max", "10",
                             "--steps", "50", "--warmup-steps", "5", "--output", path, NULL};
    const char *to_stdout[] = {"schedule", "--name", "cosine", "--lr", "0.1", "--t-max", "10",
                               "--steps", "50", "--warmup-steps", "5", NULL};
    lr_cmd_result a = run_lrlab(to_file, NULL), b = run_lrlab(to_stdout, NULL);
    cr_assert_eq(a.status, 0, "%s", a.err);
    cr_assert_str_eq(a.out, "");
    char *text = slurp(path);
    cr_assert_not_null(text);
    cr_assert_str_eq(text, b.out);
    free(text);
    unlink(path);
    rmdir(dir);
    free(dir);
    cmd_result_free(&a);
    cmd_result_free(&b);
}

Test(schedule_cli, help_lists_every_name)
{
    const char *argv[] = {"schedule", "--help", NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0);
    const char *names[] = {"constant", "multistep", "exponential", "polynomial", "linear", "inverse-time",
                           "cosine-restarts", "cyclic", "onecycle", "plateau", "--warmup-steps",
                           "--warmup-start-factor", "--metrics", "--t-mult", "--three-phase"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert_not_null(strstr(r.out, names[i]), "--help does not mention %s", names[i]);
    cmd_result_free(&r);
}

Test(schedule_cli, usage_errors)
{
    BAD("--name is required", "--lr", "0.1", "--steps", "5");
    BAD("--name: unknown schedule 'cosine-annealing'", "--name", "cosine-annealing", "--lr", "1", "--steps", "5");
    BAD("unknown option '--t_max'", "--name", "cosine", "--lr", "1", "--steps", "5", "--t_max", "3");
    BAD("--t-max does not apply to --name step", "--name", "step", "--lr", "1", "--steps", "5",
        "--step-size", "2", "--t-max", "3");
    BAD("--steps does not apply to --name plateau", "--name", "plateau", "--lr", "1", "--steps", "5",
        "--metrics", "/dev/null");
    BAD("--metrics does not apply to --name step", "--name", "step", "--lr", "1", "--steps", "5",
        "--step-size", "2", "--metrics", "/dev/null");
    BAD("--warmup-steps does not apply to --name plateau", "--name", "plateau", "--lr", "1",
        "--metrics", "/dev/null", "--warmup-steps", "3");
    BAD("--gamma: not a number: 'abc'", "--name", "exponential", "--lr", "1", "--steps", "5", "--gamma", "abc");
    BAD("--gamma given more than once", "--name", "exponential", "--lr", "1", "--steps", "5", "--gamma",
        "0.5", "--gamma", "0.6");
    BAD("--steps: must be between 1", "--name", "exponential", "--lr", "1", "--steps", "0", "--gamma", "0.5");
}

Test(schedule_cli, missing_required_flags)
{
    BAD("--lr is required", "--name", "step", "--steps", "5", "--step-size", "2");
    BAD("--steps is required", "--name", "step", "--lr", "1", "--step-size", "2");
    BAD("--step-size is required", "--name", "step", "--lr", "1", "--steps", "5");
    BAD("--milestones is required", "--name", "multistep", "--lr", "1", "--steps", "5");
    BAD("--gamma is required", "--name", "exponential", "--lr", "1", "--steps", "5");
    BAD("--decay-rate is required", "--name", "inverse-time", "--lr", "1", "--steps", "5", "--decay-steps", "3");
    BAD("--decay-steps is required", "--name", "inverse-time", "--lr", "1", "--steps", "5", "--decay-rate", "3");
    BAD("--t-max is required", "--name", "cosine", "--lr", "1", "--steps", "5");
    BAD("--t-0 is required", "--name", "cosine-restarts", "--lr", "1", "--steps", "5");
    BAD("--base-lr is required", "--name", "cyclic", "--max-lr", "1", "--steps", "5");
    BAD("--max-lr is required", "--name", "cyclic", "--base-lr", "1", "--steps", "5");
    BAD("--max-lr is required", "--name", "onecycle", "--total-steps", "10", "--steps", "5");
    BAD("--total-steps is required", "--name", "onecycle", "--max-lr", "1", "--steps", "5");
    BAD("--metrics is required", "--name", "plateau", "--lr", "1");
}

/* The ValueErrors of PyTorch 1.13's constructors, under the flag at fault. */
Test(schedule_cli, values_pytorch_rejects)
{
    BAD("--lr: Invalid learning rate", "--name", "step", "--lr", "-1", "--steps", "5", "--step-size", "2");
    BAD("--factor: Constant multiplicative factor", "--name", "constant", "--lr", "1", "--steps", "5",
        "--factor", "1.5");
    BAD("--start-factor: Starting multiplicative factor", "--name", "linear", "--lr", "1", "--steps", "5",
        "--start-factor", "1.5");
    BAD("--end-factor: Ending multiplicative factor", "--name", "linear", "--lr", "1", "--steps", "5",
        "--end-factor", "1.5");
    BAD("--end-factor: must be >= 0", "--name", "linear", "--lr", "1", "--steps", "5", "--end-factor", "-0.1");
    BAD("--t-0: Expected positive integer T_0", "--name", "cosine-restarts", "--lr", "1", "--steps", "5",
        "--t-0", "0");
    BAD("--t-mult: Expected integer T_mult >= 1", "--name", "cosine-restarts", "--lr", "1", "--steps", "5",
        "--t-0", "3", "--t-mult", "0");
    BAD("--t-mult: not a whole number: '1.5'", "--name", "cosine-restarts", "--lr", "1", "--steps", "5",
        "--t-0", "3", "--t-mult", "1.5");
    BAD("--t-0: not a whole number: '2.5'", "--name", "cosine-restarts", "--lr", "1", "--steps", "5",
        "--t-0", "2.5");
    BAD("--mode: unknown mode 'sawtooth' for cyclic", "--name", "cyclic", "--base-lr", "0.1", "--max-lr", "1",
        "--steps", "5", "--mode", "sawtooth");
    BAD("--mode: unknown mode 'lowest' for plateau", "--name", "plateau", "--lr", "1", "--metrics", "/dev/null",
        "--mode", "lowest");
    BAD("--threshold-mode: unknown mode 'pct'", "--name", "plateau", "--lr", "1", "--metrics", "/dev/null",
        "--threshold-mode", "pct");
    BAD("--factor: Factor should be < 1.0", "--name", "plateau", "--lr", "1", "--metrics", "/dev/null",
        "--factor", "1");
    BAD("--total-steps: Expected positive integer total_steps", "--name", "onecycle", "--max-lr", "1",
        "--total-steps", "0", "--steps", "5");
    BAD("--pct-start: Expected float between 0 and 1 pct_start", "--name", "onecycle", "--max-lr", "1",
        "--total-steps", "10", "--steps", "5", "--pct-start", "1.5");
    BAD("--anneal-strategy: unknown strategy 'cosine'", "--name", "onecycle", "--max-lr", "1",
        "--total-steps", "10", "--steps", "5", "--anneal-strategy", "cosine");
    BAD("--steps: asks for step 11 but OneCycleLR is defined for steps 0..total_steps=10", "--name", "onecycle",
        "--max-lr", "1", "--total-steps", "10", "--steps", "12");
    BAD("--steps: (steps of onecycle count from 5) asks for step 11", "--name", "onecycle", "--max-lr", "1",
        "--total-steps", "10", "--steps", "17", "--warmup-steps", "5");
    BAD("--lr: Invalid learning rate", "--name", "onecycle", "--lr", "-0.5", "--max-lr", "1", "--total-steps",
        "10", "--steps", "5");
}

/* What PyTorch accepts and then fails on (or cannot mean): rejected up front, under the flag. */
Test(schedule_cli, values_pytorch_fails_on_later)
{
    BAD("--step-size: must be a whole number >= 1, got 0", "--name", "step", "--lr", "1", "--steps", "5",
        "--step-size", "0");
    BAD("--step-size: must be a whole number >= 1, got -3", "--name", "step", "--lr", "1", "--steps", "5",
        "--step-size", "-3");
    BAD("--t-max: must be a whole number >= 1", "--name", "cosine", "--lr", "1", "--steps", "5", "--t-max", "0");
    BAD("--step-size-up: must be a whole number >= 1", "--name", "cyclic", "--base-lr", "0.1", "--max-lr",
        "1", "--steps", "5", "--step-size-up", "0");
    BAD("--factor: must be > 0", "--name", "constant", "--lr", "1", "--steps", "5", "--factor", "0");
    BAD("--start-factor: must be > 0", "--name", "linear", "--lr", "1", "--steps", "5", "--start-factor", "0");
    BAD("--total-iters: must be a whole number >= 1", "--name", "polynomial", "--lr", "1", "--steps", "5",
        "--total-iters", "0");
    BAD("--power: must be >= 0", "--name", "polynomial", "--lr", "1", "--steps", "5", "--power", "-1");
    BAD("--pct-start: pct_start * total_steps = 1", "--name", "onecycle", "--max-lr", "1", "--total-steps",
        "10", "--steps", "5", "--pct-start", "0.1");
    BAD("--pct-start: leaves the last phase empty", "--name", "onecycle", "--max-lr", "1", "--total-steps",
        "10", "--steps", "11", "--pct-start", "1");
    BAD("--div-factor: must be > 0", "--name", "onecycle", "--max-lr", "1", "--total-steps", "10", "--steps",
        "5", "--div-factor", "0");
    BAD("--gamma: is required (got nan)", "--name", "exponential", "--lr", "1", "--steps", "5", "--gamma", "nan");
    BAD("--gamma: must be a finite number", "--name", "step", "--lr", "1", "--steps", "5", "--step-size", "2",
        "--gamma", "inf");
    BAD("--gamma: must be <= 1 for exp_range", "--name", "cyclic", "--base-lr", "0.1", "--max-lr", "1",
        "--steps", "5", "--mode", "exp_range", "--gamma", "1.5");
    BAD("--gamma applies to --mode exp_range only", "--name", "cyclic", "--base-lr", "0.1", "--max-lr", "1",
        "--steps", "5", "--gamma", "0.5");
    BAD("--max-lr: must be >= base_lr", "--name", "cyclic", "--base-lr", "1", "--max-lr", "0.1", "--steps", "5");
    BAD("--base-momentum needs --cycle-momentum", "--name", "onecycle", "--max-lr", "1", "--total-steps", "10",
        "--steps", "5", "--base-momentum", "0.8");
    BAD("--milestones: expected whole numbers separated by commas, got '30,x'", "--name", "multistep",
        "--lr", "1", "--steps", "5", "--milestones", "30,x");
    BAD("--milestones: must be whole numbers >= 0", "--name", "multistep", "--lr", "1", "--steps", "5",
        "--milestones", "3,-1");
    BAD("--patience: must be a whole number >= 0", "--name", "plateau", "--lr", "1", "--metrics", "/dev/null",
        "--patience", "-1");
    BAD("--decay-steps: must be > 0", "--name", "inverse-time", "--lr", "1", "--steps", "5", "--decay-steps",
        "0", "--decay-rate", "1");
    BAD("--warmup-steps: must be a whole number >= 1", "--name", "exponential", "--lr", "1", "--gamma", "0.5",
        "--steps", "5", "--warmup-steps", "0");
    BAD("--warmup-start-factor: must be in (0, 1]", "--name", "exponential", "--lr", "1", "--gamma", "0.5",
        "--steps", "5", "--warmup-steps", "2", "--warmup-start-factor", "0");
    BAD("--warmup-start-factor needs --warmup-steps", "--name", "exponential", "--lr", "1", "--gamma", "0.5",
        "--steps", "5", "--warmup-start-factor", "0.5");
    BAD("--steps: reaches cycle 1025 of triangular2", "--name", "cyclic", "--base-lr", "0.1", "--max-lr", "1",
        "--step-size-up", "1", "--mode", "triangular2", "--steps", "2049");
}

/* Keras PolynomialDecay (polynomial with --decay-steps): Keras' own ValueError, the values that make
 * its formula meaningless, and the flags of one form given to the other. */
Test(schedule_cli, bad_keras_polynomial)
{
#define KP "--name", "polynomial", "--lr", "0.1", "--steps", "5"
    BAD("--decay-steps: must be > 0", KP, "--decay-steps", "0");
    BAD("--decay-steps: must be >= 0, got -2", KP, "--decay-steps", "-2");
    BAD("--decay-steps: is required (got nan)", KP, "--decay-steps", "nan");
    BAD("--decay-steps: must be a finite number, got inf", KP, "--decay-steps", "inf");
    BAD("--decay-steps: not a number: '10x'", KP, "--decay-steps", "10x");
    BAD("--decay-steps: must be >= 1 with cycle", KP, "--decay-steps", "0.5", "--cycle");
    BAD("--end-learning-rate: must be >= 0, got -0.01", KP, "--decay-steps", "10", "--end-learning-rate",
        "-0.01");
    BAD("--end-learning-rate: must be a finite number, got inf", KP, "--decay-steps", "10",
        "--end-learning-rate", "inf");
    BAD("--end-learning-rate: is required (got nan)", KP, "--decay-steps", "10", "--end-learning-rate", "nan");
    BAD("--power: must be >= 0, got -1 (Keras accepts it, then raises 0 to it", KP, "--decay-steps", "10",
        "--power", "-1");
    BAD("--power: must be a finite number, got inf", KP, "--decay-steps", "10", "--power", "inf");
    BAD("--end-learning-rate needs --decay-steps", KP, "--end-learning-rate", "0.01");
    BAD("--cycle needs --decay-steps", KP, "--cycle");
    BAD("--cycle takes no value", KP, "--decay-steps", "10", "--cycle=1");
    BAD("--total-iters does not apply with --decay-steps", KP, "--decay-steps", "10", "--total-iters", "10");
    BAD("--staircase does not apply to --name polynomial", KP, "--decay-steps", "10", "--staircase");
    BAD("--cycle does not apply to --name exponential", "--name", "exponential", "--lr", "1", "--steps", "5",
        "--gamma", "0.5", "--decay-steps", "4", "--cycle");
    BAD("--end-learning-rate does not apply to --name inverse-time", "--name", "inverse-time", "--lr", "1",
        "--steps", "5", "--decay-steps", "4", "--decay-rate", "1", "--end-learning-rate", "0.1");
#undef KP
}

Test(schedule_cli, bad_metrics_files)
{
    char *dir = make_temp_dir(), words[512], two[512], missing[512];
    snprintf(words, sizeof words, "%s/words.txt", dir);
    snprintf(two, sizeof two, "%s/two.txt", dir);
    snprintf(missing, sizeof missing, "%s/missing.txt", dir);
    cr_assert_eq(write_text(words, "0.5\n0.4\nabc\n0.3\n"), 0);
    cr_assert_eq(write_text(two, "0.5\n0.4,0.3\n"), 0);
    char line3[600], line2[600], cannot[600];
    snprintf(line3, sizeof line3, "%s:3: cell 1 is not a number: 'abc'", words);
    snprintf(line2, sizeof line2, "%s:2: expected one metric a line, found 2 values", two);
    snprintf(cannot, sizeof cannot, "cannot read '%s'", missing);
    BAD(line3, "--name", "plateau", "--lr", "1", "--metrics", words);
    BAD(line2, "--name", "plateau", "--lr", "1", "--metrics", two);
    BAD(cannot, "--name", "plateau", "--lr", "1", "--metrics", missing);
    BAD("read error", "--name", "plateau", "--lr", "1", "--metrics", "/");
    unlink(words);
    unlink(two);
    rmdir(dir);
    free(dir);
}
