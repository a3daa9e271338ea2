# K01-K12: the analysis half of `make report` (standard library only). One module per figure
# (figNN_name.py, matching benchmarks/plan/figNN-name.sh and scripts/plots/figNN-name.gp) derives
# the plotted tables and the measurements; the verdict rules of the claims sit next to them.
