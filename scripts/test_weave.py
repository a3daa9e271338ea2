#!/usr/bin/env python3
# Tests of the docs weaver (scripts/weave.py) on small throw-away trees: every failure the docs check
# promises to catch is provoked here once, and a correct tree must pass. Run by `make docs-check`.
import contextlib
import io
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import weave  # noqa: E402

REF = '/* C01 k: reference */\n#include <stddef.h>\n\n/* doc:k-step */\nint k(void)\n{\n    return 1;\n}\n/* end */\n'
AVX = '/* C01 k: twin */\n/* doc:k-avx2 */\nint k8(void) { return 8; }\n/* end */\n'
PAGE = ('# C01 · the k kernel\n\nWhat k is.\n\n'
        '@twin reference/k.c k-step optimized/k.c k-avx2\n\n'
        'Next: {{ref:C02}}. Tests:\n\n@files C01 tests\n')
INDEX = '# Index\n\n- {{page:C01}}\n- {{page:C02}}\n- {{link:claims.md|the ledger|ledger to come}}\n'


class Tree(object):
    """A repository in a temporary directory, with the weaver pointed at it."""

    def __init__(self, files):
        self.root = tempfile.mkdtemp(prefix='weave-test-')
        base = {'reference/k.c': REF, 'optimized/k.c': AVX, 'docs/src/C01-k.md': PAGE,
                'docs/src/index.md': INDEX, 'docs/style.css': 'body {}\n',
                'tests/test_k.c': '/* C01-C03 agreement */\n'}
        base.update(files)
        for path, text in base.items():
            if text is not None:
                self.write(path, text)

    def write(self, path, text):
        full = os.path.join(self.root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, 'w', encoding='utf-8') as f:
            f.write(text)

    def read(self, path):
        with open(os.path.join(self.root, path), encoding='utf-8') as f:
            return f.read()

    def run(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = weave.main(['--root', self.root] + list(args))
        return status, out.getvalue() + err.getvalue()

    def remove(self):
        shutil.rmtree(self.root)


class WeaveTest(unittest.TestCase):
    def tree(self, files=None):
        t = Tree(files or {})
        self.addCleanup(t.remove)
        return t

    def woven(self, files=None):
        t = self.tree(files)
        status, msg = t.run()
        self.assertEqual(status, 0, msg)
        return t

    def assertCheckFails(self, t, *needles):
        status, msg = t.run('--check')
        self.assertEqual(status, 1, msg)
        for needle in needles:
            self.assertIn(needle, msg)

    # -- a correct tree --

    def test_fresh_weave_passes_the_check(self):
        t = self.woven()
        status, msg = t.run('--check')
        self.assertEqual(status, 0, msg)
        status, msg = t.run()  # weaving twice changes nothing
        self.assertIn('(0 rewritten)', msg)

    def test_page_shows_both_regions_with_file_and_lines(self):
        page = self.woven().read('docs/C01-k.md')
        self.assertIn('**Reference** · [reference/k.c, lines 5-8](../reference/k.c#L5-L8)', page)
        self.assertIn('**AVX2 twin** · [optimized/k.c, lines 3-3](../optimized/k.c#L3-L3)', page)
        self.assertIn('```c\nint k(void)\n{\n    return 1;\n}\n```', page)
        self.assertLess(page.index('int k(void)'), page.index('int k8(void)'))
        self.assertIn('[Index of all concepts](index.md)', page)
        self.assertTrue(page.startswith(weave.WOVEN_MARK))

    def test_missing_pages_are_announced_then_linked(self):
        t = self.woven()
        index = t.read('docs/index.md')
        self.assertIn('[C01 · the k kernel](C01-k.md)', index)
        self.assertIn('- *page to come*', index)
        self.assertIn('ledger to come', index)
        self.assertIn('Next: C02.', t.read('docs/C01-k.md'))
        t.write('docs/src/C02-m.md', '# C02 · m\n\n@include reference/k.c k-step\n')
        self.assertCheckFails(t, 'docs/index.md is stale', 'docs/C02-m.md is missing')
        self.assertEqual(t.run()[0], 0)
        self.assertIn('[C02 · m](C02-m.md)', t.read('docs/index.md'))
        self.assertIn('Next: [C02](C02-m.md).', t.read('docs/C01-k.md'))

    def test_page_without_an_id_is_woven_and_linkable(self):
        # docs/src/benchmarks.md is such a page: no concept ID, reached by plain links.
        t = self.woven({'docs/src/benchmarks.md': '# Speed\n\nSee {{ref:C01}}.\n\n'
                                                   '@include reference/k.c k-step\n',
                        'docs/src/index.md': INDEX + '\n[Speed](benchmarks.md#results)\n'})
        page = t.read('docs/benchmarks.md')
        self.assertIn('[Index of all concepts](index.md)', page)
        self.assertIn('See [C01](C01-k.md).', page)
        self.assertIn('int k(void)', page)
        status, msg = t.run('--check')
        self.assertEqual(status, 0, msg)
        t.write('docs/src/C1-speed.md', '# Speed\n')  # looks like a concept page, is misnamed
        self.assertCheckFails(t, 'docs/src/C1-speed.md: a concept page is named Cnn-words.md')

    def test_files_directive_lists_files_whose_header_names_the_id(self):
        page = self.woven({'tests/test_z.c': '/* C07 only */\n'}).read('docs/C01-k.md')
        self.assertIn('- tests: [tests/test_k.c](../tests/test_k.c)', page)
        self.assertNotIn('test_z', page)

    def test_directives_inside_code_fences_stay_as_written(self):
        src = PAGE + '\n```\n@include reference/nothing.c nope\n{{page:C09}}\n```\n'
        page = self.woven({'docs/src/C01-k.md': src}).read('docs/C01-k.md')
        self.assertIn('@include reference/nothing.c nope\n{{page:C09}}', page)

    # -- what the check must catch --

    def test_stale_page_fails(self):
        t = self.woven()
        t.write('docs/C01-k.md', t.read('docs/C01-k.md').replace('What k is.', 'What k was.'))
        self.assertCheckFails(t, 'docs/C01-k.md is stale', '-What k was.', '+What k is.')

    def test_source_edit_makes_the_page_stale(self):
        t = self.woven()
        t.write('reference/k.c', REF.replace('return 1;', 'return 2;'))
        self.assertCheckFails(t, 'docs/C01-k.md is stale', '+    return 2;')

    def test_unwoven_page_fails(self):
        t = self.tree()
        self.assertCheckFails(t, 'docs/C01-k.md is missing')

    def test_orphan_woven_page_fails_and_weaving_removes_it(self):
        t = self.woven()
        os.unlink(os.path.join(t.root, 'docs/src/C01-k.md'))
        t.write('docs/src/index.md', INDEX.replace('{{', '').replace('}}', ''))
        t.write('docs/src/C03-x.md', '# x\n\n@twin reference/k.c k-step optimized/k.c k-avx2\n')
        self.assertCheckFails(t, 'docs/C01-k.md was woven from a page source that no longer exists')
        self.assertEqual(t.run()[0], 0)
        self.assertFalse(os.path.exists(os.path.join(t.root, 'docs/C01-k.md')))

    def test_missing_region_fails(self):
        t = self.woven()
        t.write('docs/src/C01-k.md', PAGE + '\n@include reference/k.c k-gone\n')
        self.assertCheckFails(t, 'docs/src/C01-k.md:11: reference/k.c has no region "k-gone"')
        status, msg = t.run()  # weaving refuses too, and writes nothing
        self.assertEqual(status, 1, msg)
        self.assertNotIn('k-gone', t.read('docs/C01-k.md'))

    def test_missing_file_fails(self):
        t = self.tree({'docs/src/index.md': INDEX + '\n@include reference/nope.c k-step\n'})
        self.assertCheckFails(t, 'include names reference/nope.c, which does not exist')

    def test_region_named_in_the_wrong_file_fails(self):
        t = self.tree({'docs/src/index.md': INDEX + '\n@include optimized/k.c k-step\n'})
        self.assertCheckFails(t, 'region "k-step" is in reference/k.c, not in optimized/k.c')

    def test_unclosed_region_fails(self):
        t = self.tree({'reference/k.c': REF.replace('/* end */\n', '')})
        self.assertCheckFails(t, 'reference/k.c:4: region "k-step" is never closed')

    def test_end_without_open_fails(self):
        t = self.tree({'reference/k.c': REF + '/* end */\n'})
        self.assertCheckFails(t, 'reference/k.c:10: /* end */ without an open')

    def test_nested_open_fails(self):
        t = self.tree({'reference/k.c': REF.replace('{\n', '{\n/* doc:inner */\n', 1)})
        self.assertCheckFails(t, 'region "inner" opens inside region "k-step"')

    def test_duplicate_region_name_fails(self):
        t = self.tree({'src/other.c': '/* doc:k-step */\nint z;\n/* end */\n'})
        self.assertCheckFails(t, 'duplicate region "k-step": reference/k.c:4 and src/other.c:1')

    def test_malformed_marker_fails(self):
        t = self.tree({'src/other.c': '/* doc: two words */\nint z;\n/* end */\n'})
        self.assertCheckFails(t, 'src/other.c:1: malformed marker')

    def test_empty_region_fails(self):
        t = self.tree({'src/other.c': '/* doc:hollow */\n\n/* end */\n'})
        self.assertCheckFails(t, 'src/other.c:1: region "hollow" is empty')

    def test_unused_region_fails(self):
        t = self.woven({'src/other.c': '/* doc:lonely */\nint z;\n/* end */\n'})
        self.assertCheckFails(t, 'region "lonely" (src/other.c:1) is never included')

    def test_pending_list_defers_an_unused_region_and_cannot_rot(self):
        t = self.woven({'src/other.c': '/* doc:lonely */\nint z;\n/* end */\n',
                       'docs/src/regions-pending.txt': 'lonely   # page C09 comes later\n'})
        status, msg = t.run('--check')
        self.assertEqual(status, 0, msg)
        self.assertIn('region "lonely" (src/other.c:1) waits for its page', msg)
        t.write(weave.PENDING, 'lonely\nk-step\nghost\n')
        self.assertCheckFails(t, '"k-step" is included by a page now', '"ghost" is not a region')

    def test_dead_link_fails(self):
        t = self.tree({'docs/src/index.md': INDEX + '\nSee [the report](report.md).\n'})
        self.assertCheckFails(t, 'docs/index.md: link to report.md, which does not exist')

    def test_unknown_directive_and_token_fail(self):
        t = self.tree({'docs/src/index.md': INDEX + '\n@inclde a b\n\n{{pgae:C01}}\n'})
        self.assertCheckFails(t, 'unknown directive @inclde', 'unknown token {{pgae:...}}')

    def test_header_ranges_name_every_id_inside(self):
        self.assertEqual(weave.header_ids('/* C01-C03 and C05/C06; K12 */\n'),
                         {'C01', 'C02', 'C03', 'C05', 'C06', 'K12'})
        self.assertEqual(weave.header_ids('\n' * weave.HEADER_LINES + '/* C07 */'), set())

    # -- the HTML site --

    def test_html_site_puts_the_twin_side_by_side_and_links_html(self):
        if shutil.which('pandoc') is None:
            self.skipTest('pandoc is not installed')
        t = self.tree()
        status, msg = t.run('--html', os.path.join(t.root, 'build/docs'))
        self.assertEqual(status, 0, msg)
        page = t.read('build/docs/C01-k.html')
        self.assertIn('<div class="twin">', page)
        self.assertEqual(page.count('<div class="listing">'), 2)
        self.assertIn('href="index.html"', page)
        self.assertIn('href="../../reference/k.c"', page)
        self.assertIn('href="style.css"', page)
        self.assertIn('href="C01-k.html"', t.read('build/docs/index.html'))
        self.assertTrue(os.path.exists(os.path.join(t.root, 'build/docs/style.css')))

    def test_html_site_carries_the_figures_it_shows(self):
        if shutil.which('pandoc') is None:
            self.skipTest('pandoc is not installed')
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>\n'
        t = self.tree({'docs/figures/fig01-a.svg': svg, 'docs/figures/fig01-a.png': 'png\n',
                       'docs/src/C01-k.md': PAGE + '\n## Charts\n\n'
                       '![Figure 1. A](figures/fig01-a.svg)\n\n[PNG](figures/fig01-a.png)\n'})
        self.assertEqual(t.run()[0], 0)
        self.assertIn('![Figure 1. A](figures/fig01-a.svg)', t.read('docs/C01-k.md'))
        out = os.path.join(t.root, 'site')  # outside docs/ and build/: the site must stand alone
        status, msg = t.run('--html', out)
        self.assertEqual(status, 0, msg)
        page = t.read('site/C01-k.html')
        self.assertIn('src="figures/fig01-a.svg"', page)
        self.assertIn('href="figures/fig01-a.png"', page)
        self.assertEqual(t.read('site/figures/fig01-a.svg'), svg)
        self.assertEqual(t.read('site/figures/fig01-a.png'), 'png\n')

    def test_missing_figure_fails_the_check(self):
        t = self.tree({'docs/src/C01-k.md': PAGE + '\n![Figure 9](figures/fig09-none.svg)\n'})
        t.run()
        self.assertCheckFails(t, 'figures/fig09-none.svg')


if __name__ == '__main__':
    unittest.main(verbosity=1)
