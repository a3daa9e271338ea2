/* C20 speed: K learning rates trained as lanes of one batched pass (lanes_NAME/batched/K/N) against
 * K runs of lr_train one after another on the AVX2 table (lanes_NAME/sequential/K/N), for one epoch
 * of fmnist-softmax (lanes_epoch) and of linreg (lanes_linreg), five epochs of fmnist-softmax
 * (lanes_sweep5), and N steps of the rotated quadratic (lanes_quadratic). items_per_second counts lane-samples (lane-steps for the
 * quadratic), rows and their evaluations included, so batched / sequential at one K is the
 * speedup the sweep gets from --batched; train_items_per_second counts training time alone. */
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

/* K rates log-spaced over [lo, hi], SGD with momentum 0.9: the settings of a sweep. */
static void lane_settings(size_t k, double lo, double hi, lr_optim_config *opt, double *lr)
{
    for (size_t i = 0; i < k; i++) {
        double t = k > 1 ? (double)i / (double)(k - 1) : 0.5;
        lr[i] = lo * pow(hi / lo, t);
        opt[i] = lr_optim_defaults(LR_OPT_SGD);
        opt[i].momentum = 0.9;
        opt[i].lr = lr[i];
    }
}

typedef enum { LAB_SOFTMAX, LAB_QUADRATIC, LAB_LINREG } lab_kind;

typedef struct lane_mode {
    bool batched;
    lab_kind lab;
    long epochs; /* minibatch labs: epochs per run (0: one) */
} lane_mode;

static const lane_mode softmax_batched = {true, LAB_SOFTMAX, 1}, softmax_seq = {false, LAB_SOFTMAX, 1};
/* Five epochs, a row after each: the shape of the report's Fashion-MNIST sweeps, where the rows'
 * evaluations weigh less than in a single epoch and the shared first one counts once in six. */
static const lane_mode sweep5_batched = {true, LAB_SOFTMAX, 5}, sweep5_seq = {false, LAB_SOFTMAX, 5};
static const lane_mode quadratic_batched = {true, LAB_QUADRATIC, 0};
static const lane_mode quadratic_seq = {false, LAB_QUADRATIC, 0};
static const lane_mode linreg_batched = {true, LAB_LINREG, 1}, linreg_seq = {false, LAB_LINREG, 1};

/* What a lane's last row says: whether it diverged (the timed work must stay finite) and its
 * training seconds (evaluation excluded; a batched lane's share of the pass). */
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

/* The problem of a benchmark at size n, its training settings, and the rates' range. */
typedef struct bench_lab {
    bench_data d; /* fmnist-softmax only */
    lr_problem p;
    lr_train_config tc;
    double lo, hi;
} bench_lab;

/* fmnist-softmax: an epoch of n images in batches of 128. The quadratic: dim 256 rotated (A is
 * 256 KiB, read once per step and once per row), n steps, a row per step as a sweep writes them,
 * rates below 2/L = 0.2. linreg: an epoch of n samples of 64 features, batches of 32, Huber. */
static int lab_make(bench_lab *b, lab_kind lab, size_t n, long epochs)
{
    char err[256];
    memset(b, 0, sizeof *b);
    b->lo = 1e-3;
    b->hi = 1e-1;
    if (lab == LAB_SOFTMAX) {
        b->tc = (lr_train_config){.epochs = epochs, .batch_size = 128, .seed = 1};
        return data_make(&b->d, n) == 0 &&
                       lr_problem_fmnist_softmax(&b->p, &b->d.ds, 0.0, err, sizeof err) == 0
                   ? 0
                   : -1;
    }
    if (lab == LAB_QUADRATIC) {
        b->tc = (lr_train_config){.steps = (long)n, .seed = 1};
        return lr_problem_quadratic(&b->p, 256, 0.01, 10.0, true, 1, err, sizeof err);
    }
    lr_linreg_config cfg = lr_linreg_defaults();
    cfg.samples = n;
    cfg.features = 64;
    cfg.outliers = 0.05;
    cfg.loss = LR_LOSS_HUBER;
    b->tc = (lr_train_config){.epochs = epochs, .batch_size = 32, .seed = 1};
    return lr_problem_linreg(&b->p, &cfg, err, sizeof err);
}

static void lab_free(bench_lab *b)
{
    lr_problem_free(&b->p);
    data_free(&b->d);
}

/* One iteration: the K lanes batched, or K single runs. */
static int train_lanes(const lane_mode *mode, bench_lab *b, size_t k, const lr_optim_config *opt,
                       double *lr, lane_end *end)
{
    int rc = 0;
    if (mode->batched) {
        lr_lane lanes[LR_LANES_MAX];
        for (size_t i = 0; i < k; i++)
            lanes[i] = (lr_lane){.opt = opt[i], .rates = {lr_rate_constant, NULL, &lr[i]},
                                 .hooks = {.sink = last_row, .sink_ctx = &end[i]}};
        return lr_lanes_train(&b->p, mode->lab == LAB_SOFTMAX ? &b->d.ds : NULL, 0.0, &b->tc,
                              lanes, k);
    }
    for (size_t i = 0; i < k; i++) {
        lr_rate_source rates = {lr_rate_constant, NULL, &lr[i]};
        lr_train_hooks hooks = {.sink = last_row, .sink_ctx = &end[i]};
        rc |= lr_train(&b->p, &opt[i], &rates, &b->tc, &lr_kernels_avx2, &hooks);
    }
    return rc;
}

static void bench_lanes(gbench_state *st, const void *ctx)
{
    const lane_mode *mode = ctx;
    size_t k = (size_t)gbench_state_arg(st, 0), n = (size_t)gbench_state_arg(st, 1);
    if (!lr_cpu_has_avx2_fma()) {
        gbench_skip_with_error(st, "no AVX2+FMA on this CPU");
        return;
    }
    bench_lab b;
    long epochs = mode->epochs > 0 ? mode->epochs : 1;
    if (lab_make(&b, mode->lab, n, epochs) != 0) {
        lab_free(&b);
        gbench_skip_with_error(st, "cannot build the problem");
        return;
    }
    lr_optim_config opt[LR_LANES_MAX];
    double lr[LR_LANES_MAX];
    lane_end end[LR_LANES_MAX] = {{false, 0.0}};
    double train_seconds = 0.0;
    lane_settings(k, b.lo, b.hi, opt, lr);
    int rc = 0;
    while (gbench_keep_running(st)) {
        rc |= train_lanes(mode, &b, k, opt, lr, end);
        for (size_t i = 0; i < k; i++)
            train_seconds += end[i].seconds;
    }
    for (size_t i = 0; i < k; i++)
        rc |= end[i].diverged;
    if (rc != 0)
        gbench_skip_with_error(st, "a lane failed or diverged");
    int64_t per_iter = (int64_t)(k * n) * epochs; /* the quadratic: n steps, epochs 1 */
    gbench_set_items_processed(st, gbench_iterations(st) * per_iter);
    /* The same lane-samples per second of training time alone (the rows' seconds, wall clock),
     * as lrlab train reports it: the evaluations at each row are left out. */
    if (train_seconds > 0.0)
        gbench_set_counter(st, "train_items_per_second",
                           (double)gbench_iterations(st) * (double)per_iter / train_seconds,
                           GBENCH_COUNTER_DEFAULT);
    lab_free(&b);
}

GBENCH_CONSTRUCTOR(register_lanes)
static void register_lanes(void)
{
    /* N = 4096 training images: an epoch and its two evaluations take milliseconds per lane. */
    gbench_benchmark *batched = gbench_register("lanes_epoch/batched", bench_lanes, &softmax_batched);
    gbench_benchmark *seq = gbench_register("lanes_epoch/sequential", bench_lanes, &softmax_seq);
    for (int64_t k = 1; k <= LR_LANES_MAX; k *= 2) {
        const int64_t args[2] = {k, 4096};
        gbench_args(batched, args, 2);
        gbench_args(seq, args, 2);
    }
    const int64_t sweep5[2] = {8, 4096};
    gbench_args(gbench_register("lanes_sweep5/batched", bench_lanes, &sweep5_batched), sweep5, 2);
    gbench_args(gbench_register("lanes_sweep5/sequential", bench_lanes, &sweep5_seq), sweep5, 2);
    /* The labs at K = 8: 200 steps of the rotated quadratic, an epoch of 4096 linreg samples (in `make check`'s smoke pass). */
    const int64_t quad[2] = {8, 200}, lin[2] = {8, 4096};
    gbench_args(gbench_register("lanes_quadratic/batched", bench_lanes, &quadratic_batched), quad, 2);
    gbench_args(gbench_register("lanes_quadratic/sequential", bench_lanes, &quadratic_seq), quad, 2);
    gbench_args(gbench_register("lanes_linreg/batched", bench_lanes, &linreg_batched), lin, 2);
    gbench_args(gbench_register("lanes_linreg/sequential", bench_lanes, &linreg_seq), lin, 2);
}
