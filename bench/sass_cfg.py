"""sass_cfg.py: an nvdisasm listing as instructions, basic blocks and loops.

Reads the text of `nvdisasm -c [-hex] [-gi] CUBIN` (or `cuobjdump -sass`)
for one kernel and gives: each instruction (address, predicate, opcode,
operands, the encoding when -hex was given, the inline chain of source
locations when -gi was given); the basic blocks and their edges; the
natural loops (a back edge u -> h where h dominates u; its body is every
block that reaches u without passing h). No SASS line number or address is
assumed anywhere: loops come from the branches alone.

An nvdisasm older than the compiler leaves out the instructions it cannot
decode (with -hex it still prints their two encoding words, under no
mnemonic). Those are recovered here from the opcode field (bits 0-8 of the
first word, Volta and later): OPCODES_NEW names the ones seen in sm_90 code
from CUDA 12 and 13 that CUDA 11.8's nvdisasm does not know (checked by
compiling __viaddmax_s32, __vimax_s32_relu and x + 5 for sm_90 with CUDA
13.0 and reading their stores), anything else is UNDECODED_0xNNN.
Used by bench/kernel_budget.py and tests/test_kernel_budget.sh.
"""
import os
import re
from collections import namedtuple

# opcode field (first word & 0x1ff) -> mnemonic, for instructions an older
# nvdisasm prints only as encoding words
OPCODES_NEW = {0x036: "VIADD", 0x046: "VIADDMNMX", 0x048: "VIMNMX"}

Insn = namedtuple("Insn", "addr pred op operands words chain decoded")
# chain: ((file, line), ...) innermost first, () without line info;
# decoded: False when the mnemonic came from OPCODES_NEW or is UNDECODED

_ADDR = re.compile(r"^\s*/\*([0-9a-f]{4,})\*/\s*(.*)$")
_WORD = re.compile(r"/\* (0x[0-9a-f]{16}) \*/\s*$")
_LABEL = re.compile(r"^(\.L_x_\d+|\$[\w$.]+):")
_LOC = re.compile(r'//## File "([^"]+)", line (\d+)(?: inlined at "([^"]+)", line (\d+))?')
_TARGET = re.compile(r"`\((\.L_x_\d+|\$[\w$.]+)\)")
_TARGETS = re.compile(r'BRANCH_TARGETS ([^"*]+)')


def _split_insn(text):
    """'@!P0 BRA `(.L_x_1) ;' -> ('!P0', 'BRA', '`(.L_x_1)')."""
    text = text.split(";")[0].strip()
    pred = ""
    if text.startswith("@"):
        pred, text = text.split(None, 1)
        pred = pred[1:]
    parts = text.split(None, 1)
    return pred, parts[0] if parts else "", parts[1].strip() if len(parts) > 1 else ""


def parse_listing(text):
    """Instructions and labels of the first kernel in an nvdisasm listing.

    Returns (insns, labels): insns in address order, labels {name: addr}.
    A location block (consecutive //## lines) applies to the instructions
    after it until the next one, as nvdisasm -gi prints them."""
    insns, labels = [], {}
    pending_labels = []
    chain, block = (), []
    pend = None  # (addr, pred, op, operands, [words]) being read
    pend_chain = ()
    orphan_words = []  # encoding words under no mnemonic (undecoded)
    last_addr = None

    def flush():
        nonlocal pend
        if pend is not None:
            insns.append(Insn(pend[0], pend[1], pend[2], pend[3], tuple(pend[4]), pend_chain, True))
            pend = None

    def flush_orphans():
        # pairs of words with no mnemonic: the instruction(s) after last_addr
        nonlocal orphan_words, last_addr
        while len(orphan_words) >= 2:
            w0, w1 = orphan_words[0], orphan_words[1]
            orphan_words = orphan_words[2:]
            addr = (last_addr + 16) if last_addr is not None else 0
            code = w0 & 0x1FF
            op = OPCODES_NEW.get(code, "UNDECODED_0x%03x" % code)
            insns.append(Insn(addr, "", op, "", (w0, w1), pend_chain, False))
            last_addr = addr

    for line in text.splitlines():
        s = line.strip()
        if s.startswith("//##"):
            m = _LOC.search(s)
            if m:
                if not block:
                    block = []
                block.append((m.group(1), int(m.group(2))))
            continue
        if block:
            chain, block = tuple(block), []
        m = _LABEL.match(s)
        if m:
            flush()
            flush_orphans()
            pending_labels.append(m.group(1))
            continue
        m = _ADDR.match(line)
        if m:
            flush()
            flush_orphans()
            addr = int(m.group(1), 16)
            body = m.group(2)
            w = _WORD.search(body)
            words = []
            if w:
                words.append(int(w.group(1), 16))
                body = body[: w.start()]
            body = body.split("/*")[0] if "BRANCH_TARGETS" not in body else body
            pred, op, operands = _split_insn(body)
            if "BRANCH_TARGETS" in m.group(2):
                operands = operands + " " + _TARGETS.search(m.group(2)).group(0)
            for name in pending_labels:
                labels[name] = addr
            pending_labels = []
            pend = [addr, pred, op, operands, words]
            pend_chain = chain
            last_addr = addr
            continue
        w = _WORD.search(line)
        if w and not line[: w.start()].strip():
            val = int(w.group(1), 16)
            if pend is not None and len(pend[4]) == 1:
                pend[4].append(val)
                flush()
            else:
                flush()
                if pending_labels:
                    # a label on an undecoded instruction
                    for name in pending_labels:
                        labels[name] = (last_addr + 16) if last_addr is not None else 0
                    pending_labels = []
                orphan_words.append(val)
                flush_orphans()
            continue
        if s.startswith(".section") or s.startswith("//----"):
            if insns or pend:
                flush()
                flush_orphans()
                if s.startswith("//----"):
                    break
    flush()
    flush_orphans()
    insns.sort(key=lambda i: i.addr)
    # a listing without -hex shows an undecoded instruction as a gap of 16
    # bytes in the addresses: one placeholder each
    filled = []
    for ins in insns:
        while filled and ins.addr - filled[-1].addr > 16:
            prev = filled[-1]
            filled.append(Insn(prev.addr + 16, "", "UNDECODED_gap", "", (), prev.chain, False))
        filled.append(ins)
    return filled, labels


# ---------------------------------------------------------------------------
# Control flow
# ---------------------------------------------------------------------------


def branch_targets(insn):
    """Label names an instruction may jump to (BRA, BRX with its
    BRANCH_TARGETS annotation); CALL targets are not edges (the callee
    returns to the next instruction)."""
    if insn.op.startswith("BRA") or insn.op.startswith("BRX") or insn.op.startswith("JMX"):
        m = _TARGETS.search(insn.operands)
        if m:
            return [t.strip() for t in m.group(1).split(",")]
        return _TARGET.findall(insn.operands)
    return []


def is_terminator(insn):
    op = insn.op
    return op.startswith(("BRA", "BRX", "JMX", "EXIT", "RET", "KILL"))


def falls_through(insn):
    """Whether execution can continue at the next instruction."""
    op = insn.op
    if insn.pred and insn.pred not in ("PT",):
        return True
    if op.startswith(("BRA", "BRX", "JMX", "EXIT", "RET", "KILL")):
        return False
    return True


Block = namedtuple("Block", "start end succ")  # insns[start:end], succ: block ids


def build_cfg(insns, labels):
    """Basic blocks (index ranges into insns) and successor lists."""
    index_of = {ins.addr: k for k, ins in enumerate(insns)}
    leaders = {0}
    for name, addr in labels.items():
        if addr in index_of:
            leaders.add(index_of[addr])
    for k, ins in enumerate(insns):
        if is_terminator(ins) or ins.op.startswith("CALL"):
            if k + 1 < len(insns):
                leaders.add(k + 1)
    starts = sorted(leaders)
    block_of = {}
    blocks = []
    for b, s in enumerate(starts):
        e = starts[b + 1] if b + 1 < len(starts) else len(insns)
        blocks.append([s, e, []])
        block_of[s] = b
    for b, (s, e, succ) in enumerate(blocks):
        last = insns[e - 1]
        for t in branch_targets(last):
            if t in labels and labels[t] in index_of:
                succ.append(block_of[index_of[labels[t]]])
        if falls_through(last) and e < len(insns):
            succ.append(block_of[e])
    return [Block(s, e, tuple(dict.fromkeys(succ))) for s, e, succ in blocks]


def dominators(blocks, entry=0):
    """Immediate-dominator-free iterative dominator sets (Cooper, Harvey,
    Kennedy's idom algorithm on reverse postorder)."""
    n = len(blocks)
    order, seen = [], [False] * n
    stack = [(entry, 0)]
    seen[entry] = True
    while stack:
        b, i = stack.pop()
        succ = blocks[b].succ
        if i < len(succ):
            stack.append((b, i + 1))
            s = succ[i]
            if not seen[s]:
                seen[s] = True
                stack.append((s, 0))
        else:
            order.append(b)
    rpo = order[::-1]
    pos = {b: k for k, b in enumerate(rpo)}
    preds = [[] for _ in range(n)]
    for b in range(n):
        for s in blocks[b].succ:
            preds[s].append(b)
    idom = [None] * n
    idom[entry] = entry

    def intersect(a, b):
        while a != b:
            while pos[a] > pos[b]:
                a = idom[a]
            while pos[b] > pos[a]:
                b = idom[b]
        return a

    changed = True
    while changed:
        changed = False
        for b in rpo[1:]:
            new = None
            for p in preds[b]:
                if idom[p] is None or p not in pos:
                    continue
                new = p if new is None else intersect(p, new)
            if new is not None and idom[b] != new:
                idom[b] = new
                changed = True
    return idom, preds, pos


def dominates(idom, a, b):
    """Whether block a dominates block b (b reachable)."""
    if idom[b] is None:
        return False
    while True:
        if a == b:
            return True
        if idom[b] == b:
            return False
        b = idom[b]


Loop = namedtuple("Loop", "header latches body")  # body: frozenset of block ids


def natural_loops(blocks, entry=0):
    """Natural loops, one per header (back edges to one header merged),
    innermost first (by body size). A back edge is u -> h with h dominating
    u; an edge to an earlier address that is not one (irreducible flow) is
    not a loop here."""
    idom, preds, pos = dominators(blocks, entry)
    by_header = {}
    for u in range(len(blocks)):
        if u not in pos:
            continue
        for h in blocks[u].succ:
            if dominates(idom, h, u):
                by_header.setdefault(h, []).append(u)
    loops = []
    for h, latches in by_header.items():
        body = {h}
        work = [u for u in latches if u != h]
        body.update(work)
        while work:
            x = work.pop()
            for p in preds[x]:
                if p not in body and p in pos:
                    body.add(p)
                    work.append(p)
        loops.append(Loop(h, tuple(latches), frozenset(body)))
    loops.sort(key=lambda lp: len(lp.body))
    return loops


def loop_instructions(blocks, body):
    """Instruction indices of a loop body, in address order."""
    out = []
    for b in sorted(body, key=lambda b: blocks[b].start):
        out.extend(range(blocks[b].start, blocks[b].end))
    return out


# ---------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------

CATEGORIES = (
    ("fp32", ("FFMA", "FMUL", "FADD", "FMNMX", "FSEL", "FSET", "FSETP", "FSWZADD",
              "HFMA2", "HADD2", "HMUL2")),
    ("fp64", ("DFMA", "DMUL", "DADD", "DSETP", "DMNMX")),
    ("mufu", ("MUFU",)),
    ("int", ("IMAD", "IADD3", "IADD", "LEA", "SHF", "LOP3", "ISETP", "IMNMX", "SEL", "MOV",
             "PRMT", "IABS", "POPC", "FLO", "BREV", "SGXT", "BMSK", "PLOP3", "P2R", "R2P",
             "VIADD", "VIMNMX", "VIADDMNMX", "CS2R", "S2R", "S2UR", "R2UR", "UIADD3", "UIMAD",
             "ULOP3", "USHF", "UMOV", "USEL", "UISETP", "ULEA", "UPRMT", "UPLOP3", "UFLO",
             "UPOPC", "UBREV", "USGXT", "UBMSK", "IDP", "IMUL", "UNDECODED")),
    ("load", ("LDG", "LDS", "LDC", "ULDC", "LD", "LDL", "LDSM", "LDGSTS")),
    ("store", ("STG", "STS", "STL", "ST", "RED", "ATOM", "ATOMS", "ATOMG")),
    ("conv", ("F2I", "I2F", "F2F", "I2I", "F2FP", "I2FP", "F2IP", "FRND")),
    ("control", ("BRA", "BRX", "JMX", "BSSY", "BSYNC", "BAR", "WARPSYNC", "EXIT", "RET", "CALL",
                 "FCHK", "NOP", "BMOV", "YIELD", "VOTE", "VOTEU", "SHFL", "MEMBAR", "DEPBAR",
                 "ERRBAR", "CCTL", "NANOSLEEP", "KILL", "BPT", "ELECT", "ACQBULK", "ENDCOLLECTIVE")),
)


def category(op):
    """The category of an opcode, by its base name (before the first dot)."""
    base = op.split(".")[0]
    if base.startswith("UNDECODED"):
        base = "UNDECODED"
    for name, ops in CATEGORIES:
        if base in ops:
            return name
    return "other"




# ---------------------------------------------------------------------------
# Source functions
# ---------------------------------------------------------------------------

_CALLISH = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
_NOT_NAMES = {"__launch_bounds__", "__align__", "__attribute__", "__declspec", "if", "for",
              "while", "switch", "return", "sizeof", "defined"}


def _function_name(text):
    """The name a function definition's first line declares: the first
    'name(' that is not an attribute (__launch_bounds__(256, 2) ...)."""
    for m in _CALLISH.finditer(text):
        if m.group(1) not in _NOT_NAMES:
            return m.group(1)
    return None


def function_ranges(path):
    """[(first_line, last_line, name)] of the functions defined in a C or
    CUDA file written in the house style (clang-format, Linux braces: a
    definition starts at column 0, its body's braces stand alone at column
    0). Macros are not functions: code from a macro is attributed to the
    line that expands it."""
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().split("\n")
    except OSError:
        return []
    out = []
    head_line, head_text, start = None, "", None
    for k, text in enumerate(lines, 1):
        if start is not None:
            if text.startswith("}"):
                name = _function_name(head_text)
                if name:
                    out.append((head_line, k, name))
                head_line, head_text, start = None, "", None
            continue
        if text.startswith("{") and head_line is not None:
            start = k
        elif text and not text[0].isspace() and not text.startswith(("#", "/", "*", "}")):
            head_line, head_text = k, text
        elif head_line is not None and text[:1].isspace() and text.strip():
            head_text += " " + text.strip()
        else:
            head_line, head_text = None, ""
        if head_text.rstrip().endswith(";"):
            head_line, head_text = None, ""
    return out


class Functions:
    """(file, line) -> the name of the function that holds the line. A path
    that does not exist here (a listing made in another checkout) is read
    under root from its include/, kernels/ or tests/ part on."""

    def __init__(self, root=None):
        self.cache = {}
        self.root = root

    def _local(self, path):
        if os.path.exists(path) or not self.root:
            return path
        m = re.search(r"(?:^|/)((?:include|kernels|tests|bench)/.*)$", path)
        return os.path.join(self.root, m.group(1)) if m else path

    def name(self, path, line):
        if path not in self.cache:
            self.cache[path] = function_ranges(self._local(path))
        for lo, hi, name in self.cache[path]:
            if lo <= line <= hi:
                return name
        return None

    def chain_names(self, chain):
        """Function names of an inline chain, innermost first."""
        return tuple(self.name(f, l) or "?" for f, l in chain)
