#!/usr/bin/env python3
# K01-K12: the analysis and writing half of `make report`: derives each figure's plot data and
# measurements from the raw CSV under results/, applies the claims' rules, and writes the report,
# the claims ledger and the HTML source (standard library only; scripts/report.sh drives it).
"""Derive the report's tables and verdicts, and write report.md and claims.md.

Usage:
  scripts/report.py derive --results DIR
        for each figure module whose results directory DIR/NAME exists: write DIR/NAME/plot/*
        (read by scripts/plots/NAME.gp) and the measurements to DIR/measurements.json
  scripts/report.py write --results DIR --out DOCS [--html-source FILE] [--run-info FILE]
        apply the rules and write DOCS/report.md and DOCS/claims.md (figures are expected in
        DOCS/figures/), and the one-page Markdown that pandoc turns into report.html
"""

import argparse
import importlib
import json
import os
import pkgutil
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import lrreport  # noqa: E402
from lrreport import common  # noqa: E402
from lrreport.claims import ISSUE_FIGURES, K12_INTRO, STATEMENTS, UNMEASURED  # noqa: E402

GENERATED = ('<!-- Written by scripts/report.py (`make report`) from the runs under %s: do not '
             'edit; run `make report` again. -->')


def figure_modules():
    """The figure modules of lrreport, in name order (fig01..., figK12...)."""
    mods = []
    for info in sorted(pkgutil.iter_modules(lrreport.__path__), key=lambda i: i.name):
        if info.name.startswith('fig'):
            mods.append(importlib.import_module('lrreport.' + info.name))
    return mods


def all_claims(mods):
    """Every claim K01..K12 (K12 as its parts), from the modules' rules or the unmeasured list."""
    by_id = {}
    for mod in mods:
        for c in getattr(mod, 'CLAIMS', []):
            if c.id in by_id:
                raise SystemExit('report: claim %s has two rules (%s)' % (c.id, mod.__name__))
            by_id[c.id] = c
    for cid, statement in STATEMENTS.items():
        if cid not in by_id:
            by_id[cid] = common.Claim(cid, statement, missing=UNMEASURED.get(
                cid, 'no experiment in this tree yet'))
    return [by_id[k] for k in sorted(by_id)]


# ---- derive --------------------------------------------------------------------------------------

def derive(results):
    measured = {}
    for mod in figure_modules():
        fig = mod.FIGURE
        directory = os.path.join(results, fig.runs)
        if not os.path.exists(os.path.join(directory, 'manifest.tsv')):
            print('report: %s: no runs under %s, skipped' % (fig.name, directory), file=sys.stderr)
            continue
        fd = common.FigureData(directory, plot_dir=os.path.join(results, fig.name, 'plot'))
        m = fig.derive(fd)
        fd.flush_vars()
        m['pending_parts'] = fd.pending
        measured[fig.name] = m
        print('report: %s: %d runs analysed' % (fig.name, len(fd.runs)), file=sys.stderr)
    path = os.path.join(results, 'measurements.json')
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        json.dump(measured, f, indent=1, sort_keys=True)
    os.replace(path + '.tmp', path)
    return 0


# ---- write ---------------------------------------------------------------------------------------

def md_table(rows):
    if not rows:
        return []
    head, body = rows[0], rows[1:]
    esc = lambda s: str(s).replace('|', '\\|')  # noqa: E731
    out = ['| ' + ' | '.join(esc(c) for c in head) + ' |',
           '|' + '|'.join('---' for _ in head) + '|']
    out += ['| ' + ' | '.join(esc(c) for c in r) + ' |' for r in body]
    return out


def verdict_badge(status):
    return {common.HOLDS: '**holds**', common.CONDITIONS: '**holds with conditions**',
            common.FAILS: '**does not hold**', common.PENDING: '*not yet measured*'}[status]


def anchor(fig):
    return fig.name.split('-')[0]


def figure_label(fig):
    return 'Figure %d' % fig.number if fig.number else 'Figure %s' % fig.name.split('-')[0][3:]


def claim_anchor(cid):
    return cid.lower()


def write_report(results, out, mods, measured, verdicts, run_info, claims):
    figs = [m.FIGURE for m in mods if m.FIGURE.name in measured]
    lines = ['# What the learning rate does: the lrlab report', '',
             GENERATED % results, '']
    lines += [
        'Every picture and number on this page comes from `make report`: one command that builds '
        'lrlab, runs a fixed experiment plan (`benchmarks/plan/*.sh`, one entry per figure) on all '
        'cores, draws the figures with gnuplot (`scripts/plots/*.gp`) and derives each claim\'s '
        'verdict with a rule written next to its analysis (`scripts/lrreport/*.py`). The raw CSV '
        'of every run stays under `%s/` so any figure can be redrawn or checked.' % results, '',
        'The problems are small on purpose: on a quadratic, theory predicts the answer exactly, so '
        'the pictures can be held against it; Rosenbrock adds a curved valley; linear regression '
        'adds label noise, outliers and minibatches; Fashion-MNIST (softmax regression and an MLP '
        '784-128-10) checks what carries over to real images, on a few thousand training images '
        'and a few epochs so that the whole plan runs in minutes (each caption says how many). '
        'The last two figures measure speed, with the benchmarks run alone after the other runs. '
        'Rates vary over decades, so most rate axes are logarithmic.', '']
    if run_info:
        lines += ['**This run:** %s.' % run_info, '']
    lines += ['## The claims at a glance', '',
              'Verdicts are *holds*, *holds with conditions* or *does not hold*, derived from the '
              'measurements by the rule quoted in [the claims ledger](claims.md); a claim whose '
              'experiment cannot run yet is *not yet measured*.', '']
    rows = [['claim', 'statement', 'verdict', 'evidence']]
    for c in claims:
        v = verdicts[c.id]
        where = ', '.join('[%s](#%s)' % (figure_label(f), anchor(f)) for f in figs
                          if f.name in c.figures) or '—'
        rows.append(['[%s](claims.md#%s)' % (c.id, claim_anchor(c.id)), c.statement,
                     verdict_badge(v.status), where])
    lines += md_table(rows) + ['']

    for mod in mods:
        fig = mod.FIGURE
        if fig.name not in measured:
            continue
        m = measured[fig.name]
        label = figure_label(fig)
        lines += ['<a id="%s"></a>' % anchor(fig), '',
                  '## %s. %s' % (label, fig.title), '',
                  '![%s. %s](figures/%s.svg)' % (label, fig.title, fig.name), '',
                  '*What to see.* %s' % fig.caption, '']
        if m.get('settings'):
            lines += ['*Settings of this run:* %s' % m['settings'], '']
        lines += ['Raw data: `%s/%s/`; plan: `benchmarks/plan/%s.sh`; drawing: '
                  '`scripts/plots/%s.gp`; PNG: [figures/%s.png](figures/%s.png).'
                  % (results, fig.runs, fig.runs, fig.name, fig.name, fig.name), '']
        for key in ('table', 'table2'):
            if m.get(key):
                lines += md_table(m[key]) + ['']
        for part, why in sorted(m.get('pending_parts', {}).items()):
            lines += ['*Not run yet (%s):* %s' % (part, why), '']
        # a claim is told under the last figure it reads (its own); others only link to it
        tested = [c for c in claims if c.figures and c.figures[-1] == fig.name]
        for c in tested:
            v = verdicts[c.id]
            lines += ['**[%s](claims.md#%s)** %s: %s' % (c.id, claim_anchor(c.id),
                                                        verdict_badge(v.status), v.summary), '']

    drawn = {m.FIGURE.number for m in mods if m.FIGURE.name in measured}
    waiting = [(n, t, why) for n, (t, why) in sorted(ISSUE_FIGURES.items()) if n not in drawn]
    if waiting:
        lines += ['## Figures still to come', '',
                  'Each is one plan entry, one gnuplot script and one analysis module away; the '
                  'table says what lrlab needs first.', '']
        lines += md_table([['figure', 'content', 'waits for']] +
                          [[str(n), t, why or 'its plan entry'] for n, t, why in waiting]) + ['']
    lines += ['## Reproducing', '',
              '```', 'make report          # the full plan (the committed pages come from it)',
              'make report QUICK=1  # smaller grids and fewer seeds, written under results/',
              'scripts/check-report.sh docs/report.html   # opens the page in headless Chromium',
              '```', '',
              'A figure is three files with one name: `benchmarks/plan/NAME.sh` prints the lrlab '
              'commands (and records each run\'s settings in a manifest), '
              '`scripts/lrreport/NAME.py` (with `_` for `-`) derives the plotted tables, the '
              'measurements and the verdict rules, and `scripts/plots/NAME.gp` draws it.', '']
    return '\n'.join(lines) + '\n'


def write_claims(results, mods, measured, verdicts, claims):
    figs = {m.FIGURE.name: m.FIGURE for m in mods}
    rule_home = {}
    for mod in mods:
        for c in getattr(mod, 'CLAIMS', []):
            rule_home[c.id] = 'scripts/lrreport/%s.py' % mod.__name__.split('.')[-1]
    lines = ['# The claims ledger', '', GENERATED % results, '',
             'Each claim of the concept catalogue (K01-K12) with the experiment that tests it, the '
             'figure that shows it, the numbers measured, and the verdict. The verdict is not '
             'typed by hand: each claim has a rule, a function next to the analysis of its '
             'figure, applied to the measurements of this run; the rule is quoted below as its '
             'docstring states it. Pictures and captions: [the report](report.md).', '']
    counts = {}
    for c in claims:
        counts[verdicts[c.id].status] = counts.get(verdicts[c.id].status, 0) + 1
    lines += ['Tally: ' + ', '.join('%d %s' % (counts[s], s) for s in
                                    common.VERDICTS + (common.PENDING,) if s in counts) + '.', '']
    k12_done = False
    for c in claims:
        v = verdicts[c.id]
        level = '##'
        if c.id.startswith('K12'):
            if not k12_done:
                lines += ['<a id="k12"></a>', '', '## K12: doubtful statements', '', K12_INTRO, '']
                k12_done = True
            level = '###'
        lines += ['<a id="%s"></a>' % claim_anchor(c.id), '',
                  '%s %s: %s' % (level, c.id, c.statement), '',
                  '- **Verdict:** %s. %s' % (verdict_badge(v.status), v.summary)]
        if c.experiment:
            lines.append('- **Experiment:** %s' % c.experiment)
        shown = [figs[f] for f in c.figures if f in figs and f in measured]
        if shown:
            lines.append('- **Figure:** ' + ', '.join(
                '[%s. %s](report.md#%s)' % (figure_label(f), f.title, anchor(f)) for f in shown))
        if c.rule:
            lines.append('- **Rule** (`%s`): %s' % (rule_home.get(c.id, '?'), common.rule_text(c)))
        lines.append('')
        if v.numbers:
            lines += md_table([['measured', 'value']] +
                              [[k, common.fmt(x) if not isinstance(x, str) else x]
                               for k, x in v.numbers]) + ['']
    return '\n'.join(lines) + '\n'


def html_source(report_md, claims_md):
    """One page for pandoc: the report, then the ledger, links between them made local."""
    report = re.sub(r'\]\(claims\.md#', '](#', report_md).replace('](claims.md)', '](#ledger)')
    claims = claims_md.replace('](report.md#', '](#').replace('](report.md)', '](#top)')
    claims = re.sub(r'^# The claims ledger', '<a id="ledger"></a>\n\n# The claims ledger', claims,
                    flags=re.M)
    return '<a id="top"></a>\n\n' + report + '\n\n' + claims


def write_atomic(path, text):
    os.makedirs(os.path.dirname(path) or '.', exist_ok=True)
    with open(path + '.tmp', 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(path + '.tmp', path)


def write(results, out, html_src, run_info_path):
    with open(os.path.join(results, 'measurements.json'), encoding='utf-8') as f:
        measured = json.load(f)
    mods = figure_modules()
    claims = all_claims(mods)
    verdicts = {c.id: c.evaluate(measured) for c in claims}
    run_info = ''
    if run_info_path and os.path.exists(run_info_path):
        with open(run_info_path, encoding='utf-8') as f:
            run_info = f.read().strip()
    report_md = write_report(results, out, mods, measured, verdicts, run_info, claims)
    claims_md = write_claims(results, mods, measured, verdicts, claims)
    write_atomic(os.path.join(out, 'report.md'), report_md)
    write_atomic(os.path.join(out, 'claims.md'), claims_md)
    if html_src:
        write_atomic(html_src, html_source(report_md, claims_md))
    with open(os.path.join(results, 'verdicts.tsv'), 'w', encoding='utf-8') as f:
        for c in claims:
            f.write('%s\t%s\t%s\n' % (c.id, verdicts[c.id].status, verdicts[c.id].summary))
    for c in claims:
        print('report: %-5s %-22s %s' % (c.id, verdicts[c.id].status, verdicts[c.id].summary[:90]),
              file=sys.stderr)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    d = sub.add_parser('derive')
    d.add_argument('--results', required=True)
    w = sub.add_parser('write')
    w.add_argument('--results', required=True)
    w.add_argument('--out', required=True)
    w.add_argument('--html-source')
    w.add_argument('--run-info')
    args = ap.parse_args(argv)
    if args.cmd == 'derive':
        return derive(args.results)
    return write(args.results, args.out, args.html_source, args.run_info)


if __name__ == '__main__':
    sys.exit(main())
