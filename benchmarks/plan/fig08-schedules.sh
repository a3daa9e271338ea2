# Figure 8, claims K09 and K04 on real data: SGD with momentum 0.9 (C02) on the Fashion-MNIST MLP
# (C25), a subset of the training images, with a constant rate and the schedules C08, C09, C13,
# C14 (warmup then cosine), C12 (triangular cycles), C15 (one-cycle) and C16 (reduce on plateau),
# each from the same log grid of base (or peak) rates, test accuracy every epoch.
. "$PLAN_LIB"
train_size=$(q 5000 2000)
data=$(fmnist_data "$train_size") || exit 0
epochs=$(q 12 6)
nseeds=$(q 2 1)
batch=64
spe=$(steps_per_epoch "$train_size" $batch)
total=$((epochs * spe))
param train_size $train_size
param epochs $epochs
param seeds $nseeds
param batch $batch
param steps_per_epoch $spe
param total_steps $total
# the accuracy a run must reach, below the best constant rate's final accuracy (analysis)
param target_margin 0.01

gamma=$(calc "exp(log(0.01) / $total)")   # exponential: the rate ends at 1/100 of its start
for r in $(q "0.003 0.01 0.03 0.1 0.3" "0.01 0.1"); do
    base=$(calc "$r / 10")
    # name | flags (the rate r is the base rate, or the peak for cyclic and one-cycle)
    while IFS='|' read -r sched flags; do
        for seed in $(seeds "$nseeds"); do
            run "$sched-$r-$seed" "schedule=$sched lr=$r seed=$seed" train --problem fmnist-mlp \
                $data --train-size "$train_size" --epochs "$epochs" --batch-size $batch \
                --optimizer sgd --momentum 0.9 --lr "$r" $flags --seed "$seed"
        done
    done <<EOF_SCHEDULES
constant|
step|--schedule step --step-size $((total / 3)) --gamma 0.1
exponential|--schedule exponential --gamma $gamma
cosine|--schedule cosine --t-max $total
warmup-cosine|--schedule cosine --t-max $((total - spe)) --warmup-steps $spe
cyclic|--schedule cyclic --base-lr $base --max-lr $r --step-size-up $((2 * spe))
onecycle|--schedule onecycle --max-lr $r --total-steps $total
plateau|--schedule plateau --patience 1 --factor 0.3
EOF_SCHEDULES
done
