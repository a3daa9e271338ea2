# Figure 11 (K10, K11): the best validation loss against the number of trials for grid and random
# search (C18), and the rate chosen by cross-validation (C19) against the test-set oracle.
width = 1500; height = 560
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 3 margins 0.05, 0.99, 0.16, 0.9 spacing 0.07, 0.1

set title "(a) best validation loss found: grid against random search"
set xlabel "trials (log scale)"
set ylabel "best validation loss so far (log scale)"
set logscale xy
set format x "%g"
set format y "%g"
set xrange [0.8:trials * 1.25]
set autoscale yfix
set ytics (0.5, 0.6, 0.7, 0.8, 1, 1.5, 2, 3, 4, 6, 8, 10)
set key top right font ",10"
plot datadir."/random.dat" index 0 using 1:3:4 with filledcurves fillstyle transparent solid 0.15 noborder linetype 1 notitle, \
     datadir."/random.dat" index 0 using 1:2 with lines linetype 1 title "random search (mean; band: range)", \
     datadir."/grid.dat" index 0 using 1:2:3:4 with yerrorlines linetype 2 pointsize 1.1 title "grid search, g^3 trials (mean; bars: range)"

set title sprintf("(b) rate chosen by %d-fold cross-validation", folds)
set xlabel "oracle rate: least test loss (log scale)"
set ylabel "rate chosen by cross-validation (log scale)"
set logscale xy
set ytics auto
set format x logfmt
set format y logfmt
set xrange [choice_lo:choice_hi]
set yrange [choice_lo:choice_hi]
set size ratio -1
set key top left font ",9"
plot x with lines linetype 9 title "same rate", \
     for [i=0:n_choice-1] datadir."/choice.dat" index i using 1:2 with points linetype i+1 pointsize 1.4 title columnheader(1)
set size noratio

set title "(c) what the choice costs on the test set"
set xlabel ""
set ylabel "test-loss ratio (1 = as good as the oracle)"
unset logscale x
unset logscale y
set format y "%g"
set xrange [-0.6:n_cases - 0.4]
set yrange [0.99:*]
set offsets 0, 0, 0.01, 0
eval case_tics
set xtics font ",9"
set key top right font ",9"
plot regret_line with lines linetype 9 title "5% worse", \
     for [i=0:n_regret-1] datadir."/regret.dat" index i using 1:2 with points linetype i+1 pointsize 1.3 notitle
unset multiplot
