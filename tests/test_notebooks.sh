#!/usr/bin/env bash
# Notebooks, figures and the nightly record (issue 14), end to end: the
# shipped configs at small path counts on a fresh seed, each notebook run
# headless on the file it is given and checked for every figure,
# `summary --plot` for every experiment kind (and its failures), and
# `bench --history` against `stampede run` of the same paths.
# Usage: tests/test_notebooks.sh STAMPEDE_BINARY
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$root/tests/seed.sh"
seed=$(test_seed notebooks)
cd "$root"

run() { # NAME CONFIG ARGS...: a results file of the shipped config
  local name=$1 cfg=$2
  shift 2
  "$bin" run "configs/$cfg.json" -o "$tmp/$name.h5" --seed "$seed" --quiet --backend openmp "$@"
}
run single quickstart --paths 256
run compare mitigation_pack --paths 128
run sweep monoculture_sweep --paths 64
run search adversarial_search --paths 128 --set experiment.search.iterations=3 \
  --set experiment.search.paths_per_iter=128
# venues (DESIGN §10): the contagion sweep, two shares for each bridge
run contagion contagion --paths 48 --set 'experiment.sweep.values=[0, 0.5]'

# the nightly record: the committed history plus two fresh records
cp bench/results/history.jsonl "$tmp/history.jsonl"
for s in "$seed" $((seed + 1)); do
  "$bin" bench configs/quickstart.json --paths 96 --seed "$s" --backend openmp --json \
    --history "$tmp/history.jsonl" >/dev/null
done
# a bench record's tail statistics are those `stampede run` writes for the same paths
"$bin" run configs/quickstart.json -o "$tmp/bench_twin.h5" --paths 96 --seed $((seed + 1)) \
  --quiet --backend openmp
$py - "$tmp/history.jsonl" "$tmp/bench_twin.h5" <<'PY'
import json, sys
import h5py
recs = [json.loads(l) for l in open(sys.argv[1])]
t = recs[-1]["results"][0]["tail"]
v = h5py.File(sys.argv[2])["variants/quickstart"]
bd = v["stats/bad_debt_usd"]
pairs = [("p_cascade", t["p_cascade"], v["cascade"].attrs["p"]),
         ("es_bad_debt_usd", t["es_bad_debt_usd"], bd["es"][0]),
         ("es_ci_hi", t["es_ci_hi"], bd["es_ci_hi"][0]),
         ("mean_bad_debt_usd", t["mean_bad_debt_usd"], bd["mean"][()]),
         ("mean_max_drawdown", t["mean_max_drawdown"], v["stats/max_drawdown/mean"][()])]
bad = [f"{k}: bench {a!r} run {b!r}" for k, a, b in pairs if abs(a - b) > 1e-8 * max(1.0, abs(b))]
assert t["cascades"] == int(v["cascade"].attrs["k"]), (t["cascades"], v["cascade"].attrs["k"])
assert not bad, "; ".join(bad)
assert recs[-1]["commit"] and recs[-1]["machine"] and recs[-1]["date"]
print(f"bench record = run: P(cascade) {t['p_cascade']:.4g}, ES {t['es_bad_debt_usd']:.6g}, "
      f"{len(recs)} history records parse")
PY

expect_fail() { # CODE NEEDLE CMD...: exit CODE with one line on stderr naming NEEDLE, no figures
  local code=$1 needle=$2 rc=0
  shift 2
  "$@" >/dev/null 2>"$tmp/fail.err" || rc=$?
  [ "$rc" = "$code" ] && [ "$(wc -l <"$tmp/fail.err")" = 1 ] && grep -q -- "$needle" "$tmp/fail.err" ||
    { echo "expected exit $code naming '$needle' from: $*"; echo "got $rc:"; cat "$tmp/fail.err"; exit 1; }
}
# the notebooks' loader recomputes the engine's checksums independently
# (stampede_plots.verify): both must accept every kind's file, and both must
# refuse one value changed behind the writer's back, naming the dataset
cp "$tmp/single.h5" "$tmp/edited.h5"
$py - "$tmp" <<'PY'
import os, sys
import h5py
sys.path.insert(0, "notebooks")
import stampede_plots as sp
tmp = sys.argv[1]
for k in ("single", "compare", "sweep", "search"):
    with sp.open_results(os.path.join(tmp, k + ".h5")) as f:
        assert sp.verify(f) is True, k
with h5py.File(os.path.join(tmp, "edited.h5"), "r+") as f:
    f["variants/quickstart/outcomes/max_drawdown"][5] = 0.5
try:
    sp.open_results(os.path.join(tmp, "edited.h5"))
    raise SystemExit("the loader read an edited file")
except sp.ResultsError as e:
    assert "outcomes/max_drawdown" in str(e), e
print("checksums: the Python loader verifies all four kinds and refuses an edited file")
PY
expect_fail 3 outcomes/max_drawdown "$bin" summary "$tmp/edited.h5"

nb() { # NOTEBOOK INPUT FIGURES...
  local name=$1 input=$2
  shift 2
  $py notebooks/execute.py "notebooks/$name.ipynb" "$input" "$tmp/fig_$name" --expect "$1"
}
nb single_run "$tmp/single.h5" loss_bad_debt,loss_drawdown,cascade,samples,population,attribution
nb comparison "$tmp/compare.h5" forest,cascade,attribution
nb sweep "$tmp/sweep.h5" sweep,cascade
nb search "$tmp/search.h5" search,samples_worst,attribution,attribution_random
nb contagion "$tmp/contagion.h5" contagion,cascade
nb history "$tmp/history.jsonl" history

# summary --plot: every kind; stdout stays the summary (JSON parses), the figures' paths on stderr
for k in single compare sweep search; do
  "$bin" summary "$tmp/$k.h5" --format json --plot "$tmp/plot_$k" >"$tmp/$k.json" 2>"$tmp/$k.err"
  $py -c "import json, sys; json.load(open(sys.argv[1]))" "$tmp/$k.json"
  n=0
  while read -r png; do
    [ "$(head -c 4 "$png" | tail -c 3)" = PNG ] || { echo "summary --plot $k: $png is not a PNG"; exit 1; }
    n=$((n + 1))
  done < <(grep '\.png$' "$tmp/$k.err")
  [ "$n" -ge 3 ] || { echo "summary --plot $k: $n figures"; cat "$tmp/$k.err"; exit 1; }
  grep -q "^notebook: notebooks/" "$tmp/$k.err"
  echo "summary --plot $k: $n figures"
done
head -c 20000 "$tmp/single.h5" >"$tmp/truncated.h5"
expect_fail 3 truncated.h5 "$bin" summary "$tmp/truncated.h5" --plot "$tmp/plot_bad"
[ ! -e "$tmp/plot_bad" ] || { echo "a damaged file left figures"; exit 1; }
expect_fail 2 python3 env STAMPEDE_PYTHON=/nonexistent/python3 "$bin" summary "$tmp/single.h5" \
  --plot "$tmp/plot_bad"
touch "$tmp/not_a_dir"
expect_fail 3 not_a_dir "$bin" summary "$tmp/single.h5" --plot "$tmp/not_a_dir/figs"
expect_fail 3 history "$bin" bench configs/quickstart.json --paths 4 --backend openmp \
  --history "$tmp/no/such/dir/h.jsonl"
echo "notebooks, summary --plot and bench --history: ok"
