/* C07-C16 schedule flags shared by lrlab schedule and lrlab train: PyTorch 1.13's keywords in
 * kebab-case bound to one struct, and the turn from the flags given into a validated schedule
 * (lr_schedule, and for closed forms the lr_chain with its optional warmup in front). */
#ifndef LRLAB_CLI_SCHEDULE_FLAGS_H
#define LRLAB_CLI_SCHEDULE_FLAGS_H

#include "cli.h"
#include "lrlab/schedule.h"

/* Which command the flags serve. They differ only where a name is taken by that command:
 *   schedule: --name NAME, --lr (the base rate), --steps (rows), --eps (plateau's), --metrics,
 *             --output;
 *   train:    --schedule NAME; --lr, --steps, --eps and --output are the run's (the base rate is
 *             the optimizer's --lr), plateau's eps is --plateau-eps, and the metrics come from
 *             training, so --metrics does not exist. */
typedef enum lr_schedule_flags_use { LR_SCHEDULE_FOR_COMMAND, LR_SCHEDULE_FOR_TRAIN } lr_schedule_flags_use;

/* The flags as parsed. Field flags land in `raw` and are copied over the schedule's defaults when
 * given; the rest are words, lists and the run of the schedule command. */
typedef struct lr_schedule_flags {
    lr_schedule_flags_use use;
    const char *name, *milestones, *mode, *anneal_strategy, *threshold_mode, *metrics, *output;
    long steps, warmup_steps;
    double warmup_start_factor;
    lr_schedule raw;
} lr_schedule_flags;

/* Room for the flags of either use. */
enum { LR_SCHEDULE_NFLAGS_MAX = 48 };

/* Resets *sf for `use` and binds its flags, in a fixed order, into out[] (at most
 * LR_SCHEDULE_NFLAGS_MAX entries, groups in bits 16-31: one bit per lr_schedule_kind). Returns how
 * many were written. */
size_t lr_schedule_flags_bind(lr_schedule_flags *sf, lr_schedule_flags_use use, lr_arg *out);

/* True when some flag of args[0..nargs) (what bind wrote) was given. */
bool lr_schedule_flags_any_seen(const lr_arg *args, size_t nargs);

/* After parsing, with args[0..nargs) exactly what bind wrote: checks that the named schedule exists,
 * that every flag given applies to it (the error names --name/--schedule and the schedule), that
 * PyTorch's required arguments are there, and validates as PyTorch does. For train, base_lr is the
 * optimizer's rate (PyTorch's initial_lr) and momentum cycling is refused (lrlab train keeps the
 * optimizer's momentum); the schedule command reads --lr instead (base_lr unused). Fills *cfg, and
 * for closed forms *chain: the schedule behind its warmup. How far the chain may be stepped is the
 * caller's check (lr_chain_check_steps). Returns 0, or prints why and returns 2. */
int lr_schedule_flags_configure(const char *cmd, const lr_arg *args, size_t nargs,
                                const lr_schedule_flags *sf, double base_lr, lr_schedule *cfg,
                                lr_chain *chain);

/* Prints a validation error under the flag that names the PyTorch keyword at fault (train spells
 * plateau's eps --plateau-eps). */
void lr_schedule_flags_report(const char *cmd, lr_schedule_flags_use use, const lr_schedule *cfg,
                              const lr_config_error *err);

#endif
