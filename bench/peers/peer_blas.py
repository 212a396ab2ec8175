"""Which BLAS a NumPy peer ran on, and whether a ratio against it is honest.

A NumPy user gets OpenBLAS (the wheels bundle it; Debian's numpy gets it
from libopenblas0-pthread, which takes over libblas.so.3 through
update-alternatives). Debian's default libblas3 is the netlib reference
BLAS, about 2x slower on numpy_agents.py's batched matmuls: a ratio
against a peer on it flatters the engine.

blas_in_use() is called by a peer after its timed matmuls, in the process
that timed them, so the library it reports is the one the timing used.
refusal() says whether a ratio may be published against it.

Run as a script, it checks the NumPy of this python3 (one matmul, then
blas_in_use) or, given peer JSON files (`--json` output of numpy_agents.py
or numpy_model.py), the BLAS each of them reports:
  python3 bench/peers/peer_blas.py [--threads N] [PEER.json ...]
It prints the library on one line, or one line per refusal on stderr and
exits 1.
"""
import ctypes
import json
import os
import sys

# optimised BLAS a NumPy user may have: threadpoolctl's internal_api, and a
# symbol only that library exports (as threadpoolctl tells them apart)
OPTIMISED = {"openblas": ("openblas_get_config", "openblas_get_config64_",
                          "scipy_openblas_get_config64_"),
             "mkl": ("MKL_Get_Max_Threads",),
             "blis": ("bli_thread_get_num_threads",)}
# NumPy's float32 matmul calls this (Debian; 1.x wheels; 2.x wheels)
SGEMM = ("cblas_sgemm", "cblas_sgemm64_", "scipy_cblas_sgemm64_")
FIX = "apt-get install libopenblas0-pthread python3-threadpoolctl, or bash scripts/deps.sh"
FIELDS = ("internal_api", "version", "filepath", "num_threads", "threading_layer", "architecture")


class DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def sgemm_provider():
    """The file (symlinks resolved) whose sgemm NumPy's core module calls,
    found as its loader finds it (dlsym from the module's handle, then
    dladdr); None where neither the module nor the symbol is found."""
    try:
        import numpy.core._multiarray_umath as core
    except ImportError:
        import numpy._core._multiarray_umath as core
    lib, libdl = ctypes.CDLL(core.__file__), ctypes.CDLL(None)
    for name in SGEMM:
        if hasattr(lib, name):
            where = DlInfo()
            if libdl.dladdr(ctypes.cast(getattr(lib, name), ctypes.c_void_p), ctypes.byref(where)):
                return os.path.realpath(where.dli_fname.decode())
    return None


def loaded_blas_files():
    """The shared libraries of this process whose name says BLAS (from
    /proc/self/maps, symlinks resolved)."""
    try:
        with open("/proc/self/maps") as fh:
            paths = {line.split()[-1] for line in fh if "/" in line}
    except OSError:
        return []
    names = ("libblas", "libcblas", "libopenblas", "libmkl_rt", "libblis")
    return sorted({os.path.realpath(p) for p in paths
                   if os.path.basename(p).startswith(names)})


def blas_in_use():
    """The BLAS this process's NumPy calls, as a dict of FIELDS plus
    sgemm_from (the file NumPy's sgemm resolves to). Call it after the
    matmuls ran. internal_api is threadpoolctl's name ("openblas", "mkl",
    "blis") when NumPy's sgemm reaches that library; "reference" for the
    netlib library (Debian's libblas3, in a "blas" folder: threadpoolctl
    does not know it); "unknown" otherwise, or without threadpoolctl.
    threadpoolctl lists the libraries loaded, not the one called: with both
    libblas3 and OpenBLAS loaded it names OpenBLAS while NumPy may call the
    reference (LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/blas does that),
    hence the check of sgemm's provider; "note" says what was seen."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    found = [lib for lib in (threadpool_info() if threadpool_info else [])
             if lib.get("user_api") == "blas"]
    provider = sgemm_provider()
    for lib in found:
        api = lib.get("internal_api")
        if provider is None or (api in OPTIMISED and reaches(provider, OPTIMISED[api])):
            return dict({k: lib.get(k) for k in FIELDS}, sgemm_from=provider)
    files = [provider] if provider else loaded_blas_files()
    info = dict(dict.fromkeys(FIELDS), sgemm_from=provider)
    info["filepath"] = files[0] if files else None
    reference = bool(files) and os.path.basename(os.path.dirname(files[0])) == "blas"
    info["internal_api"] = "reference" if reference else "unknown"
    if threadpool_info is None:
        info["note"] = "threadpoolctl is not installed"
    elif found:
        info["note"] = ("threadpoolctl found " + ", ".join(lib["filepath"] for lib in found)
                        + " loaded, which NumPy's sgemm does not call")
    return info


def reaches(path, symbols):
    """Whether the library at path, or one it depends on, exports one of symbols."""
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return False
    return any(hasattr(lib, s) for s in symbols)


def refusal(info, who="the NumPy peer", threads=None):
    """None when `info` (blas_in_use's dict) is an optimised BLAS running
    `threads` threads (any number when None); otherwise the one-line reason
    no ratio against `who` may be published, with the fix."""
    api = (info or {}).get("internal_api")
    where = (info or {}).get("filepath") or "no BLAS library found"
    if api not in OPTIMISED:
        kind = "the reference BLAS" if api == "reference" else "an unknown BLAS"
        return (f"{who} ran on {kind} ({where}), not the OpenBLAS a NumPy user has: "
                f"no ratio against it; fix: {FIX}")
    if threads is not None and info.get("num_threads") != threads:
        return (f"{who} ran {info.get('num_threads')} BLAS threads ({api}, {where}), "
                f"not {threads}: set OPENBLAS_NUM_THREADS={threads}")
    return None


def describe(info):
    """One line: library, version, threading, threads, file."""
    return (f"{info.get('internal_api')} {info.get('version')} "
            f"({info.get('threading_layer')}, {info.get('architecture')}, "
            f"{info.get('num_threads')} threads) {info.get('filepath')}")


def main(argv):
    threads = None
    if argv[:1] == ["--threads"]:
        threads, argv = int(argv[1]), argv[2:]
    infos = []
    for path in argv:
        with open(path) as fh:
            rec = json.load(fh)
        infos.append((rec.get("peer", path), rec.get("blas")))
    if not argv:
        import numpy as np
        a = np.ones((64, 64), np.float32)
        a @ a
        infos.append((f"{sys.executable}'s numpy {np.__version__}", blas_in_use()))
    bad = [r for r in (refusal(info, who, threads) for who, info in infos) if r]
    for r in bad:
        print(r, file=sys.stderr)
    if not bad:
        for who, info in infos:
            print(f"{who}: {describe(info)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
