#!/usr/bin/env bash
# Bit-identity of a refactor: run every shipped config (configs/*.json and
# the validation pack) at a fixed seed and a small path count with the
# stampede given, into DIR; with a second DIR, compare the two sets of
# results files object by object (tests/same_results.py: every dataset and
# attribute bit for bit, timings and the checksum aside) and the summaries.
#   scripts/same_outputs.sh STAMPEDE DIR            # write
#   scripts/same_outputs.sh --compare DIR_A DIR_B    # compare
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ ${1:-} == --compare ]]; then
    a=$2 b=$3 bad=0
    for f in "$a"/*.h5; do
        n=$(basename "$f")
        if ! PYTHONPATH="$root/tests" /usr/bin/python3 - "$f" "$b/$n" <<'PY'
import sys
from same_results import differences
d = differences(sys.argv[1], sys.argv[2])
print(("same   " if not d else "DIFFER ") + sys.argv[1].rsplit("/", 1)[-1], *d[:8])
sys.exit(1 if d else 0)
PY
        then bad=1; fi
        # the summaries, aside from what a clock decides: the run's time and
        # speed, its date, and an ensemble's allocation advice (drawn from
        # the measured cost of a population and of a path)
        drop=(-e 'wall' -e 'agent-steps' -e '_s"' -e 'created' -e 'allocation:')
        if ! diff <(grep -v "${drop[@]}" "$a/${n%.h5}.txt") \
                  <(grep -v "${drop[@]}" "$b/${n%.h5}.txt") >/dev/null; then
            echo "DIFFER summary of $n"; bad=1
        fi
    done
    exit $bad
fi
exe=$(realpath "$1") out=$2
mkdir -p "$out"
cd "$root"
for cfg in configs/*.json configs/validation/*.json; do
    name=$(basename "${cfg%.json}")
    [[ $cfg == configs/validation/* ]] && name="validation_$name"
    # 512 paths: a multiple of the ensembles' 16 populations and two qmc replicates of 256
    "$exe" run "$cfg" --paths 512 --seed 7 --threads 2 -o "$out/$name.h5" --force --quiet
    "$exe" summary "$out/$name.h5" > "$out/$name.txt"
    echo "wrote $name"
done
