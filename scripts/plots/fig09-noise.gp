# Figure 9 (K05, K04): linear regression (C23): test loss against the rate per noise level, the best
# rate per level and with outliers, squared against Huber loss, and constant-rate floors.
width = 1400; height = 1050
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 2, 2 margins 0.07, 0.98, 0.07, 0.95 spacing 0.08, 0.1

set title "(a) final test loss against the rate, per label-noise level"
set xlabel "learning rate lr (log scale)"
set ylabel "mean final test loss / its minimum over lr"
set logscale x
set format x logfmt
set format y "%g"
set xrange [8e-4:4]
set yrange [0.995:1.1]
set key top left font ",10"
plot 1 with lines linetype 9 notitle, \
     for [i=0:n_noise-1] datadir."/noise.dat" index i using 1:2 with linespoints linetype i+1 pointsize 0.6 title columnheader(1)

set title "(b) the best rate per noise level, and with outliers"
set xlabel "label noise σ   |   outlier fraction (right)"
set ylabel "best learning rate (log scale)"
set logscale y
unset logscale x
set format x "%g"
set xrange [-0.5:n_noise_levels + 2.5]
set yrange [1e-3:3]
set format y logfmt
eval noise_tics
set xtics add ("0%%" n_noise_levels + 0.5, "10%%" n_noise_levels + 1.25, "20%%" n_noise_levels + 2)
set arrow 1 from n_noise_levels - 0.25, graph 0 to n_noise_levels - 0.25, graph 1 nohead linetype 9
set key top right font ",10"
plot datadir."/best.dat" index 0 using 1:2 with linespoints linetype 1 pointsize 1.2 title "noise: best rate (parabola)", \
     datadir."/best.dat" index 0 using 1:3 with points linetype 1 pointtype 6 pointsize 1.6 title "noise: grid point", \
     datadir."/best_outliers.dat" index 0 using (n_noise_levels + 0.5 + $1 * 0.075):2 with linespoints linetype 2 pointsize 1.2 title "outliers, squared loss", \
     datadir."/best_outliers.dat" index 1 using (n_noise_levels + 0.5 + $1 * 0.075):2 with linespoints linetype 3 dashtype 2 pointsize 1.2 title "outliers, Huber loss"
unset arrow 1

set title "(c) outliers: squared (solid) against Huber (dashed) loss, σ = 0.1"
set xlabel "learning rate lr (log scale)"
set ylabel "mean final test loss (log scale)"
set logscale xy
set format x logfmt
set format y logfmt
set xtics auto
set xrange [8e-4:4]
set yrange [3e-3:30]
set key top left font ",10"
half = n_outliers / 2
plot for [i=0:half-1] datadir."/outliers.dat" index i using 1:2 with linespoints linetype i+1 pointsize 0.6 title columnheader(1), \
     for [i=half:n_outliers-1] datadir."/outliers.dat" index i using 1:2 with linespoints linetype i-half+1 dashtype 2 pointsize 0.6 title columnheader(1)

set title "(d) training loss per epoch at constant rates, label noise 1"
set xlabel "epoch"
set ylabel "mean training loss (½ r², label units²)"
unset logscale xy
set format x "%g"
set format y "%g"
set xrange [*:*]
set yrange [0.46:0.62]
set key top right font ",10"
# Constant rates solid; decayed schedules (when lrlab train runs them) dashed, same colour per
# starting rate.
plot for [i=0:n_constant-1] datadir."/floors.dat" index i using 1:2 with lines linetype i + 1 title columnheader(1), \
     for [i=n_constant:n_floors-1] datadir."/floors.dat" index i using 1:2 with lines linetype (i % n_constant) + 1 dashtype 2 title columnheader(1)
unset multiplot
