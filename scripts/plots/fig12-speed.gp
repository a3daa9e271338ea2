# Figure 12: parameters updated per second against the number of parameters for every update rule
# (C01-C06): reference, AVX2, the roofline loop and PyTorch when measured; one panel per rule.
width = 1700; height = 1300
load "scripts/plots/style.gp"
load datadir."/vars.gp"
rows = (n_kernels + 2) / 3
set multiplot layout rows, 3 margins 0.06, 0.99, 0.06, 0.96 spacing 0.06, 0.08
set logscale xy
set format y logfmt
set xrange [2048:3.4e7]
set yrange [1e7:3e10]
set xtics ("2^{12}" 4096, "2^{16}" 65536, "2^{18}" 262144, "2^{20}" 1048576, "2^{24}" 16777216)
set xlabel "parameters N (log scale)"
set ylabel "parameters updated per second"
do for [i=0:n_kernels-1] {
    set title value(sprintf("ktitle_%d", i))
    if (i == 0) { set key bottom left font ",9" } else { unset key }
    f = datadir.sprintf("/k%d.dat", i)
    plot f index 0 using 1:2 with linespoints linetype 2 pointsize 0.7 title columnheader(1), \
         f index 1 using 1:2 with linespoints linetype 1 pointsize 0.7 title columnheader(1), \
         f index 2 using 1:2 with lines linetype 7 dashtype 2 linewidth 1.5 title columnheader(1), \
         f index 3 using 1:2 with linespoints linetype 3 pointsize 0.7 title columnheader(1)
}
unset multiplot
