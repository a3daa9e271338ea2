/* lrlab train on Fashion-MNIST (C24, C25): a short run per problem on a subset, rows per epoch
 * with test accuracy, held-out validation, and the data errors named by file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

static const char fmnist_dir[] = "/usr/share/datasets/fashion-mnist";

static int have_data(void)
{
    char p[256];
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", fmnist_dir);
    return access(p, R_OK) == 0;
}

Test(cli_fmnist, softmax_and_mlp_learn_on_a_subset)
{
    if (!have_data())
        cr_skip_test("Fashion-MNIST is not installed");
    const char *softmax[] = {"train", "--problem", "fmnist-softmax", "--train-size", "3000",
                             "--optimizer", "adam", "--lr", "2e-3", "--epochs", "2", NULL};
    lr_cmd_result r = run_lrlab(softmax, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    size_t lines = count_lines(r.out);
    cr_assert_eq(lines, 1 + 3, "epochs 0..2");
    cr_assert_gt(csv_last_field(r.out, 11), 0.70, "test accuracy after 2 epochs on 3000 images");
    cmd_result_free(&r);
    const char *mlp[] = {"train", "--problem", "fmnist-mlp", "--hidden", "32,16", "--train-size",
                         "2000", "--validation", "1000", "--optimizer", "sgd", "--lr", "0.05",
                         "--momentum", "0.9", "--epochs", "2", "--seed", "3", NULL};
    r = run_lrlab(mlp, NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert_gt(csv_last_field(r.out, 11), 0.60, "validation accuracy");
    cmd_result_free(&r);
}

Test(cli_fmnist, data_errors_name_the_file)
{
    char *dir = make_temp_dir(), path[512];
    const char *argv[] = {"train", "--problem", "fmnist-softmax", "--optimizer", "adam", "--data",
                          dir, NULL};
    lr_cmd_result r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "train-images-idx3-ubyte"), "%s", r.err);
    cmd_result_free(&r);
    static const char *const names[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cr_assert_eq(write_text(path, "not gzip at all"), 0);
    }
    r = run_lrlab(argv, NULL);
    cr_assert_eq(r.status, 2, "%s", r.err);
    cr_assert_not_null(strstr(r.err, "-idx"), "%s", r.err);
    cr_assert_not_null(strstr(r.err, "gzip"), "%s", r.err);
    cmd_result_free(&r);
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    remove(dir);
    free(dir);
}

Test(cli_fmnist, bad_flags)
{
    static const char *const cases[][12] = {
        {"train", "--problem", "fmnist-mlp", "--hidden", "0", "--optimizer", "adam", NULL},
        {"train", "--problem", "fmnist-mlp", "--hidden", "12,x", "--optimizer", "adam", NULL},
        {"train", "--problem", "fmnist-softmax", "--hidden", "12", "--optimizer", "adam", NULL},
        {"train", "--problem", "fmnist-softmax", "--validation", "-5", "--optimizer", "adam", NULL},
        {"train", "--problem", "linreg", "--data", "/tmp", "--optimizer", "adam", NULL},
    };
    static const char *const needles[] = {"--hidden", "--hidden", "--hidden", "--validation",
                                          "--data"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lr_cmd_result r = run_lrlab(cases[i], NULL);
        cr_assert_eq(r.status, 2, "case %zu: %d %s", i, r.status, r.err);
        cr_assert_not_null(strstr(r.err, needles[i]), "case %zu: %s", i, r.err);
        cmd_result_free(&r);
    }
}
