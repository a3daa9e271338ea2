/* C20 speed: K learning rates of fmnist-softmax for one epoch, as lanes of one batched pass
 * (lanes_epoch/batched/K/N) against K runs of lr_train one after another on the AVX2 table
 * (lanes_epoch/sequential/K/N). items_per_second counts lane-samples (K x N per iteration, the
 * epoch's rows with their evaluations included), so batched / sequential at one K is the speedup
 * the sweep gets from --batched; train_items_per_second counts training time alone. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/train.h"
#include "gbench.h"
#include "lrlab/kernels.h"
#include "lrlab/lanes.h"
#include "lrlab/objective_nn.h"

/* The data: N training and N/6 test images of Fashion-MNIST's shape (784 bytes, 10 classes; the
 * real files' 60000:10000 ratio), random seeded bytes and labels, so the benchmark needs no data
 * files and loads in no time. Speed does not depend on the pixel values; every lane is checked to
 * stay finite, so no lane leaves the GEMM early. */
typedef struct bench_data {
    lr_dataset ds;
    uint8_t *pixels, *labels;
    float *x;
} bench_data;

static int data_make(bench_data *d, size_t ntrain)
{
    size_t ntest = ntrain / 6, n = ntrain + ntest, dim = 784;
    memset(d, 0, sizeof *d);
    d->pixels = malloc(n * dim);
    d->labels = malloc(n);
    d->x = malloc(n * dim * sizeof(float));
    if (!d->pixels || !d->labels || !d->x)
        return -1;
    uint64_t s = 20240601;
    for (size_t i = 0; i < n * dim; i++) {
        d->pixels[i] = (uint8_t)(lr_splitmix64(&s) >> 56);
        d->x[i] = (float)d->pixels[i] / 255.0f;
    }
    for (size_t i = 0; i < n; i++)
        d->labels[i] = (uint8_t)(lr_splitmix64(&s) % 10);
    d->ds = (lr_dataset){.rows = 28, .cols = 28, .dim = dim, .n_classes = 10,
                         .train = {ntrain, d->x, d->labels, d->pixels},
                         .test = {ntest, d->x + ntrain * dim, d->labels + ntrain,
                                  d->pixels + ntrain * dim}};
    return 0;
}

static void data_free(bench_data *d)
{
    free(d->pixels);
    free(d->labels);
    free(d->x);
}

/* K rates log-spaced over [1e-3, 1e-1], SGD with momentum 0.9: the settings of a sweep. */
static void lane_settings(size_t k, lr_optim_config *opt, double *lr)
{
    for (size_t i = 0; i < k; i++) {
        double t = k > 1 ? (double)i / (double)(k - 1) : 0.5;
        lr[i] = 1e-3 * pow(100.0, t);
        opt[i] = lr_optim_defaults(LR_OPT_SGD);
        opt[i].momentum = 0.9;
        opt[i].lr = lr[i];
    }
}

typedef struct lane_mode {
    bool batched;
} lane_mode;

static const lane_mode mode_batched = {true}, mode_sequential = {false};

/* What the last row of a lane says: whether it diverged (the timed work must stay finite) and
 * its training seconds (evaluation excluded; a batched lane's share of the pass). */
typedef struct lane_end {
    bool diverged;
    double seconds;
} lane_end;

static int last_row(void *ctx, const lr_train_row *row)
{
    lane_end *e = ctx;
    e->diverged = row->diverged;
    e->seconds = row->seconds;
    return 0;
}

static void bench_lanes(gbench_state *st, const void *ctx)
{
    const lane_mode *mode = ctx;
    size_t k = (size_t)gbench_state_arg(st, 0), n = (size_t)gbench_state_arg(st, 1);
    if (!lr_cpu_has_avx2_fma()) {
        gbench_skip_with_error(st, "no AVX2+FMA on this CPU");
        return;
    }
    bench_data d;
    lr_problem p;
    char err[256];
    if (data_make(&d, n) != 0 || lr_problem_fmnist_softmax(&p, &d.ds, 0.0, err, sizeof err) != 0) {
        data_free(&d);
        gbench_skip_with_error(st, "cannot build the problem");
        return;
    }
    lr_optim_config opt[LR_LANES_MAX];
    double lr[LR_LANES_MAX];
    lane_end end[LR_LANES_MAX] = {{false, 0.0}};
    double train_seconds = 0.0;
    lane_settings(k, opt, lr);
    lr_train_config tc = {.epochs = 1, .batch_size = 128, .seed = 1};
    int rc = 0;
    while (gbench_keep_running(st)) {
        if (mode->batched) {
            lr_lane lanes[LR_LANES_MAX];
            for (size_t i = 0; i < k; i++)
                lanes[i] = (lr_lane){.opt = opt[i], .rates = {lr_rate_constant, NULL, &lr[i]},
                                     .hooks = {.sink = last_row, .sink_ctx = &end[i]}};
            rc |= lr_lanes_train_softmax(&p, &d.ds, 0.0, &tc, lanes, k);
        } else {
            for (size_t i = 0; i < k; i++) {
                lr_rate_source rates = {lr_rate_constant, NULL, &lr[i]};
                lr_train_hooks hooks = {.sink = last_row, .sink_ctx = &end[i]};
                rc |= lr_train(&p, &opt[i], &rates, &tc, &lr_kernels_avx2, &hooks);
            }
        }
        for (size_t i = 0; i < k; i++)
            train_seconds += end[i].seconds;
    }
    for (size_t i = 0; i < k; i++)
        rc |= end[i].diverged;
    if (rc != 0)
        gbench_skip_with_error(st, "a lane failed or diverged");
    gbench_set_items_processed(st, gbench_iterations(st) * (int64_t)(k * n));
    /* The same lane-samples per second of training time alone (the rows' seconds, wall clock),
     * as lrlab train reports it: the evaluations at each row are left out. */
    if (train_seconds > 0.0)
        gbench_set_counter(st, "train_items_per_second",
                           (double)gbench_iterations(st) * (double)(k * n) / train_seconds,
                           GBENCH_COUNTER_DEFAULT);
    lr_problem_free(&p);
    data_free(&d);
}

GBENCH_CONSTRUCTOR(register_lanes)
static void register_lanes(void)
{
    /* N = 4096 training images: an epoch and its two evaluations take milliseconds per lane. */
    gbench_benchmark *batched = gbench_register("lanes_epoch/batched", bench_lanes, &mode_batched);
    gbench_benchmark *seq = gbench_register("lanes_epoch/sequential", bench_lanes, &mode_sequential);
    for (int64_t k = 1; k <= LR_LANES_MAX; k *= 2) {
        const int64_t args[2] = {k, 4096};
        gbench_args(batched, args, 2);
        gbench_args(seq, args, 2);
    }
}
