# Figure 1, claim K01: plain gradient descent on the quadratic (C21) at rates from far below 2/L to
# above it (slow, best, oscillating, diverging), and the measured contraction factor per step on
# both sides of 2/L, on three quadratics, against max |1 - lr*lambda|.
. "$PLAN_LIB"

mu=0.01 L=1 dim=50
param mu $mu
param L $L
param dim $dim

# The curves: loss against step, and the top-curvature coordinate x50 (--trace) that shows the
# oscillation: x50 is multiplied by (1 - lr*L) at every step.
best=$(calc "2 / ($L + $mu)")
for lr in 0.05 0.5 1.5 "$best" 1.999 2.05; do
    run "curve-$lr" "part=curve lr=$lr" train --problem quadratic --dim $dim --mu $mu --L $L \
        --optimizer sgd --lr "$lr" --steps 300 --trace
done

# The threshold: lr = (2/L)(1 + delta), on the diagonal quadratic, a rotated one (dense A, seeded
# random eigenvectors) and one with L = 10. The per-step factor is fitted to the distance to the
# minimizer over the second half of each run.
steps=$(q 3000 1500)
for delta in $(q "-0.2 -0.05 -0.01 -0.002 0.002 0.01 0.05 0.2" "-0.05 -0.01 0.01 0.05"); do
    for variant in diagonal rotated L10; do
        case $variant in
        diagonal) m=$mu l=$L flags="" ;;
        rotated) m=$mu l=$L flags="--rotate --seed 1" ;;
        L10) m=0.1 l=10 flags="" ;;
        esac
        lr=$(calc "2 / $l * (1 + $delta)")
        run "edge-$variant-$delta" "part=edge variant=$variant delta=$delta mu=$m L=$l lr=$lr" \
            train --problem quadratic --dim $dim --mu $m --L $l $flags --optimizer sgd --lr "$lr" \
            --steps "$steps" --log-every 5
    done
done
