#!/usr/bin/env python3
"""Draws GFLOP/s against square size from gemm-bench's JSON as a hand-written SVG (no matplotlib).

    python3 benchmarks/plot_gemm.py --swift results/gemm-swift-*.json [--numpy results/gemm-numpy-*.json] \
        --output benchmarks/results/gemm.svg

Lines: naive i-j-k loop, cache-friendly Swift loop, Matrix.dot (OpenBLAS) and, when given, numpy's
np.dot; solid for Double, dashed for Float; BLAS lines at the largest thread count measured. Both axes
are logarithmic (size in powers of two, GFLOP/s in decades).
"""

import argparse
import json
import math
import os

WIDTH, HEIGHT = 840, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 260, 40, 60

SERIES = [  # kernel, label, colour
    ("naive", "naive i-j-k loop (Swift)", "#d62728"),
    ("loop", "i-k-j loop (Swift)", "#ff7f0e"),
    ("dot", "Matrix.dot (OpenBLAS)", "#1f77b4"),
    ("numpy", "numpy np.dot", "#2ca02c"),
]


def load(paths):
    measurements = []
    for path in paths or []:
        if os.path.exists(path):
            with open(path) as source:
                measurements += json.load(source)["measurements"]
    return measurements


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swift", nargs="+", required=True)
    parser.add_argument("--numpy", nargs="*", default=[])
    parser.add_argument("--output", default="benchmarks/results/gemm.svg")
    arguments = parser.parse_args()

    measurements = [r for r in load(arguments.swift) + load(arguments.numpy)
                    if r["m"] == r["n"] == r["k"] and not r["transpose_left"] and not r["transpose_right"]]
    threads = max((r["threads"] for r in measurements if r["kernel"] == "cblas"), default=1)
    lines = []
    for kernel, label, colour in SERIES:
        for precision, dash in (("double", ""), ("float", "6,4")):
            wanted = 1 if kernel in ("naive", "loop") else threads
            points = sorted((r["m"], r["gflops"]) for r in measurements
                            if r["kernel"] == kernel and r["precision"] == precision and r["threads"] == wanted)
            if points:
                lines.append((f"{label}, {precision}", colour, dash, points))
    if not lines:
        raise SystemExit("plot_gemm: no square-size measurements to plot")

    sizes = [p[0] for _, _, _, points in lines for p in points]
    values = [p[1] for _, _, _, points in lines for p in points if p[1] > 0]
    x_low, x_high = math.log2(min(sizes)), math.log2(max(sizes))
    if x_high == x_low:
        x_high += 1
    y_low = math.floor(math.log10(min(values)))
    y_high = math.ceil(math.log10(max(values)))
    if y_high == y_low:
        y_high += 1
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM

    def x(size):
        return LEFT + (math.log2(size) - x_low) / (x_high - x_low) * plot_width

    def y(value):
        return TOP + (1 - (math.log10(value) - y_low) / (y_high - y_low)) * plot_height

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="12">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
           f'<text x="{LEFT + plot_width / 2}" y="22" text-anchor="middle" font-size="15">'
           f'Matrix product n×n·n×n: GFLOP/s vs n (BLAS at {threads} thread{"s" if threads > 1 else ""})</text>']
    # Grid and ticks: every power of two on x, every decade (and 2, 5 between) on y.
    for exponent in range(int(x_low), int(x_high) + 1):
        px = x(2 ** exponent)
        svg.append(f'<line x1="{px:.1f}" y1="{TOP}" x2="{px:.1f}" y2="{TOP + plot_height}" stroke="#e5e5e5"/>')
        svg.append(f'<text x="{px:.1f}" y="{TOP + plot_height + 18}" text-anchor="middle">{2 ** exponent}</text>')
    for decade in range(y_low, y_high + 1):
        for factor in (1, 2, 5):
            value = factor * 10 ** decade
            if value > 10 ** y_high:
                continue
            py = y(value)
            svg.append(f'<line x1="{LEFT}" y1="{py:.1f}" x2="{LEFT + plot_width}" y2="{py:.1f}" '
                       f'stroke="{"#d0d0d0" if factor == 1 else "#f0f0f0"}"/>')
            text = f"{value:g}"
            svg.append(f'<text x="{LEFT - 6}" y="{py + 4:.1f}" text-anchor="end">{text}</text>')
    svg.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_width}" height="{plot_height}" fill="none" stroke="black"/>')
    svg.append(f'<text x="{LEFT + plot_width / 2}" y="{HEIGHT - 18}" text-anchor="middle">n (log scale)</text>')
    svg.append(f'<text x="18" y="{TOP + plot_height / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {TOP + plot_height / 2})">GFLOP/s (log scale)</text>')
    for label, colour, dash, points in lines:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(s):.1f},{y(v):.1f}" for i, (s, v) in enumerate(points))
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash_attribute}/>')
        for s, v in points:
            svg.append(f'<circle cx="{x(s):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"/>')
    # Legend.
    legend_x = LEFT + plot_width + 14
    for i, (label, colour, dash, _) in enumerate(lines):
        ly = TOP + 10 + i * 20
        dash_attribute = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<line x1="{legend_x}" y1="{ly}" x2="{legend_x + 24}" y2="{ly}" stroke="{colour}" '
                   f'stroke-width="2"{dash_attribute}/>')
        svg.append(f'<text x="{legend_x + 30}" y="{ly + 4}" font-size="11">{escape(label)}</text>')
    svg.append("</svg>")
    os.makedirs(os.path.dirname(os.path.abspath(arguments.output)), exist_ok=True)
    with open(arguments.output, "w") as output:
        output.write("\n".join(svg) + "\n")
    print(f"wrote {arguments.output}")


def escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


if __name__ == "__main__":
    main()
