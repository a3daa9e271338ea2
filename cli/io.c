/* Files for the subcommands: inputs with clear errors, outputs that are complete or absent. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

FILE *lr_input_open(const char *cmd, const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return stdin;
    FILE *f = fopen(path, "r");
    if (!f)
        lr_errorf(cmd, "cannot read '%s': %s", path, strerror(errno));
    return f;
}

int lr_output_open(lr_output *out, const char *cmd, const char *path)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    if (!path || strcmp(path, "-") == 0) {
        out->f = stdout;
        return LR_EXIT_OK;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            lr_errorf(cmd, "cannot write '%s': it is a directory", path);
            return LR_EXIT_USAGE;
        }
        /* Not a plain file: as root, renaming a temporary file over /dev/null would replace the
         * device with a regular file, and over /dev/stdout would replace the link. Write through. */
        out->f = fopen(path, "w");
        if (!out->f) {
            lr_errorf(cmd, "cannot write '%s': %s", path, strerror(errno));
            return LR_EXIT_USAGE;
        }
        out->in_place = true;
        return LR_EXIT_OK;
    }
    size_t len = strlen(path);
    out->tmp_path = malloc(len + sizeof ".tmp.XXXXXX");
    if (!out->tmp_path) {
        lr_errorf(cmd, "out of memory");
        return LR_EXIT_FAILURE;
    }
    memcpy(out->tmp_path, path, len);
    memcpy(out->tmp_path + len, ".tmp.XXXXXX", sizeof ".tmp.XXXXXX");
    int fd = mkstemp(out->tmp_path);
    if (fd >= 0) {
        /* mkstemp makes the file private; give the result the permissions a plain fopen would. */
        mode_t mask = umask(0);
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
    }
    if (fd < 0 || !(out->f = fdopen(fd, "w"))) {
        lr_errorf(cmd, "cannot write '%s': %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(out->tmp_path);
        }
        free(out->tmp_path);
        out->tmp_path = NULL;
        return LR_EXIT_USAGE;
    }
    return LR_EXIT_OK;
}

int lr_output_commit(lr_output *out, const char *cmd)
{
    if (!out->tmp_path) {
        errno = 0;
        int bad = fflush(out->f) != 0 || ferror(out->f);
        if (out->in_place) {
            bad |= fclose(out->f) != 0;
            out->f = NULL;
        }
        if (bad) {
            const char *why = strerror(errno ? errno : EIO);
            if (out->in_place)
                lr_errorf(cmd, "cannot write '%s': %s", out->path, why);
            else
                lr_errorf(cmd, "cannot write the output: %s", why);
            return LR_EXIT_FAILURE;
        }
        return LR_EXIT_OK;
    }
    int bad = fflush(out->f) != 0 || ferror(out->f) || fsync(fileno(out->f)) != 0;
    int err = errno;
    bad |= fclose(out->f) != 0;
    out->f = NULL;
    if (!bad && rename(out->tmp_path, out->path) != 0) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        lr_errorf(cmd, "cannot write '%s': %s", out->path, strerror(err ? err : EIO));
        unlink(out->tmp_path);
    }
    free(out->tmp_path);
    out->tmp_path = NULL;
    return bad ? LR_EXIT_FAILURE : LR_EXIT_OK;
}

void lr_output_abort(lr_output *out)
{
    if (out->in_place && out->f)
        fclose(out->f); /* a device or FIFO: what was written cannot be taken back */
    if (out->tmp_path) {
        if (out->f)
            fclose(out->f);
        unlink(out->tmp_path);
        free(out->tmp_path);
    }
    out->f = NULL;
    out->tmp_path = NULL;
}
