/* The optimizer hyperparameter flags: PyTorch 1.13's keywords in kebab-case, its defaults, and its
 * validation, shared by every subcommand that runs an optimizer. */
#include <stddef.h>
#include <string.h>

#include "cli.h"

#define G(kind) (1u << (kind))
#define ALL_OPTS (G(LR_OPT_SGD) | G(LR_OPT_ADAGRAD) | G(LR_OPT_RMSPROP) | G(LR_OPT_ADAM) | G(LR_OPT_ADAMW))
#define ADAMS (G(LR_OPT_ADAM) | G(LR_OPT_ADAMW))

typedef struct optim_flag {
    const char *name;
    lr_arg_kind kind;
    size_t offset; /* of the field in lr_optim_config */
    unsigned groups;
    const char *metavar, *help;
} optim_flag;

static const optim_flag optim_flag_table[LR_OPTIM_NFLAGS] = {
    {"--lr", LR_ARG_DOUBLE, offsetof(lr_optim_config, lr), ALL_OPTS, "LR",
     "learning rate (required for sgd; default 1e-2 adagrad, rmsprop; 1e-3 adam, adamw)"},
    {"--momentum", LR_ARG_DOUBLE, offsetof(lr_optim_config, momentum),
     G(LR_OPT_SGD) | G(LR_OPT_RMSPROP), "M", "momentum factor (sgd, rmsprop; default 0)"},
    {"--dampening", LR_ARG_DOUBLE, offsetof(lr_optim_config, dampening), G(LR_OPT_SGD), "D",
     "dampening for momentum (sgd; default 0)"},
    {"--weight-decay", LR_ARG_DOUBLE, offsetof(lr_optim_config, weight_decay), ALL_OPTS, "WD",
     "L2 penalty; decoupled for adamw (default 0; 1e-2 adamw)"},
    {"--nesterov", LR_ARG_FLAG, offsetof(lr_optim_config, nesterov), G(LR_OPT_SGD), NULL,
     "Nesterov momentum (sgd)"},
    {"--maximize", LR_ARG_FLAG, offsetof(lr_optim_config, maximize), ALL_OPTS, NULL,
     "maximize the objective instead of minimizing"},
    {"--lr-decay", LR_ARG_DOUBLE, offsetof(lr_optim_config, lr_decay), G(LR_OPT_ADAGRAD), "DECAY",
     "learning rate decay (adagrad; default 0)"},
    {"--initial-accumulator-value", LR_ARG_DOUBLE,
     offsetof(lr_optim_config, initial_accumulator_value), G(LR_OPT_ADAGRAD), "V",
     "initial value of the sum of squares (adagrad; default 0)"},
    {"--eps", LR_ARG_DOUBLE, offsetof(lr_optim_config, eps),
     G(LR_OPT_ADAGRAD) | G(LR_OPT_RMSPROP) | ADAMS, "EPS",
     "term added to the denominator (default 1e-10 adagrad; 1e-8 rmsprop, adam, adamw)"},
    {"--alpha", LR_ARG_DOUBLE, offsetof(lr_optim_config, alpha), G(LR_OPT_RMSPROP), "ALPHA",
     "smoothing constant (rmsprop; default 0.99)"},
    {"--centered", LR_ARG_FLAG, offsetof(lr_optim_config, centered), G(LR_OPT_RMSPROP), NULL,
     "normalize by the estimated variance of the gradient (rmsprop)"},
    {"--beta1", LR_ARG_DOUBLE, offsetof(lr_optim_config, beta1), ADAMS, "B1",
     "betas[0], decay of the first moment (adam, adamw; default 0.9)"},
    {"--beta2", LR_ARG_DOUBLE, offsetof(lr_optim_config, beta2), ADAMS, "B2",
     "betas[1], decay of the second moment (adam, adamw; default 0.999)"},
    {"--amsgrad", LR_ARG_FLAG, offsetof(lr_optim_config, amsgrad), ADAMS, NULL,
     "the AMSGrad variant (adam, adamw)"},
};

void lr_optim_flags(lr_arg *out, lr_optim_config *raw)
{
    for (size_t i = 0; i < LR_OPTIM_NFLAGS; i++) {
        const optim_flag *f = &optim_flag_table[i];
        out[i] = (lr_arg){.name = f->name,
                          .kind = f->kind,
                          .dest = (char *)raw + f->offset,
                          .metavar = f->metavar,
                          .help = f->help,
                          .groups = f->groups};
    }
}

int lr_optim_flags_finish(const char *cmd, const lr_arg *flags, const lr_optim_config *raw,
                          lr_optim_kind kind, lr_optim_config *cfg)
{
    char what[64];
    snprintf(what, sizeof what, "--optimizer %s", lr_optim_name(kind));
    if (lr_args_check_group(cmd, flags, LR_OPTIM_NFLAGS, ALL_OPTS, G(kind), what) != 0)
        return LR_EXIT_USAGE;
    *cfg = lr_optim_defaults(kind);
    for (size_t i = 0; i < LR_OPTIM_NFLAGS; i++) {
        if (!flags[i].seen)
            continue;
        size_t off = optim_flag_table[i].offset;
        size_t size = flags[i].kind == LR_ARG_FLAG ? sizeof(bool) : sizeof(double);
        memcpy((char *)cfg + off, (const char *)raw + off, size);
    }
    lr_config_error err;
    if (lr_optim_validate(cfg, &err) != 0) {
        char flag[64];
        lr_flag_from_keyword(err.field, flag, sizeof flag);
        lr_errorf(cmd, "%s: %s", flag, err.message);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}
