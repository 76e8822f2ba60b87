"""Shared definition of the MLP training-step benchmark (standard library + numpy only).

Network: 784-400-400-400-400-10 (five Linear layers), ReLU, softmax cross-entropy (mean over the
batch), batch 32, float32, plain SGD with learning rate 0.01, on CPU. Weights: He-uniform
(U(-sqrt(6/fan_in), sqrt(6/fan_in))), biases zero, numpy default_rng(0). Data: 64 fixed synthetic
batches (inputs N(0,1), labels uniform in 0..9, default_rng(1)), cycled; loading data is not timed.

Timing: after a warm-up (compilation, 50 steps), 5 runs of STEPS steps each; each run ends by waiting
for the last result (block_until_ready / .item()); steps/s is STEPS / median run time.
"""

import numpy as np

SIZES = [784, 400, 400, 400, 400, 10]
BATCH = 32
LR = 0.01
N_BATCHES = 64
WARMUP = 50
STEPS = 500
RUNS = 5


def init_params():
    rng = np.random.default_rng(0)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = np.sqrt(6.0 / fan_in)
        W = rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(np.float32)
        b = np.zeros(fan_out, dtype=np.float32)
        params.append((W, b))
    return params


def batches():
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((N_BATCHES, BATCH, SIZES[0])).astype(np.float32)
    ys = rng.integers(0, SIZES[-1], size=(N_BATCHES, BATCH)).astype(np.int32)
    return xs, ys


def n_params():
    return sum(a * b + b for a, b in zip(SIZES[:-1], SIZES[1:]))
