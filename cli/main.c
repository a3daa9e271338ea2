/* The lrlab command: picks a subcommand and hands it the rest of the arguments. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"replay", lr_cmd_replay, "the reference trajectory of an optimizer (C01-C06) for given gradients"},
    {"train", lr_cmd_train, "one training run of a problem (C21-C25) with an optimizer and schedule"},
    {"find-lr", lr_cmd_find_lr, "the LR range test (C17) with fast.ai's three suggestions"},
    {"schedule", lr_cmd_schedule, "the learning rate a schedule gives at each step (C07-C16)"},
    {"sweep", lr_cmd_sweep, "grid or random search of the rate (C18), k-fold cross-validation (C19)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lrlab COMMAND [OPTIONS]   (lrlab COMMAND --help for its options)\n\n"
               "lrlab: how the learning rate, its schedule and the optimizer decide training.\n\n"
               "Commands:\n");
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        fprintf(f, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return LR_EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return LR_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
        if (strcmp(argv[1], subcommands[i].name) == 0)
            return subcommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lrlab: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return LR_EXIT_USAGE;
}
