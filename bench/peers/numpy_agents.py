"""The agents' step in NumPy: the peer the CPU backend is measured against
(issue 11's stretch: 20x this, per core, in one run).

What a quant would write in an afternoon, shaped like configs/bench_1024.json
(1,024 agents, 600 one-second steps): every agent its own 8 -> 16 -> 1 MLP
(per-agent weights as a batched matmul), its own reaction lag and
threshold; per path one batch of the step's sells into a constant-product
pool, and the pool price feeds the next step's features. No liquidations,
oracle delay, shocks or mitigations: it does less than the engine.

Usage: python3 bench/peers/numpy_agents.py [PATHS] [--json] -> prints
agent-steps/s; --json: {"peer", "paths", "agent_steps_per_s", "blas"}, where blas
is the library the timed matmuls ran on (peer_blas.py; bench/run_peers.sh
refuses a ratio against the reference BLAS). Run with OMP_NUM_THREADS=1
OPENBLAS_NUM_THREADS=1 for one core.
"""
import json
import sys
import time

import numpy as np

import peer_blas

AGENTS, STEPS, HIDDEN, FEATURES, RING = 1024, 600, 16, 8, 64


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    paths = int(args[0]) if args else 64
    rng = np.random.default_rng(1)
    w1 = rng.normal(0, 0.3, (AGENTS, FEATURES, HIDDEN)).astype(np.float32)
    b1 = rng.normal(0, 0.1, (AGENTS, 1, HIDDEN)).astype(np.float32)
    w2 = rng.normal(0, 0.3, (AGENTS, HIDDEN, 1)).astype(np.float32)
    b2 = rng.normal(-2, 0.1, AGENTS).astype(np.float32)
    lag = rng.integers(0, 20, AGENTS)
    thr = rng.normal(1.5, 0.2, AGENTS).astype(np.float32)
    sell = np.full(AGENTS, 10.0, np.float32)
    x = np.full(paths, 3.2e5)            # pool: collateral units
    y = x * 2500.0                       # pool: USD
    ring = np.zeros((RING, paths, FEATURES), np.float32)
    ring[:, :, FEATURES - 1] = 1.0       # bias feature
    log_p = np.log(y / x)
    cooldown = np.zeros((paths, AGENTS), np.int32)
    t0 = time.perf_counter()
    for t in range(STEPS):
        eps = rng.standard_normal(paths) * 1.5e-4
        log_p_new = np.log(y / x) + eps
        k = x * y
        p_new = np.exp(log_p_new)
        x, y = np.sqrt(k / p_new), np.sqrt(k * p_new)          # arbitrage to the noise
        ret = (log_p_new - log_p) / 1.5e-4
        log_p = log_p_new
        row = ring[t % RING]
        row[:, 0] = np.clip(ret, -10, 10)
        row[:, 1:FEATURES - 1] = ring[(t - 1) % RING][:, 1:FEATURES - 1] * 0.9
        feats = ring[(t - lag) % RING]                        # agents, paths, features
        h = np.tanh(np.matmul(feats, w1) + b1)                # per-agent weights: batched matmul
        logit = np.matmul(h, w2)[:, :, 0].T + b2              # paths, agents
        act = (logit > thr) & (cooldown <= t)
        cooldown[act] = t + 60
        q = act.astype(np.float32) @ sell                     # one batch per path
        out = y * q * 0.997 / (x + q * 0.997)
        x, y = x + q, y - out
    dt = time.perf_counter() - t0
    rate = paths * STEPS * AGENTS / dt
    if "--json" in sys.argv[1:]:
        print(json.dumps({"peer": "numpy_agents.py", "paths": paths, "agent_steps_per_s": rate,
                          "blas": peer_blas.blas_in_use()}))
    else:
        print(f"{rate:.4g}")


if __name__ == "__main__":
    main()
