/* C16 ReduceLROnPlateau: the performance-based decay of PyTorch 1.13, fed one metric at a time.
 * Stateful and sequential by nature (each decision depends on the last), so it has no table twin;
 * every comparison is PyTorch's, in the same double arithmetic, so the decisions agree bit for bit. */
#include <math.h>

#include "lrlab/schedule.h"

void lr_plateau_init(lr_plateau *p, const lr_schedule *cfg)
{
    p->cfg = *cfg;
    p->lr = cfg->lr;
    p->best = cfg->plateau_mode == LR_PLATEAU_MIN ? INFINITY : -INFINITY; /* mode_worse */
    p->num_bad_epochs = 0;
    p->cooldown_counter = 0;
    p->last_epoch = 0;
}

/* doc:plateau-step */
/* PyTorch's is_better: an improvement must beat the best by the threshold, relative or absolute. */
static bool is_better(const lr_schedule *c, double a, double best)
{
    if (c->plateau_mode == LR_PLATEAU_MIN)
        return c->threshold_mode == LR_THRESHOLD_REL ? a < best * (1.0 - c->threshold)
                                                     : a < best - c->threshold;
    return c->threshold_mode == LR_THRESHOLD_REL ? a > best * (c->threshold + 1.0)
                                                 : a > best + c->threshold;
}

double lr_plateau_step(lr_plateau *p, double metric)
{
    const lr_schedule *c = &p->cfg;
    p->last_epoch++;
    if (is_better(c, metric, p->best)) {
        p->best = metric;
        p->num_bad_epochs = 0;
    } else {
        p->num_bad_epochs++;
    }
    if (p->cooldown_counter > 0) { /* bad epochs in cooldown do not count */
        p->cooldown_counter--;
        p->num_bad_epochs = 0;
    }
    if (p->num_bad_epochs > c->patience) {
        double old_lr = p->lr, new_lr = old_lr * c->factor;
        if (c->min_lr > new_lr) /* Python's max(new, min_lr) keeps new unless min_lr is larger */
            new_lr = c->min_lr;
        if (old_lr - new_lr > c->eps) /* decays smaller than eps are ignored */
            p->lr = new_lr;
        p->cooldown_counter = c->cooldown;
        p->num_bad_epochs = 0;
    }
    return p->lr;
}
/* end */
