# Figure 10, claim K08: the range test (C17, fast.ai's lr_find: 100 steps at exponentially growing
# rates) against a full sweep of constant rates on the same problem, for SGD and Adam on linear
# regression (C23), SGD on the quadratic (C21), and SGD and Adam on Fashion-MNIST softmax
# regression (C24; the sweep as lane-batched `lrlab sweep` runs, C18/C20).
. "$PLAN_LIB"

nseeds=$(q 8 2)
per_decade=$(q 6 3)
param seeds $nseeds
param per_decade $per_decade
param quad_target 1e-6

# problem key | problem flags | optimizer flags | sweep training flags | sweep rates
while IFS='|' read -r key pflags oflags tflags lo hi; do
    [ -n "$key" ] || continue
    case $key in quadratic*) ss=0 ;; *) ss=$(seeds "$nseeds") ;; esac
    for seed in $ss; do
        # sgd needs --lr although the range test sets every step's rate itself
        run "find-$key-$seed" "part=find problem=$key seed=$seed" find-lr $pflags $oflags \
            --lr 1 --seed "$seed"
        for lr in $(loggrid "$lo" "$hi" "$per_decade"); do
            run "sweep-$key-$lr-$seed" "part=sweep problem=$key lr=$lr seed=$seed" train $pflags \
                $oflags --lr "$lr" --seed "$seed" $tflags
        done
    done
done <<EOF_PROBLEMS
linreg-sgd|--problem linreg --noise 0.1|--optimizer sgd||1e-4|3
linreg-adam|--problem linreg --noise 0.1|--optimizer adam||1e-4|3
quadratic-sgd|--problem quadratic --dim 50 --mu 0.01 --L 1|--optimizer sgd|--steps 1000 --log-every 1000|1e-4|3
EOF_PROBLEMS

# Fashion-MNIST softmax regression on a subset of the training images, batch 64, a few epochs: one
# lane-batched sweep per optimizer (every rate and seed; its rows are the runs' last rows).
fm_size=$(q 5000 2000)
data=$(fmnist_data "$fm_size") || exit 0
fm_epochs=$(q 5 3)
fm_seeds=$(q 3 1)
param fmnist_train_size $fm_size
param fmnist_epochs $fm_epochs
param fmnist_seeds $fm_seeds
fm_rates=$(loggrid 1e-4 3 "$per_decade" | wc -l)
for opt in sgd adam; do
    for seed in $(seeds "$fm_seeds"); do
        run "find-fmnist-softmax-$opt-$seed" "part=find problem=fmnist-softmax-$opt seed=$seed" \
            find-lr --problem fmnist-softmax $data --train-size "$fm_size" --batch-size 64 \
            --optimizer $opt --lr 1 --seed "$seed"
    done
    run "sweep-fmnist-softmax-$opt" "part=sweep-batched problem=fmnist-softmax-$opt" sweep \
        --problem fmnist-softmax $data --train-size "$fm_size" --epochs "$fm_epochs" \
        --batch-size 64 --optimizer $opt --lr-grid "1e-4:3:$fm_rates" --seeds "$fm_seeds" \
        --batched -j 1
done
