#!/usr/bin/env python3
"""Print the peer results in results/*.json as Markdown tables (standard library only).

Run: python3 benches/peers/summarize.py
"""

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def load(name):
    path = os.path.join(HERE, "results", name)
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        return json.load(fh)


def fmt_s(x):
    if x is None:
        return "-"
    if x < 1e-3:
        return "%.0f us" % (x * 1e6)
    if x < 1:
        return "%.1f ms" % (x * 1e3)
    return "%.2f s" % x


def machine(d):
    m = d["machine"]
    return "%s, %s cores, %s, load average %s -> %s" % (
        m["date"], m["cores"], m["cpu"], m.get("loadavg_1_5_15"), m.get("loadavg_end"))


def terms(r):
    if not r:
        return "n/a"
    return "-" if r.get("terms") is None else r["terms"]


def derive_table():
    sy, se = load("derive_sympy.json"), load("derive_symengine.json")
    if not (sy or se):
        return
    rows = {}
    for d, tag in ((sy, "sympy"), (se, "symengine")):
        if not d:
            continue
        print("- %s %s: %s" % (tag, d["version"], machine(d)))
        for r in d["results"]:
            rows.setdefault((r["problem"], r["order"]), {})[tag] = r
    print()
    print("| problem | order | SymPy wall | SymPy CPU | SymEngine wall | SymEngine CPU | terms (SymPy / SymEngine) |")
    print("|---|---|---|---|---|---|---|")
    for (p, o), v in rows.items():
        a, b = v.get("sympy", {}), v.get("symengine", {})

        def cell(r, k):
            if not r:
                return "n/a"
            if r.get("timeout") and r.get(k) is None:
                return "timeout"
            if r.get("error"):
                return "error"
            return fmt_s(r.get(k))

        print("| %s | %d | %s | %s | %s | %s | %s / %s |" % (
            p, o, cell(a, "seconds"), cell(a, "cpu_seconds"), cell(b, "seconds"), cell(b, "cpu_seconds"),
            terms(a), terms(b)))
    print()


def eval_table():
    d = load("eval_lambdify.json")
    if not d:
        return
    print("- %s" % machine(d))
    print()
    print("| backend | cse | points/s | s per 10^6 points | build |")
    print("|---|---|---|---|---|")
    for r in d["results"]:
        print("| %s | %s | %.3g | %s | %s |" % (r["backend"], r["cse"], r["points_per_second"], fmt_s(r["seconds"]),
                                          fmt_s(r["build_seconds"])))
    print()


def mlp_table():
    rows = []
    for name in ("mlp_jax.json", "mlp_torch.json"):
        d = load(name)
        if not d:
            continue
        print("- %s %s: %s" % (d["peer"], d["version"], machine(d)))
        for r in d["results"]:
            rows.append((d["peer"], r.get("threads", "XLA default"), r["steps_per_second"]))
    if rows:
        print()
        print("| peer | threads | steps/s |")
        print("|---|---|---|")
        for p, t, s in rows:
            print("| %s | %s | %.0f |" % (p, t, s))
        print()


def bseries_table():
    d = load("bseries_peers.json")
    if not d:
        return
    print("- %s: %s" % (d["version"], machine(d)))
    print("- cross-check: %s" % d.get("cross_check"))
    print()
    print("| package | order | trees | wall | CPU | note |")
    print("|---|---|---|---|---|---|")
    for r in d["results"]:
        note = r.get("note") or r.get("error") or ""
        wall = "timeout" if r.get("timeout") else fmt_s(r.get("seconds"))
        print("| %s | %d | %s | %s | %s | %s |" % (r["peer"], r["order"], r.get("trees") or "-", wall,
                                              fmt_s(r.get("cpu_seconds")), note))
    print()


if __name__ == "__main__":
    print("### Derivation (explicit Euler, graded recursion)\n")
    derive_table()
    print("### Evaluation of the LV modified field (N = 4, 10^6 points)\n")
    eval_table()
    print("### MLP SGD step (CPU)\n")
    mlp_table()
    print("### B-series coefficients, explicit midpoint\n")
    bseries_table()
