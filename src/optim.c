/* C01-C06 glue: optimizer names, PyTorch 1.13 defaults and validation, and lr_optimizer, which owns
 * the state arrays and the step counter and calls one kernel of the table it was handed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lrlab/kernels.h"
#include "lrlab/optim.h"

static const char *const optim_names[LR_OPT_COUNT] = {"sgd", "adagrad", "rmsprop", "adam", "adamw"};

const char *lr_optim_name(lr_optim_kind kind)
{
    return (unsigned)kind < LR_OPT_COUNT ? optim_names[kind] : "?";
}

int lr_optim_parse(const char *name, lr_optim_kind *kind)
{
    for (int k = 0; k < LR_OPT_COUNT; k++) {
        if (strcmp(name, optim_names[k]) == 0) {
            *kind = (lr_optim_kind)k;
            return 0;
        }
    }
    return -1;
}

lr_optim_config lr_optim_defaults(lr_optim_kind kind)
{
    lr_optim_config c = {.kind = kind, .beta1 = 0.9, .beta2 = 0.999, .alpha = 0.99};
    switch (kind) {
    case LR_OPT_SGD:
        c.lr = NAN; /* required in PyTorch */
        break;
    case LR_OPT_ADAGRAD:
        c.lr = 1e-2;
        c.eps = 1e-10;
        break;
    case LR_OPT_RMSPROP:
        c.lr = 1e-2;
        c.eps = 1e-8;
        break;
    case LR_OPT_ADAM:
        c.lr = 1e-3;
        c.eps = 1e-8;
        break;
    case LR_OPT_ADAMW:
        c.lr = 1e-3;
        c.eps = 1e-8;
        c.weight_decay = 1e-2;
        break;
    default:
        break;
    }
    return c;
}

int lr_config_fail(lr_config_error *err, const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->field = field;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* Each check mirrors a ValueError of PyTorch 1.13's constructor for that optimizer. */
int lr_optim_validate(const lr_optim_config *c, lr_config_error *err)
{
    err->field = NULL;
    err->message[0] = '\0';
    const struct {
        const char *field;
        double value;
    } all[] = {
        {"lr", c->lr},       {"momentum", c->momentum},   {"dampening", c->dampening},
        {"weight_decay", c->weight_decay}, {"lr_decay", c->lr_decay},
        {"initial_accumulator_value", c->initial_accumulator_value},
        {"eps", c->eps},     {"alpha", c->alpha},         {"beta1", c->beta1},
        {"beta2", c->beta2},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (isnan(all[i].value)) {
            if (strcmp(all[i].field, "lr") == 0 && c->kind == LR_OPT_SGD)
                return lr_config_fail(err, "lr", "a learning rate is required for sgd");
            return lr_config_fail(err, all[i].field, "must be a number, got %g", all[i].value);
        }
    }
    if (!(c->lr >= 0.0))
        return lr_config_fail(err, "lr", "invalid learning rate: %g (must be >= 0)", c->lr);
    if (!(c->weight_decay >= 0.0))
        return lr_config_fail(err, "weight_decay", "invalid weight_decay value: %g (must be >= 0)",
                    c->weight_decay);
    switch (c->kind) {
    case LR_OPT_SGD:
        if (c->momentum < 0.0)
            return lr_config_fail(err, "momentum", "invalid momentum value: %g (must be >= 0)", c->momentum);
        if (c->nesterov && (c->momentum <= 0.0 || c->dampening != 0.0))
            return lr_config_fail(err, "nesterov",
                        "Nesterov momentum requires a momentum and zero dampening");
        break;
    case LR_OPT_ADAGRAD:
        if (c->lr_decay < 0.0)
            return lr_config_fail(err, "lr_decay", "invalid lr_decay value: %g (must be >= 0)", c->lr_decay);
        if (c->initial_accumulator_value < 0.0)
            return lr_config_fail(err, "initial_accumulator_value",
                        "invalid initial_accumulator_value: %g (must be >= 0)",
                        c->initial_accumulator_value);
        if (c->eps < 0.0)
            return lr_config_fail(err, "eps", "invalid epsilon value: %g (must be >= 0)", c->eps);
        break;
    case LR_OPT_RMSPROP:
        if (c->eps < 0.0)
            return lr_config_fail(err, "eps", "invalid epsilon value: %g (must be >= 0)", c->eps);
        if (c->momentum < 0.0)
            return lr_config_fail(err, "momentum", "invalid momentum value: %g (must be >= 0)", c->momentum);
        if (c->alpha < 0.0)
            return lr_config_fail(err, "alpha", "invalid alpha value: %g (must be >= 0)", c->alpha);
        break;
    case LR_OPT_ADAM:
    case LR_OPT_ADAMW:
        if (c->eps < 0.0)
            return lr_config_fail(err, "eps", "invalid epsilon value: %g (must be >= 0)", c->eps);
        if (!(c->beta1 >= 0.0 && c->beta1 < 1.0))
            return lr_config_fail(err, "beta1", "invalid beta parameter at index 0: %g (must be in [0, 1))",
                        c->beta1);
        if (!(c->beta2 >= 0.0 && c->beta2 < 1.0))
            return lr_config_fail(err, "beta2", "invalid beta parameter at index 1: %g (must be in [0, 1))",
                        c->beta2);
        break;
    default:
        err->field = "optimizer";
        snprintf(err->message, sizeof err->message, "unknown optimizer");
        return -1;
    }
    return 0;
}

/* 64-byte aligned, filled with `value`; n may be 0. */
static float *state_array(size_t n, float value)
{
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    float *a = aligned_alloc(64, bytes ? bytes : 64);
    if (a)
        for (size_t i = 0; i < n; i++)
            a[i] = value;
    return a;
}

int lr_optimizer_init(lr_optimizer *o, const lr_optim_config *cfg, size_t n,
                      const lr_kernels *kernels)
{
    memset(o, 0, sizeof *o);
    o->cfg = *cfg;
    o->kernels = kernels;
    o->n = n;
    int ok = 1;
    switch (cfg->kind) {
    case LR_OPT_SGD:
        if (cfg->momentum != 0.0)
            ok = (o->momentum_buffer = state_array(n, 0.0f)) != NULL;
        break;
    case LR_OPT_ADAGRAD:
        ok = (o->state_sum = state_array(n, (float)cfg->initial_accumulator_value)) != NULL;
        break;
    case LR_OPT_RMSPROP:
        ok = (o->square_avg = state_array(n, 0.0f)) != NULL;
        if (ok && cfg->centered)
            ok = (o->grad_avg = state_array(n, 0.0f)) != NULL;
        if (ok && cfg->momentum > 0.0)
            ok = (o->momentum_buffer = state_array(n, 0.0f)) != NULL;
        break;
    case LR_OPT_ADAM:
    case LR_OPT_ADAMW:
        ok = (o->exp_avg = state_array(n, 0.0f)) != NULL &&
             (o->exp_avg_sq = state_array(n, 0.0f)) != NULL;
        if (ok && cfg->amsgrad)
            ok = (o->max_exp_avg_sq = state_array(n, 0.0f)) != NULL;
        break;
    default:
        ok = 0;
        break;
    }
    if (!ok) {
        lr_optimizer_free(o);
        return -1;
    }
    return 0;
}

void lr_optimizer_step(lr_optimizer *o, double lr, float *param, const float *grad)
{
    long step = ++o->step;
    const lr_kernels *k = o->kernels;
    switch (o->cfg.kind) {
    case LR_OPT_SGD: {
        lr_sgd_scalars s = lr_sgd_prepare(&o->cfg, lr, step);
        k->sgd(&s, o->n, param, grad, o->momentum_buffer);
        break;
    }
    case LR_OPT_ADAGRAD: {
        lr_adagrad_scalars s = lr_adagrad_prepare(&o->cfg, lr, step);
        k->adagrad(&s, o->n, param, grad, o->state_sum);
        break;
    }
    case LR_OPT_RMSPROP: {
        lr_rmsprop_scalars s = lr_rmsprop_prepare(&o->cfg, lr, step);
        k->rmsprop(&s, o->n, param, grad, o->square_avg, o->grad_avg, o->momentum_buffer);
        break;
    }
    case LR_OPT_ADAM:
    case LR_OPT_ADAMW: {
        lr_adam_scalars s = lr_adam_prepare(&o->cfg, lr, step);
        k->adam(&s, o->n, param, grad, o->exp_avg, o->exp_avg_sq, o->max_exp_avg_sq);
        break;
    }
    default:
        break;
    }
}

void lr_optimizer_free(lr_optimizer *o)
{
    free(o->momentum_buffer);
    free(o->state_sum);
    free(o->square_avg);
    free(o->grad_avg);
    free(o->exp_avg);
    free(o->exp_avg_sq);
    free(o->max_exp_avg_sq);
    memset(o, 0, sizeof *o);
}
