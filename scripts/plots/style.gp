# K01-K12: the look every report figure shares: terminal (SVG for the page, PNG for the rest),
# a colour-blind-safe palette (Okabe and Ito), light grid, log-axis tick labels as powers of ten.
# A figure script sets `width` and `height` (pixels) and loads this file first; scripts/report.sh
# passes datadir, outfile and fmt.
if (!exists("fmt")) fmt = "svg"
if (!exists("width")) width = 900
if (!exists("height")) height = 600
if (fmt eq "png") {
    set terminal pngcairo size width, height enhanced font "DejaVu Sans,11" background rgb "white"
} else {
    set terminal svg size width, height enhanced font "DejaVu Sans,13" background rgb "white"
}
set output outfile
set encoding utf8

# Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange, sky blue, black, yellow
# (darkened so that it reads on white).
array C[8] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#B59B00"]
do for [i=1:8] {
    set linetype i linecolor rgb C[i] linewidth 2 pointtype (i == 1 ? 7 : i == 2 ? 5 : i == 3 ? 9 : i == 4 ? 11 : i == 5 ? 13 : i == 6 ? 6 : i == 7 ? 4 : 8) pointsize 0.8
}
set linetype 9 linecolor rgb "#9a9a9a" linewidth 1 dashtype 2
set linetype cycle 8
set style line 90 linecolor rgb "#e3e3e3" linewidth 1
set grid xtics ytics back linestyle 90
set border 3 linecolor rgb "#555555"
set tics nomirror out scale 0.6 textcolor rgb "#333333"
set key noautotitle
set key top right Left reverse samplen 2.5 spacing 1.1 box linecolor rgb "#cccccc" opaque
set datafile missing "NaN"
# Log-scale tick labels as 10^k.
logfmt = "10^{%L}"
