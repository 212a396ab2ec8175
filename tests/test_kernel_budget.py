"""The parser of bench/kernel_budget.py (bench/sass_cfg.py) on a captured
listing, so that a change to it cannot silently change the budget's
counts. No GPU, no CUDA build: tests/data/kernel_budget_probe.sass is the
disassembly of tests/data/kernel_budget_probe.cu (how it was made: the
comment at that file's end).

Every expected number below is read off the listing by hand, as its
comment says; ctest: kernel_budget (label python).
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import sass_cfg as S  # noqa: E402
import kernel_budget as KB  # noqa: E402

LISTING = os.path.join(ROOT, "tests/data/kernel_budget_probe.sass")
failures = []
passed = 0


def check(name, got, want):
    global passed
    if got == want:
        passed += 1
    else:
        failures.append("%s: got %r, want %r" % (name, got, want))
        print("FAIL %s: got %r, want %r" % (name, got, want))


def listing():
    with open(LISTING) as f:
        return f.read()


def test_instructions_and_recovery():
    insns, labels = S.parse_listing(listing())
    # 179 lines with an address /*xxxx*/ (grep -c), and 5 pairs of words
    # under no mnemonic: CUDA 11.8's nvdisasm does not know VIADD (opcode
    # 0x036); the text ends at /*0b70*/, so 0xb80 / 16 = 184 instructions
    text = listing()
    check("address lines", len(re.findall(r"/\*[0-9a-f]{4}\*/", text)), 179)
    check("instructions", len(insns), 184)
    check("recovered", sorted(i.op for i in insns if not i.decoded), ["VIADD"] * 5)
    check("contiguous", all(b.addr - a.addr == 16 for a, b in zip(insns, insns[1:])), True)
    check("labels", labels[".L_x_3"], 0xD0)
    # the same listing without the words: the 5 undecoded instructions are
    # gaps in the addresses, filled with placeholders
    plain = re.sub(r"/\* 0x[0-9a-f]{16} \*/", "", text)
    insns2, _ = S.parse_listing(plain)
    check("instructions without -hex", len(insns2), 184)
    check("gaps", sum(1 for i in insns2 if i.op == "UNDECODED_gap"), 5)


def test_loop_from_branches():
    k = KB.Kernel(listing(), ROOT)
    # one backward branch: @!P0 BRA .L_x_3 at 0x3c0 to 0xd0 (the h loop)
    check("loops", len(k.loops), 1)
    lp = k.loops[0]
    check("header", k.addr(lp.header), 0xD0)
    idx = S.loop_instructions(k.blocks, lp.body)
    # 0xd0 .. 0x3c0: (0x3c0 - 0xd0) / 16 + 1 = 48
    check("loop instructions", len(idx), 48)
    # cold: the division's slow path, MOV R6 / CALL.REL.NOINC at 0x2e0 and
    # 0x2f0 and MOV R3, R0 at 0x300 (reached only from the call)
    it = KB.Iteration(k, lp)
    hot = [i for n in it.nodes if n[0] == "block" for i in it.instr(n)]
    check("hot loop instructions", len(hot), 45)
    cold = sorted(k.insns[i].addr for i in idx if i not in hot)
    check("cold addresses", cold, [0x2E0, 0x2F0, 0x300])
    ops = {}
    for i in hot:
        ops[k.insns[i].op] = ops.get(k.insns[i].op, 0) + 1
    cats = KB.classify(ops)
    # 0x120-0x2c0 and 0x3b0 (the output FMA): FFMA 7 (exp2 polynomial) + 5
    # (division) + 1 (fmaf), FADD 6, FMUL 2, FMNMX, FSETP, FSEL
    check("FFMA", KB.detail_fp32(ops)["FFMA"], 13)
    check("fp32", cats["fp32"], 24)
    check("mufu", cats["mufu"], 1)  # MUFU.RCP at 0x260
    check("loads", cats["load"], 2)  # LDG.E at 0xf0 and 0x340
    check("conv", cats["conv"], 1)  # F2I.TRUNC.NTZ at 0x1a0
    # BSSY, FCHK, @!P0 BRA (over the slow path), BSYNC, @!P0 BRA (latch)
    check("control", cats["control"], 5)
    # IMAD.U32 x 4, IMAD.MOV, LEA, UIADD3 x 3, ISETP, UIADD3.X x 2
    check("int", cats["int"], 12)


def test_source_attribution():
    k = KB.Kernel(listing(), ROOT)
    lp = k.loops[0]
    it = KB.Iteration(k, lp)
    hot = [i for n in it.nodes if n[0] == "block" for i in it.instr(n)]
    # the kernel's own lines (6, 7) name budget_probe
    names = {k.names[i][-1] for i in hot}
    check("outermost function", names, {"budget_probe"})
    ranges = S.function_ranges(os.path.join(ROOT, "tests/data/kernel_budget_probe.cu"))
    check("function ranges", ranges, [(2, 9, "budget_probe")])
    # the house style's first lines: __launch_bounds__ is not a name
    src = ("static inline STP_HD float f(float x)\n{\n    return x;\n}\n\n"
           "__global__ void __launch_bounds__(256, 2)\n    k(int n)\n{\n}\n"
           "#define M(x) (x)\n")
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "kernel_budget_ranges.c")
    with open(path, "w") as f:
        f.write(src)
    check("house-style ranges", S.function_ranges(path), [(1, 4, "f"), (6, 9, "k")])
    os.remove(path)


def test_categories():
    check("FFMA", S.category("FFMA"), "fp32")
    check("MUFU.EX2", S.category("MUFU.EX2"), "mufu")
    check("IMAD.WIDE.U32", S.category("IMAD.WIDE.U32"), "int")
    check("VIADD", S.category("VIADD"), "int")
    check("LDG.E.U8", S.category("LDG.E.U8"), "load")
    check("F2I.TRUNC.NTZ", S.category("F2I.TRUNC.NTZ"), "conv")
    check("BAR.SYNC", S.category("BAR.SYNC.DEFER_BLOCKING"), "control")
    check("FCHK", S.category("FCHK"), "control")


def test_ceiling_arithmetic():
    # 132 SMs x 4 schedulers x 1.98e9 = 1.045e12 warp-instructions/s; at 800
    # thread-instructions per agent-step, x 32 / 800 = 4.18e10 agent-steps/s
    c = KB.ceilings(800.0)["H100 SXM @ 1.980 GHz"]
    check("warp-instructions/s", round(c["warp_instructions_per_s"] / 1e9, 2), 1045.44)
    check("agent-steps/s", round(c["agent_steps_per_s"] / 1e10, 3), 4.182)


def test_cheapest_path_through_a_node():
    # a lane test that skips the lane's work: 0 -> 3 directly (weights 9
    # and 1), or 0 -> 1 -> 3 and 0 -> 2 -> 3 through the work (40, 30):
    # the cheapest path is 10, the cheapest through node 2 is 9 + 30 + 1
    class It:
        nodes = [0, 1, 2, 3]
        succ = {0: {1, 2, 3}, 1: {3}, 2: {3}, 3: set()}
        pred = {0: set(), 1: {0}, 2: {0}, 3: {0, 1, 2}}  # Iteration derives it from succ
    w = {0: 9, 1: 40, 2: 30, 3: 1}
    fwd = KB._cheapest(It, w, 0, lambda n: n)
    back = KB._cheapest(It, w, 3, lambda n: n, rev=True)
    check("cheapest", fwd[3], 10)
    check("through 2", fwd[2] + back[2] - w[2], 40)
    check("through 1", fwd[1] + back[1] - w[1], 50)


def test_costliest_path():
    # one thread takes one side of each branch: from 0 to 3 the costliest
    # is 0 -> 2 -> 1 -> 3 (9 + 30 + 40 + 1 = 80), not every node (the
    # union, 80 + 1000) nor the heaviest side alone (0 -> 1 -> 3, 50);
    # node 4 (1000) leaves the region without reaching 3
    class It:
        nodes = [0, 1, 2, 3, 4]
        succ = {0: {1, 2, 3, 4}, 1: {3}, 2: {1, 3}, 3: set(), 4: set()}
        pred = {0: set(), 1: {0, 2}, 2: {0}, 3: {0, 1, 2}, 4: {0}}
        reach = KB.Iteration.reach
    w = {0: 9, 1: 40, 2: 30, 3: 1, 4: 1000}
    check("costliest", KB._costliest(It(), w, 0, 3, lambda n: n), 80)
    check("costliest to 1", KB._costliest(It(), w, 0, 1, lambda n: n), 79)
    check("not reached", KB._costliest(It(), w, 3, 0, lambda n: n), 0)
    # a cycle inside one iteration is refused, not walked
    It.succ = {**It.succ, 3: {2}}
    It.pred = {**It.pred, 2: {0, 3}}
    try:
        KB._costliest(It(), w, 0, 3, lambda n: n)
        check("cycle refused", False, True)
    except ValueError:
        check("cycle refused", True, True)


def test_flag_rows():
    # the positions' main loop screening 2 paths a pass: byte stores
    # through two base registers (two flag rows), four positions each;
    # its remainder, one position of each path a pass, is not "positions"
    class Ins:
        def __init__(self, op, operands):
            self.op, self.operands, self.chain = op, operands, None

    class Blk:
        def __init__(self, start, end):
            self.start, self.end = start, end

    class K:
        def __init__(self, insns):
            self.insns = insns
            self.blocks = {0: Blk(0, len(insns))}

        def block_insns(self, b):
            return range(self.blocks[b].start, self.blocks[b].end)

    class Lp:
        body, latches = [0], [0]
    main = [Ins("STG.E.U8", "[R%d.64+0x%x], R9" % (r, o)) for r in (20, 22)
            for o in (0, 0x100, 0x200, 0x300)]
    main.insert(0, Ins("STG.E.U8", "[R20.64], R9"))  # offset 0 written twice
    main += [Ins("STG.E", "[R30.64+0x8], R9"), Ins("BRA", "`(.L_x_1)")]
    k = K(main)
    check("rows", sorted(KB.store_rows(k, Lp)), ["R20", "R22"])
    check("offsets", sorted(KB.store_rows(k, Lp)["R22"]), ["0x0", "0x100", "0x200", "0x300"])
    check("main loop", KB.loop_bound(k, Lp), "positions")
    rest = K([Ins("STG.E.U8", "[R20.64], R9"), Ins("STG.E.U8", "[R22.64], R9")])
    check("remainder", KB.loop_bound(rest, Lp), None)


for t in (test_instructions_and_recovery, test_loop_from_branches, test_source_attribution,
          test_categories, test_ceiling_arithmetic, test_cheapest_path_through_a_node,
          test_costliest_path, test_flag_rows):
    t()
print("%d passed, %d failed" % (passed, len(failures)))
sys.exit(1 if failures else 0)
