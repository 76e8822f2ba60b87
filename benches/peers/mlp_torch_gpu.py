#!/usr/bin/env python3
"""Peer benchmark for the lent GPU machine: the MLP training step of mlp_torch.py, in PyTorch on CUDA.

Run there by scripts/run-gpu.sh (stage torch-cuda) with that machine's own python3, which holds PyTorch; no venv,
nothing installed. Prints one JSON object on stdout. Same network, data and timing as _mlp_common.py
(784-400-400-400-400-10, ReLU, mean softmax cross-entropy, batch 32, float32, SGD lr 0.01; 50 warm-up steps, then
5 runs of 500 steps, median), data on the GPU before timing. Two variants:

* "sync at run end": the loss is read back once per run (as mlp_torch.py does on the CPU);
* "loss read every step": `loss.item()` after every step, as bea's training loop does (it checks every loss
  for NaN/inf to mark a run diverged), which waits for the GPU once per step.
"""

import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402

from _mlp_common import BATCH, LR, RUNS, SIZES, STEPS, WARMUP, n_params  # noqa: E402
from mlp_torch import model_and_data, sgd_step, timed_runs  # noqa: E402  (importing it runs nothing: its venv bootstrap is under __main__)


def measure(dev, read_every_step):
    model, xs, ys = model_and_data(dev)
    times, last = timed_runs(sgd_step(model, xs, ys, read_every_step), torch.cuda.synchronize)
    med = statistics.median(times)
    return {"variant": "loss read every step" if read_every_step else "sync at run end",
            "steps_per_second": round(STEPS / med, 1), "run_seconds": [round(t, 4) for t in times],
            "last_loss": last}


def main():
    if not torch.cuda.is_available():
        print(json.dumps({"peer": "torch-cuda", "error": "torch.cuda.is_available() is False"}))
        return 1
    dev = torch.device("cuda")
    out = {"peer": "torch-cuda", "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
           "model": "MLP %s, batch %d, float32, SGD lr %g, %d parameters" % ("-".join(map(str, SIZES)), BATCH, LR,
                                                                                n_params()),
           "timing": "%d runs of %d steps after %d warm-up steps; median" % (RUNS, STEPS, WARMUP),
           "results": [measure(dev, False), measure(dev, True)]}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
