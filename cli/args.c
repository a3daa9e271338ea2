/* Table-driven flags for every subcommand: one parser, one --help format, one error style. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void lr_errorf(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "lrlab %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

lr_arg *lr_args_find(lr_arg *args, size_t nargs, const char *name)
{
    for (size_t i = 0; i < nargs; i++)
        if (strcmp(args[i].name, name) == 0)
            return &args[i];
    return NULL;
}

void lr_flag_from_keyword(const char *keyword, char *out, size_t outlen)
{
    size_t j = 0;
    if (outlen < 3)
        return;
    out[j++] = '-';
    out[j++] = '-';
    for (const char *k = keyword; *k && j + 1 < outlen; k++)
        out[j++] = *k == '_' ? '-' : *k;
    out[j] = '\0';
}

static void print_help(const char *usage, const lr_arg *args, size_t nargs)
{
    printf("%s\n", usage);
    printf("Options:\n");
    for (size_t i = 0; i < nargs; i++) {
        char left[64];
        if (args[i].kind == LR_ARG_FLAG)
            snprintf(left, sizeof left, "%s", args[i].name);
        else
            snprintf(left, sizeof left, "%s %s", args[i].name,
                     args[i].metavar ? args[i].metavar : "VALUE");
        printf("  %-30s %s\n", left, args[i].help ? args[i].help : "");
    }
    printf("  %-30s %s\n", "-h, --help", "show this help and exit");
}

static int set_value(const char *cmd, lr_arg *a, const char *value)
{
    char *end;
    switch (a->kind) {
    case LR_ARG_DOUBLE: {
        errno = 0;
        double v = strtod(value, &end);
        if (end == value || *end != '\0') {
            lr_errorf(cmd, "%s: not a number: '%s'", a->name, value);
            return -1;
        }
        *(double *)a->dest = v;
        return 0;
    }
    case LR_ARG_LONG: {
        errno = 0;
        long v = strtol(value, &end, 10);
        if (end == value || *end != '\0') {
            lr_errorf(cmd, "%s: not a whole number: '%s'", a->name, value);
            return -1;
        }
        if (errno == ERANGE) {
            lr_errorf(cmd, "%s: out of range: '%s'", a->name, value);
            return -1;
        }
        *(long *)a->dest = v;
        return 0;
    }
    case LR_ARG_STRING:
        *(const char **)a->dest = value;
        return 0;
    case LR_ARG_FLAG:
        *(bool *)a->dest = true;
        return 0;
    }
    return -1;
}

int lr_args_parse(const char *cmd, const char *usage, lr_arg *args, size_t nargs, int argc,
                  char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *word = argv[i];
        if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
            print_help(usage, args, nargs);
            return LR_PARSE_HELP;
        }
        if (strncmp(word, "--", 2) != 0 || word[2] == '\0') {
            lr_errorf(cmd, "unexpected argument '%s' (see lrlab %s --help)", word, cmd);
            return LR_PARSE_ERROR;
        }
        char name[64];
        const char *eq = strchr(word, '=');
        size_t len = eq ? (size_t)(eq - word) : strlen(word);
        if (len >= sizeof name) {
            lr_errorf(cmd, "unknown option '%.60s...' (see lrlab %s --help)", word, cmd);
            return LR_PARSE_ERROR;
        }
        memcpy(name, word, len);
        name[len] = '\0';
        lr_arg *a = lr_args_find(args, nargs, name);
        if (!a) {
            lr_errorf(cmd, "unknown option '%s' (see lrlab %s --help)", name, cmd);
            return LR_PARSE_ERROR;
        }
        if (a->seen) {
            lr_errorf(cmd, "%s given more than once", name);
            return LR_PARSE_ERROR;
        }
        a->seen = true;
        const char *value = NULL;
        if (a->kind == LR_ARG_FLAG) {
            if (eq) {
                lr_errorf(cmd, "%s takes no value", name);
                return LR_PARSE_ERROR;
            }
        } else if (eq) {
            value = eq + 1;
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            lr_errorf(cmd, "%s needs a value", name);
            return LR_PARSE_ERROR;
        }
        if (set_value(cmd, a, value) != 0)
            return LR_PARSE_ERROR;
    }
    return LR_PARSE_OK;
}

int lr_args_check_group(const char *cmd, const lr_arg *args, size_t nargs, unsigned family,
                        unsigned group, const char *what)
{
    for (size_t i = 0; i < nargs; i++) {
        if (args[i].seen && (args[i].groups & family) && !(args[i].groups & group)) {
            lr_errorf(cmd, "%s does not apply to %s", args[i].name, what);
            return LR_EXIT_USAGE;
        }
    }
    return LR_EXIT_OK;
}
