/* C07-C15 agreement: the AVX2 table generator against the reference closed forms, at exactly the
 * ULP bounds lrlab/schedule.h states, for random parameters and steps from 0 to 2^52. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"
#include "schedule_cases.h"

enum { CONFIGS_PER_KIND = 300, CANARY = 4 };

static const double canary_value = -12345.0;

typedef struct table_stats {
    double worst_lr, worst_momentum;
} table_stats;

/* A buffer of n doubles starting one double past 32-byte alignment when `misalign`, with canaries
 * after the end. */
static double *table_alloc(size_t n, bool misalign, void **base)
{
    *base = aligned_alloc(32, ((n + CANARY + 1) * sizeof(double) + 31) & ~(size_t)31);
    cr_assert_not_null(*base);
    double *p = (double *)*base + (misalign ? 1 : 0);
    for (size_t i = 0; i < n + CANARY; i++)
        p[i] = canary_value;
    return p;
}

static void check_range(const lr_schedule *s, long t0, size_t n, bool misalign, uint64_t seed,
                        table_stats *st)
{
    void *b1, *b2, *b3, *b4;
    double *ref = table_alloc(n, false, &b1), *avx = table_alloc(n, misalign, &b2);
    double *mref = table_alloc(n, false, &b3), *mavx = table_alloc(n, misalign, &b4);
    bool mom = lr_schedule_has_momentum(s);
    lr_schedule_table_ref(s, t0, n, ref, mom ? mref : NULL);
    lr_schedule_table_avx2(s, t0, n, avx, mom ? mavx : NULL);
    double floor_lr = lr_schedule_table_ulp_floor(s, false), floor_m = lr_schedule_table_ulp_floor(s, true);
    unsigned bound = lr_schedule_table_ulp_bound(s, false), mbound = lr_schedule_table_ulp_bound(s, true);
    for (size_t i = 0; i < n; i++) {
        double e = lr_ulp_error(avx[i], ref[i], floor_lr);
        if (e > st->worst_lr)
            st->worst_lr = e;
        cr_assert(e <= bound, "%s seed %llu: step %ld: avx2 %.17g vs reference %.17g is %.1f ULPs "
                  "(bound %u)", lr_schedule_name(s->kind), (unsigned long long)seed, t0 + (long)i,
                  avx[i], ref[i], e, bound);
        cr_assert(!isnan(ref[i]), "%s seed %llu: step %ld: the reference gave %g",
                  lr_schedule_name(s->kind), (unsigned long long)seed, t0 + (long)i, ref[i]);
        if (mom) {
            double me = lr_ulp_error(mavx[i], mref[i], floor_m);
            if (me > st->worst_momentum)
                st->worst_momentum = me;
            cr_assert(me <= mbound, "%s seed %llu: step %ld: momentum avx2 %.17g vs reference %.17g "
                      "is %.1f ULPs (bound %u)", lr_schedule_name(s->kind), (unsigned long long)seed,
                      t0 + (long)i, mavx[i], mref[i], me, mbound);
        }
    }
    for (size_t i = n; i < n + CANARY; i++) {
        cr_assert_eq(avx[i], canary_value, "%s: the AVX2 table wrote past its end", lr_schedule_name(s->kind));
        cr_assert_eq(mavx[i], canary_value, "%s: the AVX2 table wrote momenta past the end",
                     lr_schedule_name(s->kind));
    }
    if (!mom)
        cr_assert_eq(mavx[0], canary_value, "%s: momenta written without cycle_momentum",
                     lr_schedule_name(s->kind));
    free(b1);
    free(b2);
    free(b3);
    free(b4);
}

/* Sizes 0..300 (every size mod 4) and a few long ones; starts small, large and next to 2^52.
 * keras_only: draws until that many Keras PolynomialDecay configurations were checked. */
static void check_configs(lr_schedule_kind kind, uint64_t seed0, bool keras_only)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    table_stats st = {0, 0};
    for (int c = 0, seed_i = 0; c < CONFIGS_PER_KIND; seed_i++) {
        uint64_t seed = seed0 + (uint64_t)seed_i;
        lr_test_rng r = {seed};
        lr_schedule s = random_schedule(&r, kind);
        if (keras_only && !s.keras)
            continue;
        c++;
        size_t n = rng_uniform(&r) < 0.05 ? 2000 + rng_below(&r, 3000) : rng_below(&r, 301);
        long t0 = random_step(&r, (long)n);
        if (kind == LR_SCHED_ONECYCLE) { /* defined for the steps lr_schedule_check_steps allows */
            lr_config_error err;
            long rows = s.total_steps + 1;
            if (lr_schedule_check_steps(&s, rows, &err) != 0)
                rows--;
            if ((long)n > rows)
                n = (size_t)rows;
            t0 = (long)rng_below(&r, (size_t)(rows + 1 - (long)n));
        }
        check_range(&s, t0, n, rng_below(&r, 2) == 1, seed, &st);
    }
    cr_log_info("%s%s: worst %.2f ULPs (rates), %.2f ULPs of max_momentum (momenta)", lr_schedule_name(kind),
                keras_only ? " (Keras)" : "", st.worst_lr, st.worst_momentum);
}

static void check_kind(lr_schedule_kind kind, uint64_t seed0)
{
    check_configs(kind, seed0, false);
}

static void check_kind_keras_polynomial(uint64_t seed0)
{
    check_configs(LR_SCHED_POLYNOMIAL, seed0, true);
}

Test(schedule_table, constant) { check_kind(LR_SCHED_CONSTANT, 0x1000); }
Test(schedule_table, step) { check_kind(LR_SCHED_STEP, 0x2000); }
Test(schedule_table, multistep) { check_kind(LR_SCHED_MULTISTEP, 0x3000); }
Test(schedule_table, exponential) { check_kind(LR_SCHED_EXPONENTIAL, 0x4000); }
Test(schedule_table, polynomial) { check_kind(LR_SCHED_POLYNOMIAL, 0x5000); }
Test(schedule_table, keras_polynomial) { check_kind_keras_polynomial(0x5800); }
Test(schedule_table, linear) { check_kind(LR_SCHED_LINEAR, 0x6000); }
Test(schedule_table, inverse_time) { check_kind(LR_SCHED_INVERSE_TIME, 0x7000); }
Test(schedule_table, cosine) { check_kind(LR_SCHED_COSINE, 0x8000); }
Test(schedule_table, cosine_restarts) { check_kind(LR_SCHED_COSINE_RESTARTS, 0x9000); }
Test(schedule_table, cyclic) { check_kind(LR_SCHED_CYCLIC, 0xa000); }
Test(schedule_table, onecycle) { check_kind(LR_SCHED_ONECYCLE, 0xb000); }

/* The exact kinds are exact: memcmp, not a tolerance that happens to be 0. */
Test(schedule_table, exact_kinds_are_bitwise_equal)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("no AVX2+FMA on this CPU");
    const lr_schedule_kind kinds[] = {LR_SCHED_CONSTANT, LR_SCHED_STEP, LR_SCHED_MULTISTEP,
                                      LR_SCHED_LINEAR, LR_SCHED_INVERSE_TIME, LR_SCHED_CYCLIC,
                                      LR_SCHED_ONECYCLE};
    double ref[257], avx[257], mref[257], mavx[257];
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        for (uint64_t seed = 1; seed <= 200; seed++) {
            lr_test_rng r = {seed * 7919 + k};
            lr_schedule s = random_schedule(&r, kinds[k]);
            if (lr_schedule_table_ulp_bound(&s, false) != 0 || lr_schedule_table_ulp_bound(&s, true) != 0)
                continue;
            long t0 = kinds[k] == LR_SCHED_ONECYCLE ? 0 : random_step(&r, 257);
            size_t n = kinds[k] == LR_SCHED_ONECYCLE && s.total_steps < 256 ? (size_t)s.total_steps + 1 : 257;
            bool mom = lr_schedule_has_momentum(&s);
            lr_schedule_table_ref(&s, t0, n, ref, mom ? mref : NULL);
            lr_schedule_table_avx2(&s, t0, n, avx, mom ? mavx : NULL);
            cr_assert(memcmp(ref, avx, n * sizeof(double)) == 0, "%s seed %llu differs",
                      lr_schedule_name(kinds[k]), (unsigned long long)seed);
            if (mom)
                cr_assert(memcmp(mref, mavx, n * sizeof(double)) == 0, "%s seed %llu: momenta differ",
                          lr_schedule_name(kinds[k]), (unsigned long long)seed);
        }
    }
}

/* The pair is reachable through the one kernel list, as training and benchmarks reach it. */
Test(schedule_table, dispatch_tables_carry_the_pair)
{
    cr_assert_eq(lr_kernels_reference.schedule_table, lr_schedule_table_ref);
    cr_assert_eq(lr_kernels_avx2.schedule_table, lr_schedule_table_avx2);
}

/* The reference table is the closed form, step by step. */
Test(schedule_table, reference_table_is_the_closed_form)
{
    lr_test_rng r = {42};
    for (int kind = 0; kind < LR_SCHED_PLATEAU; kind++) {
        lr_schedule s = random_schedule(&r, (lr_schedule_kind)kind);
        double lr[64], m[64];
        long t0 = kind == LR_SCHED_ONECYCLE ? 0 : 1000003;
        lr_schedule_table_ref(&s, t0, 64, lr, m);
        for (size_t i = 0; i < 64; i++) {
            cr_assert_eq(lr[i], lr_schedule_lr(&s, t0 + (long)i));
            if (lr_schedule_has_momentum(&s))
                cr_assert_eq(m[i], lr_schedule_momentum(&s, t0 + (long)i));
        }
    }
}

/* The metric itself: 1 ULP apart is 1, across zero and at the floor. */
Test(schedule_table, ulp_error_counts_ulps)
{
    cr_assert_eq(lr_ulp_error(1.0, 1.0, 0.0), 0.0);
    cr_assert_eq(lr_ulp_error(nextafter(1.0, 2.0), 1.0, 0.0), 1.0);
    cr_assert_eq(lr_ulp_error(1.0 + 3 * DBL_EPSILON, 1.0, 0.0), 3.0);
    cr_assert_eq(lr_ulp_error(0.5 * DBL_MIN, 0.0, DBL_MIN), 0.5 * DBL_MIN / (nextafter(DBL_MIN, 1.0) - DBL_MIN));
    cr_assert_eq(lr_ulp_error(NAN, NAN, 0.0), 0.0);
    cr_assert(isinf(lr_ulp_error(NAN, 1.0, 0.0)));
}
