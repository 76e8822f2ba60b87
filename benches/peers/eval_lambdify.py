#!/usr/bin/env python3
"""Peer benchmark: numeric evaluation of the truncated modified field of Lotka-Volterra.

Run: python3 benches/peers/eval_lambdify.py   (creates .venv-eval from requirements-eval.txt)
Writes results/eval_lambdify.json (points per second) and results/lv_modified_field.json
(the derived f_0..f_4 as strings plus reference values at sample points, for the Rust side).

The field: Lotka-Volterra (u, v)' = (u (v - 2), v (1 - u)); f_1..f_4 of explicit Euler derived with
derive_sympy.derive_field (graded recursion, expanded); the evaluated expression is
    F(u, v, h) = f + h f_1 + h^2 f_2 + h^3 f_3 + h^4 f_4      (each f_l expanded, the sum as written)
with h an argument (fixed at 0.01), on 10^6 points (u, v) uniform in [0.5, 2]^2 (numpy default_rng(0)).
  (d) sympy.lambdify((u, v, h), F, "numpy") called on arrays u, v and the scalar h
  (e) symengine.Lambdify([u, v, h], F, backend="llvm") called on an (10^6, 3) float64 array
Both also with cse=True. Timing: one call on all 10^6 points (output allocation included), median
of 5 calls after one warm-up call; compilation time reported separately.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("eval")

import statistics
import time

import numpy as np
import symengine as se
import sympy

from _peer_common import machine_info, result_path, write_json_atomic
from derive_sympy import derive_field, problem_field

N_POINTS = 10**6
H = 0.01
ORDER = 4
REPS = 5


def timed_calls(call):
    call()  # warm-up
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times, out


def main():
    variables, field, _ = problem_field("lotka_volterra")
    u, v = variables
    h = sympy.Symbol("h")
    fs = [field] + derive_field(variables, field, ORDER)
    F = [sympy.Add(*[h**l * fs[l][i] for l in range(ORDER + 1)]) for i in range(2)]

    rng = np.random.default_rng(0)
    U = rng.uniform(0.5, 2.0, N_POINTS)
    V = rng.uniform(0.5, 2.0, N_POINTS)
    X = np.ascontiguousarray(np.column_stack([U, V, np.full(N_POINTS, H)]))

    out = {
        "peer": "eval_lambdify",
        "version": {"sympy": sympy.__version__, "symengine": se.__version__, "numpy": np.__version__},
        "machine": machine_info(),
        "problem": "lotka_volterra modified field f + h f1 + ... + h^4 f4 (explicit Euler), h = %g" % H,
        "points": N_POINTS,
        "timing": "median of %d calls on all points after a warm-up call" % REPS,
        "results": [],
    }
    ref = None
    for cse in (False, True):
        t0 = time.perf_counter()
        fn = sympy.lambdify((u, v, h), F, "numpy", cse=cse)
        build = time.perf_counter() - t0
        med, times, res = timed_calls(lambda: fn(U, V, H))
        res = np.column_stack(res)
        if ref is None:
            ref = res
        out["results"].append({"backend": "sympy.lambdify+numpy", "cse": cse, "seconds": med,
                               "points_per_second": N_POINTS / med, "build_seconds": build, "reps": times,
                               "max_abs_diff_over_max_abs_vs_first": float(np.max(np.abs(res - ref)) / np.max(np.abs(ref)))})
        print("[eval] %s" % out["results"][-1], file=sys.stderr)

    have_llvm = bool(getattr(se, "have_llvm", False))
    out["symengine_have_llvm"] = have_llvm
    Fse = [se.sympify(c) for c in F]
    su, sv, sh = se.symbols("u v h")
    for cse in (False, True):
        backend = "llvm" if have_llvm else "lambda"
        t0 = time.perf_counter()
        fn = se.Lambdify([su, sv, sh], Fse, backend=backend, cse=cse)
        build = time.perf_counter() - t0
        med, times, res = timed_calls(lambda: fn(X))
        res = np.asarray(res).reshape(N_POINTS, 2)
        out["results"].append({"backend": "symengine.Lambdify(%s)" % backend, "cse": cse, "seconds": med,
                               "points_per_second": N_POINTS / med, "build_seconds": build, "reps": times,
                               "max_abs_diff_over_max_abs_vs_first": float(np.max(np.abs(res - ref)) / np.max(np.abs(ref)))})
        print("[eval] %s" % out["results"][-1], file=sys.stderr)
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json_atomic(result_path("eval_lambdify.json"), out)

    # The derived formulas and reference values, for the Rust side to compare against.
    def s(e):
        return str(e)

    samples = [(0.5, 0.5), (1.0, 1.0), (1.5, 0.75), (2.0, 1.25), (0.8, 1.9)]
    fn = sympy.lambdify((u, v, h), F, "numpy")
    formulas = {
        "problem": "lotka_volterra",
        "method": "explicit-euler",
        "variables": ["u", "v"],
        "field": [s(c) for c in field],
        "corrections": [{"order": l, "components": [s(c) for c in fs[l]],
                         "components_caret": [s(c).replace("**", "^") for c in fs[l]]}
                        for l in range(1, ORDER + 1)],
        "truncated_field": "f + h f1 + h^2 f2 + h^3 f3 + h^4 f4",
        "h": H,
        "samples": [{"u": a, "v": b, "value": [float(x) for x in fn(a, b, H)]} for a, b in samples],
        "derived_with": "derive_sympy.derive_field, sympy %s" % sympy.__version__,
    }
    write_json_atomic(result_path("lv_modified_field.json"), formulas)
    print("[eval] wrote results/eval_lambdify.json and results/lv_modified_field.json", file=sys.stderr)


if __name__ == "__main__":
    main()
