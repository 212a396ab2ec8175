"""Figures of a stampede results file (docs/results.md), shared by
the notebooks beside this file and by `stampede summary --plot DIR`.

Every figure is a function of one open results file (or, for the nightly
history, of one JSON Lines file) and returns a matplotlib Figure; nothing
here runs the engine or reads anything else. `open_results` checks the
root attributes `format` and `format_version` as every reader must, and
recomputes the engine's checksums (`verify`), so a damaged file is refused.

    /usr/bin/python3 notebooks/stampede_plots.py RESULTS.h5 OUTDIR
        writes every figure that applies to the file's experiment kind as
        OUTDIR/<name>.png and prints one path per line.
    /usr/bin/python3 notebooks/stampede_plots.py --history HISTORY.jsonl OUTDIR
        the nightly history's figures.

Exit status (the engine's codes): 0 written; 2 usage, or h5py/matplotlib
missing; 3 the input cannot be read or a figure cannot be written. A
failure prints one line, last.
"""
import json
import os
import sys

try:
    import h5py
    import matplotlib
    import numpy as np
except ImportError as e:  # pragma: no cover - the environment, not the code
    if __name__ != "__main__":
        raise
    print(f"needs h5py, matplotlib and numpy ({e}): apt-get install python3-h5py "
          "python3-matplotlib (bash scripts/deps.sh)", file=sys.stderr)
    sys.exit(2)

matplotlib.use("Agg")  # headless: the notebooks display the saved PNGs
import matplotlib.pyplot as plt  # noqa: E402

FORMAT = "stampede-results"
FORMAT_VERSIONS = (1, 2)  # 2: sealed; open_results verifies the checksums (verify)
LOSS_METRICS = ("bad_debt_usd", "max_drawdown", "liquidated_usd")


class ResultsError(Exception):
    """A file that is not a results file this reader understands."""


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def open_results(path):
    """Opens a results file read-only after checking its format attributes."""
    if not os.path.exists(path):
        raise ResultsError(f"{path}: no such file; set STAMPEDE_RESULTS to a results file, or "
                           "make the notebooks' defaults with bash scripts/figures.sh")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ResultsError(f"{path}: cannot open as HDF5 ({e}); pass a stampede results file")
    if _s(f.attrs.get("format", "")) != FORMAT:
        f.close()
        raise ResultsError(f"{path}: root attribute format is not {FORMAT!r}")
    version = int(f.attrs.get("format_version", -1))
    if version not in FORMAT_VERSIONS:
        f.close()
        raise ResultsError(f"{path}: format_version {version}, this reader knows "
                           f"{FORMAT_VERSIONS}; use the notebooks of the engine that wrote it")
    try:
        # `stampede summary --plot` verified this very file a moment ago (in C)
        if os.environ.get("STAMPEDE_VERIFIED") != os.path.abspath(path):
            verify(f)
    except ResultsError:
        f.close()
        raise
    except (KeyError, OSError, ValueError) as e:  # HDF5 could not read a part of it
        f.close()
        raise ResultsError(f"{path}: unreadable ({e}): the file is damaged")
    return f


# ---------------------------------------------------------------------------
# The engine's checksums (host/io/h5_seal.h), recomputed independently
# ---------------------------------------------------------------------------

FNV_OFFSET, FNV_PRIME, MASK64 = 1469598103934665603, 0x100000001b3, (1 << 64) - 1
SEAL_ATTR = "stp_checksum"
VERIFY_MAX_BYTES = 32 << 20  # pure Python hashes ~10 MB/s: larger files are left to the engine


def _fnv(h, data, prime=FNV_PRIME, mask=MASK64):
    for b in data:
        h = ((h ^ b) * prime) & mask
    return h


def _mix_int(h, v):
    return _fnv(h, int(v).to_bytes(8, "little", signed=True))


def _mix_str(h, s):
    return _fnv(h, (s.encode() if isinstance(s, str) else bytes(s)) + b"\0")


def _mix_type(h, tid):
    cls = tid.get_class()
    vlen = int(cls == h5py.h5t.STRING and tid.is_variable_str())
    return _mix_int(_mix_int(_mix_int(h, cls), tid.get_size()), vlen), vlen


def _mix_values(h, values, vlen):
    if not vlen:
        return _fnv(h, np.ascontiguousarray(values).tobytes())
    for v in np.asarray(values, dtype=object).ravel():
        h = _mix_str(h, v if v is not None else b"")
    return h


def _object_seal(obj, name, is_dataset):
    h = _mix_int(_mix_str(FNV_OFFSET, name), 1 if is_dataset else 0)
    for key in sorted(obj.attrs.keys(), key=lambda k: k.encode()):
        if key == SEAL_ATTR:
            continue
        aid = h5py.h5a.open(obj.id, key.encode())
        h, vlen = _mix_type(_mix_str(h, key), aid.get_type())
        h = _mix_int(h, aid.get_space().get_simple_extent_npoints())
        h = _mix_values(h, obj.attrs[key], vlen)
    if is_dataset:
        h, vlen = _mix_type(h, obj.id.get_type())
        h = _mix_int(h, len(obj.shape))
        for d in obj.shape:
            h = _mix_int(h, d)
        if obj.size:
            h = _mix_values(h, obj[()], vlen)
    return h


def verify(f):
    """Recomputes the engine's checksums of every object (h5_seal.h) and
    raises ResultsError naming the first that does not match. Returns True
    when verified, False for a file from before checksums or one whose data
    is too large to hash here (stampede summary verifies those)."""
    if SEAL_ATTR not in f.attrs:
        if int(f.attrs.get("format_version", 1)) >= 2:
            raise ResultsError(f"{f.filename}: format_version 2 but no root checksum: damaged")
        return False
    names = []
    h5py.h5o.visit(f.id, names.append, idx_type=h5py.h5.INDEX_NAME, order=h5py.h5.ITER_INC)
    total = sum(f[n].nbytes for n in map(bytes.decode, names) if isinstance(f[n], h5py.Dataset))
    if total > VERIFY_MAX_BYTES:
        return False
    root = _fnv(FNV_OFFSET, _object_seal(f, ".", False).to_bytes(8, "little"))
    for raw in names:
        name = raw.decode()
        obj = f[name]
        seal = _object_seal(obj, name, isinstance(obj, h5py.Dataset))
        if int(obj.attrs.get(SEAL_ATTR, -1)) != seal:
            raise ResultsError(f"{f.filename}: /{name}: content does not match its checksum: the "
                               "file is damaged")
        root = _fnv(_mix_str(root, name), seal.to_bytes(8, "little"))
    if int(f.attrs[SEAL_ATTR]) != root:
        raise ResultsError(f"{f.filename}: /: the root checksum does not match: the file is "
                           "damaged")
    return True


def config(f):
    return json.loads(_s(f.attrs["config_json"]))


def experiment_kind(f):
    return config(f)["experiment"].get("kind", "single")


def variants(f):
    """Variant names in the order of /comparison when there is one."""
    if "comparison" in f:
        return list(f["comparison/name"].asstr()[:])
    return list(f["variants"].keys())


def _strings(ds):
    return [_s(x) for x in ds[:]]


def _money(x, _pos=None):
    sign, a = ("-" if x < 0 else ""), abs(x)
    for div, suf in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= div:
            return f"{sign}${a / div:.3g}{suf}"
    return f"{sign}${a:.3g}"


def _label(metric):
    return {"bad_debt_usd": "bad debt (USD)", "max_drawdown": "max drawdown (fraction)",
            "liquidated_usd": "liquidated (USD)"}.get(metric, metric)


def _legend(ax, **kw):
    """A legend when the axes have labelled artists (an empty population has none)."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend(**kw)


def _weights(v):
    w = v["outcomes/weight"][:] if "outcomes/weight" in v else None
    return None if w is None or np.all(w == 1.0) else w


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

def tail_table(f, variant=None, metrics=LOSS_METRICS):
    """A markdown table of P(cascade) and each metric's mean, VaR and ES
    with their 95% intervals, as the file's stats/ hold them."""
    variant = variant or variants(f)[0]
    v = f["variants"][variant]
    c = v["cascade"].attrs
    rows = [f"**{variant}**: P(cascade) = {100 * c['p']:.3g}% "
            f"[{100 * c['ci_lo']:.3g}%, {100 * c['ci_hi']:.3g}%] over {int(c['n']):,} paths", "",
            "| outcome | mean | " + " | ".join(
                f"VaR {x:g} | ES {x:g}" for x in v["stats"][metrics[0]]["es_levels"][:]) + " |",
            "|---|---:|" + "---:|---:|" * len(v["stats"][metrics[0]]["es_levels"][:])]
    for m in metrics:
        st = v["stats"][m]
        cell = [f"{_fmt(m, st['mean'][()])} [{_fmt(m, st['mean_ci_lo'][()])}, "
                f"{_fmt(m, st['mean_ci_hi'][()])}]"]
        for i in range(len(st["es_levels"][:])):
            cell.append(f"{_fmt(m, st['var'][i])} [{_fmt(m, st['var_ci_lo'][i])}, "
                        f"{_fmt(m, st['var_ci_hi'][i])}]")
            cell.append(f"{_fmt(m, st['es'][i])} [{_fmt(m, st['es_ci_lo'][i])}, "
                        f"{_fmt(m, st['es_ci_hi'][i])}]")
        rows.append(f"| {m} | " + " | ".join(cell) + " |")
    return "\n".join(rows)


def comparison_table(f):
    """A markdown table of /comparison: P(cascade), ES and the paired
    reductions against the baseline with their intervals."""
    c = f["comparison"]
    names = list(c["name"].asstr()[:])
    rows = ["| point | P(cascade) | reduction (pp), paired | unpaired | ES of bad debt | "
            "ES reduction, paired |", "|---|---:|---:|---:|---:|---:|"]
    for i, n in enumerate(names):
        pc = f"{100 * c['p_cascade'][i]:.3g}% [{100 * c['p_ci_lo'][i]:.3g}, " \
             f"{100 * c['p_ci_hi'][i]:.3g}]"
        es = f"{_money(c['es'][i])} [{_money(c['es_ci_lo'][i])}, {_money(c['es_ci_hi'][i])}]"
        if i == 0:
            rows.append(f"| {n} (baseline) | {pc} | - | - | {es} | - |")
            continue
        d = f"{100 * c['d_cascade_diff'][i]:.3g} [{100 * c['d_cascade_ci_lo'][i]:.3g}, " \
            f"{100 * c['d_cascade_ci_hi'][i]:.3g}]"
        u = f"[{100 * c['d_cascade_unpaired_ci_lo'][i]:.3g}, " \
            f"{100 * c['d_cascade_unpaired_ci_hi'][i]:.3g}]"
        de = f"{_money(c['d_es_diff'][i])} [{_money(c['d_es_ci_lo'][i])}, " \
             f"{_money(c['d_es_ci_hi'][i])}]"
        rows.append(f"| {n} | {pc} | {d} | {u} | {es} | {de} |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------
# A single run
# ---------------------------------------------------------------------------

def loss_distribution(f, variant=None, metric="bad_debt_usd"):
    """The metric's distribution: the stored histogram (counts, or importance
    mass) and the exceedance curve P(X > x) from the outcomes, with each
    VaR and ES level marked and its 95% interval shaded."""
    variant = variant or variants(f)[0]
    v = f["variants"][variant]
    st = v["stats"][metric]
    fig, (ax_h, ax_e) = plt.subplots(1, 2, figsize=(11, 4))
    h = v["histograms"][metric]
    edges = h["edges"][:]
    height = h["mass"][:] if "mass" in h else h["counts"][:] / max(1, h["counts"][:].sum())
    ax_h.stairs(height, edges, fill=True, alpha=0.6)
    ax_h.set_yscale("log")
    ax_h.set_xlabel(_label(metric))
    ax_h.set_ylabel("share of paths" + (" (importance mass)" if "mass" in h else ""))
    x = v["outcomes"][metric][:]
    w = _weights(v)
    order = np.argsort(x)
    xs = x[order]
    ws = np.ones_like(xs) if w is None else w[order]
    exceed = 1.0 - np.cumsum(ws) / ws.sum()
    keep = exceed > 0
    ax_e.step(xs[keep], exceed[keep], where="post", color="k", lw=1)
    ax_e.set_yscale("log")
    ax_e.set_xlabel(_label(metric))
    ax_e.set_ylabel("P(X > x)")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, lvl in enumerate(st["es_levels"][:]):
        c = colors[(i + 1) % len(colors)]
        for ax in (ax_h, ax_e):
            ax.axvspan(st["var_ci_lo"][i], st["var_ci_hi"][i], color=c, alpha=0.12)
            ax.axvline(st["var"][i], color=c, ls="--", lw=1,
                       label=f"VaR {lvl:g}: {_fmt(metric, st['var'][i])}")
            ax.axvspan(st["es_ci_lo"][i], st["es_ci_hi"][i], color=c, alpha=0.08, hatch="//")
            ax.axvline(st["es"][i], color=c, lw=1.5,
                       label=f"ES {lvl:g}: {_fmt(metric, st['es'][i])} "
                             f"[{_fmt(metric, st['es_ci_lo'][i])}, "
                             f"{_fmt(metric, st['es_ci_hi'][i])}]")
    if metric.endswith("_usd"):
        for ax in (ax_h, ax_e):
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_money))
    _legend(ax_e, fontsize=7, loc="lower left")
    n = int(st["n"][()])
    fig.suptitle(f"{variant}: {_label(metric)} over {n:,} paths (shaded: 95% CIs)")
    fig.tight_layout()
    return fig


def _fmt(metric, x):
    return _money(x) if metric.endswith("_usd") else f"{x:.3g}"


def cascade_probability(f):
    """P(cascade) per variant with its interval, and the drawdown
    distribution against the cascade's drawdown threshold."""
    names = variants(f)
    cfg = config(f)
    p = np.array([f["variants"][n]["cascade"].attrs["p"] for n in names])
    lo = np.array([f["variants"][n]["cascade"].attrs["ci_lo"] for n in names])
    hi = np.array([f["variants"][n]["cascade"].attrs["ci_hi"] for n in names])
    fig, (ax_p, ax_d) = plt.subplots(1, 2, figsize=(11, max(3.5, 0.35 * len(names) + 1.5)))
    y = np.arange(len(names))
    ax_p.errorbar(p, y, xerr=[p - lo, hi - p], fmt="o", capsize=3)
    ax_p.set_yticks(y, names)
    ax_p.invert_yaxis()
    ax_p.set_xlabel("P(cascade), 95% interval")
    ax_p.set_xlim(left=0)
    for yi, pi in zip(y, p):
        ax_p.annotate(f"{100 * pi:.2f}%", (pi, yi), textcoords="offset points", xytext=(4, 4),
                      fontsize=7)
    v = f["variants"][names[0]]
    dd = v["outcomes/max_drawdown"][:]
    ax_d.hist(dd, bins=60, weights=_weights(v), color="C0", alpha=0.7)
    ax_d.set_yscale("log")
    thr = cfg.get("cascade", {}).get("drawdown", 0.2)
    ax_d.axvline(thr, color="C3", ls="--", label=f"cascade drawdown {thr:g}")
    ax_d.set_xlabel(f"max drawdown ({names[0]})")
    ax_d.set_ylabel("paths")
    _legend(ax_d, fontsize=8)
    usd = cfg.get("cascade", {}).get("liquidation_usd", 0)
    fig.suptitle(f"cascade: drawdown >= {thr:g} or liquidations >= {_money(usd)}")
    fig.tight_layout()
    return fig


def venue_samples(f, variant=None):
    """Each venue's sample series of a multi-venue run, in the config's venue
    order: {venue: {"price", "pool_depth", "sync", "liquidations": [K][T],
    "dt_s"}}; {} for a one-venue file (its samples/ are the only ones)."""
    variant = variant or variants(f)[0]
    v = f["variants"][variant]
    if "venues" not in v:
        return {}
    out = {}
    for ven in config(f).get("venues", []):
        s = v["venues"][ven["name"]]["samples"]
        out[ven["name"]] = {k: s[k][:] for k in ("price", "pool_depth", "sync", "liquidations")
                            if k in s}
        out[ven["name"]]["dt_s"] = float(s.attrs.get("dt_s", 1.0))
    return out


def sample_paths(f, variant=None, venue=None):
    """The first K paths' price, pool depth, synchronisation and liquidations
    (venue: that venue's series and cascades; else the variant's, which are
    the first venue's with several)."""
    variant = variant or variants(f)[0]
    g = f["variants"][variant] if venue is None else f["variants"][variant]["venues"][venue]
    s = g["samples"]
    dt = float(s.attrs.get("dt_s", 1.0))
    fig, axes = plt.subplots(2, 2, figsize=(11, 6), sharex=True)
    panels = (("price", "price (USD)"), ("pool_depth", "pool depth (USD)"),
              ("sync", "share of agents acting"), ("liquidations", "liquidated (USD / step)"))
    cascade = g["outcomes/cascade"][:]
    for ax, (key, label) in zip(axes.flat, panels):
        data = s[key][:]
        t = np.arange(data.shape[1]) * dt
        for k in range(data.shape[0]):
            hit = k < len(cascade) and cascade[k] > 0
            ax.plot(t, data[k], lw=0.8 if hit else 0.5, color="C3" if hit else "0.4",
                    alpha=0.9 if hit else 0.5)
        ax.set_ylabel(label)
        if key.endswith("depth") or key == "liquidations":
            ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_money))
    for ax in axes[1]:
        ax.set_xlabel("time (s)")
    where = variant if venue is None else f"{variant}, venue {venue}"
    fig.suptitle(f"{where}: the first {s['price'].shape[0]} paths (red: cascades)")
    fig.tight_layout()
    return fig


def population(f):
    """The drawn population: family mix by role, thresholds by family, hf0."""
    g = f["population"]
    fams = _s(g.attrs["families"]).split(",")
    role, fam = g["role"][:], g["family"][:]
    ai = role != 2
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for r, name in ((0, "borrower"), (1, "lp")):
        counts = [np.sum((role == r) & (fam == i)) for i in range(len(fams))]
        axes[0].barh(fams, counts, left=None if r == 0 else base, label=name)
        base = counts
    axes[0].invert_yaxis()
    axes[0].set_xlabel("AI agents")
    _legend(axes[0], fontsize=8)
    axes[0].set_title(f"families (Herfindahl {g.attrs['herfindahl']:.3f})", fontsize=10)
    thr = g["threshold"][:]
    for i, name in enumerate(fams):
        sel = ai & (fam == i)
        if sel.any():
            axes[1].hist(thr[sel], bins=30, histtype="step", label=name)
    axes[1].set_xlabel("threshold (risk score)")
    _legend(axes[1], fontsize=7)
    hf0 = g["hf0"][:]
    bor, pas = role == 0, role == 2
    bins = np.linspace(hf0[bor | pas].min(), np.percentile(hf0[bor | pas], 99.5), 40)
    axes[2].hist([hf0[bor], hf0[pas]], bins=bins, label=["AI borrowers", "passive"],
                 histtype="stepfilled", alpha=0.5)
    axes[2].set_xlabel("initial health factor hf0")
    _legend(axes[2], fontsize=8)
    fig.suptitle(f"population: {int(ai.sum())} AI agents, {int(pas.sum())} passive positions")
    fig.tight_layout()
    return fig


def attribution(f, variant=None, venue=None):
    """Which shock kinds the worst 1% and the cascades carry, against all
    paths, and which family moved first on cascades against its share
    (venue: that venue's, a mirror under its leader's family; else the
    variant's, with several venues the system's)."""
    variant = variant or variants(f)[0]
    g = f["variants"][variant] if venue is None else f["variants"][variant]["venues"][venue]
    a = g["attribution"]
    kinds, groups = _strings(a["kinds"]), _strings(a["groups"])
    share = a["share"][:]
    fig, (ax_k, ax_f) = plt.subplots(1, 2, figsize=(12, 4))
    width = 0.8 / len(groups)
    x = np.arange(len(kinds))
    for i, gname in enumerate(groups):
        ax_k.bar(x + i * width, share[i], width, label=f"{gname} ({int(a['paths'][i]):,})")
    ax_k.set_xticks(x + width * (len(groups) - 1) / 2, kinds, rotation=20, fontsize=8)
    ax_k.set_ylabel("share of the group's paths with the shock")
    _legend(ax_k, fontsize=8)
    fm = a["first_movers"]
    fams = _strings(fm["families"])
    xf = np.arange(len(fams))
    ax_f.bar(xf - 0.2, fm["population_share"][:], 0.4, label="share of AI agents")
    ax_f.bar(xf + 0.2, fm["cascade_share"][:], 0.4,
             label=f"moved first on cascades ({int(np.sum(fm['cascade_count'][:])):,})")
    ax_f.set_xticks(xf, fams, rotation=20, fontsize=8)
    _legend(ax_f, fontsize=8)
    for xi, lift in zip(xf, fm["lift"][:]):
        if np.isfinite(lift) and lift > 0:
            ax_f.annotate(f"lift {lift:.2g}", (xi + 0.2, 0), textcoords="offset points",
                          xytext=(0, 2), ha="center", fontsize=7, rotation=90, va="bottom")
    where = variant if venue is None else f"{variant}, venue {venue}"
    fig.suptitle(f"{where}: tail attribution and who moved first")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# A comparison: the forest plot
# ---------------------------------------------------------------------------

def forest(f):
    """Each variant's reduction against the baseline (baseline - variant, so
    right of zero is better) in P(cascade) and in ES of bad debt: the paired
    95% interval (thick) and the unpaired one (thin), the interval the same
    difference would have on independent paths. Absolute, not relative: a
    rare baseline makes relative reductions explode; each point's relative
    reduction is written beside it."""
    c = f["comparison"]
    names = list(c["name"].asstr()[:])[1:]
    base = _s(c.attrs["baseline"])
    fig, axes = plt.subplots(1, 2, figsize=(12, 0.45 * len(names) + 1.8), sharey=True)
    y = np.arange(len(names))
    for ax, key, title, scale in ((axes[0], "d_cascade", "P(cascade), percentage points", 100.0),
                                  (axes[1], "d_es", f"ES {c.attrs['es_level']:g} of bad debt",
                                   1.0)):
        d = c[key + "_diff"][1:] * scale
        lo, hi = c[key + "_ci_lo"][1:] * scale, c[key + "_ci_hi"][1:] * scale
        ulo = c[key + "_unpaired_ci_lo"][1:] * scale
        uhi = c[key + "_unpaired_ci_hi"][1:] * scale
        ax.hlines(y, ulo, uhi, color="0.6", lw=1, label="unpaired 95%")
        ax.hlines(y, lo, hi, color="C0", lw=4, label="paired 95%")
        ax.plot(d, y, "o", color="k", ms=4)
        ax.axvline(0, color="k", lw=0.8)
        for yi, di, rel in zip(y, d, c[key + "_rel"][1:]):
            if np.isfinite(rel):
                ax.annotate(f"{100 * rel:+.0f}%", (di, yi), textcoords="offset points",
                            xytext=(0, 5), ha="center", fontsize=7)
        ax.set_title(f"reduction in {title}", fontsize=10)
        ax.set_xlabel(f"{base} - variant")
        if key == "d_es":
            ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_money))
    axes[0].set_yticks(y, names)
    axes[0].invert_yaxis()
    _legend(axes[0], fontsize=8, loc="lower left")
    p0 = c["p_cascade"][0]
    fig.suptitle(f"mitigations against {base} (P(cascade) {100 * p0:.2f}%; "
                 f"{int(c['paths'][0]):,} paths per variant, common random numbers)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# A sweep
# ---------------------------------------------------------------------------

def _herfindahl(f, series):
    """Herfindahl index of the family shares a series' overrides set (or the
    base config's), the population's concentration before per-agent noise."""
    cfg = config(f)
    fams = cfg["population"]["families"]
    for v in cfg["experiment"].get("variants", []):
        if v["name"] == series and "population.families" in v.get("set", {}):
            fams = v["set"]["population.families"]
    return sum(x["share"] ** 2 for x in fams), len(fams)


def sweep(f):
    """P(cascade) and ES against the swept parameter, one line per series
    (for the monoculture sweep: per family count), with 95% intervals."""
    s = f["sweep"]
    param = _s(s.attrs["param"])
    series = list(s["series"].asstr()[:])
    value = s["value"][:]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    order = list(dict.fromkeys(series))
    base_value = value[0]
    hhi, p0, p0lo, p0hi = [], [], [], []
    for i, name in enumerate(order):
        sel = np.array([x == name for x in series])
        h, nfam = _herfindahl(f, name)
        lab = f"{name} (HHI {h:.2f})"
        x = value[sel]
        off = (i - (len(order) - 1) / 2) * 0.004 * (x.max() - x.min() or 1)
        for ax, key in ((axes[0], "p"), (axes[1], "es")):
            mid = s["p_cascade" if key == "p" else "es"][sel]
            lo, hi = s[f"{key}_ci_lo"][sel], s[f"{key}_ci_hi"][sel]
            ax.errorbar(x + off, mid, yerr=[mid - np.maximum(lo, 0), hi - mid], marker="o",
                        capsize=3, ms=4, label=lab)
        at = sel & (value == base_value)
        if at.any():
            hhi.append(h)
            p0.append(s["p_cascade"][at][0])
            p0lo.append(s["p_ci_lo"][at][0])
            p0hi.append(s["p_ci_hi"][at][0])
    axes[0].set_ylabel("P(cascade)")
    axes[1].set_ylabel(f"ES {f['comparison'].attrs['es_level']:g} of bad debt")
    axes[1].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_money))
    for ax in axes[:2]:
        ax.set_xlabel(param)
        ax.set_ylim(bottom=0)
    _legend(axes[0], fontsize=8)
    p0, p0lo, p0hi = map(np.array, (p0, p0lo, p0hi))
    axes[2].errorbar(hhi, p0, yerr=[p0 - p0lo, p0hi - p0], fmt="o", capsize=3)
    axes[2].set_xlabel("Herfindahl index of the family shares")
    axes[2].set_ylabel(f"P(cascade) at {param} = {base_value:g}")
    axes[2].set_ylim(bottom=0)
    fig.suptitle(f"sweep of {param} (95% intervals)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Venues: how a cascade spreads (DESIGN §10)
# ---------------------------------------------------------------------------

def _contagion_point(f, name):
    """P(a second venue cascades | one does) of a point: (p, lo, hi, n)."""
    a = f["variants"][name]["contagion/p_second_given_first"].attrs
    return float(a["p"]), float(a["ci_lo"]), float(a["ci_hi"]), int(a["n"])


def _link_latency(f, name):
    """The point's first link's latency in seconds, or None when the point
    closes it (a capacity of at most 1 USD/s)."""
    link = dict(config(f).get("links", [{}])[0])
    over = json.loads(_s(f["variants"][name].attrs["overrides_json"]))
    for k, v in over.items():
        if k.startswith("links[0]."):
            link[k[len("links[0]."):]] = v
    if link.get("capacity_usd_per_s", 1e15) <= 1.0:
        return None
    return float(link.get("latency_s", 0.0))


def contagion(f):
    """A multi-venue sweep: P(a second venue cascades | one does) against
    the swept parameter (the cross-venue share in configs/contagion.json),
    one line per series (the bridge's latency, or no bridge); and against
    the bridge's latency at the sweep's first and second values, the price
    channel alone and with a few shared agents. 95% intervals (Wilson on
    the paths where a venue cascaded)."""
    s = f["sweep"]
    param = _s(s.attrs["param"])
    series = list(s["series"].asstr()[:])
    names = list(s["variant"].asstr()[:])
    value = s["value"][:]
    order = list(dict.fromkeys(series))
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    for i, ser in enumerate(order):
        rows = [j for j, x in enumerate(series) if x == ser]
        lats = {_link_latency(f, names[j]) for j in rows}
        lat = next(iter(lats))
        lab = (ser if len(lats) > 1 else "no bridge" if lat is None
               else f"bridge latency {lat:g} s")
        pts = [_contagion_point(f, names[j]) for j in rows]
        x = np.array([value[j] for j in rows])
        p = np.array([q[0] for q in pts])
        lo = np.array([q[1] for q in pts])
        hi = np.array([q[2] for q in pts])
        off = (i - (len(order) - 1) / 2) * 0.006 * (x.max() - x.min() or 1)
        axes[0].errorbar(x + off, p, yerr=[p - lo, hi - p], marker="o", capsize=3, ms=4,
                         label=lab)
    axes[0].set_xlabel(param)
    axes[0].set_ylabel("P(a second venue cascades | one does)")
    axes[0].set_ylim(0, 1.02)
    _legend(axes[0], fontsize=8)
    shown = sorted(set(value))[:2]
    for v0 in shown:
        xs, ps, los, his, closed = [], [], [], [], None
        for j, x in enumerate(value):
            if x != v0:
                continue
            lat = _link_latency(f, names[j])
            q = _contagion_point(f, names[j])
            if lat is None:
                closed = q
                continue
            xs.append(lat)
            ps.append(q[0])
            los.append(q[1])
            his.append(q[2])
        k = np.argsort(xs)
        xs, ps, los, his = (np.array(a)[k] for a in (xs, ps, los, his))
        line = axes[1].errorbar(xs, ps, yerr=[ps - los, his - ps], marker="o", capsize=3, ms=4,
                                label=f"{param} = {v0:g}")
        if closed is not None:
            axes[1].axhspan(closed[1], closed[2], alpha=0.15, color=line[0].get_color(),
                            label=f"no bridge, {param} = {v0:g}")
    axes[1].set_xscale("symlog", linthresh=10)
    axes[1].set_xlabel("bridge latency (s)")
    axes[1].set_ylabel("P(a second venue cascades | one does)")
    axes[1].set_ylim(bottom=0)
    _legend(axes[1], fontsize=8)
    fig.suptitle("contagion across venues (95% intervals)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# An adversarial search
# ---------------------------------------------------------------------------

def search(f):
    """The cross-entropy search: the objective and elite threshold per
    iteration, each spec's law (probability and size) as it moved, and the
    worst scenario re-run beside random paths."""
    s = f["search"]
    kinds = _strings(s["kind"])
    obj = _s(s.attrs["objective"])
    fig, axes = plt.subplots(1, 4, figsize=(17, 4))
    it = np.arange(len(s["objective"][:]))
    axes[0].plot(it, s["objective"][:], "o-", label=f"{obj} of the iteration's paths")
    axes[0].plot(it, s["gamma"][:], "s--", label="elite threshold")
    axes[0].set_xlabel("iteration")
    _legend(axes[0], fontsize=8)
    law = np.arange(s["p"].shape[0])
    for j, k in enumerate(kinds):
        axes[1].plot(law, s["p"][:, j], "o-", label=k)
        # sizes in units of the configured mean's magnitude: kinds have
        # different units (a log return, a pool fraction, seconds)
        m, sd = s["size_mean"][:, j], s["size_sd"][:, j]
        unit = abs(m[0]) if m[0] != 0 else 1.0
        axes[2].plot(law, m / unit, "o-", label=f"{k} (1 = {m[0]:+.3g})")
        axes[2].fill_between(law, (m - sd) / unit, (m + sd) / unit, alpha=0.15)
    axes[1].set_ylabel("probability the shock occurs")
    axes[1].set_xlabel("law (0: the config's; last: the final refit)")
    _legend(axes[1], fontsize=8)
    axes[2].set_ylabel("shock size / |configured mean| (mean +- sd)")
    axes[2].set_xlabel("law")
    _legend(axes[2], fontsize=7)
    names = [n for n in ("random", "worst") if n in f["variants"]]
    p = np.array([f["variants"][n]["cascade"].attrs["p"] for n in names])
    lo = np.array([f["variants"][n]["cascade"].attrs["ci_lo"] for n in names])
    hi = np.array([f["variants"][n]["cascade"].attrs["ci_hi"] for n in names])
    axes[3].bar(names, p, yerr=[p - lo, hi - p], capsize=5, color=["0.6", "C3"][:len(names)])
    axes[3].set_ylabel("P(cascade) on fresh paths, 95% interval")
    worst = ", ".join(f"{k} {sz:+.3g}" for k, a, sz in
                      zip(kinds, s["worst_active"][:], s["worst_size"][:]) if a)
    axes[3].set_title(f"worst: {worst or 'no shock'}", fontsize=9)
    fig.suptitle(f"adversarial search ({obj}, {int(s.attrs['iterations'])} iterations of "
                 f"{int(s.attrs['paths_per_iter'])} paths)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# The nightly history
# ---------------------------------------------------------------------------

def read_history(path):
    """The records of bench/results/history.jsonl, one per line, oldest first."""
    out = []
    with open(path) as fh:
        for n, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ResultsError(f"{path}:{n}: not a JSON record ({e.msg})")
    if not out:
        raise ResultsError(f"{path}: no records; append one with bench/nightly.sh")
    return out


def history(records):
    """Throughput and each fixed config's tail statistics over the records,
    one line per (config, backend, machine)."""
    lines = {}
    for i, rec in enumerate(records):
        for r in rec["results"]:
            key = (r["name"], r["backend"], r.get("threads", 0), rec.get("machine", "?"))
            lines.setdefault(key, []).append((i, rec, r))
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    machines = sorted({k[3] for k in lines})
    markers = "os^vD"
    for key, pts in sorted(lines.items()):
        idx = [p[0] for p in pts]
        threads = f", {key[2]} thr" if key[2] else ""
        lab = f"{key[0]} / {key[1]}{threads} / host {machines.index(key[3]) + 1}"
        mk = markers[machines.index(key[3]) % len(markers)]
        axes[0].plot(idx, [p[2]["agent_steps_per_s"] for p in pts], mk + "-", label=lab)
        tails = [p[2].get("tail", {}) for p in pts]
        pc = np.array([t.get("p_cascade", np.nan) for t in tails], dtype=float)
        lo = np.array([t.get("p_ci_lo", np.nan) for t in tails], dtype=float)
        hi = np.array([t.get("p_ci_hi", np.nan) for t in tails], dtype=float)
        if np.all(np.isnan(pc)):
            continue  # throughput-only records
        axes[1].errorbar(idx, pc, yerr=[pc - lo, hi - pc], fmt=mk + "-", capsize=3, label=lab)
        es = np.array([t.get("es_bad_debt_usd", np.nan) for t in tails], dtype=float)
        elo = np.array([t.get("es_ci_lo", np.nan) for t in tails], dtype=float)
        ehi = np.array([t.get("es_ci_hi", np.nan) for t in tails], dtype=float)
        axes[2].errorbar(idx, es, yerr=[es - elo, ehi - es], fmt=mk + "-", capsize=3, label=lab)
    ticks = [f"{r['commit']}\n{r['date'][:10]}" for r in records]
    for ax in axes:
        ax.set_xticks(range(len(records)), ticks, fontsize=7, rotation=45)
    axes[0].set_yscale("log")
    axes[0].set_ylabel("agent-steps/s")
    _legend(axes[0], fontsize=6)
    if axes[1].lines:
        _legend(axes[1], fontsize=6)
    # the fixed configs' tails differ by orders of magnitude (feb2026 always
    # cascades, the quickstart about 1% of paths): log axes keep each legible
    axes[1].set_yscale("log", nonpositive="clip")
    axes[2].set_yscale("log", nonpositive="clip")
    axes[1].set_ylabel("P(cascade), 95% interval (log)")
    axes[2].set_ylabel("ES 0.99 of bad debt, 95% interval (log)")
    axes[2].yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(_money))
    fig.suptitle("nightly benchmark history: " +
                 "; ".join(f"host {i + 1} = {m}" for i, m in enumerate(machines)), fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# Everything that applies to one file
# ---------------------------------------------------------------------------

NOTEBOOK = {"single": "single_run.ipynb", "compare": "comparison.ipynb",
            "sweep": "sweep.ipynb", "search": "search.ipynb"}


def figures_for(f):
    """(name, thunk) of every figure that applies to the file's experiment."""
    kind = experiment_kind(f)
    first = variants(f)[0]
    out = [("cascade", lambda: cascade_probability(f))]
    if kind == "single":
        out += [("loss_bad_debt", lambda: loss_distribution(f, first, "bad_debt_usd")),
                ("loss_drawdown", lambda: loss_distribution(f, first, "max_drawdown")),
                ("samples", lambda: sample_paths(f, first))]
    if kind == "compare":
        out.append(("forest", lambda: forest(f)))
    if kind == "sweep":
        out.append(("sweep", lambda: sweep(f)))
        if "contagion" in f["variants"][first]:
            out.append(("contagion", lambda: contagion(f)))
    if kind == "search":
        out += [("search", lambda: search(f)),
                ("samples_worst", lambda: sample_paths(f, "worst"))]
    tail = "worst" if kind == "search" else first
    if "attribution" in f["variants"][tail]:
        out.append(("attribution", lambda: attribution(f, tail)))
    out.append(("population", lambda: population(f)))
    return out


def save(fig, outdir, name):
    """Writes fig as OUTDIR/name.png, atomically, and closes it."""
    path = os.path.join(outdir, name + ".png")
    tmp = path + f".tmp.{os.getpid()}"
    fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)
    os.replace(tmp, path)
    return path


def main(argv):
    args = argv[1:]
    hist = bool(args) and args[0] == "--history"
    if hist:
        args = args[1:]
    if len(args) != 2 or args[0] in ("-h", "--help"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    src, outdir = args
    try:
        os.makedirs(outdir, exist_ok=True)
        if hist:
            print(save(history(read_history(src)), outdir, "history"))
            print("notebook: notebooks/history.ipynb (STAMPEDE_RESULTS=" + src + ")")
            return 0
        with open_results(src) as f:
            for name, make in figures_for(f):
                print(save(make(), outdir, name))
            print(f"notebook: notebooks/{NOTEBOOK[experiment_kind(f)]} "
                  f"(STAMPEDE_RESULTS={src})")
    except (ResultsError, OSError, KeyError, ValueError) as e:
        sys.stdout.flush()
        print(f"{type(e).__name__}: {e}", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
