# Figure 2, claims K02, K03, K06: steps for gradient descent and heavy ball (C01, C02) to bring the
# distance to the minimizer of the quadratic (C21) down by the factor `tol`, against the rate
# (kappa = 100) and against the condition number kappa (each method at its theoretical best rate).
. "$PLAN_LIB"

mu=0.01 L=1 dim=50 tol=1e-4
kappa=$(calc "$L / $mu")
param mu $mu
param L $L
param dim $dim
param tol $tol

# Theory's best settings: GD 2/(L+mu); heavy ball (Polyak) lr = 4/(sqrt(L)+sqrt(mu))^2 with
# momentum ((sqrt(kappa)-1)/(sqrt(kappa)+1))^2. PyTorch's SGD momentum is this heavy ball.
gd_best=$(calc "2 / ($L + $mu)")
hb_best=$(calc "4 / (sqrt($L) + sqrt($mu))^2")
beta=$(calc "((sqrt($kappa) - 1) / (sqrt($kappa) + 1))^2")
param beta "$beta"

# Step budget: twice what the slowest mode needs at this rate, plus a margin; rows thinned to
# about 1500 per run (the crossing is interpolated between rows).
budget() {
    awk -v lr="$1" -v mu="$2" -v tol="$tol" 'BEGIN {
        b = int(2 * log(1 / tol) / (lr * mu)) + 2000; if (b > 2000000) b = 2000000; print b }'
}
every() {
    awk -v b="$1" 'BEGIN { e = int(b / 1500); print (e < 1 ? 1 : e) }'
}

per_decade=$(q 8 4)
gd_rates="$(loggrid 2e-3 2.5 "$per_decade") $(for f in 0.95 0.98 1 1.005; do calc "$f * $gd_best"; done)"
hb_rates="$(loggrid 2e-3 3.5 "$per_decade") $(for f in 0.95 0.98 1 1.005; do calc "$f * $hb_best"; done)"
for lr in $gd_rates; do
    b=$(budget "$lr" $mu)
    run "gd-$lr" "part=lr method=gd lr=$lr" train --problem quadratic --dim $dim --mu $mu --L $L \
        --optimizer sgd --lr "$lr" --steps "$b" --log-every "$(every "$b")"
done
for lr in $hb_rates; do
    b=$(budget "$lr" $mu)
    run "hb-$lr" "part=lr method=hb lr=$lr momentum=$beta" train --problem quadratic --dim $dim \
        --mu $mu --L $L --optimizer sgd --lr "$lr" --momentum "$beta" --steps "$b" \
        --log-every "$(every "$b")"
done

# Steps against kappa (mu = 1/kappa, L = 1), each method at its best rate for that kappa.
for k in $(q "10 30 100 300 1000 3000 10000" "10 100 1000 10000"); do
    m=$(calc "1 / $k")
    lr=$(calc "2 / (1 + $m)")
    b=$(awk -v k="$k" -v tol="$tol" 'BEGIN { print int(log(1 / tol) * k) + 2000 }')
    run "kappa-gd-$k" "part=kappa method=gd kappa=$k mu=$m lr=$lr" train --problem quadratic \
        --dim $dim --mu "$m" --L 1 --optimizer sgd --lr "$lr" --steps "$b" --log-every "$(every "$b")"
    lr=$(calc "4 / (1 + sqrt($m))^2")
    mom=$(calc "((sqrt($k) - 1) / (sqrt($k) + 1))^2")
    b=$(awk -v k="$k" -v tol="$tol" 'BEGIN { print int(4 * log(1 / tol) * sqrt(k)) + 2000 }')
    run "kappa-hb-$k" "part=kappa method=hb kappa=$k mu=$m lr=$lr momentum=$mom" train \
        --problem quadratic --dim $dim --mu "$m" --L 1 --optimizer sgd --lr "$lr" --momentum "$mom" \
        --steps "$b" --log-every "$(every "$b")"
done
