#!/usr/bin/env bash
# The house has layers and no circles.
#
# Layers: lib/ (libtun46.a) is the bottom; cli/ (tun46) and daemon/ (tun46d)
# sit on it, side by side.  This test checks, from the sources and from the
# object files `make` leaves in $BUILD (build/lib/*.o, build/cli/*.o,
# build/daemon/*.o):
#
# (a) the include graph, from every `#include "..."` in lib/, cli/ and
#     daemon/ (*.c, *.h), each name resolved the way the compiler does: the
#     including file's own folder first, then -Iinclude -Ilib -I$BUILD and
#     the folder's own -Icli / -Idaemon (see the Makefile):
#       layers/include-lib      lib/ never includes a cli/ or daemon/ header;
#       layers/include-fronts   cli/ and daemon/ never include each other;
#       layers/include-cycles   no cycle among the headers (a header that,
#                               through others, includes itself).
# (b) the call graph at file level, from the objects: `nm --defined-only`
#     gives the global symbols each .o defines, `nm -u` the ones it needs;
#     each needed symbol that another object of the three folders defines is
#     an edge "this .o -> that .o" (symbols of libc/libbpf are outside):
#       layers/calls-lib-up     no edge from lib/ to cli/ or daemon/ (nor
#                               between cli/ and daemon/);
#       layers/calls-cycles-X   no cycle between the files of folder X (lib,
#                               cli, daemon): the strongly connected
#                               components (Tarjan) of the graph are single
#                               files; a failing check names one cycle as
#                               "a.o -> b.o -> a.o".
# The objects must be current (run `make` first); without them (b) is SKIPped.
#
# The layers of lib/, bottom up (from the objects; each file calls only files
# to its left on its line or on the lines above; the check enforces only
# that there is no circle, this map says where a new function belongs):
#   base, no kernel: opts errmsg lbmsg parse host cmdparse hidx state config
#                    plan mapnames linklist localpick
#   kernel I/O:      nl nlquery attach ethtool probe netns pin lock gc maps
#                    stats statsfew peerrx routemap load portcheck tundev
#   state:           peertab names ridx routetab layout journal repair ensure (the
#                    loading layer) peers routes links migrate follow
#   open/close:      backend (be_open, be_close)
#   front-facing:    live sanity apply prom
# daemon/: common (options, counters, d_log) < notify hook < addr dns
#          metrics < loop < main.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
if ! command -v python3 >/dev/null; then
	echo "SKIP layers: python3 is not installed"
	exit 0
fi
exec python3 - "$BUILD" <<'EOF'
import os, re, subprocess, sys
from glob import glob

build = sys.argv[1]
folders = ["lib", "cli", "daemon"]
failed = False


def report(name, bad, detail_ok, detail_bad):
    global failed
    if bad:
        failed = True
        print(f"FAIL {name}: {detail_bad}")
    else:
        print(f"PASS {name}: {detail_ok}")


def folder_of(path):
    top = path.split("/", 1)[0]
    return top if top in folders else None


def sccs(nodes, edges):
    """Tarjan; returns the components with more than one node (or a self loop)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in edges.get(v, ()):
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def one_cycle(comp, edges):
    """A simple cycle through comp[0], staying inside comp (BFS back to it)."""
    start, inside = comp[0], set(comp)
    prev, queue = {start: None}, [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, ())):
            if w not in inside:
                continue
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                return list(reversed(path)) + [start]
            if w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


# ---- (a) include graph ----
inc_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
sources = sorted(p for f in folders for p in glob(f"{f}/*.[ch]"))
inc_edges = {}
lib_up, fronts = [], []
for src in sources:
    own = folder_of(src)
    search = [os.path.dirname(src), "include", "lib", build] + ([own] if own != "lib" else [])
    text = open(src, encoding="utf-8", errors="replace").read()
    for name in inc_re.findall(text):
        target = None
        for d in search:
            cand = os.path.normpath(os.path.join(d, name))
            if os.path.exists(cand):
                target = cand
                break
        if target is None:
            continue  # generated or system header: not ours
        inc_edges.setdefault(src, set()).add(target)
        tf = folder_of(target)
        if own == "lib" and tf in ("cli", "daemon"):
            lib_up.append(f"{src} includes {target}")
        if own in ("cli", "daemon") and tf in ("cli", "daemon") and tf != own:
            fronts.append(f"{src} includes {target}")

report("layers/include-lib", lib_up, "no lib/ file includes a cli/ or daemon/ header", "; ".join(lib_up))
report("layers/include-fronts", fronts, "cli/ and daemon/ do not include each other", "; ".join(fronts))
hdr_edges = {h: {t for t in ts if t.endswith(".h")} for h, ts in inc_edges.items() if h.endswith(".h")}
hdrs = {p for p in sources if p.endswith(".h")}
cyc = sccs(hdrs, hdr_edges)
report("layers/include-cycles", cyc, f"{len(hdrs)} headers, no include cycle",
       "; ".join(" -> ".join(one_cycle(c, hdr_edges)) for c in cyc))

# ---- (b) call graph from the objects ----
# objects of sources that exist (a stale .o of a removed file is not the house)
objs = sorted(o for f in folders for o in glob(f"{build}/{f}/*.o")
              if os.path.exists(f"{f}/{os.path.basename(o)[:-2]}.c"))
if not any(o.startswith(f"{build}/lib/") for o in objs):
    print(f"SKIP layers/calls: no objects in {build}/lib (run make first)")
    sys.exit(1 if failed else 0)


def nm(args, obj):
    r = subprocess.run(["nm"] + args + [obj], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL layers/calls: nm {' '.join(args)} {obj}: {r.stderr.strip()}")
        sys.exit(1)
    return r.stdout.splitlines()


defined, needs = {}, {}
for o in objs:
    for line in nm(["--defined-only", "-g"], o):
        parts = line.split()
        if len(parts) >= 3 and parts[1] not in ("U", "w", "v"):
            defined.setdefault(parts[2], set()).add(o)
    needs[o] = {line.split()[-1] for line in nm(["-u"], o) if line.strip()}


def short(o):
    return o[len(build) + 1:]


call_edges, up = {}, []
for o, syms in needs.items():
    for s in syms:
        for d in defined.get(s, ()):
            if d == o:
                continue
            call_edges.setdefault(o, set()).add(d)
            fo, fd = folder_of(short(o)), folder_of(short(d))
            if fo != fd and (fo == "lib" or fd != "lib"):
                up.append(f"{short(o)} -> {short(d)} ({s})")
nedges = sum(len(v) for v in call_edges.values())
report("layers/calls-lib-up", up, f"{len(objs)} objects, {nedges} file edges, none from lib/ up or across fronts",
       "; ".join(sorted(up)))
for f in folders:
    nodes = {o for o in objs if short(o).startswith(f + "/")}
    if not nodes:
        print(f"SKIP layers/calls-cycles-{f}: no objects in {build}/{f}")
        continue
    sub = {o: {d for d in call_edges.get(o, ()) if d in nodes} for o in nodes}
    cyc = sccs(nodes, sub)
    report(f"layers/calls-cycles-{f}", cyc, f"{len(nodes)} files, no call cycle",
           "; ".join(" -> ".join(short(x) for x in one_cycle(c, sub)) for c in cyc))
sys.exit(1 if failed else 0)
EOF
