"""The agents' step in JAX: the GPU peer of DESIGN §7 ("on a GPU, >= 10x the
same model in JAX"), the same computation as numpy_agents.py (read its
docstring for what it covers and leaves out) written as a jitted lax.scan
over the steps, with per-agent weights as a batched einsum.

NOT YET RUN: no machine this project has had holds JAX (Debian packages
none; the build machines and the lent GPU machine have no network for pip).
bench/run_peers.sh runs it when `import jax` works and says so when it
does not. Timing excludes compilation (a warm-up call first) and ends on
block_until_ready.

Usage: python3 bench/peers/jax_agents.py [PATHS] -> prints agent-steps/s
"""
import sys
import time

import jax
import jax.numpy as jnp
from jax import lax

AGENTS, STEPS, HIDDEN, FEATURES, RING = 1024, 600, 16, 8, 64


def simulate(paths, key):
    k = jax.random.split(key, 8)
    w1 = 0.3 * jax.random.normal(k[0], (AGENTS, FEATURES, HIDDEN), jnp.float32)
    b1 = 0.1 * jax.random.normal(k[1], (AGENTS, 1, HIDDEN), jnp.float32)
    w2 = 0.3 * jax.random.normal(k[2], (AGENTS, HIDDEN), jnp.float32)
    b2 = -2.0 + 0.1 * jax.random.normal(k[3], (AGENTS,), jnp.float32)
    lag = jax.random.randint(k[4], (AGENTS,), 0, 20)
    thr = 1.5 + 0.2 * jax.random.normal(k[5], (AGENTS,), jnp.float32)
    sell = jnp.full((AGENTS,), 10.0, jnp.float32)
    eps = 1.5e-4 * jax.random.normal(k[6], (STEPS, paths), jnp.float32)
    x = jnp.full((paths,), 3.2e5, jnp.float32)  # pool: collateral units
    y = x * 2500.0                               # pool: USD
    ring = jnp.zeros((RING, paths, FEATURES), jnp.float32).at[:, :, FEATURES - 1].set(1.0)
    cooldown = jnp.zeros((paths, AGENTS), jnp.int32)

    def step(carry, xs):
        x, y, log_p, ring, cooldown = carry
        t, e = xs
        log_p_new = jnp.log(y / x) + e
        k_xy, p_new = x * y, jnp.exp(log_p_new)
        x, y = jnp.sqrt(k_xy / p_new), jnp.sqrt(k_xy * p_new)  # arbitrage to the noise
        ret = jnp.clip((log_p_new - log_p) / 1.5e-4, -10.0, 10.0)
        prev = ring[(t - 1) % RING]
        row = jnp.concatenate([ret[:, None], prev[:, 1:FEATURES - 1] * 0.9,
                               jnp.ones((paths, 1), jnp.float32)], axis=1)
        ring = ring.at[t % RING].set(row)
        feats = ring[(t - lag) % RING]                                  # agents, paths, features
        h = jnp.tanh(jnp.einsum("apf,afh->aph", feats, w1) + b1)        # per-agent weights
        logit = jnp.einsum("aph,ah->pa", h, w2) + b2                    # paths, agents
        act = (logit > thr) & (cooldown <= t)
        cooldown = jnp.where(act, t + 60, cooldown)
        q = act.astype(jnp.float32) @ sell                              # one batch per path
        out = y * q * 0.997 / (x + q * 0.997)
        return (x + q, y - out, log_p_new, ring, cooldown), None

    carry = (x, y, jnp.log(y / x), ring, cooldown)
    carry, _ = lax.scan(step, carry, (jnp.arange(STEPS), eps))
    return carry[0]


def main():
    paths = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    run = jax.jit(simulate, static_argnums=0)
    run(paths, jax.random.PRNGKey(0)).block_until_ready()  # compile
    t0 = time.perf_counter()
    run(paths, jax.random.PRNGKey(1)).block_until_ready()
    dt = time.perf_counter() - t0
    print(f"{paths * STEPS * AGENTS / dt:.4g}")


if __name__ == "__main__":
    main()
