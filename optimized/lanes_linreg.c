/* C20 lanes of linear regression (C23): the K weight vectors sit side by side; per 8-sample tile
 * of a minibatch the residuals X_b W of all lanes come from one pass over the rows (2 x 4 tiles),
 * and X_b^T psi loads each row block once for all lanes, every number with the bits of
 * lr_linreg_avx2. The loop is optimized/lanes.c's; tests/test_lanes_labs.c checks it. */
#include <math.h>
#include <string.h>

#include "lanes_core.h"
#include "linreg_tile.h"
#include "rowdot.h"

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* One tile of the batch: its R <= 8 rows (rows beyond R repeat the last, never used) and labels
 * (0 beyond R, as lr_linreg_avx2 pads them). */
typedef struct sample_tile {
    const float *rows[8];
    float y[8];
    size_t R;
} sample_tile;

static sample_tile tile_at(const lr_linreg_batch *b, size_t k)
{
    sample_tile t = {.R = min_size(8, b->batch - k)};
    for (size_t r = 0; r < 8; r++) {
        size_t at = k + min_size(r, t.R - 1), i = b->idx ? b->idx[at] : at;
        t.rows[r] = b->X + i * b->ld;
        t.y[r] = r < t.R ? b->y[i] : 0.0f;
    }
    return t;
}

/* doc:lanes-linreg-residuals */
/* dots[v][r] = rows[r] . w of slot g.first + v (0 for r >= R): the kernel's rowdot sums, two rows
 * and four lanes at a time. */
static void residual_dots(lanes_run *r, const sample_tile *t, slot_range g, size_t d,
                          float dots[][8])
{
    for (size_t v0 = 0; v0 < g.count; v0 += 4) {
        size_t nv = min_size(4, g.count - v0);
        const float *w[4];
        for (size_t v = 0; v < 4; v++)
            w[v] = lanes_w(r, 0, g.first + v0 + min_size(v, nv - 1));
        for (size_t v = 0; v < nv; v++)
            memset(dots[v0 + v], 0, 8 * sizeof(float));
        for (size_t i = 0; i < t->R; i += 2) {
            size_t nr = min_size(2, t->R - i);
            const float *pair[2] = {t->rows[i], t->rows[i + nr - 1]};
            float o[8];
            _mm256_storeu_ps(o, lr_rowdot2x4(pair, w, d));
            for (size_t k = 0; k < nr; k++)
                for (size_t v = 0; v < nv; v++)
                    dots[v0 + v][i + k] = o[4 * k + v];
        }
    }
}
/* end */

/* doc:lanes-linreg-update */
/* grad_v += psi[v][k] * rows[k] for k = 0..R-1 in that order, for every lane v of g, on one block
 * of features [j, j+8): the rows' block is loaded once for all lanes; each lane's elements see
 * lr_linreg_avx2's FMAs in its order. */
LR_INLINE void update_block(float *grad, slot_range g, size_t d, const sample_tile *t,
                            const float (*psi)[8], size_t R, size_t j, bool tail)
{
    __m256i m = lr_tail_mask(d - j);
    __m256 x[8];
    for (size_t k = 0; k < R; k++)
        x[k] = lr_load(t->rows[k] + j, m, tail);
    for (size_t v = 0; v < g.count; v++) {
        float *gv = grad + (g.first + v) * d + j;
        __m256 acc = lr_load(gv, m, tail);
        for (size_t k = 0; k < R; k++)
            acc = _mm256_fmadd_ps(_mm256_set1_ps(psi[v][k]), x[k], acc);
        lr_store(gv, acc, m, tail);
    }
}

static void update_all(float *grad, slot_range g, size_t d, const sample_tile *t,
                       const float (*psi)[8])
{
    size_t j = 0;
    for (; j + 8 <= d; j += 8) {
        if (t->R == 8) /* a constant row count: the loop over rows unrolls */
            update_block(grad, g, d, t, psi, 8, j, false);
        else
            update_block(grad, g, d, t, psi, t->R, j, false);
    }
    if (j < d)
        update_block(grad, g, d, t, psi, t->R, j, true);
}
/* end */

/* lr_linreg_avx2(b, w_s, grad_s) for every slot s of g at once: loss[v] for slot g.first + v, the
 * gradients (unless grad is NULL) at grad + s*d. */
static void linreg_all(lanes_run *r, const lr_linreg_batch *b, slot_range g, float *grad,
                       float *loss)
{
    size_t d = b->features;
    __m256 acc[LR_LANES_MAX];
    for (size_t v = 0; v < g.count; v++) {
        acc[v] = _mm256_setzero_ps();
        if (grad)
            memset(grad + (g.first + v) * d, 0, d * sizeof(float));
    }
    for (size_t k = 0; k < b->batch; k += 8) {
        sample_tile t = tile_at(b, k);
        float dots[LR_LANES_MAX][8], psi[LR_LANES_MAX][8];
        residual_dots(r, &t, g, d, dots);
        for (size_t v = 0; v < g.count; v++) {
            __m256 p, res = _mm256_sub_ps(_mm256_loadu_ps(dots[v]), _mm256_loadu_ps(t.y));
            acc[v] = _mm256_add_ps(acc[v], loss8(b, res, &p));
            _mm256_storeu_ps(psi[v], p);
        }
        if (grad)
            update_all(grad, g, d, &t, (const float(*)[8])psi);
    }
    float B = (float)b->batch;
    for (size_t v = 0; v < g.count; v++) {
        loss[v] = b->batch ? lr_reduce8(acc[v]) / B : 0.0f;
        for (size_t j = 0; grad && b->batch && j < d; j++)
            grad[(g.first + v) * d + j] /= B; /* correctly rounded: the kernel's vector division */
    }
}

static lr_linreg_batch batch_of(const lr_linreg_info *info, const float *X, const float *y,
                                const size_t *idx, size_t n)
{
    return (lr_linreg_batch){.X = X, .ld = info->ld, .y = y, .idx = idx, .batch = n,
                             .features = info->cfg.features, .loss = info->cfg.loss,
                             .delta = (float)info->cfg.huber_delta};
}

static void loss_grad_all(lanes_run *r, const size_t *idx, size_t batch)
{
    const lr_linreg_info *info = r->ctx;
    lr_linreg_batch b = batch_of(info, info->X_train, info->y_train, idx, batch);
    float loss[LR_LANES_MAX];
    linreg_all(r, &b, (slot_range){0, r->active}, r->part[0].g, loss);
    for (size_t s = 0; s < r->active; s++)
        r->loss[s] = loss[s];
}

/* The mean loss over a set, as src/problem_linreg.c's evaluate makes it: float32 means of chunks,
 * combined in double. */
static void mean_loss_all(lanes_run *r, slot_range g, const float *X, const float *y, size_t n,
                          double *mean)
{
    const lr_linreg_info *info = r->ctx;
    for (size_t v = 0; v < g.count; v++)
        mean[v] = 0.0;
    for (size_t start = 0; start < n; start += LR_LINREG_EVAL_CHUNK) {
        size_t m = min_size(LR_LINREG_EVAL_CHUNK, n - start);
        lr_linreg_batch b = batch_of(info, X + start * info->ld, y + start, NULL, m);
        float loss[LR_LANES_MAX];
        linreg_all(r, &b, g, NULL, loss);
        for (size_t v = 0; v < g.count; v++)
            mean[v] += (double)loss[v] * (double)m;
    }
    for (size_t v = 0; v < g.count; v++)
        mean[v] /= (double)n;
}

static void evaluate_slots(lanes_run *r, slot_range g, lr_eval *ev)
{
    const lr_linreg_info *info = r->ctx;
    double train[LR_LANES_MAX], test[LR_LANES_MAX];
    mean_loss_all(r, g, info->X_train, info->y_train, info->cfg.samples, train);
    mean_loss_all(r, g, info->X_test, info->y_test, info->cfg.test_samples, test);
    for (size_t v = 0; v < g.count; v++)
        ev[v] = (lr_eval){.train_loss = train[v], .test_loss = test[v], .test_acc = NAN,
                          .dist = NAN};
}

static const lanes_ops linreg_ops = {loss_grad_all, evaluate_slots};

int lanes_train_linreg(const lr_problem *p, const lr_train_config *tc, lr_lane *lanes,
                       size_t nlanes)
{
    const lr_linreg_info *info = lr_problem_linreg_info(p);
    if (!info || info->cfg.features != p->dim || p->n_train != info->cfg.samples)
        return -2;
    const size_t parts[1] = {p->dim};
    return lanes_train(p, tc, &linreg_ops, (void *)info, parts, 1, lanes, nlanes);
}
