#!/usr/bin/env python3
"""Joins gemm-bench's JSON with the numpy (and torch) peers' JSON into one side-by-side table.

    python3 benchmarks/compare.py --swift results/gemm-swift-*.json --numpy results/gemm-numpy-*.json \
        [--torch results/gemm-torch.json] [--markdown table.md]

Several files per tool are merged (run-gemm.sh runs each precision as its own chunk). Rows are
(precision, threads, shape); ratios are GFLOP/s ratios, so above 1 means the left one is faster.
"""

import argparse
import json
import os
import sys


def load(paths):
    reports = []
    for path in paths or []:
        if os.path.exists(path):
            with open(path) as source:
                reports.append(json.load(source))
        else:
            print(f"compare: {path} not found; left out", file=sys.stderr)
    return reports


def key(record):
    return (record["precision"], record["threads"], record["shape"])


def index(reports):
    table = {}
    for report in reports:
        for r in report["measurements"]:
            table[key(r) + (r["kernel"],)] = r
    return table


def number(value, digits=2):
    return "—" if value is None else f"{value:.{digits}f}"


def ratio(top, bottom):
    if top is None or bottom is None:
        return None
    return top["gflops"] / bottom["gflops"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swift", nargs="+", required=True, help="gemm-bench --json files.")
    parser.add_argument("--numpy", nargs="*", default=[], help="gemm_numpy.py --json files.")
    parser.add_argument("--torch", nargs="*", default=[], help="gemm_torch.py --json files.")
    parser.add_argument("--markdown", help="Also write the tables as Markdown to this file.")
    arguments = parser.parse_args()

    swift_reports = load(arguments.swift)
    if not swift_reports:
        sys.exit("compare: no gemm-bench results to compare")
    numpy_reports = load(arguments.numpy)
    torch_reports = load(arguments.torch)
    table = index(swift_reports + numpy_reports + torch_reports)
    has_torch = bool(torch_reports)

    peaks = {}
    for report in swift_reports:
        peaks.update(report.get("peaks", {}))

    rows_order = []
    for report in swift_reports:
        for r in report["measurements"]:
            if r["kernel"] == "cblas" and key(r) not in rows_order:
                rows_order.append(key(r))

    headers = ["shape", "thr", "naive", "Swift loop", "Matrix.dot", "into", "raw cblas", "numpy"]
    if has_torch:
        headers.append("torch")
    headers += ["dot/raw", "into/raw", "raw/numpy", "dot/numpy", "raw/naive", "raw %peak"]

    lines_out = []
    for precision in ["double", "float"]:
        keys = [k for k in rows_order if k[0] == precision]
        if not keys:
            continue
        peak = peaks.get(precision)
        peak_text = ""
        if peak:
            basis = peak["basis"]
            peak_value = peak["measured_gflops"] if basis == "measured" else peak["theoretical_gflops"]
            detail = ("measured: best raw sample on 2048², all threads; theoretical "
                      f"{peak['theoretical_gflops']:.1f}" if basis == "measured"
                      else "theoretical: cores × flops/cycle × clock from /proc/cpuinfo")
            peak_text = f"; % of peak against {peak_value:.1f} GFLOP/s ({detail})"
        title = f"{precision.capitalize()}: GFLOP/s at the median time{peak_text}"
        rows = []
        for (_, threads, shape) in keys:
            get = lambda kernel, t=threads: table.get((precision, t, shape, kernel))  # noqa: E731
            naive = table.get((precision, 1, shape, "naive"))
            loop = table.get((precision, 1, shape, "loop"))
            dot, into, raw = get("dot"), get("multiply_into"), get("cblas")
            numpy, torch = get("numpy"), get("torch")
            row = [shape, str(threads),
                   number(naive and naive["gflops"]) if naive else "skip",
                   number(loop and loop["gflops"]) if loop else "skip",
                   number(dot and dot["gflops"]) if dot else "n/a",
                   number(into and into["gflops"]), number(raw["gflops"]),
                   number(numpy and numpy["gflops"])]
            if has_torch:
                row.append(number(torch and torch["gflops"]))
            row += [number(ratio(dot, raw), 3), number(ratio(into, raw), 3), number(ratio(raw, numpy), 2),
                    number(ratio(dot, numpy), 2),
                    (f"{ratio(raw, naive):.0f}×" if naive else "—"),
                    number(100 * raw["gflops"] / peak_value, 1) if peak else "—"]
            rows.append(row)
        lines_out.append((title, rows))

    # Terminal.
    for title, rows in lines_out:
        print()
        print(title)
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(headers, widths))))
        for row in rows:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    overhead = overhead_rows(table, rows_order)
    if overhead:
        print()
        print("Per-call time and overhead over raw cblas, median ns (numpy: np.dot's whole call)")
        for row in overhead:
            print("  ".join(row))

    if arguments.markdown:
        with open(arguments.markdown, "w") as output:
            for title, rows in lines_out:
                output.write(f"\n**{title}**\n\n")
                output.write("| " + " | ".join(headers) + " |\n")
                output.write("|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|\n")
                for row in rows:
                    output.write("| " + " | ".join(row) + " |\n")
            if overhead:
                output.write("\n**Per-call overhead at tiny sizes** (median ns; goal: into ≤ ~10 ns, dot ≤ ~40 ns "
                             "over raw)\n\n")
                output.write("| shape | precision | thr | raw cblas | into − raw | dot − raw | numpy np.dot |\n")
                output.write("|---|---|---:|---:|---:|---:|---:|\n")
                for row in overhead:
                    output.write("| " + " | ".join(row) + " |\n")
        print(f"wrote {arguments.markdown}", file=sys.stderr)


def overhead_rows(table, rows_order):
    rows = []
    for (precision, threads, shape) in rows_order:
        if shape not in ("4²", "4×3·3×4", "16²"):
            continue
        raw = table.get((precision, threads, shape, "cblas"))
        into = table.get((precision, threads, shape, "multiply_into"))
        dot = table.get((precision, threads, shape, "dot"))
        numpy = table.get((precision, threads, shape, "numpy"))
        if not (raw and into and dot):
            continue
        ns = lambda r: r["median_seconds"] * 1e9  # noqa: E731
        rows.append([shape, precision, str(threads), f"{ns(raw):.1f}", f"{ns(into) - ns(raw):+.1f}",
                     f"{ns(dot) - ns(raw):+.1f}", f"{ns(numpy):.0f}" if numpy else "—"])
    return rows


if __name__ == "__main__":
    main()
