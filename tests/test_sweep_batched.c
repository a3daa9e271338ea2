/* lrlab sweep --batched (C20 over C18) through the binary: the file and the summary are those of
 * the sweep run one by one, byte for byte but for the seconds column, with several passes, two
 * seeds and a diverging rate, for fmnist-softmax, the quadratic and linreg; the runs are the same
 * runs (resume across modes); and what --batched refuses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "lrlab/kernels.h"

static int have_data(void)
{
    return access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) == 0;
}

static char *path_in(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    cr_assert(p);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* How many rows have 1 in column `name`. */
static size_t rows_with_one(const char *csv, const char *name)
{
    size_t count = 0, rows = count_lines(csv) - 1;
    int col = csv_column(csv, name);
    char buf[64];
    for (size_t r = 0; r < rows; r++)
        count += strcmp(csv_cell(csv, r, col, buf, sizeof buf), "1") == 0;
    return count;
}

/* Runs the sweep `flags` (NULL-terminated) batched in passes of 3 lanes and one by one; the files
 * must be equal but for the seconds column, the summaries equal, and the one-by-one sweep must
 * find nothing left to run in the batched file. `diverged`: how many runs diverge. */
static void batched_equals_single(const char *const *flags, size_t diverged)
{
    char *dir = make_temp_dir();
    char *b = path_in(dir, "batched.csv"), *s = path_in(dir, "single.csv");
    char *bs = path_in(dir, "batched-summary.csv"), *ss = path_in(dir, "single-summary.csv");
    const char *batched[64], *single[64], *again[64];
    size_t n = 0;
    for (; flags[n]; n++)
        batched[n] = single[n] = again[n] = flags[n];
    const char *btail[] = {"--batched", "--lanes", "3", "-j", "2", "--output", b, "--summary", bs,
                           NULL};
    const char *stail[] = {"-j", "2", "--output", s, "--summary", ss, NULL};
    const char *atail[] = {"--output", b, NULL};
    cr_assert_lt(n + 10, 64);
    memcpy(batched + n, btail, sizeof btail);
    memcpy(single + n, stail, sizeof stail);
    memcpy(again + n, atail, sizeof atail);
    lr_cmd_result rb = run_lrlab(batched, NULL), rs = run_lrlab(single, NULL);
    cr_assert_eq(rb.status, 0, "%s", rb.err);
    cr_assert_eq(rs.status, 0, "%s", rs.err);
    char *tb = slurp(b), *ts = slurp(s), *tbs = slurp(bs), *tss = slurp(ss);
    cr_assert(tb && ts && tbs && tss);
    char *cb = csv_without_column(tb, "seconds"), *cs = csv_without_column(ts, "seconds");
    cr_assert_str_eq(cb, cs);
    cr_assert_str_eq(tbs, tss);
    if (diverged)
        cr_assert_eq(rows_with_one(tb, "diverged"), diverged, "diverged runs in:\n%s", tb);
    free(cb);
    free(cs);
    free(tb);
    free(ts);
    free(tbs);
    free(tss);

    /* The runs are the same runs: the one-by-one sweep resumes the batched file with nothing to do. */
    lr_cmd_result ra = run_lrlab(again, NULL);
    cr_assert_eq(ra.status, 0, "%s", ra.err);
    cr_assert(strstr(ra.err, "(0 new)"), "%s", ra.err);
    cmd_result_free(&ra);
    cmd_result_free(&rb);
    cmd_result_free(&rs);
    free(b);
    free(s);
    free(bs);
    free(ss);
    free(dir);
}

Test(sweep_batched, equals_the_sweep_run_one_by_one_but_for_seconds)
{
    if (!have_data())
        cr_skip_test("Fashion-MNIST is not installed");
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    /* 7 rates x 2 seeds in passes of 3: per seed 3 + 3 + 1 lanes. 1e38 diverges (both seeds). */
    const char *flags[] = {"sweep", "--problem", "fmnist-softmax", "--train-size", "300",
                           "--epochs", "2", "--batch-size", "50", "--optimizer", "sgd",
                           "--momentum", "0.9", "--lr-grid", "1e-3:1e38:7", "--seeds", "2", NULL};
    batched_equals_single(flags, 2);
}

/* The quadratic, rotated (the seed picks the rotation, so each seed is its own pass), a row per
 * step thinned by --log-every; the rates 0.97, 5.4 and 30 are above the heavy ball's limit
 * 2(1 + 0.5)/L = 0.3 on L = 10: those 3 x 2 runs diverge. */
Test(sweep_batched, quadratic_equals_the_sweep_run_one_by_one_but_for_seconds)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    const char *flags[] = {"sweep", "--problem", "quadratic", "--dim", "21", "--mu", "0.1",
                           "--L", "10", "--rotate", "--steps", "60", "--log-every", "7",
                           "--optimizer", "sgd", "--momentum", "0.5", "--lr-grid", "1e-3:30:7",
                           "--seeds", "2", "--target-loss", "1e-3", NULL};
    batched_equals_single(flags, 6);
}

/* Linear regression with Huber loss and outliers, minibatches; Adam's steps are about the rate,
 * so only 1e37 overflows (both seeds). */
Test(sweep_batched, linreg_equals_the_sweep_run_one_by_one_but_for_seconds)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    const char *flags[] = {"sweep", "--problem", "linreg", "--samples", "301", "--features",
                           "11", "--noise", "0.5", "--outliers", "0.1", "--loss", "huber",
                           "--epochs", "3", "--batch-size", "24", "--optimizer", "adam",
                           "--lr-grid", "1e-3:1e37:7", "--seeds", "2", NULL};
    batched_equals_single(flags, 2);
}

#define SCHEDULED_FLAGS                                                                       \
    "sweep", "--problem", "fmnist-softmax", "--train-size", "300", "--epochs", "4",            \
        "--batch-size", "50", "--optimizer", "sgd", "--momentum", "0.9", "--lr-grid",          \
        "1e-2:100:5"

/* lr_now / lr of every row: the factor the schedule had reached. */
static size_t distinct_factors(const char *csv, double *factor, size_t max)
{
    size_t n = 0;
    for (const char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        const char *c = line;
        for (int k = 0; k < 5; k++) /* run_id,run,problem,optimizer,schedule, then lr */
            c = strchr(c, ',') + 1;
        double lr = strtod(c, NULL);
        for (int k = 0; k < 4; k++) /* lr,seed,epoch,step, then lr_now */
            c = strchr(c, ',') + 1;
        double f = strtod(c, NULL) / lr;
        bool seen = false;
        for (size_t i = 0; i < n; i++)
            seen = seen || factor[i] == f;
        if (!seen && n < max)
            factor[n++] = f;
    }
    return n;
}

Test(sweep_batched, a_scheduled_sweep_equals_its_runs_one_by_one_each_lane_its_own_schedule)
{
    if (!have_data())
        cr_skip_test("Fashion-MNIST is not installed");
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    /* 5 rates in passes of 3 + 2 lanes. plateau: a state per lane, fed that lane's test_loss (at
     * 0.1 it halves the rate twice, at 0.01 and 1 never, all in one pass);
     * cosine behind a warmup: a closed form from each lane's rate */
    static const char *const schedules[][9] = {
        {"--schedule", "plateau", "--patience", "0", "--factor", "0.5", NULL},
        {"--schedule", "cosine", "--t-max", "20", "--eta-min", "1e-4", "--warmup-steps", "5", NULL},
    };
    char *dir = make_temp_dir();
    for (size_t k = 0; k < 2; k++) {
        char name[32];
        snprintf(name, sizeof name, "b%zu.csv", k);
        char *b = path_in(dir, name);
        snprintf(name, sizeof name, "s%zu.csv", k);
        char *s = path_in(dir, name);
        const char *batched[40] = {SCHEDULED_FLAGS, "--batched", "--lanes", "3", "-j", "2",
                                   "--output", b};
        const char *single[40] = {SCHEDULED_FLAGS, "-j", "2", "--output", s};
        size_t nb = 0, ns = 0;
        while (batched[nb])
            nb++;
        while (single[ns])
            ns++;
        for (const char *const *w = schedules[k]; *w; w++)
            batched[nb++] = single[ns++] = *w;
        lr_cmd_result rb = run_lrlab(batched, NULL), rs = run_lrlab(single, NULL);
        cr_assert_eq(rb.status, 0, "%s", rb.err);
        cr_assert_eq(rs.status, 0, "%s", rs.err);
        char *tb = slurp(b), *ts = slurp(s);
        cr_assert(tb && ts);
        char *cb = csv_without_column(tb, "seconds"), *cs = csv_without_column(ts, "seconds");
        cr_assert_str_eq(cb, cs, "schedule %s", schedules[k][1]);
        cr_assert(strstr(tb, schedules[k][1]), "the schedule column names %s", schedules[k][1]);
        if (k == 0) {
            double f[16];
            cr_assert_geq(distinct_factors(tb, f, 16), 2, "the lanes' plateaus should differ");
        }
        free(cb);
        free(cs);
        free(tb);
        free(ts);
        cmd_result_free(&rb);
        cmd_result_free(&rs);
        remove(b);
        remove(s);
        free(b);
        free(s);
    }
    rmdir(dir);
    free(dir);
}

/* Exit 2, the message, and no output file. */
static void refused(const char *const *argv, const char *out, const char *const *env,
                    const char *message)
{
    lr_cmd_result r = env ? run_lrlab_env(argv, NULL, env) : run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 2, "exit %d: %s", r.status, r.err);
    cr_assert(strstr(r.err, message), "expected '%s' in: %s", message, r.err);
    struct stat st;
    cr_assert_neq(stat(out, &st), 0, "%s was written", out);
    cmd_result_free(&r);
}

Test(sweep_batched, refuses_what_it_does_not_cover)
{
    char *dir = make_temp_dir();
    char *out = path_in(dir, "out.csv");
    const char *rb[] = {"sweep", "--problem", "rosenbrock", "--optimizer", "sgd", "--lr-grid",
                        "1e-3:1e-1:3", "--batched", "--output", out, NULL};
    refused(rb, out, NULL, "--batched supports fmnist-softmax, quadratic and linreg, not rosenbrock");
    if (have_data()) {
        const char *lanes[] = {"sweep", "--problem", "fmnist-softmax", "--train-size", "100",
                               "--optimizer", "sgd", "--lr-grid", "1e-3:1e-1:3", "--batched",
                               "--lanes", "17", "--output", out, NULL};
        refused(lanes, out, NULL, "--lanes must be between 1 and 16, got 17");
        const char *mlp[] = {"sweep", "--problem", "fmnist-mlp", "--train-size", "100",
                             "--optimizer", "sgd", "--lr-grid", "1e-3:1e-1:3", "--batched",
                             "--output", out, NULL};
        refused(mlp, out, NULL, "--batched supports fmnist-softmax, quadratic and linreg, not "
                                "fmnist-mlp");
        const char *loose[] = {"sweep", "--problem", "fmnist-softmax", "--train-size", "100",
                               "--optimizer", "sgd", "--lr-grid", "1e-3:1e-1:3", "--lanes", "4",
                               "--output", out, NULL};
        refused(loose, out, NULL, "--lanes goes with --batched");
        const char *folds[] = {"sweep", "--problem", "fmnist-softmax", "--train-size", "100",
                               "--optimizer", "sgd", "--lr-grid", "1e-3:1e-1:3", "--folds", "3",
                               "--batched", "--output", out, NULL};
        refused(folds, out, NULL, "--batched does not support --folds");
        const char *ref[] = {"sweep", "--problem", "fmnist-softmax", "--train-size", "100",
                             "--optimizer", "sgd", "--lr-grid", "1e-3:1e-1:3", "--batched",
                             "--output", out, NULL};
        const char *env[] = {"LRLAB_IMPL=reference", NULL};
        refused(ref, out, env, "--batched runs on the AVX2 kernels");
    }
    free(out);
    free(dir);
}
