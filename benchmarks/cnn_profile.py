"""Where a convolutional training epoch's non-product time goes: attributes `perf` samples taken inside
`Sequential.train` to the image kernels, the activation, the update and the rest, by leaf function.

    perf record -F 999 -g -o cnn.data .build/release/train-bench cnn --threads 1 --epochs 1 --samples 6000
    python3 benchmarks/cnn_profile.py cnn.data

OpenBLAS is built without frame pointers, so its gemm samples carry no caller and are not counted:
the products are what `train-bench cnn`'s floor times. At 999 samples a second on one thread, a
category's samples / 999 is its seconds.
"""
import subprocess, sys, collections
data = sys.argv[1]
out = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym"], capture_output=True, text=True).stdout
samples = out.split("\n\n")
cats = collections.Counter(); leaves = collections.Counter(); total = 0
def category(chain):
    leaf = chain[0]
    text = " ".join(chain)
    if "gemm" in leaf or "gemm" in " ".join(chain[:4]) or "sgemv" in leaf: return "products (gemm)"
    if "unrollB0" in leaf or "unrollWindows" in leaf: return "im2col"
    if "foldB0" in leaf or "columnsToB0" in leaf or "foldWindows" in leaf: return "col2im"
    if "maxPool" in leaf or "averagePool" in leaf: return "pooling"
    if "rowsToImages" in leaf or "imagesToRows" in leaf: return "layout moves (rows <-> NCHW)"
    if "BatchNorm" in leaf: return "batch norm"
    if "Activation" in leaf or "Rectifier" in leaf or "transform" in leaf or "relu" in leaf: return "activation"
    if "Adam" in leaf or "Optimizer" in leaf or "UpdateRule" in leaf: return "update (Adam)"
    if "Dropout" in leaf or "Random" in leaf or "random" in leaf: return "dropout"
    if "memset" in leaf or "memmove" in leaf or "memcpy" in leaf: return "memset/memmove (" + next((c for c in chain[1:] if "Tensor" in c or "Network" in c), "?")[:60] + ")"
    return "other"
for s in samples:
    lines = [l.strip() for l in s.strip().split("\n") if l.strip()]
    if not lines: continue
    chain = [l.split(None, 1)[1] if len(l.split(None, 1)) > 1 else "?" for l in lines]
    if not any("SequentialC5train" in c for c in chain): continue
    total += 1
    cats[category(chain)] += 1
    leaves[chain[0][:100]] += 1
print(f"samples in Sequential.train: {total}")
for c, n in cats.most_common(): print(f"{100*n/total:6.1f}%  {c}")
print()
for c, n in leaves.most_common(15): print(f"{100*n/total:6.1f}%  {c}")
