/* C03 AdaGrad: the reference for PyTorch 1.13 Adagrad (lr_decay, initial accumulator, eps).
 * Owns the per-step scalars (the decayed rate clr) and the kernel its AVX2 twin must match. */
#include <math.h>

#include "lrlab/numerics.h"
#include "lrlab/optim.h"

/* doc:adagrad-prepare */
lr_adagrad_scalars lr_adagrad_prepare(const lr_optim_config *cfg, double lr, long step)
{
    double clr = lr / (1.0 + (double)(step - 1) * cfg->lr_decay);
    lr_adagrad_scalars s = {
        .neg_clr = lr_round(-clr),
        .weight_decay = lr_round(cfg->weight_decay),
        .eps = lr_round(cfg->eps),
        .maximize = cfg->maximize,
        .use_weight_decay = cfg->weight_decay != 0.0,
    };
    return s;
}
/* end */

/* doc:adagrad-step */
void lr_adagrad_step_ref(const lr_adagrad_scalars *s, size_t n, float *param, const float *grad,
                         float *state_sum)
{
    for (size_t i = 0; i < n; i++) {
        float p = param[i];
        float d = s->maximize ? -grad[i] : grad[i];
        if (s->use_weight_decay)
            d = fmaf(s->weight_decay, p, d);
        /* state_sum.addcmul_(d, d, value=1): PyTorch's CPU kernels on AVX2 machines fuse
         * self + (value*t1)*t2 into one FMA, so the sum is rounded once, here too. */
        float sum = fmaf(d, d, state_sum[i]);
        float std = sqrtf(sum) + s->eps;                /* state_sum.sqrt().add_(eps) */
        state_sum[i] = lr_canon(sum);
        param[i] = lr_canon(p + (s->neg_clr * d) / std); /* p.addcdiv_(d, std, value=-clr) */
    }
}
/* end */
