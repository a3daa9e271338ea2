/* C07-C15 speed: the schedule table kernel of LR_SCHEDULE_KERNELS timed as schedule_KIND/IMPL/N for
 * every closed-form schedule kind (and the cyclic and one-cycle modes that take other code paths),
 * IMPL ref or avx2, N steps from 0, reporting steps per second (items_per_second). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "gbench.h"
#include "lrlab/kernels.h"

/* The body below knows one table kernel, schedule_table; a second kernel in the list must get its
 * benchmark here before the build passes. */
#define COUNT_KERNEL(name, type, ref, avx2, ids) +1
_Static_assert(0 LR_SCHEDULE_KERNELS(COUNT_KERNEL) == 1,
               "a new kernel in LR_SCHEDULE_KERNELS needs a benchmark in benchmarks/schedules.c");
#undef COUNT_KERNEL

/* One timed schedule: a kind at PyTorch 1.13's defaults, its required parameters set from N
 * (configure below), and the mode of the kinds whose modes run different code. */
typedef struct sched_variant {
    lr_schedule_kind kind;
    const char *mode; /* appended to the kind's name: schedule_cyclic-exp_range */
    lr_cyclic_mode cyclic_mode;
    lr_anneal_strategy anneal;
    bool keras; /* polynomial: Keras PolynomialDecay with cycle (decay_steps n/4: four cycles) */
} sched_variant;

static const sched_variant variants[] = {
    {LR_SCHED_CONSTANT, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_STEP, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_MULTISTEP, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_EXPONENTIAL, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_POLYNOMIAL, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_POLYNOMIAL, "-keras-cycle", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, true},
    {LR_SCHED_LINEAR, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_INVERSE_TIME, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_COSINE, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_COSINE_RESTARTS, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_CYCLIC, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_CYCLIC, "-triangular2", LR_CYCLIC_TRIANGULAR2, LR_ANNEAL_COS, false},
    {LR_SCHED_CYCLIC, "-exp_range", LR_CYCLIC_EXP_RANGE, LR_ANNEAL_COS, false},
    {LR_SCHED_ONECYCLE, "", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_COS, false},
    {LR_SCHED_ONECYCLE, "-linear", LR_CYCLIC_TRIANGULAR, LR_ANNEAL_LINEAR, false},
};
enum { VARIANT_COUNT = sizeof variants / sizeof variants[0] };

static const int64_t steps[] = {65536};

/* The parameters: rates that change over the whole table wherever the kind allows it (a table
 * that is one constant run measures a broadcast, not the schedule). Returns false for a kind this
 * function does not know. */
static bool configure(const sched_variant *v, long n, lr_schedule *out)
{
    lr_schedule s = lr_schedule_defaults(v->kind);
    s.lr = 0.1;
    switch (v->kind) {
    case LR_SCHED_CONSTANT:
        s.total_iters = n / 2;
        break;
    case LR_SCHED_STEP:
        s.step_size = n / 8;
        break;
    case LR_SCHED_MULTISTEP:
        s.milestones[0] = n / 4;
        s.milestones[1] = n / 2;
        s.milestones[2] = 3 * (n / 4);
        s.n_milestones = 3;
        break;
    case LR_SCHED_EXPONENTIAL:
        s.gamma = 0.9999;
        break;
    case LR_SCHED_POLYNOMIAL:
        if (v->keras) {
            s.keras = true;
            s.decay_steps = (double)(n / 4);
            s.end_learning_rate = 1e-3;
            s.power = 2.0;
            s.cycle = true;
            break;
        }
        s.total_iters = n;
        break;
    case LR_SCHED_LINEAR:
        s.total_iters = n;
        break;
    case LR_SCHED_INVERSE_TIME:
        s.decay_steps = 1000.0;
        s.decay_rate = 0.5;
        break;
    case LR_SCHED_COSINE:
        s.T_max = n;
        break;
    case LR_SCHED_COSINE_RESTARTS:
        s.T_0 = 1000;
        s.T_mult = 2;
        break;
    case LR_SCHED_CYCLIC:
        s.base_lr = 0.01;
        s.max_lr = 0.1;
        s.cyclic_mode = v->cyclic_mode;
        if (v->cyclic_mode == LR_CYCLIC_EXP_RANGE)
            s.gamma = 0.99994;
        break;
    case LR_SCHED_ONECYCLE:
        s.max_lr = 0.1;
        s.total_steps = n;
        s.anneal_strategy = v->anneal;
        break;
    default:
        return false;
    }
    *out = s;
    return true;
}

/* NULL when variant v makes a valid table of n steps, else a sentence in buf. */
static const char *prepare(const sched_variant *v, long n, lr_schedule *s, char *buf, size_t len)
{
    lr_config_error err;
    if (!configure(v, n, s)) {
        snprintf(buf, len, "schedule %s has no parameters in benchmarks/schedules.c",
                 lr_schedule_name(v->kind));
        return buf;
    }
    if (lr_schedule_validate(s, &err) != 0 || lr_schedule_check_steps(s, n, &err) != 0) {
        snprintf(buf, len, "schedule %s%s: %s: %s", lr_schedule_name(v->kind), v->mode,
                 err.field ? err.field : "?", err.message);
        return buf;
    }
    return NULL;
}

static bool rates_ok(const double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] >= 0.0 && isfinite(x[i])))
            return false;
    return true;
}

static void time_table(gbench_state *st, const sched_variant *v, lr_schedule_table_fn table)
{
    size_t n = (size_t)gbench_state_arg(st, 0);
    lr_schedule s;
    char why[256];
    if (prepare(v, (long)n, &s, why, sizeof why)) {
        gbench_skip_with_error(st, why);
        return;
    }
    bool momentum = lr_schedule_has_momentum(&s);
    double *lr = malloc(n * sizeof(double));
    double *mom = momentum ? malloc(n * sizeof(double)) : NULL;
    if (!lr || (momentum && !mom)) {
        gbench_skip_with_error(st, "out of memory");
    } else {
        /* doc:bench-schedule */
        while (gbench_keep_running(st)) {
            table(&s, 0, n, lr, mom);
            gbench_clobber_memory();
        }
        /* end */
        if (!rates_ok(lr, n) || (mom && !rates_ok(mom, n))) {
            gbench_skip_with_error(st, "a rate or momentum is negative or not finite");
        } else {
            gbench_set_items_processed(st, gbench_iterations(st) * (int64_t)n);
            /* Written: the rates, and the momenta of the kinds that cycle momentum. */
            gbench_set_bytes_processed(st, gbench_iterations(st) * (int64_t)(n * sizeof(double)) *
                                               (momentum ? 2 : 1));
        }
    }
    free(lr);
    free(mom);
}

static void bench_ref(gbench_state *st, const void *ctx)
{
    time_table(st, ctx, lr_kernels_reference.schedule_table);
}

static void bench_avx2(gbench_state *st, const void *ctx)
{
    time_table(st, ctx, lr_kernels_avx2.schedule_table);
}

/* Every closed-form kind is timed, and every variant is valid at every N: a kind added to
 * lr_schedule_kind cannot go unbenchmarked. */
static void check_coverage(void)
{
    char why[256];
    lr_schedule s;
    for (int k = 0; k < LR_SCHED_COUNT; k++) {
        if (!lr_schedule_is_closed_form((lr_schedule_kind)k))
            continue;
        bool used = false;
        for (int v = 0; v < VARIANT_COUNT; v++)
            used = used || variants[v].kind == (lr_schedule_kind)k;
        if (!used) {
            fprintf(stderr, "lrlab-bench: schedule %s has no variant in benchmarks/schedules.c\n",
                    lr_schedule_name((lr_schedule_kind)k));
            abort();
        }
    }
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (prepare(&variants[v], (long)steps[i], &s, why, sizeof why)) {
                fprintf(stderr, "lrlab-bench: %s\n", why);
                abort();
            }
}

GBENCH_CONSTRUCTOR(register_schedules)
static void register_schedules(void)
{
    check_coverage();
    const char *why = NULL;
    bool avx2 = lr_kernels_select(LR_IMPL_AVX2, &why) != NULL;
    if (!avx2)
        fprintf(stderr, "lrlab-bench: %s: timing the reference schedule tables only\n", why);
    char name[96];
    for (int v = 0; v < VARIANT_COUNT; v++) {
        const char *kind = lr_schedule_name(variants[v].kind);
        for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
            snprintf(name, sizeof name, "schedule_%s%s/ref", kind, variants[v].mode);
            gbench_arg(gbench_register(name, bench_ref, &variants[v]), steps[i]);
            if (!avx2)
                continue;
            snprintf(name, sizeof name, "schedule_%s%s/avx2", kind, variants[v].mode);
            gbench_arg(gbench_register(name, bench_avx2, &variants[v]), steps[i]);
        }
    }
}
