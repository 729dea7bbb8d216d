#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Draws the tiering demo's samples (qemu/scripts/demo-tiering.sh) as an
SVG: where the buffer's pages are (node 0, DRAM; node 1, the kmem memory)
and how much of each node is in use, over time, with the demo's phases.

    scripts/tiering-plot.py CONSOLE_LOG OUT.svg

The log's lines "sample UPTIME BUF_N0 BUF_N1 USED_N0 USED_N1" (MiB) and
"phase UPTIME TEXT" are read; anything else is ignored."""

import sys
from html import escape

W, H = 900, 540
L, R, T, B = 64, 24, 52, 230  # plot margins: left, right, top, bottom
SERIES = (  # (column, colour, dashed, label)
    (0, "#1f5fa8", False, "buffer on node 0 (DRAM)"),
    (1, "#d0661c", False, "buffer on node 1 (kmem)"),
    (2, "#1f5fa8", True, "node 0 in use"),
    (3, "#d0661c", True, "node 1 in use"),
)


def parse(path):
    """Returns ([(t, [v0, v1, v2, v3])], [(t, text)]) from the log."""
    samples, phases = [], []
    with open(path, errors="replace") as f:
        for line in f:
            w = line.split()
            try:
                if len(w) == 6 and w[0] == "sample":
                    samples.append((float(w[1]), [int(x) for x in w[2:]]))
                elif len(w) >= 3 and w[0] == "phase":
                    phases.append((float(w[1]), " ".join(w[2:])))
            except ValueError:
                continue
    return samples, phases


def nice_step(span, ticks=6):
    """A 1, 2 or 5 times a power of ten step giving about `ticks` ticks."""
    raw = span / ticks
    p = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        if m * p >= raw:
            return m * p
    return 10 * p


def draw(samples, phases):
    t0 = samples[0][0]
    t1 = max(samples[-1][0], phases[-1][0] if phases else 0)
    ymax = max(max(v) for _, v in samples) * 1.08 or 1
    pw, ph = W - L - R, H - T - B

    def sx(t):
        return L + pw * (t - t0) / ((t1 - t0) or 1)

    def sy(v):
        return T + ph * (1 - v / ymax)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="22" font-size="15" font-weight="bold">'
           'kmem memory as a tier of RAM: a buffer demoted, promoted and unplugged</text>',
           f'<text x="{L}" y="40" fill="#555">hmem guest with an HMAT (node 1: 300 ns, 8 GB/s; '
           'node 0: 100 ns, 20 GB/s), our kmem, make demo PMEM=tiering</text>']
    ystep = nice_step(ymax)
    v = 0
    while v <= ymax:
        out.append(f'<line x1="{L}" y1="{sy(v):.1f}" x2="{L + pw}" y2="{sy(v):.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{L - 6}" y="{sy(v) + 4:.1f}" text-anchor="end">{v:g}</text>')
        v += ystep
    tstep = nice_step(t1 - t0, 10)
    t = 0
    while t0 + t <= t1:
        x = sx(t0 + t)
        out.append(f'<text x="{x:.1f}" y="{T + ph + 16}" text-anchor="middle">{t:g}</text>')
        t += tstep
    out.append(f'<text x="{L + pw / 2}" y="{T + ph + 34}" text-anchor="middle">seconds</text>')
    out.append(f'<text x="16" y="{T + ph / 2}" transform="rotate(-90 16 {T + ph / 2})" '
               'text-anchor="middle">MiB</text>')
    out.append(f'<rect x="{L}" y="{T}" width="{pw}" height="{ph}" fill="none" stroke="#888"/>')
    for i, (pt, _) in enumerate(phases, 1):
        x = sx(pt)
        out.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{T + ph}" stroke="#999" '
                   'stroke-dasharray="2 3"/>')
        out.append(f'<text x="{x + 3:.1f}" y="{T + 13}" fill="#333">{i}</text>')
    for col, colour, dashed, _ in SERIES:
        pts = " ".join(f"{sx(st):.1f},{sy(vals[col]):.1f}" for st, vals in samples)
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        width = 1.3 if dashed else 2.4
        out.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                   f'stroke-width="{width}"{dash}/>')
    y = T + ph + 56
    for i, (col, colour, dashed, label) in enumerate(SERIES):
        x = L + (i % 2) * 260
        yy = y + (i // 2) * 18
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        out.append(f'<line x1="{x}" y1="{yy - 4}" x2="{x + 28}" y2="{yy - 4}" stroke="{colour}" '
                   f'stroke-width="{1.3 if dashed else 2.4}"{dash}/>')
        out.append(f'<text x="{x + 36}" y="{yy}">{escape(label)}</text>')
    for i, (_, text) in enumerate(phases, 1):
        out.append(f'<text x="{L}" y="{y + 44 + (i - 1) * 16}">{i}. {escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    samples, phases = parse(sys.argv[1])
    if not samples:
        sys.exit(f"{sys.argv[1]}: no sample lines")
    with open(sys.argv[2], "w") as f:
        f.write(draw(samples, phases))


if __name__ == "__main__":
    main()
