/* lrlab train: one training run of a problem (C21-C25) with an optimizer (C01-C06) and a schedule
 * (C07-C16) stepped once per optimizer step, written as CSV rows (one per step for full-batch
 * problems, per epoch otherwise). */
#include "train_job.h"

static const char train_usage[] =
    "usage: lrlab train --problem quadratic|rosenbrock|linreg|fmnist-softmax|fmnist-mlp\n"
    "                   --optimizer NAME [optimizer flags as in replay] [--schedule NAME [flags]\n"
    "                   [--warmup-steps W [--warmup-start-factor F]]] [--epochs E | --steps S]\n"
    "                   [--batch-size B] [--seed S] [--impl IMPL] [--log-every K]\n"
    "                   [--folds K --fold F] [--trace] [--output FILE] [problem flags]\n\n"
    "Writes CSV: problem,optimizer,schedule,lr,seed,epoch,step,lr_now,train_loss,test_loss,\n"
    "test_acc,seconds,diverged,dist (empty cells where a column does not apply). Full-batch\n"
    "problems (quadratic, rosenbrock) write a row per step from step 0; minibatch problems a row\n"
    "per epoch from epoch 0 (before training). A run whose loss becomes non-finite stops; its rows\n"
    "carry diverged=1 and the exit status is 0. With --folds K --fold F (minibatch problems) the\n"
    "run trains on the other K-1 folds of the training set (split by --seed) and adds the columns\n"
    "fold,val_loss; train_loss is then over the training folds and the test set is not used.\n"
    "--trace appends the parameters as columns x1..xD (problems with at most 64 parameters),\n"
    "e.g. for drawing Rosenbrock trajectories.\n\n"
    "Schedules: --schedule NAME takes the names and flags of lrlab schedule (see lrlab schedule\n"
    "--help), with the optimizer's --lr (or its default) as the base rate, PyTorch's initial_lr.\n"
    "The schedule is stepped once per optimizer step: the row after t steps has lr_now = the rate\n"
    "in force for step t + 1, which is row t of lrlab schedule with the same flags. The column\n"
    "'schedule' holds NAME ('constant' without --schedule: the constant --lr).\n"
    "  --eps, --lr, --steps and --output are the run's; ReduceLROnPlateau's eps is --plateau-eps.\n"
    "  cyclic and onecycle set their own rates (--base-lr; --max-lr/--div-factor), as PyTorch\n"
    "  replaces the optimizer's lr; --lr is then only what a warmup ramps to (cyclic), yet sgd\n"
    "  still requires it, as PyTorch's SGD does. Momentum is not cycled: --cycle-momentum is\n"
    "  refused (PyTorch's cycle_momentum=False; the rates are the same).\n"
    "  onecycle: PyTorch raises when stepped past --total-steps, so a run of more optimizer steps\n"
    "  than --total-steps is refused before training (exit 2).\n"
    "  plateau (ReduceLROnPlateau; its patience and cooldown count epochs) is fed once per epoch,\n"
    "  before the next rate is read: minibatch problems feed the held-out loss (test_loss) after\n"
    "  each epoch; full-batch problems feed the objective (train_loss) after each step, since a\n"
    "  full-batch step is a pass over all the data and the objective is exact, not a noisy\n"
    "  estimate. Feeding the rows' metric column to lrlab schedule --name plateau --metrics gives\n"
    "  the rows' lr_now.\n\n"
    "Fashion-MNIST (fmnist-softmax, fmnist-mlp: 15 epochs of batch 128 by default, hidden 128):\n"
    "the recipes this project recommends, measured on this code (test accuracy, 2-core machine):\n"
    "  lrlab train --problem fmnist-softmax --optimizer adam --lr 2e-3 --schedule cosine\n"
    "              --t-max 7035                                     (84.7%, under a second)\n"
    "  lrlab train --problem fmnist-mlp --optimizer sgd --lr 0.05 --momentum 0.9 --schedule cosine\n"
    "              --t-max 7035                                     (89.0%, about 8 seconds)\n"
    "(7035 = 15 epochs x 469 steps: the cosine reaches its minimum at the last step.)\n\n"
    "example: lrlab train --problem linreg --optimizer sgd --lr 0.05 --momentum 0.9 --epochs 30\n"
    "         --schedule cosine --t-max 896 --warmup-steps 64\n";

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
