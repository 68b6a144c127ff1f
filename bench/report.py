#!/usr/bin/env python3
"""Medians and ratios of a bench/run.sh raw file.

Lines are MODE WORKERS ROUND PROXY METRIC VALUE (tab-separated); older files
without the MODE column are read as mode tcp."""
import collections
import statistics
import sys

# Per mode: metric, label, higher is better. A new mode is one more entry
# here and one more case in run.sh.
ROWS = {
    "tcp": [
        ("ka_rps", "keep-alive requests/s", True),
        ("conn_rps", "new connections/s (1 req each)", True),
        ("bulk_mb_s", "bulk transfer MB/s", True),
        ("ka_p99_ms", "p99 latency, keep-alive (ms)", False),
        ("conn_p99_ms", "p99 latency, new conns (ms)", False),
        ("ka_cpu_us_per_req", "CPU us/request, keep-alive", False),
        ("conn_cpu_us_per_req", "CPU us/request, new conns", False),
        ("ka_syscalls_per_req", "system calls/request, keep-alive", False),
        ("conn_syscalls_per_req", "system calls/request, new conns", False),
        ("rss_idle_kb", "RSS idle (KiB)", False),
        ("rss_end_kb", "RSS after the run (KiB)", False),
        ("rss_peak_kb", "RSS peak, VmHWM (KiB)", False),
        ("mem_per_conn_kb", "RSS per idle connection (KiB)", False),
    ],
    "http": [
        ("ka_rps", "keep-alive req/s, small", True),
        ("ka64k_rps", "keep-alive req/s, 64 KiB", True),
        ("conn_rps", "new connection per req, req/s", True),
        ("ka_p99_ms", "p99 latency, ka small (ms)", False),
        ("ka64k_p99_ms", "p99 latency, ka 64 KiB (ms)", False),
        ("conn_p99_ms", "p99 latency, new conns (ms)", False),
        ("ka_cpu_us_per_req", "CPU us/request, ka small", False),
        ("ka64k_cpu_us_per_req", "CPU us/request, ka 64 KiB", False),
        ("conn_cpu_us_per_req", "CPU us/request, new conns", False),
        ("ka_syscalls_per_req", "system calls/req, ka small", False),
        ("ka64k_syscalls_per_req", "system calls/req, ka 64 KiB", False),
        ("conn_syscalls_per_req", "system calls/req, new conns", False),
        ("rss_idle_kb", "RSS idle (KiB)", False),
        ("rss_end_kb", "RSS after the run (KiB)", False),
        ("rss_peak_kb", "RSS peak, VmHWM (KiB)", False),
    ],
    # hs: a new connection and a full handshake (no resumption) per request.
    "tls": [
        ("hs_rps", "full TLS handshakes/s (1 req each)", True),
        ("ka_rps", "TLS keep-alive req/s, small", True),
        ("hs_p99_ms", "p99 latency, handshakes (ms)", False),
        ("ka_p99_ms", "p99 latency, keep-alive (ms)", False),
        ("hs_cpu_us_per_req", "CPU us/handshake (+1 request)", False),
        ("ka_cpu_us_per_req", "CPU us/request, keep-alive", False),
        ("hs_syscalls_per_req", "system calls/handshake (+1 req)", False),
        ("ka_syscalls_per_req", "system calls/request, keep-alive", False),
        ("rss_idle_kb", "RSS idle (KiB)", False),
        ("rss_end_kb", "RSS after the run (KiB)", False),
        ("rss_peak_kb", "RSS peak, VmHWM (KiB)", False),
    ],
}
# Rows whose target is a margin, not just "ahead": tandem/best must reach it.
TARGETS = {("http", "ka_rps"): 1.2}
# Per mode: the wrk runs whose busy cores (balancer / wrk) get a line under
# the table, where the load generator may be the bottleneck.
CORES = {"tls": [("hs", "handshakes"), ("ka", "keep-alive")]}
MODE_ORDER = ["tcp", "http", "tls"]
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


def paired_ratio(by_round, pk, metric, higher):
    """Median over rounds of tandem / best-of-others measured in the same round.

    Rounds are interleaved, so this cancels slow drifts in machine load that
    the ratio of medians does not."""
    ratios = []
    for rnd in sorted({k[1] for k in by_round if k[0] == pk}):
        t = by_round.get((pk, rnd, "tandem", metric))
        others = [by_round[(pk, rnd, o, metric)] for o in OTHERS if (pk, rnd, o, metric) in by_round]
        if t is None or not others:
            continue
        best = max(others) if higher else min(others)
        if best > 0:
            ratios.append(t / best)
    return f"{statistics.median(ratios):.2f}" if ratios else "-"


def read(path):
    """(data, by_round): (pass, proxy, metric) -> values and
    (pass, round, proxy, metric) -> value, where pass is (mode, workers)."""
    data = collections.defaultdict(list)
    by_round = {}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) == 5:
            parts = ["tcp"] + parts
        if len(parts) != 6 or parts[5] == "":
            continue
        mode, workers, rnd, proxy, metric, value = parts
        pk = (mode, workers)
        data[(pk, proxy, metric)].append(float(value))
        by_round[(pk, rnd, proxy, metric)] = float(value)
    return data, by_round


def ahead_mark(pk, metric, higher, tandem, best):
    if tandem is None or best is None:
        return ""
    ahead = tandem > best if higher else tandem < best
    mark = "yes" if ahead else "NO"
    target = TARGETS.get((pk[0], metric))
    if target is not None and best > 0:
        mark += f" (target {target:.2f}: {'met' if tandem / best >= target else 'NOT met'})"
    return mark


def print_pass(pk, data, by_round):
    proxies = [x for x in ORDER if any(k[0] == pk and k[1] == x for k in data)]
    med = {(proxy, m): statistics.median(v) for (p, proxy, m), v in data.items() if p == pk}
    rounds = max(len(v) for (p, _, _), v in data.items() if p == pk)
    print()
    print(f"mode {pk[0]}, workers/threads = {pk[1]}  (medians of {rounds} rounds)")
    head = (f"{'':32}" + "".join(f"{x:>11}" for x in proxies) +
            f"{'tandem/best':>13}{'paired':>8}  ahead")
    print(head)
    print("-" * len(head))
    for metric, label, higher in ROWS.get(pk[0], []):
        vals = {x: med.get((x, metric)) for x in proxies}
        if all(v is None for v in vals.values()):
            continue
        others = [vals[o] for o in OTHERS if vals.get(o) is not None]
        best = (max(others) if higher else min(others)) if others else None
        ratio = "-"
        if vals.get("tandem") is not None and best:
            ratio = f"{vals['tandem'] / best:.2f}"
        paired = paired_ratio(by_round, pk, metric, higher)
        print(f"{label:32}" + "".join(f"{fmt(vals[x]):>11}" for x in proxies) +
              f"{ratio:>13}{paired:>8}  {ahead_mark(pk, metric, higher, vals.get('tandem'), best)}")
    for metric, _, higher in ROWS.get(pk[0], []):
        d = med.get(("direct", metric))
        if higher and d:
            shares = ", ".join(f"{x} {med[(x, metric)] / d:.2f}" for x in proxies
                               if x != "direct" and (x, metric) in med)
            if shares:
                print(f"  {metric} as a share of direct: {shares}")
    for row, what in CORES.get(pk[0], []):
        cores = [f"{x} {fmt(med.get((x, row + '_lb_cores')))}/{fmt(med.get((x, row + '_client_cores')))}"
                 for x in proxies if (x, row + "_client_cores") in med]
        if cores:
            print(f"  cores busy on {what}, balancer/wrk: " + ", ".join(cores))
    errs = {(x, m): v for (x, m), v in med.items() if m.endswith("_errors") and v > 0}
    for (x, m), v in sorted(errs.items()):
        print(f"  note: {x} {m} median {v:.0f} (wrk socket errors / non-2xx)")
    # The tls pass's wrk counts its handshakes (bench/no_resume.c): any
    # resumed one means the handshake row did not measure full handshakes.
    for (p, x, m), v in sorted(data.items()):
        if p == pk and m.endswith("_tls_resumed") and max(v) > 0:
            print(f"  note: {x} {m} up to {max(v):.0f} resumed handshakes in a run (should be 0)")
    # Tandem counts its handshakes too (show tls): the same check, server side.
    hs = data.get((pk, "tandem", "srv_tls_handshakes"))
    if hs:
        res = data.get((pk, "tandem", "srv_tls_resumed"), [])
        fails = data.get((pk, "tandem", "srv_tls_failures"), [])
        print(f"  tandem's show tls, per run: handshakes median {statistics.median(hs):,.0f}, "
              f"resumed max {max(res, default=0):.0f}, failures max {max(fails, default=0):.0f} "
              "(handshakes wrk left unfinished when it stopped: up to its connection count)")


def main(path):
    data, by_round = read(path)
    passes = sorted({k[0] for k in data},
                    key=lambda pk: (MODE_ORDER.index(pk[0]) if pk[0] in MODE_ORDER else 99, pk[0], int(pk[1])))
    for pk in passes:
        print_pass(pk, data, by_round)
    print()
    print("tandem/best: Tandem's median divided by the better of HAProxy and nginx;")
    print("paired: the median over rounds of the same ratio taken within each round;")
    print("ahead: Tandem better on that row (higher for rates, lower for latency, CPU, memory);")
    print("a target is the margin the issue asks for on that row (tandem/best at least that).")
    if any(k[0][0] in CORES for k in data):
        print("cores busy: CPU seconds over the run's seconds (2 = both cores of a 2-core machine).")


if __name__ == "__main__":
    main(sys.argv[1])
