/* C07-C16 invariants of the closed forms and of ReduceLROnPlateau: decays never increase, cosine and
 * cyclic schedules are periodic and hit their documented values exactly, warmup lands on the base
 * rate at W, one-cycle peaks where PyTorch documents it, plateau waits for `patience` bad epochs. */
#include <criterion/criterion.h>
#include <math.h>

#include "helpers.h"
#include "schedule_cases.h"

enum { CONFIGS = 200, SPAN = 3000 };

/* Documented values (decimal literals, themselves rounded) within a few ULPs. */
#define assert_ulps(x, want, k) \
    cr_assert(lr_ulp_error((x), (want), 0.0) <= (k), "%s = %.17g, want %.17g within %d ULPs", #x, (x), (want), (k))

/* ---- Decays -------------------------------------------------------------------------------- */

static void check_non_increasing(const lr_schedule *s, long t0, long span, uint64_t seed)
{
    double prev = lr_schedule_lr(s, t0);
    for (long t = t0 + 1; t < t0 + span; t++) {
        double lr = lr_schedule_lr(s, t);
        cr_assert(lr <= prev, "%s seed %llu: rate rises from %.17g to %.17g at step %ld",
                  lr_schedule_name(s->kind), (unsigned long long)seed, prev, lr, t);
        prev = lr;
    }
}

Test(schedule_props, decays_never_increase)
{
    const lr_schedule_kind kinds[] = {LR_SCHED_STEP, LR_SCHED_MULTISTEP, LR_SCHED_EXPONENTIAL,
                                      LR_SCHED_POLYNOMIAL, LR_SCHED_LINEAR, LR_SCHED_INVERSE_TIME};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
            lr_test_rng r = {seed * 31 + k};
            lr_schedule s = random_schedule(&r, kinds[k]);
            if (s.gamma > 1.0)
                s.gamma = 1.0 / s.gamma;
            if (s.kind == LR_SCHED_LINEAR && s.end_factor > s.start_factor)
                s.end_factor = s.start_factor * rng_uniform(&r);
            if (s.keras) { /* Keras PolynomialDecay decays when it does not cycle and ends lower */
                s.cycle = false;
                if (s.end_learning_rate > s.lr)
                    s.end_learning_rate = s.lr * rng_uniform(&r);
            }
            check_non_increasing(&s, 0, SPAN, seed);
            check_non_increasing(&s, random_step(&r, SPAN), SPAN, seed);
        }
    }
}

Test(schedule_props, documented_values_of_the_decays)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_STEP);
    s.lr = 0.05, s.step_size = 30, s.gamma = 0.1;
    cr_assert_eq(lr_schedule_lr(&s, 29), 0.05);
    assert_ulps(lr_schedule_lr(&s, 30), 0.005, 2);
    assert_ulps(lr_schedule_lr(&s, 60), 0.0005, 2);
    s = lr_schedule_defaults(LR_SCHED_CONSTANT); /* PyTorch's docstring: factor 0.5, total_iters 4 */
    s.lr = 0.05, s.factor = 0.5, s.total_iters = 4;
    cr_assert_eq(lr_schedule_lr(&s, 3), 0.025);
    cr_assert_eq(lr_schedule_lr(&s, 4), 0.05);
    s = lr_schedule_defaults(LR_SCHED_LINEAR); /* 0.025, 0.03125, 0.0375, 0.04375, 0.05 */
    s.lr = 0.05, s.start_factor = 0.5, s.total_iters = 4;
    const double linear[] = {0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05};
    for (long t = 0; t < 6; t++)
        assert_ulps(lr_schedule_lr(&s, t), linear[t], 2);
    cr_assert_eq(lr_schedule_lr(&s, 4), 0.05, "the end factor 1 is hit exactly");
    s = lr_schedule_defaults(LR_SCHED_POLYNOMIAL); /* 0.001, 0.00075, 0.0005, 0.00025, 0 */
    s.lr = 0.001, s.total_iters = 4;
    const double poly[] = {0.001, 0.00075, 0.0005, 0.00025, 0.0, 0.0};
    for (long t = 0; t < 6; t++)
        assert_ulps(lr_schedule_lr(&s, t), poly[t], 2);
    s = lr_schedule_defaults(LR_SCHED_MULTISTEP); /* a repeated milestone decays twice */
    s.lr = 1.0, s.gamma = 0.5, s.n_milestones = 3;
    s.milestones[0] = 10, s.milestones[1] = 3, s.milestones[2] = 10;
    cr_assert_eq(lr_schedule_lr(&s, 2), 1.0);
    cr_assert_eq(lr_schedule_lr(&s, 3), 0.5);
    cr_assert_eq(lr_schedule_lr(&s, 10), 0.125);
    s = lr_schedule_defaults(LR_SCHED_INVERSE_TIME); /* Keras: lr / (1 + rate * floor(t / steps)) */
    s.lr = 0.1, s.decay_steps = 10, s.decay_rate = 0.5, s.staircase = true;
    cr_assert_eq(lr_schedule_lr(&s, 9), 0.1);
    cr_assert_eq(lr_schedule_lr(&s, 10), 0.1 / 1.5);
    s = lr_schedule_defaults(LR_SCHED_EXPONENTIAL); /* Keras: lr * rate^floor(t / steps) */
    s.lr = 0.1, s.gamma = 0.5, s.decay_steps = 10, s.staircase = true;
    cr_assert_eq(lr_schedule_lr(&s, 19), 0.05);
    cr_assert_eq(lr_schedule_lr(&s, 20), 0.025);
}

/* ---- Cosine annealing ------------------------------------------------------------------------ */

Test(schedule_props, cosine_is_periodic_and_hits_base_and_eta_min)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed};
        lr_schedule s = random_schedule(&r, LR_SCHED_COSINE);
        long T = s.T_max, k = (long)rng_below(&r, 1000);
        long big = (random_step(&r, 2004 * T) / (2 * T)) * (2 * T);
        for (long base = 0; base <= big; base += big > 0 ? big : 1) {
            cr_assert_eq(lr_schedule_lr(&s, base + 2 * k * T), s.lr, "seed %llu: peak", (unsigned long long)seed);
            cr_assert_eq(lr_schedule_lr(&s, base + (2 * k + 1) * T), s.eta_min, "seed %llu: eta_min at the end "
                         "of the period", (unsigned long long)seed);
        }
        for (int i = 0; i < 50; i++) {
            long t = random_step(&r, 2 * T);
            cr_assert_eq(lr_schedule_lr(&s, t + 2 * T), lr_schedule_lr(&s, t), "seed %llu: period 2 T_max",
                         (unsigned long long)seed);
        }
        if (s.eta_min <= s.lr / 2 && T <= 100000) { /* falls through the first half period, rises back */
            for (long t = 0; t < T; t++)
                cr_assert(lr_schedule_lr(&s, t + 1) <= lr_schedule_lr(&s, t), "seed %llu: rises at %ld",
                          (unsigned long long)seed, t);
            for (long t = T; t < 2 * T; t++)
                cr_assert(lr_schedule_lr(&s, t + 1) >= lr_schedule_lr(&s, t), "seed %llu: falls at %ld",
                          (unsigned long long)seed, t);
        }
    }
}

Test(schedule_props, cosine_midpoint_is_the_mean)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_COSINE);
    s.lr = 0.1, s.T_max = 100, s.eta_min = 0.02;
    assert_ulps(lr_schedule_lr(&s, 50), 0.06, 2);
    assert_ulps(lr_schedule_lr(&s, 150), 0.06, 2);
}

Test(schedule_props, warm_restarts_restart_at_the_right_steps)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed * 977};
        lr_schedule s = random_schedule(&r, LR_SCHED_COSINE_RESTARTS);
        if (s.T_0 > 2000)
            s.T_0 = 1 + s.T_0 % 2000;
        if (s.T_mult > 4)
            s.T_mult = 4;
        s.eta_min = fmin(s.eta_min, s.lr / 2);
        long start = 0, Ti = s.T_0;
        for (int cycle = 0; cycle < 6 && start < 200000; cycle++) {
            cr_assert_eq(lr_schedule_lr(&s, start), s.lr, "seed %llu: cycle %d starts at step %ld",
                         (unsigned long long)seed, cycle, start);
            for (long t = start; t + 1 < start + Ti; t++)
                cr_assert(lr_schedule_lr(&s, t + 1) <= lr_schedule_lr(&s, t), "seed %llu: rises inside a "
                          "cycle at %ld", (unsigned long long)seed, t);
            if (Ti > 1)
                cr_assert(lr_schedule_lr(&s, start + Ti - 1) < s.lr);
            if (s.T_mult == 1) /* periodic with period T_0 */
                for (long t = start; t < start + Ti; t++)
                    cr_assert_eq(lr_schedule_lr(&s, t + Ti), lr_schedule_lr(&s, t));
            start += Ti;
            Ti *= s.T_mult;
        }
    }
}

/* ---- Cyclic ---------------------------------------------------------------------------------- */

Test(schedule_props, cyclic_hits_base_and_max_and_repeats)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed * 13};
        lr_schedule s = random_schedule(&r, LR_SCHED_CYCLIC);
        s.cyclic_mode = LR_CYCLIC_TRIANGULAR;
        s.cycle_momentum = true;
        long up = s.step_size_up, down = s.step_size_down < 0 ? up : s.step_size_down, total = up + down;
        for (int i = 0; i < 20; i++) {
            long c = (long)rng_below(&r, 1000), start = c * total;
            cr_assert_eq(lr_schedule_lr(&s, start), s.base_lr, "seed %llu: base_lr at a cycle start",
                         (unsigned long long)seed);
            cr_assert_eq(lr_schedule_momentum(&s, start), s.max_momentum);
            if (down > 0) {
                cr_assert_eq(lr_schedule_lr(&s, start + up), s.max_lr, "seed %llu: max_lr at the peak",
                             (unsigned long long)seed);
                cr_assert_eq(lr_schedule_momentum(&s, start + up), s.base_momentum);
            }
            long t = random_step(&r, total);
            cr_assert_eq(lr_schedule_lr(&s, t + total), lr_schedule_lr(&s, t), "seed %llu: period",
                         (unsigned long long)seed);
        }
    }
}

Test(schedule_props, cyclic_triangular2_halves_and_exp_range_shrinks)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_CYCLIC);
    s.lr = s.base_lr = 0.01, s.max_lr = 0.09, s.step_size_up = 5, s.step_size_down = 3;
    s.cyclic_mode = LR_CYCLIC_TRIANGULAR2;
    for (long c = 0; c < 10; c++) {
        double peak = lr_schedule_lr(&s, c * 8 + 5);
        /* within 1e-16, about 7 ULPs of max_lr: the subtraction is only for checking */
        cr_assert_float_eq(peak - 0.01, 0.08 / (double)(1L << c), 1e-16, "cycle %ld", c + 1);
        cr_assert_eq(lr_schedule_lr(&s, c * 8), 0.01);
    }
    s.cyclic_mode = LR_CYCLIC_EXP_RANGE;
    s.gamma = 0.99;
    for (long t = 0; t < 400; t++) {
        double lr = lr_schedule_lr(&s, t);
        s.cyclic_mode = LR_CYCLIC_TRIANGULAR;
        double tri = lr_schedule_lr(&s, t);
        s.cyclic_mode = LR_CYCLIC_EXP_RANGE;
        cr_assert(lr <= tri && lr >= 0.01, "step %ld", t);
        cr_assert_float_eq(lr - 0.01, (tri - 0.01) * pow(0.99, (double)t), 1e-16);
    }
}

/* ---- One-cycle --------------------------------------------------------------------------------- */

Test(schedule_props, onecycle_peaks_at_max_lr_and_ends_at_min_lr)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed * 101};
        lr_schedule s = random_schedule(&r, LR_SCHED_ONECYCLE);
        s.total_steps = 10 + (long)rng_below(&r, 5000);
        s.pct_start = (double)(2 + rng_below(&r, (size_t)s.total_steps / 2 - 3)) / (double)s.total_steps;
        s.cycle_momentum = true;
        double e1 = s.pct_start * (double)s.total_steps - 1.0;
        double initial = s.max_lr / s.div_factor, min_lr = initial / s.final_div_factor;
        cr_assert_eq(lr_schedule_lr(&s, 0), initial, "seed %llu: starts at max_lr/div_factor",
                     (unsigned long long)seed);
        cr_assert_eq(lr_schedule_momentum(&s, 0), s.max_momentum);
        cr_assert_eq(lr_schedule_lr(&s, s.total_steps - 1), min_lr,
                     "seed %llu: ends at initial_lr/final_div_factor", (unsigned long long)seed);
        if (e1 != floor(e1))
            continue;
        long peak = (long)e1; /* PyTorch's end of phase 1: pct_start * total_steps - 1 */
        cr_assert_eq(lr_schedule_lr(&s, peak), s.max_lr, "seed %llu: max_lr at step %ld",
                     (unsigned long long)seed, peak);
        cr_assert_eq(lr_schedule_momentum(&s, peak), s.base_momentum);
        for (long t = 0; t < s.total_steps; t++)
            cr_assert(lr_schedule_lr(&s, t) <= s.max_lr, "seed %llu: above max_lr at %ld",
                      (unsigned long long)seed, t);
        if (s.three_phase && 2 * peak < s.total_steps - 1)
            cr_assert_eq(lr_schedule_lr(&s, 2 * peak), initial, "seed %llu: back to initial_lr",
                         (unsigned long long)seed);
    }
}

/* ---- Warmup and chains ------------------------------------------------------------------------- */

Test(schedule_props, warmup_reaches_the_base_rate_exactly_at_w)
{
    const lr_schedule_kind kinds[] = {LR_SCHED_STEP, LR_SCHED_EXPONENTIAL, LR_SCHED_POLYNOMIAL,
                                      LR_SCHED_INVERSE_TIME, LR_SCHED_COSINE, LR_SCHED_COSINE_RESTARTS};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (uint64_t seed = 1; seed <= 50; seed++) {
            lr_test_rng r = {seed * 7 + k};
            lr_schedule main = random_schedule(&r, kinds[k]);
            long W = 1 + (long)rng_below(&r, 500);
            double F = rng_range(&r, 0.01, 1.0);
            lr_chain c;
            lr_chain_warmup(&c, &main, W, F);
            lr_config_error err;
            cr_assert_eq(lr_chain_validate(&c, &err), 0, "%s", err.message);
            cr_assert_eq(lr_chain_lr(&c, 0), main.lr * F, "warmup starts at lr * start_factor");
            for (long t = 0; t < W; t++)
                cr_assert(lr_chain_lr(&c, t + 1) >= lr_chain_lr(&c, t) || t + 1 == W);
            cr_assert_eq(lr_chain_lr(&c, W), lr_schedule_lr(&main, 0), "the schedule starts at W");
            /* Keras PolynomialDecay starts at (lr - end) + end, lr up to the rounding of lr - end
             * (tested in test_schedule_keras_polynomial.c); every other schedule at lr exactly. */
            if (!main.keras)
                cr_assert_eq(lr_chain_lr(&c, W), main.lr, "%s seed %llu: the base rate at W=%ld",
                             lr_schedule_name(kinds[k]), (unsigned long long)seed, W);
            cr_assert_eq(lr_schedule_lr(&c.parts[0], W), main.lr, "LinearLR's own end is the base");
            for (long t = W; t < W + 100; t++)
                cr_assert_eq(lr_chain_lr(&c, t), lr_schedule_lr(&main, t - W));
        }
    }
}

Test(schedule_props, warmup_targets_onecycle_initial_lr_and_keeps_cyclic_momentum)
{
    lr_schedule one = lr_schedule_defaults(LR_SCHED_ONECYCLE);
    one.max_lr = 0.1, one.total_steps = 90;
    lr_chain c;
    lr_chain_warmup(&c, &one, 10, 0.5);
    cr_assert_eq(lr_chain_lr(&c, 0), 0.1 / 25 * 0.5);
    cr_assert_eq(lr_chain_lr(&c, 10), 0.1 / 25);
    cr_assert_eq(lr_chain_momentum(&c, 3), 0.95, "momentum stays at max_momentum during the warmup");
    lr_schedule cyc = lr_schedule_defaults(LR_SCHED_CYCLIC);
    cyc.lr = 0.05, cyc.base_lr = 0.01, cyc.max_lr = 0.1, cyc.step_size_up = 10;
    lr_chain_warmup(&c, &cyc, 10, 0.2);
    cr_assert_eq(lr_chain_lr(&c, 9), lr_schedule_lr(&c.parts[0], 9));
    cr_assert_eq(lr_schedule_lr(&c.parts[0], 10), 0.05, "the warmup ramps to the optimizer's lr");
    cr_assert_eq(lr_chain_lr(&c, 10), 0.01, "then CyclicLR starts at its base_lr");
    cr_assert_eq(lr_chain_momentum(&c, 0), 0.9);
}

Test(schedule_props, chains_join_any_closed_forms_at_milestones)
{
    lr_test_rng r = {2024};
    for (int trial = 0; trial < 100; trial++) {
        lr_chain c = {.n = 1 + rng_below(&r, LR_CHAIN_MAX)};
        long at = 0;
        for (size_t i = 0; i < c.n; i++) {
            lr_schedule_kind kind = (lr_schedule_kind)rng_below(&r, LR_SCHED_PLATEAU);
            c.parts[i] = random_schedule(&r, kind);
            if (kind == LR_SCHED_ONECYCLE) { /* long enough for its part of the chain */
                c.parts[i].total_steps += 400;
                if (c.parts[i].pct_start * (double)c.parts[i].total_steps - 1.0 == 0.0)
                    c.parts[i].total_steps++;
            }
            if (i + 1 < c.n)
                c.milestones[i] = at += 1 + (long)rng_below(&r, 300);
        }
        lr_config_error err;
        cr_assert_eq(lr_chain_validate(&c, &err), 0, "%s %s", err.field, err.message);
        size_t n = (size_t)at + 300;
        double *lr = malloc(n * sizeof *lr), *m = malloc(n * sizeof *m);
        lr_chain_table(&c, lr_schedule_table_ref, 0, n, lr, m);
        for (size_t t = 0; t < n; t++) {
            size_t i = 0;
            while (i + 1 < c.n && (long)t >= c.milestones[i])
                i++;
            long local = (long)t - (i ? c.milestones[i - 1] : 0);
            cr_assert_eq(lr[t], lr_schedule_lr(&c.parts[i], local), "trial %d step %zu", trial, t);
            cr_assert_eq(lr[t], lr_chain_lr(&c, (long)t));
            if (lr_chain_has_momentum(&c))
                cr_assert_eq(m[t], lr_chain_momentum(&c, (long)t));
        }
        free(lr);
        free(m);
    }
}

Test(schedule_props, chains_reject_plateau_and_bad_milestones)
{
    lr_chain c;
    lr_schedule step = lr_schedule_defaults(LR_SCHED_STEP), plateau = lr_schedule_defaults(LR_SCHED_PLATEAU);
    step.lr = plateau.lr = 0.1, step.step_size = 3;
    lr_chain_warmup(&c, &plateau, 5, 0.5);
    lr_config_error err;
    cr_assert_neq(lr_chain_validate(&c, &err), 0);
    cr_assert_str_eq(err.field, "schedulers");
    lr_chain_warmup(&c, &step, 5, 0.5);
    c.n = 3, c.parts[2] = step, c.milestones[1] = 5;
    cr_assert_neq(lr_chain_validate(&c, &err), 0);
    cr_assert_str_eq(err.field, "milestones");
}

/* ---- ReduceLROnPlateau ------------------------------------------------------------------------- */

static lr_schedule plateau_config(long patience, long cooldown)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_PLATEAU);
    s.lr = 1.0, s.patience = patience, s.cooldown = cooldown, s.factor = 0.5;
    s.eps = 0.0; /* so that every halving counts, however small */
    return s;
}

Test(schedule_props, plateau_waits_for_patience_and_cooldown)
{
    for (long patience = 0; patience < 6; patience++) {
        for (long cooldown = 0; cooldown < 4; cooldown++) {
            lr_schedule s = plateau_config(patience, cooldown);
            lr_plateau p;
            lr_plateau_init(&p, &s);
            /* metric 1 improves on +inf; then every metric is bad: the first reduction comes with
             * metric patience + 2, each next one cooldown + patience + 1 metrics later. */
            long next = patience + 2, reductions = 0;
            for (long m = 1; m <= 60; m++) {
                double lr = lr_plateau_step(&p, 3.0);
                if (m == next) {
                    reductions++;
                    next += cooldown + patience + 1;
                }
                cr_assert_eq(lr, ldexp(1.0, -(int)reductions), "patience %ld cooldown %ld metric %ld",
                             patience, cooldown, m);
            }
        }
    }
}

Test(schedule_props, plateau_never_reduces_while_improving)
{
    lr_test_rng r = {5};
    for (int trial = 0; trial < 50; trial++) {
        lr_schedule s = random_schedule(&r, LR_SCHED_PLATEAU);
        lr_plateau p;
        lr_plateau_init(&p, &s);
        /* Doubling away from zero beats every threshold the generator draws (<= 0.1). */
        double metric = s.plateau_mode == LR_PLATEAU_MIN ? -1.0 : 1.0;
        for (int m = 0; m < 200; m++) {
            metric *= 2.0;
            cr_assert_eq(lr_plateau_step(&p, metric), s.lr, "trial %d metric %d", trial, m);
        }
    }
}

Test(schedule_props, plateau_threshold_modes)
{
    /* min rel: an improvement must fall below best * (1 - threshold). */
    lr_schedule s = plateau_config(0, 0);
    s.threshold = 0.1;
    lr_plateau p;
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 9.5), 0.5, "9.5 is not below 9: bad epoch, patience 0 reduces");
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 8.9), 1.0, "8.9 < 9 improves");
    /* min abs: below best - threshold. */
    s.threshold_mode = LR_THRESHOLD_ABS, s.threshold = 0.5;
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 9.6), 0.5);
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 9.4), 1.0);
    /* max rel and abs: above best * (1 + threshold), best + threshold. */
    s.plateau_mode = LR_PLATEAU_MAX, s.threshold_mode = LR_THRESHOLD_REL, s.threshold = 0.1;
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 10.9), 0.5);
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 11.1), 1.0);
    s.threshold_mode = LR_THRESHOLD_ABS, s.threshold = 0.5;
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 10.4), 0.5);
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 10.0);
    cr_assert_eq(lr_plateau_step(&p, 10.6), 1.0);
    /* NaN is never an improvement. */
    lr_plateau_init(&p, &s);
    cr_assert_eq(lr_plateau_step(&p, NAN), 0.5);
}

Test(schedule_props, plateau_respects_min_lr_and_eps)
{
    lr_schedule s = plateau_config(0, 0);
    s.min_lr = 0.1;
    lr_plateau p;
    lr_plateau_init(&p, &s);
    double lr = 1.0;
    for (int m = 0; m < 40; m++) {
        lr = lr_plateau_step(&p, 1.0);
        cr_assert(lr >= 0.1);
    }
    cr_assert_eq(lr, 0.1, "repeated reductions settle exactly on min_lr");
    s = plateau_config(0, 0);
    s.eps = 0.3; /* 1 -> 0.5 is a decay of 0.5 > eps; 0.5 -> 0.25 is 0.25 <= eps: ignored */
    lr_plateau_init(&p, &s);
    lr_plateau_step(&p, 1.0);
    for (int m = 0; m < 10; m++)
        lr = lr_plateau_step(&p, 1.0);
    cr_assert_eq(lr, 0.5);
}
