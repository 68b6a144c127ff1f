#!/usr/bin/env python3
"""Medians and ratios of a bench/run.sh raw file (PASS ROUND PROXY METRIC VALUE)."""
import collections
import statistics
import sys

ROWS = [  # metric, label, higher is better
    ("ka_rps", "keep-alive requests/s", True),
    ("conn_rps", "new connections/s (1 req each)", True),
    ("bulk_mb_s", "bulk transfer MB/s", True),
    ("ka_p99_ms", "p99 latency, keep-alive (ms)", False),
    ("conn_p99_ms", "p99 latency, new conns (ms)", False),
    ("ka_cpu_us_per_req", "CPU us/request, keep-alive", False),
    ("conn_cpu_us_per_req", "CPU us/request, new conns", False),
    ("rss_idle_kb", "RSS idle (KiB)", False),
    ("rss_peak_kb", "RSS peak, VmHWM (KiB)", False),
    ("mem_per_conn_kb", "RSS per idle connection (KiB)", False),
]
ORDER = ["tandem", "haproxy", "nginx", "direct"]
OTHERS = ("haproxy", "nginx")


def fmt(v):
    if v is None:
        return "-"
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def paired_ratio(by_round, p, metric, higher):
    """Median over rounds of tandem / best-of-others measured in the same round.

    Rounds are interleaved, so this cancels slow drifts in machine load that
    the ratio of medians does not."""
    ratios = []
    for rnd in sorted({k[1] for k in by_round if k[0] == p}):
        t = by_round.get((p, rnd, "tandem", metric))
        others = [by_round[(p, rnd, o, metric)] for o in OTHERS if (p, rnd, o, metric) in by_round]
        if t is None or not others:
            continue
        best = max(others) if higher else min(others)
        if best > 0:
            ratios.append(t / best)
    return f"{statistics.median(ratios):.2f}" if ratios else "-"


def main(path):
    data = collections.defaultdict(list)  # (pass, proxy, metric) -> values
    by_round = {}  # (pass, round, proxy, metric) -> value
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 5 or parts[4] == "":
            continue
        p, rnd, proxy, metric, value = parts
        data[(p, proxy, metric)].append(float(value))
        by_round[(p, rnd, proxy, metric)] = float(value)
    passes = sorted({k[0] for k in data}, key=int)
    proxies = [x for x in ORDER if any(k[1] == x for k in data)]
    for p in passes:
        med = {(proxy, m): statistics.median(v) for (pp, proxy, m), v in data.items() if pp == p}
        rounds = max(len(v) for (pp, _, _), v in data.items() if pp == p)
        print()
        print(f"workers/threads = {p}  (medians of {rounds} rounds)")
        head = (f"{'':32}" + "".join(f"{x:>11}" for x in proxies) +
                f"{'tandem/best':>13}{'paired':>8}  ahead")
        print(head)
        print("-" * len(head))
        for metric, label, higher in ROWS:
            vals = {x: med.get((x, metric)) for x in proxies}
            if all(v is None for v in vals.values()):
                continue
            others = [vals[o] for o in OTHERS if vals.get(o) is not None]
            ratio, ahead = "-", ""
            if vals.get("tandem") is not None and others:
                best = max(others) if higher else min(others)
                if best > 0:
                    ratio = f"{vals['tandem'] / best:.2f}"
                ahead = "yes" if (vals["tandem"] > best if higher else vals["tandem"] < best) else "NO"
            paired = paired_ratio(by_round, p, metric, higher)
            print(f"{label:32}" + "".join(f"{fmt(vals[x]):>11}" for x in proxies) +
                  f"{ratio:>13}{paired:>8}  {ahead}")
        for metric in ("ka_rps", "conn_rps", "bulk_mb_s"):
            d = med.get(("direct", metric))
            if d:
                shares = ", ".join(f"{x} {med[(x, metric)] / d:.2f}" for x in proxies
                                   if x != "direct" and (x, metric) in med)
                print(f"  {metric} as a share of direct: {shares}")
        errs = {(x, m): v for (x, m), v in med.items() if m.endswith("_errors") and v > 0}
        for (x, m), v in sorted(errs.items()):
            print(f"  note: {x} {m} median {v:.0f} (wrk socket errors / non-2xx)")
    print()
    print("tandem/best: Tandem's median divided by the better of HAProxy and nginx;")
    print("paired: the median over rounds of the same ratio taken within each round;")
    print("ahead: Tandem better on that row (higher for rates, lower for latency, CPU, memory).")


if __name__ == "__main__":
    main(sys.argv[1])
