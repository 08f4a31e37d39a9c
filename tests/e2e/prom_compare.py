#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Compare `tun46 stats prometheus` with `tun46 -j stats` (tests/e2e/test_metrics.sh).

Usage: prom_compare.py PROM_FILE JSON_FILE
Parses the exposition (name{labels} value, label values unescaped), maps every
series back to its tun46 counter (packets/bytes by dir and path, the others by
their reason/event label), sums them per dev, per peer and in total, and
checks each equals the JSON of the same read.  Absent drop/pass/event series
count as 0 (they are written once non-zero).  Also checks that no series
repeats and that HELP/TYPE appear once per family.  Prints one line per
mismatch; exit 1 if any, 0 if all equal (with a summary line).
"""
import json
import re
import sys
from collections import defaultdict

TUNNEL = {
    ("tun46_packets_total", "encap", "fast"): "encap_packets",
    ("tun46_packets_total", "encap", "slow"): "slow_encap_packets",
    ("tun46_packets_total", "decap", "fast"): "decap_packets",
    ("tun46_packets_total", "decap", "slow"): "slow_decap_packets",
    ("tun46_bytes_total", "encap", "fast"): "encap_bytes",
    ("tun46_bytes_total", "encap", "slow"): "slow_encap_bytes",
    ("tun46_bytes_total", "decap", "fast"): "decap_bytes",
    ("tun46_bytes_total", "decap", "slow"): "slow_decap_bytes",
}
BYLABEL = {"tun46_drops_total": "reason", "tun46_kernel_passes_total": "reason", "tun46_events_total": "event"}
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(s):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), s)


def parse(text):
    series, seen, helps, types, errs = [], set(), defaultdict(int), defaultdict(int), []
    for ln in text.splitlines():
        if ln.startswith("# HELP "):
            helps[ln.split()[2]] += 1
            continue
        if ln.startswith("# TYPE "):
            types[ln.split()[2]] += 1
            continue
        if not ln or ln.startswith("#"):
            continue
        m = LINE.match(ln)
        if not m:
            errs.append("unparsable line: %r" % ln)
            continue
        labels = {k: unescape(v) for k, v, _ in LABEL.findall(m.group(3) or "")}
        key = (m.group(1), tuple(sorted(labels.items())))
        if key in seen:
            errs.append("duplicate series: %s" % ln)
        seen.add(key)
        series.append((m.group(1), labels, float(m.group(4))))
    for fam, n in list(helps.items()) + list(types.items()):
        if n != 1:
            errs.append("family %s: HELP/TYPE %d times" % (fam, n))
    return series, errs


def main():
    prom = open(sys.argv[1]).read()
    js = json.load(open(sys.argv[2]))
    series, errs = parse(prom)
    names = list(js["total"].keys())
    by_dev = defaultdict(lambda: defaultdict(float))
    by_peer = defaultdict(lambda: defaultdict(float))
    total = defaultdict(float)
    mapped = 0
    for name, lb, v in series:
        if name in ("tun46_packets_total", "tun46_bytes_total"):
            c = TUNNEL.get((name, lb.get("dir"), lb.get("path")))
        elif name in BYLABEL:
            c = lb.get(BYLABEL[name])
        elif name == "tun46_stats_lost_updates_total":
            total["stats_map_full"] += v
            mapped += 1
            continue
        else:
            continue
        if c not in names:
            errs.append("series %s %s names no counter of tun46 -j stats" % (name, lb))
            continue
        mapped += 1
        by_dev[lb["dev"]][c] += v
        by_peer[lb["peer"]][c] += v
        total[c] += v
    for c in names:
        if total[c] != js["total"][c]:
            errs.append("total %s: metrics %d, -j stats %d" % (c, total[c], js["total"][c]))
    for d in js["dev"]:
        for c in names:
            if by_dev[d["ifname"]][c] != d[c]:
                errs.append("dev %s %s: metrics %d, -j stats %d" % (d["ifname"], c, by_dev[d["ifname"]][c], d[c]))
    for p in js["peer"]:
        for c in names:
            if by_peer[p["name"]][c] != p[c]:
                errs.append("peer %s %s: metrics %d, -j stats %d" % (p["name"], c, by_peer[p["name"]][c], p[c]))
    for d in by_dev:
        if d not in [x["ifname"] for x in js["dev"]]:
            errs.append("dev %s in the metrics only" % d)
    for e in errs:
        print(e)
    if errs:
        return 1
    nz = sum(1 for c in names if js["total"][c])
    print("equal: %d series, %d counters (%d non-zero), %d devs, %d peers, encap_packets %d decap_packets %d" %
          (mapped, len(names), nz, len(js["dev"]), len(js["peer"]), js["total"]["encap_packets"],
           js["total"]["decap_packets"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
