# Figure 1 (K01): loss and distance per step for rates around 2/L, the oscillating top-curvature
# coordinate, and the measured per-step factor against max |1 - lr*lambda| on three quadratics (C21).
width = 1300; height = 1000
load "scripts/plots/style.gp"
load datadir."/vars.gp"

set multiplot layout 2, 2 margins 0.08, 0.98, 0.07, 0.95 spacing 0.09, 0.1

set title "(a) loss per step, κ = L/μ = 100"
set xlabel "step"
set ylabel "loss f(x_t) = ½ x_t^T A x_t"
set logscale y
set format y logfmt
set yrange [1e-8:1e3]
set key bottom left font ",10"
plot for [i=0:n_curves-1] datadir."/curves.dat" index i using 1:2 with lines linetype i+1 title columnheader(1)

set title "(b) distance to the minimizer per step"
set ylabel "‖x_t − x*‖ / ‖x_0 − x*‖"
set yrange [1e-4:1e2]
plot for [i=0:n_curves-1] datadir."/curves.dat" index i using 1:3 with lines linetype i+1 title columnheader(1)

set title "(c) the coordinate along the top eigenvector"
set xlabel "step"
set ylabel "x_{50}(t)  (eigenvalue L)"
unset logscale y
set format y "%g"
set yrange [-2.5:2.5]
set key top right font ",10"
plot 0 with lines linetype 9 notitle, \
     for [i=0:n_top-1] datadir."/top.dat" index i using 1:2 with linespoints linetype (word(top_lt, i+1) + 0) pointsize 0.5 title columnheader(1)

set title "(d) per-step factor of the distance, three quadratics"
set xlabel "lr / (2/L)"
set ylabel "measured factor  ‖x_{t+1} − x*‖ / ‖x_t − x*‖"
set yrange [0.55:1.45]
set xrange [0.75:1.25]
set arrow 1 from 1, graph 0 to 1, graph 1 nohead linetype 9
set arrow 2 from best_ratio, graph 0 to best_ratio, graph 1 nohead linetype 9
set label 1 "lr = 2/L" at 1.005, 0.62
set label 2 "2/(L+μ)" at best_ratio - 0.005, 0.62 right
set key top left font ",10"
plot 1 with lines linetype 9 notitle, \
     datadir."/edge_theory.dat" index 0 using 1:2 with lines linetype 7 linewidth 1.5 title columnheader(1), \
     for [i=0:n_edge-1] datadir."/edge.dat" index i using 1:2 with points linetype i+1 pointsize (1.6 - 0.4*i) title columnheader(1)
unset multiplot
