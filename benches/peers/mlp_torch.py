#!/usr/bin/env python3
"""Peer benchmark: one SGD training step of the paper's MLP in PyTorch on CPU (eager, 2 threads).

Run: python3 benches/peers/mlp_torch.py   (creates .venv-torch from requirements-torch.txt)
Writes results/mlp_torch.json. The network, data and timing are defined in _mlp_common.py.
Step: optimizer.zero_grad(set_to_none=True); cross_entropy(model(x), y).backward(); SGD(lr).step().
torch.set_num_threads(2) (the machine has 2 cores); also measured with 1 thread.

PyPI's only Linux x86-64 torch wheel is the CUDA 13 build: requirements-torch.txt pins it with all
its nvidia-* / cuda-* / triton dependencies (the venv is about 5.4 GB). Installing torch without them
does not work: `import torch` preloads libcudart/libcublasLt and fails. See README.md.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("torch")

import statistics
import time

import torch

from _mlp_common import BATCH, LR, RUNS, SIZES, STEPS, WARMUP, batches, init_params, n_params
from _peer_common import machine_info, result_path, write_json_atomic


def model_and_data(dev="cpu"):
    """The network (weights from _mlp_common) and the batches, on `dev`. Also used by mlp_torch_gpu.py."""
    layers = []
    for i, (W, b) in enumerate(init_params()):
        lin = torch.nn.Linear(W.shape[0], W.shape[1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).to(dev)
    xs, ys = batches()
    xs = [torch.from_numpy(x).to(dev) for x in xs]
    ys = [torch.from_numpy(y).long().to(dev) for y in ys]
    return model, xs, ys


def sgd_step(model, xs, ys, read_every_step=False):
    """One SGD step on batch k % len(xs): zero_grad, cross-entropy, backward, step (and loss.item() if asked)."""
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    nb = len(xs)

    def step(k):
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(xs[k % nb]), ys[k % nb])
        loss.backward()
        opt.step()
        if read_every_step:
            loss.item()
        return loss

    return step


def timed_runs(step, sync=lambda: None):
    """WARMUP steps, then RUNS runs of STEPS steps, each ended by reading the loss; (run seconds, last loss)."""
    for i in range(WARMUP):
        step(i)
    sync()
    times, k, last = [], 0, None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        for _ in range(STEPS):
            loss = step(k)
            k += 1
        last = loss.item()
        times.append(time.perf_counter() - t0)
    return times, last


def measure(threads):
    torch.set_num_threads(threads)
    model, xs, ys = model_and_data()
    step = sgd_step(model, xs, ys)
    first_loss = float(step(0).item())
    times, last = timed_runs(step)
    med = statistics.median(times)
    return {"threads": torch.get_num_threads(), "steps_per_second": STEPS / med, "seconds_per_step": med / STEPS,
            "run_seconds": times, "first_loss": first_loss, "last_loss": last}


def main():
    out = {
        "peer": "torch",
        "version": {"torch": torch.__version__},
        "machine": machine_info(),
        "model": "MLP %s, ReLU, softmax cross-entropy, batch %d, float32, SGD lr %g, %d parameters"
        % ("-".join(map(str, SIZES)), BATCH, LR, n_params()),
        "timing": "%d runs of %d steps after %d warm-up steps; median; first with torch.set_num_threads(2) "
        "(the reference figure), then with 1 thread" % (RUNS, STEPS, WARMUP),
        "results": [],
    }
    for threads in (2, 1):
        out["results"].append(measure(threads))
        print("[torch] %s" % out["results"][-1], file=sys.stderr)
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json_atomic(result_path("mlp_torch.json"), out)


if __name__ == "__main__":
    main()
