# Figure 10, claim K08: the range test (C17, fast.ai's lr_find: 100 steps at exponentially growing
# rates) against a full sweep of constant rates on the same problem, for SGD and Adam on linear
# regression (C23) and SGD on the quadratic (C21).
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
