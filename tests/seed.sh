# seed.sh: tests/seed.h's seed for shell tests and scripts/test.sh; source it.
# shellcheck shell=bash
#
#   to replay: STAMPEDE_TEST_SEED=<seed> ctest --test-dir build -R '^<test>$'
#
# seed=$(test_seed NAME [REPLAY]) gives STAMPEDE_TEST_SEED's value (decimal,
# or hex after 0x, below 2^52; anything else fails, and under set -e stops
# the script) or a fresh seed from the clock's nanoseconds and the pid, and
# prints "[seed] NAME: replay with STAMPEDE_TEST_SEED=<seed> REPLAY" on
# stderr (REPLAY: the command to rerun, ctest -R '^NAME$' by default), which
# ctest shows with the output of a failing test.
test_seed() {
  local name=$1 replay=${2:-"ctest -R '^$1\$'"} s
  if [ -n "${STAMPEDE_TEST_SEED+set}" ]; then
    s=$STAMPEDE_TEST_SEED
    # digit counts first: bash arithmetic wraps silently at 2^63
    if [[ $s =~ ^[0-9]{1,16}$ ]]; then
      s=$((10#$s)) # 10#: a leading 0 is not octal
    elif [[ $s =~ ^0[xX][0-9a-fA-F]{1,13}$ ]]; then
      s=$((s))
    else
      s=-1
    fi
    if ((s < 0 || s >= 1 << 52)); then
      echo "STAMPEDE_TEST_SEED=\"$STAMPEDE_TEST_SEED\" is not a decimal or 0x-hex integer below 2^52" >&2
      return 2
    fi
  else
    # splitmix64's multiplier spreads the nanoseconds over the word
    s=$(( ($(date +%s%N) * 0x9e3779b97f4a7c15 ^ ($$ << 32)) & ((1 << 52) - 1) ))
  fi
  echo "[seed] $name: replay with STAMPEDE_TEST_SEED=$s $replay" >&2
  echo "$s"
}
