"""Shared by the gemm peer scripts: the shapes and the timing method of gemm-bench.

Timing (the same as benchmarks/gemm-bench/Timing.swift): calibrate how many back-to-back calls fill a
sample of at least 50 ms (5 ms with --quick), one warm-up sample, then up to 9 samples (fewer when a
call is long, never fewer than 3), per-call time = sample time / calls. Report the median and the
spread (min, max, quartiles) and GFLOP/s = 2·m·n·k / median.
"""

import argparse
import datetime
import json
import platform
import sys
import time

FULL = dict(min_sample=0.05, max_samples=9, min_samples=3, budget=1.0)
QUICK = dict(min_sample=0.005, max_samples=3, min_samples=2, budget=0.05)

SQUARES = [4, 16, 64, 128, 256, 512, 1024, 2048]
QUICK_SQUARES = [4, 16, 64, 128]

# (m, n, k, transpose_left, transpose_right), as in gemm-bench's ProductShape.rectangular.
RECTANGULAR = [
    (4, 4, 3, False, False),
    (128, 256, 784, False, False),
    (128, 128, 256, False, False),
    (128, 10, 128, False, False),
    (784, 256, 128, True, False),
    (128, 784, 256, False, True),
]


def label(m, n, k, tl, tr):
    """The shape's name as gemm-bench prints it."""
    if m == n == k and not tl and not tr:
        return f"{m}²"
    left = f"({k}×{m})ᵀ" if tl else f"{m}×{k}"
    right = f"({n}×{k})ᵀ" if tr else f"{k}×{n}"
    return f"{left}·{right}"


def parse_arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="Smoke mode: small sizes, short samples.")
    parser.add_argument("--sizes", help="Comma-separated square sizes, or 'none'.")
    parser.add_argument("--no-rectangular", action="store_true", help="Leave out the rectangular shapes.")
    parser.add_argument("--precision", choices=["float", "double", "both"], default="both")
    parser.add_argument("--threads", default="1,2", help="Comma-separated thread counts.")
    parser.add_argument("--json", help="Write the measurements as JSON to this file.")
    return parser.parse_args()


def shapes(arguments):
    if arguments.sizes == "none":
        squares = []
    elif arguments.sizes:
        squares = [int(s) for s in arguments.sizes.split(",")]
    else:
        squares = QUICK_SQUARES if arguments.quick else SQUARES
    result = [(s, s, s, False, False) for s in squares]
    if not arguments.no_rectangular:
        result += RECTANGULAR
    return result


def precisions(arguments):
    return ["double", "float"] if arguments.precision == "both" else [arguments.precision]


def thread_counts(arguments):
    return [int(t) for t in arguments.threads.split(",")]


def measure(plan, call):
    """Per-call seconds of `call`, as a list of samples, and the calls per sample."""
    iterations = 1
    while True:
        start = time.perf_counter()
        for _ in range(iterations):
            call()
        elapsed = time.perf_counter() - start
        if elapsed >= plan["min_sample"] / 10:
            break
        iterations *= 2
    per_call = max(elapsed / iterations, 1e-10)
    per_sample = max(1, int(-(-plan["min_sample"] // per_call)))
    sample_count = min(plan["max_samples"], max(plan["min_samples"], int(plan["budget"] / (per_call * per_sample))))
    if per_sample > 1:
        for _ in range(per_sample):
            call()
    samples = []
    for _ in range(sample_count):
        start = time.perf_counter()
        for _ in range(per_sample):
            call()
        samples.append((time.perf_counter() - start) / per_sample)
    return samples, per_sample


def quantile(values, q):
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def record(shape, precision, threads, kernel, samples, per_sample, error_ratio):
    m, n, k, tl, tr = shape
    flops = 2.0 * m * n * k
    median = quantile(samples, 0.5)
    return {
        "shape": label(*shape), "m": m, "n": n, "k": k, "transpose_left": tl, "transpose_right": tr,
        "precision": precision, "threads": threads, "kernel": kernel,
        "median_seconds": median, "minimum_seconds": min(samples), "maximum_seconds": max(samples),
        "lower_quartile_seconds": quantile(samples, 0.25), "upper_quartile_seconds": quantile(samples, 0.75),
        "gflops": flops / median / 1e9, "best_gflops": flops / min(samples) / 1e9,
        "samples": len(samples), "iterations_per_sample": per_sample, "error_ratio": error_ratio,
    }


def tolerance_ratio(np, c, a_op, b_op, precision):
    """Worst |c − exact| / ((4·√k + 4)·ε · Σ|a||b|), as gemm-bench checks (exact: float64 product)."""
    a64 = a_op.astype(np.float64)
    b64 = b_op.astype(np.float64)
    exact = a64 @ b64
    magnitude = np.abs(a64) @ np.abs(b64)
    k = a_op.shape[1]
    epsilon = float(np.finfo(np.float32 if precision == "float" else np.float64).eps)
    tolerance = (4 * k ** 0.5 + 4) * epsilon
    return float(np.max(np.abs(c.astype(np.float64) - exact) / (tolerance * magnitude + 1e-300)))


def write(arguments, tool, library, measurements):
    report = {
        "tool": tool, "library": library, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "command": " ".join(sys.argv), "python": platform.python_version(), "measurements": measurements,
    }
    if arguments.json:
        with open(arguments.json, "w") as output:
            json.dump(report, output, indent=2, ensure_ascii=False)
        print(f"wrote {arguments.json}", file=sys.stderr)
    return report


def print_table(tool, measurements):
    print(f"{'shape':20} {'precision':9} {'thr':>3} {'GFLOP/s':>8} {'median':>11} {'[min, max]':>23}")
    for r in measurements:
        print(f"{r['shape']:20} {r['precision']:9} {r['threads']:>3} {r['gflops']:>8.2f} "
              f"{duration(r['median_seconds']):>11} "
              f"{'[' + duration(r['minimum_seconds']) + ', ' + duration(r['maximum_seconds']) + ']':>23}")


def duration(seconds):
    if seconds < 1e-6:
        return f"{seconds * 1e9:.1f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
