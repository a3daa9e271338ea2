# Figure 8 (K09, K04): the constant rate and the schedules C08, C09, C12, C13, C14, C15, C16 on the
# Fashion-MNIST MLP (C25): test accuracy per epoch at each schedule's best rate, the rate in force,
# and final accuracy against the rate.
width = 1500; height = 560
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 3 margins 0.05, 0.99, 0.12, 0.9 spacing 0.06, 0.1

set title "(a) test accuracy per epoch, each schedule at its best rate"
set xlabel "epoch"
set ylabel "test accuracy"
set format y "%.0f%%"
set xrange [0:epochs]
set xtics 1
set yrange [100 * target - 12:100 * target + 5]
set key bottom right font ",9"
set arrow 1 from graph 0, first 100 * target to graph 1, first 100 * target nohead linetype 9
set label 1 "target" at graph 0.02, first 100 * target + 0.4 left font ",10"
plot for [i=0:n_acc-1] datadir."/acc.dat" index i using 1:(100*$2) with linespoints linetype i+1 pointsize 0.6 title columnheader(1)
unset arrow 1
unset label 1

set title "(b) the rate in force after each epoch"
set ylabel "learning rate (log scale)"
set logscale y
set format y logfmt
set yrange [*:*]
set key bottom left font ",9"
plot for [i=0:n_rate-1] datadir."/rate.dat" index i using 1:2 with linespoints linetype i+1 pointsize 0.6 title columnheader(1)

set title "(c) final test accuracy against the rate (base or peak)"
set xlabel "learning rate lr (log scale)"
set ylabel "final test accuracy"
set logscale x
unset logscale y
set format x logfmt
set format y "%.0f%%"
set xrange [0.002:0.45]
set xtics auto
set yrange [100 * target - 12:100 * target + 5]
set key bottom left font ",9"
plot for [i=0:n_final-1] datadir."/final.dat" index i using 1:(100*$2) with linespoints linetype i+1 pointsize 0.8 title columnheader(1)
unset multiplot
