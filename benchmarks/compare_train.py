"""Joins train-bench's and the peers' JSON records and prints the ratios the issues ask for.

    python3 benchmarks/compare_train.py benchmarks/results/train-*.json
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
    ours = {(r["workload"], r["precision"]): r for r in records if r["peer"] == "swift"}
    print()
    print("| workload | precision | ours (s) | floor (s) | ours/floor | peer | peer (s) | ours/peer | peer/ours | our test acc. | peer test acc. |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|---:|---:|")
    for r in records:
        if r["peer"] == "swift":
            continue
        mine = ours.get((r["workload"], r["precision"]))
        if mine is None:
            continue
        floor = mine.get("floorSeconds")
        ratio_floor = f"{mine['medianSeconds'] / floor:.2f}" if floor else "—"
        floor_text = f"{floor:.3f}" if floor else "—"
        ours_acc = f"{mine['testAccuracy']:.4f}" if mine.get("testAccuracy") is not None else "—"
        peer_acc = f"{r['testAccuracy']:.4f}" if r.get("testAccuracy") is not None else "—"
        print(f"| {r['workload']} | {r['precision']} | {mine['medianSeconds']:.4f} | {floor_text} | {ratio_floor} | "
              f"{r['peer']} | {r['medianSeconds']:.4f} | {mine['medianSeconds'] / r['medianSeconds']:.3f} | "
              f"{r['medianSeconds'] / mine['medianSeconds']:.1f}× | {ours_acc} | {peer_acc} |")


if __name__ == "__main__":
    main(sys.argv[1:])
