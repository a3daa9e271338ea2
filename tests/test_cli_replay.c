/* C01-C06 `lrlab replay`: hand-checked trajectories of every optimizer, reference and AVX2 runs
 * byte-identical, atomic --output, --input, --help, and every error path (exit 2 with a message
 * naming the flag, line, cell or value; nothing half-written). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "lrlab/kernels.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- helpers ------------------------------------------------------------------------------- */

static void expect_output(const char *const *argv, const char *input, const char *want)
{
    lr_cmd_result r = run_lrlab(argv, input);
    cr_assert_eq(r.status, 0, "exit %d, stderr: %s", r.status, r.err);
    cr_assert_str_eq(r.out, want);
    cr_assert_str_empty(r.err);
    cmd_result_free(&r);
}

/* Exit 2, a one-line message "lrlab replay: ..." containing every needle, and (for errors found
 * before any step ran) nothing on stdout. */
static void check_usage_error(lr_cmd_result *r, const char *const *needles, bool quiet_stdout,
                              const char *what)
{
    cr_assert_eq(r->status, 2, "%s: exit %d, stderr: %s", what, r->status, r->err);
    cr_assert(strncmp(r->err, "lrlab replay: ", 14) == 0, "%s: stderr: %s", what, r->err);
    size_t len = strlen(r->err);
    cr_assert(len > 0 && r->err[len - 1] == '\n' && strchr(r->err, '\n') == r->err + len - 1,
              "%s: expected one line on stderr, got: %s", what, r->err);
    for (size_t i = 0; needles[i]; i++)
        cr_assert(strstr(r->err, needles[i]), "%s: message does not name '%s': %s", what,
                  needles[i], r->err);
    if (quiet_stdout)
        cr_assert_str_empty(r->out, "%s: stdout: %s", what, r->out);
}

static void expect_usage_error(const char *const *argv, const char *input,
                               const char *const *needles)
{
    char what[256] = "replay";
    for (size_t i = 0; argv[i]; i++) {
        size_t used = strlen(what);
        snprintf(what + used, sizeof what - used, " %s", argv[i]);
    }
    lr_cmd_result r = run_lrlab(argv, input);
    check_usage_error(&r, needles, true, what);
    cmd_result_free(&r);
}

/* The names in dir, sorted and joined with spaces: what a test expects to find there. */
static char *listing(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    cr_assert_geq(n, 0);
    size_t cap = 1;
    for (int i = 0; i < n; i++)
        cap += strlen(names[i]->d_name) + 1;
    char *s = calloc(cap, 1);
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
            if (*s)
                strcat(s, " ");
            strcat(s, names[i]->d_name);
        }
        free(names[i]);
    }
    free(names);
    return s;
}

static void expect_listing(const char *dir, const char *want)
{
    char *got = listing(dir);
    cr_assert_str_eq(got, want, "files in the directory: '%s', expected '%s'", got, want);
    free(got);
}

static char *path_in(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

/* ---- happy paths, checked by hand ---------------------------------------------------------- */

Test(cli_replay, sgd_plain)
{
    /* p -= 0.5 g: (1,-2) -> (0.75,-2.5) -> (0.5,-3) */
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5"), "1,-2\n0.5,1\n0.5,1\n",
                  "0.75,-2.5\n0.5,-3\n");
    /* --flag=value form; maximize: p += lr g */
    expect_output(ARGV("replay", "--optimizer=sgd", "--lr=0.5", "--maximize"), "1\n1\n", "1.5\n");
    /* weight decay: d = g + 0.5 p with g = 0: 2 -> 2 - 0.5*1 = 1.5 -> 1.5 - 0.5*0.75 = 1.125 */
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5", "--weight-decay", "0.5"),
                  "2\n0\n0\n", "1.5\n1.125\n");
}

Test(cli_replay, sgd_momentum_by_hand)
{
    /* lr 0.5, momentum 0.5, g = 1 three times; the first step copies g into the buffer:
     * b = 1, 1.5, 1.75; p = 1 - 0.5, - 0.75, - 0.875 */
    const char *in = "1\n1\n1\n1\n";
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.5"), in,
                  "0.5\n-0.25\n-1.125\n");
    /* dampening 0.5 (not on the first step): b = 1, 0.5 + 0.5 = 1, 1 */
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.5",
                       "--dampening", "0.5"),
                  in, "0.5\n0\n-0.5\n");
    /* Nesterov: d = g + 0.5 b: b = 1, 1.5, 1.75; d = 1.5, 1.75, 1.875 */
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5", "--momentum", "0.5",
                       "--nesterov"),
                  in, "0.25\n-0.625\n-1.5625\n");
}

Test(cli_replay, adagrad_by_hand)
{
    /* lr 1.25, g = 3 then 4: sum 9 then 25, steps 1.25*3/3 and 1.25*4/5; the default eps 1e-10
     * vanishes against 3 and 5 in float */
    expect_output(ARGV("replay", "--optimizer", "adagrad", "--lr", "1.25"), "0\n3\n4\n",
                  "-1.25\n-2.25\n");
    /* lr_decay 1: the second step runs at 1.25/2 */
    expect_output(ARGV("replay", "--optimizer", "adagrad", "--lr", "1.25", "--lr-decay", "1",
                       "--eps", "0"),
                  "0\n3\n4\n", "-1.25\n-1.75\n");
    /* initial accumulator 16: sum 25 at the first step, 1.25*3/5 */
    expect_output(ARGV("replay", "--optimizer", "adagrad", "--lr", "1.25",
                       "--initial-accumulator-value", "16"),
                  "0\n3\n", "-0.75\n");
}

Test(cli_replay, rmsprop_by_hand)
{
    /* alpha 0.75: v = 0.25*4 = 1, step 0.5*2/1; then v = 0.75 + 0.25 = 1, step 0.5*1/1 */
    expect_output(ARGV("replay", "--optimizer", "rmsprop", "--lr", "0.5", "--alpha", "0.75",
                       "--eps", "0"),
                  "3\n2\n1\n", "2\n1.5\n");
    /* momentum 0.5: b = 2/1 = 2, then 0.5*2 + 1/1 = 2 */
    expect_output(ARGV("replay", "--optimizer", "rmsprop", "--lr", "0.5", "--alpha", "0.75",
                       "--eps", "0", "--momentum", "0.5"),
                  "3\n2\n1\n", "2\n1\n");
    /* centered, alpha 0.5, g = 1: v = 0.5, grad_avg = 0.5, sqrt(0.5 - 0.25) = 0.5: step 0.25/0.5 */
    expect_output(ARGV("replay", "--optimizer", "rmsprop", "--lr", "0.25", "--alpha", "0.5",
                       "--eps", "0", "--centered"),
                  "1\n1\n", "0.5\n");
}

Test(cli_replay, adam_and_adamw_by_hand)
{
    /* betas (0.5, 0.75), eps 0: the first step moves each coordinate by exactly lr against g */
    const char *in = "1,-2\n4,-0.5\n";
    expect_output(ARGV("replay", "--optimizer", "adam", "--lr", "0.25", "--beta1", "0.5",
                       "--beta2", "0.75", "--eps", "0"),
                  in, "0.75,-1.75\n");
    expect_output(ARGV("replay", "--optimizer", "adam", "--lr", "0.25", "--beta1", "0.5",
                       "--beta2", "0.75", "--eps", "0", "--amsgrad", "--maximize"),
                  in, "1.25,-2.25\n");
    /* AdamW, wd 0.5: p *= 1 - 0.25*0.5 first: 0.875 - 0.25, -1.75 + 0.25 */
    expect_output(ARGV("replay", "--optimizer", "adamw", "--lr", "0.25", "--beta1", "0.5",
                       "--beta2", "0.75", "--eps", "0", "--weight-decay", "0.5"),
                  in, "0.625,-1.5\n");
}

/* AdamW's default weight decay is PyTorch's 1e-2: the same bytes as --weight-decay 0.01, and not
 * those of --weight-decay 0. */
Test(cli_replay, adamw_default_weight_decay)
{
    const char *in = "1,-2,3\n0.1,0.2,-0.3\n0.1,0.2,-0.3\n";
    lr_cmd_result dflt = run_lrlab(ARGV("replay", "--optimizer", "adamw", "--lr", "0.1"), in);
    lr_cmd_result explicit = run_lrlab(
        ARGV("replay", "--optimizer", "adamw", "--lr", "0.1", "--weight-decay", "0.01"), in);
    lr_cmd_result none = run_lrlab(
        ARGV("replay", "--optimizer", "adamw", "--lr", "0.1", "--weight-decay", "0"), in);
    cr_assert_eq(dflt.status, 0);
    cr_assert_str_eq(dflt.out, explicit.out);
    cr_assert_str_neq(dflt.out, none.out);
    cmd_result_free(&dflt);
    cmd_result_free(&explicit);
    cmd_result_free(&none);
}

/* NaN and infinity in gradients are data: they propagate, printed as nan and inf. */
Test(cli_replay, nan_and_inf_are_data)
{
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5"), "1,1,1,1\nnan,inf,-inf,1\n",
                  "nan,-inf,inf,0.5\n");
    /* blank lines carry no row; spaces and CRLF around cells are allowed */
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5"), "\n 1 , 2\r\n\n2,2\r\n",
                  "0,1\n");
    /* only the initial row: no steps, no output */
    expect_output(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5"), "1,2\n", "");
}

/* ---- reference and AVX2 give the same bytes ------------------------------------------------- */

/* n parameters and `steps` gradient rows over many magnitudes, with NaN and +-inf now and then. */
static char *random_input(size_t n, int steps, double p_special, uint64_t seed)
{
    lr_test_rng r = {seed};
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    for (int row = 0; row <= steps; row++) {
        for (size_t i = 0; i < n; i++) {
            float x = rng_float(&r, row == 0 ? 1.0f : (float)rng_log_uniform(&r, 1e-6, 1e2),
                                row == 0 ? 0.0 : p_special);
            fprintf(f, i ? ",%.9g" : "%.9g", (double)x);
        }
        fputc('\n', f);
    }
    fclose(f);
    return text;
}

Test(cli_replay, reference_and_avx2_are_byte_identical, .timeout = 60)
{
    if (!lr_cpu_has_avx2_fma())
        cr_skip_test("this CPU lacks AVX2+FMA");
    static const char *const configs[][12] = {
        {"sgd", "--lr", "0.01", "--momentum", "0.9", "--nesterov", "--weight-decay", "1e-4"},
        {"sgd", "--lr", "0.1", "--momentum", "0.5", "--dampening", "0.3", "--maximize"},
        {"adagrad", "--lr", "0.1", "--lr-decay", "0.01", "--initial-accumulator-value", "0.1",
         "--weight-decay", "1e-3"},
        {"rmsprop", "--lr", "0.01", "--centered", "--momentum", "0.9", "--weight-decay", "1e-3"},
        {"adam", "--lr", "0.001", "--amsgrad", "--weight-decay", "0.01"},
        {"adamw", "--lr", "0.01", "--amsgrad", "--maximize", "--beta2", "0.99"},
    };
    const size_t n = 2003; /* not a multiple of 8: the masked tail runs too */
    const int steps = 100;
    for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
        for (int special = 0; special < 2; special++) {
            char *in = random_input(n, steps, special ? 0.002 : 0.0, 0xc11 + c);
            const char *argv[20] = {"replay", "--impl", "reference", "--optimizer"};
            size_t k = 4;
            for (size_t j = 0; configs[c][j]; j++)
                argv[k++] = configs[c][j];
            argv[k] = NULL;
            lr_cmd_result ref = run_lrlab(argv, in);
            argv[2] = "avx2";
            lr_cmd_result avx = run_lrlab(argv, in);
            cr_assert_eq(ref.status, 0, "%s: %s", configs[c][0], ref.err);
            cr_assert_eq(avx.status, 0, "%s: %s", configs[c][0], avx.err);
            cr_assert_eq(count_lines(ref.out), (size_t)steps);
            cr_assert(strcmp(ref.out, avx.out) == 0,
                      "%s (specials %d): --impl reference and --impl avx2 differ", configs[c][0],
                      special);
            if (special)
                cr_assert(strstr(ref.out, "nan"), "%s: no NaN reached the output", configs[c][0]);
            cmd_result_free(&ref);
            cmd_result_free(&avx);
            free(in);
        }
    }
}

/* LRLAB_IMPL chooses the table when --impl does not; --impl wins over it. */
Test(cli_replay, lrlab_impl_environment)
{
    char *in = random_input(37, 5, 0.01, 0xe1);
    lr_cmd_result flag =
        run_lrlab(ARGV("replay", "--optimizer", "adam", "--impl", "reference"), in);
    lr_cmd_result env = run_lrlab_env(ARGV("replay", "--optimizer", "adam"), in,
                                      ARGV("LRLAB_IMPL=reference"));
    cr_assert_eq(env.status, 0, "%s", env.err);
    cr_assert_str_eq(env.out, flag.out);
    lr_cmd_result bogus = run_lrlab_env(ARGV("replay", "--optimizer", "adam"), in,
                                        ARGV("LRLAB_IMPL=bogus"));
    check_usage_error(&bogus, ARGV("LRLAB_IMPL", "bogus"), true, "LRLAB_IMPL=bogus");
    lr_cmd_result wins = run_lrlab_env(ARGV("replay", "--optimizer", "adam", "--impl", "reference"),
                                       in, ARGV("LRLAB_IMPL=bogus"));
    cr_assert_eq(wins.status, 0, "--impl must override LRLAB_IMPL: %s", wins.err);
    cr_assert_str_eq(wins.out, flag.out);
    cmd_result_free(&flag);
    cmd_result_free(&env);
    cmd_result_free(&bogus);
    cmd_result_free(&wins);
    free(in);
}

/* ---- files ---------------------------------------------------------------------------------- */

Test(cli_replay, input_from_file_equals_stdin)
{
    char *dir = make_temp_dir(), *file = path_in(dir, "in.csv");
    char *in = random_input(50, 20, 0.0, 0xf11e);
    cr_assert_eq(write_text(file, in), 0);
    lr_cmd_result piped = run_lrlab(ARGV("replay", "--optimizer", "rmsprop"), in);
    lr_cmd_result named = run_lrlab(ARGV("replay", "--optimizer", "rmsprop", "--input", file), "");
    lr_cmd_result dash = run_lrlab(ARGV("replay", "--optimizer", "rmsprop", "--input", "-"), in);
    cr_assert_eq(named.status, 0, "%s", named.err);
    cr_assert_eq(count_lines(named.out), 20u);
    cr_assert_str_eq(named.out, piped.out);
    cr_assert_str_eq(dash.out, piped.out);
    cmd_result_free(&piped);
    cmd_result_free(&named);
    cmd_result_free(&dash);
    free(in);
    free(file);
    remove_tree(dir);
    free(dir);
}

/* --output: the file holds exactly what stdout would; no temporary file is left; an existing file
 * is replaced on success and untouched on failure. */
Test(cli_replay, output_is_atomic)
{
    char *dir = make_temp_dir(), *out = path_in(dir, "out.csv");
    const char *in = "1,2,3\n0.5,0.5,0.5\n1,1,1\n";
    lr_cmd_result to_stdout = run_lrlab(ARGV("replay", "--optimizer", "adam", "--lr", "0.1"), in);
    cr_assert_eq(to_stdout.status, 0);

    cr_assert_eq(write_text(out, "old contents\n"), 0);
    /* failures after the output was opened: a ragged row, a non-numeric cell, an empty input */
    const char *bad_inputs[] = {"1,2,3\n1,1,1\n1,1\n", "1,2,3\n1,x,1\n", ""};
    for (size_t i = 0; i < sizeof bad_inputs / sizeof bad_inputs[0]; i++) {
        lr_cmd_result r = run_lrlab(
            ARGV("replay", "--optimizer", "adam", "--lr", "0.1", "--output", out), bad_inputs[i]);
        cr_assert_eq(r.status, 2, "%s", r.err);
        char *kept = slurp(out);
        cr_assert_str_eq(kept, "old contents\n", "a failed run touched the existing output");
        free(kept);
        expect_listing(dir, "out.csv");
        cmd_result_free(&r);
    }
    /* a failure before the output was opened */
    lr_cmd_result r =
        run_lrlab(ARGV("replay", "--optimizer", "adam", "--lr", "-1", "--output", out), in);
    cr_assert_eq(r.status, 2);
    cmd_result_free(&r);

    r = run_lrlab(ARGV("replay", "--optimizer", "adam", "--lr", "0.1", "--output", out), in);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_str_empty(r.out, "with --output nothing goes to stdout");
    char *written = slurp(out);
    cr_assert_str_eq(written, to_stdout.out);
    expect_listing(dir, "out.csv");
    struct stat st;
    cr_assert_eq(stat(out, &st), 0);
    cr_assert(st.st_mode & S_IRUSR, "the output must be readable like a plain new file");
    free(written);
    cmd_result_free(&r);
    cmd_result_free(&to_stdout);
    free(out);
    remove_tree(dir);
    free(dir);
}

/* An output path that cannot be a file: exit 2, the path named, nothing created. */
Test(cli_replay, unwritable_output)
{
    char *dir = make_temp_dir(), *plain = path_in(dir, "plain.txt");
    cr_assert_eq(write_text(plain, "x\n"), 0);
    char *missing = path_in(dir, "no/such/dir/out.csv"),
         *under_file = path_in(dir, "plain.txt/out.csv");
    const char *targets[] = {missing, under_file, dir};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        lr_cmd_result r = run_lrlab(
            ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--output", targets[i]), "1\n1\n");
        check_usage_error(&r, ARGV(targets[i]), true, targets[i]);
        cmd_result_free(&r);
    }
    struct stat st;
    cr_assert_neq(stat(missing, &st), 0);
    expect_listing(dir, "plain.txt");
    free(missing);
    free(under_file);
    free(plain);
    remove_tree(dir);
    free(dir);
}

/* A path that is not a plain file is written in place, never renamed over: a symbolic link stays a
 * link (its target gets the rows), a FIFO stays a FIFO (a reader gets the rows). */
Test(cli_replay, output_through_link_and_fifo)
{
    char *dir = make_temp_dir(), *target = path_in(dir, "target.csv"), *link = path_in(dir, "link"),
         *fifo = path_in(dir, "fifo");
    cr_assert_eq(symlink(target, link), 0);
    lr_cmd_result r =
        run_lrlab(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5", "--output", link), "1\n1\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    struct stat st;
    cr_assert_eq(lstat(link, &st), 0);
    cr_assert(S_ISLNK(st.st_mode), "the link was replaced");
    char *got = slurp(target);
    cr_assert_str_eq(got, "0.5\n");
    free(got);
    cmd_result_free(&r);

    cr_assert_eq(mkfifo(fifo, 0600), 0);
    int fd = open(fifo, O_RDWR | O_NONBLOCK); /* a reader, so the writer's open does not block */
    cr_assert_geq(fd, 0);
    r = run_lrlab(ARGV("replay", "--optimizer", "sgd", "--lr", "0.5", "--output", fifo), "1\n1\n");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_eq(lstat(fifo, &st), 0);
    cr_assert(S_ISFIFO(st.st_mode), "the FIFO was replaced");
    char buf[64] = "";
    ssize_t n = read(fd, buf, sizeof buf - 1);
    cr_assert_eq(n, 4, "read %zd bytes from the FIFO", n);
    cr_assert_str_eq(buf, "0.5\n");
    close(fd);
    expect_listing(dir, "fifo link target.csv");
    cmd_result_free(&r);
    free(target);
    free(link);
    free(fifo);
    remove_tree(dir);
    free(dir);
}

Test(cli_replay, unreadable_input)
{
    char *dir = make_temp_dir(), *missing = path_in(dir, "missing.csv");
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--input", missing),
                       "1\n", ARGV(missing));
    /* a directory opens but cannot be read */
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--input", dir), "1\n",
                       ARGV(dir));
    free(missing);
    remove_tree(dir);
    free(dir);
}

/* ---- --help ---------------------------------------------------------------------------------- */

/* Every flag ../shared/CLI.md gives replay, each optimizer, and --help itself. */
Test(cli_replay, help_lists_every_flag)
{
    static const char *const flags[] = {
        "--optimizer", "--impl", "--input", "--output", "--lr", "--momentum", "--dampening",
        "--weight-decay", "--nesterov", "--maximize", "--lr-decay", "--initial-accumulator-value",
        "--eps", "--alpha", "--centered", "--beta1", "--beta2", "--amsgrad", "--help",
    };
    for (int form = 0; form < 3; form++) {
        lr_cmd_result r = run_lrlab(form == 0   ? ARGV("replay", "--help")
                                    : form == 1 ? ARGV("replay", "-h")
                                                : ARGV("replay", "--optimizer", "sgd", "--help"),
                                    NULL);
        cr_assert_eq(r.status, 0);
        cr_assert_str_empty(r.err);
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            /* as a whole word: "--lr" must not be found only inside "--lr-decay" */
            bool found = false;
            size_t len = strlen(flags[i]);
            for (const char *at = r.out; !found && (at = strstr(at, flags[i])); at += len)
                found = at[len] == ' ' || at[len] == '\n' || at[len] == ',';
            cr_assert(found, "--help does not list %s", flags[i]);
        }
        for (int k = 0; k < LR_OPT_COUNT; k++)
            cr_assert(strstr(r.out, lr_optim_name((lr_optim_kind)k)));
        cmd_result_free(&r);
    }
}

/* ---- every validation error ---------------------------------------------------------------- */

Test(cli_replay, invalid_hyperparameters_as_pytorch)
{
    const char *in = "1,2\n1,1\n";
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "-1"), in, ARGV("--lr", "-1"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--lr", "-0.001"), in,
                       ARGV("--lr", "-0.001"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--eps", "-1e-08"), in,
                       ARGV("--eps", "-1e-08"));
    expect_usage_error(ARGV("replay", "--optimizer", "rmsprop", "--eps", "-2"), in,
                       ARGV("--eps", "-2"));
    expect_usage_error(ARGV("replay", "--optimizer", "adagrad", "--eps", "-3"), in,
                       ARGV("--eps", "-3"));
    expect_usage_error(
        ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--weight-decay", "-0.5"), in,
        ARGV("--weight-decay", "-0.5"));
    expect_usage_error(ARGV("replay", "--optimizer", "adamw", "--weight-decay", "-0.25"), in,
                       ARGV("--weight-decay", "-0.25"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--beta1", "1"), in,
                       ARGV("--beta1", "1"));
    expect_usage_error(ARGV("replay", "--optimizer", "adamw", "--beta1", "1.5"), in,
                       ARGV("--beta1", "1.5"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--beta2", "-0.1"), in,
                       ARGV("--beta2", "-0.1"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--beta2", "1"), in,
                       ARGV("--beta2", "1"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--momentum", "-0.9"),
                       in, ARGV("--momentum", "-0.9"));
    expect_usage_error(ARGV("replay", "--optimizer", "rmsprop", "--momentum", "-0.9"), in,
                       ARGV("--momentum", "-0.9"));
    expect_usage_error(ARGV("replay", "--optimizer", "rmsprop", "--alpha", "-0.5"), in,
                       ARGV("--alpha", "-0.5"));
    expect_usage_error(ARGV("replay", "--optimizer", "adagrad", "--lr-decay", "-1"), in,
                       ARGV("--lr-decay", "-1"));
    expect_usage_error(ARGV("replay", "--optimizer", "adagrad", "--initial-accumulator-value",
                            "-1"),
                       in, ARGV("--initial-accumulator-value", "-1"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--lr", "nan"), in,
                       ARGV("--lr", "nan"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--beta1", "inf"), in,
                       ARGV("--beta1", "inf"));
    /* Nesterov needs a momentum and no dampening */
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--nesterov"), in,
                       ARGV("--nesterov"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--nesterov",
                            "--momentum", "0.9", "--dampening", "0.1"),
                       in, ARGV("--nesterov"));
    /* SGD's lr is required, as in PyTorch */
    expect_usage_error(ARGV("replay", "--optimizer", "sgd"), in, ARGV("--lr", "required"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--momentum", "0.9"), in,
                       ARGV("--lr", "required"));
}

Test(cli_replay, flags_that_do_not_apply)
{
    const char *in = "1\n1\n";
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--amsgrad"), in,
                       ARGV("--amsgrad", "sgd"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--momentum", "0.9"), in,
                       ARGV("--momentum", "adam"));
    expect_usage_error(ARGV("replay", "--optimizer", "adagrad", "--centered"), in,
                       ARGV("--centered", "adagrad"));
    expect_usage_error(ARGV("replay", "--optimizer", "rmsprop", "--beta1", "0.9"), in,
                       ARGV("--beta1", "rmsprop"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--eps", "1e-8"), in,
                       ARGV("--eps", "sgd"));
    expect_usage_error(ARGV("replay", "--optimizer", "adamw", "--nesterov"), in,
                       ARGV("--nesterov", "adamw"));
}

Test(cli_replay, malformed_command_lines)
{
    const char *in = "1\n1\n";
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--bogus"), in,
                       ARGV("--bogus"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--bogus=3"), in,
                       ARGV("--bogus"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "stray"), in,
                       ARGV("stray"));
    expect_usage_error(ARGV("replay", "--optimizer", "nadam"), in, ARGV("--optimizer", "nadam"));
    expect_usage_error(ARGV("replay", "--lr", "0.1"), in, ARGV("--optimizer"));
    /* a flag without its value */
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr"), in, ARGV("--lr", "value"));
    expect_usage_error(ARGV("replay", "--optimizer"), in, ARGV("--optimizer", "value"));
    /* values that are not numbers */
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "abc"), in,
                       ARGV("--lr", "abc"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "1e-3x"), in,
                       ARGV("--lr", "1e-3x"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr="), in, ARGV("--lr"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--beta1", ""), in, ARGV("--beta1"));
    /* repeated flags, switches with a value */
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--lr", "0.2"), in,
                       ARGV("--lr", "more than once"));
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--optimizer", "adam", "--lr", "0.1"),
                       in, ARGV("--optimizer", "more than once"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--amsgrad", "--amsgrad"), in,
                       ARGV("--amsgrad"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--amsgrad=yes"), in,
                       ARGV("--amsgrad"));
    expect_usage_error(ARGV("replay", "--optimizer", "adam", "--impl", "bogus"), in,
                       ARGV("--impl", "bogus"));
}

Test(cli_replay, malformed_input)
{
    const char *const *argv = ARGV("replay", "--optimizer", "sgd", "--lr", "0.1");
    /* empty input, or only blank lines */
    expect_usage_error(argv, "", ARGV("<stdin>", "empty"));
    expect_usage_error(argv, "\n  \n\r\n", ARGV("<stdin>", "empty"));
    /* ragged rows name the physical line (blank lines count) and both widths */
    expect_usage_error(argv, "1,2\n3\n", ARGV("<stdin>:2", "expected 2", "found 1"));
    expect_usage_error(argv, "1,2\n\n3,4,5\n", ARGV("<stdin>:3", "expected 2", "found 3"));
    /* non-numeric and empty cells name the line and the cell */
    expect_usage_error(argv, "1,abc\n", ARGV("<stdin>:1", "cell 2", "abc"));
    expect_usage_error(argv, "1,2\n0.5,0.5x\n", ARGV("<stdin>:2", "cell 2", "0.5x"));
    expect_usage_error(argv, "1,2\n3,,4\n", ARGV("<stdin>:2", "cell 2", "empty"));
    expect_usage_error(argv, "1,2\n,4\n", ARGV("<stdin>:2", "cell 1", "empty"));
    expect_usage_error(argv, "1,2,\n", ARGV("<stdin>:1", "cell 3", "empty"));
    expect_usage_error(argv, "1 2\n", ARGV("<stdin>:1", "cell 1", "1 2"));
    /* an error after some steps: rows already printed, the message names the line */
    lr_cmd_result r = run_lrlab(argv, "1,2\n1,1\n1,1\n1\n");
    check_usage_error(&r, ARGV("<stdin>:4", "expected 2"), false, "ragged line 4");
    cmd_result_free(&r);
    /* a file's errors carry its name */
    char *dir = make_temp_dir(), *file = path_in(dir, "grads.csv");
    cr_assert_eq(write_text(file, "1,2\n1,x\n"), 0);
    expect_usage_error(ARGV("replay", "--optimizer", "sgd", "--lr", "0.1", "--input", file), NULL,
                       ARGV(file, ":2", "cell 2"));
    free(file);
    remove_tree(dir);
    free(dir);
}
