/* C22 chained Rosenbrock as an lr_problem: the start (-1.2, 1, -1.2, 1, ...), the distance to the
 * global minimizer (1, ..., 1), validation. The loss and gradient come from the kernel table. */
#include <math.h>

#include "lrlab/kernels.h"
#include "lrlab/objective.h"
#include "objective_util.h"

typedef struct rosenbrock_ctx {
    size_t n;
    float *scratch; /* the gradient evaluate() does not return */
} rosenbrock_ctx;

static void rosenbrock_destroy(void *ctx)
{
    rosenbrock_ctx *r = ctx;
    if (!r)
        return;
    free(r->scratch);
    free(r);
}

static void rosenbrock_init_params(void *ctx, uint64_t seed, float *params)
{
    (void)seed; /* the classic start is fixed */
    rosenbrock_ctx *r = ctx;
    for (size_t i = 0; i < r->n; i++)
        params[i] = i % 2 == 0 ? -1.2f : 1.0f;
}

static double rosenbrock_loss_grad(void *ctx, const lr_kernels *k, const float *params,
                                   const size_t *idx, size_t batch, float *grad)
{
    (void)idx, (void)batch; /* full batch: the whole objective */
    rosenbrock_ctx *r = ctx;
    return k->rosenbrock(r->n, params, grad);
}

static void rosenbrock_evaluate(void *ctx, const lr_kernels *k, const float *params, lr_eval *out)
{
    rosenbrock_ctx *r = ctx;
    out->train_loss = k->rosenbrock(r->n, params, r->scratch);
    double ss = 0.0;
    for (size_t i = 0; i < r->n; i++) {
        double e = (double)params[i] - 1.0;
        ss += e * e;
    }
    out->dist = sqrt(ss);
    out->test_loss = NAN;
    out->test_acc = NAN;
}

int lr_problem_rosenbrock(lr_problem *p, size_t dim, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (dim < 2)
        return obj_fail(err, errlen, "dim must be at least 2 for Rosenbrock (got %zu)", dim);
    if (dim > SIZE_MAX / sizeof(float) / 2)
        return obj_fail(err, errlen, "dim = %zu is too large", dim);
    rosenbrock_ctx *r = calloc(1, sizeof *r);
    if (r)
        r->scratch = obj_floats(dim);
    if (!r || !r->scratch) {
        rosenbrock_destroy(r);
        return obj_fail(err, errlen, "out of memory for Rosenbrock of dim %zu", dim);
    }
    r->n = dim;
    p->name = "rosenbrock";
    p->dim = dim;
    p->n_train = 0;
    p->ctx = r;
    p->init_params = rosenbrock_init_params;
    p->loss_grad = rosenbrock_loss_grad;
    p->evaluate = rosenbrock_evaluate;
    p->destroy = rosenbrock_destroy;
    return 0;
}
