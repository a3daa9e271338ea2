/* lrlab train: one training run of a problem (C21-C25) with an optimizer (C01-C06) and a schedule
 * (C07-C16), written as CSV rows (one per step for full-batch problems, per epoch otherwise). */
#include "train_job.h"

static const char train_usage[] =
    "usage: lrlab train --problem quadratic|rosenbrock|linreg|fmnist-softmax|fmnist-mlp\n"
    "                   --optimizer NAME [optimizer flags as in replay] [--schedule NAME [flags]]\n"
    "                   [--epochs E | --steps S] [--batch-size B] [--seed S] [--impl IMPL]\n"
    "                   [--log-every K] [--folds K --fold F] [--output FILE] [problem flags]\n\n"
    "Writes CSV: problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,test_loss,\n"
    "test_acc,seconds,diverged,dist (empty cells where a column does not apply). Full-batch\n"
    "problems (quadratic, rosenbrock) write a row per step from step 0; minibatch problems a row\n"
    "per epoch from epoch 0 (before training). A run whose loss becomes non-finite stops; its rows\n"
    "carry diverged=1 and the exit status is 0. With --folds K --fold F (minibatch problems) the\n"
    "run trains on the other K-1 folds of the training set (split by --seed) and adds the columns\n"
    "fold,val_loss; train_loss is then over the training folds and the test set is not used.\n";

int lr_cmd_train(int argc, char **argv)
{
    const char *cmd = "train";
    lr_train_job job;
    lr_train_job_flags(&job);
    int rc = lr_args_parse(cmd, train_usage, job.args, job.nargs, argc, argv);
    if (rc != LR_PARSE_OK)
        return rc == LR_PARSE_HELP ? LR_EXIT_OK : LR_EXIT_USAGE;
    if ((rc = lr_train_job_setup(cmd, &job)) != LR_EXIT_OK)
        return rc;

    lr_output out;
    rc = lr_output_open(&out, cmd, job.rf.output);
    if (rc != LR_EXIT_OK) {
        lr_train_job_free(&job);
        return rc;
    }
    lr_progress bar;
    lr_progress_init(&bar, "train");
    rc = lr_train_job_run(cmd, &job, out.f, lr_progress_update, &bar);
    lr_progress_done(&bar);
    if (rc != LR_EXIT_OK)
        lr_output_abort(&out);
    else
        rc = lr_output_commit(&out, cmd);
    lr_train_job_free(&job);
    return rc;
}
