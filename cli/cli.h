/* Shared plumbing of the lrlab subcommands: a table-driven flag parser with generated --help,
 * exit codes, and output files that appear complete or not at all (temporary file + rename). */
#ifndef LRLAB_CLI_H
#define LRLAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lrlab/optim.h"

enum { LR_EXIT_OK = 0, LR_EXIT_FAILURE = 1, LR_EXIT_USAGE = 2 };

typedef enum lr_arg_kind {
    LR_ARG_DOUBLE, /* double *: any strtod number, validated by the caller */
    LR_ARG_LONG,   /* long *: a whole number */
    LR_ARG_FLAG,   /* bool *: present means true; takes no value */
    LR_ARG_STRING  /* const char **: any text */
} lr_arg_kind;

typedef struct lr_arg {
    const char *name;    /* "--weight-decay" */
    lr_arg_kind kind;
    void *dest;
    const char *metavar; /* shown in --help: "WD" */
    const char *help;    /* one line; say the default */
    unsigned groups;     /* bit set of groups the flag belongs to; 0 = every group */
    bool seen;           /* set by the parser */
} lr_arg;

/* Prints "lrlab CMD: message" on stderr. */
void lr_errorf(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum { LR_PARSE_OK = 0, LR_PARSE_HELP = 1, LR_PARSE_ERROR = 2 };

/* Parses argv[1..argc) ("--flag value" or "--flag=value"; -h/--help print the usage text and the
 * table). Unknown flags, missing values, malformed numbers and repeated flags are errors that name
 * the flag. No positional arguments are accepted. */
int lr_args_parse(const char *cmd, const char *usage, lr_arg *args, size_t nargs, int argc,
                  char **argv);

/* After parsing: every flag seen whose groups lie in `family` (a set of bits, e.g. all optimizers)
 * must have the bit `group` (the one chosen). `what` says which choice set the group, e.g.
 * "--optimizer adam". Flags of other families are not looked at. Returns 0 or prints an error and
 * returns 2. Families: bits 0-7 optimizers, 8-15 problems, 16-31 schedules. */
int lr_args_check_group(const char *cmd, const lr_arg *args, size_t nargs, unsigned family,
                        unsigned group, const char *what);

/* The flag named `name`, or NULL. */
lr_arg *lr_args_find(lr_arg *args, size_t nargs, const char *name);

/* A flag's --kebab-case spelling from a PyTorch keyword: "weight_decay" -> "--weight-decay". */
void lr_flag_from_keyword(const char *keyword, char *out, size_t outlen);

/* Output written to a temporary file in the target's directory and renamed on commit; stdout when
 * path is NULL or "-". A path that exists and is not a plain file (a device such as /dev/null, a
 * FIFO, a symbolic link such as /dev/stdout) is written in place: renaming over it would replace
 * the node or the link itself. A directory is an error. */
typedef struct lr_output {
    FILE *f;
    char *tmp_path; /* NULL for stdout and for in-place output */
    const char *path;
    bool in_place;  /* f is path itself, opened directly; it must be closed */
} lr_output;

/* Returns 0, or prints why the file cannot be created and returns 2. */
int lr_output_open(lr_output *out, const char *cmd, const char *path);
/* Flushes, closes and renames. Returns 0, or prints the I/O error, removes the temporary file and
 * returns 1. */
int lr_output_commit(lr_output *out, const char *cmd);
/* Closes and removes the temporary file: nothing is left behind. */
void lr_output_abort(lr_output *out);

/* Opens an input file ("-" or NULL: stdin). Returns NULL after printing why (exit 2). */
FILE *lr_input_open(const char *cmd, const char *path);

/* A progress bar on stderr, drawn only when stderr is a terminal (lr_progress_update has the
 * signature of lr_progress_fn in lrlab/train.h). */
typedef struct lr_progress {
    const char *label;
    bool enabled;
    int last_permille;
} lr_progress;
void lr_progress_init(lr_progress *p, const char *label);
void lr_progress_update(void *ctx, long done, long total);
void lr_progress_done(lr_progress *p);

/* The subcommands. */
int lr_cmd_replay(int argc, char **argv);
int lr_cmd_train(int argc, char **argv);
int lr_cmd_find_lr(int argc, char **argv);
int lr_cmd_schedule(int argc, char **argv);
int lr_cmd_sweep(int argc, char **argv);

/* ---- Optimizer hyperparameter flags (replay, train, find-lr, sweep share them) ------------- */

enum { LR_OPTIM_NFLAGS = 14 };

/* Writes the optimizer flags into out[0..LR_OPTIM_NFLAGS), bound to *raw (a scratch config). */
void lr_optim_flags(lr_arg *out, lr_optim_config *raw);

/* After parsing: *cfg = PyTorch's defaults for `kind` with every flag given copied from *raw; checks
 * that each flag applies to that optimizer and validates as PyTorch does. Returns 0, or prints an
 * error naming the flag and returns 2. */
int lr_optim_flags_finish(const char *cmd, const lr_arg *flags, const lr_optim_config *raw,
                          lr_optim_kind kind, lr_optim_config *cfg);

#endif
