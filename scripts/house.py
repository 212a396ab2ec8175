#!/usr/bin/env python3
"""house.py: the engine's house drawn from its own code, and checked.

Every arrow is a dependency of one source file on another: an #include
(a header belongs to the module of the same name, host/*/NAME.c, or to the
floor named in HEADER_FLOOR) or a call (a symbol a compiled object uses and
another defines, read with nm from the build). Files sit on floors, top
first:

    cli -> report -> experiment -> io -> sim (+ kernels) -> world -> model
        -> stats -> config -> util

The check fails (exit 1), naming each offender, when
  - an arrow between two floors runs up (a lower floor uses a higher one),
  - the files' arrows close a circle (A uses B uses ... uses A),
  - a file includes a private header (host/FOLDER/x.h) of another folder.

    scripts/house.py [--build BUILD_DIR] [--draw]

--draw prints each floor's arrows with their counts (the README's map is
drawn from it). Run from anywhere; BUILD_DIR defaults to build/. CI runs
it as the ctest `house`.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOORS = ["cli", "report", "experiment", "io", "sim", "world", "model", "stats", "config",
          "util"]
# kernels/ is the CUDA half of the sim floor: the backends call each other's
# tables and drivers, and no circle of files may form between them
FOLDER_FLOOR = {"kernels": "sim"}
# public headers with no NAME.c of their own
HEADER_FLOOR = {
    "model_shape": "config",  # what a model file must fit: the loader's and the step's
    "batches": "io",      # the batch layout the checkpoint records
    "results": "io",      # what a run hands the results writer
    "cuda": "sim", "engine": "sim",
    "block": "model", "mixture": "model",
    "path": "model", "step": "model", "workspace": "model",
    # the portability macro, the math library (+ - * / fma sqrt) and the
    # counter-based generator every floor may use (the bootstrap draws
    # from Philox as the paths do)
    "hd": "util", "fmath": "util", "rng": "util",
    "liquidation": "model", "link": "model", "system_outcomes": "model",
    "system_step": "model", "block_venues": "model",
    "venues_view": "sim",  # the kernel's view of the world's venues
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    """Every C/CUDA source and private header of the engine, relative to ROOT."""
    out = ["host/cli.c"]
    for top in ("host", "kernels"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith((".c", ".h", ".cu", ".cuh")):
                    out.append(os.path.relpath(os.path.join(d, f), ROOT))
    for f in os.listdir(os.path.join(ROOT, "include/stampede")):
        out.append("include/stampede/" + f)
    return sorted(set(out))


def module_of(path, modules):
    """The module a file belongs to: a .c/.cu is its own; a header is its
    .c's (same folder, or the public header's NAME.c anywhere in host/)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if path.endswith((".c", ".cu")):
        return path
    if path.startswith("include/stampede/"):
        return modules.get(stem, "include/stampede/" + stem)
    for ext in (".c", ".cu"):
        twin = os.path.splitext(path)[0] + ext
        if os.path.exists(os.path.join(ROOT, twin)):
            return twin
    return path


def folder_of(path):
    parts = path.split("/")
    if path == "host/cli.c":
        return "cli"
    if parts[0] == "host":
        return parts[1]
    if parts[0] == "kernels":
        return "kernels"
    stem = os.path.splitext(parts[-1])[0]
    return HEADER_FLOOR.get(stem, "?")


def floor_of(path, modules):
    """A source's floor is its folder's; a public header's is its module's
    (host/*/NAME.c) or HEADER_FLOOR's; a private header's, its folder's."""
    if path.startswith("include/"):
        path = module_of(path, modules)
        if path.startswith("include/"):
            return HEADER_FLOOR.get(os.path.basename(path), "?")
    f = folder_of(path)
    return FOLDER_FLOOR.get(f, f)


def include_edges(files):
    """file -> {(header, why)}: an include is an arrow to the header itself,
    not to its .c, so a type shared through a header closes no circle; a
    call (call_edges) is an arrow between sources."""
    edges = collections.defaultdict(set)
    private = []
    for src in files:
        text = open(os.path.join(ROOT, src), encoding="utf-8", errors="replace").read()
        here = os.path.dirname(src)
        for name in INCLUDE.findall(text):
            if name.startswith("stampede/"):
                target = "include/" + name
            else:
                target = os.path.normpath(os.path.join(here, name))
            if not os.path.exists(os.path.join(ROOT, target)) or target.startswith("tests/"):
                continue
            if target.startswith("host/") and folder_of(target) != folder_of(src) \
                    and not src.startswith("include/"):
                private.append(f"{src} includes {target}, private to host/{folder_of(target)}/")
            if target != src:
                edges[src].add((target, "#include " + name))
    return edges, private


def call_edges(build, modules):
    """From the objects: module -> {(module, symbol)}."""
    objs = []
    for d, _, files in os.walk(build):
        for f in files:
            if f.endswith((".c.o", ".cu.o")) and ("/stampede_core.dir/" in d + "/"
                                                   or "/stampede_cuda.dir/" in d + "/"
                                                   or "/stampede.dir/" in d + "/"):
                objs.append(os.path.join(d, f))
    if not objs:
        sys.exit(f"house.py: no objects under {build}: build first (cmake --build {build})")
    defined, used = {}, collections.defaultdict(set)
    for o in objs:
        src = re.sub(r"^.*?\.dir/", "", o)[:-2]  # host/x/y.c
        if not os.path.exists(os.path.join(ROOT, src)):
            continue  # a stale object of a file since moved
        for line in subprocess.run(["nm", o], capture_output=True, text=True).stdout.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBRC":
                defined[p[2]] = src
            elif len(p) == 2 and p[0] == "U":
                used[src].add(p[1])
    edges = collections.defaultdict(set)
    for src, syms in used.items():
        for s in syms:
            if s in defined and defined[s] != src:
                edges[src].add((defined[s], s))
    return edges


def circles(edges):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w, _ in edges.get(v, ()):
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
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--draw", action="store_true")
    args = ap.parse_args()
    files = sources()
    modules = {}
    for f in files:
        if f.endswith((".c", ".cu")):
            modules[os.path.splitext(os.path.basename(f))[0]] = f
    inc, private = include_edges(files)
    calls = call_edges(args.build, modules)
    edges = collections.defaultdict(set)
    for e in (inc, calls):
        for a, bs in e.items():
            edges[a] |= bs
    rank = {f: i for i, f in enumerate(FLOORS)}
    up, arrows = [], collections.Counter()
    for a, bs in sorted(edges.items()):
        fa = floor_of(a, modules)
        for b, why in sorted(bs):
            fb = floor_of(b, modules)
            if fa not in rank or fb not in rank:
                up.append(f"{a} -> {b} ({why}): no floor for {fa if fa not in rank else fb}")
                continue
            arrows[(fa, fb)] += 1
            if rank[fb] < rank[fa]:
                up.append(f"{a} ({fa}) -> {b} ({fb}): {why}")
    rings = circles(edges)
    if args.draw:
        print("floors, top first:", " -> ".join(FLOORS))
        for (a, b), n in sorted(arrows.items(), key=lambda x: (rank[x[0][0]], rank[x[0][1]])):
            if a != b:
                print(f"  {a:>10} -> {b:<10} {n:4d}")
    found = (["arrow up: " + line for line in up]
             + ["circle: " + " -> ".join(ring) for ring in rings]
             + ["private: " + line for line in private])
    for line in found:
        print(line)
    between = sum(n for (a, b), n in arrows.items() if a != b)
    print(f"house.py: {len(files)} files, {between} arrows between folders, {len(up)} up, "
          f"{len(rings)} circles, {len(private)} private reaches")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
