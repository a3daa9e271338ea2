/* C20 lanes of the quadratic (C21): the K iterates sit side by side and one pass over A (rotated:
 * tiles of 2 rows by 4 lanes) or over the eigenvalues (diagonal) gives every lane's gradient and
 * loss with the bits of lr_quadratic_dense_avx2 / lr_quadratic_diag_avx2; the loop is
 * optimized/lanes.c's. Checked against lr_train in tests/test_lanes_labs.c. */
#include <math.h>
#include <stdlib.h>

#include "lanes_core.h"
#include "rowdot.h"

typedef struct quadratic_lanes {
    const lr_quadratic_info *q;
    float *eval_grad; /* LR_LANES_MAX x dim: the gradient an evaluation makes and drops */
} quadratic_lanes;

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* doc:lanes-quadratic-dense */
/* grad[s] = A x[s] for the slots in g (slot s's gradient at grad + s*dim) and each loss
 * 1/2 x.(Ax): A is read once per 4 lanes, every element summed as the single run sums it. */
static void dense_all(lanes_run *r, const lr_quadratic_info *q, slot_range g, float *grad,
                      float *loss)
{
    size_t n = q->dim;
    for (size_t v0 = 0; v0 < g.count; v0 += 4) {
        size_t nv = min_size(4, g.count - v0);
        const float *x[4];
        float *out[4];
        for (size_t v = 0; v < 4; v++) { /* a short group repeats its last lane */
            size_t s = g.first + v0 + min_size(v, nv - 1);
            x[v] = lanes_w(r, 0, s);
            out[v] = grad + s * n;
        }
        for (size_t i = 0; i < n; i += 2) {
            size_t nr = min_size(2, n - i);
            const float *rows[2] = {q->A + i * q->lda, q->A + (i + nr - 1) * q->lda};
            float d[8];
            _mm256_storeu_ps(d, lr_rowdot2x4(rows, x, n));
            for (size_t k = 0; k < nr; k++)
                for (size_t v = 0; v < nv; v++)
                    out[v][i + k] = d[4 * k + v];
        }
        for (size_t v = 0; v < nv; v++)
            loss[v0 + v] = 0.5f * lr_reduce8(lr_dot_lanes(x[v], out[v], n));
    }
}
/* end */

/* doc:lanes-quadratic-diag */
/* One 8-element block of every lane in g: eig loaded once, then per lane the product, its store
 * and the loss FMA of lr_quadratic_diag_avx2. */
LR_INLINE void diag_block(lanes_run *r, const float *eig, slot_range g, float *grad, size_t i,
                          size_t n, __m256 *acc, bool tail)
{
    __m256i m = lr_tail_mask(n - i);
    __m256 e = lr_load(eig + i, m, tail);
    for (size_t v = 0; v < g.count; v++) {
        size_t s = g.first + v;
        __m256 xv = lr_load(lanes_w(r, 0, s) + i, m, tail);
        __m256 gv = _mm256_mul_ps(e, xv);
        lr_store(grad + s * n + i, gv, m, tail);
        acc[v] = _mm256_fmadd_ps(xv, gv, acc[v]);
    }
}

static void diag_all(lanes_run *r, const lr_quadratic_info *q, slot_range g, float *grad,
                     float *loss)
{
    size_t n = q->dim, i = 0;
    __m256 acc[LR_LANES_MAX];
    for (size_t v = 0; v < g.count; v++)
        acc[v] = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8)
        diag_block(r, q->eigenvalues, g, grad, i, n, acc, false);
    if (i < n)
        diag_block(r, q->eigenvalues, g, grad, i, n, acc, true);
    for (size_t v = 0; v < g.count; v++)
        loss[v] = 0.5f * lr_reduce8(acc[v]);
}
/* end */

static void loss_grad_slots(lanes_run *r, slot_range g, float *grad, float *loss)
{
    const quadratic_lanes *c = r->ctx;
    if (c->q->A)
        dense_all(r, c->q, g, grad, loss);
    else
        diag_all(r, c->q, g, grad, loss);
}

static void loss_grad_all(lanes_run *r, const size_t *idx, size_t batch)
{
    (void)idx, (void)batch; /* full batch: the whole objective */
    float loss[LR_LANES_MAX];
    loss_grad_slots(r, (slot_range){0, r->active}, r->part[0].g, loss);
    for (size_t s = 0; s < r->active; s++)
        r->loss[s] = loss[s];
}

/* The problem's evaluate (src/problem_quadratic.c): f(x) through the same pass, dist in double. */
static void evaluate_slots(lanes_run *r, slot_range g, lr_eval *ev)
{
    quadratic_lanes *c = r->ctx;
    float loss[LR_LANES_MAX];
    loss_grad_slots(r, g, c->eval_grad, loss);
    for (size_t j = 0; j < g.count; j++) {
        const float *x = lanes_w(r, 0, g.first + j);
        double ss = 0.0;
        for (size_t i = 0; i < c->q->dim; i++)
            ss += (double)x[i] * x[i];
        ev[j] = (lr_eval){.train_loss = loss[j], .test_loss = NAN, .test_acc = NAN,
                          .dist = sqrt(ss)};
    }
}

static const lanes_ops quadratic_ops = {loss_grad_all, evaluate_slots};

int lanes_train_quadratic(const lr_problem *p, const lr_train_config *tc, lr_lane *lanes,
                          size_t nlanes)
{
    quadratic_lanes c = {.q = lr_problem_quadratic_info(p)};
    if (!c.q || c.q->dim != p->dim || p->n_train != 0)
        return -2;
    c.eval_grad = malloc(LR_LANES_MAX * p->dim * sizeof(float));
    const size_t parts[1] = {p->dim};
    int rc = c.eval_grad ? lanes_train(p, tc, &quadratic_ops, &c, parts, 1, lanes, nlanes) : -1;
    free(c.eval_grad);
    return rc;
}
