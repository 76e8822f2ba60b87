#!/usr/bin/env python3
"""Independent oracle: modified-equation P-series coefficients b~(t) of partitioned Runge-Kutta methods, in SymPy.

Run: python3 benches/peers/pseries_sympy.py   (uses .venv-sympy, requirements-sympy.txt)
Writes results/pseries_sympy.json, read by tests/pseries.rs. Does not call bea.

Trees: every bi-coloured rooted tree with |t| <= ORDER, by brute force: every parent array with parent[i] < i
(every rooted tree has such a labelling) and every colouring (colour 1 or 2 per vertex), deduplicated by the
canonical nested tuple canon(v) = (colour(v), sorted tuple of canon(children)). Each tree is written as a level
sequence (root at level 1, children after their parent, depth-first, children in the sorted order of their
canonical tuples) with the colour of every vertex in the same order.

Methods (tableaus written here; colour c = part c, as in bea's `partitioned_tableaus`, src/derive/taylor.rs):
- symplectic-euler:   part 1 implicit Euler A=[[1]], b=[1]; part 2 explicit Euler A=[[0]], b=[1].
- symplectic-euler-b: part 1 explicit Euler; part 2 implicit Euler (the adjoint).
- stormer-verlet:     part 1 Lobatto IIIB A=[[1/2,0],[1/2,0]], part 2 Lobatto IIIA A=[[0,0],[1/2,1/2]],
                      b=[1/2,1/2] for both.

Coefficient of a tree t with n vertices (normalisation of the modified field
f~ = sum_t h^(|t|-1) b~(t)/sigma(t) F(t), colour-preserving symmetry sigma): build the "monotone" system with one
scalar variable x_v per vertex v, x_v in the part of v's colour, and x_v' = prod over the children u of v of x_u
(1 for a leaf). Its only elementary differential with a non-zero root component at x = 0 of order n is that of t
itself, with F(t)_root(0) = sigma(t) (the sigma(t) automorphisms of t), so b~(t) is [h^(n-1)] of the root
component of the modified field at x = 0. Steps:
(a) the partitioned RK step expanded in h: stages X_i[v] = x_v + h sum_j a^{c(v)}_ij f_v(X_j), n+1 fixed-point
    sweeps from X_i = x, each truncated at h^n; y_1[v] = x_v + h sum_i b^{c(v)}_i f_v(X_i).
(b) the modified field f~ = sum_l h^l F_l matched order by order against the Lie series of its flow,
    y(h) = x + sum_k h^k/k! D^{k-1} f~ (D g = g' f~): F_l = [h^(l+1)] (y_1 - flow of f + ... + h^(l-1) F_(l-1)).
Nothing here uses trees beyond the test system: no elementary weights, no substitution law, no composition.
A tree-free check on the same system: F_0 = f, and Stormer-Verlet's b~ vanishes at even orders (symmetric method).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("sympy")

import sympy
from sympy import Integer, Rational, Symbol, expand, factorial, symbols

ORDER = int(os.environ.get("PEER_ORDERS", "5"))
# OEIS A000151: bi-coloured rooted trees with n vertices
A000151 = [2, 4, 14, 52, 214, 916]

IMPLICIT_EULER = ([[Integer(1)]], [Integer(1)])
EXPLICIT_EULER = ([[Integer(0)]], [Integer(1)])
HALF = Rational(1, 2)
LOBATTO_IIIB = ([[HALF, Integer(0)], [HALF, Integer(0)]], [HALF, HALF])
LOBATTO_IIIA = ([[Integer(0), Integer(0)], [HALF, HALF]], [HALF, HALF])
METHODS = {
    "symplectic-euler": (("implicit-euler", IMPLICIT_EULER), ("explicit-euler", EXPLICIT_EULER)),
    "symplectic-euler-b": (("explicit-euler", EXPLICIT_EULER), ("implicit-euler", IMPLICIT_EULER)),
    "stormer-verlet": (("lobatto-iiib", LOBATTO_IIIB), ("lobatto-iiia", LOBATTO_IIIA)),
}

h = Symbol("h")


# ---------- trees ----------


def canon(children, colour, v):
    return (colour[v], tuple(sorted(canon(children, colour, u) for u in children[v])))


def parent_arrays(n):
    """Every parent array with parent[0] = None and parent[i] in 0..i-1."""
    if n == 1:
        yield [None]
        return
    for p in parent_arrays(n - 1):
        for j in range(n - 1):
            yield p + [j]


def coloured_trees(n):
    seen = set()
    for par in parent_arrays(n):
        children = [[] for _ in range(n)]
        for i in range(1, n):
            children[par[i]].append(i)
        for mask in range(1 << n):
            colour = [1 + ((mask >> v) & 1) for v in range(n)]
            seen.add(canon(children, colour, 0))
    return sorted(seen)


def level_sequence(tree, level=1):
    """(levels, colours) of a canonical nested tuple, depth-first, children in their sorted order."""
    colour, kids = tree
    levels, colours = [level], [colour]
    for k in kids:
        lv, cl = level_sequence(k, level + 1)
        levels += lv
        colours += cl
    return levels, colours


def parents_of_levels(levels):
    par, stack = [], []
    for i, l in enumerate(levels):
        while stack and levels[stack[-1]] >= l:
            stack.pop()
        par.append(stack[-1] if stack else None)
        stack.append(i)
    return par


# ---------- coefficient of one tree ----------


def trunc(e, n):
    e = expand(e)
    return sum((e.coeff(h, k) * h**k for k in range(n + 1)), Integer(0))


def coefficient(levels, colours, tabs):
    n = len(levels)
    x = symbols("x0:%d" % n)
    par = parents_of_levels(levels)
    f = [Integer(1)] * n
    for u in range(n):
        if par[u] is not None:
            f[par[u]] *= x[u]
    s = len(tabs[0][1])

    def f_at(stage):
        return [f[v].subs(dict(zip(x, stage)), simultaneous=True) for v in range(n)]

    # (a) the step, to h^n
    X = [list(x) for _ in range(s)]
    for _ in range(n + 1):
        F = [f_at(X[j]) for j in range(s)]
        X = [
            [trunc(x[v] + h * sum(tabs[colours[v] - 1][0][i][j] * F[j][v] for j in range(s)), n) for v in range(n)]
            for i in range(s)
        ]
    F = [f_at(X[j]) for j in range(s)]
    step = [trunc(h * sum(tabs[colours[v] - 1][1][i] * F[i][v] for i in range(s)), n) for v in range(n)]
    # (b) the modified field, F_0 .. F_(n-1)
    for v in range(n):
        assert expand(step[v].coeff(h, 1) - f[v]) == 0, "consistency: [h] step != f"
    Fm = [[f[v]] for v in range(n)]
    for l in range(1, n):
        ft = [sum(Fm[v][k] * h**k for k in range(l)) for v in range(n)]
        flow = []
        for v in range(n):
            term, tot = ft[v], h * ft[v]
            for k in range(2, l + 2):
                term = trunc(sum(sympy.diff(term, x[u]) * ft[u] for u in range(n)), l + 1)
                tot += h**k / factorial(k) * term
            flow.append(trunc(tot, l + 1).coeff(h, l + 1))
        for v in range(n):
            Fm[v].append(expand(step[v].coeff(h, l + 1) - flow[v]))
    return Rational(Fm[0][n - 1].subs({xi: 0 for xi in x}))


def main():
    from _peer_common import machine_info, result_path, write_json_atomic

    t0 = time.perf_counter()
    forest = {n: coloured_trees(n) for n in range(1, ORDER + 1)}
    failures = []
    for n, ts in forest.items():
        if len(ts) != A000151[n - 1]:
            failures.append("%d trees of order %d, OEIS A000151 says %d" % (len(ts), n, A000151[n - 1]))
    methods = []
    for name, ((p1, tab1), (p2, tab2)) in METHODS.items():
        t1 = time.perf_counter()
        rows = []
        for n in range(1, ORDER + 1):
            for tree in forest[n]:
                levels, colours = level_sequence(tree)
                c = coefficient(levels, colours, (tab1, tab2))
                rows.append({"levels": levels, "colours": colours, "coefficient": str(c)})
                if n == 1 and c != 1:
                    failures.append("%s: b~ of a single vertex is %s, not 1" % (name, c))
                if name == "stormer-verlet" and n % 2 == 0 and c != 0:
                    failures.append("stormer-verlet: b~%s%s = %s at even order" % (levels, colours, c))
        nonzero = sum(1 for r in rows if r["coefficient"] != "0")
        dt = time.perf_counter() - t1
        print("%s: %d trees, %d non-zero, %.1f s" % (name, len(rows), nonzero, dt), file=sys.stderr)
        methods.append(
            {
                "method": name,
                "parts": [p1, p2],
                "tableaus": {
                    p1: {"A": [[str(a) for a in r] for r in tab1[0]], "b": [str(b) for b in tab1[1]]},
                    p2: {"A": [[str(a) for a in r] for r in tab2[0]], "b": [str(b) for b in tab2[1]]},
                },
                "coefficients": rows,
            }
        )
    for msg in failures:
        print("SELF-CHECK FAILED: " + msg, file=sys.stderr)
    if failures:
        sys.exit(1)
    doc = {
        "generator": "benches/peers/pseries_sympy.py",
        "sympy": sympy.__version__,
        "machine": machine_info(),
        "seconds": round(time.perf_counter() - t0, 2),
        "order": ORDER,
        "tree_counts": [len(forest[n]) for n in range(1, ORDER + 1)],
        "convention": "colour c = part c of the method (colour 1 = part 1 = parts[0], colour 2 = part 2); "
        "modified field f~ = sum_t h^(|t|-1) b~(t)/sigma(t) F(t), sigma the colour-preserving symmetry; "
        "levels: root at level 1, children after their parent, depth-first, in this script's order",
        "algorithm": "per tree, the monotone system x_v' = prod_{children u} x_u (x_v in part colour(v)); the "
        "partitioned RK step expanded in h by fixed-point sweeps over the stages; the modified field matched "
        "order by order against the Lie series of its flow; b~(t) = [h^(|t|-1)] root component at x = 0",
        "self_checks": "passed: tree counts = OEIS A000151; b~ = 1 at order 1; Stormer-Verlet zero at even orders",
        "methods": methods,
    }
    write_json_atomic(result_path("pseries_sympy.json"), doc)
    print("wrote %s" % result_path("pseries_sympy.json"), file=sys.stderr)


if __name__ == "__main__":
    main()
