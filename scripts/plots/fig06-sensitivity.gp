# Figure 6 (K07 on real data): final test accuracy and loss against the rate for every optimizer
# (C01-C06) on Fashion-MNIST softmax regression (top) and the MLP (bottom), with the seeds' range,
# and the epochs and seconds to reach a target accuracy.
width = 1700; height = 940
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 2, 4 margins 0.045, 0.99, 0.07, 0.94 spacing 0.05, 0.1
set logscale x
set format x logfmt
set xrange [5e-6:5]
set xlabel "learning rate lr (log scale)"
letters = "abcdefgh"
do for [p=0:1] {
    t = value(sprintf("title_%d", p))
    short = (p == 0 ? "softmax" : "MLP")
    target = value(sprintf("target_%d", p))

    set title sprintf("(%s) %s: final test accuracy", letters[4*p+1:4*p+1], t)
    unset logscale y
    set format y "%.0f%%"
    set ylabel "test accuracy"
    set yrange [0:100]
    unset key
    set arrow 1 from graph 0, first 100 * target to graph 1, first 100 * target nohead linetype 9
    f = datadir.sprintf("/acc_%d.dat", p)
    n = value(sprintf("n_acc_%d", p))
    plot for [i=0:n-1] f index i using 1:(100*$2):(100*$3):(100*$4) with yerrorlines linetype i+1 pointsize 0.5 title columnheader(1)
    unset arrow 1

    set title sprintf("(%s) %s: final test loss", letters[4*p+2:4*p+2], t)
    set logscale y
    set format y "%g"
    set ylabel "test loss (log scale)"
    set yrange [0.3:30]
    set key top center font ",9" maxrows 3
    f = datadir.sprintf("/loss_%d.dat", p)
    plot for [i=0:n-1] f index i using 1:2:3:4 with yerrorlines linetype i+1 pointsize 0.5 title columnheader(1)

    set title sprintf("(%s) %s: epochs to %.0f%% test accuracy", letters[4*p+3:4*p+3], short, 100 * target)
    unset logscale y
    set format y "%g"
    set ylabel "epochs"
    set yrange [0:epochs + 0.5]
    unset key
    f = datadir.sprintf("/epochs_%d.dat", p)
    plot for [i=0:n-1] f index i using 1:2 with linespoints linetype i+1 pointsize 0.7 title columnheader(1)

    set title sprintf("(%s) %s: seconds to %.0f%% test accuracy", letters[4*p+4:4*p+4], short, 100 * target)
    set logscale y
    set ylabel "training seconds (log scale)"
    set yrange [*:*]
    f = datadir.sprintf("/seconds_%d.dat", p)
    plot for [i=0:n-1] f index i using 1:2 with linespoints linetype i+1 pointsize 0.7 title columnheader(1)
}
unset multiplot
