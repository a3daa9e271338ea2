/* C01-C06 invariants: what the update rules must do whatever the implementation (lr = 0, plain SGD,
 * Adam's first step, maximize, AdamW without decay, Adagrad's accumulator and decay, centered
 * RMSprop), checked on both kernel tables, and validation against PyTorch 1.13's constructors. */
#include <criterion/criterion.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "lrlab/numerics.h"
#include "lrlab/optim.h"

/* Unit roundoff of float: every correctly rounded operation has relative error at most U. */
#define U 0x1p-24

/* The tables to check: the reference always, the AVX2 twins when the CPU has them. */
typedef struct table_set {
    const lr_kernels *t[2];
    int n;
} table_set;

static table_set tables(void)
{
    table_set s = {{&lr_kernels_reference, &lr_kernels_avx2}, lr_cpu_has_avx2_fma() ? 2 : 1};
    return s;
}

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Distance from |x| to the next float up: the ulp of x for a tolerance. */
static double ulp(float x)
{
    float a = fabsf(x);
    return (double)nextafterf(a, INFINITY) - (double)a;
}

/* A finite, non-zero value of random sign, about 1e-4..1e2 times scale. */
static float ordinary(lr_test_rng *r, float scale)
{
    return rng_float(r, scale, 0.0);
}

/* A random valid config of `kind` with each of its flags on or off at random. */
static lr_optim_config random_config(lr_optim_kind kind, lr_test_rng *r)
{
    lr_optim_config c = lr_optim_defaults(kind);
    c.lr = rng_log_uniform(r, 1e-5, 1.0);
    c.maximize = rng_below(r, 2);
    c.weight_decay = rng_below(r, 2) ? rng_log_uniform(r, 1e-5, 0.5) : 0.0;
    switch (kind) {
    case LR_OPT_SGD:
        c.momentum = rng_below(r, 2) ? rng_range(r, 0.1, 0.99) : 0.0;
        c.nesterov = c.momentum > 0.0 && rng_below(r, 2);
        c.dampening = c.momentum > 0.0 && !c.nesterov && rng_below(r, 2) ? rng_range(r, 0, 1) : 0.0;
        break;
    case LR_OPT_ADAGRAD:
        c.lr_decay = rng_below(r, 2) ? rng_log_uniform(r, 1e-4, 1.0) : 0.0;
        c.initial_accumulator_value = rng_below(r, 2) ? rng_log_uniform(r, 1e-3, 1.0) : 0.0;
        c.eps = rng_log_uniform(r, 1e-10, 1e-3);
        break;
    case LR_OPT_RMSPROP:
        c.alpha = rng_range(r, 0.5, 0.999);
        c.momentum = rng_below(r, 2) ? rng_range(r, 0.1, 0.99) : 0.0;
        c.centered = rng_below(r, 2);
        c.eps = rng_log_uniform(r, 1e-8, 1e-3);
        break;
    default: /* adam, adamw */
        c.beta1 = rng_range(r, 0.0, 0.99);
        c.beta2 = rng_range(r, 0.5, 0.9999);
        c.amsgrad = rng_below(r, 2);
        c.eps = rng_log_uniform(r, 1e-8, 1e-3);
        break;
    }
    lr_config_error err;
    cr_assert_eq(lr_optim_validate(&c, &err), 0, "test generator made an invalid config: %s",
                 err.message);
    return c;
}

/* Every state array of two optimizers of the same config, bit for bit. */
static bool same_state(const lr_optimizer *a, const lr_optimizer *b, const char **what)
{
    const float *pa[] = {a->momentum_buffer, a->state_sum, a->square_avg, a->grad_avg,
                         a->exp_avg, a->exp_avg_sq, a->max_exp_avg_sq};
    const float *pb[] = {b->momentum_buffer, b->state_sum, b->square_avg, b->grad_avg,
                         b->exp_avg, b->exp_avg_sq, b->max_exp_avg_sq};
    static const char *const names[] = {"momentum_buffer", "state_sum", "square_avg", "grad_avg",
                                        "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
    for (size_t s = 0; s < sizeof pa / sizeof pa[0]; s++) {
        *what = names[s];
        if ((pa[s] == NULL) != (pb[s] == NULL))
            return false;
        if (pa[s] && a->n && memcmp(pa[s], pb[s], a->n * sizeof(float)) != 0)
            return false;
    }
    return true;
}

static bool same_floats(const float *a, const float *b, size_t n)
{
    return n == 0 || memcmp(a, b, n * sizeof *a) == 0;
}

/* ---- lr = 0 -------------------------------------------------------------------------------- */

/* With lr = 0 every PyTorch 1.13 optimizer adds (-0)*something finite to p, and AdamW multiplies p
 * by 1 - 0*wd = 1: parameters stay as they are, whatever momentum, weight decay (L2 or decoupled)
 * or maximize say. It needs finite gradients (0*inf is NaN, in PyTorch too) and eps > 0 (Adagrad
 * and Adam divide by sqrt(state) + eps). Parameters are non-zero here: p = -0 plus a +0 step would
 * become +0, equal in value but not in bits. */
Test(optim_invariants, lr_zero_leaves_parameters_unchanged)
{
    table_set ts = tables();
    lr_test_rng r = {0x1e0};
    for (int kind = 0; kind < LR_OPT_COUNT; kind++) {
        for (int trial = 0; trial < 40; trial++) {
            lr_optim_config cfg = random_config((lr_optim_kind)kind, &r);
            cfg.lr = 0.0;
            size_t n = 1 + rng_below(&r, 64);
            float *p0 = malloc(n * sizeof *p0), *p = malloc(n * sizeof *p),
                  *g = malloc(n * sizeof *g);
            for (size_t i = 0; i < n; i++)
                p0[i] = ordinary(&r, 1.0f);
            for (int k = 0; k < ts.n; k++) {
                lr_optimizer opt;
                cr_assert_eq(lr_optimizer_init(&opt, &cfg, n, ts.t[k]), 0);
                memcpy(p, p0, n * sizeof *p);
                for (int step = 1; step <= 20; step++) {
                    for (size_t i = 0; i < n; i++)
                        g[i] = ordinary(&r, 1.0f);
                    lr_optimizer_step(&opt, 0.0, p, g);
                    cr_assert(same_floats(p, p0, n),
                              "%s (%s) trial %d: lr=0 moved a parameter at step %d (wd=%g "
                              "maximize=%d)", lr_optim_name(cfg.kind), ts.t[k]->impl, trial, step,
                              cfg.weight_decay, cfg.maximize);
                }
                lr_optimizer_free(&opt);
            }
            free(p0);
            free(p);
            free(g);
        }
    }
}

/* ---- plain SGD ------------------------------------------------------------------------------- */

/* Values for which lr*g is exact when lr is a power of two >= 2^-20: ordinary numbers, and the
 * specials except subnormals with low bits (which the product would round away). */
static float sgd_value(lr_test_rng *r)
{
    static const float specials[] = {0.0f, -0.0f, FLT_MIN, -FLT_MIN, FLT_MAX, -FLT_MAX,
                                     INFINITY, -INFINITY, NAN, 1e30f};
    if (rng_uniform(r) < 0.05)
        return specials[rng_below(r, sizeof specials / sizeof specials[0])];
    return ordinary(r, 1.0f);
}

static void check_plain_sgd(double lr, bool exact_product, bool maximize, uint64_t seed)
{
    table_set ts = tables();
    lr_test_rng r = {seed};
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = lr;
    cfg.maximize = maximize;
    size_t n = 1 + rng_below(&r, 100);
    float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g), *want = malloc(n * sizeof *want);
    float lr_f = (float)lr;
    for (int k = 0; k < ts.n; k++) {
        lr_optimizer opt;
        cr_assert_eq(lr_optimizer_init(&opt, &cfg, n, ts.t[k]), 0);
        for (size_t i = 0; i < n; i++)
            p[i] = sgd_value(&r);
        for (int step = 1; step <= 10; step++) {
            for (size_t i = 0; i < n; i++) {
                g[i] = sgd_value(&r);
                float d = maximize ? -g[i] : g[i];
                /* lr a power of two: lr*d is exact, so the plain float expression has one rounding
                 * and must equal the kernel bit for bit. Otherwise the kernel's contract is the
                 * single rounding of fmaf. */
                want[i] = lr_canon(exact_product ? p[i] - lr_f * d : fmaf(-lr_f, d, p[i]));
            }
            lr_optimizer_step(&opt, lr, p, g);
            for (size_t i = 0; i < n; i++)
                cr_assert_eq(bits_of(p[i]), bits_of(want[i]),
                             "%s lr=%.17g maximize=%d step %d: p[%zu] = %a, expected %a (g = %a)",
                             ts.t[k]->impl, lr, maximize, step, i, (double)p[i], (double)want[i],
                             (double)g[i]);
        }
        lr_optimizer_free(&opt);
    }
    free(p);
    free(g);
    free(want);
}

Test(optim_invariants, plain_sgd_is_p_minus_lr_g_exactly)
{
    for (int e = 0; e <= 20; e++)
        for (int maximize = 0; maximize < 2; maximize++)
            check_plain_sgd(ldexp(1.0, -e), true, maximize, 0x5600u + (unsigned)e);
}

Test(optim_invariants, plain_sgd_is_one_fma_for_any_lr)
{
    lr_test_rng r = {0x5601};
    for (int trial = 0; trial < 100; trial++)
        check_plain_sgd(rng_log_uniform(&r, 1e-7, 10.0), false, trial % 2, rng_next(&r));
}

/* ---- Adam's first step ------------------------------------------------------------------------
 * At step 1, with m0 = v0 = 0 and d the gradient (negated for maximize, plus wd*p for Adam's L2):
 *   m1 = (1-b1) d,  v1 = (1-b2) d^2,
 *   step_size = lr / (1-b1),  denom = sqrt(v1) / sqrt(1-b2) + eps = |d| + eps,
 *   p1 = p0' - step_size * m1 / denom = p0' - lr * d / (|d| + eps),
 * where p0' = p0 for Adam and p0 (1 - lr wd) for AdamW. The betas cancel: every coordinate moves by
 * lr |d| / (|d| + eps), i.e. by lr as soon as |d| >> eps. (PyTorch adds eps after the bias
 * correction of the denominator; adding it to sqrt(v1) first would give lr |d| / (|d| +
 * eps / sqrt(1-b2)) instead.)
 * Rounding: m1 (2 roundings: 1-b1, the product), v1 (3: 1-b2 and two products; halved by sqrt),
 * sqrt, sqrt(1-b2), the division, eps and the addition, step_size, the product and the quotient:
 * at most 10.5 U relative in the move to first order, 1 U more for Adam's L2 term (fmaf). We allow
 * 13 U relative to the move, plus half an ulp of p1 for the final addition and 2 U of |p0'| for
 * AdamW's decay (1 - lr wd rounded, then the product). */
#define ADAM_FIRST_STEP_U 13.0

static void check_adam_first_step(bool from_zero, uint64_t seed)
{
    table_set ts = tables();
    lr_test_rng r = {seed};
    for (int trial = 0; trial < 200; trial++) {
        lr_optim_config cfg = random_config(rng_below(&r, 2) ? LR_OPT_ADAM : LR_OPT_ADAMW, &r);
        cfg.beta1 = rng_below(&r, 8) ? rng_range(&r, 0.0, 0.9999) : 0.0;
        cfg.beta2 = 1.0 - rng_log_uniform(&r, 1e-4, 1.0);
        cfg.eps = rng_log_uniform(&r, 1e-12, 1e2);
        size_t n = 1 + rng_below(&r, 40);
        float *p = malloc(n * sizeof *p), *p0 = malloc(n * sizeof *p0),
              *g = malloc(n * sizeof *g);
        for (size_t i = 0; i < n; i++) {
            p0[i] = from_zero ? 0.0f : ordinary(&r, 1.0f);
            g[i] = ordinary(&r, 1.0f);
        }
        bool adamw = cfg.kind == LR_OPT_ADAMW;
        for (int k = 0; k < ts.n; k++) {
            lr_optimizer opt;
            cr_assert_eq(lr_optimizer_init(&opt, &cfg, n, ts.t[k]), 0);
            memcpy(p, p0, n * sizeof *p);
            lr_optimizer_step(&opt, cfg.lr, p, g);
            for (size_t i = 0; i < n; i++) {
                double d = cfg.maximize ? -(double)g[i] : (double)g[i];
                if (!adamw)
                    d += cfg.weight_decay * (double)p0[i];
                double start = adamw ? (double)p0[i] * (1.0 - cfg.lr * cfg.weight_decay) : p0[i];
                double move = -cfg.lr * d / (fabs(d) + cfg.eps);
                double want = start + move;
                double tol = 0.5 * ulp(p[i]) + ADAM_FIRST_STEP_U * U * fabs(move) +
                             (adamw ? 2.0 * U * fabs(start) : 0.0);
                cr_assert_leq(fabs((double)p[i] - want), tol,
                              "%s (%s) lr=%.9g b1=%.9g b2=%.9g eps=%.9g wd=%.9g ams=%d max=%d: "
                              "p0=%.9g g=%.9g -> p1=%.9g, formula %.12g (off by %.3g ulp)",
                              lr_optim_name(cfg.kind), ts.t[k]->impl, cfg.lr, cfg.beta1,
                              cfg.beta2, cfg.eps, cfg.weight_decay, cfg.amsgrad, cfg.maximize,
                              (double)p0[i], (double)g[i], (double)p[i], want,
                              fabs((double)p[i] - want) / ulp(p[i]));
            }
            lr_optimizer_free(&opt);
        }
        free(p);
        free(p0);
        free(g);
    }
}

Test(optim_invariants, adam_first_step_from_zero_matches_formula)
{
    check_adam_first_step(true, 0xada0);
}

Test(optim_invariants, adam_first_step_from_any_start_matches_formula)
{
    check_adam_first_step(false, 0xada1);
}

/* The headline: with the default eps and gradients far above it, each coordinate moves by lr
 * (within eps/|g| <= 1e-5 and the rounding above), whatever the betas and the gradient's scale. */
Test(optim_invariants, adam_first_step_moves_each_coordinate_by_lr)
{
    table_set ts = tables();
    lr_test_rng r = {0xada2};
    for (int trial = 0; trial < 100; trial++) {
        lr_optim_config cfg = lr_optim_defaults(LR_OPT_ADAM);
        cfg.lr = rng_log_uniform(&r, 1e-6, 1.0);
        cfg.beta1 = rng_range(&r, 0.0, 0.999);
        cfg.beta2 = rng_range(&r, 0.0, 0.9999);
        float g[32], p[32];
        for (size_t i = 0; i < 32; i++)
            g[i] = (float)(rng_below(&r, 2) ? 1 : -1) * (float)rng_log_uniform(&r, 1e-3, 1e3);
        for (int k = 0; k < ts.n; k++) {
            lr_optimizer opt;
            cr_assert_eq(lr_optimizer_init(&opt, &cfg, 32, ts.t[k]), 0);
            memset(p, 0, sizeof p);
            lr_optimizer_step(&opt, cfg.lr, p, g);
            for (size_t i = 0; i < 32; i++) {
                cr_assert_leq(fabs(fabs((double)p[i]) - cfg.lr), cfg.lr * (1e-5 + 13.0 * U),
                              "%s: |move| = %.9g for lr %.9g (g = %.9g)", ts.t[k]->impl,
                              (double)p[i], cfg.lr, (double)g[i]);
                cr_assert(signbit(p[i]) != signbit(g[i]), "the move must be against the gradient");
            }
            lr_optimizer_free(&opt);
        }
    }
}

/* ---- maximize, AdamW without decay --------------------------------------------------------- */

/* Runs a and b (same n, same table) through `steps` steps with gradients ga and gb = f(ga) and
 * requires bitwise equal parameters and state after every step. */
static void run_pair(const lr_optim_config *ca, const lr_optim_config *cb, const lr_kernels *t,
                     bool negate_b, uint64_t seed, const char *what)
{
    lr_test_rng r = {seed};
    size_t n = rng_below(&r, 70);
    float *pa = malloc((n + 1) * sizeof *pa), *pb = malloc((n + 1) * sizeof *pb),
          *ga = malloc((n + 1) * sizeof *ga), *gb = malloc((n + 1) * sizeof *gb);
    lr_optimizer a, b;
    cr_assert_eq(lr_optimizer_init(&a, ca, n, t), 0);
    cr_assert_eq(lr_optimizer_init(&b, cb, n, t), 0);
    for (size_t i = 0; i < n; i++)
        pa[i] = pb[i] = rng_float(&r, 1.0f, 0.02);
    for (int step = 1; step <= 30; step++) {
        double lr = ca->lr * rng_log_uniform(&r, 0.5, 2.0);
        for (size_t i = 0; i < n; i++) {
            ga[i] = rng_float(&r, (float)rng_log_uniform(&r, 1e-3, 1e3), 0.02);
            /* the negated gradient: the sign bit flipped, NaNs included */
            gb[i] = negate_b ? from_bits(bits_of(ga[i]) ^ 0x80000000u) : ga[i];
        }
        lr_optimizer_step(&a, lr, pa, ga);
        lr_optimizer_step(&b, lr, pb, gb);
        const char *array = "param";
        bool ok = same_floats(pa, pb, n) && same_state(&a, &b, &array);
        cr_assert(ok, "%s: %s (%s, seed %#" PRIx64 ", n %zu) differs at step %d", what, array,
                  t->impl, seed, n, step);
    }
    lr_optimizer_free(&a);
    lr_optimizer_free(&b);
    free(pa);
    free(pb);
    free(ga);
    free(gb);
}

Test(optim_invariants, maximize_equals_minimizing_the_negated_gradient)
{
    table_set ts = tables();
    lr_test_rng r = {0x3a7};
    for (int kind = 0; kind < LR_OPT_COUNT; kind++) {
        for (int trial = 0; trial < 30; trial++) {
            lr_optim_config up = random_config((lr_optim_kind)kind, &r), down = up;
            up.maximize = true;
            down.maximize = false;
            uint64_t seed = rng_next(&r);
            for (int k = 0; k < ts.n; k++)
                run_pair(&up, &down, ts.t[k], true, seed, lr_optim_name(up.kind));
        }
    }
}

Test(optim_invariants, adamw_without_weight_decay_equals_adam)
{
    table_set ts = tables();
    lr_test_rng r = {0xada3};
    for (int trial = 0; trial < 60; trial++) {
        lr_optim_config adam = random_config(LR_OPT_ADAM, &r), adamw = adam;
        adam.weight_decay = 0.0;
        adamw.kind = LR_OPT_ADAMW;
        adamw.weight_decay = 0.0;
        uint64_t seed = rng_next(&r);
        for (int k = 0; k < ts.n; k++)
            run_pair(&adamw, &adam, ts.t[k], false, seed, "adamw(wd=0) vs adam");
    }
}

/* ---- Adagrad: initial accumulator and lr_decay ----------------------------------------------- */

/* PyTorch starts state_sum at initial_accumulator_value. With g = +-2^k, eps = 0, lr a power of
 * two and the accumulator at 3 g^2, the first step's sum is 4 g^2, its root 2|g|: the step is
 * exactly lr/2 against the gradient, where an empty accumulator gives exactly lr. */
Test(optim_invariants, adagrad_initial_accumulator_seeds_the_sum)
{
    table_set ts = tables();
    for (int k = 0; k < ts.n; k++) {
        for (int e = -6; e <= 6; e++) {
            for (int seeded = 0; seeded < 2; seeded++) {
                float g[2] = {ldexpf(1.0f, e), -ldexpf(1.0f, e)}, p[2] = {1.0f, 1.0f};
                lr_optim_config cfg = lr_optim_defaults(LR_OPT_ADAGRAD);
                cfg.lr = 0.25;
                cfg.eps = 0.0;
                cfg.initial_accumulator_value = seeded ? 3.0 * g[0] * g[0] : 0.0;
                lr_optimizer opt;
                cr_assert_eq(lr_optimizer_init(&opt, &cfg, 2, ts.t[k]), 0);
                for (int i = 0; i < 2; i++)
                    cr_assert_eq(opt.state_sum[i], (float)cfg.initial_accumulator_value);
                lr_optimizer_step(&opt, cfg.lr, p, g);
                float move = seeded ? 0.125f : 0.25f;
                cr_assert_eq(p[0], 1.0f - move, "%s g=2^%d seeded=%d: p = %a", ts.t[k]->impl, e,
                             seeded, (double)p[0]);
                cr_assert_eq(p[1], 1.0f + move, "%s g=-2^%d seeded=%d: p = %a", ts.t[k]->impl, e,
                             seeded, (double)p[1]);
                cr_assert_eq(opt.state_sum[0], (seeded ? 4.0f : 1.0f) * g[0] * g[0]);
                lr_optimizer_free(&opt);
            }
        }
    }
}

/* Step t uses clr = lr / (1 + (t-1) lr_decay): the first step is undecayed. With g = 1 every step,
 * no accumulator and eps = 0 the sum after t steps is exactly t, so the move of step t is
 * clr / sqrt(t); rounding (clr, sqrt, the quotient) is 3 U of the move, allowed 4 U, plus half an
 * ulp of p for the addition. */
Test(optim_invariants, adagrad_lr_decay_follows_the_documented_rate)
{
    table_set ts = tables();
    lr_test_rng r = {0xada9};
    for (int trial = 0; trial < 20; trial++) {
        lr_optim_config cfg = lr_optim_defaults(LR_OPT_ADAGRAD);
        cfg.lr = rng_log_uniform(&r, 1e-3, 1.0);
        cfg.lr_decay = trial == 0 ? 0.0 : rng_log_uniform(&r, 1e-3, 10.0);
        cfg.eps = 0.0;
        for (int k = 0; k < ts.n; k++) {
            lr_optimizer opt;
            cr_assert_eq(lr_optimizer_init(&opt, &cfg, 1, ts.t[k]), 0);
            float p = 0.0f, g = 1.0f;
            for (int t = 1; t <= 100; t++) {
                float before = p;
                lr_optimizer_step(&opt, cfg.lr, &p, &g);
                double move = -cfg.lr / (1.0 + (t - 1) * cfg.lr_decay) / sqrt((double)t);
                double want = (double)before + move;
                cr_assert_leq(fabs((double)p - want), 0.5 * ulp(p) + 4.0 * U * fabs(move),
                              "%s lr=%.9g lr_decay=%.9g step %d: p = %.9g, formula %.12g",
                              ts.t[k]->impl, cfg.lr, cfg.lr_decay, t, (double)p, want);
                cr_assert_eq(opt.state_sum[0], (float)t);
            }
            lr_optimizer_free(&opt);
        }
    }
}

/* lr_decay is the same as handing lr / (1 + (t-1) lr_decay) to an undecayed Adagrad at step t:
 * bitwise, since both compute that rate in double and round it once. */
Test(optim_invariants, adagrad_lr_decay_equals_a_schedule)
{
    table_set ts = tables();
    lr_test_rng r = {0xadaa};
    for (int trial = 0; trial < 20; trial++) {
        lr_optim_config decayed = random_config(LR_OPT_ADAGRAD, &r), plain = decayed;
        decayed.lr_decay = rng_log_uniform(&r, 1e-4, 1.0);
        plain.lr_decay = 0.0;
        size_t n = 1 + rng_below(&r, 50);
        float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb),
              *g = malloc(n * sizeof *g);
        for (int k = 0; k < ts.n; k++) {
            lr_optimizer a, b;
            cr_assert_eq(lr_optimizer_init(&a, &decayed, n, ts.t[k]), 0);
            cr_assert_eq(lr_optimizer_init(&b, &plain, n, ts.t[k]), 0);
            for (size_t i = 0; i < n; i++)
                pa[i] = pb[i] = ordinary(&r, 1.0f);
            for (long t = 1; t <= 50; t++) {
                for (size_t i = 0; i < n; i++)
                    g[i] = ordinary(&r, 1.0f);
                lr_optimizer_step(&a, decayed.lr, pa, g);
                lr_optimizer_step(&b, decayed.lr / (1.0 + (double)(t - 1) * decayed.lr_decay), pb,
                                  g);
                cr_assert(same_floats(pa, pb, n), "%s step %ld: lr_decay %.9g differs from the "
                          "equivalent schedule", ts.t[k]->impl, t, decayed.lr_decay);
            }
            lr_optimizer_free(&a);
            lr_optimizer_free(&b);
        }
        free(pa);
        free(pb);
        free(g);
    }
}

/* ---- RMSprop, centered, constant gradient --------------------------------------------------
 * With d = g constant and alpha = 1/2: square_avg_t = (1 - 2^-t) g^2, grad_avg_t = (1 - 2^-t) g,
 * so the centered variance is v - ga^2 = 2^-t (1 - 2^-t) g^2 and the step is
 *   -lr g / (|g| sqrt(2^-t (1 - 2^-t)) + eps).
 * For g = +-2^k and t <= 12 all of v, ga, ga^2 and their difference are exact in float, leaving
 * the sqrt, + eps and the quotient: 3 U, allowed 4 U (lr is a power of two, so lr*g is exact).
 * From t = 25 on, 1 - 2^-t rounds to 1: v = g^2 and ga = g exactly, the variance is exactly 0 and
 * every step is exactly lr*g/eps: a constant gradient drives centered RMSprop to steps of size
 * lr |g| / eps. Plain RMSprop, with the same square_avg, never steps further than centered. */
Test(optim_invariants, rmsprop_centered_with_constant_gradient)
{
    table_set ts = tables();
    for (int k = 0; k < ts.n; k++) {
        for (int e = -3; e <= 3; e++) {
            for (int sign = -1; sign <= 1; sign += 2) {
                lr_optim_config cfg = lr_optim_defaults(LR_OPT_RMSPROP);
                cfg.lr = 0x1p-10;
                cfg.alpha = 0.5;
                cfg.eps = 1e-8;
                cfg.centered = true;
                lr_optim_config plain_cfg = cfg;
                plain_cfg.centered = false;
                lr_optimizer opt, plain;
                cr_assert_eq(lr_optimizer_init(&opt, &cfg, 1, ts.t[k]), 0);
                cr_assert_eq(lr_optimizer_init(&plain, &plain_cfg, 1, ts.t[k]), 0);
                float g = (float)sign * ldexpf(1.0f, e), p = 0.0f, q = 0.0f;
                float eps = (float)cfg.eps, neg_lr = (float)-cfg.lr;
                for (int t = 1; t <= 40; t++) {
                    float before = p, before_q = q;
                    lr_optimizer_step(&opt, cfg.lr, &p, &g);
                    lr_optimizer_step(&plain, cfg.lr, &q, &g);
                    cr_assert_eq(opt.square_avg[0], plain.square_avg[0]);
                    cr_assert_geq(fabs((double)p - before), fabs((double)q - before_q),
                                  "%s step %d: centered moved less than plain", ts.t[k]->impl, t);
                    if (t <= 12) {
                        double w = 1.0 - ldexp(1.0, -t);
                        cr_assert_eq(opt.square_avg[0], (float)(w * g * g));
                        cr_assert_eq(opt.grad_avg[0], (float)(w * g));
                        double move = -cfg.lr * g / (fabs(g) * sqrt(ldexp(1.0, -t) * w) + eps);
                        cr_assert_leq(fabs((double)p - (before + move)),
                                      0.5 * ulp(p) + 4.0 * U * fabs(move),
                                      "%s g=%g step %d: p = %.9g, formula %.12g", ts.t[k]->impl,
                                      (double)g, t, (double)p, before + move);
                    } else if (t >= 25) {
                        cr_assert_eq(opt.square_avg[0], g * g);
                        cr_assert_eq(opt.grad_avg[0], g);
                        float want = before + (neg_lr * g) / eps;
                        cr_assert_eq(bits_of(p), bits_of(want), "%s g=%g step %d: p = %a, "
                                     "expected %a", ts.t[k]->impl, (double)g, t, (double)p,
                                     (double)want);
                    }
                }
                lr_optimizer_free(&opt);
                lr_optimizer_free(&plain);
            }
        }
    }
}

/* ---- validation: exactly PyTorch 1.13's ValueErrors, plus NaN -------------------------------- */

/* How PyTorch 1.13's constructor (torch/optim/<name>.py) checks a hyperparameter. */
typedef enum rule {
    NONNEG,       /* `not 0.0 <= x` raises (NaN raises too) */
    SGD_NONNEG,   /* SGD writes `x < 0.0`: NaN passes in PyTorch; lrlab rejects NaN anyway */
    UNIT_OPEN,    /* `not 0.0 <= x < 1.0` raises: betas */
    UNCHECKED,    /* no check in PyTorch: SGD's dampening */
} rule;

typedef struct field_rule {
    lr_optim_kind kind;
    const char *field;
    size_t offset;
    rule rule;
} field_rule;

#define F(kind, field, rule) {kind, #field, offsetof(lr_optim_config, field), rule}
static const field_rule field_rules[] = {
    F(LR_OPT_SGD, lr, SGD_NONNEG),
    F(LR_OPT_SGD, momentum, SGD_NONNEG),
    F(LR_OPT_SGD, dampening, UNCHECKED),
    F(LR_OPT_SGD, weight_decay, SGD_NONNEG),
    F(LR_OPT_ADAGRAD, lr, NONNEG),
    F(LR_OPT_ADAGRAD, lr_decay, NONNEG),
    F(LR_OPT_ADAGRAD, weight_decay, NONNEG),
    F(LR_OPT_ADAGRAD, initial_accumulator_value, NONNEG),
    F(LR_OPT_ADAGRAD, eps, NONNEG),
    F(LR_OPT_RMSPROP, lr, NONNEG),
    F(LR_OPT_RMSPROP, alpha, NONNEG),
    F(LR_OPT_RMSPROP, eps, NONNEG),
    F(LR_OPT_RMSPROP, weight_decay, NONNEG),
    F(LR_OPT_RMSPROP, momentum, NONNEG),
    F(LR_OPT_ADAM, lr, NONNEG),
    F(LR_OPT_ADAM, beta1, UNIT_OPEN),
    F(LR_OPT_ADAM, beta2, UNIT_OPEN),
    F(LR_OPT_ADAM, eps, NONNEG),
    F(LR_OPT_ADAM, weight_decay, NONNEG),
    F(LR_OPT_ADAMW, lr, NONNEG),
    F(LR_OPT_ADAMW, beta1, UNIT_OPEN),
    F(LR_OPT_ADAMW, beta2, UNIT_OPEN),
    F(LR_OPT_ADAMW, eps, NONNEG),
    F(LR_OPT_ADAMW, weight_decay, NONNEG),
};
#undef F

/* Python's verdict on x under the rule (IEEE comparisons: every comparison with NaN is false). */
static bool pytorch_accepts(rule rl, double x)
{
    switch (rl) {
    case NONNEG:
        return 0.0 <= x;
    case SGD_NONNEG:
        return !(x < 0.0);
    case UNIT_OPEN:
        return 0.0 <= x && x < 1.0;
    default:
        return true;
    }
}

/* The config PyTorch would build with only this keyword changed (SGD needs its lr). */
static lr_optim_config with_field(lr_optim_kind kind, size_t offset, double value)
{
    lr_optim_config c = lr_optim_defaults(kind);
    if (kind == LR_OPT_SGD)
        c.lr = 0.1;
    memcpy((char *)&c + offset, &value, sizeof value);
    return c;
}

Test(optim_invariants, validation_rejects_what_pytorch_rejects_plus_nan)
{
    static const double values[] = {-INFINITY, -1.0, -1e-300, -0.0, 0.0, 1e-300, 0.5,
                                    0.999999999, 1.0, 2.0, 1e300, INFINITY, NAN};
    for (size_t f = 0; f < sizeof field_rules / sizeof field_rules[0]; f++) {
        const field_rule *fr = &field_rules[f];
        for (size_t v = 0; v < sizeof values / sizeof values[0]; v++) {
            lr_optim_config c = with_field(fr->kind, fr->offset, values[v]);
            bool want_ok = pytorch_accepts(fr->rule, values[v]) && !isnan(values[v]);
            lr_config_error err;
            int rc = lr_optim_validate(&c, &err);
            cr_assert_eq(rc == 0, want_ok, "%s %s=%g: lrlab %s, PyTorch 1.13 (+NaN) %s",
                         lr_optim_name(fr->kind), fr->field, values[v],
                         rc == 0 ? "accepts" : "rejects", want_ok ? "accepts" : "rejects");
            if (!want_ok) {
                cr_assert_not_null(err.field);
                cr_assert_str_eq(err.field, fr->field, "%s %s=%g blamed on %s",
                                 lr_optim_name(fr->kind), fr->field, values[v], err.field);
                cr_assert_neq(err.message[0], '\0');
            } else {
                cr_assert_null(err.field);
            }
        }
    }
}

/* sgd.py: `if nesterov and (momentum <= 0 or dampening != 0)` raises; lr is required. */
Test(optim_invariants, validation_of_sgd_nesterov_and_required_lr)
{
    static const struct {
        double momentum, dampening;
        bool ok;
    } cases[] = {
        {0.9, 0.0, true},   {0.9, -0.0, true},  {INFINITY, 0.0, true}, {1e-300, 0.0, true},
        {0.0, 0.0, false},  {-0.0, 0.0, false}, {0.9, 0.1, false},     {0.9, -0.1, false},
        {0.9, 1.0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lr_optim_config c = lr_optim_defaults(LR_OPT_SGD);
        c.lr = 0.1;
        c.nesterov = true;
        c.momentum = cases[i].momentum;
        c.dampening = cases[i].dampening;
        lr_config_error err;
        int rc = lr_optim_validate(&c, &err);
        cr_assert_eq(rc == 0, cases[i].ok, "nesterov momentum=%g dampening=%g", c.momentum,
                     c.dampening);
        if (!cases[i].ok)
            cr_assert_str_eq(err.field, "nesterov");
        c.nesterov = false; /* without Nesterov PyTorch takes any dampening, momentum >= 0 */
        cr_assert_eq(lr_optim_validate(&c, &err) == 0, !(c.momentum < 0.0));
    }
    lr_optim_config c = lr_optim_defaults(LR_OPT_SGD);
    lr_config_error err;
    cr_assert_neq(lr_optim_validate(&c, &err), 0, "sgd without lr must be rejected");
    cr_assert_str_eq(err.field, "lr");
    cr_assert(strstr(err.message, "required"), "message: %s", err.message);
}

/* PyTorch's defaults are accepted as they are (SGD's once lr is given). */
Test(optim_invariants, validation_accepts_pytorch_defaults)
{
    for (int kind = 0; kind < LR_OPT_COUNT; kind++) {
        lr_optim_config c = lr_optim_defaults((lr_optim_kind)kind);
        if (kind == LR_OPT_SGD)
            c.lr = 0.1;
        lr_config_error err;
        cr_assert_eq(lr_optim_validate(&c, &err), 0, "%s defaults rejected: %s",
                     lr_optim_name((lr_optim_kind)kind), err.message);
    }
}
