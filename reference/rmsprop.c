/* C04 RMSProp, plain, centered and with momentum: the reference for PyTorch 1.13 RMSprop.
 * Owns the per-step scalars and the kernel its AVX2 twin must match bit for bit. */
#include <math.h>

#include "lrlab/numerics.h"
#include "lrlab/optim.h"

/* doc:rmsprop-prepare */
lr_rmsprop_scalars lr_rmsprop_prepare(const lr_optim_config *cfg, double lr, long step)
{
    (void)step; /* RMSprop has no bias correction: the step number does not enter */
    lr_rmsprop_scalars s = {
        .neg_lr = lr_round(-lr),
        .weight_decay = lr_round(cfg->weight_decay),
        .eps = lr_round(cfg->eps),
        .alpha = lr_round(cfg->alpha),
        .one_minus_alpha = lr_round(1.0 - cfg->alpha),
        .momentum = lr_round(cfg->momentum),
        .maximize = cfg->maximize,
        .use_weight_decay = cfg->weight_decay != 0.0,
        .centered = cfg->centered,
        .use_momentum = cfg->momentum > 0.0,
    };
    return s;
}
/* end */

/* doc:rmsprop-step */
void lr_rmsprop_step_ref(const lr_rmsprop_scalars *s, size_t n, float *param, const float *grad,
                         float *square_avg, float *grad_avg, float *momentum_buffer)
{
    for (size_t i = 0; i < n; i++) {
        float p = param[i];
        float d = s->maximize ? -grad[i] : grad[i];
        if (s->use_weight_decay)
            d = fmaf(s->weight_decay, p, d);
        /* square_avg.mul_(alpha).addcmul_(d, d, value=1-alpha), addcmul fused as PyTorch does */
        float v = fmaf(s->one_minus_alpha * d, d, s->alpha * square_avg[i]);
        square_avg[i] = lr_canon(v);
        float avg;
        if (s->centered) {
            /* grad_avg.mul_(alpha).add_(d, alpha=1-alpha);
             * avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt(): one rounding of
             * v - ga^2, which matters because the difference can cancel almost entirely. */
            float ga = fmaf(s->one_minus_alpha, d, s->alpha * grad_avg[i]);
            grad_avg[i] = lr_canon(ga);
            avg = sqrtf(fmaf(-ga, ga, v));
        } else {
            avg = sqrtf(v);
        }
        avg = avg + s->eps;
        if (s->use_momentum) {
            /* buf.mul_(momentum).addcdiv_(d, avg); p.add_(buf, alpha=-lr) */
            float b = s->momentum * momentum_buffer[i] + d / avg;
            momentum_buffer[i] = lr_canon(b);
            param[i] = lr_canon(fmaf(s->neg_lr, b, p));
        } else {
            param[i] = lr_canon(p + (s->neg_lr * d) / avg); /* p.addcdiv_(d, avg, value=-lr) */
        }
    }
}
/* end */
