/* C21-C25 speed: every kernel of LR_OBJECTIVE_KERNELS timed as grad_KERNEL/IMPL/SHAPE (IMPL ref or
 * avx2) at the shapes training uses, reporting flops per second, and peak/avx2/fma, one core's
 * rate of 256-bit FMAs: the compute roofline of the gradients, measured in the same run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "gbench.h"
#include "lrlab/kernels.h"

/* One id per kernel of LR_OBJECTIVE_KERNELS: registration refuses to run while a kernel of the list
 * has no adapter or no shape below, so a new kernel cannot go unbenchmarked. */
#define KERNEL_ID(name, type, ref, avx2, ids) KERNEL_##name,
typedef enum grad_kernel { LR_OBJECTIVE_KERNELS(KERNEL_ID) KERNEL_COUNT } grad_kernel;
#undef KERNEL_ID

#define KERNEL_NAME(name, type, ref, avx2, ids) #name,
static const char *const kernel_names[KERNEL_COUNT] = {LR_OBJECTIVE_KERNELS(KERNEL_NAME)};
#undef KERNEL_NAME

/* One timed shape. The sizes mean, per kernel: quadratic_diag, quadratic_dense, rosenbrock: n
 * (dense: an n x n matrix); linreg: m samples of n features; dense_forward, dense_backward: m
 * rows, k inputs, n outputs; softmax_xent, softmax_metrics: m rows of n classes (metrics: as
 * one evaluation chunk of LR_NN_CHUNK rows); gather_pixels: m rows of k
 * pixels from a pool of n images. `flag`: dense_forward applies ReLU (a hidden layer);
 * dense_backward computes dx and masks it by the ReLU (every layer but the first). */
typedef struct grad_case {
    grad_kernel kernel;
    const char *shape; /* the SHAPE of the name */
    size_t m, k, n;
    bool flag;
} grad_case;

/* Batch 128 throughout, as `lrlab train` uses by default. The dense shapes are the layers of
 * softmax regression (784 -> 10) and of an MLP 784-128-10. */
static const grad_case cases[] = {
    {KERNEL_quadratic_diag, "4096", 0, 0, 4096, false},
    {KERNEL_quadratic_diag, "65536", 0, 0, 65536, false},
    {KERNEL_quadratic_diag, "1048576", 0, 0, 1048576, false},
    {KERNEL_quadratic_dense, "64", 0, 0, 64, false},
    {KERNEL_quadratic_dense, "256", 0, 0, 256, false},
    {KERNEL_quadratic_dense, "1024", 0, 0, 1024, false},
    {KERNEL_rosenbrock, "4096", 0, 0, 4096, false},
    {KERNEL_rosenbrock, "65536", 0, 0, 65536, false},
    {KERNEL_rosenbrock, "1048576", 0, 0, 1048576, false},
    {KERNEL_linreg, "128x10", 128, 0, 10, false},
    {KERNEL_linreg, "128x100", 128, 0, 100, false},
    {KERNEL_dense_forward, "128x784x10", 128, 784, 10, false},
    {KERNEL_dense_forward, "128x784x128", 128, 784, 128, true},
    {KERNEL_dense_forward, "128x128x10", 128, 128, 10, false},
    {KERNEL_dense_backward, "128x784x10", 128, 784, 10, false},
    {KERNEL_dense_backward, "128x784x128", 128, 784, 128, false},
    {KERNEL_dense_backward, "128x128x10", 128, 128, 10, true},
    {KERNEL_softmax_xent, "128x10", 128, 0, 10, false},
    {KERNEL_softmax_metrics, "256x10", 256, 0, 10, false},
    {KERNEL_gather_pixels, "128x784", 128, 784, 60000, false},
};
enum { CASE_COUNT = sizeof cases / sizeof cases[0] };

enum { MAX_ARRAYS = 6 };

/* The data of one benchmark run: float arrays a[] (their roles per kernel in the adapters),
 * bytes (labels or pixels), indices, the AVX2 GEMM's scratch, and which array is the output
 * checked after the loop. */
typedef struct grad_run {
    float *a[MAX_ARRAYS];
    uint8_t *bytes;
    size_t *idx;
    size_t n_idx, next; /* gather: the rows of iteration i start at idx[next] */
    size_t right;       /* softmax_metrics: its count of rows classified right */
    float *scratch;
    const float *out;
    size_t out_n;
} grad_run;

/* How to set up, call and count one kernel. Flops are the reference's floating-point operations
 * (an FMA counts 2, an exp 1); bytes each array read or written once. items are coordinates for
 * the full-batch objectives, samples (rows) for the others. */
typedef struct grad_adapter {
    const char *(*setup)(grad_run *r, const grad_case *c); /* NULL or what went wrong */
    float (*call)(const lr_kernels *k, grad_run *r, const grad_case *c);
    double (*flops)(const grad_case *c);
    double (*bytes)(const grad_case *c);
    size_t (*items)(const grad_case *c);
} grad_adapter;

static const char *floats(grad_run *r, int slot, size_t n, uint64_t seed, float lo, float hi,
                          bool signed_values)
{
    if (!(r->a[slot] = lr_bench_alloc(n)))
        return "out of memory";
    lr_bench_fill(r->a[slot], n, seed, lo, hi, signed_values);
    return NULL;
}

static const char *outputs(grad_run *r, int slot, size_t n)
{
    if (!(r->a[slot] = lr_bench_alloc(n)))
        return "out of memory";
    r->out = r->a[slot];
    r->out_n = n;
    return NULL;
}

/* Sets up arrays in order, stopping at the first failure. */
#define TRY(call)                                                                                  \
    do {                                                                                           \
        const char *why_ = (call);                                                                 \
        if (why_)                                                                                  \
            return why_;                                                                           \
    } while (0)

static size_t n_items(const grad_case *c)
{
    return c->n;
}

static size_t m_items(const grad_case *c)
{
    return c->m;
}

/* ---- C21 quadratic ------------------------------------------------------------------------ */

static const char *diag_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->n, 11, 0.5f, 1.5f, false)); /* eigenvalues */
    TRY(floats(r, 1, c->n, 12, 0.5f, 1.5f, true));  /* x */
    return outputs(r, 2, c->n);
}

static float diag_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    return k->quadratic_diag(c->n, r->a[0], r->a[1], r->a[2]);
}

static double diag_flops(const grad_case *c)
{
    return 3.0 * (double)c->n; /* g = eig x; loss += x g */
}

static double diag_bytes(const grad_case *c)
{
    return 12.0 * (double)c->n;
}

static const char *dense_quad_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->n * c->n, 13, 0.0f, 1.0f, true)); /* A */
    TRY(floats(r, 1, c->n, 14, 0.5f, 1.5f, true));        /* x */
    return outputs(r, 2, c->n);
}

static float dense_quad_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    return k->quadratic_dense(c->n, r->a[0], c->n, r->a[1], r->a[2]);
}

static double dense_quad_flops(const grad_case *c)
{
    double n = (double)c->n;
    return 2.0 * n * n + 2.0 * n; /* A x, then x . (A x) */
}

static double dense_quad_bytes(const grad_case *c)
{
    double n = (double)c->n;
    return 4.0 * (n * n + 2.0 * n);
}

/* ---- C22 Rosenbrock --------------------------------------------------------------------- */

static const char *rosen_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->n, 15, 0.5f, 1.5f, true));
    return outputs(r, 1, c->n);
}

static float rosen_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    return k->rosenbrock(c->n, r->a[0], r->a[1]);
}

static double rosen_flops(const grad_case *c)
{
    /* Per term of the sum: 8 for the loss, 7 for the gradient of its left end, 4 of its right. */
    return 19.0 * (double)(c->n - 1);
}

static double rosen_bytes(const grad_case *c)
{
    return 8.0 * (double)c->n;
}

/* ---- C23 linear regression -------------------------------------------------------------- */

static const char *linreg_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->m * c->n, 16, 0.0f, 1.0f, true)); /* X */
    TRY(floats(r, 1, c->m, 17, 0.0f, 1.0f, true));        /* y */
    TRY(floats(r, 2, c->n, 18, 0.0f, 0.5f, true));        /* w */
    return outputs(r, 3, c->n);
}

static float linreg_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    /* The samples in order (idx NULL): the batch a shuffled epoch gathers would be the same work
     * on rows from elsewhere in memory. */
    lr_linreg_batch b = {.X = r->a[0], .ld = c->n, .y = r->a[1], .idx = NULL, .batch = c->m,
                         .features = c->n, .loss = LR_LOSS_MSE, .delta = 1.0f};
    return k->linreg(&b, r->a[2], r->a[3]);
}

static double linreg_flops(const grad_case *c)
{
    /* Per sample: residual 2d + 1, loss 3, gradient 2d; then d divisions and one. */
    double d = (double)c->n;
    return (double)c->m * (4.0 * d + 4.0) + d + 1.0;
}

static double linreg_bytes(const grad_case *c)
{
    return 4.0 * ((double)c->m * (double)c->n + (double)c->m + 2.0 * (double)c->n);
}

/* ---- C24/C25 dense layers --------------------------------------------------------------- */

static const char *scratch(grad_run *r)
{
    return (r->scratch = lr_bench_alloc(LR_DENSE_SCRATCH_FLOATS)) ? NULL : "out of memory";
}

static const char *forward_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->m * c->k, 19, 0.0f, 1.0f, false)); /* x: pixels or ReLU outputs */
    TRY(floats(r, 1, c->n * c->k, 20, 0.0f, 0.1f, true));  /* w */
    TRY(floats(r, 2, c->n, 21, 0.0f, 0.1f, true));         /* b */
    TRY(scratch(r));
    return outputs(r, 3, c->m * c->n);
}

static float forward_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    k->dense_forward(c->m, c->k, c->n, r->a[0], r->a[1], r->a[2], c->flag, r->a[3], r->scratch);
    return r->a[3][0];
}

static double forward_flops(const grad_case *c)
{
    double rows = (double)c->m, out = (double)c->n;
    return rows * out * (2.0 * (double)c->k + 1.0); /* x w^T + b */
}

static double forward_bytes(const grad_case *c)
{
    double rows = (double)c->m, in = (double)c->k, out = (double)c->n;
    return 4.0 * (rows * in + out * in + out + rows * out);
}

static const char *backward_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->m * c->k, 22, 0.0f, 1.0f, c->flag)); /* x */
    if (c->flag) /* a ReLU's output: about half of it zero */
        for (size_t i = 0; i < c->m * c->k; i++)
            r->a[0][i] = r->a[0][i] < 0.0f ? 0.0f : r->a[0][i];
    TRY(floats(r, 1, c->n * c->k, 23, 0.0f, 0.1f, true));   /* w */
    TRY(floats(r, 2, c->m * c->n, 24, 0.0f, 0.01f, true));  /* dy */
    TRY(outputs(r, 4, c->n));                               /* db */
    if (c->flag)
        TRY(outputs(r, 5, c->m * c->k));                    /* dx */
    TRY(scratch(r));
    return outputs(r, 3, c->n * c->k);                      /* dw: the output checked */
}

static float backward_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    k->dense_backward(c->m, c->k, c->n, r->a[0], r->a[1], r->a[2], false, r->a[3], r->a[4],
                      c->flag ? r->a[5] : NULL, c->flag, r->scratch);
    return r->a[3][0];
}

static double backward_flops(const grad_case *c)
{
    double rows = (double)c->m, in = (double)c->k, out = (double)c->n;
    double dw_db = rows * out * (2.0 * in + 1.0);
    return dw_db + (c->flag ? 2.0 * rows * in * out : 0.0);
}

static double backward_bytes(const grad_case *c)
{
    double rows = (double)c->m, in = (double)c->k, out = (double)c->n;
    double base = rows * in + rows * out + out * in + out; /* x, dy read; dw, db written */
    return 4.0 * (base + (c->flag ? out * in + rows * in : 0.0)); /* w read, dx written */
}

/* ---- C24/C25 softmax cross-entropy ------------------------------------------------------ */

static const char *softmax_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->m * c->n, 25, 0.0f, 4.0f, true));
    if (!(r->bytes = malloc(c->m)))
        return "out of memory";
    for (size_t i = 0; i < c->m; i++)
        r->bytes[i] = (uint8_t)((i * 7 + 3) % c->n);
    return outputs(r, 1, c->m * c->n);
}

static float softmax_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    return (float)k->softmax_xent(c->m, c->n, r->a[0], r->bytes, 1.0f / (float)c->m, r->a[1]);
}

static double softmax_flops(const grad_case *c)
{
    /* Per logit: subtract the maximum, exp, add to the sum, divide, scale (nominal: the exp, a
     * polynomial of a dozen operations, counts as one). */
    return 5.0 * (double)c->m * (double)c->n;
}

static double softmax_bytes(const grad_case *c)
{
    return 8.0 * (double)c->m * (double)c->n + (double)c->m;
}

/* The evaluation half: the same logits and labels, no gradient (so no output array). */
static const char *metrics_setup(grad_run *r, const grad_case *c)
{
    TRY(floats(r, 0, c->m * c->n, 25, 0.0f, 4.0f, true));
    if (!(r->bytes = malloc(c->m)))
        return "out of memory";
    for (size_t i = 0; i < c->m; i++)
        r->bytes[i] = (uint8_t)((i * 7 + 3) % c->n);
    return NULL;
}

static float metrics_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    return (float)k->softmax_metrics(c->m, c->n, r->a[0], c->n, r->bytes, &r->right);
}

static double metrics_flops(const grad_case *c)
{
    /* Per logit: subtract the maximum, exp, add to the sum (the argmax compares are not flops). */
    return 3.0 * (double)c->m * (double)c->n;
}

static double metrics_bytes(const grad_case *c)
{
    return 4.0 * (double)c->m * (double)c->n + (double)c->m;
}

/* ---- C24/C25 minibatch gather ------------------------------------------------------------ */

/* A pool the size of Fashion-MNIST's training set (47 MB, more than the last-level cache of most
 * machines) and a shuffled order through it, so that each iteration gathers rows the previous ones
 * did not bring into cache, as a shuffled epoch does. */
static const char *gather_setup(grad_run *r, const grad_case *c)
{
    size_t pool = c->n, dim = c->k;
    if (!(r->bytes = malloc(pool * dim)) || !(r->idx = malloc(pool * sizeof(size_t))))
        return "out of memory";
    uint64_t s = 27;
    for (size_t i = 0; i < pool * dim; i++) {
        s = s * 6364136223846793005u + 1442695040888963407u; /* an LCG: fast, and enough here */
        r->bytes[i] = (uint8_t)(s >> 56);
    }
    for (size_t i = 0; i < pool; i++)
        r->idx[i] = i;
    for (size_t i = pool - 1; i > 0; i--) {
        s = s * 6364136223846793005u + 1442695040888963407u;
        size_t j = (size_t)((s >> 33) % (i + 1)), t = r->idx[i];
        r->idx[i] = r->idx[j];
        r->idx[j] = t;
    }
    r->n_idx = pool;
    return outputs(r, 0, c->m * dim);
}

static float gather_call(const lr_kernels *k, grad_run *r, const grad_case *c)
{
    if (r->next + c->m > r->n_idx)
        r->next = 0;
    k->gather_pixels(c->m, c->k, r->bytes, r->idx + r->next, r->a[0]);
    r->next += c->m;
    return r->a[0][0];
}

static double gather_flops(const grad_case *c)
{
    (void)c;
    return 0.0; /* data movement: its speed is bytes per second, not flops */
}

static double gather_bytes(const grad_case *c)
{
    /* Pixel bytes read, floats written, indices read. */
    return (double)c->m * (5.0 * (double)c->k + (double)sizeof(size_t));
}

static const grad_adapter adapters[KERNEL_COUNT] = {
    [KERNEL_quadratic_diag] = {diag_setup, diag_call, diag_flops, diag_bytes, n_items},
    [KERNEL_quadratic_dense] = {dense_quad_setup, dense_quad_call, dense_quad_flops,
                                dense_quad_bytes, n_items},
    [KERNEL_rosenbrock] = {rosen_setup, rosen_call, rosen_flops, rosen_bytes, n_items},
    [KERNEL_linreg] = {linreg_setup, linreg_call, linreg_flops, linreg_bytes, m_items},
    [KERNEL_dense_forward] = {forward_setup, forward_call, forward_flops, forward_bytes, m_items},
    [KERNEL_dense_backward] = {backward_setup, backward_call, backward_flops, backward_bytes,
                               m_items},
    [KERNEL_softmax_xent] = {softmax_setup, softmax_call, softmax_flops, softmax_bytes, m_items},
    [KERNEL_softmax_metrics] = {metrics_setup, metrics_call, metrics_flops, metrics_bytes, m_items},
    [KERNEL_gather_pixels] = {gather_setup, gather_call, gather_flops, gather_bytes, m_items},
};

static void run_free(grad_run *r)
{
    for (int i = 0; i < MAX_ARRAYS; i++)
        free(r->a[i]);
    free(r->bytes);
    free(r->idx);
    free(r->scratch);
}

static void time_gradient(gbench_state *st, const grad_case *c, const lr_kernels *k)
{
    const grad_adapter *a = &adapters[c->kernel];
    grad_run r = {0};
    const char *why = a->setup(&r, c);
    if (why) {
        gbench_skip_with_error(st, why);
        run_free(&r);
        return;
    }
    float result = 0.0f;
    /* doc:bench-gradient */
    while (gbench_keep_running(st)) {
        result = a->call(k, &r, c);
        gbench_do_not_optimize(result);
        gbench_clobber_memory();
    }
    /* end */
    if (!isfinite(result) || !lr_bench_all_normal(r.out, r.out_n)) {
        gbench_skip_with_error(st, "the loss or gradient is not an ordinary float");
    } else {
        double iters = (double)gbench_iterations(st);
        gbench_set_items_processed(st, gbench_iterations(st) * (int64_t)a->items(c));
        gbench_set_bytes_processed(st, (int64_t)(iters * a->bytes(c)));
        if (a->flops(c) > 0.0)
            gbench_add_rate_counter(st, "flops", iters * a->flops(c));
    }
    run_free(&r);
}

static void bench_ref(gbench_state *st, const void *ctx)
{
    time_gradient(st, ctx, &lr_kernels_reference);
}

static void bench_avx2(gbench_state *st, const void *ctx)
{
    time_gradient(st, ctx, &lr_kernels_avx2);
}

/* peak/avx2/fma: items are 256-bit FMA instructions, each 16 flops (8 lanes, multiply and add). */
static void bench_peak(gbench_state *st, const void *ctx)
{
    (void)ctx;
    enum { TRIPS = 4096 }; /* about 100 000 FMAs: tens of microseconds per iteration */
    float sum = 0.0f;
    while (gbench_keep_running(st)) {
        sum = lr_bench_peak_fma_avx2(TRIPS, 1.0f, 0.75f, 0.25f);
        gbench_do_not_optimize(sum);
    }
    /* 1 * 0.75 + 0.25 = 1 exactly, in every lane of every chain. */
    if (sum != (float)(8 * LR_PEAK_CHAINS)) {
        gbench_skip_with_error(st, "the FMA chains left their fixed point");
        return;
    }
    int64_t fmas = gbench_iterations(st) * TRIPS * LR_PEAK_CHAINS * LR_PEAK_ROUNDS;
    gbench_set_items_processed(st, fmas);
    gbench_add_rate_counter(st, "flops", 16.0 * (double)fmas);
}

static void check_coverage(void)
{
    for (int k = 0; k < KERNEL_COUNT; k++) {
        bool used = false;
        for (int c = 0; c < CASE_COUNT; c++)
            used = used || cases[c].kernel == (grad_kernel)k;
        if (!adapters[k].setup || !used) {
            fprintf(stderr, "lrlab-bench: kernel %s of LR_OBJECTIVE_KERNELS has no adapter or shape "
                            "in benchmarks/gradients.c\n", kernel_names[k]);
            abort();
        }
    }
}

GBENCH_CONSTRUCTOR(register_gradients)
static void register_gradients(void)
{
    check_coverage();
    const char *why = NULL;
    bool avx2 = lr_kernels_select(LR_IMPL_AVX2, &why) != NULL;
    if (!avx2)
        fprintf(stderr, "lrlab-bench: %s: timing the reference gradients only, without the peak\n",
                why);
    else
        gbench_register("peak/avx2/fma", bench_peak, NULL);
    char name[96];
    for (int c = 0; c < CASE_COUNT; c++) {
        snprintf(name, sizeof name, "grad_%s/ref/%s", kernel_names[cases[c].kernel], cases[c].shape);
        gbench_register(name, bench_ref, &cases[c]);
        if (!avx2)
            continue;
        snprintf(name, sizeof name, "grad_%s/avx2/%s", kernel_names[cases[c].kernel],
                 cases[c].shape);
        gbench_register(name, bench_avx2, &cases[c]);
    }
}
