/* Test helpers: seeded random values, special floats, offset buffers, and a subprocess runner. */
#include "helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

uint64_t rng_next(lr_test_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double rng_uniform(lr_test_rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

double rng_range(lr_test_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_uniform(r);
}

size_t rng_below(lr_test_rng *r, size_t n)
{
    return n ? (size_t)(rng_next(r) % n) : 0;
}

double rng_log_uniform(lr_test_rng *r, double lo, double hi)
{
    return exp(rng_range(r, log(lo), log(hi)));
}

float rng_float(lr_test_rng *r, float scale, double p_special)
{
    if (rng_uniform(r) < p_special) {
        static const float specials[] = {0.0f, -0.0f, 1e-40f, -1e-40f, FLT_MIN, -FLT_MIN,
                                         FLT_MAX, -FLT_MAX, INFINITY, -INFINITY, NAN, 1e30f};
        return specials[rng_below(r, sizeof specials / sizeof specials[0])];
    }
    double mag = scale * pow(10.0, rng_range(r, -4.0, 2.0));
    return (float)(rng_uniform(r) < 0.5 ? -mag : mag);
}

lr_test_buf buf_alloc(size_t n, size_t offset)
{
    lr_test_buf b;
    size_t bytes = ((n + offset) * sizeof(float) + 63) & ~(size_t)63;
    b.base = aligned_alloc(32, bytes ? bytes : 64);
    if (!b.base)
        abort();
    b.data = (float *)b.base + offset;
    return b;
}

void buf_free(lr_test_buf *b)
{
    free(b->base);
    b->base = NULL;
    b->data = NULL;
}

static char *read_all(int fd)
{
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    if (!s)
        abort();
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            s = realloc(s, cap);
            if (!s)
                abort();
        }
        ssize_t got = read(fd, s + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    s[len] = '\0';
    return s;
}

lr_cmd_result run_lrlab(const char *const *argv, const char *input)
{
    static const char *const no_change[] = {NULL};
    return run_lrlab_env(argv, input, no_change);
}

void cmd_result_free(lr_cmd_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

char *make_temp_dir(void)
{
    char tmpl[] = "/tmp/lrlab-test-XXXXXX";
    if (!mkdtemp(tmpl))
        abort();
    return strdup(tmpl);
}

char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t got;
    while (s && (got = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 >= cap)
            s = realloc(s, cap *= 2);
    }
    fclose(f);
    if (s)
        s[len] = '\0';
    return s;
}

int write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

/* environ with each "NAME=value" of `env` replacing NAME or added: malloc'ed, entries borrowed. */
static char **merged_environment(const char *const *env)
{
    extern char **environ;
    size_t have = 0, add = 0;
    while (environ[have])
        have++;
    while (env[add])
        add++;
    char **merged = calloc(have + add + 1, sizeof *merged);
    if (!merged)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < have; i++) {
        int replaced = 0;
        for (size_t j = 0; j < add && !replaced; j++) {
            size_t name_len = strcspn(env[j], "=");
            replaced = strncmp(environ[i], env[j], name_len) == 0 && environ[i][name_len] == '=';
        }
        if (!replaced)
            merged[n++] = environ[i];
    }
    for (size_t j = 0; j < add; j++)
        merged[n++] = (char *)env[j];
    return merged;
}

lr_cmd_result run_lrlab_env(const char *const *argv, const char *input, const char *const *env)
{
    lr_cmd_result res = {.status = -1};
    char in_path[] = "/tmp/lrlab-test-in-XXXXXX", out_path[] = "/tmp/lrlab-test-out-XXXXXX",
         err_path[] = "/tmp/lrlab-test-err-XXXXXX";
    int in_fd = mkstemp(in_path), out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0)
        abort();
    if (input && write(in_fd, input, strlen(input)) != (ssize_t)strlen(input))
        abort();
    lseek(in_fd, 0, SEEK_SET);
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **args = calloc(argc + 2, sizeof *args);
    if (!args)
        abort();
    args[0] = (char *)LRLAB_BIN;
    for (size_t i = 0; i < argc; i++)
        args[i + 1] = (char *)argv[i];
    char **envp = merged_environment(env);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in_fd, 0);
        dup2(out_fd, 1);
        dup2(err_fd, 2);
        execve(LRLAB_BIN, args, envp);
        _exit(127);
    }
    int st = 0;
    if (pid > 0)
        waitpid(pid, &st, 0);
    res.status = pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    lseek(out_fd, 0, SEEK_SET);
    lseek(err_fd, 0, SEEK_SET);
    res.out = read_all(out_fd);
    res.err = read_all(err_fd);
    close(in_fd);
    close(out_fd);
    close(err_fd);
    unlink(in_path);
    unlink(out_path);
    unlink(err_path);
    free(args);
    free(envp);
    return res;
}

size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

double csv_last_field(const char *csv, int col)
{
    const char *line = csv + strlen(csv) - 1;
    while (line > csv && line[-1] != '\n')
        line--;
    for (int c = 1; c < col; c++)
        line = strchr(line, ',') + 1;
    return strtod(line, NULL);
}

int csv_column(const char *csv, const char *name)
{
    int col = 0;
    size_t len = strlen(name);
    for (const char *s = csv; *s && *s != '\n'; col++) {
        if (strncmp(s, name, len) == 0 && (s[len] == ',' || s[len] == '\n'))
            return col;
        s += strcspn(s, ",\n");
        if (*s == ',')
            s++;
    }
    cr_assert_fail("no column %s in %.200s", name, csv);
    return -1;
}

const char *csv_cell(const char *csv, size_t row, int col, char *buf, size_t len)
{
    const char *s = strchr(csv, '\n') + 1;
    for (size_t r = 0; r < row; r++)
        s = strchr(s, '\n') + 1;
    for (int c = 0; c < col; c++)
        s = s + strcspn(s, ",\n") + 1;
    size_t n = strcspn(s, ",\n");
    snprintf(buf, len, "%.*s", (int)n, s);
    return buf;
}

double csv_number(const char *csv, size_t row, const char *name)
{
    char buf[64];
    return strtod(csv_cell(csv, row, csv_column(csv, name), buf, sizeof buf), NULL);
}

char *csv_without_column(const char *csv, const char *name)
{
    int col = csv_column(csv, name), c = 0;
    char *out = strdup(csv), *w = out;
    cr_assert_not_null(out);
    for (const char *s = csv; *s; s++) {
        if (*s == '\n')
            c = 0;
        else if (*s == ',')
            c++;
        else if (c == col)
            continue;
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

size_t dir_leftovers(const char *dir, const char *keep, char *first, size_t len)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || (keep && !strcmp(e->d_name, keep)))
            continue;
        if (n++ == 0 && first)
            snprintf(first, len, "%s", e->d_name);
    }
    if (d)
        closedir(d);
    return n;
}

void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}
