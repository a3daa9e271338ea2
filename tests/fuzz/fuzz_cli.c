/* Fuzz target for one lrlab subcommand (FUZZ_CMD, e.g. lr_cmd_replay): the whole command, from its
 * argument parser to its input reader and kernels. Input: argument words one per line, a blank
 * line, then the bytes the command reads as its --input file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#ifndef FUZZ_CMD
#error "define FUZZ_CMD as the subcommand entry point, e.g. -DFUZZ_CMD=lr_cmd_replay"
#endif
/* FUZZ_INPUT_FLAG (e.g. "--input"): the flag that hands the command the file part of the input;
 * undefined for commands that read no file. FUZZ_MAX_NUMBER: inputs with an argument that is a
 * number beyond it are skipped, so the fuzzer explores parsing rather than asking for a billion
 * training steps (a long run is what the user asked for, not a bug). For train it is 300: at 2000
 * the fuzzer's only finding was `--problem quadratic --rotate --dim 978`, whose O(dim^3) rotation
 * takes 1.6 s in a release build and over 10 s under ASan, a timeout but not a fault. */

enum { MAX_WORDS = 64 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* The commands print their results: keep them out of the fuzzer's own output (their error
     * messages on stderr are silenced by running with -close_fd_mask=2). */
    if (!freopen("/dev/null", "w", stdout))
        abort();
    /* Fuzzed --output paths are relative names like "6a7-opt": let them land in a scratch
     * directory, never in the checkout the fuzzer was started from. */
    char dir[] = "/tmp/lrlab-fuzz-cwd-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0)
        abort();
    /* The Fashion-MNIST problems find no data here (their error path is fuzzed): loading the real
     * 60000 images under the sanitizers takes longer than a unit may. */
    if (setenv("LRLAB_DATA", "/nonexistent/lrlab-fuzz-data", 1) != 0)
        abort();
    return 0;
}

static int too_big(char *const *argv, int argc)
{
#ifdef FUZZ_MAX_NUMBER
    for (int i = 0; i < argc; i++) {
        const char *w = strchr(argv[i], '=') ? strchr(argv[i], '=') + 1 : argv[i];
        for (const char *p = w; *p; p++) /* any number inside a list such as 1,2,3 too */
            if ((*p >= '0' && *p <= '9') || *p == '.') {
                double v = strtod(p, NULL);
                if (!(fabs(v) <= FUZZ_MAX_NUMBER))
                    return 1;
                while (*p && *p != ',')
                    p++;
                if (!*p)
                    break;
            }
    }
#else
    (void)argv;
    (void)argc;
#endif
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *body = strstr(text, "\n\n");
    const char *file_bytes = "";
    size_t file_len = 0;
    if (body) {
        *body = '\0';
        file_bytes = body + 2;
        file_len = size - (size_t)(file_bytes - text);
    }
    char path[] = "/tmp/lrlab-fuzz-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        free(text);
        return 0;
    }
    if (write(fd, file_bytes, file_len) != (ssize_t)file_len) {
        /* a short write only shortens the input */
    }
    close(fd);

    char *argv[MAX_WORDS + 4];
    int argc = 0;
    argv[argc++] = "fuzz";
    for (char *w = strtok(text, "\n"); w && argc < MAX_WORDS; w = strtok(NULL, "\n"))
        argv[argc++] = w;
#ifdef FUZZ_INPUT_FLAG
    argv[argc++] = FUZZ_INPUT_FLAG;
    argv[argc++] = path;
#endif
    argv[argc] = NULL;
    if (!too_big(argv, argc))
        FUZZ_CMD(argc, argv);
    unlink(path);
    free(text);
    return 0;
}
