# Figure 5: Fashion-MNIST (C24, C25): test loss per epoch for each optimizer (C01-C06) at its best
# rate, mean over seeds with the seeds' range shaded; softmax regression and the MLP side by side.
width = 1400; height = 560
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 2 margins 0.06, 0.98, 0.12, 0.9 spacing 0.07, 0.1
set xlabel "epoch"
set ylabel "test loss (cross-entropy, log scale)"
set logscale y
set format y "%g"
set xrange [0:epochs]
set xtics 1
set key top right font ",10"
do for [p=0:1] {
    set title sprintf("(%s) %s", p == 0 ? "a" : "b", value(sprintf("title_%d", p)))
    f = datadir.sprintf("/loss_%d.dat", p)
    n = value(sprintf("n_loss_%d", p))
    plot for [i=0:n-1] f index i using 1:3:4 with filledcurves fillstyle transparent solid 0.15 noborder linetype i+1 notitle, \
         for [i=0:n-1] f index i using 1:2 with linespoints linetype i+1 pointsize 0.6 title columnheader(1)
}
unset multiplot
