#!/usr/bin/env python3
"""Peer benchmark: one SGD training step of the paper's MLP in JAX on CPU (jit).

Run: python3 benches/peers/mlp_jax.py   (creates .venv-jax from requirements-jax.txt)
Writes results/mlp_jax.json. The network, data and timing are defined in _mlp_common.py.
The whole step (forward, backward, SGD update) is one jax.jit function with the parameters donated.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("jax")

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import statistics
import time
from importlib import metadata

import jax
import jax.numpy as jnp

from _mlp_common import BATCH, LR, RUNS, SIZES, STEPS, WARMUP, batches, init_params, n_params
from _peer_common import machine_info, result_path, write_json_atomic


def loss_fn(params, x, y):
    a = x
    for W, b in params[:-1]:
        a = jax.nn.relu(a @ W + b)
    W, b = params[-1]
    logits = a @ W + b
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


def _step(params, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    new = jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)
    return new, loss


step = jax.jit(_step, donate_argnums=0)


def main():
    params = [(jnp.asarray(W), jnp.asarray(b)) for W, b in init_params()]
    xs, ys = batches()
    xs, ys = jnp.asarray(xs), jnp.asarray(ys)
    nb = xs.shape[0]
    t0 = time.perf_counter()
    params, loss = step(params, xs[0], ys[0])
    loss.block_until_ready()
    compile_s = time.perf_counter() - t0
    first_loss = float(loss)
    for i in range(WARMUP):
        params, loss = step(params, xs[i % nb], ys[i % nb])
    loss.block_until_ready()
    times = []
    k = 0
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for _ in range(STEPS):
            params, loss = step(params, xs[k % nb], ys[k % nb])
            k += 1
        loss.block_until_ready()
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    out = {
        "peer": "jax",
        "version": {"jax": jax.__version__, "jaxlib": metadata.version("jaxlib")},
        "machine": machine_info(),
        "device": str(jax.devices()[0]),
        "model": "MLP %s, ReLU, softmax cross-entropy, batch %d, float32, SGD lr %g, %d parameters"
        % ("-".join(map(str, SIZES)), BATCH, LR, n_params()),
        "timing": "%d runs of %d steps after compile + %d warm-up steps; median" % (RUNS, STEPS, WARMUP),
        "results": [{"steps_per_second": STEPS / med, "seconds_per_step": med / STEPS, "compile_seconds": compile_s,
                     "run_seconds": times, "first_loss": first_loss, "last_loss": float(loss)}],
    }
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json_atomic(result_path("mlp_jax.json"), out)
    print("[jax] %s" % out["results"][0], file=sys.stderr)


if __name__ == "__main__":
    main()
