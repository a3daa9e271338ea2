/* lrlab replay (C01-C06): feeds recorded gradients to one optimizer and prints the parameters after
 * each step, so an implementation can be checked against this reference trajectory. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lrlab/csv.h"
#include "lrlab/kernels.h"

static const char replay_usage[] =
    "usage: lrlab replay --optimizer sgd|adagrad|rmsprop|adam|adamw [--impl auto|reference|avx2]\n"
    "                    [--input FILE] [--output FILE] HYPERPARAMETERS\n\n"
    "Reads CSV without header (stdin by default): row 1 holds the n initial parameters, each\n"
    "further row the n gradient values of one step. Writes CSV without header (stdout by default):\n"
    "one row per step, the n parameters after that step, printed with %.9g.\n"
    "Hyperparameters carry PyTorch 1.13's names and defaults; NaN and infinity in gradients are data.\n\n"
    "example: printf '1,2\\n0.5,-1\\n0.5,-1\\n' | lrlab replay --optimizer adam --lr 0.1\n";

typedef struct replay_io {
    const char *cmd, *input_name;
    FILE *in;
    lr_output out;
    lr_csv_reader csv;
    float *param, *grad;
    lr_optimizer opt;
    bool have_opt;
} replay_io;

static void print_row(FILE *f, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputc(',', f);
        fprintf(f, "%.9g", (double)v[i]);
    }
    fputc('\n', f);
}

static int to_floats(const lr_csv_reader *r, float *dst)
{
    for (size_t i = 0; i < r->ncells; i++)
        dst[i] = (float)r->row[i];
    return 0;
}

/* Reads, steps, prints. Returns an exit status; the caller cleans up. */
static int run_replay(replay_io *io, const lr_optim_config *cfg, const lr_kernels *kernels)
{
    int got = lr_csv_next(&io->csv);
    if (got < 0) {
        lr_errorf(io->cmd, "%s", io->csv.error);
        return LR_EXIT_USAGE;
    }
    if (got == 0) {
        lr_errorf(io->cmd, "%s: the input is empty (row 1 must hold the initial parameters)",
                  io->input_name);
        return LR_EXIT_USAGE;
    }
    size_t n = io->csv.ncells;
    io->param = malloc(n * sizeof(float));
    io->grad = malloc(n * sizeof(float));
    if (!io->param || !io->grad || lr_optimizer_init(&io->opt, cfg, n, kernels) != 0) {
        lr_errorf(io->cmd, "out of memory for %zu parameters", n);
        return LR_EXIT_FAILURE;
    }
    io->have_opt = true;
    to_floats(&io->csv, io->param);
    while ((got = lr_csv_next(&io->csv)) > 0) {
        if (io->csv.ncells != n) {
            lr_errorf(io->cmd, "%s:%ld: expected %zu values (as in row 1), found %zu",
                      io->input_name, io->csv.lineno, n, io->csv.ncells);
            return LR_EXIT_USAGE;
        }
        to_floats(&io->csv, io->grad);
        lr_optimizer_step(&io->opt, cfg->lr, io->param, io->grad);
        print_row(io->out.f, io->param, n);
    }
    if (got < 0) {
        lr_errorf(io->cmd, "%s", io->csv.error);
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int lr_cmd_replay(int argc, char **argv)
{
    const char *cmd = "replay";
    const char *optimizer = NULL, *impl_name = "auto", *input = NULL, *output = NULL;
    lr_optim_config raw = {0};
    lr_arg args[4 + LR_OPTIM_NFLAGS] = {
        {.name = "--optimizer", .kind = LR_ARG_STRING, .dest = &optimizer, .metavar = "NAME",
         .help = "sgd, adagrad, rmsprop, adam or adamw (required)"},
        {.name = "--impl", .kind = LR_ARG_STRING, .dest = &impl_name, .metavar = "IMPL",
         .help = "auto (default; or LRLAB_IMPL), reference or avx2"},
        {.name = "--input", .kind = LR_ARG_STRING, .dest = &input, .metavar = "FILE",
         .help = "CSV input (default: stdin)"},
        {.name = "--output", .kind = LR_ARG_STRING, .dest = &output, .metavar = "FILE",
         .help = "CSV output, written atomically (default: stdout)"},
    };
    lr_optim_flags(args + 4, &raw);
    size_t nargs = sizeof args / sizeof args[0];
    int rc = lr_args_parse(cmd, replay_usage, args, nargs, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;

    lr_optim_kind kind;
    if (!optimizer) {
        lr_errorf(cmd, "--optimizer is required (sgd, adagrad, rmsprop, adam or adamw)");
        return LR_EXIT_USAGE;
    }
    if (lr_optim_parse(optimizer, &kind) != 0) {
        lr_errorf(cmd, "--optimizer: unknown optimizer '%s' (choose sgd, adagrad, rmsprop, adam or "
                       "adamw)", optimizer);
        return LR_EXIT_USAGE;
    }
    lr_optim_config cfg;
    if (lr_optim_flags_finish(cmd, args + 4, &raw, kind, &cfg) != 0)
        return LR_EXIT_USAGE;
    lr_impl impl;
    if (lr_impl_parse(impl_name, &impl) != 0) {
        lr_errorf(cmd, "--impl: unknown implementation '%s' (choose auto, reference or avx2)",
                  impl_name);
        return LR_EXIT_USAGE;
    }
    const char *why;
    const lr_kernels *kernels = lr_kernels_select(impl, &why);
    if (!kernels) {
        const char *env = getenv("LRLAB_IMPL");
        if (impl == LR_IMPL_AUTO && env)
            lr_errorf(cmd, "%s (LRLAB_IMPL is '%s')", why, env); /* name the value at fault */
        else
            lr_errorf(cmd, "%s%s", impl == LR_IMPL_AVX2 ? "--impl avx2: " : "", why);
        return LR_EXIT_USAGE;
    }

    replay_io io = {.cmd = cmd, .input_name = input && strcmp(input, "-") ? input : "<stdin>"};
    io.in = lr_input_open(cmd, input);
    if (!io.in)
        return LR_EXIT_USAGE;
    rc = lr_output_open(&io.out, cmd, output);
    if (rc == LR_EXIT_OK) {
        lr_csv_init(&io.csv, io.in, io.input_name);
        rc = run_replay(&io, &cfg, kernels);
        lr_csv_free(&io.csv);
        if (rc == LR_EXIT_OK)
            rc = lr_output_commit(&io.out, cmd);
        else
            lr_output_abort(&io.out);
    }
    if (io.have_opt)
        lr_optimizer_free(&io.opt);
    free(io.param);
    free(io.grad);
    if (io.in != stdin)
        fclose(io.in);
    return rc;
}
