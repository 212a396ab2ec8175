"""seed.py: tests/seed.h's seed for the Python tests.

    to replay: STAMPEDE_TEST_SEED=<seed> ctest --test-dir build -R '^<test>$'

test_seed(cli) returns the script's own --seed when given, else
STAMPEDE_TEST_SEED (decimal, or hex after 0x, below 2^52; anything else
exits the test with status 1), else a fresh seed mixed from the clock's
nanoseconds and the pid. It prints one line, flushed before the test's
own output,

    [seed] <test>: replay with STAMPEDE_TEST_SEED=<seed> ctest -R '^<test>$'

and ctest --output-on-failure shows a failing test's whole output, so the
seed is on screen whenever the test fails. <test> is STP_CTEST_NAME when
set, else the script's name without test_ and .py (the ctest names in
CMakeLists.txt follow that rule).
"""
import os
import re
import sys
import time

LIMIT = 1 << 52  # as seed.h: run.seed takes any seed below 2^53


def _splitmix64(state):
    """splitmix64's next state and output (tests/splitmix.h's next_u64)."""
    state = (state + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return state, z ^ (z >> 31)


def _parse(text):
    """STAMPEDE_TEST_SEED as seed.h reads it: decimal or 0x hex, < 2^52."""
    if re.fullmatch(r"[0-9]+", text):
        value = int(text, 10)
    elif re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        value = int(text, 16)
    else:
        value = None
    if value is None or value >= LIMIT:
        sys.exit(f'STAMPEDE_TEST_SEED="{text}" is not a decimal or 0x-hex integer below 2^52')
    return value


def _fresh():
    _, mixed = _splitmix64(time.time_ns() & 0xFFFFFFFFFFFFFFFF)
    _, out = _splitmix64(mixed ^ (os.getpid() << 32))
    return out & (LIMIT - 1)


def test_seed(cli=None):
    """The test's seed: cli (its --seed), STAMPEDE_TEST_SEED or fresh."""
    env = os.environ.get("STAMPEDE_TEST_SEED")
    if cli is not None:
        seed = cli
    elif env is not None:
        seed = _parse(env)
    else:
        seed = _fresh()
    name = os.environ.get("STP_CTEST_NAME")
    if not name:
        name = re.sub(r"^test_|\.py$", "", os.path.basename(sys.argv[0]))
    print(f"[seed] {name}: replay with STAMPEDE_TEST_SEED={seed} ctest -R '^{name}$'",
          flush=True)
    return seed
