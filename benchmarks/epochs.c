/* C24/C25 speed: training epochs on Fashion-MNIST timed as epoch_PROBLEM/IMPL/N: N samples of a
 * seeded shuffle of the training set in minibatches of 128, each the problem's loss_grad and one
 * SGD step, reporting samples per second (items_per_second) and the dense layers' flops/s. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrlab/train.h"
#include "bench.h"
#include "gbench.h"
#include "lrlab/kernels.h"
#include "lrlab/objective_nn.h"
#include "lrlab/optim.h"

enum { BATCH = 128, FULL_EPOCH = 60000 /* Fashion-MNIST's training set */, SHUFFLE_SEED = 42 };
#define SGD_LR 0.05

typedef struct epoch_problem {
    const char *name;
    size_t hidden; /* width of the one hidden layer; 0: softmax regression */
} epoch_problem;

static const epoch_problem problems[] = {
    {"fmnist-softmax", 0},
    {"fmnist-mlp", 100},
};

/* A reference epoch takes about 1 s (softmax) and 7 s (MLP) here, so the reference trains on the
 * first 4096 samples of the shuffle (32 batches) and the AVX2 twin on the same 4096 (the ratio
 * avx2/ref compares equal work) and on the whole epoch (the figure PyTorch's epoch is set
 * against). */
typedef struct epoch_impl {
    const char *name;
    lr_impl impl;
    size_t samples;
} epoch_impl;

static const epoch_impl impls[] = {
    {"ref", LR_IMPL_REFERENCE, 4096},
    {"avx2", LR_IMPL_AVX2, 4096},
    {"avx2", LR_IMPL_AVX2, FULL_EPOCH},
};

/* The data set, loaded by the first run that needs it (about 0.5 s and 230 MB) and kept for the
 * others; shared by every epoch benchmark, freed with the last of them (refs). */
typedef struct epoch_data {
    unsigned refs;
    bool tried;
    char err[512];
    lr_dataset ds;
    size_t *order; /* a seeded shuffle of the training samples */
} epoch_data;

typedef struct epoch_case {
    const epoch_problem *problem;
    const epoch_impl *impl;
    const lr_kernels *k;
    epoch_data *data;
} epoch_case;

/* NULL when the data set is loaded, else why it is not. */
static const char *data_ready(epoch_data *d)
{
    if (!d->tried) {
        d->tried = true;
        if (lr_dataset_load(&d->ds, lr_data_dir(NULL), 0, d->err, sizeof d->err) != LR_DATA_OK)
            return d->err;
        size_t n = d->ds.train.n;
        if (!(d->order = malloc(n * sizeof(size_t)))) {
            snprintf(d->err, sizeof d->err, "out of memory");
            return d->err;
        }
        for (size_t i = 0; i < n; i++)
            d->order[i] = i;
        uint64_t s = SHUFFLE_SEED;
        lr_shuffle(d->order, n, &s);
    }
    return d->order ? NULL : d->err;
}

/* The multiply-adds of the dense layers per sample, 2 flops each: forward x w^T, backward dy^T x
 * and, for every layer but the first, dy w. Bias, ReLU, softmax and the SGD step are not counted
 * (under 1% of the total for both problems). */
static double gemm_flops_per_sample(const epoch_problem *p, const lr_dataset *ds)
{
    double in = (double)ds->dim, classes = (double)ds->n_classes, h = (double)p->hidden;
    if (!p->hidden)
        return 2.0 * (2.0 * in * classes);             /* forward, dW */
    return 2.0 * (2.0 * in * h + 3.0 * h * classes);   /* forward, dW; forward, dW, dx */
}

/* The state of one run: the problem, its parameters and gradient, the optimizer. */
typedef struct epoch_run {
    lr_problem p;
    float *params, *grad;
    lr_optimizer opt;
    bool opt_ready;
} epoch_run;

static void run_free(epoch_run *r)
{
    if (r->opt_ready)
        lr_optimizer_free(&r->opt);
    lr_problem_free(&r->p);
    free(r->params);
    free(r->grad);
}

static const char *run_setup(epoch_run *r, const epoch_case *c, char *err, size_t errlen)
{
    const lr_dataset *ds = &c->data->ds;
    int rc = c->problem->hidden
                 ? lr_problem_fmnist_mlp(&r->p, ds, &c->problem->hidden, 1, 0.0, err, errlen)
                 : lr_problem_fmnist_softmax(&r->p, ds, 0.0, err, errlen);
    if (rc != 0)
        return err;
    r->params = lr_bench_alloc(r->p.dim);
    r->grad = lr_bench_alloc(r->p.dim);
    if (!r->params || !r->grad)
        return "out of memory";
    r->p.init_params(r->p.ctx, 1, r->params);
    lr_optim_config cfg = lr_optim_defaults(LR_OPT_SGD);
    cfg.lr = SGD_LR;
    if (lr_optimizer_init(&r->opt, &cfg, r->p.dim, c->k) != 0)
        return "out of memory";
    r->opt_ready = true;
    return NULL;
}

static void bench_epoch(gbench_state *st, const void *ctx)
{
    const epoch_case *c = ctx;
    const char *why = data_ready(c->data);
    if (why) {
        gbench_skip_with_error(st, why);
        return;
    }
    const size_t *order = c->data->order;
    size_t n = c->impl->samples;
    char err[512];
    if (n > c->data->ds.train.n) {
        snprintf(err, sizeof err, "the training set in %s holds %zu samples, fewer than %zu",
                 lr_data_dir(NULL), c->data->ds.train.n, n);
        gbench_skip_with_error(st, err);
        return;
    }
    epoch_run r = {0};
    if ((why = run_setup(&r, c, err, sizeof err))) {
        gbench_skip_with_error(st, why);
        run_free(&r);
        return;
    }
    double loss = 0.0;
    /* doc:bench-epoch */
    while (gbench_keep_running(st)) {
        for (size_t b = 0; b < n; b += BATCH) {
            size_t m = n - b < BATCH ? n - b : BATCH;
            loss = r.p.loss_grad(r.p.ctx, c->k, r.params, order + b, m, r.grad);
            lr_optimizer_step(&r.opt, SGD_LR, r.params, r.grad);
        }
    }
    /* end */
    if (!isfinite(loss) || !lr_bench_all_normal(r.params, r.p.dim)) {
        gbench_skip_with_error(st, "training diverged or left the normal float range");
    } else {
        int64_t iters = gbench_iterations(st);
        gbench_set_items_processed(st, iters * (int64_t)n);
        gbench_add_rate_counter(st, "flops", (double)iters * (double)n *
                                                 gemm_flops_per_sample(c->problem, &c->data->ds));
    }
    run_free(&r);
}

static void release_case(void *ctx)
{
    epoch_case *c = ctx;
    if (--c->data->refs == 0) {
        lr_dataset_free(&c->data->ds);
        free(c->data->order);
        free(c->data);
    }
    free(c);
}

/* Both training files present (gzipped or not), as lr_dataset_load looks for them. */
static bool training_files_present(const char *dir)
{
    static const char *const names[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"};
    char path[4096];
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s.gz", dir, names[i]);
        bool gz = access(path, R_OK) == 0;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!gz && access(path, R_OK) != 0)
            return false;
    }
    return true;
}

static void *must_calloc(size_t size)
{
    void *p = calloc(1, size);
    if (!p) {
        fprintf(stderr, "lrlab-bench: out of memory while registering the epoch benchmarks\n");
        abort();
    }
    return p;
}

GBENCH_CONSTRUCTOR(register_epochs)
static void register_epochs(void)
{
    const char *dir = lr_data_dir(NULL);
    if (!training_files_present(dir)) {
        fprintf(stderr, "lrlab-bench: no Fashion-MNIST training files in %s (install the Debian "
                        "package dataset-fashion-mnist or set LRLAB_DATA): skipping the epoch "
                        "benchmarks\n", dir);
        return;
    }
    const char *why = NULL;
    bool avx2 = lr_kernels_select(LR_IMPL_AVX2, &why) != NULL;
    if (!avx2)
        fprintf(stderr, "lrlab-bench: %s: timing the reference epochs only\n", why);
    epoch_data *data = must_calloc(sizeof *data);
    char name[96];
    for (size_t p = 0; p < sizeof problems / sizeof problems[0]; p++) {
        for (size_t i = 0; i < sizeof impls / sizeof impls[0]; i++) {
            if (impls[i].impl == LR_IMPL_AVX2 && !avx2)
                continue;
            epoch_case *c = must_calloc(sizeof *c);
            *c = (epoch_case){&problems[p], &impls[i],
                              impls[i].impl == LR_IMPL_AVX2 ? &lr_kernels_avx2
                                                            : &lr_kernels_reference,
                              data};
            data->refs++;
            snprintf(name, sizeof name, "epoch_%s/%s", problems[p].name, impls[i].name);
            gbench_arg(gbench_register_owned(name, bench_epoch, c, release_case),
                       (int64_t)impls[i].samples);
        }
    }
    if (data->refs == 0)
        free(data);
}
