/* C21-C25 as the training loop sees them: a problem is parameters, a loss with its gradient over a
 * batch of training samples (or the whole objective), and an evaluation. Each objective fills one
 * lr_problem; its kernels come from the table it is handed, so either twin can be forced. */
#ifndef LRLAB_PROBLEM_H
#define LRLAB_PROBLEM_H

#include <stddef.h>
#include <stdint.h>

struct lr_kernels;

/* What an evaluation reports; NaN where a field does not apply. */
typedef struct lr_eval {
    double train_loss; /* full training objective (full-batch problems: f(x)) */
    double test_loss;  /* held-out loss (validation set when one is held out) */
    double test_acc;   /* classification accuracy in [0, 1] */
    double dist;       /* distance to the known minimizer (quadratic, rosenbrock) */
} lr_eval;

typedef struct lr_problem {
    const char *name;     /* "quadratic", "rosenbrock", "linreg", "fmnist-softmax", "fmnist-mlp" */
    size_t dim;           /* number of float parameters */
    size_t n_train;       /* training samples; 0 for full-batch analytic objectives */
    void *ctx;            /* the objective's own state, owned by the problem */

    /* Initial parameters (deterministic for a seed). */
    void (*init_params)(void *ctx, uint64_t seed, float *params);

    /* Mean loss over the training samples idx[0..batch) (ignored, whole objective, when n_train is
     * 0) at params; the gradient of that mean loss into grad[0..dim). Returns the loss. */
    double (*loss_grad)(void *ctx, const struct lr_kernels *k, const float *params,
                        const size_t *idx, size_t batch, float *grad);

    /* Evaluation at params (not timed as training). */
    void (*evaluate)(void *ctx, const struct lr_kernels *k, const float *params, lr_eval *out);

    void (*destroy)(void *ctx);
} lr_problem;

static inline void lr_problem_free(lr_problem *p)
{
    if (p->destroy)
        p->destroy(p->ctx);
    p->ctx = NULL;
}

#endif
