# Figure 10 (K08): the range test's smoothed loss curves (C17) over the final loss of a sweep of
# constant rates, one panel per problem, with the sweep's band of good rates and the suggestions.
load datadir."/vars.gp"
width = 1500; height = (n_problems > 3 ? 1000 : 520)
load "scripts/plots/style.gp"
if (n_problems > 3) {
    set multiplot layout 2, 3 margins 0.06, 0.98, 0.08, 0.95 spacing 0.06, 0.1
} else {
    set multiplot layout 1, 3 margins 0.06, 0.98, 0.14, 0.9 spacing 0.06, 0.1
}
set logscale xy
set format x logfmt
set format y logfmt
set xlabel "learning rate lr (log scale)"
set xrange [1e-7:10]
first = 0
do for [i=0:n_problems-1] {
    set title value(sprintf("title_%d", i))
    set ylabel (i % 3 == 0 ? "loss (log scale)" : "")
    set yrange [value(sprintf("ylo_%d", i)):value(sprintf("yhi_%d", i))]
    lo = value(sprintf("band_lo_%d", i)); hi = value(sprintf("band_hi_%d", i))
    set object 1 rectangle from lo, graph 0 to hi, graph 1 fillcolor rgb "#dcefd9" fillstyle solid 1.0 noborder behind
    set arrow 1 from value(sprintf("valley_%d", i)), graph 0 to value(sprintf("valley_%d", i)), graph 1 nohead linecolor rgb "#333333" linewidth 1.5
    set arrow 2 from value(sprintf("minimum_%d", i)), graph 0 to value(sprintf("minimum_%d", i)), graph 1 nohead linecolor rgb "#333333" linewidth 1.2 dashtype 2
    set arrow 3 from value(sprintf("steep_%d", i)), graph 0 to value(sprintf("steep_%d", i)), graph 1 nohead linecolor rgb "#333333" linewidth 1.2 dashtype 3
    nf = value(sprintf("n_find_%d", i))
    set key top left font ",10"
    plot for [j=first:first+nf-1] datadir."/find.dat" index j using 1:2 with lines linetype 1 linewidth 1 notitle, \
         datadir."/sweep.dat" index i using 1:2 with linespoints linetype 2 pointsize 0.9 title "sweep: final loss", \
         keyentry with lines linetype 1 linewidth 1 title "range test: smoothed loss", \
         keyentry with boxes fillcolor rgb "#dcefd9" fillstyle solid 1.0 noborder title "band of good rates", \
         keyentry with lines linecolor rgb "#333333" linewidth 1.5 dashtype 1 title "valley", \
         keyentry with lines linecolor rgb "#333333" linewidth 1.2 dashtype 2 title "minimum/10", \
         keyentry with lines linecolor rgb "#333333" linewidth 1.2 dashtype 3 title "steep"
    first = first + nf
}
unset multiplot
