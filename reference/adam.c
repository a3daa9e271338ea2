/* C05 Adam and AMSGrad, C06 AdamW: the reference for PyTorch 1.13 Adam and AdamW.
 * Owns the per-step scalars (bias corrections in double) and the kernel its AVX2 twin must match. */
#include <math.h>

#include "lrlab/numerics.h"
#include "lrlab/optim.h"

/* doc:adam-prepare */
lr_adam_scalars lr_adam_prepare(const lr_optim_config *cfg, double lr, long step)
{
    double bias_correction1 = 1.0 - pow(cfg->beta1, (double)step);
    double bias_correction2 = 1.0 - pow(cfg->beta2, (double)step);
    bool decoupled = cfg->kind == LR_OPT_ADAMW;
    lr_adam_scalars s = {
        .neg_step_size = lr_round(-(lr / bias_correction1)),
        .bias_correction2_sqrt = lr_round(sqrt(bias_correction2)),
        .eps = lr_round(cfg->eps),
        .beta1 = lr_round(cfg->beta1),
        .one_minus_beta1 = lr_round(1.0 - cfg->beta1),
        .beta2 = lr_round(cfg->beta2),
        .one_minus_beta2 = lr_round(1.0 - cfg->beta2),
        .weight_decay = lr_round(cfg->weight_decay),
        .decay = lr_round(1.0 - lr * cfg->weight_decay),
        .maximize = cfg->maximize,
        .use_weight_decay = !decoupled && cfg->weight_decay != 0.0,
        .decoupled = decoupled,
        .amsgrad = cfg->amsgrad,
    };
    return s;
}
/* end */

/* doc:adam-max-nan */
/* torch.maximum: NaN if either is NaN, else the larger. */
static float max_propagating_nan(float a, float b)
{
    if (a != a || b != b)
        return lr_canonical_nan();
    return a < b ? b : a;
}
/* end */

/* doc:adam-step */
void lr_adam_step_ref(const lr_adam_scalars *s, size_t n, float *param, const float *grad,
                      float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq)
{
    for (size_t i = 0; i < n; i++) {
        float p = param[i];
        float d = s->maximize ? -grad[i] : grad[i];
        if (s->decoupled)
            p = p * s->decay;                           /* AdamW: p.mul_(1 - lr*weight_decay) */
        if (s->use_weight_decay)
            d = fmaf(s->weight_decay, p, d);            /* Adam: L2 into the gradient */
        /* exp_avg.mul_(beta1).add_(d, alpha=1-beta1) */
        float m = fmaf(s->one_minus_beta1, d, s->beta1 * exp_avg[i]);
        /* exp_avg_sq.mul_(beta2).addcmul_(d, d, value=1-beta2), addcmul fused as PyTorch does */
        float v = fmaf(s->one_minus_beta2 * d, d, s->beta2 * exp_avg_sq[i]);
        exp_avg[i] = lr_canon(m);
        exp_avg_sq[i] = lr_canon(v);
        if (s->amsgrad) {
            v = max_propagating_nan(max_exp_avg_sq[i], v);
            max_exp_avg_sq[i] = lr_canon(v);
        }
        float denom = sqrtf(v) / s->bias_correction2_sqrt + s->eps;
        param[i] = lr_canon(p + (s->neg_step_size * m) / denom); /* p.addcdiv_(m, denom, -step_size) */
    }
}
/* end */
