# Claim K12, "a small rate raises the risk of overfitting": minibatch SGD (C01) on a small noisy
# linear regression (C23: 20 samples, 15 features, noise 0.5, batch 4), the gap between test and
# training loss after 10, 100 and 1000 epochs, against the rate.
. "$PLAN_LIB"

nseeds=$(q 10 3)
epochs=$(q 1000 300)
param seeds $nseeds
param epochs $epochs
param budgets "$(q "10 100 1000" "10 100 300")"
for lr in $(loggrid 1e-3 0.3 "$(q 4 2)"); do
    for seed in $(seeds "$nseeds"); do
        run "gap-$lr-$seed" "lr=$lr seed=$seed" train --problem linreg --samples 20 --features 15 \
            --noise 0.5 --batch-size 4 --optimizer sgd --lr "$lr" --seed "$seed" --epochs "$epochs"
    done
done
