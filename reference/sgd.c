/* C01 gradient-descent step and C02 momentum/Nesterov: the reference for PyTorch 1.13 SGD.
 * Owns the per-step scalars of SGD and the readable kernel its AVX2 twin must match bit for bit. */
#include <math.h>

#include "lrlab/numerics.h"
#include "lrlab/optim.h"

/* doc:sgd-prepare */
lr_sgd_scalars lr_sgd_prepare(const lr_optim_config *cfg, double lr, long step)
{
    lr_sgd_scalars s = {
        .neg_lr = lr_round(-lr),
        .weight_decay = lr_round(cfg->weight_decay),
        .momentum = lr_round(cfg->momentum),
        .one_minus_dampening = lr_round(1.0 - cfg->dampening),
        .maximize = cfg->maximize,
        /* PyTorch skips the term when it is zero; adding 0*p would turn an infinite p into NaN. */
        .use_weight_decay = cfg->weight_decay != 0.0,
        .use_momentum = cfg->momentum != 0.0,
        .nesterov = cfg->nesterov,
        /* PyTorch creates the buffer as a copy of the first (decayed) gradient: no dampening. */
        .first_step = step == 1,
    };
    return s;
}
/* end */

/* doc:sgd-step */
void lr_sgd_step_ref(const lr_sgd_scalars *s, size_t n, float *param, const float *grad,
                     float *momentum_buffer)
{
    for (size_t i = 0; i < n; i++) {
        float p = param[i];
        float d = s->maximize ? -grad[i] : grad[i];
        if (s->use_weight_decay)
            d = fmaf(s->weight_decay, p, d);            /* d.add(p, alpha=weight_decay) */
        if (s->use_momentum) {
            float b;
            if (s->first_step)
                b = d;                                  /* buf = clone(d) */
            else                                        /* buf.mul_(m).add_(d, alpha=1-dampening) */
                b = fmaf(s->one_minus_dampening, d, s->momentum * momentum_buffer[i]);
            momentum_buffer[i] = lr_canon(b);
            d = s->nesterov ? fmaf(s->momentum, b, d) : b;
        }
        param[i] = lr_canon(fmaf(s->neg_lr, d, p));     /* p.add_(d, alpha=-lr) */
    }
}
/* end */
