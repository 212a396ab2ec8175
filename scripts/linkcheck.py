#!/usr/bin/env python3
"""linkcheck.py ROOT: every relative link target in the repository's Markdown
exists, and every #anchor names a heading of its file (GitHub's slugs), so
the README's map and the docs' cross-references cannot rot when a section
moves. Exit 1 naming each broken link. A CI test (docs_links)."""
import re, os, subprocess, sys, unicodedata
root = sys.argv[1]
files = subprocess.check_output(['git', 'ls-files', '*.md'], cwd=root, text=True).split()
files += [f for f in subprocess.check_output(['git', 'ls-files', '--others', '--exclude-standard', '*.md'], cwd=root, text=True).split()]
def slug(h):
    h = re.sub(r'`', '', h.strip().lower())
    h = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', h)
    h = ''.join(c for c in h if c.isalnum() or c in ' -_')
    return h.replace(' ', '-')
def anchors(path):
    out = set(); fence = False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'): fence = not fence; continue
        if not fence:
            m = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
            if m: out.add(slug(m.group(2)))
    return out
bad = 0; n = 0
for f in files:
    text = open(os.path.join(root, f), encoding='utf-8').read()
    text = re.sub(r'```.*?```', '', text, flags=re.S)   # no links inside code blocks
    for m in re.finditer(r'\]\(([^)\s]+)\)', text):
        t = m.group(1)
        if re.match(r'^[a-z]+:', t): continue           # http:, mailto:
        n += 1
        path, _, anchor = t.partition('#')
        target = os.path.normpath(os.path.join(root, os.path.dirname(f), path)) if path else os.path.join(root, f)
        if not os.path.exists(target):
            print(f'{f}: missing {t}'); bad += 1; continue
        if anchor and anchor not in anchors(target):
            print(f'{f}: no anchor #{anchor} in {os.path.relpath(target, root)}'); bad += 1
print(f'{n} relative links checked, {bad} broken'); sys.exit(1 if bad else 0)
