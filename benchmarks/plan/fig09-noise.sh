# Figure 9, claims K05 and K04: minibatch SGD (C01) on linear regression (C23, 1000 samples, 10
# features, batch 32, 20 epochs): final test loss against the rate for several label-noise levels,
# with outliers under squared and Huber loss, and the loss floor a constant rate stalls at.
. "$PLAN_LIB"

per_decade=$(q 6 3)
nseeds=$(q 8 2)
param per_decade $per_decade
param seeds $nseeds
rates=$(loggrid 1e-3 3 "$per_decade")

# Label noise sigma (the clean label x.w* has unit variance).
for noise in $(q "0 0.1 0.3 1 3" "0 0.3 3"); do
    for lr in $rates; do
        for seed in $(seeds "$nseeds"); do
            run "noise-$noise-$lr-$seed" "part=noise noise=$noise lr=$lr seed=$seed" train \
                --problem linreg --noise "$noise" --optimizer sgd --lr "$lr" --seed "$seed"
        done
    done
done

# Outliers: a fraction of training labels replaced by gross errors (10x the signal); squared loss
# against Huber (delta 1), label noise 0.1.
for outliers in $(q "0 0.1 0.2" "0 0.1"); do
    for loss in mse huber; do
        for lr in $rates; do
            for seed in $(seeds "$nseeds"); do
                run "outliers-$outliers-$loss-$lr-$seed" \
                    "part=outliers outliers=$outliers loss=$loss lr=$lr seed=$seed" train \
                    --problem linreg --noise 0.1 --outliers "$outliers" --loss "$loss" \
                    --optimizer sgd --lr "$lr" --seed "$seed"
            done
        done
    done
done

# K04: the floor of a constant rate (noise 1, training loss every epoch), and decayed rates from
# the same starting rates when lrlab train can run a schedule: inverse-time decay by one step size
# per epoch (32 steps), and cosine over the whole run.
epochs=$(q 60 30)
param floor_epochs $epochs
steps_per_epoch=32
decays=""
if why=$(train_accepts --schedule inverse-time --decay-steps $steps_per_epoch --decay-rate 1); then
    decays="$decays inverse-time"
else
    pending decayed "lrlab train does not run schedules yet (probe: ${why:-refused})"
fi
if [ -n "$decays" ] && ! why=$(train_accepts --schedule cosine --t-max 64); then
    pending cosine "lrlab train refused --schedule cosine (probe: ${why:-refused})"
elif [ -n "$decays" ]; then
    decays="$decays cosine"
fi
for lr in 0.01 0.03 0.1 0.3; do
    for seed in $(seeds "$nseeds"); do
        run "floor-constant-$lr-$seed" "part=floor schedule=constant lr=$lr seed=$seed" train \
            --problem linreg --noise 1 --optimizer sgd --lr "$lr" --seed "$seed" --epochs "$epochs"
        for d in $decays; do
            case $d in
            inverse-time) flags="--schedule inverse-time --decay-steps $steps_per_epoch --decay-rate 1" ;;
            cosine) flags="--schedule cosine --t-max $((epochs * steps_per_epoch))" ;;
            esac
            run "floor-$d-$lr-$seed" "part=floor schedule=$d lr=$lr seed=$seed" train \
                --problem linreg --noise 1 --optimizer sgd --lr "$lr" --seed "$seed" \
                --epochs "$epochs" $flags
        done
    done
done
