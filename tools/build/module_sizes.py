#!/usr/bin/env python3
"""Lines of main code per module: all lines, and code lines (no blank, comment or Javadoc line).

Usage: python3 tools/build/module_sizes.py [REV]   (default: the working tree; REV: a git revision)
docs/architecture.md quotes its output.
"""
import subprocess
import sys


def code_lines(text):
    n, in_block = 0, False
    for line in text.splitlines():
        t = line.strip()
        if in_block:
            in_block = '*/' not in t
            continue
        if not t or t.startswith('//'):
            continue
        if t.startswith('/*'):
            in_block = '*/' not in t
            continue
        n += 1
    return n


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else None
    if rev:
        files = subprocess.run(['git', 'ls-tree', '-r', '--name-only', rev],
                               capture_output=True, text=True, check=True).stdout.split()
    else:
        files = subprocess.run(['git', 'ls-files'], capture_output=True, text=True,
                               check=True).stdout.split()
    code, raw = {}, {}
    for f in files:
        if '/src/main/' not in f or not f.endswith('.java'):
            continue
        text = (subprocess.run(['git', 'show', f'{rev}:{f}'], capture_output=True, text=True,
                               check=True).stdout if rev else open(f, encoding='utf-8').read())
        m = f.split('/')[0]
        code[m] = code.get(m, 0) + code_lines(text)
        raw[m] = raw.get(m, 0) + len(text.splitlines())
    tc, tr = sum(code.values()), sum(raw.values())
    print(f"| module | code lines | share | all lines | share |")
    print(f"|---|---:|---:|---:|---:|")
    for m in sorted(code, key=lambda k: -code[k]):
        print(f"| {m} | {code[m]:,} | {code[m] / tc:.1%} | {raw[m]:,} | {raw[m] / tr:.1%} |")
    print(f"| total | {tc:,} | | {tr:,} | |")


if __name__ == '__main__':
    main()
