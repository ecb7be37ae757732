#!/usr/bin/python3
"""Bar chart (SVG, no plotting library) of qf-bench-kernels' output: GOP/s of
every variant per shape and thread count.

  plot_kernels.py KERNELS.md OUT.svg
"""
import re
import sys

COLORS = {"QuantForge": "#1f77b4", "OpenBLAS": "#7f7f7f", "oneDNN": "#d62728"}


def parse(path):
    """[(title, [(variant, gops)])] in file order."""
    sections, current = [], None
    for line in open(path):
        m = re.match(r"M=(\d+) N=(\d+) K=(\d+), (\d+) threads?", line)
        if m:
            current = (f"{m.group(1)}x{m.group(2)}x{m.group(3)}, "
                       f"{m.group(4)}T", [])
            sections.append(current)
            continue
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if current and len(cells) == 4 and cells[0] not in ("variant", "---"):
            current[1].append((cells[0], float(cells[2])))
    return sections


def svg(sections, out):
    bar, gap, left, top, height = 9, 14, 250, 30, 150
    rows = sum(len(v) for _, v in sections) + len(sections)
    width = left + 420
    total = top + rows * bar + len(sections) * gap + 30
    peak = max(g for _, v in sections for _, g in v)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{total}" font-family="sans-serif" font-size="9">',
             f'<text x="{left}" y="15" font-size="11">GOP/s (2MNK / time), '
             'qf-bench-kernels</text>']
    y = top
    for title, variants in sections:
        parts.append(f'<text x="4" y="{y + 8}" font-weight="bold">{title}'
                     '</text>')
        y += bar
        for name, gops in variants:
            color = next((c for k, c in COLORS.items() if name.startswith(k)),
                         "#999")
            w = 400 * gops / peak
            parts.append(f'<text x="{left - 4}" y="{y + 7}" '
                         f'text-anchor="end">{name}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" '
                         f'height="{bar - 2}" fill="{color}"/>')
            parts.append(f'<text x="{left + w + 3:.1f}" y="{y + 7}">'
                         f'{gops:.1f}</text>')
            y += bar
        y += gap
    parts.append("</svg>")
    open(out, "w").write("\n".join(parts) + "\n")


if __name__ == "__main__":
    svg(parse(sys.argv[1]), sys.argv[2])
