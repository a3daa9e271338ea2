# Figure 7: the schedule gallery, rate against step for every schedule C07-C16 as `lrlab schedule`
# computes it (PyTorch 1.13 semantics), base rate 0.1 over 300 steps.
. "$PLAN_LIB"

steps=300
param steps $steps
S="--lr 0.1 --steps $steps"

# A made-up validation loss for reduce-on-plateau (C16): it falls, flattens, and jitters by 0.02
# (a fixed hash of the epoch), so the plateau detector fires more and more often.
awk 'BEGIN { for (e = 0; e < 300; e++) { h = sin(e * 12.9898) * 43758.5453; h -= int(h)
             printf "%.6f\n", 0.3 + 0.7 * exp(-e / 40) + 0.02 * (h - 0.5) } }' \
    > "$OUT/plateau-metrics.txt"

# name | concept | title for the panel | lrlab schedule flags
while IFS='|' read -r name id title flags; do
    [ -n "$name" ] || continue
    run "$name" "id=$id title=$title" schedule $flags
done <<EOF_SCHEDULES
constant|C07|ConstantLR factor 0.5 for 60 steps|--name constant $S --factor 0.5 --total-iters 60
step|C08|StepLR every 60, gamma 0.5|--name step $S --step-size 60 --gamma 0.5
multistep|C08|MultiStepLR at 100,200,250, gamma 0.3|--name multistep $S --milestones 100,200,250 --gamma 0.3
exponential|C09|ExponentialLR gamma 0.99|--name exponential $S --gamma 0.99
exp-staircase|C09|Keras ExponentialDecay 0.5 per 60, staircase|--name exponential $S --gamma 0.5 --decay-steps 60 --staircase
polynomial|C10|PolynomialLR power 2 over 250|--name polynomial $S --total-iters 250 --power 2
inverse-time|C11|Keras InverseTimeDecay rate 0.5 per 30|--name inverse-time $S --decay-steps 30 --decay-rate 0.5
inverse-time-stairs|C11|InverseTimeDecay, staircase|--name inverse-time $S --decay-steps 30 --decay-rate 0.5 --staircase
triangular|C12|CyclicLR triangular, 0.01 to 0.1|--name cyclic --steps $steps --base-lr 0.01 --max-lr 0.1 --step-size-up 40
triangular2|C12|CyclicLR triangular2|--name cyclic --steps $steps --base-lr 0.01 --max-lr 0.1 --step-size-up 40 --mode triangular2
exp-range|C12|CyclicLR exp_range, gamma 0.995|--name cyclic --steps $steps --base-lr 0.01 --max-lr 0.1 --step-size-up 40 --mode exp_range --gamma 0.995
cosine|C13|CosineAnnealingLR over 300|--name cosine $S --t-max 300
cosine-restarts|C13|Warm restarts, T0 20, Tmult 2|--name cosine-restarts $S --t-0 20 --t-mult 2
warmup-cosine|C14|Linear warmup 30 steps, then cosine|--name cosine $S --t-max 270 --warmup-steps 30 --warmup-start-factor 0.01
onecycle|C15|OneCycleLR, cos, max 0.1|--name onecycle --steps $steps --max-lr 0.1 --total-steps $steps
onecycle-3phase|C15|OneCycleLR, linear, three phases|--name onecycle --steps $steps --max-lr 0.1 --total-steps $steps --anneal-strategy linear --three-phase
plateau|C16|ReduceLROnPlateau factor 0.5, patience 10|--name plateau --lr 0.1 --metrics $OUT/plateau-metrics.txt --factor 0.5 --patience 10
EOF_SCHEDULES
