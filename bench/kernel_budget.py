"""kernel_budget.py: the lockstep kernel's instruction budget, from the
compiled code alone (issue 25, item 4). bench/kernel_budget.sh runs it;
bench/NOTES.md ("The kernel's instruction budget") explains the figures.

  kernel_budget.py --build DIR --config CONFIG [--out DIR] [--nvdisasm PATH]
  kernel_budget.py --listing FILE [--sources ROOT]   (parser only: counts of a listing)

Compiles kernels/path_kernel.cu with the command CMake wrote for the build
(DIR/compile_commands.json, Release), reads ptxas's resource line for
sm_90, disassembles the sm_90 cubin with its line information (a second
compile with -lineinfo, checked to give the same instruction words), finds
the loops from the branches (sass_cfg.py) and names them by the source
functions their instructions come from, then counts a step's work per
agent-step. No GPU is used or needed.
"""
import argparse
import datetime
import json
import os
import re
import shlex
import struct
import subprocess
import sys
import tempfile
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sass_cfg as S  # noqa: E402

# Source functions that name the parts of a step (block.h, step.h, path.h).
# A rename shows as a missing part in the output, never as a silent zero.
SCREENS = "stp_block_screens"  # the agents' and positions' phase
# the MLP families' lockstep evaluation (its body, and the function that
# calls it with the shipped width as a constant)
MLP_FUNCS = ("stp_block_mlp", "stp_block_mlp_strided")
# every other family, one path at a time: block.h calls stp_rule_logit,
# and called stp_model_logit up to a96f85e (either name marks a rule)
RULE_FUNCS = ("stp_rule_logit", "stp_model_logit")
TANH_FUNC = "stp_tanhf"
# an agent's features: block.h reads its table entries once for the 8
# paths (stp_agent_features_of); stp_agent_features up to a96f85e
FEATURES_FUNCS = ("stp_agent_features", "stp_agent_features_of")
# a position's screen: stp_position_screen, or the formula it calls on the
# arrays (block.h's loop after a96f85e, as the OpenMP backend's)
POSITION_FUNCS = ("stp_position_screen", "stp_maybe_liquidatable")
# per-lane branches whose sides differ between the lanes of a warp: a warp
# issues both sides when its lanes disagree (the HF of a borrower or an LP;
# the candidate test), one when they all agree
DATA_DEPENDENT = ("stp_agent_hf", "stp_agent_candidate", "stp_agent_ready")
PHASES = ("stp_block_count", "stp_block_scan", "stp_block_scatter", "stp_block_serial")

# H100 SXM5 / H200 SXM (GH100, sm_90): NVIDIA H100 Tensor Core GPU
# Architecture whitepaper (2022): 132 SMs on the SXM5 product, 4 SM
# sub-partitions each with one warp scheduler that issues one warp
# instruction a clock; 65,536 32-bit registers, 228 KB of shared memory per
# SM (227 KB usable by one block), 64 resident warps and 32 resident blocks
# per SM (CUDA C++ Programming Guide, compute capability 9.0). Clock: the
# H100 SXM and H200 SXM datasheets give 67 TFLOPS FP32 = 132 SMs x 128 FP32
# lanes x 2 FLOP x 1.98 GHz, their boost clock; 1.755 GHz is assumed as a
# sustained clock under a long FMA-bound run (not measured here).
DEVICES = {
    "H100 SXM": {"sms": 132, "schedulers": 4, "clocks_ghz": (1.98, 1.755)},
    "H200 SXM": {"sms": 132, "schedulers": 4, "clocks_ghz": (1.98, 1.755)},
}
SM90 = {"regs": 65536, "smem": 228 * 1024, "smem_block": 227 * 1024, "smem_reserved": 1024,
        "warps": 64, "blocks": 32, "threads": 2048, "reg_unit": 256}


# ---------------------------------------------------------------------------
# Compiling
# ---------------------------------------------------------------------------


def compile_command(build):
    """The build's nvcc command for path_kernel.cu and its directory."""
    with open(os.path.join(build, "compile_commands.json")) as f:
        for e in json.load(f):
            if e["file"].endswith("kernels/path_kernel.cu"):
                return shlex.split(e["command"]), e["directory"]
    raise SystemExit("kernel_budget: no kernels/path_kernel.cu in %s/compile_commands.json "
                     "(configure with -DSTP_CUDA=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON)" % build)


def run(cmd, cwd=None):
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise SystemExit("kernel_budget: failed (%d): %s\n%s" % (p.returncode, " ".join(cmd),
                                                                 p.stdout[-4000:]))
    return p.stdout


def build_cubins(cmd, cwd, tmp):
    """Compile as the build does (all its architectures, -Xptxas -v, the
    sm_90 cubin kept), then once more for sm_90 with -lineinfo."""
    out = cmd.index("-o")
    base = cmd[:out] + cmd[out + 2:]
    keep = os.path.join(tmp, "keep")
    os.makedirs(keep)
    log = run(base + ["-o", os.path.join(tmp, "pk.o"), "--keep", "--keep-dir", keep,
                      "-Xptxas", "-v"], cwd)
    cubin = [f for f in os.listdir(keep) if f.endswith(".cubin") and "sm_90" in f]
    if not cubin:
        raise SystemExit("kernel_budget: the build compiles no sm_90 code "
                         "(CMAKE_CUDA_ARCHITECTURES must include 90)")
    gencode = [a for a in base if a.startswith(("--generate-code", "-gencode", "-arch", "--gpu-"))]
    single = [a for a in base if a not in gencode]
    keep_l = os.path.join(tmp, "keep_l")
    os.makedirs(keep_l)
    run(single + ["--generate-code=arch=compute_90,code=[sm_90]", "-lineinfo", "-o",
                  os.path.join(tmp, "pk_l.o"), "--keep", "--keep-dir", keep_l], cwd)
    cubin_l = [f for f in os.listdir(keep_l) if f.endswith(".cubin")]
    return log, os.path.join(keep, cubin[0]), os.path.join(keep_l, cubin_l[0]), single


def ptxas_resources(log):
    """ptxas -v's figures for the sm_90 entry."""
    part = log.split("for 'sm_90'")[-1]
    num = lambda pat: int(re.search(pat, part).group(1))  # noqa: E731
    return {"registers": num(r"Used (\d+) registers"),
            "stack_frame_bytes": num(r"(\d+) bytes stack frame"),
            "spill_stores_bytes": num(r"(\d+) bytes spill stores"),
            "spill_loads_bytes": num(r"(\d+) bytes spill loads"),
            "static_smem_bytes": num(r"(\d+) bytes smem"),
            "barriers": num(r"used (\d+) barriers")}


def disassemble(nvdisasm, cubin, tmp):
    """nvdisasm -c -hex -gi of a cubin. An nvdisasm older than CUDA 12.8
    reads the ELF header of CUDA 13's cubins (ABI version 8) as sm_4; the
    instruction set of sm_90 is the same, so a copy with the older header
    (OS/ABI 0x33, ABI version 7, flags SM90 | virtual SM90 | 64-bit |
    unified texture mode) is disassembled instead. The instructions it
    cannot decode are recovered from their words (sass_cfg.OPCODES_NEW)."""
    p = subprocess.run([nvdisasm, "-c", "-hex", "-gi", cubin], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode == 0 and "/*0000*/" in p.stdout:
        return p.stdout, False
    with open(cubin, "rb") as f:
        b = bytearray(f.read())
    b[7], b[8] = 0x33, 7
    struct.pack_into("<I", b, 0x30, 0x5A055A)
    patched = os.path.join(tmp, os.path.basename(cubin) + ".abi7")
    with open(patched, "wb") as f:
        f.write(b)
    return run([nvdisasm, "-c", "-hex", "-gi", patched]), True


def words(insns):
    return [w for i in insns for w in i.words]


# ---------------------------------------------------------------------------
# Analysis: loops, nodes, costs
# ---------------------------------------------------------------------------


class Kernel:
    """One kernel's instructions, blocks, loops and source attribution."""

    def __init__(self, listing, root=None):
        self.insns, self.labels = S.parse_listing(listing)
        self.blocks = S.build_cfg(self.insns, self.labels)
        self.loops = S.natural_loops(self.blocks)
        self.idom, self.preds, self.pos = S.dominators(self.blocks)
        self.fn = S.Functions(root)
        self.names = [self.fn.chain_names(i.chain) for i in self.insns]
        self.cold = self._cold_blocks()

    def _cold_blocks(self):
        """Blocks that call a runtime subroutine (the slow path of an IEEE
        division or square root: FCHK or the operands' range sends a lane
        there only for operands far outside this model's), and blocks reached
        only from them. Not counted: no lane of a warp takes them."""
        cold = set()
        for b, blk in enumerate(self.blocks):
            if any(self.insns[k].op.startswith("CALL") for k in range(blk.start, blk.end)):
                cold.add(b)
        changed = True
        while changed:
            changed = False
            for b in range(len(self.blocks)):
                ps = self.preds[b]
                if b not in cold and ps and all(p in cold for p in ps):
                    cold.add(b)
                    changed = True
        return cold

    def addr(self, b):
        return self.insns[self.blocks[b].start].addr

    def block_insns(self, b):
        return range(self.blocks[b].start, self.blocks[b].end)

    def has(self, b, func):
        return any(func in self.names[k] for k in self.block_insns(b))

    def has_any(self, b, funcs):
        return any(self.has(b, f) for f in funcs)

    def loops_with(self, func):
        return [lp for lp in self.loops if any(self.has(b, func) for b in lp.body)]

    def children(self, lp):
        """The loops directly inside lp."""
        inner = [q for q in self.loops if q.body < lp.body]
        return [q for q in inner if not any(q.body < r.body for r in inner)]


def smallest(loops):
    return min(loops, key=lambda lp: len(lp.body)) if loops else None


class Iteration:
    """One iteration of a loop as a graph: its own blocks and its child
    loops as single nodes, edges within the iteration (back edges to the
    header and exits left out), cold blocks left out."""

    def __init__(self, k, lp):
        self.k, self.lp = k, lp
        self.kids = k.children(lp)
        self.node_of = {}
        for c in self.kids:
            for b in c.body:
                self.node_of[b] = ("loop", c.header)
        for b in lp.body:
            if b not in self.node_of and b not in k.cold:
                self.node_of[b] = ("block", b)
        self.nodes = sorted(set(self.node_of.values()))
        self.succ = {n: set() for n in self.nodes}
        for b, n in self.node_of.items():
            for s in k.blocks[b].succ:
                if s == lp.header or s not in self.node_of:
                    continue
                m = self.node_of[s]
                if m != n:
                    self.succ[n].add(m)
        # the reversed edges, derived once: reach() and _cheapest() walk them
        self.pred = {n: set() for n in self.nodes}
        for n, ss in self.succ.items():
            for m in ss:
                self.pred[m].add(n)
        self.head = self.node_of[lp.header]
        self.latches = {self.node_of[u] for u in lp.latches if u in self.node_of}

    def kid(self, node):
        return next(c for c in self.kids if c.header == node[1])

    def instr(self, node):
        """Instruction indices of a block node (a loop node: none)."""
        return list(self.k.block_insns(node[1])) if node[0] == "block" else []

    def reach(self, start, rev=False):
        g = self.pred if rev else self.succ
        seen, work = {start}, [start]
        while work:
            x = work.pop()
            for y in g[x]:
                if y not in seen:
                    seen.add(y)
                    work.append(y)
        return seen

    def through(self, node):
        """Nodes on a path header -> node -> latch within one iteration."""
        return (self.reach(node, rev=True) | self.reach(node)) & self.reach(self.head)

    def dominating_latch(self, active):
        """Active nodes every iteration passes (they dominate every latch
        within the active subgraph): computed as the nodes whose removal
        disconnects the header from the latches."""
        out = set()
        for n in active:
            if n == self.head:
                out.add(n)
                continue
            seen, work = {self.head}, [self.head]
            while work:
                x = work.pop()
                for y in self.succ[x]:
                    if y in active and y != n and y not in seen:
                        seen.add(y)
                        work.append(y)
            if not (seen & self.latches & active):
                out.add(n)
        return out


def count_ops(k, idx, weight, acc):
    for i in idx:
        acc[k.insns[i].op] += weight


# ---------------------------------------------------------------------------
# The step's parts
# ---------------------------------------------------------------------------


def mlp_loop_cost(k, lp):
    """One iteration of the MLP's hidden-unit loop (every block but the
    division's slow path) and the hidden units it covers, from the FFMAs
    written in the MLP function itself: per unit, STP_FEATURES FMAs for
    each path and one for the output."""
    it = Iteration(k, lp)
    ops, tanh = Counter(), 0
    for n in it.nodes:
        if n[0] == "loop":
            raise SystemExit("kernel_budget: a loop inside the MLP's loop; extend mlp_loop_cost")
        idx = it.instr(n)
        count_ops(k, idx, 1, ops)
        tanh += sum(1 for i in idx if TANH_FUNC in k.names[i])
    ffma = 0
    for n in it.nodes:
        for i in it.instr(n):
            if k.insns[i].op.startswith("FFMA") and k.names[i][0] in MLP_FUNCS:
                ffma += 1
    return ops, tanh, ffma


def data_dependent_blocks(k, active):
    """The blocks of an iteration that a warp skips when all its lanes
    take the same side of a DATA_DEPENDENT function's tests: each inlined
    call of one is a run of consecutive blocks (by address) holding its
    instructions; its first block (the first test) always runs, the rest
    of the run, mostly the function's own instructions, is optional."""
    blocks = sorted((n[1] for n in active if n[0] == "block"), key=k.addr)
    optional, prev_dd = set(), False
    for b in blocks:
        idx = list(k.block_insns(b))
        dd = [i for i in idx if any(f in k.names[i] for f in DATA_DEPENDENT)]
        if dd and prev_dd and 2 * len(dd) > len(idx):
            optional.add(("block", b))
        prev_dd = bool(dd)
    return optional


def node_weight(k, it, n):
    if n[0] == "block":
        return len(it.instr(n))
    c = it.kid(n)
    return sum(k.blocks[b].end - k.blocks[b].start for b in c.body if b not in k.cold)


def _cheapest(it, weight, src, addr, rev=False):
    """Dijkstra over the iteration's nodes, weights on nodes: for every
    node reached from src, the cost of the cheapest path to it, both ends
    counted (rev: along reversed edges, so from it to src)."""
    import heapq
    succ = it.pred if rev else it.succ
    dist = {src: weight[src]}
    heap = [(dist[src], addr(src), src)]
    while heap:
        d, _, n = heapq.heappop(heap)
        if d > dist.get(n, float("inf")):
            continue
        for m in succ[n]:
            if d + weight[m] < dist.get(m, float("inf")):
                dist[m] = d + weight[m]
                heapq.heappush(heap, (dist[m], addr(m), m))
    return dist


def _costliest(it, weight, src, dst, addr):
    """The most expensive path from src to dst over the iteration's
    nodes (acyclic: back edges and child loops are collapsed), weights on
    nodes, both ends counted; 0 when dst is not reached."""
    between = it.reach(src) & it.reach(dst, rev=True)
    best = {}
    # longest path in a DAG: nodes in an order where every edge goes
    # forward (Kahn's algorithm over the nodes between src and dst)
    indeg = {n: sum(1 for m in it.pred[n] if m in between) for n in between}
    ready = [n for n in between if indeg[n] == 0]
    order = []
    while ready:
        n = ready.pop()
        order.append(n)
        for m in it.succ[n]:
            if m in between:
                indeg[m] -= 1
                if indeg[m] == 0:
                    ready.append(m)
    if len(order) != len(between):
        raise ValueError("a cycle inside one iteration at %s" % hex(addr(src)))
    for n in order:
        into = [best[m] for m in it.pred[n] if m in best]
        if n == src:
            best[n] = weight[n]
        elif into:
            best[n] = max(into) + weight[n]
    return best.get(dst, 0)


def region_paths(k, it, func, via=None):
    """The nodes of a loop iteration that run func (most of their
    instructions inside it; a loop counts its blocks once): all of them
    (both sides of every branch, loops once: the code's size), the most
    expensive path from the region's first node to its last (by address)
    counting the region's nodes (what one thread issues at most, loops
    once: it takes one side of each branch), and the cheapest path
    through whatever nodes join them (one lane takes one side of each
    branch) and, given via, through a node running that function: the
    lane's own path, not a thread's that skips the lane's work (the lane
    test may itself fall in the region). Returns (union, cheapest,
    costliest)."""
    weight = {n: node_weight(k, it, n) for n in it.nodes}
    region = []
    for n in it.nodes:
        idx = it.instr(n) if n[0] == "block" else [
            i for b in it.kid(n).body if b not in k.cold for i in k.block_insns(b)]
        if idx and 2 * sum(1 for i in idx if func in k.names[i]) > len(idx):
            region.append(n)
    if not region:
        return 0, 0, 0
    addr = lambda n: k.addr(n[1])  # noqa: E731
    first, last = min(region, key=addr), max(region, key=addr)
    inside = set(region)
    most = _costliest(it, {n: weight[n] if n in inside else 0 for n in it.nodes}, first, last,
                      addr)
    fwd = _cheapest(it, weight, first, addr)
    if via is None:
        return sum(weight[n] for n in region), fwd.get(last, 0), most
    back = _cheapest(it, weight, last, addr, rev=True)
    mids = [n for n in region if n in fwd and n in back and n[0] == "block" and
            n not in (first, last) and
            2 * sum(1 for i in it.instr(n) if via in k.names[i]) > len(it.instr(n))]
    best = min((fwd[n] + back[n] - weight[n] for n in mids), default=fwd.get(last, 0))
    return sum(weight[n] for n in region), best, most


def agent_iteration(k, agent_loop, req, exclude_funcs, mlp_trips, P, F):
    """Instructions one warp issues for one iteration of the agents' loop
    (one agent of each lane, all P paths) when its family takes node req.
    upper: every block on a path through req (a warp whose lanes disagree
    at every data-dependent branch issues them all); lower: less the
    blocks of DATA_DEPENDENT functions that an iteration can skip."""
    it = Iteration(k, agent_loop)
    active = {n for n in it.through(req)
              if not (n[0] == "block" and any(k.has(n[1], f) for f in exclude_funcs))}
    optional = data_dependent_blocks(k, active)
    up, lo, tanh, mlp = Counter(), Counter(), 0, 0
    loops = []
    for n in active:
        if n[0] == "loop":
            c = it.kid(n)
            body_funcs = Counter(f for b in c.body for i in k.block_insns(b) for f in k.names[i])
            if any(f in body_funcs for f in MLP_FUNCS):
                ops, t, ffma = mlp_loop_cost(k, c)
                trips = mlp_trips(ffma)
                tanh += t * trips
                mlp += sum(ops.values()) * trips
                loops.append({"at": hex(k.addr(c.header)), "what": "MLP hidden units",
                              "per_iteration": sum(ops.values()), "units_per_iteration":
                              ffma / (P * (F + 1)), "trips": trips})
                for op, v in ops.items():
                    up[op] += v * trips
                    lo[op] += v * trips
            else:
                # a loop of the iteration that is not the MLP (the family
                # lookup: its test runs once an agent, its body only where
                # an agent's family differs from the previous agent's)
                sub = Iteration(k, c)
                ops = Counter()
                for m in sub.nodes:
                    if m[0] == "block":
                        count_ops(k, sub.instr(m), 1, ops)
                loops.append({"at": hex(k.addr(c.header)), "what": "other (family lookup)",
                              "per_iteration": sum(ops.values()), "trips": 1})
                up.update(ops)
                lo.update(ops)
            continue
        idx = it.instr(n)
        tanh += sum(1 for i in idx if TANH_FUNC in k.names[i])
        mlp += sum(1 for i in idx if any(f in k.names[i] for f in MLP_FUNCS))
        count_ops(k, idx, 1, up)
        if n not in optional:
            count_ops(k, idx, 1, lo)
    return up, lo, tanh, loops, mlp


def store_rows(k, lp):
    """The byte stores of a loop by base register: {register: offsets}.
    One register is one path's flag row."""
    rows = {}
    for b in lp.body:
        for i in k.block_insns(b):
            ins = k.insns[i]
            if ins.op.startswith(("STG", "ST.")) and ".U8" in ins.op:
                m = re.match(r"\[(R\d+)(?:\.64)?(?:\+(0x[0-9a-f]+))?\]", ins.operands)
                if m:
                    rows.setdefault(m.group(1), set()).add(m.group(2) or "0x0")
    return rows


def loop_bound(k, lp):
    """What a loop runs over, from the source line of its back branch:
    "positions" when that line bounds it by n_positions, "paths" by
    n_paths; failing that, from its flag stores: every base register
    (a path's flag row) written at several offsets (several positions of
    the row a pass, of one path or of a few) is "positions"; else None."""
    rows = store_rows(k, lp)
    several_positions = bool(rows) and all(len(offs) > 1 for offs in rows.values())
    for u in lp.latches:
        ins = k.insns[k.blocks[u].end - 1]
        if not ins.chain:
            continue
        path, line = ins.chain[0]
        try:
            with open(k.fn._local(path), encoding="utf-8", errors="replace") as f:
                text = f.read().split("\n")[line - 1]
        except (OSError, IndexError):
            continue
        if "n_positions" in text:
            return "positions"
        if "n_paths" in text:
            return "paths"
    return "positions" if several_positions else None


def position_cost(k, P, per_thread):
    """The positions' screen, per position (all P paths) and per path.
    Two shapes: a loop over positions around one over the paths (to
    a96f85e), whose inner loop writes m flags a pass, P / m trips of it a
    position, the blocks outside it that write flags being the remainder
    when P is not a multiple of m (skipped: full blocks), the rest once a
    position; or a loop over paths around loops over a path's positions,
    the first (the main one) m positions a pass: P / m passes a position,
    the path loop's own blocks once a path (per_path), and the rest (the
    remainder, < m positions a path) skipped when per_thread, a thread's
    positions of a path, is a multiple of m, else once a path. In the
    second shape a pass may screen G paths at once (G flag rows written;
    P a multiple of G): then m counts the pass's G x (positions) flags, the
    path loop's own blocks run once for G paths, and the remainder's
    passes write G flags each."""
    def stores(idx):
        return sum(1 for i in idx if k.insns[i].op.startswith(("STG", "ST.")) and
                   ".U8" in k.insns[i].op)

    def own(lp):
        sub = Iteration(k, lp)
        return [i for m in sub.nodes if m[0] == "block" for i in sub.instr(m)]

    cands = [lp for f in POSITION_FUNCS for lp in k.loops_with(f)]
    inner = min((lp for lp in cands if not k.children(lp) and stores(own(lp))),
                key=lambda lp: k.addr(lp.header), default=None)
    if inner is None:
        return None
    parent = smallest([lp for lp in k.loops if lp.body > inner.body])
    # the path loop inside the position loop, or (paths unrolled) the
    # position loop itself: a loop that also holds the agents' features
    # or the serial lanes is the step
    outer = inner
    if parent is not None and not any(k.has_any(b, FEATURES_FUNCS) or k.has(b, "stp_block_serial")
                                      for b in parent.body):
        outer = parent
    paths_outer = outer is not inner and loop_bound(k, inner) == "positions"
    group = max(1, len(store_rows(k, inner))) if paths_outer else 1  # paths a pass
    it = Iteration(k, outer)
    ops, per_path = Counter(), Counter()
    detail = []
    kid_stores = 0
    for n in sorted(it.nodes, key=lambda n: k.addr(n[1])):
        if n[0] != "loop":
            continue
        c = it.kid(n)
        idx = own(c)
        m_per = stores(idx)
        if m_per == 0:
            continue
        if paths_outer and c is not inner:
            # the remainder: per_thread % (kid_stores / group) positions
            # a path, each pass writing group flags
            left = per_thread % (kid_stores // group)
            for i in idx:
                per_path[k.insns[i].op] += left / m_per
            detail.append({"at": hex(k.addr(c.header)), "per_iteration": len(idx),
                           "positions_paths_per_iteration": m_per, "remainder": True,
                           "passes_per_path": left / m_per})
            continue
        kid_stores = max(kid_stores, m_per)
        trips = (P // m_per) if P % m_per == 0 else P / m_per
        for i in idx:
            ops[k.insns[i].op] += trips
        detail.append({"at": hex(k.addr(c.header)), "per_iteration": len(idx),
                       "positions_paths_per_iteration": m_per, "trips": trips})
    full = kid_stores and (per_thread % (kid_stores // group) == 0 if paths_outer
                           else P % kid_stores == 0)
    for n in it.nodes:
        if n[0] != "block":
            continue
        idx = it.instr(n)
        if full and stores(idx):
            continue  # the remainder of the inner loop
        count_ops(k, idx, 1 / group, per_path if paths_outer else ops)
    shape = "positions, then paths"
    if paths_outer:
        shape = "paths, then positions" if group == 1 else \
            "paths %d at a time, then positions" % group
    return {"at": hex(k.addr(outer.header)), "ops": ops, "per_path": per_path,
            "inner": detail, "shape": shape, "paths_per_pass": group}


def classify(ops):
    cats = Counter()
    for op, v in ops.items():
        cats[S.category(op)] += v
    return cats


def detail_fp32(ops):
    out = Counter()
    for op, v in ops.items():
        base = op.split(".")[0]
        if base in ("FFMA", "FMUL", "FADD"):
            out[base] += v
    return out


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def population(config, root):
    with open(config) as f:
        cfg = json.load(f)
    pop = cfg["population"]
    fams = []
    for fam in pop["families"]:
        path = fam["model"]
        for base in (os.path.dirname(os.path.abspath(config)), root):
            if os.path.exists(os.path.join(base, path)):
                path = os.path.join(base, path)
                break
        with open(path) as f:
            m = json.load(f)
        hidden = m.get("architecture", {}).get("hidden", 0) if m["kind"] == "mlp" else 0
        fams.append({"model": fam["model"], "kind": m["kind"], "hidden": hidden,
                     "share": fam["share"]})
    return {"name": cfg.get("experiment", {}).get("name", os.path.basename(config)),
            "agents": pop["agents"], "passive_positions": pop.get("passive_positions", 0),
            "families": fams}


def define(root, header, name, default=None):
    with open(os.path.join(root, header)) as f:
        m = re.search(r"#define %s\s+(\d+)" % name, f.read())
    if m is None and default is None:
        raise SystemExit("kernel_budget: no #define %s in %s" % (name, header))
    return int(m.group(1)) if m else default


def occupancy(res, threads, min_blocks):
    regs_warp = -(-res["registers"] * 32 // SM90["reg_unit"]) * SM90["reg_unit"]
    warps = threads // 32
    by_regs = SM90["regs"] // (regs_warp * warps)
    smem = res["static_smem_bytes"] + SM90["smem_reserved"]
    by_smem = SM90["smem"] // smem
    by_threads = SM90["threads"] // threads
    blocks = min(by_regs, by_smem, by_threads, SM90["blocks"], SM90["warps"] // warps)
    return {"threads_per_block": threads, "launch_bounds_min_blocks": min_blocks,
            "blocks_by_registers": by_regs, "blocks_by_shared_memory": by_smem,
            "blocks_by_threads": by_threads, "blocks_per_sm": blocks,
            "warps_per_sm": blocks * warps, "occupancy": blocks * warps / SM90["warps"]}


def tanh_probe(single, cwd, root, tmp, nvdisasm):
    """stp_tanhf alone: y[i] = stp_tanhf(x[i]), compiled with the build's
    flags; the instructions line information gives to stp_tanhf, the
    division's slow path left out."""
    src = os.path.join(tmp, "tanh_probe.cu")
    with open(src, "w") as f:
        f.write('#include "stampede/step.h"\n'
                "__global__ void tanh_probe(const float *x, float *y, int n)\n{\n"
                "    const int i = (int)(blockIdx.x * blockDim.x + threadIdx.x);\n"
                "    if (i < n) y[i] = stp_tanhf(x[i]);\n}\n")
    out = single.index("-c")
    cmd = [a for a in single[:out]] + ["--generate-code=arch=compute_90,code=[sm_90]",
                                       "-lineinfo", "-cubin", "-o",
                                       os.path.join(tmp, "tanh_probe.cubin"), src]
    cmd = [a for a in cmd if a != "-x" and a != "cu"]
    run(cmd, cwd)
    listing, _ = disassemble(nvdisasm, os.path.join(tmp, "tanh_probe.cubin"), tmp)
    k = Kernel(listing, root)
    n = sum(1 for b in range(len(k.blocks)) if b not in k.cold
            for i in k.block_insns(b) if TANH_FUNC in k.names[i])
    return n


def analyse(k, P, F, pop, nt, shipped=None):
    """The budget of one step of bench_1024-like populations. shipped:
    the MLP width block.h compiles a copy for (STP_MLP_SHIPPED_HIDDEN);
    a population of that width is counted on that copy."""
    na = pop["agents"]
    np_ = na + pop["passive_positions"]
    step = max(k.loops, key=lambda lp: len(lp.body))
    agent_loop = smallest([lp for lp in k.loops if any(k.has(b, f) for b in lp.body
                                                         for f in MLP_FUNCS) and
                           any(k.has_any(b, FEATURES_FUNCS) for b in lp.body)])
    if agent_loop is None:
        raise SystemExit("kernel_budget: no loop holds both %s and %s" % (MLP_FUNCS,
                                                                          FEATURES_FUNCS))
    it = Iteration(k, agent_loop)
    rule_node = None
    mlp_hidden = [f["hidden"] for f in pop["families"] if f["kind"] == "mlp"]
    hidden = max(mlp_hidden) if mlp_hidden else 0
    if len(set(mlp_hidden)) > 1:
        print("kernel_budget: MLP families of different widths; counting hidden = %d" % hidden)
    # the MLP's unit loop (any width), and the copy unrolled at compile time
    # for the shipped width: the MLP blocks on no path through that loop,
    # the one with the most of the MLP's FFMAs, if it holds all of them
    # (hidden x P x (F + 1))
    loop_nodes = [n for n in it.nodes if n[0] == "loop" and
                  any(k.has(b, f) for b in it.kid(n).body for f in MLP_FUNCS)]
    flat = [n for n in it.nodes if n[0] == "block" and any(k.has(n[1], f) for f in MLP_FUNCS)]
    if loop_nodes:
        on_loop = set().union(*(it.through(n) for n in loop_nodes))
        flat = [n for n in flat if n not in on_loop]

    def mlp_ffma(n):
        return sum(1 for i in it.instr(n) if k.insns[i].op.startswith("FFMA") and
                   k.names[i] and k.names[i][0] in MLP_FUNCS)

    unrolled = max(flat, key=mlp_ffma, default=None)
    if unrolled is not None and mlp_ffma(unrolled) < hidden * P * (F + 1):
        unrolled = None
    if unrolled is not None and (hidden == shipped or not loop_nodes):
        mlp_node = unrolled
        out_shape = "unrolled (hidden %d)" % hidden
    elif loop_nodes:
        mlp_node = loop_nodes[-1]
        out_shape = "unit loop"
    else:
        raise SystemExit("kernel_budget: no MLP in the agents' loop")
    rule_nodes = [n for n in it.nodes if n[0] == "block" and
                  any(k.has(n[1], f) for f in RULE_FUNCS)]
    if rule_nodes:
        rule_node = min(rule_nodes, key=lambda n: k.addr(n[1]))

    def mlp_trips(ffma):
        per = ffma / (P * (F + 1))
        return hidden / per

    up_m, lo_m, tanh_m, loops_m, mlp_m = agent_iteration(k, agent_loop, mlp_node,
                                                         list(RULE_FUNCS), mlp_trips, P, F)
    rule = None
    if rule_node is not None:
        up_r, lo_r, _, loops_r, _ = agent_iteration(
            k, agent_loop, rule_node, list(MLP_FUNCS) + ["stp_mlp_logit"], mlp_trips, P, F)
        rule = {"upper": up_r, "lower": lo_r, "loops": loops_r}
    s_mlp = sum(f["share"] for f in pop["families"] if f["kind"] == "mlp")
    s_rule = 1.0 - s_mlp
    pos = position_cost(k, P, np_ / nt)

    # the rest of the step: every node of the step loop that is neither
    # the agents' nor the positions' loop, by phase; loops once each
    step_it = Iteration(k, step)
    skip = {agent_loop.header}
    pos_loop = None
    if pos:
        pos_loop = next(lp for lp in k.loops if hex(k.addr(lp.header)) == pos["at"])
    rest = Counter()
    rest_ops = Counter()
    for n in step_it.nodes:
        if n[0] == "block":
            idx = step_it.instr(n)
        else:
            c = step_it.kid(n)
            if c.header in skip or (pos_loop is not None and c.body >= pos_loop.body):
                continue
            if c.body >= agent_loop.body:
                # the loop of the screens' phase that holds the agents' loop
                idx = [i for b in c.body if b not in k.cold and b not in agent_loop.body
                       and not (pos_loop is not None and b in pos_loop.body)
                       for i in k.block_insns(b)]
            else:
                idx = [i for b in c.body if b not in k.cold for i in k.block_insns(b)]
        for i in idx:
            names = k.names[i]
            phase = next((p for p in PHASES if p in names), None)
            if phase is None:
                phase = "screens (outside the loops)" if SCREENS in names else "other"
            if "stp_block_exploit" in names:
                phase = "exploit (steps with an exploit only)"
            rest[phase] += 1
            if not phase.startswith("exploit"):
                rest_ops[k.insns[i].op] += 1

    serial_all, serial_min, serial_max = region_paths(k, step_it, "stp_block_serial",
                                          via="stp_path_step_close")
    out_serial = {"union": serial_all, "shortest": serial_min, "longest": serial_max}
    per_iter_up = sum(up_m.values())
    per_iter_lo = sum(lo_m.values())
    out = {
        "agents": na, "positions": np_, "paths_per_block": P, "threads": nt,
        "families": pop["families"], "mlp_share": s_mlp, "rule_share": s_rule,
        "agent_loop": {"at": hex(k.addr(agent_loop.header)), "blocks": len(agent_loop.body),
                       "mlp_iteration_upper": per_iter_up, "mlp_iteration_lower": per_iter_lo,
                       "inner_loops": loops_m, "tanh_per_iteration": tanh_m,
                       "mlp_shape": out_shape, "mlp_per_iteration": mlp_m},
    }
    if rule:
        out["agent_loop"]["rule_iteration_upper"] = sum(rule["upper"].values())
        out["agent_loop"]["rule_iteration_lower"] = sum(rule["lower"].values())
    # per agent-step, per thread: an iteration covers P agent-steps of a thread
    per = {}
    mlp_up = {op: v / P for op, v in up_m.items()}
    per["mlp_agent_upper"] = per_iter_up / P
    per["mlp_agent_lower"] = per_iter_lo / P
    if rule:
        per["rule_agent_upper"] = sum(rule["upper"].values()) / P
        per["rule_agent_lower"] = sum(rule["lower"].values()) / P
    else:
        per["rule_agent_upper"] = per["rule_agent_lower"] = 0.0
    agents_up = s_mlp * per["mlp_agent_upper"] + s_rule * per["rule_agent_upper"]
    agents_lo = s_mlp * per["mlp_agent_lower"] + s_rule * per["rule_agent_lower"]
    mix_ops = Counter()
    for op, v in up_m.items():
        mix_ops[op] += s_mlp * v / P
    if rule:
        for op, v in rule["upper"].items():
            mix_ops[op] += s_rule * v / P
    # positions: np / nt iterations a thread, per step; per agent-step (a
    # step's P x na agent-steps spread over nt threads): np / na / P each
    pos_per = 0.0
    if pos:
        pos_iter = sum(pos["ops"].values())
        pos_path = sum(pos["per_path"].values())
        # a path's own blocks: P of them a thread-step, over na x P / nt
        # agent-steps
        pos_per = pos_iter * np_ / (na * P) + pos_path * nt / na
        for op, v in pos["per_path"].items():
            mix_ops[op] += v * nt / na
        for op, v in pos["ops"].items():
            mix_ops[op] += v * np_ / (na * P)
        out["positions_loop"] = {"at": pos["at"], "per_position_all_paths": pos_iter,
                                 "per_path": pos_path, "shape": pos["shape"],
                                 "inner": pos["inner"]}
    # the rest: W warp-instructions a warp per step, nt / 32 warps, P x na
    # agent-steps: W x nt / (na x P) thread-instructions per agent-step
    scale = nt / (na * P)
    rest_total = sum(v for p, v in rest.items() if not p.startswith("exploit"))
    out["rest_of_step_per_warp"] = dict(rest)
    for op, v in rest_ops.items():
        mix_ops[op] += v * scale
    per["agents_upper"] = agents_up
    per["agents_lower"] = agents_lo
    per["positions"] = pos_per
    # the serial lane is one thread of its warp: it issues one side of
    # each branch, so its upper figure is its costliest path; every
    # block of it at once (the union) is the code's size, kept beside
    rest_upper = rest_total - out_serial["union"] + out_serial["longest"]
    rest_lower = rest_total - out_serial["union"] + out_serial["shortest"]
    out["serial_lane_per_step"] = out_serial
    per["rest_upper"] = rest_upper * scale
    per["rest_lower"] = rest_lower * scale
    per["rest_code_size"] = rest_total * scale
    per["total_upper"] = agents_up + pos_per + rest_upper * scale
    per["total_lower"] = agents_lo + pos_per + rest_lower * scale
    per["total_code_size"] = agents_up + pos_per + rest_total * scale
    per["tanh"] = s_mlp * tanh_m / P
    per["mlp_model"] = mlp_m / P
    per["mlp_loop"] = sum(lp["per_iteration"] * lp["trips"] for lp in loops_m
                          if lp["what"].startswith("MLP")) / P
    out["per_agent_step"] = per
    out["mlp_agent_categories"] = dict(classify(mlp_up))
    out["mlp_agent_fp32"] = dict(detail_fp32(mlp_up))
    out["mix_categories"] = {c: round(v, 1) for c, v in classify(mix_ops).items()}
    out["mix_fp32"] = {c: round(v, 1) for c, v in detail_fp32(mix_ops).items()}
    out["mlp_agent_ops"] = {op: v / P for op, v in up_m.items()}
    return out


def ceilings(instr_per_agent_step):
    """Agent-steps/s if issue were the only limit: warp-instructions/s x
    32 (thread-instructions a warp-instruction covers) / thread-
    instructions per agent-step."""
    out = {}
    for name, d in DEVICES.items():
        for clk in d["clocks_ghz"]:
            wips = d["sms"] * d["schedulers"] * clk * 1e9
            out["%s @ %.3f GHz" % (name, clk)] = {
                "warp_instructions_per_s": wips,
                "agent_steps_per_s": wips * 32 / instr_per_agent_step}
    return out


def table(rec):
    r, a = rec["resources"], rec["budget"]
    o, per = rec["occupancy"], a["per_agent_step"]
    lines = []
    add = lines.append
    add("kernel budget: path_kernel, sm_90, %s (%s), %s" % (rec["commit"], rec["date"],
                                                            rec["machine"]["nvcc"]))
    add("")
    add("resources (ptxas -v, sm_90)")
    add("  registers/thread        %d" % r["registers"])
    add("  spill stores / loads    %d B / %d B" % (r["spill_stores_bytes"], r["spill_loads_bytes"]))
    add("  stack frame             %d B" % r["stack_frame_bytes"])
    add("  static shared memory    %d B (%.1f KB)" % (r["static_smem_bytes"],
                                                      r["static_smem_bytes"] / 1024))
    add("occupancy (H100/H200, sm_90; %d threads a block, __launch_bounds__(%d, %d))"
        % (o["threads_per_block"], o["threads_per_block"], o["launch_bounds_min_blocks"]))
    add("  blocks by registers / shared / threads   %d / %d / %d"
        % (o["blocks_by_registers"], o["blocks_by_shared_memory"], o["blocks_by_threads"]))
    add("  resident blocks, warps per SM            %d, %d of 64 (%.0f%%)"
        % (o["blocks_per_sm"], o["warps_per_sm"], 100 * o["occupancy"]))
    add("")
    fam = ", ".join("%s %s%s %.0f%%" % (os.path.basename(f["model"]).replace(".json", ""),
                                         f["kind"], " H=%d" % f["hidden"] if f["hidden"] else "",
                                         100 * f["share"]) for f in a["families"])
    add("population (%s): %d agents, %d positions; %s"
        % (rec["config"], a["agents"], a["positions"], fam))
    al = a["agent_loop"]
    add("agents' loop at %s: one agent of each thread for %d paths a pass"
        % (al["at"], a["paths_per_block"]))
    for lp in al["inner_loops"]:
        add("  inner loop %s (%s): %d instructions a pass x %g passes"
            % (lp["at"], lp["what"], lp["per_iteration"], lp["trips"]))
    add("  MLP agent: %d-%d instructions a pass; rule agent: %d-%d"
        % (al["mlp_iteration_lower"], al["mlp_iteration_upper"],
           al.get("rule_iteration_lower", 0), al.get("rule_iteration_upper", 0)))
    if "positions_loop" in a:
        pl = a["positions_loop"]
        add("positions' loop at %s (%s): %d instructions a position (all %d paths)%s"
            % (pl["at"], pl.get("shape", ""), pl["per_position_all_paths"],
               a["paths_per_block"],
               ", %d a path" % pl["per_path"] if pl.get("per_path") else ""))
    add("")
    add("instructions per agent-step, per thread (thread-instructions; a warp-instruction = 32)")
    add("  %-44s %8s" % ("part", "count"))
    add("  %-44s %8.1f" % ("MLP agent (both MLP families), upper", per["mlp_agent_upper"]))
    add("  %-44s %8.1f" % ("MLP agent, lower (lanes agree at HF, candidate)",
                           per["mlp_agent_lower"]))
    add("  %-44s %8.1f" % ("  of which the MLP (%s)" % al["mlp_shape"],
                           per["mlp_model"]))
    if per["mlp_loop"]:
        add("  %-44s %8.1f" % ("    in the hidden-unit loop", per["mlp_loop"]))
    add("  %-44s %8.1f" % ("  of which stp_tanhf", per["tanh"] / a["mlp_share"]))
    add("  %-44s %8.1f" % ("rule agent, upper", per["rule_agent_upper"]))
    add("  %-44s %8.1f" % ("rule agent, lower", per["rule_agent_lower"]))
    add("  %-44s %8.1f" % ("agents, family mix, upper", per["agents_upper"]))
    add("  %-44s %8.1f" % ("agents, family mix, lower", per["agents_lower"]))
    add("  %-44s %8.1f" % ("positions' screen (%d positions / %d agents)"
                           % (a["positions"], a["agents"]), per["positions"]))
    add("  %-44s %8.1f" % ("rest of the step, upper (serial: costliest path)",
                           per["rest_upper"]))
    add("  %-44s %8.1f" % ("rest of the step, lower (serial: cheapest path)", per["rest_lower"]))
    add("  %-44s %8.1f" % ("  (the serial lane's every block, code size)",
                           per["rest_code_size"]))
    add("  %-44s %8.1f" % ("total, upper", per["total_upper"]))
    add("  %-44s %8.1f" % ("total, lower", per["total_lower"]))
    add("  %-44s %8.1f" % ("total, the serial lane's every block (format 1)",
                           per["total_code_size"]))
    add("")
    add("MLP agent by category (per agent-step, upper)")
    cats = a["mlp_agent_categories"]
    fp = a["mlp_agent_fp32"]
    for c in ("fp32", "mufu", "int", "load", "store", "conv", "control", "fp64", "other"):
        if cats.get(c):
            extra = ""
            if c == "fp32":
                extra = "  (FFMA %.0f, FMUL %.0f, FADD %.0f)" % (fp.get("FFMA", 0), fp.get("FMUL", 0),
                                                                fp.get("FADD", 0))
            add("  %-10s %7.1f%s" % (c, cats[c], extra))
    add("total, family mix, by category (upper)")
    for c, v in sorted(a["mix_categories"].items(), key=lambda x: -x[1]):
        add("  %-10s %7.1f" % (c, v))
    add("")
    add("rest of the step, warp-instructions a warp per step (inner loops once each;")
    add("  the serial lane: %d on its cheapest path, %d on its costliest, %d with both"
        % (a["serial_lane_per_step"]["shortest"], a["serial_lane_per_step"]["longest"],
           a["serial_lane_per_step"]["union"]))
    add("  sides of every branch; the table below counts its every block)")
    for p, v in sorted(a["rest_of_step_per_warp"].items(), key=lambda x: -x[1]):
        add("  %-40s %6d" % (p, v))
    add("")
    add("tanh: %.1f instructions a call in the MLP (stp_tanhf's lines), %d alone (probe)"
        % (rec["tanh"]["per_call_in_loop"], rec["tanh"]["probe"]))
    add("")
    add("issue ceiling = SMs x 4 schedulers x clock x 32 / instructions per agent-step")
    for name, c in rec["ceilings_upper"].items():
        lo = rec["ceilings_lower"][name]["agent_steps_per_s"]
        add("  %-22s %.3g warp-instr/s -> %.2e (upper count) .. %.2e (lower count) agent-steps/s"
            % (name, c["warp_instructions_per_s"], c["agent_steps_per_s"], lo))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", help="a CMake build dir with compile_commands.json (CUDA on)")
    ap.add_argument("--config", default="configs/bench_1024.json")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--out", help="folder for the JSON record (bench/results)")
    ap.add_argument("--nvdisasm", required=False)
    ap.add_argument("--listing", help="parser only: an nvdisasm -c [-hex] [-gi] listing")
    ap.add_argument("--save-listing", help="write the kernel's listing here")
    args = ap.parse_args()
    if args.listing:
        with open(args.listing) as f:
            k = Kernel(f.read(), args.root)
        print(json.dumps(listing_summary(k), indent=1, sort_keys=True))
        return
    root = args.root
    cmd, cwd = compile_command(args.build)
    with tempfile.TemporaryDirectory() as tmp:
        log, cubin, cubin_l, single = build_cubins(cmd, cwd, tmp)
        res = ptxas_resources(log)
        listing, patched = disassemble(args.nvdisasm, cubin, tmp)
        listing_l, _ = disassemble(args.nvdisasm, cubin_l, tmp)
        same = words(S.parse_listing(listing)[0]) == words(S.parse_listing(listing_l)[0])
        if not same:
            raise SystemExit("kernel_budget: -lineinfo changed the sm_90 code; no mapping")
        if args.save_listing:
            with open(args.save_listing, "w") as f:
                f.write(listing_l)
        probe = tanh_probe(single, cwd, root, tmp, args.nvdisasm)
    k = Kernel(listing_l, root)
    P = define(root, "include/stampede/block.h", "STP_BLOCK_PATHS")
    F = define(root, "include/stampede/model_shape.h", "STP_FEATURES")
    nt = define(root, "kernels/path_kernel.cuh", "STP_CUDA_THREADS")
    pop = population(os.path.join(root, args.config), root)
    # 0 before the shipped width had a copy of its own (458ef7c)
    shipped = define(root, "include/stampede/model_shape.h", "STP_MLP_SHIPPED_HIDDEN", 0)
    budget = analyse(k, P, F, pop, nt, shipped)
    nvcc = run([cmd[0], "--version"]).strip().splitlines()[-1]
    dis_v = run([args.nvdisasm, "--version"]).strip().splitlines()[-1]
    commit = run(["git", "-C", root, "rev-parse", "--short", "HEAD"]).strip()
    dirty = run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"]).strip()
    date = datetime.date.today().isoformat()
    undecoded = Counter(i.op for i in k.insns if not i.decoded)
    per = budget["per_agent_step"]
    rec = {
        # 2: per_agent_step's total_upper and rest_upper count the serial
        # lane on its costliest path; version 1's (every block of it, the
        # code's size) are total_code_size and rest_code_size
        "format": "stampede-kernel-budget", "format_version": 2,
        "date": date, "commit": commit + ("-dirty" if dirty else ""),
        "config": args.config, "kernel": "path_kernel", "target": "sm_90",
        "machine": {"nvcc": nvcc, "nvdisasm": dis_v, "nvdisasm_path": args.nvdisasm,
                    "cubin_header_rewritten_for_nvdisasm": patched,
                    "instructions_recovered_from_words": dict(undecoded),
                    "lineinfo_same_code": same, "gpu": "none (static analysis)",
                    "compile": " ".join(cmd)},
        "resources": res,
        "occupancy": occupancy(res, nt, 2),
        "kernel_instructions": len(k.insns),
        "budget": budget,
        "tanh": {"per_call_in_loop": budget["agent_loop"]["tanh_per_iteration"] /
                 (P * max(1, max(f["hidden"] for f in pop["families"]))),
                 "probe": probe, "per_agent_step": per["tanh"]},
        "ceilings_upper": ceilings(per["total_upper"]),
        "ceilings_lower": ceilings(per["total_lower"]),
    }
    print(table(rec))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        path = os.path.join(args.out, "kernel-budget-%s-%s.json" % (date, rec["commit"]))
        with open(path, "w") as f:
            json.dump(rec, f, indent=1, sort_keys=True)
            f.write("\n")
        print("\nrecord: %s" % os.path.relpath(path, root))


def listing_summary(k):
    """What the parser finds in a listing: the test's fixture checks it."""
    loops = []
    for lp in k.loops:
        it = Iteration(k, lp)
        own = [i for n in it.nodes if n[0] == "block" for i in it.instr(n)]
        loops.append({"header": hex(k.addr(lp.header)), "blocks": len(lp.body),
                      "instructions": len(S.loop_instructions(k.blocks, lp.body)),
                      "own_hot_instructions": len(own),
                      "categories": dict(classify(Counter(k.insns[i].op for i in own)))})
    return {"instructions": len(k.insns), "blocks": len(k.blocks),
            "cold_blocks": len(k.cold),
            "recovered": dict(Counter(i.op for i in k.insns if not i.decoded)),
            "categories": dict(classify(Counter(i.op for i in k.insns))),
            "loops": loops}


if __name__ == "__main__":
    main()
