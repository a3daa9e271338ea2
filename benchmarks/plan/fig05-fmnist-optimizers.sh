# Figures 5 and 6, claim K07 on real data: SGD, momentum, AdaGrad, RMSProp, Adam and AdamW (C01-C06)
# on Fashion-MNIST softmax regression and the MLP 784-128-10 (C24, C25), trained on a subset of the
# training images for a few epochs at a log grid of rates around each optimizer's good region, with
# several seeds, the test set evaluated every epoch. Figure 5 draws the curves at each optimizer's
# best rate of this sweep, figure 6 (scripts/lrreport/fig06_sensitivity.py) its sensitivity.
. "$PLAN_LIB"
train_size=$(q 5000 2000)
data=$(fmnist_data "$train_size") || exit 0
epochs=$(q 10 4)
nseeds=$(q 3 1)
per_decade=$(q 2 1)
span=$(q 3.5 3)     # decades of each optimizer's window
batch=64
param train_size $train_size
param epochs $epochs
param seeds $nseeds
param batch $batch
param per_decade $per_decade
param span $span

# label | lowest rate of the window | optimizer flags. The windows hold each optimizer's whole U on
# both problems (plain SGD and AdaGrad take rates a decade or two above the others).
for problem in fmnist-softmax fmnist-mlp; do
    while read -r label lo opt; do
        hi=$(calc "$lo * 10 ^ $span")
        for lr in $(loggrid "$lo" "$hi" "$per_decade"); do
            for seed in $(seeds "$nseeds"); do
                run "$problem-$label-$lr-$seed" \
                    "problem=$problem method=$label lr=$lr seed=$seed" train --problem "$problem" \
                    $data --train-size "$train_size" --epochs "$epochs" --batch-size $batch \
                    --optimizer $opt --lr "$lr" --seed "$seed"
            done
        done
    done <<EOF_OPTIMIZERS
sgd 1e-3 sgd
momentum 1e-4 sgd --momentum 0.9
adagrad 1e-3 adagrad
rmsprop 1e-5 rmsprop
adam 1e-5 adam
adamw 1e-5 adamw
EOF_OPTIMIZERS
done
