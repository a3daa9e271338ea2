/* C01-C06 smoke: the CLI runs and both kernel tables are reachable (details in the other suites). */
#include <criterion/criterion.h>
#include <string.h>

#include "helpers.h"
#include "lrlab/kernels.h"

Test(smoke, replay_runs_sgd)
{
    const char *argv[] = {"replay", "--optimizer", "sgd", "--lr", "0.5", NULL};
    lr_cmd_result r = run_lrlab(argv, "1,2\n2,4\n");
    cr_assert_eq(r.status, 0, "stderr: %s", r.err);
    cr_assert_str_eq(r.out, "0,0\n");
    cmd_result_free(&r);
}

Test(smoke, dispatch_names_its_tables)
{
    const char *err;
    const lr_kernels *k = lr_kernels_select(LR_IMPL_REFERENCE, &err);
    cr_assert_not_null(k);
    cr_assert_str_eq(k->impl, "reference");
}
