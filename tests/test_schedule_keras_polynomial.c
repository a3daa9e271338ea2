/* C10 Keras PolynomialDecay invariants: the decay ends at end_learning_rate and stays there, never
 * rises when it ends lower, restarts over the next multiple of decay_steps with cycle, and is
 * PyTorch's PolynomialLR when end_learning_rate = 0; validation names the Keras keyword at fault. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "helpers.h"
#include "schedule_cases.h"

enum { CONFIGS = 200 };

static lr_schedule keras_poly(double lr, double decay_steps, double end, double power, bool cycle)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_POLYNOMIAL);
    s.keras = true;
    s.lr = lr, s.decay_steps = decay_steps, s.end_learning_rate = end, s.power = power, s.cycle = cycle;
    return s;
}

/* A random valid Keras configuration (the shared generator draws PolynomialLR half of the time). */
static lr_schedule random_keras(lr_test_rng *r)
{
    for (;;) {
        lr_schedule s = random_schedule(r, LR_SCHED_POLYNOMIAL);
        if (s.keras)
            return s;
    }
}

Test(schedule_keras_polynomial, documented_values)
{
    /* (1 - 0) (1 - t/4)^1 + 0 and (0.5 - 0.25) (1 - t/4)^2 + 0.25: exact in binary. */
    lr_schedule s = keras_poly(1.0, 4.0, 0.0, 1.0, false);
    const double line[] = {1.0, 0.75, 0.5, 0.25, 0.0, 0.0};
    for (long t = 0; t < 6; t++)
        cr_assert_eq(lr_schedule_lr(&s, t), line[t], "t=%ld", t);
    s = keras_poly(0.5, 4.0, 0.25, 2.0, false);
    const double square[] = {0.5, 0.390625, 0.3125, 0.265625, 0.25, 0.25};
    for (long t = 0; t < 6; t++)
        cr_assert_eq(lr_schedule_lr(&s, t), square[t], "t=%ld", t);
    /* cycle: steps 5..8 decay over 8 from 1 - 5/8 on; 9..12 over 12; step 0 counts as cycle 1. */
    s = keras_poly(0.5, 4.0, 0.25, 1.0, true);
    cr_assert_eq(lr_schedule_lr(&s, 0), 0.5);
    cr_assert_eq(lr_schedule_lr(&s, 4), 0.25);
    cr_assert_eq(lr_schedule_lr(&s, 5), 0.25 * 0.375 + 0.25);
    cr_assert_eq(lr_schedule_lr(&s, 8), 0.25);
    cr_assert_eq(lr_schedule_lr(&s, 12), 0.25);
    /* Keras' docstring example: 0.1 to 0.01 over 10000 steps with sqrt; halfway 0.09 sqrt(1/2) + 0.01. */
    s = keras_poly(0.1, 10000.0, 0.01, 0.5, false);
    double half = 0.09 * sqrt(0.5) + 0.01;
    cr_assert(lr_ulp_error(lr_schedule_lr(&s, 5000), half, 0.0) <= 2, "%.17g vs %.17g", lr_schedule_lr(&s, 5000),
              half);
    cr_assert_eq(lr_schedule_lr(&s, 10000), 0.01);
}

/* Keras' default end rate is 1e-4 and decay_steps has no default. */
Test(schedule_keras_polynomial, defaults_are_keras)
{
    lr_schedule s = lr_schedule_defaults(LR_SCHED_POLYNOMIAL);
    cr_assert(!s.keras && !s.cycle);
    cr_assert_eq(s.end_learning_rate, 1e-4);
    cr_assert_eq(s.power, 1.0);
    s.lr = 0.1, s.keras = true;
    lr_config_error err;
    cr_assert_neq(lr_schedule_validate(&s, &err), 0);
    cr_assert_str_eq(err.field, "decay_steps");
}

/* Without cycle: end_learning_rate exactly from decay_steps on (power > 0), and at step 0 lr up to
 * the rounding of lr - end (within 1 ULP of lr when decaying, exact when end = 0). */
Test(schedule_keras_polynomial, reaches_end_and_stays)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed * 977};
        lr_schedule s = random_keras(&r);
        s.cycle = false;
        if (s.power == 0.0)
            s.power = 1.0;
        long first = (long)ceil(s.decay_steps);
        for (long t = first; t < first + 50; t++)
            cr_assert_eq(lr_schedule_lr(&s, t), s.end_learning_rate, "seed %llu: step %ld after decay_steps %g",
                         (unsigned long long)seed, t, s.decay_steps);
        long far = random_step(&r, 1);
        if (far >= first)
            cr_assert_eq(lr_schedule_lr(&s, far), s.end_learning_rate);
        double start = lr_schedule_lr(&s, 0);
        if (s.end_learning_rate == 0.0)
            cr_assert_eq(start, s.lr);
        else if (s.end_learning_rate <= s.lr)
            cr_assert(lr_ulp_error(start, s.lr, 0.0) <= 1, "seed %llu: starts at %.17g, lr %.17g",
                      (unsigned long long)seed, start, s.lr);
    }
}

/* A rising decay (end > lr) never falls, and stays between lr and end. */
Test(schedule_keras_polynomial, rising_never_falls)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed * 131};
        lr_schedule s = random_keras(&r);
        s.cycle = false;
        if (s.end_learning_rate < s.lr)
            s.end_learning_rate = s.lr * rng_log_uniform(&r, 1.0, 1e3);
        long t0 = rng_below(&r, 2) ? 0 : (long)rng_below(&r, 1000000);
        double prev = lr_schedule_lr(&s, t0);
        for (long t = t0 + 1; t < t0 + 2000; t++) {
            double lr = lr_schedule_lr(&s, t);
            cr_assert(lr >= prev, "seed %llu: falls at %ld", (unsigned long long)seed, t);
            cr_assert(lr <= s.end_learning_rate, "seed %llu: above end at %ld", (unsigned long long)seed, t);
            prev = lr;
        }
    }
}

/* With cycle and whole decay_steps D >= 2: end exactly at every multiple kD, a restart right after it
 * (above end when lr > end and power > 0), monotone inside each cycle, and the first cycle is the
 * decay without cycle, step 0 included. */
Test(schedule_keras_polynomial, cycle_restarts_at_multiples_of_decay_steps)
{
    for (uint64_t seed = 1; seed <= CONFIGS; seed++) {
        lr_test_rng r = {seed * 613};
        lr_schedule s = random_keras(&r);
        s.cycle = true;
        s.decay_steps = floor(rng_log_uniform(&r, 2.0, 300.0)); /* D = 1 ends a cycle at every step */
        if (s.end_learning_rate > 0.9 * s.lr)
            s.end_learning_rate = s.lr * rng_range(&r, 0.0, 0.9);
        if (s.power == 0.0 || s.power > 8.0)
            s.power = rng_range(&r, 0.1, 4.0);
        long D = (long)s.decay_steps;
        lr_schedule once = s;
        once.cycle = false;
        for (long t = 0; t <= D; t++)
            cr_assert_eq(lr_schedule_lr(&s, t), lr_schedule_lr(&once, t), "seed %llu: first cycle, step %ld",
                         (unsigned long long)seed, t);
        for (long k = 1; k <= 5; k++) {
            cr_assert_eq(lr_schedule_lr(&s, k * D), s.end_learning_rate, "seed %llu: end at %ld",
                         (unsigned long long)seed, k * D);
            double restart = lr_schedule_lr(&s, k * D + 1);
            cr_assert(restart > s.end_learning_rate, "seed %llu: no restart after %ld (%.17g)",
                      (unsigned long long)seed, k * D, restart);
            for (long t = k * D + 1; t < (k + 1) * D; t++)
                cr_assert(lr_schedule_lr(&s, t + 1) <= lr_schedule_lr(&s, t), "seed %llu: rises at %ld",
                          (unsigned long long)seed, t);
        }
        /* restarts climb less each time: cycle k + 1 starts at 1 - (kD + 1)/((k + 1) D) */
        cr_assert(lr_schedule_lr(&s, 2 * D + 1) <= lr_schedule_lr(&s, D + 1));
    }
}

/* The cycle count: exact ceil(t / D) for whole D, 1 at step 0; for any D >= 1, D k (rounded) >= t. */
Test(schedule_keras_polynomial, cycle_count)
{
    lr_test_rng r = {77};
    for (int i = 0; i < 20000; i++) {
        lr_schedule s = keras_poly(0.1, floor(rng_log_uniform(&r, 1.0, 1e6)), 0.0, 1.0, true);
        long D = (long)s.decay_steps, t = random_step(&r, 0);
        long want = t == 0 ? 1 : (t + D - 1) / D;
        cr_assert_eq(lr_polynomial_cycles(&s, t), (double)want, "t=%ld D=%ld", t, D);
        s.decay_steps = rng_log_uniform(&r, 1.0, 1e4);
        double k = lr_polynomial_cycles(&s, t);
        cr_assert(k >= 1.0 && k == floor(k) && k <= 0x1p52);
        cr_assert(s.decay_steps * k >= (double)t, "t=%ld D=%.17g k=%.17g", t, s.decay_steps, k);
        if (k > 1.0)
            cr_assert(s.decay_steps * (k - 2.0) < (double)t, "k overshoots: t=%ld D=%.17g", t, s.decay_steps);
        cr_assert(lr_schedule_lr(&s, t) >= 0.0, "1 - p never negative");
    }
}

/* PolynomialLR(total_iters = T) is PolynomialDecay(decay_steps = T, end_learning_rate = 0) bit for
 * bit; power 0 holds the start rate at every step, with or without cycle (0^0 = 1, as in Keras). */
Test(schedule_keras_polynomial, pytorch_form_and_power_zero)
{
    lr_test_rng r = {5};
    for (int i = 0; i < CONFIGS; i++) {
        lr_schedule torch = random_schedule(&r, LR_SCHED_POLYNOMIAL);
        torch.keras = false;
        lr_schedule keras = keras_poly(torch.lr, (double)torch.total_iters, 0.0, torch.power, false);
        for (int j = 0; j < 100; j++) {
            long t = random_step(&r, 0);
            cr_assert_eq(lr_schedule_lr(&keras, t), lr_schedule_lr(&torch, t));
        }
        lr_schedule flat = random_keras(&r);
        flat.power = 0.0;
        double start = lr_schedule_lr(&flat, 0);
        for (int j = 0; j < 100; j++)
            cr_assert_eq(lr_schedule_lr(&flat, random_step(&r, 0)), start);
    }
}

static void expect_invalid(lr_schedule s, const char *field, const char *fragment)
{
    lr_config_error err;
    cr_assert_neq(lr_schedule_validate(&s, &err), 0, "accepted a bad %s", field);
    cr_assert_str_eq(err.field, field);
    cr_assert_not_null(strstr(err.message, fragment), "%s: '%s' lacks '%s'", field, err.message, fragment);
}

Test(schedule_keras_polynomial, validation)
{
    lr_schedule ok = keras_poly(0.1, 10.0, 0.001, 2.0, true);
    lr_config_error err;
    cr_assert_eq(lr_schedule_validate(&ok, &err), 0, "%s", err.message);
    lr_schedule s = ok;
    s.decay_steps = 0.0;
    expect_invalid(s, "decay_steps", "must be > 0");
    s.decay_steps = -5.0;
    expect_invalid(s, "decay_steps", ">= 0");
    s.decay_steps = NAN;
    expect_invalid(s, "decay_steps", "nan");
    s.decay_steps = INFINITY;
    expect_invalid(s, "decay_steps", "finite");
    s.decay_steps = 0.5;
    expect_invalid(s, "decay_steps", ">= 1 with cycle");
    s.cycle = false;
    cr_assert_eq(lr_schedule_validate(&s, &err), 0, "a decay over half a step is valid without cycle");
    s.decay_steps = 1e-300;
    cr_assert_eq(lr_schedule_validate(&s, &err), 0);
    cr_assert_eq(lr_schedule_lr(&s, 0), s.lr);
    cr_assert_eq(lr_schedule_lr(&s, 1), s.end_learning_rate);
    s = ok, s.end_learning_rate = -1e-3;
    expect_invalid(s, "end_learning_rate", ">= 0");
    s = ok, s.end_learning_rate = NAN;
    expect_invalid(s, "end_learning_rate", "nan");
    s = ok, s.power = -0.5;
    expect_invalid(s, "power", "inf");
    s = ok, s.power = INFINITY;
    expect_invalid(s, "power", "finite");
    s = ok, s.lr = -1.0;
    expect_invalid(s, "lr", "learning rate");
    /* PolynomialLR ignores the Keras fields and Keras ignores total_iters. */
    s = ok, s.keras = false, s.decay_steps = NAN, s.end_learning_rate = -1.0;
    cr_assert_eq(lr_schedule_validate(&s, &err), 0, "%s", err.message);
    s = ok, s.total_iters = -3;
    cr_assert_eq(lr_schedule_validate(&s, &err), 0, "%s", err.message);
}

/* The table's contract: 8 ULPs of max(|ref|, end_learning_rate). */
Test(schedule_keras_polynomial, table_bound_and_floor)
{
    lr_schedule s = keras_poly(0.1, 10.0, 0.5, 1.0, false);
    cr_assert_eq(lr_schedule_table_ulp_bound(&s, false), LR_TABLE_ULP_POLY_END);
    cr_assert_eq(lr_schedule_table_ulp_floor(&s, false), 0.5);
    cr_assert_eq(lr_schedule_scale(&s), 0.5);
    s.keras = false;
    cr_assert_eq(lr_schedule_table_ulp_bound(&s, false), LR_TABLE_ULP_POW);
}
