#!/usr/bin/python3
"""How far one engine's results moved from another's on the same paths: two
results files of one config and seed (e.g. 0.3.0 and 0.4.0, whose tanh
differs in its last bits), compared variant by variant and path by path.

For each variant in both files: the paths with any outcome column changed,
P(cascade) in each, the paths whose cascade
flag flipped each way, and the paired difference new - old with its 95%
interval (the paths' differences are the same market paths, so the paired
interval is the one that says whether the engine, not the sample, moved
it); the estimate's own 95% half-width (its Monte Carlo error), and the
same for mean bad debt and max drawdown. A figure has "moved" when the
difference exceeds the estimate's own half-width (beyond Monte Carlo
error), and is "systematic" when the paired interval excludes 0 (a real
shift, however small); the exit code is 1 when any figure moved.

Weighted files (importance sampling) are compared with their weights,
which must be equal in both files (the weights depend on the market path
only).

usage: scripts/engine_drift.py OLD.h5 NEW.h5 [--json OUT.json]"""
import json
import sys

import h5py
import numpy as np

COLUMNS = ("cascade", "bad_debt_usd", "max_drawdown")


def read(f, variant):
    o = f["variants"][variant]["outcomes"]
    cols = {c: o[c][:].astype(float) for c in COLUMNS}
    cols["weight"] = o["weight"][:].astype(float)
    # every per-path column, for the count of paths with any change
    cols["all"] = {k: o[k][:] for k in o if o[k].ndim == 1 and len(o[k]) == len(cols["weight"])}
    return cols


def weighted_mean_se(x, w):
    """Self-normalised weighted mean and its delta-method standard error."""
    m = np.sum(w * x) / np.sum(w)
    n = len(x)
    se = np.sqrt(np.sum((w * (x - m)) ** 2)) / np.sum(w) if n > 1 else float("nan")
    return m, se


def compare(old, new):
    if len(old["weight"]) != len(new["weight"]):
        raise ValueError("path counts differ: not the same run")
    if not np.array_equal(old["weight"], new["weight"]):
        raise ValueError("weights differ: not the same market paths")
    w = new["weight"]
    changed = np.zeros(len(w), dtype=bool)
    every_old = old.get("all") or {c: old[c] for c in COLUMNS}
    every_new = new.get("all") or {c: new[c] for c in COLUMNS}
    for k in set(every_old) & set(every_new):
        a, b = every_old[k], every_new[k]
        changed |= ~((a == b) | ((a != a) & (b != b)))  # NaN equals NaN here
    out = {"paths": int(len(w)), "paths_any_changed": int(changed.sum()),
           "cascade_flips_up": int(np.sum((new["cascade"] > 0) & (old["cascade"] == 0))),
           "cascade_flips_down": int(np.sum((new["cascade"] == 0) & (old["cascade"] > 0)))}
    moved = False
    for c in COLUMNS:
        mo, _ = weighted_mean_se(old[c], w)
        mn, se = weighted_mean_se(new[c], w)
        d, dse = weighted_mean_se(new[c] - old[c], w)
        row = {"old": mo, "new": mn, "diff": d, "diff_ci95": [d - 1.96 * dse, d + 1.96 * dse],
               "mc_half_width": 1.96 * se,
               "paths_changed": int(np.sum(new[c] != old[c]))}
        row["systematic"] = bool(dse > 0 and abs(d) > 1.96 * dse)
        row["moved"] = bool(abs(d) > 1.96 * se)
        moved |= row["moved"]
        out[c] = row
    out["moved"] = moved
    return out


def main():
    args = sys.argv[1:]
    json_out = None
    if "--json" in args:
        i = args.index("--json")
        json_out = args[i + 1]
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    report = {}
    with h5py.File(args[0], "r") as fo, h5py.File(args[1], "r") as fn:
        for v in sorted(set(fo["variants"]) & set(fn["variants"])):
            report[v] = compare(read(fo, v), read(fn, v))
    any_moved = False
    for v, r in report.items():
        c = r["cascade"]
        print(f"{v}: {r['paths_any_changed']} paths changed; "
              f"P(cascade) {c['old']:.4%} -> {c['new']:.4%} "
              f"(flips +{r['cascade_flips_up']} -{r['cascade_flips_down']} of {r['paths']}; "
              f"paired diff {c['diff']:+.4%} [{c['diff_ci95'][0]:+.4%}, {c['diff_ci95'][1]:+.4%}], "
              f"MC +-{c['mc_half_width']:.3%}); bad debt {r['bad_debt_usd']['diff']:+.4g} "
              f"(MC +-{r['bad_debt_usd']['mc_half_width']:.4g}); drawdown "
              f"{r['max_drawdown']['diff']:+.3g} (MC +-{r['max_drawdown']['mc_half_width']:.3g})"
              + ("  MOVED" if r["moved"] else "")
              + ("  systematic" if any(r[k]["systematic"] for k in COLUMNS) else ""))
        any_moved |= r["moved"]
    if json_out:
        with open(json_out, "w") as f:
            json.dump(report, f, indent=1)
    print(f"{len(report)} variants compared; "
          + ("some MOVED beyond Monte Carlo error" if any_moved else
             "none moved beyond Monte Carlo error"))
    return 1 if any_moved else 0


if __name__ == "__main__":
    sys.exit(main())
