# Figure 3 (C22, K12): gradient-descent and optimizer paths over the Rosenbrock contours, the loss
# per step, and the final loss of a sweep of rates with the runs that end stuck or diverged.
width = 1300; height = 1050
load "scripts/plots/style.gp"
load datadir."/vars.gp"

# The contour lines, computed once into a table.
rosen(x, y) = (1 - x)**2 + 100 * (y - x**2)**2
set table datadir."/contours.dat"
set contour base
set cntrparam levels discrete 0.1, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500
unset surface
set isosamples 160, 160
set xrange [-2:2]
set yrange [-1:3]
splot rosen(x, y)
unset table
unset contour

set multiplot layout 2, 2 margins 0.07, 0.98, 0.07, 0.95 spacing 0.08, 0.1
set xrange [-1.6:1.6]
set yrange [-0.6:2.0]
set xlabel "x_1"
set ylabel "x_2"
set size ratio -1
set key bottom right font ",9"
markers = "set object 1 circle at -1.2, 1 size 0.04 fillcolor rgb '#333333' fillstyle solid front; " . \
          "set label 11 '★' at 1, 1 center front font ',16' textcolor rgb '#333333'"
eval markers

set title "(a) gradient descent at five rates"
plot datadir."/contours.dat" using 1:2 with lines linecolor rgb "#c8c8c8" linewidth 0.8 notitle, \
     for [i=0:n_gd_paths-1] datadir."/gd_paths.dat" index i using 1:2 with lines linetype i+1 linewidth 1.6 title columnheader(1)

set title "(b) momentum and adaptive methods"
plot datadir."/contours.dat" using 1:2 with lines linecolor rgb "#c8c8c8" linewidth 0.8 notitle, \
     for [i=0:n_opt_paths-1] datadir."/opt_paths.dat" index i using 1:2 with lines linetype i+1 linewidth 1.6 title columnheader(1)

unset object 1
unset label 11
set size noratio
set title "(c) loss per step: solid as in (a), dashed as in (b)"
set xlabel "step (log scale)"
set ylabel "loss f(x_t) (log scale)"
set logscale xy
set format x logfmt
set format y logfmt
set xrange [1:6000]
set yrange [1e-16:1e3]
unset key
plot for [i=0:n_gd_paths-1] datadir."/losses.dat" index i using 1:2 with lines linetype i+1 notitle, \
     for [i=n_gd_paths:n_losses-1] datadir."/losses.dat" index i using 1:2 with lines linetype i-n_gd_paths+1 dashtype 2 notitle

set title sprintf("(d) where a sweep of rates ends after %d steps", long)
set xlabel "learning rate lr (log scale)"
set ylabel "final loss (log scale)"
set xrange [5e-6:2]
set yrange [1e-16:1e10]
set arrow 1 from edge, graph 0 to edge, graph 1 nohead linetype 9
set label 1 "2/1002" at edge, 1e-14 right offset -0.4, 0 font ",10"
set key top left font ",9" box
plot datadir."/sweep.dat" index 0 using 1:2 with linespoints linetype 1 title columnheader(1), \
     datadir."/sweep.dat" index 1 using 1:2 with points linetype 1 pointtype 8 pointsize 2 title columnheader(1), \
     datadir."/sweep.dat" index 2 using 1:2 with points linetype 1 pointtype 2 pointsize 1.6 title columnheader(1), \
     datadir."/sweep.dat" index 3 using 1:2 with linespoints linetype 2 title columnheader(1), \
     datadir."/sweep.dat" index 4 using 1:2 with points linetype 2 pointtype 8 pointsize 2 title columnheader(1), \
     datadir."/sweep.dat" index 5 using 1:2 with points linetype 2 pointtype 2 pointsize 1.6 title columnheader(1)
unset multiplot
