#!/usr/bin/env python3
"""Peer benchmark: modified-equation B-series coefficients of the explicit midpoint method.

Run: python3 benches/peers/bseries_peers.py   (creates .venv-bseries from requirements-bseries.txt)
Writes results/bseries_peers.json.

Two Python packages compute, for every rooted tree t with |t| <= N, the coefficient b(t) of the
modified vector field  f~ = sum_t h^(|t|-1) b(t)/sigma(t) F(t)  (the normalisation of Hairer, Lubich
& Wanner, GNI (III.1.23) / ch. IX; both packages use it, and the script checks that they agree):

* BSeries 0.1 (D. Ketcheson, PyPI "BSeries"): the coefficient loop of BSeries.bs.modified_equation
  (elementary weights of the tableau, then b(t) = a(t) - subs(b, e, t) + b(t) tree by tree,
  SymPy arithmetic), without its final sum of elementary differentials of a concrete field, which
  is not part of the coefficients. Its table of named trees (canonical_forest) stops at order 9, so
  order 10 is recorded as unsupported.
* pybs (H. S. Sundklakk): pybs.series.modified_equation(RKmidpoint.phi()) evaluated on all trees of
  order <= N (exact Fractions). The PyPI release (pybs 0.1, 2015) is broken: a Python 2 sdist whose
  package lacks every module but examples. The script therefore uses the copy in vendor/pybs
  (upstream git commit 832f037, Python 3 port merged upstream, two collections.abc import fixes;
  see vendor/README.md).

Each repetition runs in a freshly forked process that imports the package (import time recorded
separately, not included) and computes from scratch, because both packages memoise.
Orders 5, 7, 9, 10; a repetition over 120 CPU seconds (PEER_TIMEOUT_S) is killed and recorded as a timeout.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("bseries")

sys.path.insert(0, os.path.join(HERE, "vendor"))

import multiprocessing as mp
import resource
import signal
import statistics
import time
import traceback

from _peer_common import MAX_REPS, MIN_TOTAL_S, machine_info, result_path, write_json_atomic

ORDERS = [int(o) for o in os.environ.get("PEER_ORDERS", "5,7,9,10").split(",")]
TIMEOUT_S = float(os.environ.get("PEER_TIMEOUT_S", "120"))  # CPU seconds per repetition
WALL_LIMIT_S = float(os.environ.get("PEER_WALL_LIMIT_S", "600"))  # safety net, wall seconds
TREE_COUNTS = {1: 1, 2: 1, 3: 2, 4: 4, 5: 9, 6: 20, 7: 48, 8: 115, 9: 286, 10: 719}  # Butcher, Table 302(I)


def run_bseries(order):
    """BSeries 0.1: returns (import_s, compute_s, {tree key: coefficient string})."""
    t0 = time.perf_counter()
    import numpy as np
    import sympy
    from BSeries import bs, trees

    t1 = time.perf_counter()
    c1 = time.thread_time()
    R = sympy.Rational
    A = np.array([[0, 0], [R(1, 2), 0]], dtype=object)  # explicit midpoint
    b = np.array([0, 1], dtype=object)
    # --- the coefficient part of BSeries.bs.modified_equation(y, f, A, b, order) ---
    cf = trees.canonical_forest
    a = bs.TreeMap("a")
    forest = trees.trees_to_order(order)
    for tree in forest.values():
        a[tree] = bs.elementary_weight(tree, A, b)
    e = lambda t: sympy.Rational(1) / trees.gamma(t)
    B = bs.TreeMap("b")
    B[cf["t1"]] = a[cf["t1"]]
    for p in range(2, order + 1):
        for t in trees.all_trees(p):
            B[t] = a[t] - bs.subs(B, e, t) + B[t]
    # ---
    t2 = time.perf_counter()
    c2 = time.thread_time()

    def key(node):
        return tuple(sorted(key(c) for c in (node.children or [])))

    coeffs = {}
    for p in range(1, order + 1):
        for t in trees.all_trees(p):
            coeffs[repr(key(t.nodes[0]))] = str(B[t])
    return t1 - t0, t2 - t1, c2 - c1, coeffs


def run_pybs(order):
    """pybs (vendored): returns (import_s, compute_s, {tree key: coefficient string})."""
    import warnings

    warnings.filterwarnings("ignore", category=SyntaxWarning)  # pybs: "is not" with a literal
    t0 = time.perf_counter()
    from pybs.rungekutta.methods import RKmidpoint
    from pybs.series import modified_equation
    from pybs.unordered_tree import trees_of_order

    t1 = time.perf_counter()
    c1 = time.thread_time()
    bmod = modified_equation(RKmidpoint.phi())
    values = []
    for p in range(1, order + 1):
        for tree in trees_of_order(p):
            values.append((tree, bmod(tree)))
    t2 = time.perf_counter()
    c2 = time.thread_time()

    def key(tree):
        kids = []
        for sub, mult in tree.items():
            kids.extend([key(sub)] * mult)
        return tuple(sorted(kids))

    return t1 - t0, t2 - t1, c2 - c1, {repr(key(t)): str(c) for t, c in values}


PEERS = {"BSeries": run_bseries, "pybs": run_pybs}


def _child(fn, order, conn):
    try:
        # the limit counts CPU seconds (SIGXCPU ends the child), so other load on the machine
        # does not turn a slow run into a timeout
        resource.setrlimit(resource.RLIMIT_CPU, (int(TIMEOUT_S) + 1, int(TIMEOUT_S) + 6))
        conn.send(("done",) + fn(order))
    except BaseException as exc:
        conn.send(("error", "%s: %s" % (type(exc).__name__, exc), traceback.format_exc()))
    finally:
        conn.close()


def one_rep(fn, order):
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(fn, order, child))
    proc.start()
    child.close()
    if not parent.poll(WALL_LIMIT_S):
        proc.kill()
        proc.join()
        return ("timeout",)
    try:
        msg = parent.recv()
    except EOFError:
        proc.join()
        if proc.exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
            return ("timeout",)
        msg = ("error", "child died (exit code %s)" % proc.exitcode, "")
    proc.join()
    return msg


def version_of(name):
    if name == "pybs":
        return "0.3 (vendored git 832f037; PyPI 0.1 is unusable)"
    from importlib.metadata import version

    return version(name)


def main():
    out = {
        "peer": "bseries_peers",
        "version": {name: version_of(name) for name in PEERS},
        "machine": machine_info(),
        "method": "explicit midpoint: A = [[0,0],[1/2,0]], b = [0,1]",
        "normalization": "f~ = sum_t h^(|t|-1) b(t)/sigma(t) F(t) (GNI III.1.23); coefficients of all trees "
        "of order <= N",
        "timing": "median over repetitions, each in a fresh forked process (import excluded); repeat until %d "
        "repetitions or %.1f s in total; a repetition over %.0f CPU s is killed; seconds = wall clock, cpu_seconds "
        "= CPU time of the computing thread (time.thread_time; less sensitive to other load)" % (MAX_REPS, MIN_TOTAL_S, TIMEOUT_S),
        "results": [],
        "cross_check": {},
    }
    path = result_path("bseries_peers.json")
    coeffs = {}
    for name, fn in PEERS.items():
        stop = None
        for order in ORDERS:
            row = {"peer": name, "order": order}
            if stop:
                row.update(seconds=None, trees=None, timeout=stop == "timeout", note="skipped: " + stop)
                out["results"].append(row)
                continue
            times, cpus, imports, total = [], [], [], 0.0
            last = None
            while len(times) < MAX_REPS and total < MIN_TOTAL_S:
                msg = one_rep(fn, order)
                last = msg
                if msg[0] != "done":
                    break
                imports.append(msg[1])
                times.append(msg[2])
                cpus.append(msg[3])
                total += msg[2]
                coeffs[(name, order)] = msg[4]
            if last[0] == "timeout" and not times:
                row.update(seconds=None, trees=None, timeout=True, note="a repetition exceeded %.0f CPU s" % TIMEOUT_S)
                stop = "a lower order timed out"
            elif last[0] == "error":
                row.update(seconds=None, trees=None, timeout=False, error=last[1])
                if name == "BSeries" and order > 9:
                    row["note"] = "unsupported: BSeries 0.1 names trees (trees.canonical_forest) only up to order 9"
                else:
                    print(last[2], file=sys.stderr)
                stop = "a lower order failed"
            else:
                n = len(coeffs[(name, order)])
                row.update(seconds=statistics.median(times), cpu_seconds=statistics.median(cpus), trees=n,
                           timeout=False, reps=times,
                           import_seconds=statistics.median(imports),
                           trees_ok=n == sum(TREE_COUNTS[p] for p in range(1, order + 1)))
            out["results"].append(row)
            print("[bseries_peers] %s" % {k: v for k, v in row.items() if k != "reps"}, file=sys.stderr)
            write_json_atomic(path, out)
    # cross-check: the two packages give the same coefficient for every tree (highest common order)
    common = sorted({o for (n, o) in coeffs if n == "BSeries"} & {o for (n, o) in coeffs if n == "pybs"})
    if common:
        o = common[-1]
        cb, cp = coeffs[("BSeries", o)], coeffs[("pybs", o)]
        mismatch = [k for k in cp if cb.get(k) != cp[k]]
        out["cross_check"] = {"order": o, "trees": len(cp), "agree": not mismatch and len(cb) == len(cp),
                              "mismatches": mismatch[:10]}
        # a few coefficients for the record: order 3 trees, [[],[]] and [[[]]]
        out["cross_check"]["sample"] = {k: cp[k] for k in cp if k.count("(") == 3}
    out["machine"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    write_json_atomic(path, out)
    print("[bseries_peers] cross check %s; wrote %s" % (out["cross_check"], path), file=sys.stderr)
    if out["cross_check"] and not out["cross_check"]["agree"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
