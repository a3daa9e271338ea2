/* C01-C06 speed: every update-rule family timed as KERNEL/IMPL/N with IMPL = ref (reference/),
 * avx2 (optimized/) and roofline (the same loads and stores with no arithmetic), N from 4096 to
 * 16M, reporting items_per_second (parameters updated) and bytes_per_second. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "gbench.h"
#include "lrlab/kernels.h"

/* One id per kernel of LR_UPDATE_KERNELS: registration refuses to run while a kernel of the list has
 * no adapter or no family below, so a new kernel cannot go unbenchmarked. */
#define KERNEL_ID(name, type, ref, avx2, ids) KERNEL_##name,
typedef enum kernel_id { LR_UPDATE_KERNELS(KERNEL_ID) KERNEL_COUNT } kernel_id;
#undef KERNEL_ID

typedef union any_scalars {
    lr_sgd_scalars sgd;
    lr_adagrad_scalars adagrad;
    lr_rmsprop_scalars rmsprop;
    lr_adam_scalars adam;
} any_scalars;

enum { MAX_STATE = 3 };

/* What the benchmark needs to know about one kernel's signature: its per-step scalars, which of
 * its state arrays the scalars switch on, and how to call it from a table. */
typedef struct kernel_adapter {
    any_scalars (*prepare)(const lr_optim_config *cfg, double lr, long step);
    unsigned (*state_used)(const any_scalars *s); /* bit i: state array i is read and written */
    void (*step)(const lr_kernels *k, const any_scalars *s, size_t n, float *param,
                 const float *grad, float *const state[MAX_STATE]);
    bool squares[MAX_STATE]; /* the array holds squares (start > 0), not signed averages */
} kernel_adapter;

static any_scalars sgd_prepare(const lr_optim_config *cfg, double lr, long step)
{
    return (any_scalars){.sgd = lr_sgd_prepare(cfg, lr, step)};
}
static unsigned sgd_state(const any_scalars *s)
{
    return s->sgd.use_momentum ? 1u : 0u;
}
static void sgd_step(const lr_kernels *k, const any_scalars *s, size_t n, float *param,
                     const float *grad, float *const state[MAX_STATE])
{
    k->sgd(&s->sgd, n, param, grad, state[0]);
}

static any_scalars adagrad_prepare(const lr_optim_config *cfg, double lr, long step)
{
    return (any_scalars){.adagrad = lr_adagrad_prepare(cfg, lr, step)};
}
static unsigned adagrad_state(const any_scalars *s)
{
    (void)s;
    return 1u;
}
static void adagrad_step(const lr_kernels *k, const any_scalars *s, size_t n, float *param,
                         const float *grad, float *const state[MAX_STATE])
{
    k->adagrad(&s->adagrad, n, param, grad, state[0]);
}

static any_scalars rmsprop_prepare(const lr_optim_config *cfg, double lr, long step)
{
    return (any_scalars){.rmsprop = lr_rmsprop_prepare(cfg, lr, step)};
}
static unsigned rmsprop_state(const any_scalars *s)
{
    return 1u | (s->rmsprop.centered ? 2u : 0u) | (s->rmsprop.use_momentum ? 4u : 0u);
}
static void rmsprop_step(const lr_kernels *k, const any_scalars *s, size_t n, float *param,
                         const float *grad, float *const state[MAX_STATE])
{
    k->rmsprop(&s->rmsprop, n, param, grad, state[0], state[1], state[2]);
}

static any_scalars adam_prepare(const lr_optim_config *cfg, double lr, long step)
{
    return (any_scalars){.adam = lr_adam_prepare(cfg, lr, step)};
}
static unsigned adam_state(const any_scalars *s)
{
    return 3u | (s->adam.amsgrad ? 4u : 0u);
}
static void adam_step(const lr_kernels *k, const any_scalars *s, size_t n, float *param,
                      const float *grad, float *const state[MAX_STATE])
{
    k->adam(&s->adam, n, param, grad, state[0], state[1], state[2]);
}

static const kernel_adapter adapters[KERNEL_COUNT] = {
    [KERNEL_sgd] = {sgd_prepare, sgd_state, sgd_step, {false}},
    [KERNEL_adagrad] = {adagrad_prepare, adagrad_state, adagrad_step, {true}},
    [KERNEL_rmsprop] = {rmsprop_prepare, rmsprop_state, rmsprop_step, {true, false, false}},
    [KERNEL_adam] = {adam_prepare, adam_state, adam_step, {false, true, true}},
};

/* A family: one kernel with the flags that select one of its loops. Hyperparameters are PyTorch
 * 1.13's defaults except where named (SGD has no default rate). */
typedef struct update_family {
    const char *name;
    kernel_id kernel;
    lr_optim_kind kind;
    double lr, momentum;
    bool nesterov, centered, amsgrad;
} update_family;

static const update_family families[] = {
    {"sgd", KERNEL_sgd, LR_OPT_SGD, 0.01, 0.0, false, false, false},
    {"sgd_momentum", KERNEL_sgd, LR_OPT_SGD, 0.01, 0.9, false, false, false},
    {"sgd_nesterov", KERNEL_sgd, LR_OPT_SGD, 0.01, 0.9, true, false, false},
    {"adagrad", KERNEL_adagrad, LR_OPT_ADAGRAD, 0.01, 0.0, false, false, false},
    {"rmsprop", KERNEL_rmsprop, LR_OPT_RMSPROP, 0.01, 0.0, false, false, false},
    {"rmsprop_centered", KERNEL_rmsprop, LR_OPT_RMSPROP, 0.01, 0.0, false, true, false},
    {"adam", KERNEL_adam, LR_OPT_ADAM, 1e-3, 0.0, false, false, false},
    {"adam_amsgrad", KERNEL_adam, LR_OPT_ADAM, 1e-3, 0.0, false, false, true},
    {"adamw", KERNEL_adam, LR_OPT_ADAMW, 1e-3, 0.0, false, false, false},
};
enum { FAMILY_COUNT = sizeof families / sizeof families[0] };

static const int64_t sizes[] = {4096, 65536, 262144, 1048576, 16777216};

/* The step the scalars are prepared for: past the first (SGD's buffer copy) and early enough that
 * Adam's bias corrections are not yet 1. */
enum { TIMED_STEP = 100 };

/* The data of one benchmark run. Iterations alternate between scalars[0] and scalars[1], which
 * differ only in `maximize`, so the effective gradient alternates in sign: the parameters and
 * averages oscillate around fixed values instead of drifting, and stay ordinary floats however
 * many iterations Google Benchmark asks for (a constant gradient would, over millions of steps,
 * drive centered RMSprop's variance to zero and NaN). */
typedef struct update_run {
    size_t n;
    float *param, *grad;
    float *state[MAX_STATE];
    unsigned used;
    any_scalars scalars[2];
} update_run;

static void run_free(update_run *r)
{
    free(r->param);
    free(r->grad);
    for (int i = 0; i < MAX_STATE; i++)
        free(r->state[i]);
}

/* NULL on success, else what went wrong. */
static const char *run_setup(update_run *r, const update_family *f, size_t n)
{
    const kernel_adapter *a = &adapters[f->kernel];
    *r = (update_run){.n = n};
    lr_optim_config cfg = lr_optim_defaults(f->kind);
    cfg.lr = f->lr;
    cfg.momentum = f->momentum;
    cfg.nesterov = f->nesterov;
    cfg.centered = f->centered;
    cfg.amsgrad = f->amsgrad;
    lr_config_error err;
    if (lr_optim_validate(&cfg, &err) != 0) {
        fprintf(stderr, "lrlab-bench: %s: %s: %s\n", f->name, err.field, err.message);
        return "invalid hyperparameters in the family table";
    }
    r->scalars[0] = a->prepare(&cfg, cfg.lr, TIMED_STEP);
    cfg.maximize = true;
    r->scalars[1] = a->prepare(&cfg, cfg.lr, TIMED_STEP);
    r->used = a->state_used(&r->scalars[0]);

    r->param = lr_bench_alloc(n);
    r->grad = lr_bench_alloc(n);
    if (!r->param || !r->grad)
        return "out of memory";
    lr_bench_fill(r->param, n, 1, 0.5f, 1.5f, true);
    lr_bench_fill(r->grad, n, 2, 0.1f, 1.0f, true);
    for (int i = 0; i < MAX_STATE; i++) {
        if (!(r->used & (1u << i)))
            continue;
        if (!(r->state[i] = lr_bench_alloc(n)))
            return "out of memory";
        /* Averages of g start below 0.25 in size, squares above 0.5: so v - ga^2 > 0 from the
         * start, as it is in training. */
        if (a->squares[i])
            lr_bench_fill(r->state[i], n, 3 + (uint64_t)i, 0.5f, 1.0f, false);
        else
            lr_bench_fill(r->state[i], n, 3 + (uint64_t)i, 0.0f, 0.25f, true);
    }
    return NULL;
}

static size_t state_count(const update_run *r)
{
    size_t c = 0;
    for (int i = 0; i < MAX_STATE; i++)
        c += (r->used >> i) & 1u;
    return c;
}

/* Reads grad, reads and writes param and each state array: the traffic of one step (as STREAM
 * counts it: a written array counts once for the read and once for the write). */
static int64_t bytes_per_step(const update_run *r)
{
    return (int64_t)((1 + 2 * (1 + state_count(r))) * r->n * sizeof(float));
}

static void run_report(gbench_state *st, const update_run *r)
{
    bool normal = lr_bench_all_normal(r->param, r->n);
    for (int i = 0; i < MAX_STATE; i++)
        if (r->state[i])
            normal = normal && lr_bench_all_normal(r->state[i], r->n);
    if (!normal) {
        gbench_skip_with_error(st, "parameters or state left the normal float range");
        return;
    }
    gbench_set_items_processed(st, gbench_iterations(st) * (int64_t)r->n);
    gbench_set_bytes_processed(st, gbench_iterations(st) * bytes_per_step(r));
}

static void time_kernel(gbench_state *st, const update_family *f, const lr_kernels *k)
{
    update_run r;
    const char *why = run_setup(&r, f, (size_t)gbench_state_arg(st, 0));
    if (why) {
        gbench_skip_with_error(st, why);
        run_free(&r);
        return;
    }
    const kernel_adapter *a = &adapters[f->kernel];
    unsigned parity = 0;
    /* doc:bench-update-rule */
    while (gbench_keep_running(st)) {
        a->step(k, &r.scalars[parity], r.n, r.param, r.grad, r.state);
        parity ^= 1u;
        gbench_clobber_memory();
    }
    /* end */
    run_report(st, &r);
    run_free(&r);
}

static void bench_ref(gbench_state *st, const void *ctx)
{
    time_kernel(st, ctx, &lr_kernels_reference);
}

static void bench_avx2(gbench_state *st, const void *ctx)
{
    time_kernel(st, ctx, &lr_kernels_avx2);
}

static void bench_roofline(gbench_state *st, const void *ctx)
{
    update_run r;
    const char *why = run_setup(&r, ctx, (size_t)gbench_state_arg(st, 0));
    if (why) {
        gbench_skip_with_error(st, why);
        run_free(&r);
        return;
    }
    float *rw[1 + MAX_STATE] = {r.param};
    size_t n_rw = 1;
    for (int i = 0; i < MAX_STATE; i++)
        if (r.state[i])
            rw[n_rw++] = r.state[i];
    const float *ro[1] = {r.grad};
    while (gbench_keep_running(st)) {
        lr_bench_roofline_avx2(r.n, n_rw, rw, 1, ro);
        gbench_clobber_memory();
    }
    run_report(st, &r);
    run_free(&r);
}

static void check_coverage(void)
{
    for (int k = 0; k < KERNEL_COUNT; k++) {
        bool used = false;
        for (int f = 0; f < FAMILY_COUNT; f++)
            used = used || families[f].kernel == (kernel_id)k;
        if (!adapters[k].step || !used) {
            fprintf(stderr, "lrlab-bench: kernel %d of LR_UPDATE_KERNELS has no adapter or family in "
                            "benchmarks/update_rules.c\n", k);
            abort();
        }
    }
}

GBENCH_CONSTRUCTOR(register_update_rules)
static void register_update_rules(void)
{
    check_coverage();
    const char *why = NULL;
    bool avx2 = lr_kernels_select(LR_IMPL_AVX2, &why) != NULL;
    if (!avx2)
        fprintf(stderr, "lrlab-bench: %s: timing the reference update rules only\n", why);
    /* Grouped by family and size, so that without interleaving the three implementations of one
     * case run back to back and see the same machine. */
    char name[64];
    for (int f = 0; f < FAMILY_COUNT; f++) {
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
            snprintf(name, sizeof name, "%s/ref", families[f].name);
            gbench_arg(gbench_register(name, bench_ref, &families[f]), sizes[s]);
            if (!avx2)
                continue;
            snprintf(name, sizeof name, "%s/avx2", families[f].name);
            gbench_arg(gbench_register(name, bench_avx2, &families[f]), sizes[s]);
            snprintf(name, sizeof name, "%s/roofline", families[f].name);
            gbench_arg(gbench_register(name, bench_roofline, &families[f]), sizes[s]);
        }
    }
}
