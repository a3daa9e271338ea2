/* C17-C19: the range test (ramp, smoothing, divergence stop, untouched caller state, suggestions)
 * on a diagonal quadratic defined here, and the grid / random / fold arithmetic of sweeps. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/select.h"

/* f(x) = 1/2 sum c_i x_i^2 with c log-spaced in [0.1, 4]: GD converges iff lr < 2/4. */
enum { QDIM = 8 };
static double curv(size_t i) { return 0.1 * pow(40.0, (double)i / (QDIM - 1)); }
static void q_init(void *ctx, uint64_t seed, float *x)
{
    (void)ctx; (void)seed;
    for (size_t i = 0; i < QDIM; i++)
        x[i] = 1.0f;
}
static double q_loss_grad(void *ctx, const struct lr_kernels *k, const float *x, const size_t *idx,
                          size_t b, float *g)
{
    (void)ctx; (void)k; (void)idx; (void)b;
    double f = 0;
    for (size_t i = 0; i < QDIM; i++) {
        g[i] = (float)(curv(i) * x[i]);
        f += 0.5 * curv(i) * (double)x[i] * (double)x[i];
    }
    return f;
}
static lr_problem quad(void)
{
    return (lr_problem){.name = "q", .dim = QDIM, .init_params = q_init, .loss_grad = q_loss_grad};
}

Test(lr_find, ramp_is_fastai_exponential_and_stops_on_divergence)
{
    lr_problem p = quad();
    lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
    o.lr = 1.0;
    lr_find_config cfg = lr_find_defaults();
    lr_find_result r;
    cr_assert_eq(lr_find(&p, &o, &cfg, &lr_kernels_reference, NULL, &r), 0);
    cr_assert_leq(r.n, 100);
    cr_assert_lt(r.n, 100, "SGD on this quadratic must diverge before lr = 10");
    for (size_t i = 0; i < r.n; i++)
        cr_assert_float_eq(r.lrs[i], 1e-7 * pow(1e8, (double)i / 100.0), 1e-15 * r.lrs[i]);
    double best = INFINITY;
    for (size_t i = 0; i + 1 < r.n; i++) {
        best = fmin(best, r.smoothed[i]);
        cr_assert_leq(r.smoothed[i], 4 * best, "stopped late at %zu", i);
    }
    cr_assert(r.smoothed[r.n - 1] > 4 * fmin(best, r.smoothed[r.n - 1]) || !isfinite(r.losses[r.n - 1]));
    /* the smoothing is fast.ai's: bias-corrected EMA with beta 0.98 */
    double avg = 0;
    for (size_t i = 0; i < r.n; i++) {
        avg = 0.98 * avg + 0.02 * r.losses[i];
        cr_assert_float_eq(r.smoothed[i], avg / (1 - pow(0.98, (double)(i + 1))), 1e-12 * fabs(avg) + 1e-300);
    }
    lr_find_result_free(&r);
}

Test(lr_find, suggestions_fall_in_the_convergent_range_on_a_quadratic)
{
    lr_problem p = quad();
    lr_optim_config o = lr_optim_defaults(LR_OPT_SGD);
    o.lr = 1.0;
    for (int t = 0; t < 2; t++) {
        if (t && !lr_cpu_has_avx2_fma())
            continue;
        const lr_kernels *k = t ? &lr_kernels_avx2 : &lr_kernels_reference;
        lr_find_config cfg = lr_find_defaults();
        lr_find_result r;
        cr_assert_eq(lr_find(&p, &o, &cfg, k, NULL, &r), 0);
        cr_assert(isfinite(r.minimum) && isfinite(r.steep) && isfinite(r.valley));
        cr_assert_lt(r.minimum, 2.0 / 4.0, "minimum %g", r.minimum);
        cr_assert_lt(r.steep, 2.0 / 4.0, "steep %g", r.steep);
        cr_assert_lt(r.valley, 2.0 / 4.0, "valley %g", r.valley);
        lr_find_result_free(&r);
    }
}

Test(lr_find, caller_parameters_are_untouched)
{
    lr_problem p = quad();
    lr_optim_config o = lr_optim_defaults(LR_OPT_ADAM);
    float x0[QDIM], copy[QDIM];
    for (size_t i = 0; i < QDIM; i++)
        x0[i] = copy[i] = (float)i - 3.5f;
    lr_find_config cfg = lr_find_defaults();
    lr_find_result r;
    cr_assert_eq(lr_find(&p, &o, &cfg, &lr_kernels_reference, x0, &r), 0);
    cr_assert_eq(memcmp(x0, copy, sizeof x0), 0);
    lr_find_result_free(&r);
    cfg.end_lr = cfg.start_lr;
    cr_assert_eq(lr_find(&p, &o, &cfg, &lr_kernels_reference, x0, &r), -2);
}

Test(lr_find, suggestions_follow_the_fastai_rules_on_a_made_curve)
{
    /* 40 points: flat, a decreasing run from index 10 to 30 (steepest drop between 20 and 21),
     * then a rise. num_it 20 trims the first 2 and the last 5 points. */
    double lrs[40], loss[40];
    for (int i = 0; i < 40; i++) {
        lrs[i] = 1e-4 * pow(10.0, i / 10.0);
        loss[i] = i < 10 ? 5.0 : i <= 30 ? 5.0 - 0.1 * (i - 10) - (i > 20 ? 1.0 : 0.0) : 2.0 + (i - 30);
    }
    double mn, st, va;
    lr_find_suggest(lrs, loss, 40, 20, &mn, &st, &va);
    cr_assert_float_eq(mn, lrs[30] / 10.0, 1e-15);
    cr_assert_float_eq(st, lrs[20], 1e-15, "steep %g, expected lrs[20] = %g", st, lrs[20]);
    /* the trimmed curve starts at original index 2; the longest strictly decreasing run is 10..30
     * (21 points; 9 -> 10 is flat), i.e. trimmed 8..28: max_end = 28, max_start = 28 - 21 = 7,
     * sections = 21/3 = 7, idx = 7 + 7 + 3 = 17 -> original index 19 */
    cr_assert_float_eq(va, lrs[19], 1e-15, "valley %g, expected %g", va, lrs[19]);
    /* too short a curve gives NaN, not a crash */
    lr_find_suggest(lrs, loss, 6, 100, &mn, &st, &va);
    cr_assert(isnan(mn) && isnan(st) && isnan(va));
}

Test(search, grid_endpoints_and_count_exact)
{
    double g[7];
    lr_log_grid(1e-4, 1.0, 7, g);
    cr_assert_eq(g[0], 1e-4);
    cr_assert_eq(g[6], 1.0);
    for (int i = 1; i < 7; i++)
        cr_assert_float_eq(g[i] / g[i - 1], pow(1e4, 1.0 / 6.0), 1e-12);
    lr_log_grid(0.3, 0.3, 1, g);
    cr_assert_eq(g[0], 0.3);
}

Test(search, random_draws_reproducible_and_in_range)
{
    uint64_t a = 7, b = 7;
    for (int i = 0; i < 1000; i++) {
        double x = lr_log_uniform(&a, 1e-5, 1e-1), y = lr_log_uniform(&b, 1e-5, 1e-1);
        cr_assert_eq(x, y);
        cr_assert(x >= 1e-5 * (1 - 1e-12) && x <= 1e-1 * (1 + 1e-12));
    }
}

Test(search, folds_partition_the_samples)
{
    for (size_t n = 2; n < 60; n += 7)
        for (size_t k = 2; k <= n && k < 11; k++) {
            size_t covered = 0, prev_end = 0, lo = n, hi = 0;
            for (size_t f = 0; f < k; f++) {
                size_t s, e;
                lr_fold_bounds(n, k, f, &s, &e);
                cr_assert_eq(s, prev_end);
                prev_end = e;
                covered += e - s;
                lo = e - s < lo ? e - s : lo;
                hi = e - s > hi ? e - s : hi;
            }
            cr_assert_eq(covered, n);
            cr_assert_leq(hi - lo, 1);
        }
}
