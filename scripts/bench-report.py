#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tabulate the "BENCH" lines of a `make bench` guest (selftests/bench.sh).

Prints a table of medians and spreads with the Rust/C ratio per row (the
ratio of the medians, and the median of the per-round ratios); the load and
unload of the parity module (built with EXTRAS=0) beside the two; the growth
with size (a line and a power law per operation, with predictions for larger
devices); the memory taken from existing RAM and its growth; the module
sizes and the Rust and parity modules' .text by part; and the profiles of
the profiled rounds, compared between the two profiled sizes. Writes
DIR/table.txt (all that is printed), DIR/bench.json, DIR/bench.svg (time
against size) and DIR/bench-memory.svg (memory taken against size).
"""

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from xml.sax.saxutils import escape

OPS = ["bind", "unplug", "plug", "unbind"]
# How many characters of a name the kernel's function profiler prints.
PROFILE_NAME_LEN = 30
DRIVERS = ["rust", "c"]
# Drivers measured in some configurations only, beside the two: the module
# built with EXTRAS=0 (only what the C kmem does), loaded and unloaded alone
# (module-nobind). A row has its stats and its ratios to C's where measured.
EXTRA_DRIVERS = ["parity"]
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
# Device sizes, in GiB, to predict the time and the memory of.
PREDICT_GIB = [256, 1024]
# Operations drawn in bench.svg, a panel each.
PLOT_OPS = ["bind", "unplug", "plug"]
# Where bench-memory.svg draws a value at or below zero (log axis), in MiB.
MEMORY_FLOOR_MIB = 0.1
# Parts of the Rust module's .text, tried in this order on a function's
# demangled name; a generic instantiation of the kernel crate or core whose
# name mentions a kmem type falls in that type's part. "C shim" also takes
# every function of the shim's object file, when it is found next to the
# module (src/kmem_shim.o), e.g. its static state_show().
TEXT_PARTS = [
    ("debug instrumentation", re.compile(r"^(asan\.|__asan|__odr_asan|__sanitizer|__tsan|__kcsan)")),
    ("tests (KUnit)", re.compile(r"\bkmem::(\w+::)*tests::")),
    ("recovery", re.compile(r"take_stranded|keep_stranded|Stranded")),
    ("diagnostics", re.compile(r"\bkmem::ioresource::(Conflicts|Found|Walk|Piece)\b"
                               r"|\bsystem_ram_pages\b|\bsystem_ram_intersection\b")),
    ("view", re.compile(r"\bkmem::(view|debugfs)::|^kmem_rs_view_")),
    ("C shim", re.compile(r"^kmem_shim_")),
    ("driver", re.compile(r"^<?kmem::|^kmem_rs_|^(init|cleanup)_module$")),
    ("driver", re.compile(r"\bkmem::")),
    ("kernel crate and core (monomorphised)",
     re.compile(r"^<*&*(mut )?(dyn )?(kernel|core|alloc|pin_init|compiler_builtins|ffi|macros)::|^<")),
]
TEXT_PART_ORDER = ["driver", "view", "diagnostics", "recovery", "C shim",
                   "kernel crate and core (monomorphised)", "tests (KUnit)", "debug instrumentation", "other"]


def parse(path):
    """Reads a console log. Returns (samples, env, profiles, errors, done):
    samples[(cfg, op, drv)] -> [values in order], profiles[(cfg, drv)] ->
    {function: (hits, us)}, done the fail count of "BENCH done" (None if the
    log has none)."""
    samples = defaultdict(list)
    env, profiles, errors, done = {}, defaultdict(dict), [], None
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
            if words[0] == "done":
                done = int(kv["fail"]) if kv.get("fail", "").isdigit() else -1
                continue
            if "drv" not in kv:
                continue
            if kv.get("op") == "profile":
                profiles[(kv.get("cfg", "?"), kv["drv"])][kv["fn"]] = (int(kv["hits"]), float(kv["us"]))
            elif "ns" in kv:
                if kv.get("err") != "0":
                    errors.append(line[i:].strip())
                    continue
                samples[(kv["cfg"], kv["op"], kv["drv"])].append(int(kv["ns"]))
            elif "value" in kv:
                samples[(kv["cfg"], kv["op"], kv["drv"])].append(int(kv["value"]))
    return samples, env, profiles, errors, done


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


CFG_RE = re.compile(r"^(?:(\d+)x)?(\d+(?:\.\d+)?)([MGT])(?:-mom([01]))?(-profiled)?$")


def cfg_info(cfg):
    """What a configuration name tells: size_gib (total, None for "module"),
    memmap_on_memory (None if unknown), multi_range, profiled."""
    m = CFG_RE.match(cfg)
    if not m:
        return {"size_gib": None, "memmap_on_memory": None, "multi_range": False,
                "profiled": cfg.endswith("-profiled")}
    gib = int(m.group(1) or 1) * float(m.group(2)) * {"M": 1 / 1024, "G": 1, "T": 1024}[m.group(3)]
    return {"size_gib": int(gib) if gib == int(gib) else gib,
            "memmap_on_memory": None if m.group(4) is None else m.group(4) == "1",
            "multi_range": m.group(1) is not None,
            "profiled": m.group(5) is not None}


def size_gib(cfg):
    """GiB of a configuration like "4G-mom0" or "2x2G-mom0", or None."""
    return cfg_info(cfg)["size_gib"]


def is_sized(cfg, mom=None):
    """Whether cfg is a single-range, non-profiled size (of memmap_on_memory
    mom, if given): the configurations fitted against size."""
    i = cfg_info(cfg)
    return (i["size_gib"] is not None and not i["multi_range"] and not i["profiled"]
            and i["memmap_on_memory"] is not None and (mom is None or i["memmap_on_memory"] == mom))


def paired(rust, c):
    """Median of the per-round ratios rust[i] / c[i] (or another driver's
    samples for rust). The drivers run one after the other in every round,
    so a drift of the host's speed over the boot weighs on both samples of
    a pair alike."""
    pairs = [r / x for r, x in zip(rust, c) if x]
    return statistics.median(pairs) if pairs else None


def is_top_core(fn):
    """Whether a profiled function is one of TOP_CORE. The function
    profiler cuts names at 30 characters."""
    return any(top == fn or (len(fn) == PROFILE_NAME_LEN and top.startswith(fn)) for top in TOP_CORE)


def fit(points):
    """Least-squares line through (x, y): (slope, intercept), or None if
    there are fewer than two distinct x."""
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


def power_fit(points):
    """Least squares of log y against log x: (a, b) of y = a * x**b, or None
    (fewer than two distinct sizes, or a value that is not positive)."""
    if any(x <= 0 or y <= 0 for x, y in points):
        return None
    line = fit([(math.log(x), math.log(y)) for x, y in points])
    return (math.exp(line[1]), line[0]) if line else None


def quad_fit(points):
    """Least squares of y = a + b * x + c * x**2: (a, b, c), or None (fewer
    than three distinct sizes). A memory block's online and offline walk
    the whole zone (set_zone_contiguous()), so time grows with blocks times
    zone size: the square of the size, for one device."""
    if len({x for x, _ in points}) < 3:
        return None
    # Normal equations, solved by Cramer's rule.
    s = [sum(x ** k for x, _ in points) for k in range(5)]
    t = [sum(y * x ** k for x, y in points) for k in range(3)]
    m = [[s[0], s[1], s[2]], [s[1], s[2], s[3]], [s[2], s[3], s[4]]]

    def det(a):
        return (a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]))
    d = det(m)
    if d == 0:
        return None
    coef = []
    for i in range(3):
        mi = [row[:] for row in m]
        for r in range(3):
            mi[r][i] = t[r]
        coef.append(det(mi) / d)
    return tuple(coef)


def residual_pct(y, line_value):
    """How far y is from the line's value, in percent of that value (None
    where the line is not above zero, which a percentage cannot express)."""
    return 100 * (y - line_value) / line_value if line_value > 0 else None


def build_rows(samples):
    """One row per configuration and operation measured for both drivers,
    in the order of the table: its medians, spreads and Rust/C ratios, and
    those of an EXTRA_DRIVERS driver measured there, with its ratio to C's
    ("parity", "parity_ratio", "parity_paired_ratio")."""
    cfgs = sorted({k[0] for k in samples}, key=lambda c: (c.startswith("module"), size_gib(c) or 0, c))
    rows = []
    for cfg in cfgs:
        info = cfg_info(cfg)
        for op in OPS + ["load", "unload", "memtotal_kb", "memfree_kb"]:
            if not all((cfg, op, d) in samples for d in DRIVERS):
                continue
            row = {"op": op, "cfg": cfg, **info}
            for d in DRIVERS:
                row[d] = stats(samples[(cfg, op, d)])
            c = row["c"]["median"]
            row["ratio"] = row["rust"]["median"] / c if c else None
            row["paired_ratio"] = paired(samples[(cfg, op, "rust")], samples[(cfg, op, "c")])
            for d in EXTRA_DRIVERS:
                if (cfg, op, d) in samples:
                    row[d] = stats(samples[(cfg, op, d)])
                    row[f"{d}_ratio"] = row[d]["median"] / c if c else None
                    row[f"{d}_paired_ratio"] = paired(samples[(cfg, op, d)], samples[(cfg, op, "c")])
            rows.append(row)
    return cfgs, rows


def fmt_opt(v, spec, width, none="-"):
    """v formatted with spec and right-aligned in width, or none."""
    return f"{format(v, spec):>{width}}" if v is not None else f"{none:>{width}}"


def table_section(rows):
    """The table of medians, spreads and ratios (not the memory rows)."""
    lines = [f"{'config':<20}{'operation':<10}{'Rust median':>13}{'spread':>8}"
             f"{'C median':>13}{'spread':>8}{'Rust/C':>8}{'paired':>8}"]
    for r in rows:
        if r["op"].endswith("_kb"):
            continue
        f = lambda s: f"{s['median'] / 1e6:10.2f} ms{100 * s['spread']:7.0f}%"
        lines.append(f"{r['cfg']:<20}{r['op']:<10}{f(r['rust'])}{f(r['c'])}"
                     f"{fmt_opt(r['ratio'], '.3f', 8)}{fmt_opt(r['paired_ratio'], '.3f', 8)}")
    return lines


def extra_section(rows):
    """The rows an EXTRA_DRIVERS driver was measured in, its median, spread
    and ratios to C's beside ours: the parity module's load and unload."""
    lines = []
    for d in EXTRA_DRIVERS:
        drows = [r for r in rows if d in r]
        if not drows:
            continue
        name = d.capitalize()
        lines += [f"{name} module (make EXTRAS=0: only what the C kmem does) beside ours and C's:",
                  f"{'config':<20}{'operation':<10}{'Rust median':>13}{'spread':>8}{name + ' median':>15}"
                  f"{'spread':>8}{'C median':>13}{'spread':>8}{'Rust/C':>8}{'paired':>8}"
                  f"{name + '/C':>10}{'paired':>8}"]
        for r in drows:
            f = lambda s, w: f"{s['median'] / 1e6:{w}.2f} ms{100 * s['spread']:7.0f}%"
            lines.append(f"{r['cfg']:<20}{r['op']:<10}{f(r['rust'], 10)}{f(r[d], 12)}{f(r['c'], 10)}"
                         f"{fmt_opt(r['ratio'], '.3f', 8)}{fmt_opt(r['paired_ratio'], '.3f', 8)}"
                         f"{fmt_opt(r[d + '_ratio'], '.3f', 10)}{fmt_opt(r[d + '_paired_ratio'], '.3f', 8)}")
    return lines


def time_fits(rows):
    """Fits of the median time (ms) against size per (memmap_on_memory, op,
    driver), over the single-range non-profiled sizes: the line, each
    point's residual, the power law and the predictions. Returns
    (fits, predictions, growth) where growth is the old growth_per_gib."""
    fits, predictions, growth = [], [], []
    for mom in (False, True):
        for op in OPS:
            for d in DRIVERS:
                pts = sorted((r["size_gib"], r[d]["median"] / 1e6) for r in rows
                             if r["op"] == op and is_sized(r["cfg"], mom))
                line = fit(pts)
                if not line:
                    continue
                power = power_fit(pts)
                quad = quad_fit(pts)
                f = {"memmap_on_memory": mom, "op": op, "drv": d,
                     "sizes_gib": [x for x, _ in pts], "median_ms": [y for _, y in pts],
                     "ms_per_gib": line[0], "ms_fixed": line[1],
                     "residual_ms": [y - (line[0] * x + line[1]) for x, y in pts],
                     "residual_pct": [residual_pct(y, line[0] * x + line[1]) for x, y in pts],
                     "power": {"a_ms": power[0], "b": power[1]} if power else None,
                     "quadratic": ({"a_ms": quad[0], "b_ms_per_gib": quad[1], "c_ms_per_gib2": quad[2],
                                    "residual_pct": [residual_pct(y, quad[0] + quad[1] * x + quad[2] * x * x)
                                                     for x, y in pts]} if quad else None)}
                fits.append(f)
                growth.append({"memmap_on_memory": mom, "op": op, "drv": d,
                               "ms_per_gib": line[0], "ms_fixed": line[1]})
                for g in PREDICT_GIB:
                    predictions.append({"memmap_on_memory": mom, "op": op, "drv": d, "size_gib": g,
                                        "linear_s": (line[0] * g + line[1]) / 1000,
                                        "power_s": power[0] * g ** power[1] / 1000 if power else None,
                                        "quadratic_s": (quad[0] + quad[1] * g + quad[2] * g * g) / 1000
                                        if quad else None})
    return fits, predictions, growth


def fits_section(fits, predictions):
    """The compact table of the time fits and predictions."""
    if not fits:
        return ["Growth with size: fewer than two single-range sizes, nothing fitted."]
    sizes = sorted({x for f in fits for x in f["sizes_gib"]})
    lines = ["Growth with size (medians of the single-range rounds against size; line: least squares,",
             "residual: (median - line) / line in %, '<0' where the line is below zero; power law t = a * size^b:",
             "least squares in log-log, b = 1.0 is linear; quadratic t = a + b * size + c * size^2, c in",
             "us/GiB^2; predictions from each, in seconds):"]
    res_head = "".join(f"{str(x) + 'G':>7}" for x in sizes)
    pred_head = "".join(f"{str(g) + 'G line':>10}{'power':>7}{'quad':>7}" if g < 1024 else
                        f"{str(g // 1024) + 'T line':>10}{'power':>7}{'quad':>7}" for g in PREDICT_GIB)
    lines.append(f"  {'mom':<5}{'op':<7}{'drv':<5}{'ms/GiB':>8}{'fixed ms':>10} {'residual %:':<11}"
                 f"{res_head}{'b':>7}{'c':>7}  {pred_head}")
    for f in fits:
        by_size = dict(zip(f["sizes_gib"], f["residual_pct"]))
        res = ""
        for x in sizes:
            if x not in by_size:
                res += f"{'':>7}"
            else:
                res += fmt_opt(by_size[x], "+.1f", 7, "<0")
        pred = ""
        for g in PREDICT_GIB:
            p = next(p for p in predictions if p["size_gib"] == g and p["op"] == f["op"]
                     and p["drv"] == f["drv"] and p["memmap_on_memory"] == f["memmap_on_memory"])
            pred += (f"{p['linear_s']:10.1f}{fmt_opt(p['power_s'], '.1f', 7)}"
                     f"{fmt_opt(p['quadratic_s'], '.1f', 7)}")
        b = f["power"]["b"] if f["power"] else None
        c = 1000 * f["quadratic"]["c_ms_per_gib2"] if f["quadratic"] else None
        lines.append(f"  {'mom1' if f['memmap_on_memory'] else 'mom0':<5}{f['op']:<7}{f['drv']:<5}"
                     f"{f['ms_per_gib']:8.2f}{f['ms_fixed']:10.1f} {'':<11}{res}{fmt_opt(b, '.2f', 7)}"
                     f"{fmt_opt(c, '.0f', 7)}  {pred}")
    return lines


def taken_kb(samples, cfg, d):
    """Memory taken from existing RAM by a bind: median MemTotal growth -
    median MemFree growth, in kB (None if not measured)."""
    if not all((cfg, k, d) in samples for k in ("memtotal_kb", "memfree_kb")):
        return None
    return statistics.median(samples[(cfg, "memtotal_kb", d)]) - statistics.median(samples[(cfg, "memfree_kb", d)])


def memory_fits(samples, cfgs):
    """Fits of the memory taken (MiB) and of MemTotal's growth (MiB)
    against size per (memmap_on_memory, driver)."""
    out = []
    for mom in (False, True):
        for d in DRIVERS:
            sized = sorted((size_gib(c), c) for c in cfgs if is_sized(c, mom) and taken_kb(samples, c, d) is not None)
            taken = [(g, taken_kb(samples, c, d) / 1024) for g, c in sized]
            total = [(g, statistics.median(samples[(c, "memtotal_kb", d)]) / 1024) for g, c in sized]
            line, tline = fit(taken), fit(total)
            if not line:
                continue
            out.append({"memmap_on_memory": mom, "drv": d, "sizes_gib": [g for g, _ in taken],
                        "taken_mib": [y for _, y in taken],
                        "taken_mib_per_gib": line[0], "taken_mib_fixed": line[1],
                        "residual_mib": [y - (line[0] * x + line[1]) for x, y in taken],
                        "predicted_taken_mib": {str(g): line[0] * g + line[1] for g in PREDICT_GIB},
                        "memtotal_mib": [y for _, y in total],
                        "memtotal_mib_per_gib": tline[0], "memtotal_mib_fixed": tline[1]})
    return out


def memory_section(samples, cfgs, mfits):
    """The per-configuration memory lines, then the fits against size."""
    lines = ["Memory (median kB growth after bind; MemTotal - MemFree growth is memory taken from",
             "existing RAM, e.g. the memmap without memmap_on_memory):"]
    for cfg in cfgs:
        if "module" in cfg or any(taken_kb(samples, cfg, d) is None for d in DRIVERS):
            continue
        parts = []
        for d in DRIVERS:
            t = statistics.median(samples[(cfg, "memtotal_kb", d)])
            fr = statistics.median(samples[(cfg, "memfree_kb", d)])
            parts.append(f"{d}: MemTotal +{t:.0f} MemFree +{fr:.0f} taken {t - fr:.0f}")
        lines.append(f"  {cfg:<20}" + "   ".join(parts))
    if not mfits:
        return lines
    sizes = sorted({x for f in mfits for x in f["sizes_gib"]})
    lines += ["", "Memory taken against size (least squares of the taken MiB above; residual in MiB;",
              "MemTotal/GiB: MemTotal's growth per GiB of device, 1024 less what the device itself gives up,",
              "e.g. its memmap with memmap_on_memory):"]
    lines.append(f"  {'mom':<5}{'drv':<5}{'MiB/GiB':>8}{'fixed MiB':>10} {'residual MiB:':<13}"
                 + "".join(f"{str(x) + 'G':>8}" for x in sizes)
                 + "".join(f"{str(g) + ' GiB' if g < 1024 else str(g // 1024) + ' TiB':>10}" for g in PREDICT_GIB)
                 + f"{'MemTotal/GiB':>14}")
    for f in mfits:
        by_size = dict(zip(f["sizes_gib"], f["residual_mib"]))
        res = "".join(f"{by_size[x]:+8.2f}" if x in by_size else f"{'':>8}" for x in sizes)
        pred = "".join(f"{f['predicted_taken_mib'][str(g)]:10.0f}" for g in PREDICT_GIB)
        lines.append(f"  {'mom1' if f['memmap_on_memory'] else 'mom0':<5}{f['drv']:<5}"
                     f"{f['taken_mib_per_gib']:8.2f}{f['taken_mib_fixed']:10.2f} {'':<13}{res}{pred}"
                     f"{f['memtotal_mib_per_gib']:14.1f}")
    lines.append(f"  (predictions in MiB taken from existing RAM)")
    return lines


def profile_share(samples, cfg, d, prof):
    """One driver's profiled round at cfg: total of its timed operations,
    the share of TOP_CORE, and every function, in us."""
    pcfg = cfg + "-profiled"
    # The profiled round is one round: every sample of its configuration is
    # one operation of it (unplug twice).
    total_us = sum(sum(samples[(pcfg, op, d)]) for op in OPS if (pcfg, op, d) in samples) / 1000
    core_us = sum(u for fn, (_, u) in prof.items() if is_top_core(fn))
    return {"total_us": total_us, "core_us": core_us, "rest_us": total_us - core_us,
            "functions": {fn: {"hits": h, "us": u} for fn, (h, u) in prof.items()}}


def profiles_section(samples, profiles):
    """The profile of each profiled configuration and driver, then the
    per-GiB cost of each function compared between the smallest and the
    largest profiled size. Returns (lines, profiles by cfg, comparison)."""
    cfgs = sorted({c for c, _ in profiles}, key=lambda c: (size_gib(c) or 0, c))
    by_cfg = {}
    lines = ["Profile of one round (bind, unplug, plug, unplug, unbind) under the function profiler",
             "(inclusive times: a function's time includes that of the profiled functions it calls):"]
    for cfg in cfgs:
        g = size_gib(cfg)
        by_cfg[cfg] = {"size_gib": g, "drivers": {}}
        lines.append(f" {cfg} ({g} GiB):" if g else f" {cfg}:")
        for d in DRIVERS:
            if (cfg, d) not in profiles:
                continue
            prof = profiles[(cfg, d)]
            s = by_cfg[cfg]["drivers"][d] = profile_share(samples, cfg, d, prof)
            lines.append(f"  {d:<5} total {s['total_us'] / 1000:9.1f} ms, in the hotplug core {s['core_us'] / 1000:9.1f} ms,"
                         f" elsewhere (driver, sysfs, syscall) {s['rest_us'] / 1000:7.1f} ms")
            for fn, (h, u) in sorted(prof.items(), key=lambda kv: -kv[1][1]):
                lines.append(f"        {fn:<36}{h:8d} calls {u / 1000:10.1f} ms")
    sized = [c for c in cfgs if size_gib(c)]
    if len(sized) < 2:
        return lines, by_cfg, None
    small, large = sized[0], sized[-1]
    gs, gl = size_gib(small), size_gib(large)
    drivers = [d for d in DRIVERS if d in by_cfg[small]["drivers"] or d in by_cfg[large]["drivers"]]
    fns = sorted({fn for c in (small, large) for d in drivers
                  for fn in by_cfg[c]["drivers"].get(d, {}).get("functions", {})})

    def per_gib(cfg, d, fn):
        """ms per GiB of fn (or of the round's total / rest) at cfg: 0 if
        the driver's profile at the other size has it, None if neither has."""
        s = by_cfg[cfg]["drivers"].get(d)
        if s is None:
            return None
        if fn in ("(round total)", "(outside the core)"):
            us = s["total_us"] if fn == "(round total)" else s["rest_us"]
        elif not any(fn in by_cfg[c]["drivers"].get(d, {}).get("functions", {}) for c in (small, large)):
            return None
        else:
            us = s["functions"].get(fn, {"us": 0.0})["us"]
        return us / 1000 / size_gib(cfg)

    comp = []
    for fn in ["(round total)", "(outside the core)"] + fns:
        row = {"fn": fn}
        for d in drivers:
            a, b = per_gib(small, d, fn), per_gib(large, d, fn)
            row[d] = {"small_ms_per_gib": a, "large_ms_per_gib": b,
                      "growth_ms_per_gib": b - a if a is not None and b is not None else None,
                      "factor": b / a if a and b is not None else None}
        comp.append(row)
    key = lambda r: max(abs(r[d]["growth_ms_per_gib"] or 0) for d in drivers)
    comp = comp[:2] + sorted(comp[2:], key=lambda r: -key(r))
    lines += ["", f"Per-GiB cost of the profiled functions, {gs} GiB ({small}) against {gl} GiB ({large}):",
              "ms per GiB at each size, growth = difference in ms/GiB and factor; a function whose cost grows",
              "faster than the size has growth > 0 (sorted by the larger |growth| of the drivers):"]
    head = f"  {'function':<34}"
    for d in drivers:
        head += f"{d + ' ' + str(gs) + 'G':>10}{str(gl) + 'G':>9}{'growth':>9}{'factor':>7}  "
    lines.append(head.rstrip())
    for r in comp:
        line = f"  {r['fn']:<34}"
        for d in drivers:
            v = r[d]
            line += (f"{fmt_opt(v['small_ms_per_gib'], '.2f', 10)}{fmt_opt(v['large_ms_per_gib'], '.2f', 9)}"
                     f"{fmt_opt(v['growth_ms_per_gib'], '+.2f', 9)}{fmt_opt(v['factor'], '.2f', 7)}  ")
        lines.append(line.rstrip())
    return lines, by_cfg, {"small_cfg": small, "large_cfg": large, "small_gib": gs, "large_gib": gl,
                           "functions": comp}


def sections(ko):
    """Section name -> size in bytes of a module, by llvm-size."""
    out = subprocess.run(["llvm-size-19", "-A", ko], capture_output=True, text=True, check=True).stdout
    sec = defaultdict(int)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith(".") and parts[1].isdigit():
            sec[parts[0]] += int(parts[1])
    return sec


def module_size(ko):
    """(.text bytes, text+rodata, data, bss) of a module, by llvm-size."""
    sec = sections(ko)
    text = sum(v for k, v in sec.items() if k.startswith(".text"))
    rodata = sum(v for k, v in sec.items() if k.startswith(".rodata"))
    data = sum(v for k, v in sec.items() if k.startswith(".data"))
    return {"text": text, "rodata": rodata, "data": data, "bss": sec.get(".bss", 0)}


def text_symbols(obj):
    """The defined functions (t/T) of an object: [(section, address, size,
    demangled name)], by llvm-nm."""
    out = subprocess.run(["llvm-nm-19", "--demangle", "--print-size", "--size-sort", "--defined-only",
                          "--format=sysv", obj], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.rsplit("|", 6)
        if len(f) != 7 or f[2].strip() not in ("t", "T") or f[3].strip() != "FUNC":
            continue
        syms.append((f[6].strip(), int(f[1], 16), int(f[4], 16), f[0].strip()))
    return syms


def text_part(name, shim):
    """The part of the module a demangled function name belongs to."""
    for part, pattern in TEXT_PARTS:
        if part == "C shim" and name in shim:
            return part
        if pattern.search(name):
            return part
    return "other"


def text_by_part(ko, largest=0, title="Rust module"):
    """The function bytes of a Rust module (title) by part (TEXT_PARTS):
    every t/T function of the module, aliases counted once, each __pfx_
    padding symbol (the 16 bytes before a function, for call thunks and
    CFI) counted with its function. Returns (lines, json)."""
    syms = text_symbols(ko)
    shim_o = os.path.join(os.path.dirname(ko), "src", "kmem_shim.o")
    shim = {n for _, _, _, n in text_symbols(shim_o)} if os.path.exists(shim_o) else set()
    at = {}
    for sec, addr, size, name in sorted(syms, key=lambda s: s[3]):
        if not name.startswith("__pfx_"):
            at.setdefault((sec, addr), (size, name))
    parts = defaultdict(lambda: {"bytes": 0, "symbols": 0, "generic_bytes": 0})
    by_sec, members, seen = defaultdict(int), defaultdict(list), set()
    for sec, addr, size, name in syms:
        if (sec, addr) in seen:
            continue
        seen.add((sec, addr))
        owner = name
        if name.startswith("__pfx_"):
            owner = at.get((sec, addr + size), (0, name))[1]
        part = text_part(owner, shim)
        p = parts[part]
        p["bytes"] += size
        p["symbols"] += not name.startswith("__pfx_")
        if "kmem::" in owner and not re.match(r"^<?kmem::", owner):
            p["generic_bytes"] += size
        by_sec[sec] += size
        members[part].append((size, name if owner == name else f"(padding of) {owner}"))
    sec_size = sections(ko)
    total = sum(p["bytes"] for p in parts.values())
    lines = [f"{title} functions by part (llvm-nm sizes of {os.path.basename(ko)}; generic: instantiations",
             "of kernel-crate or core generics for kmem types, counted in the kmem part they serve):"]
    for part in TEXT_PART_ORDER:
        if part in parts:
            p = parts[part]
            gen = f", generic {p['generic_bytes']}" if p["generic_bytes"] else ""
            lines.append(f"  {part:<40}{p['bytes']:8d} bytes ({p['symbols']} functions{gen})")
            for size, name in sorted(members[part], reverse=True)[:largest]:
                lines.append(f"        {size:7d}  {name[:150]}")
    lines.append(f"  {'total':<40}{total:8d} bytes")
    cmp = ", ".join(f"{s} {by_sec[s]} of {sec_size.get(s, 0)}" for s in sorted(by_sec))
    pad = sum(sec_size.get(s, 0) for s in by_sec) - total
    lines.append(f"  functions against llvm-size, per section: {cmp}; the {pad} bytes left over are padding")
    lines.append("  (alignment between functions) and code outside function symbols.")
    return lines, {"parts": {k: dict(parts[k]) for k in TEXT_PART_ORDER if k in parts}, "total": total,
                   "functions_by_section": dict(by_sec),
                   "llvm_size_by_section": {s: sec_size.get(s, 0) for s in by_sec}}


class Plot:
    """A hand-written log-log SVG chart of one or more panels side by side
    (sharing the y axis): series of points with min..max bars, solid or
    dashed lines, circle or square markers, and a legend at the right."""

    PW, H, L, GAP, LEG, T, B = 300, 470, 72, 28, 270, 78, 50

    def __init__(self, title, subtitle, panels, xlabel, ylabel, xs, ys, yfmt):
        """panels: the panels' titles; xs: every x to show (GiB); ys: every
        y value (including the ends of the bars); yfmt: a tick's label."""
        self.title, self.subtitle, self.panels = title, subtitle, panels
        self.xlabel, self.ylabel, self.yfmt = xlabel, ylabel, yfmt
        self.x0, self.x1 = math.log2(min(xs)) - 0.6, math.log2(max(xs)) + 0.6
        self.xticks = sorted(set(xs))
        self.y0, self.y1 = math.log10(min(ys)) - 0.12, math.log10(max(ys)) + 0.12
        self.W = self.L + len(panels) * (self.PW + self.GAP) + self.LEG
        self.body, self.legend = [], []

    def left(self, panel):
        """Plot x of a panel's left edge."""
        return self.L + panel * (self.PW + self.GAP)

    def sx(self, x, panel=0):
        """Plot x of a size in GiB."""
        return self.left(panel) + self.PW * (math.log2(x) - self.x0) / (self.x1 - self.x0)

    def sy(self, y):
        """Plot y of a value."""
        return self.H - self.B - (self.H - self.B - self.T) * (math.log10(y) - self.y0) / (self.y1 - self.y0)

    def marker(self, x, y, color, shape, hollow=False):
        """A circle or a square at plot coordinates x, y."""
        fill = "white" if hollow else color
        if shape == "square":
            return (f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{fill}" '
                    f'stroke="{color}" stroke-width="1.5"/>')
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{fill}" stroke="{color}" stroke-width="1.5"/>'

    def series(self, pts, color, dashed, shape, shift=1.0, panel=0):
        """pts: [(x, y, lo, hi, hollow)], lo/hi None for no bar; shift
        multiplies x for drawing, so that two series' bars do not hide each
        other."""
        dash = ' stroke-dasharray="6 4"' if dashed else ""
        pts = sorted(pts)
        p = " ".join(f"{self.sx(x * shift, panel):.1f},{self.sy(y):.1f}" for x, y, *_ in pts)
        out = [f'<polyline points="{p}" fill="none" stroke="{color}" stroke-width="1.8"{dash}/>']
        for x, y, lo, hi, hollow in pts:
            px = self.sx(x * shift, panel)
            if lo is not None and hi is not None and hi > lo:
                out.append(f'<path d="M{px:.1f},{self.sy(lo):.1f}V{self.sy(hi):.1f}'
                           f'M{px - 3:.1f},{self.sy(lo):.1f}h6M{px - 3:.1f},{self.sy(hi):.1f}h6" '
                           f'stroke="{color}" stroke-width="1" fill="none"/>')
            out.append(self.marker(px, self.sy(y), color, shape, hollow))
        self.body.append((panel, out))

    def guide(self, x, y, label, panel=0):
        """A dotted line of slope 1 (proportional to size) through x, y."""
        xa, xb = 2 ** self.x0, 2 ** self.x1
        self.body.append((panel, [
            f'<line x1="{self.sx(xa, panel):.1f}" y1="{self.sy(y * xa / x):.1f}" x2="{self.sx(xb, panel):.1f}" '
            f'y2="{self.sy(y * xb / x):.1f}" stroke="#888" stroke-width="1" stroke-dasharray="1 3"/>']))
        if not any(k[0] == "guide" for k in self.legend):
            self.legend.append(("guide", "#888", False, None, label))

    def key(self, kind, color, dashed, shape, label):
        """A legend entry: kind "line" (a line and a marker), "marker",
        "bar" or "text"."""
        self.legend.append((kind, color, dashed, shape, label))

    def yticks(self):
        """(value, labelled) of the y grid: 1, 2 and 5 times the decades in
        range, all labelled if the range spans less than three decades."""
        few = self.y1 - self.y0 < 3
        ticks = []
        for e in range(math.floor(self.y0), math.ceil(self.y1) + 1):
            for m in (1, 2, 5):
                v = m * 10.0 ** e
                if self.y0 <= math.log10(v) <= self.y1:
                    ticks.append((v, m == 1 or few))
        return ticks

    def write(self, path):
        """Writes the SVG file."""
        W, H, L, T, B, PW = self.W, self.H, self.L, self.T, self.B, self.PW
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
               f'font-family="sans-serif" font-size="12">',
               f'<rect width="{W}" height="{H}" fill="white"/>',
               f'<text x="{L}" y="22" font-size="15" font-weight="bold">{escape(self.title)}</text>',
               f'<text x="{L}" y="42">{escape(self.subtitle)}</text>', "<defs>"]
        for n in range(len(self.panels)):
            out.append(f'<clipPath id="panel{n}"><rect x="{self.left(n)}" y="{T}" width="{PW}" '
                       f'height="{H - T - B}"/></clipPath>')
        out.append("</defs>")
        for n, name in enumerate(self.panels):
            x0, x1 = self.left(n), self.left(n) + PW
            out.append(f'<text x="{(x0 + x1) / 2}" y="{T - 8}" text-anchor="middle" '
                       f'font-weight="bold">{escape(name)}</text>')
            for v, labelled in self.yticks():
                y = self.sy(v)
                out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" '
                           f'stroke="{"#ccc" if labelled else "#eee"}"/>')
                if labelled and n == 0:
                    out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(self.yfmt(v))}</text>')
            for x in self.xticks:
                px = self.sx(x, n)
                out.append(f'<line x1="{px:.1f}" y1="{T}" x2="{px:.1f}" y2="{H - B}" stroke="#eee"/>')
                out.append(f'<text x="{px:.1f}" y="{H - B + 16}" text-anchor="middle">{x:g}</text>')
            out += [f'<rect x="{x0}" y="{T}" width="{PW}" height="{H - T - B}" fill="none" stroke="black"/>',
                    f'<text x="{(x0 + x1) / 2}" y="{H - 14}" text-anchor="middle">{escape(self.xlabel)}</text>',
                    f'<g clip-path="url(#panel{n})">']
            out += [e for p, elems in self.body if p == n for e in elems]
            out.append("</g>")
        out.append(f'<text x="14" y="{(T + H - B) / 2}" transform="rotate(-90 14 {(T + H - B) / 2})" '
                   f'text-anchor="middle">{escape(self.ylabel)}</text>')
        lx = self.left(len(self.panels)) + 4
        for n, (kind, color, dashed, shape, label) in enumerate(self.legend):
            ly = T + 6 + 20 * n
            dash = ' stroke-dasharray="6 4"' if dashed else ""
            if kind == "guide":
                out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{color}" '
                           f'stroke-dasharray="1 3"/>')
            elif kind == "line":
                out.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{color}" '
                           f'stroke-width="1.8"{dash}/>')
                if shape:
                    out.append(self.marker(lx + 15, ly, color, shape))
            elif kind == "marker":
                out.append(self.marker(lx + 15, ly, color, shape, hollow=dashed))
            elif kind == "bar":
                out.append(f'<path d="M{lx + 15},{ly - 6}V{ly + 6}M{lx + 12},{ly - 6}h6M{lx + 12},{ly + 6}h6" '
                           f'stroke="{color}" fill="none"/>')
            out.append(f'<text x="{lx + 38}" y="{ly + 4}">{escape(label)}</text>')
        out.append("</svg>")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")


def fmt_ms(v):
    """A tick's label, the value in milliseconds."""
    return f"{v / 1000:g} s" if v >= 1000 else f"{v:g} ms"


def fmt_mib(v):
    """A tick's label, the value in MiB."""
    return f"{v:g} MiB"


# Colour and marker per memmap_on_memory.
MOM_STYLE = {False: ("#b03a2e", "circle"), True: ("#1f6fb2", "square")}
# How much further right the C driver's points are drawn, as a factor of x.
C_SHIFT = 1.07


def subtitle(env, rows):
    """The plots' second line: kernel, guest, rounds."""
    n = env.get("rounds") or (str(max(r["rust"]["n"] for r in rows)) if rows else "?")
    return (f"release kernel {env.get('kernel', '?')}, TCG guest, {env.get('cpus', '?')} CPUs; "
            f"medians of {n} rounds; log-log axes")


def driver_keys(plot):
    """The legend entries of the drivers' line styles."""
    plot.key("line", "#333", False, None, "Rust kmem (solid)")
    plot.key("line", "#333", True, None, f"C kmem (dashed, drawn {round(100 * (C_SHIFT - 1))}% right)")


def time_svg(rows, env, path):
    """bench.svg: median time of each of PLOT_OPS (a panel each) against
    size, both drivers (Rust solid, C dashed), memmap_on_memory off (red
    circles) and on (blue squares), with min..max bars."""
    series = defaultdict(list)
    for r in rows:
        if r["op"] not in PLOT_OPS or not is_sized(r["cfg"]):
            continue
        for d in DRIVERS:
            s = r[d]
            series[(r["op"], r["memmap_on_memory"], d)].append(
                (r["size_gib"], s["median"] / 1e6, s["min"] / 1e6, s["max"] / 1e6, False))
    if not series:
        return
    ops = [op for op in PLOT_OPS if any(k[0] == op for k in series)]
    xs = [p[0] for s in series.values() for p in s]
    ys = [v for s in series.values() for p in s for v in p[1:4] if v > 0]
    if not ys:
        return
    plot = Plot("kmem: time per operation against device size", subtitle(env, rows), ops,
                "device size (GiB)", "time per operation", xs, ys, fmt_ms)
    for (op, mom, d), pts in sorted(series.items()):
        color, shape = MOM_STYLE[mom]
        plot.series(pts, color, d == "c", shape, shift=C_SHIFT if d == "c" else 1.0, panel=ops.index(op))
    for mom in (False, True):
        if any(k[1] == mom for k in series):
            plot.key("marker", MOM_STYLE[mom][0], False, MOM_STYLE[mom][1], f"memmap_on_memory={int(mom)}")
    driver_keys(plot)
    plot.key("bar", "#333", False, None, "bar: min..max of the rounds")
    for n, op in enumerate(ops):
        pts = sorted(series.get((op, False, "rust"), []))
        if pts:
            plot.guide(pts[-1][0], pts[-1][1], "proportional to size", panel=n)
    plot.write(path)


def memory_svg(samples, cfgs, env, rows, path):
    """bench-memory.svg: memory taken from existing RAM against size, both
    drivers, memmap_on_memory off and on; values at or below
    MEMORY_FLOOR_MIB drawn hollow at the floor."""
    series = defaultdict(list)
    for cfg in cfgs:
        if not is_sized(cfg):
            continue
        mom = cfg_info(cfg)["memmap_on_memory"]
        for d in DRIVERS:
            t = taken_kb(samples, cfg, d)
            if t is None:
                continue
            mib = t / 1024
            series[(mom, d)].append((size_gib(cfg), max(mib, MEMORY_FLOOR_MIB), None, None, mib <= MEMORY_FLOOR_MIB))
    if not series:
        return
    xs = [p[0] for s in series.values() for p in s]
    ys = [p[1] for s in series.values() for p in s]
    plot = Plot("kmem: DRAM taken from existing RAM by a bind", subtitle(env, rows),
                ["taken = MemTotal growth - MemFree growth"], "device size (GiB)", "MiB", xs, ys, fmt_mib)
    for (mom, d), pts in sorted(series.items()):
        color, shape = MOM_STYLE[mom]
        plot.series(pts, color, d == "c", shape, shift=C_SHIFT if d == "c" else 1.0)
    for mom in (False, True):
        if any(k[0] == mom for k in series):
            plot.key("marker", MOM_STYLE[mom][0], False, MOM_STYLE[mom][1], f"memmap_on_memory={int(mom)}")
    driver_keys(plot)
    plot.key("marker", "#333", True, "circle", f"hollow: {MEMORY_FLOOR_MIB} MiB or less (or <0),")
    plot.key("text", None, False, None, f"drawn at {MEMORY_FLOOR_MIB} MiB (log axis)")
    pts = sorted(series.get((False, "rust"), []))
    if pts and not pts[-1][4]:
        plot.guide(pts[-1][0], pts[-1][1], "proportional to size")
    plot.write(path)


def main():
    """Reads the log, prints and writes the report; 1 if the guest reported
    errors."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ko", action="append", default=[], help="DRIVER=PATH")
    ap.add_argument("--command", default="make bench")
    ap.add_argument("--text-symbols", type=int, default=0, metavar="N",
                    help="list the N largest functions of each part of the Rust module")
    a = ap.parse_args()

    samples, env, profiles, errors, done = parse(a.log)
    cfgs, rows = build_rows(samples)

    lines = [f"# {a.command}", f"# guest: {json.dumps(env, sort_keys=True)}", ""]
    lines += table_section(rows)
    extra = extra_section(rows)
    if extra:
        lines += [""] + extra

    fits, predictions, growth = time_fits(rows)
    lines += [""] + fits_section(fits, predictions)

    mfits = memory_fits(samples, cfgs)
    lines += [""] + memory_section(samples, cfgs, mfits)

    sizes, parts, extra_parts = {}, None, {}
    for spec in a.ko:
        d, path = spec.split("=", 1)
        sizes[d] = module_size(path)
    if sizes:
        lines += ["", "Module size (bytes):"]
        w = max(5, *(len(d) for d in sizes))
        for d, s in sizes.items():
            lines.append(f"  {d:<{w}} .text {s['text']:7d}  .rodata {s['rodata']:7d}  .data {s['data']:6d}  .bss {s['bss']:5d}")
        others = [d for d in sizes if d != "c"]
        if "c" in sizes and sizes["c"]["text"] and others:
            lines.append("  .text against C's: " + ", ".join(
                f"{d} {sizes[d]['text'] / sizes['c']['text']:.2f}" for d in others))
    for spec in a.ko:
        d, path = spec.split("=", 1)
        if d == "rust" or d in EXTRA_DRIVERS:
            title = "Rust module" if d == "rust" else f"{d.capitalize()} module"
            try:
                text_lines, p = text_by_part(path, a.text_symbols, title)
                lines += [""] + text_lines
            except (OSError, subprocess.CalledProcessError) as e:
                lines += ["", f"{title} functions by part: llvm-nm failed: {e}"]
                continue
            if d == "rust":
                parts = p
            else:
                extra_parts[d] = p

    profile, by_cfg, comparison = {}, {}, None
    if profiles:
        prof_lines, by_cfg, comparison = profiles_section(samples, profiles)
        lines += [""] + prof_lines
        # The old "profile" key: the drivers' shares at the smallest size.
        profile = next(iter(by_cfg.values()))["drivers"] if by_cfg else {}

    if done is None:
        lines += ["", "Note: no \"BENCH done\" line: the log ends before the benchmark did."]
    if errors:
        lines += ["", "Errors:"] + [f"  {e}" for e in errors]

    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    os.makedirs(a.out, exist_ok=True)
    with open(f"{a.out}/table.txt", "w") as f:
        f.write(text)
    with open(f"{a.out}/bench.json", "w") as f:
        json.dump({"command": a.command, "env": env, "rows": rows, "growth_per_gib": growth,
                   "fits": fits, "predictions": predictions, "memory_fits": mfits,
                   "module_size": sizes, "text_by_part": parts,
                   **{f"text_by_part_{d}": p for d, p in extra_parts.items()}, "profile": profile,
                   "profiles": by_cfg, "profile_comparison": comparison,
                   "done_fail": done, "errors": errors}, f, indent=1)
    time_svg(rows, env, f"{a.out}/bench.svg")
    memory_svg(samples, cfgs, env, rows, f"{a.out}/bench-memory.svg")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
