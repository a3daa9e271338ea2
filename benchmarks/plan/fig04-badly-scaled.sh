# Figure 4, claims K07 and K12 ("adaptive methods estimate eigenvectors of the Hessian"): SGD,
# momentum, AdaGrad, RMSProp and Adam (C01-C05) on a badly scaled quadratic (C21, kappa = 1000):
# the loss left after a fixed number of steps against the rate, with the Hessian's eigenvectors
# along the coordinate axes (badly scaled parameters) and rotated (the same spectrum, mixed axes).
. "$PLAN_LIB"

mu=0.01 L=10 dim=50 steps=3000 target=1e-6 per_decade=$(q 4 2)
param mu $mu
param L $L
param dim $dim
param steps $steps
param target $target
param per_decade $per_decade

for spec in "sgd sgd" "momentum sgd --momentum 0.9" "adagrad adagrad" "rmsprop rmsprop" \
            "adam adam"; do
    set -- $spec
    label=$1 opt=$2
    shift 2
    for lr in $(loggrid 1e-5 100 "$per_decade"); do
        run "axes-$label-$lr" "layout=axes method=$label lr=$lr seed=0" train --problem quadratic \
            --dim $dim --mu $mu --L $L --optimizer "$opt" --lr "$lr" "$@" --steps $steps \
            --log-every $steps
        for seed in $(q "1 2 3 4 5" "1"); do
            run "rotated-$label-$lr-$seed" "layout=rotated method=$label lr=$lr seed=$seed" train \
                --problem quadratic --dim $dim --mu $mu --L $L --rotate --seed "$seed" \
                --optimizer "$opt" --lr "$lr" "$@" --steps $steps --log-every $steps
        done
    done
done
