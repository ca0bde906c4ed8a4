#!/usr/bin/env python3
"""torch.mm on gemm-bench's shapes, timed the same way (see gemm_common.py), with JSON output.

PyTorch is not part of this project's environment (it is several GB): install it into a virtual
environment (`python3 -m venv .venv-torch && .venv-torch/bin/pip install torch`) and run this script
with that interpreter. Without torch it says so and exits 0, writing no JSON.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemm_common as common  # noqa: E402

try:
    import numpy as np
    import torch
except ImportError as error:
    print(f"gemm_torch: skipped: {error.name} is not installed "
          "(python3 -m venv .venv-torch && .venv-torch/bin/pip install torch numpy)", file=sys.stderr)
    sys.exit(0)


def main():
    arguments = common.parse_arguments(__doc__.splitlines()[0])
    plan = common.QUICK if arguments.quick else common.FULL
    print(f"torch {torch.__version__}; {torch.__config__.parallel_info().splitlines()[0]}")
    generator = torch.Generator().manual_seed(0x5EED)
    measurements = []
    for precision in common.precisions(arguments):
        dtype = torch.float32 if precision == "float" else torch.float64
        for shape in common.shapes(arguments):
            m, n, k, tl, tr = shape
            print(f"  measuring torch {precision} {common.label(*shape)}", file=sys.stderr)
            a = torch.rand((k, m) if tl else (m, k), generator=generator, dtype=dtype) * 2 - 1
            b = torch.rand((n, k) if tr else (k, n), generator=generator, dtype=dtype) * 2 - 1
            a_op = a.t() if tl else a
            b_op = b.t() if tr else b
            for threads in common.thread_counts(arguments):
                torch.set_num_threads(threads)
                result = {}

                def call():
                    result["c"] = torch.mm(a_op, b_op)

                samples, per_sample = common.measure(plan, call)
                ratio = common.tolerance_ratio(np, result["c"].numpy(), a_op.numpy(), b_op.numpy(), precision)
                if not ratio <= 1:
                    print(f"gemm_torch: wrong product for {common.label(*shape)} {precision}: "
                          f"{ratio} times the tolerance; refusing to report", file=sys.stderr)
                    sys.exit(1)
                measurements.append(common.record(shape, precision, threads, "torch", samples, per_sample, ratio))
    report = common.write(arguments, "gemm_torch", {
        "name": "torch", "version": torch.__version__, "blas": str(torch.backends.mkl.is_available() and "MKL"),
    }, measurements)
    common.print_table("torch", report["measurements"])


if __name__ == "__main__":
    main()
