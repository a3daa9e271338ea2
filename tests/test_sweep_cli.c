/* lrlab sweep (C18 grid and random search, C19 k-fold cross-validation) through the binary: exact
 * grids, reproducible random draws, folds without the test set, resume after a shard or a kill,
 * plan + GNU parallel + merge equal to the built-in sweep, the choice rule, and bad input. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "lrlab/select.h"

/* ---- Helpers --------------------------------------------------------------------------------- */

/* An argv under construction: words appended in groups, NULL-terminated. */
typedef struct args {
    const char *w[96];
    int n;
} args;

static void add(args *a, ...)
{
    va_list ap;
    va_start(ap, a);
    for (const char *s; (s = va_arg(ap, const char *));) {
        cr_assert_lt(a->n, 94);
        a->w[a->n++] = s;
    }
    a->w[a->n] = NULL;
    va_end(ap);
}

static char *path_in(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

static lr_cmd_result run_ok(const args *a)
{
    lr_cmd_result r = run_lrlab(a->w, NULL);
    cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
    return r;
}

static char *must_slurp(const char *path)
{
    char *s = slurp(path);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

/* The value after `flag` on line `line` of a plan. */
static double plan_value(const char *plan, size_t line, const char *flag)
{
    const char *s = plan;
    for (size_t i = 0; i < line; i++)
        s = strchr(s, '\n') + 1;
    const char *end = strchr(s, '\n');
    char pat[64];
    snprintf(pat, sizeof pat, " %s ", flag);
    const char *f = strstr(s, pat);
    cr_assert(f && f < end, "no %s on plan line %zu", flag, line);
    return strtod(f + strlen(pat), NULL);
}

/* A small linreg sweep: 4 grid rates x 2 seeds x 3 folds = 24 runs of a few milliseconds. */
static void linreg_cv(args *a)
{
    add(a, "sweep", "--problem", "linreg", "--samples", "120", "--features", "5", "--optimizer",
        "sgd", "--lr-grid", "1e-3:1:4", "--seeds", "2", "--folds", "3", "--epochs", "4",
        "--batch-size", "16", "--target-loss", "0.05", NULL);
}

/* ---- Grid and random search (C18) ------------------------------------------------------------ */

Test(sweep_cli, grid_endpoints_and_count_are_exact)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "g.csv"), *sum = path_in(dir, "s.csv");
    args a = {0};
    add(&a, "sweep", "--problem", "quadratic", "--dim", "4", "--optimizer", "sgd", "--lr-grid",
        "1e-4:1:5", "--steps", "20", "-j", "2", "--output", out, "--summary", sum, NULL);
    lr_cmd_result r = run_ok(&a);
    char *csv = must_slurp(out), *s = must_slurp(sum);
    cr_assert_eq(count_lines(csv), 1 + 5);
    cr_assert_eq(count_lines(s), 1 + 5);
    char buf[64];
    cr_assert_str_eq(csv_cell(csv, 0, csv_column(csv, "lr"), buf, sizeof buf), "0.0001");
    cr_assert_str_eq(csv_cell(csv, 4, csv_column(csv, "lr"), buf, sizeof buf), "1");
    for (size_t i = 0; i < 5; i++) {
        cr_assert_eq((size_t)csv_number(csv, i, "run"), i, "rows in run order");
        cr_assert_eq(csv_number(csv, i, "step"), 20, "the last row of each run");
    }
    cmd_result_free(&r);
    /* the planned commands carry the rates exactly: both ends as given, log-spaced between */
    args p = {0};
    add(&p, "sweep", "--problem", "quadratic", "--dim", "4", "--optimizer", "sgd", "--lr-grid",
        "1e-4:1:5", "--steps", "20", "--plan", "--plan-dir", dir, NULL);
    r = run_ok(&p);
    cr_assert_eq(count_lines(r.out), 5);
    cr_assert_eq(plan_value(r.out, 0, "--lr"), 1e-4);
    cr_assert_eq(plan_value(r.out, 4, "--lr"), 1.0);
    /* exp(log(lo) + i * step): a few roundings of numbers up to |log 1e-4| = 9.2 in the exponent
     * (an absolute error there is a relative one after exp), then exp's own */
    double tol = (4 * log(1e4) + 2) * DBL_EPSILON;
    for (size_t i = 1; i < 4; i++) {
        double want = pow(10.0, -4.0 + (double)i), got = plan_value(r.out, i, "--lr");
        cr_assert_leq(fabs(got - want), tol * want, "point %zu: %.17g", i, got);
    }
    cmd_result_free(&r);
    free(csv);
    free(s);
    remove_tree(dir);
    free(out);
    free(sum);
    free(dir);
}

static char *plan_of(const char *dir, const char *count, const char *seed)
{
    args a = {0};
    add(&a, "sweep", "--problem", "linreg", "--optimizer", "sgd", "--lr-random", count,
        "--lr-range", "1e-4:1", "--vary", "momentum:0.5:0.99,weight_decay:1e-6:1e-2:log",
        "--search-seed", seed, "--plan", "--plan-dir", dir, NULL);
    lr_cmd_result r = run_ok(&a);
    free(r.err);
    return r.out;
}

Test(sweep_cli, random_search_is_reproducible_by_seed_and_in_range)
{
    char *dir = make_temp_dir();
    char *a = plan_of(dir, "400", "7"), *b = plan_of(dir, "400", "7"), *c = plan_of(dir, "400", "8");
    char *prefix = plan_of(dir, "10", "7");
    cr_assert_str_eq(a, b, "same seed, same plan");
    cr_assert_str_neq(a, c, "another seed, another plan");
    cr_assert_eq(strncmp(a, prefix, strlen(prefix)), 0, "fewer points: a prefix of the plan");
    cr_assert_eq(count_lines(a), 400);
    double log_sum = 0, m_sum = 0, wd_log_sum = 0;
    for (size_t i = 0; i < 400; i++) {
        double lr = plan_value(a, i, "--lr"), m = plan_value(a, i, "--momentum"),
               wd = plan_value(a, i, "--weight-decay");
        cr_assert(lr >= 1e-4 && lr <= 1.0, "lr %g", lr);
        cr_assert(m >= 0.5 && m <= 0.99, "momentum %g", m);
        cr_assert(wd >= 1e-6 && wd <= 1e-2, "weight decay %g", wd);
        log_sum += log10(lr);
        m_sum += m;
        wd_log_sum += log10(wd);
    }
    /* log-uniform rates: mean log10 -2 (sd of the mean of 400: 4/sqrt(12)/20 = 0.058); uniform
     * momentum: mean 0.745 (sd 0.007); log-uniform weight decay: mean log10 -4 (sd 0.058). Bounds
     * at about 5 sd. */
    cr_assert_leq(fabs(log_sum / 400 + 2.0), 0.3, "mean log10 lr %g", log_sum / 400);
    cr_assert_leq(fabs(m_sum / 400 - 0.745), 0.035, "mean momentum %g", m_sum / 400);
    cr_assert_leq(fabs(wd_log_sum / 400 + 4.0), 0.3, "mean log10 wd %g", wd_log_sum / 400);
    free(a);
    free(b);
    free(c);
    free(prefix);
    remove_tree(dir);
    free(dir);
}

Test(sweep_cli, uniform_draws_stay_in_range)
{
    uint64_t s1 = 3, s2 = 3;
    for (int i = 0; i < 2000; i++) {
        double x = lr_uniform(&s1, -1.5, 2.5), y = lr_uniform(&s2, -1.5, 2.5);
        cr_assert_eq(x, y);
        cr_assert(x >= -1.5 && x <= 2.5, "%g", x);
    }
    /* a degenerate range gives its one value; ends far apart stay inside */
    cr_assert_eq(lr_uniform(&s1, 0.25, 0.25), 0.25);
    cr_assert_eq(lr_log_uniform(&s1, 0.25, 0.25), 0.25);
    for (int i = 0; i < 2000; i++) {
        double v = lr_log_uniform(&s1, 1e-300, 1e300);
        cr_assert(v >= 1e-300 && v <= 1e300);
    }
}

Test(sweep_cli, varied_values_are_columns_and_the_runs_use_them)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "v.csv");
    args a = {0};
    add(&a, "sweep", "--problem", "quadratic", "--dim", "3", "--optimizer", "sgd", "--lr-grid",
        "0.01:0.1:3", "--vary", "momentum:0:0.9", "--steps", "30", "--output", out, NULL);
    lr_cmd_result r = run_ok(&a);
    char *csv = must_slurp(out);
    cmd_result_free(&r);
    int mcol = csv_column(csv, "momentum");
    cr_assert_eq(mcol, csv_column(csv, "steps_to_target") + 1, "drawn values come last");
    for (size_t i = 0; i < 3; i++) {
        char mom[64], loss[64], lr[64];
        csv_cell(csv, i, mcol, mom, sizeof mom);
        csv_cell(csv, i, csv_column(csv, "lr"), lr, sizeof lr);
        csv_cell(csv, i, csv_column(csv, "train_loss"), loss, sizeof loss);
        double m = strtod(mom, NULL);
        cr_assert(m >= 0 && m <= 0.9, "momentum %g", m);
        /* the same run by hand gives the same final loss */
        args t = {0};
        add(&t, "train", "--problem", "quadratic", "--dim", "3", "--optimizer", "sgd", "--lr", lr,
            "--momentum", mom, "--steps", "30", NULL);
        lr_cmd_result tr = run_ok(&t);
        char last[64];
        size_t rows = count_lines(tr.out) - 1;
        csv_cell(tr.out, rows - 1, csv_column(tr.out, "train_loss"), last, sizeof last);
        /* %.10g of the drawn momentum is not its exact value: equal to 9 digits at least */
        cr_assert_leq(fabs(strtod(last, NULL) - strtod(loss, NULL)),
                      1e-6 * fabs(strtod(loss, NULL)), "run %zu: %s vs %s", i, last, loss);
        cmd_result_free(&tr);
    }
    free(csv);
    remove_tree(dir);
    free(out);
    free(dir);
}

/* ---- Folds (C19) and steps to target --------------------------------------------------------- */

Test(sweep_cli, folds_score_the_held_out_fold_and_leave_the_test_set_alone)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "f.csv"), *sum = path_in(dir, "s.csv");
    args a = {0};
    linreg_cv(&a);
    add(&a, "--output", out, "--summary", sum, NULL);
    lr_cmd_result r = run_ok(&a);
    char *csv = must_slurp(out), *s = must_slurp(sum);
    cr_assert_eq(count_lines(csv), 1 + 24);
    for (size_t i = 0; i < 24; i++) {
        char buf[64];
        cr_assert_eq(csv_number(csv, i, "fold"), (double)(i % 3));
        cr_assert_eq(csv_number(csv, i, "seed"), (double)((i / 3) % 2));
        cr_assert_str_eq(csv_cell(csv, i, csv_column(csv, "test_loss"), buf, sizeof buf), "",
                         "run %zu looked at the test set", i);
        cr_assert_str_eq(csv_cell(csv, i, csv_column(csv, "test_acc"), buf, sizeof buf), "");
        cr_assert(csv_number(csv, i, "val_loss") > 0);
        /* 120 samples in 3 folds: 80 to train on, 5 batches of 16 an epoch, 4 epochs */
        cr_assert_eq(csv_number(csv, i, "step"), 20);
    }
    /* per point: mean and sample std of the six val_loss values, recomputed here */
    for (size_t p = 0; p < 4; p++) {
        double v[6], mean = 0, ss = 0;
        for (size_t k = 0; k < 6; k++) {
            v[k] = csv_number(csv, 6 * p + k, "val_loss");
            mean += v[k] / 6;
        }
        for (size_t k = 0; k < 6; k++)
            ss += (v[k] - mean) * (v[k] - mean);
        cr_assert_leq(fabs(csv_number(s, p, "mean") - mean), 1e-8 * mean, "point %zu", p);
        cr_assert_leq(fabs(csv_number(s, p, "std") - sqrt(ss / 5)), 1e-7 * mean, "point %zu", p);
        char metric[32];
        cr_assert_str_eq(csv_cell(s, p, csv_column(s, "metric"), metric, sizeof metric), "val_loss");
    }
    cr_assert_not_null(strstr(r.err, "chosen lr "), "%s", r.err);
    cmd_result_free(&r);
    free(csv);
    free(s);
    remove_tree(dir);
    free(out);
    free(sum);
    free(dir);
}

Test(sweep_cli, steps_to_target_is_the_first_row_at_or_below_the_target)
{
    /* f(x) = x^2/2 from x = 1 (dim 1: the eigenvalue is L = 1); GD at rate 1/2 halves x, so
     * f_t = 2^-(2t+1) exactly: the first t with f_t <= 1e-3 is 5. At 1e-4, f_40 = 0.496. */
    char *dir = make_temp_dir(), *out = path_in(dir, "t.csv");
    args a = {0};
    add(&a, "sweep", "--problem", "quadratic", "--dim", "1", "--optimizer", "sgd", "--lr-grid",
        "1e-4:0.5:2", "--steps", "40", "--target-loss", "1e-3", "--output", out, NULL);
    lr_cmd_result r = run_ok(&a);
    char *csv = must_slurp(out), buf[64];
    cr_assert_str_eq(csv_cell(csv, 0, csv_column(csv, "steps_to_target"), buf, sizeof buf), "");
    cr_assert_str_eq(csv_cell(csv, 1, csv_column(csv, "steps_to_target"), buf, sizeof buf), "5");
    cr_assert_not_null(strstr(r.err, "chosen lr 0.5 "), "%s", r.err);
    cmd_result_free(&r);
    free(csv);
    remove_tree(dir);
    free(out);
    free(dir);
}

/* ---- The choice rule ------------------------------------------------------------------------- */

/* Replaces cell `col` of data line `row` in csv (malloc'ed, returned anew). */
static char *set_cell(char *csv, size_t row, int col, const char *value)
{
    char *s = strchr(csv, '\n') + 1;
    for (size_t r = 0; r < row; r++)
        s = strchr(s, '\n') + 1;
    for (int c = 0; c < col; c++)
        s = s + strcspn(s, ",\n") + 1;
    size_t old = strcspn(s, ",\n"), head = (size_t)(s - csv);
    char *out = malloc(strlen(csv) + strlen(value) + 1);
    memcpy(out, csv, head);
    strcpy(out + head, value);
    strcat(out, s + old);
    free(csv);
    return out;
}

Test(sweep_cli, choice_takes_the_least_mean_excludes_divergence_and_breaks_ties_low)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "c.csv"), *sum = path_in(dir, "s.csv");
    args a = {0};
    add(&a, "sweep", "--problem", "quadratic", "--dim", "2", "--optimizer", "sgd", "--lr-grid",
        "0.1:0.4:4", "--seeds", "2", "--steps", "5", "--output", out, "--summary", sum, NULL);
    lr_cmd_result r = run_ok(&a);
    cmd_result_free(&r);
    /* Scores written over the real ones (the run ids stay, so re-running resumes and re-scores):
     * point 0 mean 0.5; points 1 and 3 tie at 0.2; point 2 has the least mean but one seed
     * diverged. The rule picks point 1: point 2 is out, and the tie goes to the smaller rate. */
    static const char *const scores[8] = {"0.5", "0.5", "0.2", "0.2", "0.01", "0.05", "0.2", "0.2"};
    char *csv = must_slurp(out);
    int loss = csv_column(csv, "train_loss"), div = csv_column(csv, "diverged");
    for (size_t i = 0; i < 8; i++)
        csv = set_cell(csv, i, loss, scores[i]);
    csv = set_cell(csv, 5, div, "1");
    cr_assert_eq(write_text(out, csv), 0);
    r = run_ok(&a);
    cr_assert_not_null(strstr(r.err, "(0 new)"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "chosen lr 0.1587401052 (point 1)"), "%s", r.err);
    char *s = must_slurp(sum);
    for (size_t p = 0; p < 4; p++)
        cr_assert_eq(csv_number(s, p, "chosen"), p == 1, "point %zu", p);
    cr_assert_eq(csv_number(s, 2, "diverged"), 1);
    cr_assert_eq(csv_number(s, 1, "mean"), 0.2);
    cr_assert_eq(csv_number(s, 1, "std"), 0.0);
    char *again = must_slurp(out);
    cr_assert_str_eq(again, csv, "resuming rewrites the same rows");
    cmd_result_free(&r);
    free(again);
    free(s);
    /* a shard leaves every point incomplete: nothing is chosen */
    remove(out);
    args half = a;
    add(&half, "--shard", "1/2", NULL);
    r = run_ok(&half);
    cr_assert_not_null(strstr(r.err, "no rate chosen"), "%s", r.err);
    s = must_slurp(sum);
    for (size_t p = 0; p < 4; p++)
        cr_assert_eq(csv_number(s, p, "chosen"), 0);
    cmd_result_free(&r);
    free(s);
    free(csv);
    remove_tree(dir);
    free(out);
    free(sum);
    free(dir);
}

/* ---- Resume ---------------------------------------------------------------------------------- */

Test(sweep_cli, resume_after_a_shard_ends_with_the_full_sweep)
{
    char *dir = make_temp_dir(), *full = path_in(dir, "full.csv"), *part = path_in(dir, "part.csv"),
         *sf = path_in(dir, "sf.csv"), *sp = path_in(dir, "sp.csv");
    args a = {0}, b = {0}, c = {0};
    linreg_cv(&a);
    b = a;
    add(&a, "--output", full, "--summary", sf, NULL);
    lr_cmd_result r = run_ok(&a);
    cmd_result_free(&r);
    add(&b, "--output", part, "--summary", sp, "-j", "1", NULL);
    c = b;
    add(&b, "--shard", "2/3", NULL);
    r = run_ok(&b);
    char *first = must_slurp(part);
    cr_assert_eq(count_lines(first), 1 + 8, "runs 1, 4, ..., 22");
    for (size_t i = 0; i < 8; i++)
        cr_assert_eq(csv_number(first, i, "run"), (double)(3 * i + 1));
    cmd_result_free(&r);
    r = run_ok(&c);
    cr_assert_not_null(strstr(r.err, "24 of 24 runs"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "(16 new)"), "%s", r.err);
    char *x = must_slurp(full), *y = must_slurp(part);
    char *xs = csv_without_column(x, "seconds"), *ys = csv_without_column(y, "seconds");
    cr_assert_str_eq(xs, ys);
    char *s1 = must_slurp(sf), *s2 = must_slurp(sp);
    cr_assert_str_eq(s1, s2);
    cmd_result_free(&r);
    free(first);
    free(x);
    free(y);
    free(xs);
    free(ys);
    free(s1);
    free(s2);
    remove_tree(dir);
    free(full);
    free(part);
    free(sf);
    free(sp);
    free(dir);
}

static pid_t spawn_quiet(const char *const *argv)
{
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **v = calloc(argc + 2, sizeof *v);
    v[0] = (char *)LRLAB_BIN;
    for (size_t i = 0; i < argc; i++)
        v[i + 1] = (char *)argv[i];
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(126);
        execv(LRLAB_BIN, v);
        _exit(127);
    }
    free(v);
    return pid;
}

Test(sweep_cli, killed_mid_sweep_the_file_holds_whole_rows_and_a_rerun_completes_it)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "k.csv"), *ref = path_in(dir, "ref.csv");
    args a = {0}, b;
    add(&a, "sweep", "--problem", "quadratic", "--dim", "200", "--optimizer", "sgd", "--lr-grid",
        "1e-3:1:40", "--steps", "3000", "-j", "1", NULL);
    b = a;
    add(&a, "--output", out, NULL);
    add(&b, "--output", ref, NULL);
    pid_t pid = spawn_quiet(a.w);
    cr_assert_gt(pid, 0);
    size_t rows = 0;
    struct timespec pause = {0, 200000};
    for (int i = 0; i < 50000 && rows < 3; i++) {
        char *s = slurp(out);
        rows = s ? count_lines(s) - 1 : 0;
        free(s);
        if (rows < 3)
            nanosleep(&pause, NULL);
    }
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFSIGNALED(st), "the sweep ended before it was killed");
    char *cut = must_slurp(out);
    size_t kept = count_lines(cut) - 1;
    cr_assert(kept >= 3 && kept < 40, "%zu rows at the kill", kept);
    cr_assert_eq(cut[strlen(cut) - 1], '\n', "a row was cut");
    lr_cmd_result r = run_ok(&a);
    char want[64];
    snprintf(want, sizeof want, "(%zu new)", 40 - kept);
    cr_assert_not_null(strstr(r.err, want), "%s", r.err);
    cmd_result_free(&r);
    r = run_ok(&b);
    cmd_result_free(&r);
    char *x = must_slurp(out), *y = must_slurp(ref);
    char *xs = csv_without_column(x, "seconds"), *ys = csv_without_column(y, "seconds");
    cr_assert_str_eq(xs, ys, "resumed and fresh sweeps differ");
    cr_assert_eq(strncmp(x, cut, strlen(cut)), 0, "rows written before the kill were kept as they were");
    free(cut);
    free(x);
    free(y);
    free(xs);
    free(ys);
    remove_tree(dir);
    free(out);
    free(ref);
    free(dir);
}

Test(sweep_cli, parallel_jobs_write_the_same_file_as_one_job)
{
    char *dir = make_temp_dir(), *one = path_in(dir, "1.csv"), *two = path_in(dir, "2.csv"),
         *eq = path_in(dir, "3.csv");
    args a = {0}, b, c;
    linreg_cv(&a);
    b = a;
    c = a;
    add(&a, "-j", "1", "--output", one, NULL);
    add(&b, "-j2", "--output", two, NULL);
    add(&c, "--jobs=2", "--output", eq, NULL);
    lr_cmd_result r = run_ok(&a);
    cmd_result_free(&r);
    r = run_ok(&b);
    cmd_result_free(&r);
    r = run_ok(&c);
    cmd_result_free(&r);
    char *x = must_slurp(one), *y = must_slurp(two), *z = must_slurp(eq);
    char *xs = csv_without_column(x, "seconds"), *ys = csv_without_column(y, "seconds"), *zs = csv_without_column(z, "seconds");
    cr_assert_str_eq(xs, ys);
    cr_assert_str_eq(xs, zs);
    free(x);
    free(y);
    free(z);
    free(xs);
    free(ys);
    free(zs);
    remove_tree(dir);
    free(one);
    free(two);
    free(eq);
    free(dir);
}

Test(sweep_cli, resume_refuses_a_file_of_another_sweep_and_leaves_it)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "o.csv");
    args a = {0}, b = {0};
    add(&a, "sweep", "--problem", "quadratic", "--dim", "2", "--optimizer", "sgd", "--lr-grid",
        "0.1:0.4:3", "--steps", "5", "--output", out, NULL);
    add(&b, "sweep", "--problem", "quadratic", "--dim", "2", "--optimizer", "sgd", "--lr-grid",
        "0.1:0.5:3", "--steps", "5", "--output", out, NULL);
    lr_cmd_result r = run_ok(&a);
    cmd_result_free(&r);
    char *before = must_slurp(out);
    r = run_lrlab(b.w, NULL); /* other rates: other run ids */
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "is not a run of this sweep"), "%s", r.err);
    cmd_result_free(&r);
    char *after = must_slurp(out);
    cr_assert_str_eq(before, after);
    free(after);
    cr_assert_eq(write_text(out, "a,b,c\n1,2,3\n"), 0);
    r = run_lrlab(a.w, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "header"), "%s", r.err);
    cmd_result_free(&r);
    after = must_slurp(out);
    cr_assert_str_eq(after, "a,b,c\n1,2,3\n");
    cr_assert_eq(dir_leftovers(dir, NULL, NULL, 0), 1, "no temporary file left");
    free(before);
    free(after);
    remove_tree(dir);
    free(out);
    free(dir);
}

/* ---- Beyond one machine ---------------------------------------------------------------------- */

static int run_script(const char *const *argv, const char *parallel_home)
{
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **v = calloc(argc + 3, sizeof *v);
    v[0] = "/bin/bash";
    v[1] = LRLAB_ROOT "/scripts/sweep-parallel.sh";
    for (size_t i = 0; i < argc; i++)
        v[i + 2] = (char *)argv[i];
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        setenv("LRLAB", LRLAB_BIN, 1);
        setenv("PARALLEL_HOME", parallel_home, 1); /* parallel keeps its files out of $HOME */
        execv("/bin/bash", v);
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    free(v);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The linreg_cv sweep with `extra` words: planned, run by GNU parallel and merged, equals the
 * built-in sweep (and its summary) but for seconds. */
static void plan_and_merge_equal_the_built_in_sweep(const char *const *extra)
{
    if (system("command -v parallel >/dev/null 2>&1") != 0)
        cr_skip_test("GNU parallel is not installed");
    char *dir = make_temp_dir(), *built = path_in(dir, "built.csv"), *merged = path_in(dir, "m.csv"),
         *sb = path_in(dir, "sb.csv"), *sm = path_in(dir, "sm.csv"), *runs = path_in(dir, "runs"),
         *home = path_in(dir, "home");
    args a = {0}, s = {0};
    linreg_cv(&a);
    for (; *extra; extra++)
        add(&a, *extra, NULL);
    add(&s, "-j", "2", "--plan-dir", runs, "--", NULL);
    for (int i = 1; i < a.n; i++) /* the sweep's flags, without the word "sweep" */
        add(&s, a.w[i], NULL);
    add(&a, "--output", built, "--summary", sb, NULL);
    add(&s, "--output", merged, "--summary", sm, NULL);
    lr_cmd_result r = run_ok(&a);
    cmd_result_free(&r);
    cr_assert_eq(run_script(s.w, home), 0, "scripts/sweep-parallel.sh failed");
    char *x = must_slurp(built), *y = must_slurp(merged);
    char *xs = csv_without_column(x, "seconds"), *ys = csv_without_column(y, "seconds");
    cr_assert_eq(count_lines(x), 1 + 24);
    cr_assert_str_eq(xs, ys, "merged plan differs from the built-in sweep");
    char *s1 = must_slurp(sb), *s2 = must_slurp(sm);
    cr_assert_str_eq(s1, s2);
    /* the per-run CSVs are whole lrlab train outputs with the fold columns */
    cr_assert_eq(dir_leftovers(runs, NULL, NULL, 0), 24 + 3, "24 CSVs, the plan, the commands and the job log");
    free(x);
    free(y);
    free(xs);
    free(ys);
    free(s1);
    free(s2);
    remove_tree(dir);
    free(built);
    free(merged);
    free(sb);
    free(sm);
    free(runs);
    free(home);
    free(dir);
}

Test(sweep_cli, plan_run_by_gnu_parallel_and_merged_equals_the_built_in_sweep)
{
    static const char *const vary[] = {"--vary", "momentum:0.5:0.9", NULL};
    plan_and_merge_equal_the_built_in_sweep(vary);
}

Test(sweep_cli, a_scheduled_plan_merged_equals_the_built_in_scheduled_sweep)
{
    /* a list value (--milestones) and a warmup in front: every schedule word must reach the plan */
    static const char *const sched[] = {"--schedule", "multistep", "--milestones", "8,14",
                                        "--gamma", "0.5", "--warmup-steps", "4", NULL};
    char *dir = make_temp_dir();
    args p = {0};
    linreg_cv(&p);
    for (const char *const *w = sched; *w; w++)
        add(&p, *w, NULL);
    add(&p, "--plan", "--plan-dir", dir, NULL);
    lr_cmd_result r = run_ok(&p);
    cr_assert_eq(count_lines(r.out), 24);
    for (const char *line = r.out; *line; line = strchr(line, '\n') + 1) {
        size_t len = strcspn(line, "\n");
        char *one = strndup(line, len);
        cr_assert(strstr(one, " --schedule multistep --warmup-steps 4 --milestones 8,14 --gamma 0.5 "),
                  "the schedule is not in: %s", one);
        free(one);
    }
    cmd_result_free(&r);
    remove_tree(dir);
    free(dir);
    plan_and_merge_equal_the_built_in_sweep(sched);
}

Test(sweep_cli, merge_of_an_incomplete_plan_writes_nothing)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "m.csv"), *runs = path_in(dir, "runs");
    mkdir(runs, 0777);
    args p = {0}, m = {0};
    add(&p, "sweep", "--problem", "quadratic", "--dim", "2", "--optimizer", "adam", "--lr-grid",
        "0.01:0.1:3", "--steps", "5", NULL);
    m = p;
    add(&p, "--plan", "--plan-dir", runs, NULL);
    add(&m, "--merge", runs, "--output", out, NULL);
    lr_cmd_result r = run_ok(&p);
    /* run the first two planned commands only (their words are plain: no quoting in this plan) */
    char *line = r.out;
    for (int k = 0; k < 2; k++) {
        char *end = strchr(line, '\n');
        *end = '\0';
        args t = {0};
        for (char *w = strtok(line + strlen("lrlab "), " "); w; w = strtok(NULL, " "))
            add(&t, w, NULL);
        lr_cmd_result tr = run_ok(&t);
        cmd_result_free(&tr);
        line = end + 1;
    }
    cmd_result_free(&r);
    r = run_lrlab(m.w, NULL);
    cr_assert_eq(r.status, 1, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "1 of 3 runs have no CSV"), "%s", r.err);
    cr_assert_eq(access(out, F_OK), -1, "the output was written");
    cmd_result_free(&r);
    remove_tree(dir);
    free(out);
    free(runs);
    free(dir);
}

/* ---- Schedules -------------------------------------------------------------------------------- */

/* Data line `row` (0-based, header excluded) of csv: `count` cells from cell `from`, as text. */
static char *cells_of(const char *csv, size_t row, int from, int count)
{
    const char *s = strchr(csv, '\n') + 1;
    for (size_t r = 0; r < row; r++)
        s = strchr(s, '\n') + 1;
    for (int c = 0; c < from; c++)
        s += strcspn(s, ",\n") + 1;
    const char *e = s;
    for (int c = 0; c < count; c++)
        e += strcspn(e, ",\n") + (c + 1 < count);
    return strndup(s, (size_t)(e - s));
}

/* Every row of the sweep `words` (with --output) is the last row of `lrlab train` given the same
 * flags, the row's --lr and, with folds, --folds K --fold F: byte for byte but for seconds. The
 * train flags are `train` (the sweep's flags that are train flags). Returns the sweep's file. */
static char *rows_are_train_runs(const args *sweep, const args *train, const char *out,
                                 const char *const *lrs, size_t nlr, long folds)
{
    lr_cmd_result r = run_ok(sweep);
    cmd_result_free(&r);
    char *csv = must_slurp(out), *cs = csv_without_column(csv, "seconds");
    size_t per = folds ? (size_t)folds : 1;
    cr_assert_eq(count_lines(csv), 1 + nlr * per);
    /* the train columns, then fold,val_loss when there are folds */
    int ncells = csv_column(csv, "dist") - csv_column(csv, "problem") + 1 + (folds ? 2 : 0);
    for (size_t i = 0; i < nlr * per; i++) {
        args t = *train;
        char fold[16];
        snprintf(fold, sizeof fold, "%zu", i % per);
        add(&t, "--lr", lrs[i / per], NULL);
        if (folds) {
            char k[16];
            snprintf(k, sizeof k, "%ld", folds);
            add(&t, "--folds", k, "--fold", fold, NULL);
        }
        lr_cmd_result tr = run_ok(&t);
        char *ts = csv_without_column(tr.out, "seconds");
        size_t last = count_lines(ts) - 2;
        char *want = cells_of(ts, last, 0, ncells);
        char *got = cells_of(cs, i, csv_column(cs, "problem"), ncells);
        cr_assert_str_eq(got, want, "run %zu", i);
        free(want);
        free(got);
        free(ts);
        cmd_result_free(&tr);
    }
    free(cs);
    return csv;
}

Test(sweep_cli, a_scheduled_sweep_row_is_the_train_run_with_that_schedule_from_its_rate)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "q.csv");
    /* the ends of a two-point grid are exact, so the train commands can be typed by hand */
    static const char *const lrs[] = {"0.01", "0.5"};
    args s = {0}, t = {0};
    add(&s, "sweep", "--lr-grid", "0.01:0.5:2", "--output", out, NULL);
    add(&t, "train", NULL);
    const char *common[] = {"--problem", "quadratic", "--dim", "4", "--optimizer", "adam", "--steps",
                            "30", "--schedule", "cosine", "--t-max", "25", "--eta-min", "1e-3",
                            "--warmup-steps", "5", NULL};
    for (const char *const *w = common; *w; w++) {
        add(&s, *w, NULL);
        add(&t, *w, NULL);
    }
    char *csv = rows_are_train_runs(&s, &t, out, lrs, 2, 0), buf[64];
    for (size_t i = 0; i < 2; i++) {
        cr_assert_str_eq(csv_cell(csv, i, csv_column(csv, "schedule"), buf, sizeof buf), "cosine");
        /* 5 warmup steps, then cosine step 25 = T_max: the minimum */
        cr_assert_eq(csv_number(csv, i, "lr_now"), 1e-3, "run %zu", i);
    }
    free(csv);
    remove_tree(dir);
    free(out);
    free(dir);
}

Test(sweep_cli, a_plateau_schedule_runs_per_fold_fed_by_that_fold)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "p.csv");
    static const char *const lrs[] = {"0.01", "0.5"};
    args s = {0}, t = {0};
    add(&s, "sweep", "--lr-grid", "0.01:0.5:2", "--folds", "2", "--output", out, NULL);
    add(&t, "train", NULL);
    const char *common[] = {"--problem", "linreg", "--samples", "120", "--features", "5",
                            "--optimizer", "sgd", "--epochs", "6", "--batch-size", "16",
                            "--schedule", "plateau", "--patience", "0", "--factor", "0.5", NULL};
    for (const char *const *w = common; *w; w++) {
        add(&s, *w, NULL);
        add(&t, *w, NULL);
    }
    char *csv = rows_are_train_runs(&s, &t, out, lrs, 2, 2), buf[64];
    /* the point at 0.5 plateaus on both folds: the schedule acted, not just its name */
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(csv_cell(csv, i, csv_column(csv, "schedule"), buf, sizeof buf), "plateau");
    cr_assert_lt(csv_number(csv, 2, "lr_now"), 0.5);
    cr_assert_lt(csv_number(csv, 3, "lr_now"), 0.5);
    free(csv);
    remove_tree(dir);
    free(out);
    free(dir);
}

Test(sweep_cli, a_scheduled_sweep_resumes_and_another_schedule_is_another_sweep)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "r.csv"), *ref = path_in(dir, "ref.csv");
    args a = {0}, part, full, other = {0}, none = {0}, reordered = {0};
    add(&a, "sweep", "--problem", "quadratic", "--dim", "3", "--optimizer", "sgd", "--lr-grid",
        "0.05:0.8:4", "--steps", "20", "--schedule", "step", "--step-size", "5", "--gamma", "0.5",
        NULL);
    part = full = a;
    add(&part, "--shard", "1/2", "--output", out, NULL);
    add(&full, "--output", out, NULL);
    add(&a, "--output", ref, NULL);
    lr_cmd_result r = run_ok(&part);
    cmd_result_free(&r);
    r = run_ok(&full);
    cr_assert_not_null(strstr(r.err, "4 of 4 runs"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "(2 new)"), "%s", r.err);
    cmd_result_free(&r);
    r = run_ok(&a);
    cmd_result_free(&r);
    char *x = must_slurp(out), *y = must_slurp(ref);
    char *xs = csv_without_column(x, "seconds"), *ys = csv_without_column(y, "seconds");
    cr_assert_str_eq(xs, ys, "resumed and fresh scheduled sweeps differ");
    /* the same flags in another order are the same runs */
    add(&reordered, "sweep", "--gamma", "0.5", "--schedule", "step", "--steps", "20",
        "--step-size", "5", "--optimizer", "sgd", "--problem", "quadratic", "--lr-grid",
        "0.05:0.8:4", "--dim", "3", "--output", out, NULL);
    r = run_ok(&reordered);
    cr_assert_not_null(strstr(r.err, "(0 new)"), "%s", r.err);
    cmd_result_free(&r);
    /* another schedule value, or no schedule: other run ids, so the file is refused, untouched */
    add(&other, "sweep", "--problem", "quadratic", "--dim", "3", "--optimizer", "sgd", "--lr-grid",
        "0.05:0.8:4", "--steps", "20", "--schedule", "step", "--step-size", "5", "--gamma", "0.25",
        "--output", out, NULL);
    add(&none, "sweep", "--problem", "quadratic", "--dim", "3", "--optimizer", "sgd", "--lr-grid",
        "0.05:0.8:4", "--steps", "20", "--output", out, NULL);
    const args *refused[] = {&other, &none};
    for (size_t k = 0; k < 2; k++) {
        r = run_lrlab(refused[k]->w, NULL);
        cr_assert_eq(r.status, 2, "case %zu: %s", k, r.err);
        cr_assert_not_null(strstr(r.err, "is not a run of this sweep"), "%s", r.err);
        cmd_result_free(&r);
        char *after = must_slurp(out);
        cr_assert_str_eq(after, x);
        free(after);
    }
    free(x);
    free(y);
    free(xs);
    free(ys);
    remove_tree(dir);
    free(out);
    free(ref);
    free(dir);
}

Test(sweep_cli, help_lists_the_schedule_flags)
{
    static const char *const help[] = {"sweep", "--help", NULL};
    lr_cmd_result r = run_lrlab(help, NULL);
    cr_assert_eq(r.status, 0);
    static const char *const flags[] = {"--schedule NAME", "--warmup-steps W", "--t-max T",
                                        "--milestones", "--patience P", "--plateau-eps EPS"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        cr_assert_not_null(strstr(r.out, flags[i]), "no %s in sweep --help", flags[i]);
    cmd_result_free(&r);
}

/* ---- Bad input ------------------------------------------------------------------------------- */

typedef struct bad_case {
    const char *words[12];
    const char *needle;
} bad_case;

Test(sweep_cli, bad_input_exits_2_with_a_message_and_writes_nothing)
{
    static const bad_case cases[] = {
        {{"--lr-grid", "1:1e-3:3"}, "inverted range"},
        {{"--lr-grid", "1e-3:1e-3:3"}, "empty range"},
        {{"--lr-grid", "1e-3:1:0"}, "COUNT must be"},
        {{"--lr-grid", "0:1:3"}, "LO must be a positive"},
        {{"--lr-grid", "1e-3:1"}, "is not LO:HI:COUNT"},
        {{"--lr-grid", "1e-3:inf:3"}, "inverted range"},
        {{"--lr-random", "0", "--lr-range", "1e-3:1"}, "COUNT must be"},
        {{"--lr-random", "3"}, "needs --lr-range"},
        {{"--lr-random", "3", "--lr-range", "1:1e-3"}, "inverted range"},
        {{"--lr-random", "3", "--lr-range", "0.01:0.01"}, "empty range"},
        {{"--lr-random", "3", "--lr-range", "x"}, "is not LO:HI"},
        {{"--lr-grid", "1e-3:1:3", "--lr-random", "3"}, "either --lr-grid"},
        {{"--seeds", "2"}, "either --lr-grid"},
        {{"--lr-grid", "1e-3:1:3", "--lr", "0.1"}, "--lr does not apply"},
        {{"--lr-grid", "1e-3:1:3", "--folds", "1"}, "--folds must be at least 2"},
        {{"--lr-grid", "1e-3:1:3", "--folds", "9"}, "more than the 8 training"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum"}, "is not NAME:LO:HI"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:0.5"}, "is not NAME:LO:HI"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:0.5:0.9:cubic"}, "is not NAME:LO:HI"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "bogus:0:1"}, "not an optimizer hyperparameter"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:0.9:0.5"}, "inverted"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:0.5:0.5"}, "empty range"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:0.5:0.9,momentum:0:1"}, "appears twice"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:0.5:0.9", "--momentum", "0.9"}, "given too"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "weight_decay:0:1:log"}, "needs LO > 0"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "beta1:0.5:0.9"}, "does not apply to --optimizer sgd"},
        {{"--lr-grid", "1e-3:1:3", "--vary", "momentum:-1:0.5"}, "--momentum"},
        {{"--lr-grid", "1e-3:1:3", "--shard", "0/2"}, "--shard 0/2: out of range"},
        {{"--lr-grid", "1e-3:1:3", "--shard", "3/2"}, "--shard 3/2: out of range"},
        {{"--lr-grid", "1e-3:1:3", "--shard", "1/0"}, "out of range"},
        {{"--lr-grid", "1e-3:1:3", "--shard", "half"}, "is not I/N"},
        {{"--lr-grid", "1e-3:1:3", "-j", "0"}, "--jobs (-j) must be"},
        {{"--lr-grid", "1e-3:1:3", "-j0"}, "--jobs (-j) must be"},
        {{"--lr-grid", "1e-3:1:3", "--seeds", "0"}, "--seeds must be"},
        {{"--lr-grid", "1e-3:1:3", "--target-loss", "nan"}, "--target-loss"},
        {{"--lr-grid", "1e-3:1:3", "--plan"}, "--plan needs --plan-dir"},
        {{"--lr-grid", "1e-3:1:3", "--plan", "--plan-dir", "d", "--merge", "d"}, "exclude"},
        {{"--lr-grid", "1e-3:1:3", "--epochs", "0"}, "--epochs"},
        {{"--lr-grid", "1e-300:1:100000", "--seeds", "2"}, "more than 100000 runs"},
        /* schedules: as lrlab train checks them, plus the two that ignore the sweep's rates */
        {{"--lr-grid", "1e-3:1:3", "--schedule", "warp"}, "--schedule: unknown schedule 'warp'"},
        {{"--lr-grid", "1e-3:1:3", "--t-max", "10"}, "--t-max needs --schedule NAME"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "cosine"}, "--t-max is required for --schedule cosine"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "cosine", "--t-max", "0"}, "--t-max: must be"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "cosine", "--t-max", "9", "--patience", "2"},
         "--patience does not apply to --schedule cosine"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "step", "--step-size", "2", "--gamma", "-1"},
         "--gamma: must be"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "plateau", "--plateau-eps", "-1"}, "--plateau-eps"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "plateau", "--eps", "1e-3"}, "--plateau-eps in lrlab sweep"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "cosine", "--t-max", "9", "--warmup-start-factor",
          "0.5"}, "--warmup-start-factor needs --warmup-steps"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "onecycle", "--max-lr", "1", "--total-steps", "99"},
         "--schedule onecycle sets its own rates"},
        {{"--lr-grid", "1e-3:1:3", "--schedule", "cyclic", "--base-lr", "0.1", "--max-lr", "1"},
         "--schedule cyclic sets its own rates"},
    };
    char *dir = make_temp_dir(), *out = path_in(dir, "bad.csv"), *sum = path_in(dir, "s.csv");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        args a = {0};
        add(&a, "sweep", "--problem", "linreg", "--samples", "8", "--optimizer", "sgd", NULL);
        for (const char *const *w = cases[i].words; *w; w++)
            add(&a, *w, NULL);
        add(&a, "--output", out, "--summary", sum, NULL);
        lr_cmd_result r = run_lrlab(a.w, NULL);
        cr_assert_eq(r.status, 2, "case %zu: exit %d: %s", i, r.status, r.err);
        cr_assert_not_null(strstr(r.err, cases[i].needle), "case %zu: '%s' not in: %s", i,
                           cases[i].needle, r.err);
        cr_assert_eq(dir_leftovers(dir, NULL, NULL, 0), 0, "case %zu left a file", i);
        cmd_result_free(&r);
    }
    /* full-batch problems have no samples to fold; the output must be a file */
    static const char *const quad_folds[] = {"sweep", "--problem", "quadratic", "--optimizer", "sgd",
                                             "--lr-grid", "0.1:1:2", "--folds", "2", "--output",
                                             "x.csv", NULL};
    lr_cmd_result r = run_lrlab(quad_folds, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "full batch"), "%s", r.err);
    cmd_result_free(&r);
    static const char *const no_output[] = {"sweep", "--problem", "quadratic", "--optimizer", "sgd",
                                            "--lr-grid", "0.1:1:2", NULL};
    r = run_lrlab(no_output, NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "--output FILE is required"), "%s", r.err);
    cmd_result_free(&r);
    remove_tree(dir);
    free(out);
    free(sum);
    free(dir);
}

Test(sweep_cli, train_fold_flags_are_checked)
{
    static const bad_case cases[] = {
        {{"--folds", "3"}, "--folds needs --fold"},
        {{"--fold", "1"}, "--fold needs --folds"},
        {{"--folds", "1", "--fold", "0"}, "--folds must be at least 2"},
        {{"--folds", "3", "--fold", "3"}, "--fold must be between 0 and 2"},
        {{"--folds", "3", "--fold", "-1"}, "--fold must be between 0 and 2"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        args a = {0};
        add(&a, "train", "--problem", "linreg", "--samples", "20", "--optimizer", "sgd", "--lr",
            "0.1", NULL);
        for (const char *const *w = cases[i].words; *w; w++)
            add(&a, *w, NULL);
        lr_cmd_result r = run_lrlab(a.w, NULL);
        cr_assert_eq(r.status, 2, "case %zu: %s", i, r.err);
        cr_assert_not_null(strstr(r.err, cases[i].needle), "case %zu: %s", i, r.err);
        cmd_result_free(&r);
    }
}
