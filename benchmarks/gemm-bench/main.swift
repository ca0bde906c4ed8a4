print("gemm-bench: not yet")
