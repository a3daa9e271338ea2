/* C01-C06 update rules: SGD (momentum, dampening, Nesterov), Adagrad, RMSprop, Adam/AMSGrad, AdamW,
 * with PyTorch 1.13 semantics. Kernels work on one flat float32 tensor and state arrays the caller
 * owns; the per-step scalars come from the lr_*_prepare functions (double, rounded once). */
#ifndef LRLAB_OPTIM_H
#define LRLAB_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

typedef enum lr_optim_kind {
    LR_OPT_SGD,
    LR_OPT_ADAGRAD,
    LR_OPT_RMSPROP,
    LR_OPT_ADAM,
    LR_OPT_ADAMW,
    LR_OPT_COUNT
} lr_optim_kind;

/* Hyperparameters under PyTorch 1.13's keyword names (betas = (beta1, beta2)). */
typedef struct lr_optim_config {
    lr_optim_kind kind;
    double lr;
    double momentum;                  /* sgd, rmsprop */
    double dampening;                 /* sgd */
    double weight_decay;              /* all; L2 into the gradient except AdamW (decoupled) */
    bool nesterov;                    /* sgd */
    bool maximize;                    /* all */
    double lr_decay;                  /* adagrad */
    double initial_accumulator_value; /* adagrad */
    double eps;                       /* adagrad, rmsprop, adam, adamw */
    double alpha;                     /* rmsprop */
    bool centered;                    /* rmsprop */
    double beta1, beta2;              /* adam, adamw */
    bool amsgrad;                     /* adam, adamw */
} lr_optim_config;

/* "sgd", "adagrad", ...; lr_optim_parse returns -1 for an unknown name. */
const char *lr_optim_name(lr_optim_kind kind);
int lr_optim_parse(const char *name, lr_optim_kind *kind);

/* PyTorch 1.13's defaults for that optimizer. SGD's lr is required in PyTorch: it is NaN here
 * until the caller sets it, and validation says so. */
lr_optim_config lr_optim_defaults(lr_optim_kind kind);

/* What validation found wrong: the PyTorch keyword at fault and a sentence about it. */
typedef struct lr_config_error {
    const char *field; /* e.g. "weight_decay"; NULL when the config is valid */
    char message[160];
} lr_config_error;

/* Fills *err with the field at fault and a printf-style message, and returns -1: how every
 * validator in lrlab fails. */
int lr_config_fail(lr_config_error *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* PyTorch 1.13's checks, plus: NaN is rejected for every hyperparameter. Returns 0 when valid. */
int lr_optim_validate(const lr_optim_config *cfg, lr_config_error *err);

/* ---- Kernels --------------------------------------------------------------------------------
 * Every kernel updates param[0..n) in place from grad[0..n) and its state arrays. Pointers need
 * no alignment; param, grad and the state arrays must not overlap each other. Unused state
 * pointers (per the scalars' flags) may be NULL. Every stored value passes through lr_canon().
 * The AVX2 twin of each kernel (suffix _avx2) is bitwise identical to the reference (_ref).
 * Operation order follows PyTorch 1.13 on an AVX2 CPU: add(alpha=) and addcmul are one fused
 * multiply-add (fmaf in the reference), addcdiv and divisions are not fused. */

/* C01/C02 SGD: d = (maximize ? -g : g) + wd*p; b = first ? d : momentum*b + (1-dampening)*d;
 * d = nesterov ? d + momentum*b : b; p -= lr*d. */
typedef struct lr_sgd_scalars {
    float neg_lr, weight_decay, momentum, one_minus_dampening;
    bool maximize, use_weight_decay, use_momentum, nesterov, first_step;
} lr_sgd_scalars;
typedef void (*lr_sgd_step_fn)(const lr_sgd_scalars *s, size_t n, float *param, const float *grad,
                               float *momentum_buffer);

/* C03 Adagrad: d = g (+ wd*p); sum += d*d; p -= clr * d / (sqrt(sum) + eps),
 * clr = lr / (1 + (step-1)*lr_decay). */
typedef struct lr_adagrad_scalars {
    float neg_clr, weight_decay, eps;
    bool maximize, use_weight_decay;
} lr_adagrad_scalars;
typedef void (*lr_adagrad_step_fn)(const lr_adagrad_scalars *s, size_t n, float *param,
                                   const float *grad, float *state_sum);

/* C04 RMSprop: v = alpha*v + (1-alpha)*d*d; centered: ga = alpha*ga + (1-alpha)*d, avg = sqrt(v - ga^2)
 * else avg = sqrt(v); avg += eps; momentum: b = momentum*b + d/avg, p -= lr*b; else p -= lr*d/avg. */
typedef struct lr_rmsprop_scalars {
    float neg_lr, weight_decay, eps, alpha, one_minus_alpha, momentum;
    bool maximize, use_weight_decay, centered, use_momentum;
} lr_rmsprop_scalars;
typedef void (*lr_rmsprop_step_fn)(const lr_rmsprop_scalars *s, size_t n, float *param,
                                   const float *grad, float *square_avg, float *grad_avg,
                                   float *momentum_buffer);

/* C05/C06 Adam, AMSGrad and AdamW (decoupled: p *= 1 - lr*wd first, then no L2 in the gradient):
 * m = beta1*m + (1-beta1)*d; v = beta2*v + (1-beta2)*d*d; vmax = max(vmax, v) for AMSGrad;
 * p -= step_size * m / (sqrt(v or vmax) / sqrt(bc2) + eps), step_size = lr / bc1. */
typedef struct lr_adam_scalars {
    float neg_step_size, bias_correction2_sqrt, eps, beta1, one_minus_beta1, beta2, one_minus_beta2;
    float weight_decay; /* L2 (Adam) */
    float decay;        /* 1 - lr*weight_decay (AdamW) */
    bool maximize, use_weight_decay, decoupled, amsgrad;
} lr_adam_scalars;
typedef void (*lr_adam_step_fn)(const lr_adam_scalars *s, size_t n, float *param, const float *grad,
                                float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq);

/* Per-step scalars for step number `step` (1 for the first step) at learning rate `lr` (the rate in
 * force for this step, which a schedule may change). Double arithmetic, rounded once. */
lr_sgd_scalars lr_sgd_prepare(const lr_optim_config *cfg, double lr, long step);
lr_adagrad_scalars lr_adagrad_prepare(const lr_optim_config *cfg, double lr, long step);
lr_rmsprop_scalars lr_rmsprop_prepare(const lr_optim_config *cfg, double lr, long step);
lr_adam_scalars lr_adam_prepare(const lr_optim_config *cfg, double lr, long step); /* adam, adamw */

void lr_sgd_step_ref(const lr_sgd_scalars *s, size_t n, float *param, const float *grad,
                     float *momentum_buffer);
void lr_adagrad_step_ref(const lr_adagrad_scalars *s, size_t n, float *param, const float *grad,
                         float *state_sum);
void lr_rmsprop_step_ref(const lr_rmsprop_scalars *s, size_t n, float *param, const float *grad,
                         float *square_avg, float *grad_avg, float *momentum_buffer);
void lr_adam_step_ref(const lr_adam_scalars *s, size_t n, float *param, const float *grad,
                      float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq);

void lr_sgd_step_avx2(const lr_sgd_scalars *s, size_t n, float *param, const float *grad,
                      float *momentum_buffer);
void lr_adagrad_step_avx2(const lr_adagrad_scalars *s, size_t n, float *param, const float *grad,
                          float *state_sum);
void lr_rmsprop_step_avx2(const lr_rmsprop_scalars *s, size_t n, float *param, const float *grad,
                          float *square_avg, float *grad_avg, float *momentum_buffer);
void lr_adam_step_avx2(const lr_adam_scalars *s, size_t n, float *param, const float *grad,
                       float *exp_avg, float *exp_avg_sq, float *max_exp_avg_sq);

/* ---- The optimizer: state plus the step counter, driving one kernel table ----------------- */
struct lr_kernels;

typedef struct lr_optimizer {
    lr_optim_config cfg;
    const struct lr_kernels *kernels;
    size_t n;
    long step; /* steps taken so far */
    float *momentum_buffer;                        /* sgd (momentum), rmsprop (momentum) */
    float *state_sum;                              /* adagrad */
    float *square_avg, *grad_avg;                  /* rmsprop (grad_avg when centered) */
    float *exp_avg, *exp_avg_sq, *max_exp_avg_sq;  /* adam, adamw */
} lr_optimizer;

/* cfg must be valid. Returns 0, or -1 when memory runs out (nothing to free then). */
int lr_optimizer_init(lr_optimizer *opt, const lr_optim_config *cfg, size_t n,
                      const struct lr_kernels *kernels);
/* One step at rate lr (cfg->lr unless a schedule says otherwise). */
void lr_optimizer_step(lr_optimizer *opt, double lr, float *param, const float *grad);
void lr_optimizer_free(lr_optimizer *opt);

#endif
