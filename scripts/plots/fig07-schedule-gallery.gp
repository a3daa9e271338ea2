# Figure 7 (C07-C16): small multiples, the rate against the step for every schedule of the
# gallery plan, coloured by concept; the plateau panel also shows the metric it was fed.
width = 1500; height = 1250
load "scripts/plots/style.gp"
load datadir."/vars.gp"
ncols = 4
nrows = int((n_schedules + ncols - 1) / ncols)
set multiplot layout nrows, ncols margins 0.065, 0.97, 0.05, 0.97 spacing 0.045, 0.075
unset key
set xrange [0:steps]
set yrange [0:0.112]
set ytics 0.025 font ",9"
set xtics 100 font ",9"
set format y "%g"
do for [i=0:n_schedules-1] {
    set title value(sprintf("title_%d", i)) font ",10"
    set xlabel (i >= n_schedules - ncols ? "step" : "") font ",10"
    set ylabel (i % ncols == 0 ? "learning rate" : "") font ",10"
    if (i == plateau_index) {
        set y2tics font ",9" textcolor rgb "#888888"
        set y2range [0.2:1.05]
        plot datadir."/metric.dat" index 0 using 1:2 axes x1y2 with lines linecolor rgb "#aaaaaa" linewidth 1, \
             datadir."/schedules.dat" index i using 1:2 with steps linetype value(sprintf("colour_%d", i)) linewidth 2
        unset y2tics
    } else {
        plot datadir."/schedules.dat" index i using 1:2 with steps linetype value(sprintf("colour_%d", i)) linewidth 2
    }
}
unset multiplot
