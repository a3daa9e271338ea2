#!/usr/bin/env python3
# lrlab docs weaver: expands the region includes of docs/src/*.md into the committed pages docs/*.md
# and, with --html, a pandoc site; --check re-weaves in memory and fails on anything stale or broken.
"""Weave lrlab's literate docs from the sources (standard library only).

Usage:
  python3 scripts/weave.py               weave docs/src/*.md into docs/*.md
  python3 scripts/weave.py --html DIR    the same, then the HTML site into DIR (needs pandoc)
  python3 scripts/weave.py --check       weave in memory and fail when a page is stale, an include or
                                         a link is broken, a marker is malformed or duplicated, or a
                                         region is never included (no pandoc, nothing written)
  --root DIR                             the repository (default: the parent of scripts/)

Markers in C-family sources (.c .h .cc .cpp), each alone on its line; regions do not nest, and a
name is unique across the tree:
  /* doc:NAME */  ...code...  /* end */

Directives in docs/src/*.md, each alone on its line, outside code fences:
  @include PATH NAME                         one region as a code block captioned with its file
                                             and line range
  @twin REF_PATH REF_NAME AVX2_PATH AVX2_NAME
                                             a reference region and its AVX2 twin: one after the
                                             other in Markdown, side by side in HTML
  @files ID [DIR ...]                        links to the files (optionally only under DIRs) whose
                                             first lines name concept or claim ID (ranges such as
                                             C01-C06 count)
Inline tokens in docs/src/*.md, outside code:
  {{page:ID}}                   link to the page of ID, titled, or "page to come"
  {{ref:ID}}                    ID linked to its page, or plain ID while there is none
  {{link:PATH|TEXT|FALLBACK}}   [TEXT](PATH) when docs/PATH exists, FALLBACK otherwise

In the HTML site, links reach pages as .html and other files of the tree relative to the site;
an image under docs/ (figures/NAME.svg, embedded with ![caption](figures/NAME.svg) or linked) is
copied into the site at the same relative path, so the site carries its figures along.

A page source docs/src/Cnn-name.md (or Knn-name.md) is the page of concept (claim) Cnn; any other
name (index.md) is a page without an ID. docs/src/regions-pending.txt may name regions whose page
is not written yet (one name per line, then an optional reason; # starts a comment): the check
lists them instead of failing, and fails if such a name is unknown or already included.
"""

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile

C_SUFFIXES = ('.c', '.h', '.cc', '.cpp')
HEADER_SUFFIXES = C_SUFFIXES + ('.py', '.sh', '.gp')
HEADER_LINES = 5
TOP_SKIP = {'build', 'results', 'docs'}
DIR_ORDER = ['reference', 'optimized', 'include', 'src', 'cli', 'tests', 'benchmarks', 'scripts']
DIR_ROLE = {'reference': 'reference', 'optimized': 'AVX2 twin', 'include': 'interface',
            'src': 'library', 'cli': 'command line', 'tests': 'tests', 'benchmarks': 'benchmarks',
            'scripts': 'scripts'}
PENDING = 'docs/src/regions-pending.txt'
IMAGE_SUFFIXES = ('.svg', '.png', '.jpg', '.jpeg', '.gif', '.webp')
WOVEN_MARK = '<!-- Woven by scripts/weave.py'

OPEN_RE = re.compile(r'^\s*/\*\s*doc:([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\*/\s*$')
LOOKS_LIKE_OPEN_RE = re.compile(r'^\s*/\*\s*doc:')
CLOSE_RE = re.compile(r'^\s*/\*\s*end\s*\*/\s*$')
PAGE_NAME_RE = re.compile(r'^([CK]\d\d)-[a-z0-9][a-z0-9-]*\.md$')
ID_RE = re.compile(r'^[CK]\d\d$')
ID_MENTION_RE = re.compile(r'\b([CK])(\d\d)(?:\s*(?:-|\u2013|\.\.)\s*\1(\d\d))?\b')
DIRECTIVE_RE = re.compile(r'^@([a-z][a-z-]*)(?:[ \t]+(.*?))?\s*$')
TOKEN_RE = re.compile(r'\{\{([a-z]+):([^{}]*)\}\}')
CODE_SPAN_RE = re.compile(r'(`+).*?(?<!`)\1(?!`)')
LINK_RE = re.compile(r'(\]\()([^)\s]+)(\))')
SCHEME_RE = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:')


# ---- small helpers -------------------------------------------------------------------------------

def read_text(root, path):
    with open(os.path.join(root, path), encoding='utf-8') as f:
        return f.read()


def write_atomic(path, text):
    """Write through a temporary file in the same directory, so a reader never sees half a page."""
    directory = os.path.dirname(path) or '.'
    fd, tmp = tempfile.mkstemp(dir=directory, prefix='.weave-')
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def walk_files(root, suffixes):
    """Repository-relative paths (with /) of files ending in suffixes, skipping build output."""
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        dirnames[:] = sorted(d for d in dirnames
                             if not d.startswith('.') and not (rel == '.' and d in TOP_SKIP))
        for name in sorted(filenames):
            if name.endswith(suffixes):
                found.append(os.path.normpath(os.path.join(rel, name)).replace(os.sep, '/'))
    return found


def fence_step(line, fence):
    """The fence state after `line`: the opening fence string while inside a code block, else None."""
    stripped = line.strip()
    m = re.match(r'^(```+|~~~+)', stripped)
    if fence is None:
        return m.group(1) if m else None
    if m and set(stripped) == {fence[0]} and len(stripped) >= len(fence):
        return None
    return fence


def outside_code(line, fn):
    """Apply fn to the parts of one Markdown line that are not inline code spans."""
    out, last = [], 0
    for m in CODE_SPAN_RE.finditer(line):
        out.append(fn(line[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(fn(line[last:]))
    return ''.join(out)


def map_prose(text, fn):
    """Apply fn to every piece of prose in a Markdown text (not to code blocks or code spans)."""
    out, fence = [], None
    for line in text.split('\n'):
        now = fence_step(line, fence)
        out.append(line if (fence is not None or now is not None) else outside_code(line, fn))
        fence = now
    return '\n'.join(out)


def header_ids(text):
    """Concept and claim IDs named in the first lines of a file; C01-C06 names all six."""
    ids = set()
    for m in ID_MENTION_RE.finditer('\n'.join(text.split('\n')[:HEADER_LINES])):
        first = int(m.group(2))
        last = int(m.group(3)) if m.group(3) else first
        for k in range(first, max(first, last) + 1):
            ids.add('%s%02d' % (m.group(1), k))
    return ids


# ---- regions -------------------------------------------------------------------------------------

class Region(object):
    def __init__(self, name, path, marker, first, last, lines):
        self.name, self.path, self.marker = name, path, marker  # marker: line of /* doc:NAME */
        self.first, self.last, self.lines = first, last, lines


def make_region(name, path, open_line, body, errors):
    """Trim blank edge lines (keeping line numbers true) and the common indentation."""
    first, last = 0, len(body)
    while first < last and not body[first].strip():
        first += 1
    while last > first and not body[last - 1].strip():
        last -= 1
    if first == last:
        errors.append('%s:%d: region "%s" is empty' % (path, open_line, name))
        return None
    kept = body[first:last]
    indent = min(len(l) - len(l.lstrip()) for l in kept if l.strip())
    lines = [l[indent:].rstrip() for l in kept]
    return Region(name, path, open_line, open_line + 1 + first, open_line + last, lines)


def scan_file(root, path, errors):
    regions, name, open_line, body = [], None, 0, []
    try:
        lines = read_text(root, path).split('\n')
    except (OSError, UnicodeDecodeError) as e:
        errors.append('%s: cannot read: %s' % (path, e))
        return regions
    for no, line in enumerate(lines, 1):
        m = OPEN_RE.match(line)
        if m:
            if name is not None:
                errors.append('%s:%d: region "%s" opens inside region "%s" (line %d), which has no '
                              '/* end */ before it' % (path, no, m.group(1), name, open_line))
            name, open_line, body = m.group(1), no, []
        elif LOOKS_LIKE_OPEN_RE.match(line):
            errors.append('%s:%d: malformed marker (want a line "/* doc:NAME */", NAME made of '
                          'letters, digits, _ . -): %s' % (path, no, line.strip()))
        elif CLOSE_RE.match(line):
            if name is None:
                errors.append('%s:%d: /* end */ without an open /* doc:NAME */' % (path, no))
            else:
                region = make_region(name, path, open_line, body, errors)
                if region:
                    regions.append(region)
                name = None
        elif name is not None:
            body.append(line)
    if name is not None:
        errors.append('%s:%d: region "%s" is never closed by /* end */' % (path, open_line, name))
    return regions


def scan_regions(root, errors):
    regions = {}
    for path in walk_files(root, C_SUFFIXES):
        for r in scan_file(root, path, errors):
            if r.name in regions:
                old = regions[r.name]
                errors.append('duplicate region "%s": %s:%d and %s:%d (names are unique across '
                              'the tree)' % (r.name, old.path, old.marker, r.path, r.marker))
            else:
                regions[r.name] = r
    return regions


def read_pending(root, errors):
    """Regions allowed to wait for their page: {name: line number in the pending file}."""
    pending = {}
    if not os.path.exists(os.path.join(root, PENDING)):
        return pending
    for no, line in enumerate(read_text(root, PENDING).split('\n'), 1):
        words = line.split('#', 1)[0].split()
        if words:
            if words[0] in pending:
                errors.append('%s:%d: "%s" is listed twice' % (PENDING, no, words[0]))
            pending[words[0]] = no
    return pending


# ---- pages ---------------------------------------------------------------------------------------

class Page(object):
    def __init__(self, name, text):
        self.name = name                       # C05-adam.md
        self.src = 'docs/src/' + name
        self.out = 'docs/' + name
        self.html = name[:-3] + '.html'
        self.text = text
        m = PAGE_NAME_RE.match(name)
        self.id = m.group(1) if m else None
        heading = re.search(r'^# +(.+?)\s*$', text, re.M)
        self.title = heading.group(1) if heading else name[:-3]

    def plain_title(self):
        return re.sub(r'[`*_]', '', self.title)


def load_pages(root, errors):
    src = os.path.join(root, 'docs', 'src')
    names = sorted(n for n in os.listdir(src) if n.endswith('.md')) if os.path.isdir(src) else []
    pages, by_id = [], {}
    for name in names:
        page = Page(name, read_text(root, 'docs/src/' + name))
        if page.id is None and name != 'index.md' and re.match(r'^[CK]\d', name):
            errors.append('%s: a concept page is named Cnn-words.md (lower case, digits, -)'
                          % page.src)
        if page.id in by_id:
            errors.append('%s and %s are both pages of %s' % (by_id[page.id].src, page.src, page.id))
        elif page.id:
            by_id[page.id] = page
        pages.append(page)
    return pages, by_id


class Weaver(object):
    """Everything one weave needs: the regions of the tree, the page sources, what was used."""

    def __init__(self, root):
        self.root = root
        self.errors = []
        self.regions = scan_regions(root, self.errors)
        self.pages, self.by_id = load_pages(root, self.errors)
        self.used = set()
        self.assets = set()   # images under docs/ that the HTML site links to (docs-relative)
        self._headers = None

    # -- directives --

    def region(self, where, path, name):
        if not os.path.isfile(os.path.join(self.root, path)):
            self.errors.append('%s: include names %s, which does not exist' % (where, path))
            return None
        r = self.regions.get(name)
        if r is None:
            self.errors.append('%s: %s has no region "%s" (no /* doc:%s */ ... /* end */)'
                               % (where, path, name, name))
            return None
        if r.path != path:
            self.errors.append('%s: region "%s" is in %s, not in %s' % (where, name, r.path, path))
            return None
        self.used.add(name)
        return r

    def listing(self, where, path, name, label, html):
        r = self.region(where, path, name)
        if r is None:
            return ['*(missing region %s in %s)*' % (name, path)]
        lang = 'c' if path.endswith(('.c', '.h')) else 'cpp'
        caption = '[%s, lines %d-%d](../%s#L%d-L%d) · region `%s`' % (
            path, r.first, r.last, path, r.first, r.last, name)
        if label:
            caption = '**%s** · %s' % (label, caption)
        body = [caption, '', '```' + lang] + r.lines + ['```']
        return ['', '::: {.listing}'] + body + [':::', ''] if html else body

    def twin(self, where, args, html):
        ref = self.listing(where, args[0], args[1], 'Reference', html)
        avx = self.listing(where, args[2], args[3], 'AVX2 twin', html)
        if html:
            return ['', ':::: {.twin}'] + ref + avx + ['::::', '']
        return ref + [''] + avx

    def headers(self):
        if self._headers is None:
            self._headers = {}
            for path in walk_files(self.root, HEADER_SUFFIXES):
                try:
                    self._headers[path] = header_ids(read_text(self.root, path))
                except (OSError, UnicodeDecodeError):
                    self._headers[path] = set()
        return self._headers

    def files(self, where, args):
        ident, dirs = args[0], [d.rstrip('/') for d in args[1:]]
        if not ID_RE.match(ident):
            self.errors.append('%s: @files wants an ID such as C05, not "%s"' % (where, ident))
            return []
        groups = {}
        for path, ids in sorted(self.headers().items()):
            inside = not dirs or any(path == d or path.startswith(d + '/') for d in dirs)
            if ident in ids and inside:
                groups.setdefault(path.split('/')[0], []).append(path)
        if not groups:
            scope = ' under ' + ', '.join(d + '/' for d in dirs) if dirs else ''
            return ['*No file%s names %s in its header yet.*' % (scope, ident)]
        order = sorted(groups, key=lambda d: (DIR_ORDER.index(d) if d in DIR_ORDER else 99, d))
        return ['- %s: %s' % (DIR_ROLE.get(d, d),
                              ', '.join('[%s](../%s)' % (p, p) for p in groups[d]))
                for d in order]

    def directive(self, where, name, args, html):
        want = {'include': (2, 2), 'twin': (4, 4), 'files': (1, 99)}
        if name not in want:
            self.errors.append('%s: unknown directive @%s (known: @include, @twin, @files)'
                               % (where, name))
            return []
        low, high = want[name]
        if not low <= len(args) <= high:
            self.errors.append('%s: @%s takes %s arguments, got %d' % (
                where, name, low if low == high else 'at least %d' % low, len(args)))
            return []
        if name == 'include':
            return self.listing(where, args[0], args[1], None, html)
        if name == 'twin':
            return self.twin(where, args, html)
        return self.files(where, args)

    # -- tokens --

    def token(self, where, kind, arg):
        if kind in ('page', 'ref'):
            if not ID_RE.match(arg):
                self.errors.append('%s: {{%s:%s}} wants an ID such as C05' % (where, kind, arg))
                return arg
            page = self.by_id.get(arg)
            if kind == 'page':
                return '[%s](%s)' % (page.title, page.name) if page else '*page to come*'
            return '[%s](%s)' % (arg, page.name) if page else arg
        if kind == 'link':
            parts = arg.split('|')
            if len(parts) != 3:
                self.errors.append('%s: {{link:PATH|TEXT|FALLBACK}} needs three parts' % where)
                return arg
            exists = os.path.exists(os.path.join(self.root, 'docs', parts[0].split('#')[0]))
            return '[%s](%s)' % (parts[1], parts[0]) if exists else parts[2]
        self.errors.append('%s: unknown token {{%s:...}} (known: page, ref, link)' % (where, kind))
        return '{{%s:%s}}' % (kind, arg)

    def tokens(self, where, text):
        return TOKEN_RE.sub(lambda m: self.token(where, m.group(1), m.group(2)), text)

    # -- pages --

    def expand(self, page, html):
        out, fence, titled = [], None, False
        for no, line in enumerate(page.text.rstrip('\n').split('\n'), 1):
            where = '%s:%d' % (page.src, no)
            now = fence_step(line, fence)
            if fence is not None or now is not None:
                out.append(line)
            elif DIRECTIVE_RE.match(line):
                m = DIRECTIVE_RE.match(line)
                out.extend(self.directive(where, m.group(1), (m.group(2) or '').split(), html))
            else:
                out.append(outside_code(line, lambda s: self.tokens(where, s)))
                if not titled and line.startswith('# '):
                    titled = True
                    if page.name != 'index.md':
                        out.extend(['', '[Index of all concepts](index.md)'])
            fence = now
        return '\n'.join(out).strip('\n') + '\n'

    def markdown(self, page):
        head = ('%s from %s: edit that file, then run `make docs`. -->\n\n' % (WOVEN_MARK, page.src))
        return head + self.expand(page, html=False)

    def html_source(self, page, outdir):
        return map_prose(self.expand(page, html=True),
                         lambda s: LINK_RE.sub(lambda m: m.group(1) + self.html_target(
                             m.group(2), outdir) + m.group(3), s))

    def html_target(self, target, outdir):
        """A link of a page in docs/, rewritten for the site in outdir: pages become .html, other
        files are reached from outdir; GitHub line anchors (#L10-L20) mean nothing there."""
        if SCHEME_RE.match(target) or target.startswith('#'):
            return target
        path, _, frag = target.partition('#')
        resolved = os.path.normpath(os.path.join(self.root, 'docs', path))
        docs = os.path.normpath(os.path.join(self.root, 'docs'))
        if os.path.dirname(resolved) == docs \
                and any(p.name == os.path.basename(resolved) for p in self.pages):
            return os.path.basename(resolved)[:-3] + '.html' + ('#' + frag if frag else '')
        if resolved.lower().endswith(IMAGE_SUFFIXES) and resolved.startswith(docs + os.sep) \
                and os.path.isfile(resolved):
            # A figure travels with the site (copied by write_html), so the site can be moved.
            inside = os.path.relpath(resolved, docs).replace(os.sep, '/')
            self.assets.add(inside)
            return inside + ('#' + frag if frag else '')
        rel = os.path.relpath(resolved, os.path.abspath(outdir)).replace(os.sep, '/')
        return rel + ('#' + frag if frag and not re.match(r'^L\d', frag) else '')

    def check_links(self, page, text):
        """Relative links must reach a file of the tree or a page this weave writes."""
        woven = {p.name for p in self.pages}

        def visit(s):
            for m in LINK_RE.finditer(s):
                target = m.group(2)
                if SCHEME_RE.match(target) or target.startswith('#'):
                    continue
                path = target.split('#')[0]
                if path not in woven and not os.path.exists(os.path.join(self.root, 'docs', path)):
                    self.errors.append('%s: link to %s, which does not exist (woven from %s)'
                                       % (page.out, target, page.src))
            return s
        map_prose(text, visit)


# ---- the three jobs ------------------------------------------------------------------------------

def woven_orphans(root, pages):
    """Pages in docs/ that the weaver wrote but whose source is gone."""
    names = {p.name for p in pages}
    docs = os.path.join(root, 'docs')
    orphans = []
    for name in sorted(os.listdir(docs)) if os.path.isdir(docs) else []:
        if name.endswith('.md') and name not in names:
            with open(os.path.join(docs, name), encoding='utf-8', errors='replace') as f:
                if f.read(len(WOVEN_MARK)) == WOVEN_MARK:
                    orphans.append('docs/' + name)
    return orphans


def weave_all(root):
    """The Weaver and {page: Markdown text}; errors are in weaver.errors."""
    w = Weaver(root)
    texts = {}
    for page in w.pages:
        texts[page.name] = w.markdown(page)
        w.check_links(page, texts[page.name])
    return w, texts


def unused_regions(w, pending):
    """(errors, notes) about regions no page includes, given the pending list."""
    errors, notes = [], []
    for name in sorted(set(w.regions) - w.used):
        r = w.regions[name]
        if name in pending:
            notes.append('region "%s" (%s:%d) waits for its page (listed in %s)'
                         % (name, r.path, r.marker, PENDING))
        else:
            errors.append('region "%s" (%s:%d) is never included by any page in docs/src/: include '
                          'it, or list it in %s until its page is written'
                          % (name, r.path, r.marker, PENDING))
    for name, no in sorted(pending.items()):
        if name not in w.regions:
            errors.append('%s:%d: "%s" is not a region in the tree' % (PENDING, no, name))
        elif name in w.used:
            errors.append('%s:%d: "%s" is included by a page now: remove it from the list'
                          % (PENDING, no, name))
    return errors, notes


def stale_pages(root, w, texts):
    errors = []
    for page in w.pages:
        path = os.path.join(root, page.out)
        if not os.path.exists(path):
            errors.append('%s is missing (woven from %s): run `make docs`' % (page.out, page.src))
            continue
        with open(path, encoding='utf-8') as f:
            old = f.read()
        if old != texts[page.name]:
            diff = list(difflib.unified_diff(old.split('\n'), texts[page.name].split('\n'),
                                             page.out, 'fresh weave of ' + page.src, lineterm='', n=1))
            errors.append('%s is stale (differs from a fresh weave of %s): run `make docs`\n    %s'
                          % (page.out, page.src, '\n    '.join(diff[:14])))
    for orphan in woven_orphans(root, w.pages):
        errors.append('%s was woven from a page source that no longer exists: run `make docs`'
                      % orphan)
    return errors


def report(errors, notes, prog):
    for note in notes:
        print('%s: note: %s' % (prog, note), file=sys.stderr)
    for e in errors:
        print('%s: %s' % (prog, e), file=sys.stderr)
    return 1 if errors else 0


def check(root):
    w, texts = weave_all(root)
    pending = read_pending(root, w.errors)
    unused_errors, notes = unused_regions(w, pending)
    errors = w.errors + unused_errors + stale_pages(root, w, texts)
    if errors:
        report(errors, notes, 'docs-check')
        print('docs-check: %d problem(s)' % len(errors), file=sys.stderr)
        return 1
    report([], notes, 'docs-check')
    print('docs-check: %d pages, %d regions, all woven pages fresh' % (len(w.pages), len(w.regions)))
    return 0


def write_markdown(root):
    w, texts = weave_all(root)
    pending = read_pending(root, w.errors)
    unused_errors, notes = unused_regions(w, pending)
    if w.errors:
        return report(w.errors, notes, 'weave'), w
    report([], notes + ['(not yet an error here; `make check` fails on it) ' + e
                        for e in unused_errors], 'weave')
    changed = 0
    for page in w.pages:
        path = os.path.join(root, page.out)
        old = None
        if os.path.exists(path):
            with open(path, encoding='utf-8') as f:
                old = f.read()
        if old != texts[page.name]:
            write_atomic(path, texts[page.name])
            changed += 1
    for orphan in woven_orphans(root, w.pages):
        os.unlink(os.path.join(root, orphan))
        print('weave: removed %s (its source is gone)' % orphan)
    print('weave: %d pages (%d rewritten) in docs/' % (len(w.pages), changed))
    return 0, w


def write_html(root, w, outdir):
    pandoc = shutil.which('pandoc')
    if pandoc is None:
        print('weave: pandoc is not installed (scripts/install-deps.sh installs it)', file=sys.stderr)
        return 1
    os.makedirs(outdir, exist_ok=True)
    shutil.copyfile(os.path.join(root, 'docs', 'style.css'), os.path.join(outdir, 'style.css'))
    for page in w.pages:
        fd, tmp = tempfile.mkstemp(dir=outdir, prefix='.weave-', suffix='.html')
        os.close(fd)
        # --columns: no source line counts as "too long", so tables get the browser's own column
        # widths instead of equal ones.
        cmd = [pandoc, '--from', 'markdown', '--to', 'html5', '--standalone', '--mathml',
               '--columns=100000',
               '--css', 'style.css', '--metadata', 'pagetitle=' + page.plain_title(),
               '--output', tmp]
        run = subprocess.run(cmd, input=w.html_source(page, outdir).encode('utf-8'),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if run.returncode != 0:
            os.unlink(tmp)
            print('weave: pandoc failed on %s:\n%s' % (page.src, run.stderr.decode(errors='replace')),
                  file=sys.stderr)
            return 1
        os.replace(tmp, os.path.join(outdir, page.html))
    for inside in sorted(w.assets):
        target = os.path.join(outdir, *inside.split('/'))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(root, 'docs', *inside.split('/')), target)
    keep = {p.html for p in w.pages}
    for name in os.listdir(outdir):
        if name.endswith('.html') and name not in keep:
            os.unlink(os.path.join(outdir, name))
    print('weave: %d HTML pages and %d images in %s' % (len(w.pages), len(w.assets), outdir))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description='Weave lrlab docs from docs/src and the sources.')
    parser.add_argument('--root', default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--check', action='store_true', help='verify only; write nothing')
    mode.add_argument('--html', metavar='DIR', help='also write the HTML site into DIR')
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    if args.check:
        return check(root)
    status, w = write_markdown(root)
    if status == 0 and args.html:
        status = write_html(root, w, os.path.abspath(args.html))
    return status


if __name__ == '__main__':
    sys.exit(main())
