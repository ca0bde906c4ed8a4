"""Joins train-bench's and the peers' JSON records and prints the ratios the issues ask for.

    python3 benchmarks/compare_train.py benchmarks/results/train-*.json

train-bench may hold several thread counts (`--threads 1,2,4`): a peer is compared with our record at its own
thread count when there is one, else with our last record of that workload and precision. The non-product
column is our epoch minus the floor epoch timed beside it (train-bench's `nonProductSeconds`).
"""
import json
import sys


def main(paths):
    records = []
    for path in paths:
        with open(path) as f:
            for record in json.load(f):
                record.setdefault("peer", "swift")
                records.append(record)
    ours = {}
    for r in records:
        if r["peer"] == "swift":
            ours[(r["workload"], r["precision"], r.get("threads"))] = r
            ours[(r["workload"], r["precision"], None)] = r
    sweep = [r for r in records if r["peer"] == "swift" and r.get("nonProductSeconds") is not None]
    if sweep:
        print()
        print("| workload | precision | threads | ours (s) | floor (s) | ours/floor | non-product (s) |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for r in sweep:
            print(f"| {r['workload']} | {r['precision']} | {r['threads']} | {r['medianSeconds']:.3f} | "
                  f"{r['floorSeconds']:.3f} | {r['medianSeconds'] / r['floorSeconds']:.2f} | {r['nonProductSeconds']:.3f} |")
    print()
    print("| workload | precision | threads | ours (s) | floor (s) | ours/floor | peer | peer (s) | ours/peer | peer/ours | our test acc. | peer test acc. |")
    print("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in records:
        if r["peer"] == "swift":
            continue
        mine = ours.get((r["workload"], r["precision"], r.get("threads"))) or ours.get((r["workload"], r["precision"], None))
        if mine is None:
            continue
        floor = mine.get("floorSeconds")
        ratio_floor = f"{mine['medianSeconds'] / floor:.2f}" if floor else "—"
        floor_text = f"{floor:.3f}" if floor else "—"
        ours_acc = f"{mine['testAccuracy']:.4f}" if mine.get("testAccuracy") is not None else "—"
        peer_acc = f"{r['testAccuracy']:.4f}" if r.get("testAccuracy") is not None else "—"
        print(f"| {r['workload']} | {r['precision']} | {mine.get('threads', '—')} | {mine['medianSeconds']:.4f} | {floor_text} | {ratio_floor} | "
              f"{r['peer']} | {r['medianSeconds']:.4f} | {mine['medianSeconds'] / r['medianSeconds']:.3f} | "
              f"{r['medianSeconds'] / mine['medianSeconds']:.1f}× | {ours_acc} | {peer_acc} |")


if __name__ == "__main__":
    main(sys.argv[1:])
