# Figure 11, claims K10 and K11: hyperparameter search (C18, C19) with `lrlab sweep`.
# K10: Adam on Fashion-MNIST softmax regression (C24), the rate and beta1, beta2 searched together,
# scored on a validation split: grid search (g points per hyperparameter, g^3 trials, the grid
# shifted by a per-search offset) against random search (log-uniform rate, uniform betas), over
# several searches. K11: the rate chosen by k-fold cross-validation on the training set against the
# test-set oracle, on Fashion-MNIST softmax regression (SGD, Adam) and small noisy linear
# regression (C23).
. "$PLAN_LIB"

# ---- K10: grid against random search ----
searches=$(q 4 2)
gmax=$(q 4 3)
trials=$((gmax * gmax * gmax))
size=$(q 2000 1000)
data=$(fmnist_data $((size + 10000))) || exit 0
common="--problem fmnist-softmax $data --train-size $size --validation 10000 --epochs 3 --batch-size 64 --optimizer adam --batched -j 1"
param searches $searches
param grid_max $gmax
param trials $trials
param search_train_size $size
# the ranges searched: rate log-uniform in [lr_lo, lr_hi], beta1 and beta2 uniform
lr_lo=1e-5 lr_hi=1 b1_lo=0.5 b1_hi=0.99 b2_lo=0.9 b2_hi=0.9999
param lr_range "$lr_lo:$lr_hi"
param beta1_range "$b1_lo:$b1_hi"
param beta2_range "$b2_lo:$b2_hi"

for s in $(seeds "$searches"); do
    run "random-$s" "part=random search=$s" sweep $common --seed "$s" --search-seed "$s" \
        --lr-random $trials --lr-range "$lr_lo:$lr_hi" \
        --vary "beta1:$b1_lo:$b1_hi,beta2:$b2_lo:$b2_hi"
    g=1
    while [ $g -le "$gmax" ]; do
        # The grid's offset inside its cells, per hyperparameter: the additive recurrence of
        # Roberts' R3 sequence, so every search shifts its grid differently (and reproducibly).
        set -- $(awk -v s="$s" -v g="$g" 'BEGIN {
            n = s * 7 + g; a[1] = 0.8191725134; a[2] = 0.6710436067; a[3] = 0.5497004779
            for (d = 1; d <= 3; d++) { x = 0.5 + n * a[d]; printf "%.6f ", x - int(x) } }')
        ulr=$1 ub1=$2 ub2=$3
        first=$(calc "10 ^ (log($lr_lo) / log(10) + (log($lr_hi / $lr_lo) / log(10)) * $ulr / $g)")
        last=$(calc "10 ^ (log($lr_lo) / log(10) + (log($lr_hi / $lr_lo) / log(10)) * ($g - 1 + $ulr) / $g)")
        for j in $(seeds $g); do
            b1=$(calc "$b1_lo + ($b1_hi - $b1_lo) * ($j + $ub1) / $g")
            for k in $(seeds $g); do
                b2=$(calc "$b2_lo + ($b2_hi - $b2_lo) * ($k + $ub2) / $g")
                run "grid-$s-$g-$j-$k" "part=grid search=$s g=$g" sweep $common --seed "$s" \
                    --lr-grid "$first:$last:$g" --beta1 "$b1" --beta2 "$b2"
            done
        done
        g=$((g + 1))
    done
done

# ---- K11: cross-validated rate against the test-set oracle ----
folds=$(q 5 3)
param folds $folds
fm_size=$(q 2000 1000)
data=$(fmnist_data "$fm_size") || exit 0
# case | problem flags | optimizer | rates (LO:HI:COUNT) | data seeds
while IFS='|' read -r key pflags opt grid dseeds; do
    [ -n "$key" ] || continue
    for seed in $dseeds; do
        run "cv-$key-$seed" "part=cv case=$key seed=$seed" sweep $pflags --optimizer $opt \
            --lr-grid "$grid" --folds "$folds" --seed "$seed" -j 1
        extra="-j 1"
        case $key in fmnist*) extra="--batched -j 1" ;; esac
        run "oracle-$key-$seed" "part=oracle case=$key seed=$seed" sweep $pflags --optimizer $opt \
            --lr-grid "$grid" --seed "$seed" $extra
    done
done <<EOF_CASES
fmnist-softmax-sgd|--problem fmnist-softmax $data --train-size $fm_size --epochs $(q 5 3) --batch-size 64|sgd|$(q 3e-3:1:6 1e-2:1:3)|$(q "0 1" 0)
fmnist-softmax-adam|--problem fmnist-softmax $data --train-size $fm_size --epochs $(q 5 3) --batch-size 64|adam|$(q 3e-5:1e-2:6 1e-4:1e-2:3)|$(q "0 1" 0)
linreg-100-sgd|--problem linreg --samples 100 --noise 1 --batch-size 10 --epochs 20|sgd|1e-3:1:13|$(q "0 1 2 3 4 5 6 7" "0 1")
linreg-1000-sgd|--problem linreg --samples 1000 --noise 1 --batch-size 32 --epochs 20|sgd|1e-3:1:13|$(q "0 1 2 3" "0")
EOF_CASES
