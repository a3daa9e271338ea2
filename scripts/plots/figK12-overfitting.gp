# Figure for claim K12 (the small-rate overfitting statement): the test-training gap against the
# rate after three budgets of epochs, and the two losses per epoch at a small and a large rate (C23).
width = 1300; height = 520
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 2 margins 0.07, 0.98, 0.14, 0.9 spacing 0.08, 0.1

set title "(a) overfitting gap against the rate"
set xlabel "learning rate lr (log scale)"
set ylabel "test loss − training loss (½ r², label units²)"
set logscale x
set format x logfmt
set format y "%g"
set xrange [7e-4:0.5]
set key top left font ",10"
plot 0 with lines linetype 9 notitle, \
     for [i=0:n_gap-1] datadir."/gap.dat" index i using 1:2:3:4 with yerrorlines linetype i+1 pointsize 0.8 title columnheader(1)

set title "(b) training (solid) and test (dashed) loss per epoch"
set xlabel "epoch (log scale)"
set ylabel "loss, median over seeds (log scale)"
set logscale xy
set xrange [1:*]
set format y logfmt
set key bottom left font ",10"
# Blocks: training and test loss at the small rate, then at the large rate.
plot datadir."/curves.dat" index 0 using 1:2 with lines linetype 1 title columnheader(1), \
     datadir."/curves.dat" index 1 using 1:2 with lines linetype 1 dashtype 2 title columnheader(1), \
     datadir."/curves.dat" index 2 using 1:2 with lines linetype 2 title columnheader(1), \
     datadir."/curves.dat" index 3 using 1:2 with lines linetype 2 dashtype 2 title columnheader(1)
unset multiplot
