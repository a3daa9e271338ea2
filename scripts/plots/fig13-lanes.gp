# Figure 13 (C20): lane-samples per second against the number of lanes K, batched against one run
# after another, and the speed-up.
width = 1300; height = 520
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 2 margins 0.08, 0.98, 0.13, 0.9 spacing 0.09, 0.1
set logscale x 2
set format x "%g"
set xrange [0.8:kmax * 1.25]
set xtics (1, 2, 4, 8, 16)
set xlabel "rates trained together K (log scale)"

set title "(a) throughput"
set ylabel "lane-samples per second (log scale)"
set logscale y
set format y "%.0s%c"
set key top left font ",9"
plot datadir."/throughput.dat" index 0 using 1:2 with linespoints linetype 1 title columnheader(1), \
     datadir."/throughput.dat" index 1 using 1:2 with linespoints linetype 2 title columnheader(1), \
     datadir."/throughput.dat" index 2 using 1:2 with linespoints linetype 1 dashtype 2 title columnheader(1), \
     datadir."/throughput.dat" index 3 using 1:2 with linespoints linetype 2 dashtype 2 title columnheader(1)

set title "(b) speed-up of the lanes over one run after another"
set ylabel "batched / sequential"
unset logscale y
set format y "%g×"
set yrange [0:*]
set key top left font ",9"
plot 1 with lines linetype 9 notitle, \
     datadir."/speedup.dat" index 0 using 1:2 with linespoints linetype 1 title "with evaluation", \
     datadir."/speedup.dat" index 0 using 1:3 with linespoints linetype 1 dashtype 2 title "training only"
unset multiplot
