# Figure 4 (K07, K12): final loss against the rate for SGD, momentum and the adaptive methods on a
# badly scaled quadratic (C21), axis-aligned and rotated, and each method's band of good rates.
width = 1500; height = 520
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 3 margins 0.06, 0.98, 0.14, 0.9 spacing 0.08, 0.1

set xlabel "learning rate lr (log scale)"
set ylabel sprintf("loss after %d steps / loss at the start", steps)
set logscale xy
set format x logfmt
set format y logfmt
set xrange [5e-6:200]
set yrange [floor/10:1e7]
set key bottom left font ",10"
set arrow 1 from graph 0, first target to graph 1, first target nohead linetype 9
set label 1 "target" at graph 0.02, first target * 8 left font ",10"

set title "(a) eigenvectors along the axes (badly scaled parameters)"
plot for [i=0:n_axes-1] datadir."/axes.dat" index i using 1:2 with linespoints linetype i+1 pointsize 0.7 title columnheader(1), \
     for [i=0:n_axes_fail-1] datadir."/axes_fail.dat" index i using 1:2 with points linetype i+1 pointtype 2 pointsize 1.2 notitle

set title "(b) the same eigenvalues, rotated eigenvectors"
plot for [i=0:n_rotated-1] datadir."/rotated.dat" index i using 1:2 with linespoints linetype i+1 pointsize 0.7 title columnheader(1), \
     for [i=0:n_rotated_fail-1] datadir."/rotated_fail.dat" index i using 1:2 with points linetype i+1 pointtype 2 pointsize 1.2 notitle

unset arrow
unset label
set title "(c) band of rates reaching the target"
set logscale x
unset logscale y
set format y "%g"
set yrange [0.4:5.6]
set ylabel ""
eval ytics_cmd
set grid noytics
set key top left font ",10"
# One bar per method and layout: the band's low edge to its high edge (a lone good point spans
# its grid cell in the table, and is drawn as a short bar here).
plot datadir."/bands.dat" index 0 using (column(4) == 0 ? $2 : NaN):1:2:3:1:1 with xyerrorbars linetype 1 linewidth 6 pointsize 0 title "axes", \
     datadir."/bands.dat" index 0 using (column(4) == 1 ? $2 : NaN):1:2:3:1:1 with xyerrorbars linetype 2 linewidth 6 pointsize 0 title "rotated"
unset multiplot
