# Figure 3 (C22; claim K12, "a large rate converges too fast to a poor solution"): trajectories in
# the Rosenbrock valley from (-1.2, 1) for several rates and optimizers (--trace gives x1, x2), and
# a sweep of the rate for gradient descent and Adam recording where each run ends.
. "$PLAN_LIB"

# Trajectories. At the minimizer (1, 1) the Hessian's largest eigenvalue is about 1001.6, so plain
# gradient descent cannot settle there once lr > 2/1001.6 = 0.0020.
steps=5000
param steps $steps
for spec in "gd sgd 5e-4" "gd sgd 1e-3" "gd sgd 1.9e-3" "gd sgd 3e-3" "gd sgd 1e-2" \
            "momentum sgd 1e-3 --momentum 0.9" "adagrad adagrad 0.5" "rmsprop rmsprop 1e-2" \
            "adam adam 1e-2" "adam adam 0.1"; do
    set -- $spec
    label=$1 opt=$2 lr=$3
    shift 3
    run "path-$label-$lr" "part=path method=$label lr=$lr" train --problem rosenbrock \
        --optimizer "$opt" --lr "$lr" "$@" --steps $steps --trace
done

# The sweep: where does each rate end after `long` steps? Rows every 101 steps: two rows apart
# (an even count) a period-2 cycle repeats its loss, one row apart (odd) it does not, while a
# fixed point repeats it both ways.
long=$(q 20200 10100)
param long $long
for lr in $(loggrid 1e-5 2e-2 "$(q 6 3)"); do
    run "sweep-gd-$lr" "part=sweep method=gd lr=$lr" train --problem rosenbrock --optimizer sgd \
        --lr "$lr" --steps "$long" --log-every 101
done
for lr in $(loggrid 1e-4 1 "$(q 4 2)"); do
    run "sweep-adam-$lr" "part=sweep method=adam lr=$lr" train --problem rosenbrock \
        --optimizer adam --lr "$lr" --steps "$long" --log-every 101
done
