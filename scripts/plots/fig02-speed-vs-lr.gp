# Figure 2 (K02, K03, K06): steps to a tolerance against the rate for gradient descent and heavy
# ball on the quadratic (C21), theory overlaid; and against the condition number kappa.
width = 1400; height = 560
load "scripts/plots/style.gp"
load datadir."/vars.gp"
set multiplot layout 1, 2 margins 0.07, 0.98, 0.13, 0.91 spacing 0.08, 0.1

set title "(a) steps to shrink ‖x − x*‖ by 10^4, κ = 100"
set xlabel "learning rate lr (log scale)"
set ylabel "steps (log scale)"
set logscale xy
set format x logfmt
set format y logfmt
set xrange [1e-3:4]
set yrange [1:3e6]
set arrow 1 from gd_best, graph 0 to gd_best, graph 1 nohead linetype 9
set arrow 2 from two_over_L, graph 0 to two_over_L, graph 1 nohead linetype 9
set arrow 3 from hb_best, graph 0 to hb_best, graph 1 nohead linetype 9
set label 1 "2/(L+μ)" at gd_best, 1.2e6 right offset -0.3, 0 font ",10"
set label 2 "2/L" at two_over_L, 3e5 left offset 0.3, 0 font ",10"
set label 3 "Polyak" at hb_best, 6e4 left offset 0.3, 0 font ",10"
set key bottom left font ",10"
plot datadir."/lr_theory.dat" index 0 using 1:2 with lines linetype 1 linewidth 1.2 dashtype 2 title columnheader(1), \
     datadir."/lr_theory.dat" index 1 using 1:2 with lines linetype 2 linewidth 1.2 dashtype 2 title columnheader(1), \
     datadir."/lr.dat" index 0 using 1:2 with points linetype 1 pointsize 1.1 title columnheader(1), \
     datadir."/lr.dat" index 1 using 1:2 with points linetype 2 pointsize 1.1 title columnheader(1), \
     datadir."/lr_fail.dat" index 0 using 1:2 with points linetype 1 pointtype 2 pointsize 1.4 title columnheader(1), \
     datadir."/lr_fail.dat" index 1 using 1:2 with points linetype 2 pointtype 2 pointsize 1.4 title columnheader(1)

unset arrow
unset label
set title "(b) each method at its best setting, against κ = L/μ"
set xlabel "condition number κ (log scale)"
set ylabel "steps (log scale)"
set xrange [6:1.6e4]
set yrange [5:2e5]
set key top left font ",10"
plot datadir."/kappa_theory.dat" index 0 using 1:2 with lines linetype 1 linewidth 1.2 dashtype 2 title columnheader(1), \
     datadir."/kappa_theory.dat" index 1 using 1:2 with lines linetype 2 linewidth 1.2 dashtype 2 title columnheader(1), \
     datadir."/kappa.dat" index 0 using 1:2 with linespoints linetype 1 pointsize 1.2 title columnheader(1), \
     datadir."/kappa.dat" index 1 using 1:2 with linespoints linetype 2 pointsize 1.2 title columnheader(1)
unset multiplot
