/* Claim K08 measured (C17 range test against a C18 sweep) on a reduced Fashion-MNIST softmax
 * regression: where fast.ai's valley suggestion lands relative to the band of rates whose final
 * test loss is within 10% of the sweep's best, with the assertions that measurement supports. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* The claim, literally, is not asserted: on this problem it is false. Measured here (5000 images,
 * SGD, batch 64, 5 epochs; three range tests with seeds 0-2): valley 0.0030-0.0063, while the 10%
 * band is 0.046-0.1 (a full decade higher). The range test reads 100 steps of a ramp; the best
 * constant rate over five epochs of this convex problem sits just under the edge of stability, as
 * on the quadratic (docs/claims.md, K08). What a user may rely on, and what is asserted: the valley
 * is a safe rate (never above the band, far from divergence) that trains, and the measurement
 * with its verdict is logged so a change in either procedure shows in the test output. */

static const char fmnist_dir[] = "/usr/share/datasets/fashion-mnist";

#define GRID_POINTS 13 /* 1e-4 .. 1, four per decade: the band is resolved to a quarter decade */

/* fast.ai's valley for one seed. */
static double valley_for_seed(const char *dir, int seed)
{
    char sug[512], seed_s[16];
    snprintf(sug, sizeof sug, "%s/sugg%d.csv", dir, seed);
    snprintf(seed_s, sizeof seed_s, "%d", seed);
    const char *argv[] = {"find-lr", "--problem", "fmnist-softmax", "--optimizer", "sgd",
                          "--lr", "0.1", "--train-size", "5000", "--batch-size", "64",
                          "--seed", seed_s, "--suggestions", sug, NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "find-lr: %s", r.err);
    cmd_result_free(&r);
    char *text = slurp(sug);
    cr_assert_not_null(text);
    double mn, st, va;
    cr_assert_eq(sscanf(text, "method,lr\nminimum,%lf\nsteep,%lf\nvalley,%lf\n", &mn, &st, &va), 3,
                 "%s", text);
    free(text);
    return va;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct sweep_result {
    double lr[GRID_POINTS], loss[GRID_POINTS]; /* loss: final test loss, inf when diverged */
    size_t best;
    size_t lo, hi; /* the band: the contiguous run of points around best within 10% of it */
} sweep_result;

static void run_sweep(const char *dir, sweep_result *s)
{
    char out[512];
    snprintf(out, sizeof out, "%s/sweep.csv", dir);
    const char *argv[] = {"sweep", "--problem", "fmnist-softmax", "--optimizer", "sgd",
                          "--train-size", "5000", "--batch-size", "64", "--epochs", "5",
                          "--lr-grid", "1e-4:1:13", "-j", "2", "--output", out, NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "sweep: %s", r.err);
    cmd_result_free(&r);
    char *csv = slurp(out);
    cr_assert_not_null(csv);
    cr_assert_eq(count_lines(csv), GRID_POINTS + 1, "%s", csv);
    for (size_t i = 0; i < GRID_POINTS; i++) {
        s->lr[i] = csv_number(csv, i, "lr");
        s->loss[i] = csv_number(csv, i, "diverged") != 0.0 ? INFINITY
                                                            : csv_number(csv, i, "test_loss");
    }
    free(csv);
    s->best = 0;
    for (size_t i = 1; i < GRID_POINTS; i++)
        if (s->loss[i] < s->loss[s->best])
            s->best = i;
    cr_assert(isfinite(s->loss[s->best]), "every rate diverged");
    double edge = 1.1 * s->loss[s->best];
    for (s->lo = s->best; s->lo > 0 && s->loss[s->lo - 1] <= edge; s->lo--) {
    }
    for (s->hi = s->best; s->hi + 1 < GRID_POINTS && s->loss[s->hi + 1] <= edge; s->hi++) {
    }
}

/* Trains at rate lr; returns the final test loss, and the one before training in *start. */
static double train_at(double lr, double *start)
{
    char lr_s[32];
    snprintf(lr_s, sizeof lr_s, "%.17g", lr);
    const char *argv[] = {"train", "--problem", "fmnist-softmax", "--optimizer", "sgd", "--lr",
                          lr_s, "--train-size", "5000", "--batch-size", "64", "--epochs", "5",
                          NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 0, "train: %s", r.err);
    size_t last = count_lines(r.out) - 2;
    *start = csv_number(r.out, 0, "test_loss");
    cr_assert_eq(csv_number(r.out, last, "diverged"), 0.0, "the valley rate %g diverged", lr);
    double end = csv_number(r.out, last, "test_loss");
    cmd_result_free(&r);
    return end;
}

Test(k08, valley_against_the_band_of_a_sweep_on_reduced_fmnist, .timeout = 120)
{
    char path[256];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte.gz", fmnist_dir);
    if (access(path, R_OK) != 0)
        cr_skip_test("Fashion-MNIST is not installed");
    char *dir = make_temp_dir();
    double valley[3];
    for (int seed = 0; seed < 3; seed++)
        valley[seed] = valley_for_seed(dir, seed);
    qsort(valley, 3, sizeof valley[0], cmp_double);
    double v = valley[1];
    sweep_result s;
    run_sweep(dir, &s);
    bool inside = s.lr[s.lo] <= v && v <= s.lr[s.hi];
    cr_log_info("K08 measured: valley %g (seeds: %g %g %g); band of test loss within 10%% of the "
                "best (%g at lr %g): %g-%g; valley %s the band", v, valley[0], valley[1],
                valley[2], s.loss[s.best], s.lr[s.best], s.lr[s.lo], s.lr[s.hi],
                inside ? "inside" : v < s.lr[s.lo] ? "below" : "above");
    /* Safe: no seed's valley lies above the band, nor within a half decade of the smallest rate
     * whose run diverged or ended worse than it started (the edge the ramp is meant to find). */
    for (int i = 0; i < 3; i++)
        cr_expect_leq(valley[i], s.lr[s.hi], "valley %g above the band's top %g", valley[i],
                      s.lr[s.hi]);
    double start, end = train_at(v, &start);
    for (size_t i = 0; i < GRID_POINTS; i++)
        if (!(s.loss[i] < start)) {
            cr_expect_lt(valley[2], s.lr[i] / sqrt(10.0),
                         "valley %g within half a decade of the failing rate %g", valley[2],
                         s.lr[i]);
            break;
        }
    /* It trains: five epochs at the valley rate lower the test loss by a third at least. Measured:
     * 2.63 -> 1.21 at the valley (0.0036); a rate a quarter of it (0.001) ends at 1.77 and fails
     * this, one a tenth of it (0.00036) at 2.11. */
    cr_expect_lt(end, start * 2.0 / 3.0, "valley rate %g: test loss %g -> %g", v, start, end);
    free(dir);
}
