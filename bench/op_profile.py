#!/usr/bin/env python3
"""Where the time of a loss+gradient evaluation goes, by operator type, from an ONNX Runtime
profiler trace (`cargo bench -p pastiche-core --bench loss_gradient -- SIDE RUNS THREADS profile`
prints its path). The first run is a warm-up and is left out.

    op_profile.py TRACE.json      -> a Markdown table: operator, ms per run, share of the kernel time
"""
import collections
import json
import sys


def main():
    events = json.load(open(sys.argv[1]))
    runs = sorted(e["ts"] for e in events if e.get("name") == "model_run")
    measured = runs[1:]
    start = measured[0]
    by_op = collections.Counter()
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time") and e["ts"] >= start:
            by_op[e["args"]["op_name"]] += e["dur"]
    total = sum(by_op.values())
    print(f"| operator | ms per run | share |")
    print(f"| --- | --- | --- |")
    for op, us in by_op.most_common():
        print(f"| {op} | {us / 1e3 / len(measured):.1f} | {100 * us / total:.1f} % |")
    print(f"| all kernels | {total / 1e3 / len(measured):.1f} | 100 % |")


if __name__ == "__main__":
    main()
