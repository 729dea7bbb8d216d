#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tabulate the "BENCH" lines of a `make bench` guest (selftests/bench.sh).

Prints a table of medians and spreads with the Rust/C ratio per row (the
ratio of the medians, and the median of the per-round ratios), the
growth per GiB, the memory cost, the module sizes and the profile, and writes
DIR/bench.json, DIR/bench.svg (time against size) and DIR/table.txt.
"""

import argparse
import json
import re
import statistics
import subprocess
import sys
from collections import defaultdict

OPS = ["bind", "unplug", "plug", "unbind"]
# How many characters of a name the kernel's function profiler prints.
PROFILE_NAME_LEN = 30
DRIVERS = ["rust", "c"]
# Top-level memory-hotplug core calls of either driver: their inclusive time
# is the core's share of an operation (online_pages and offline_pages run
# inside them and are shown apart).
TOP_CORE = [
    "__request_region",
    "__add_memory_driver_managed",
    "offline_and_remove_memory_ranges",
    "remove_memory",
    "memory_group_register_static",
    "memory_group_unregister",
    "remove_resource",
    "__release_region",
]


def parse(path):
    """Returns (samples[(cfg, op, drv)] -> [values], env, profile, errors)."""
    samples = defaultdict(list)
    env, profile, errors = {}, defaultdict(dict), []
    with open(path, errors="replace") as f:
        for line in f:
            i = line.find("BENCH ")
            if i < 0:
                continue
            words = line[i + 6:].split()
            if not words:
                continue
            if words[0] == "env":
                env.update(w.split("=", 1) for w in words[1:] if "=" in w)
                continue
            if words[0] == "error":
                errors.append(" ".join(words[1:]))
                continue
            kv = dict(w.split("=", 1) for w in words if "=" in w)
            if "drv" not in kv:
                continue
            if kv.get("op") == "profile":
                profile[kv["drv"]][kv["fn"]] = (int(kv["hits"]), float(kv["us"]))
            elif "ns" in kv:
                if kv.get("err") != "0":
                    errors.append(line[i:].strip())
                    continue
                samples[(kv["cfg"], kv["op"], kv["drv"])].append(int(kv["ns"]))
            elif "value" in kv:
                samples[(kv["cfg"], kv["op"], kv["drv"])].append(int(kv["value"]))
    return samples, env, profile, errors


def stats(values):
    """Median, min, max, and the spread as (max - min) / median."""
    med = statistics.median(values)
    return {
        "median": med,
        "min": min(values),
        "max": max(values),
        "n": len(values),
        "spread": (max(values) - min(values)) / med if med else 0.0,
    }


def size_gib(cfg):
    """GiB of a configuration like "4G-mom0" or "2x2G-mom0"."""
    m = re.match(r"(?:(\d+)x)?(\d+)G", cfg)
    if not m:
        return None
    return int(m.group(1) or 1) * int(m.group(2))


def paired(rust, c):
    """Median of the per-round ratios rust[i] / c[i]. The two drivers run
    one after the other in every round, so a drift of the host's speed over
    the boot weighs on both samples of a pair alike."""
    pairs = [r / x for r, x in zip(rust, c) if x]
    return statistics.median(pairs) if pairs else None


def is_top_core(fn):
    """Whether a profiled function is one of TOP_CORE. The function
    profiler cuts names at 30 characters."""
    return any(top == fn or (len(fn) == PROFILE_NAME_LEN and top.startswith(fn)) for top in TOP_CORE)


def fit(points):
    """Least-squares line through (x, y): (slope, intercept)."""
    n = len(points)
    if n < 2:
        return None
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx
    return slope, my - slope * mx


def module_size(ko):
    """(.text bytes, text+rodata, data, bss) of a module, by llvm-size."""
    out = subprocess.run(["llvm-size-19", "-A", ko], capture_output=True, text=True, check=True).stdout
    sec = defaultdict(int)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sec[parts[0]] += int(parts[1])
    text = sum(v for k, v in sec.items() if k.startswith(".text"))
    rodata = sum(v for k, v in sec.items() if k.startswith(".rodata"))
    data = sum(v for k, v in sec.items() if k.startswith(".data"))
    return {"text": text, "rodata": rodata, "data": data, "bss": sec.get(".bss", 0)}


def svg(rows, path):
    """Plots the median time of bind and unplug against size, both drivers."""
    series = {}
    for r in rows:
        g = size_gib(r["cfg"])
        if g is None or "x" in r["cfg"] or not r["cfg"].endswith("mom0") or r["op"] not in ("bind", "unplug"):
            continue
        for d in DRIVERS:
            series.setdefault((r["op"], d), []).append((g, r[d]["median"] / 1e6))
    if not series:
        return
    W, H, L, B, T, R = 640, 400, 70, 50, 30, 150
    xmax = max(x for s in series.values() for x, _ in s)
    ymax = max(y for s in series.values() for _, y in s) * 1.1
    sx = lambda x: L + (W - L - R) * x / xmax
    sy = lambda y: H - B - (H - B - T) * y / ymax
    colors = {("bind", "rust"): "#c0392b", ("bind", "c"): "#2c3e50",
              ("unplug", "rust"): "#e67e22", ("unplug", "c"): "#2980b9"}
    dash = {"rust": "", "c": ' stroke-dasharray="6 4"'}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{L}" y="18">kmem: median time against device size, memmap_on_memory=0 (release kernel, TCG guest)</text>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>',
           f'<text x="{(L + W - R) / 2}" y="{H - 12}" text-anchor="middle">device size (GiB)</text>',
           f'<text x="16" y="{(T + H - B) / 2}" transform="rotate(-90 16 {(T + H - B) / 2})" text-anchor="middle">ms</text>']
    for x in sorted({x for s in series.values() for x, _ in s}):
        out.append(f'<text x="{sx(x):.1f}" y="{H - B + 16}" text-anchor="middle">{x}</text>')
    for i in range(6):
        y = ymax * i / 5
        out.append(f'<text x="{L - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
        out.append(f'<line x1="{L}" y1="{sy(y):.1f}" x2="{W - R}" y2="{sy(y):.1f}" stroke="#ddd"/>')
    for n, ((op, d), pts) in enumerate(sorted(series.items())):
        pts.sort()
        c = colors.get((op, d), "black")
        p = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{p}" fill="none" stroke="{c}" stroke-width="2"{dash[d]}/>')
        for x, y in pts:
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{c}"/>')
        ly = T + 10 + 18 * n
        out.append(f'<line x1="{W - R + 10}" y1="{ly}" x2="{W - R + 40}" y2="{ly}" stroke="{c}" stroke-width="2"{dash[d]}/>')
        out.append(f'<text x="{W - R + 46}" y="{ly + 4}">{op} ({"Rust" if d == "rust" else "C"})</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ko", action="append", default=[], help="DRIVER=PATH")
    ap.add_argument("--command", default="make bench")
    a = ap.parse_args()

    samples, env, profile, errors = parse(a.log)
    cfgs = sorted({k[0] for k in samples}, key=lambda c: (c.startswith("module"), size_gib(c) or 0, c))
    rows = []
    for cfg in cfgs:
        for op in OPS + ["load", "unload", "memtotal_kb", "memfree_kb"]:
            if not all((cfg, op, d) in samples for d in DRIVERS):
                continue
            row = {"cfg": cfg, "op": op}
            for d in DRIVERS:
                row[d] = stats(samples[(cfg, op, d)])
            c = row["c"]["median"]
            row["ratio"] = row["rust"]["median"] / c if c else None
            row["paired_ratio"] = paired(samples[(cfg, op, "rust")], samples[(cfg, op, "c")])
            rows.append(row)

    lines = [f"# {a.command}", f"# guest: {json.dumps(env, sort_keys=True)}", ""]
    lines.append(f"{'config':<20}{'operation':<10}{'Rust median':>13}{'spread':>8}"
                 f"{'C median':>13}{'spread':>8}{'Rust/C':>8}{'paired':>8}")
    for r in rows:
        if r["op"].endswith("_kb"):
            continue
        f = lambda s: f"{s['median'] / 1e6:10.2f} ms{100 * s['spread']:7.0f}%"
        pr = f"{r['paired_ratio']:8.3f}" if r["paired_ratio"] is not None else f"{'-':>8}"
        lines.append(f"{r['cfg']:<20}{r['op']:<10}{f(r['rust'])}{f(r['c'])}{r['ratio']:8.3f}{pr}")

    lines += ["", "Growth per GiB (least squares over the single-range sizes, medians):"]
    growth = []
    for mom in ("mom0", "mom1"):
        for op in OPS:
            for d in DRIVERS:
                pts = [(size_gib(r["cfg"]), r[d]["median"] / 1e6) for r in rows
                       if r["op"] == op and r["cfg"].endswith(mom) and "x" not in r["cfg"]
                       and "profiled" not in r["cfg"] and size_gib(r["cfg"])]
                line = fit(pts)
                if line:
                    growth.append({"memmap_on_memory": mom == "mom1", "op": op, "drv": d,
                                   "ms_per_gib": line[0], "ms_fixed": line[1]})
    for g in growth:
        lines.append(f"  {'mom1' if g['memmap_on_memory'] else 'mom0'} {g['op']:<7} {g['drv']:<5}"
                     f"{g['ms_per_gib']:9.2f} ms/GiB + {g['ms_fixed']:8.2f} ms"
                     f"  -> 1 TiB: {g['ms_per_gib'] * 1024 / 1000:7.1f} s")

    lines += ["", "Memory (median kB growth after bind; MemTotal - MemFree growth is memory taken from",
              "existing RAM, e.g. the memmap without memmap_on_memory):"]
    for cfg in cfgs:
        if ("module" in cfg) or not all((cfg, k, d) in samples for k in ("memtotal_kb", "memfree_kb") for d in DRIVERS):
            continue
        parts = []
        for d in DRIVERS:
            t = statistics.median(samples[(cfg, "memtotal_kb", d)])
            fr = statistics.median(samples[(cfg, "memfree_kb", d)])
            parts.append(f"{d}: MemTotal +{t:.0f} MemFree +{fr:.0f} taken {t - fr:.0f}")
        lines.append(f"  {cfg:<20}" + "   ".join(parts))

    sizes = {}
    for spec in a.ko:
        d, path = spec.split("=", 1)
        sizes[d] = module_size(path)
    if sizes:
        lines += ["", "Module size (bytes):"]
        for d, s in sizes.items():
            lines.append(f"  {d:<5} .text {s['text']:7d}  .rodata {s['rodata']:7d}  .data {s['data']:6d}  .bss {s['bss']:5d}")

    if profile:
        lines += ["", "Profile of one round (bind, unplug, plug, unplug, unbind) at the middle size:"]
        share = {}
        for d in DRIVERS:
            prof = profile.get(d, {})
            cfg = next((k[0] for k in samples
                        if k[2] == d and k[0].endswith("-profiled") and not k[0].startswith("module")), None)
            # The profiled round is one round: every sample of its
            # configuration is one operation of it (unplug twice).
            total_us = sum(sum(samples[(cfg, op, d)]) for op in OPS if (cfg, op, d) in samples) / 1000 if cfg else 0
            core_us = sum(u for fn, (_, u) in prof.items() if is_top_core(fn))
            share[d] = {"total_us": total_us, "core_us": core_us, "rest_us": total_us - core_us,
                        "functions": {fn: {"hits": h, "us": u} for fn, (h, u) in prof.items()}}
            lines.append(f"  {d:<5} total {total_us / 1000:9.1f} ms, in the hotplug core {core_us / 1000:9.1f} ms,"
                         f" elsewhere (driver, sysfs, syscall) {(total_us - core_us) / 1000:7.1f} ms")
            for fn, (h, u) in sorted(prof.items(), key=lambda kv: -kv[1][1]):
                lines.append(f"        {fn:<36}{h:6d} calls {u / 1000:10.1f} ms")
        profile = share

    if errors:
        lines += ["", "Errors:"] + [f"  {e}" for e in errors]

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(f"{a.out}/table.txt", "w") as f:
        f.write(text)
    with open(f"{a.out}/bench.json", "w") as f:
        json.dump({"command": a.command, "env": env, "rows": rows, "growth_per_gib": growth,
                   "module_size": sizes, "profile": profile, "errors": errors}, f, indent=1)
    svg(rows, f"{a.out}/bench.svg")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
