#!/usr/bin/env python3
"""np.dot on gemm-bench's shapes, timed the same way (see gemm_common.py), with JSON output.

Run it as benchmarks/run-gemm.sh does, with the OpenBLAS overrides of some machines removed from this
command only, so numpy's own OpenBLAS picks its kernel for the processor:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 benchmarks/peers/gemm_numpy.py --json numpy.json

The kernel numpy used is reported (threadpoolctl when installed; otherwise numpy's OpenBLAS asked
directly through ctypes; otherwise numpy.show_config's build line). Thread counts are set per
measurement the same ways.
"""

import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemm_common as common  # noqa: E402

try:
    import numpy as np
except ImportError:
    print("gemm_numpy: numpy is not installed; skipping the numpy peer", file=sys.stderr)
    sys.exit(0)


class OpenBLASControl:
    """Reads numpy's OpenBLAS core name and sets its thread count."""

    def __init__(self):
        self.method = None
        self.core = "unknown"
        self.version = "unknown"
        self.library = None
        self.controller = None
        try:
            import threadpoolctl

            self.controller = threadpoolctl.ThreadpoolController()
            for info in self.controller.info():
                if info.get("internal_api") == "openblas" or info.get("user_api") == "blas":
                    self.core = info.get("architecture") or "unknown"
                    self.version = f"{info.get('internal_api')} {info.get('version')}"
                    self.method = "threadpoolctl"
                    break
        except ImportError:
            pass
        if self.method is None:
            self._find_with_ctypes()
        if self.method is None:
            self.method = "numpy.show_config (build only: the runtime kernel is unknown)"
            try:
                blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
                self.version = f"{blas.get('name')} {blas.get('version')}"
                self.core = blas.get("openblas configuration", "unknown")
            except Exception:  # noqa: BLE001 - any failure leaves the core unknown, which is reported
                pass

    def _find_with_ctypes(self):
        """numpy's wheel bundles OpenBLAS with prefixed symbols; find the loaded library in our maps."""
        try:
            with open("/proc/self/maps") as maps:
                paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
        except OSError:
            return
        for path in sorted(paths):
            try:
                library = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix, suffix in (("scipy_openblas_", "64_"), ("scipy_openblas_", ""), ("openblas_", "")):
                try:
                    corename = getattr(library, f"{prefix}get_corename{suffix}")
                    config = getattr(library, f"{prefix}get_config{suffix}")
                    setter = getattr(library, f"{prefix}set_num_threads{suffix}")
                except AttributeError:
                    continue
                corename.restype = ctypes.c_char_p
                config.restype = ctypes.c_char_p
                self.core = corename().decode()
                self.version = config().decode().strip()
                self.library = setter
                self.method = f"ctypes ({os.path.basename(path)})"
                return

    def set_threads(self, count):
        if self.controller is not None:
            self.controller.limit(limits=count, user_api="blas")
        elif self.library is not None:
            self.library(ctypes.c_int(count))
        else:
            print("gemm_numpy: cannot set numpy's thread count; figures use its default", file=sys.stderr)


def main():
    arguments = common.parse_arguments(__doc__.splitlines()[0])
    plan = common.QUICK if arguments.quick else common.FULL
    blas = OpenBLASControl()
    overrides = {name: os.environ[name] for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if name in os.environ}
    print(f"numpy {np.__version__}; BLAS: {blas.version}; kernel: {blas.core} (found by {blas.method})")
    if overrides:
        print(f"note: {overrides} set in the environment; numpy's kernel choice is overridden", file=sys.stderr)

    generator = np.random.default_rng(0x5EED)
    measurements = []
    for precision in common.precisions(arguments):
        dtype = np.float32 if precision == "float" else np.float64
        for shape in common.shapes(arguments):
            m, n, k, tl, tr = shape
            print(f"  measuring numpy {precision} {common.label(*shape)}", file=sys.stderr)
            a = generator.uniform(-1, 1, size=(k, m) if tl else (m, k)).astype(dtype)
            b = generator.uniform(-1, 1, size=(n, k) if tr else (k, n)).astype(dtype)
            a_op = a.T if tl else a  # a view: numpy passes the transpose flag to gemm, as gemm-bench does
            b_op = b.T if tr else b
            for threads in common.thread_counts(arguments):
                blas.set_threads(threads)
                result = {}

                def call():
                    result["c"] = np.dot(a_op, b_op)

                samples, per_sample = common.measure(plan, call)
                ratio = common.tolerance_ratio(np, result["c"], a_op, b_op, precision)
                if not ratio <= 1:
                    print(f"gemm_numpy: wrong product for {common.label(*shape)} {precision}: "
                          f"{ratio} times the tolerance; refusing to report", file=sys.stderr)
                    sys.exit(1)
                measurements.append(common.record(shape, precision, threads, "numpy", samples, per_sample, ratio))
    report = common.write(arguments, "gemm_numpy", {
        "name": "numpy", "version": np.__version__, "blas": blas.version, "core": blas.core,
        "core_found_by": blas.method, "environment_overrides": overrides,
    }, measurements)
    common.print_table("numpy", report["measurements"])


if __name__ == "__main__":
    main()
