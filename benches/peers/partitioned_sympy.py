#!/usr/bin/env python3
"""Independent oracle: modified fields of partitioned Runge-Kutta methods, in SymPy.

Run: python3 benches/peers/partitioned_sympy.py   (uses .venv-sympy, requirements-sympy.txt)
Writes results/partitioned_sympy.json, read by tests/taylor_sympy.rs.

Problems (variables: field; first variable = part 1, second = part 2, as in bea):
- lotka-volterra (u, v): [u*(v - 2), v*(1 - u)]
- pendulum       (q, p): [p, -sin(q)]
Methods, for y = (a, b) with field (F_a, F_b), written out as implicit equations in the unknowns of one step
(each follows from the tableaus: part 1 / part 2 with one shared set of stages):
- symplectic-euler (part 1 implicit Euler A=[[1]], part 2 explicit Euler A=[[0]], b=[1]): the stage is
  Y = (a_1, b), so  a_1 = a + h F_a(a_1, b),  b_1 = b + h F_b(a_1, b).
  On Lotka-Volterra: u_1 = u + h u_1 (v - 2), v_1 = v + h v (1 - u_1).
- symplectic-euler-b (the reverse): Y = (a, b_1), so  b_1 = b + h F_b(a, b_1),  a_1 = a + h F_a(a, b_1).
- stormer-verlet (part 1 Lobatto IIIB A=[[1/2,0],[1/2,0]], part 2 Lobatto IIIA A=[[0,0],[1/2,1/2]], b=[1/2,1/2]):
  the stages are Y_1 = (A, b) and Y_2 = (A, b_1) with the common part-1 stage value A, so
  A = a + h/2 F_a(A, b),  b_1 = b + h/2 (F_b(A, b) + F_b(A, b_1)),  a_1 = A + h/2 F_a(A, b_1).

Algorithm (deliberately unlike bea's src/derive/taylor.rs, which sweeps a fixed point over the stage increments
with a multivariate Taylor expansion of f and then runs a graded recursion):
(a) the step: every unknown X of the implicit equations gets the ansatz X = x0 + sum_k h^k c_{X,k} with fresh
    symbols c_{X,k}; the residuals are expanded in h by differentiating k times in h at h = 0 (SymPy's own
    chain rule through sin, products, ...), and the coefficient equations are solved with sympy.solve, one
    power of h at a time. The result is y_1 = y + sum_j h^j d_j(y).
(b) the matching: the modified field is an ansatz f~ = f + sum_{l=1..N} h^l F_l(y) with F_l *undefined SymPy
    functions*; its exact flow y(h) = y + sum_k h^k/k! D^{k-1} f~ (D g = g' f~, h held fixed), truncated at
    h^(N+1), is built once in terms of F_l and their partial derivatives; then [h^(l+1)] of flow - step = 0 is
    solved for F_l(y) with sympy.solve, l = 1..N, substituting the known F_1..F_(l-1) (and their derivatives,
    via doit) into each equation.
Simplification: expand (Lotka-Volterra); for the pendulum expand, then reduce polynomially in S = sin(q),
C = cos(q) modulo C^2 + S^2 - 1 (so each f_l is written in sin(q), cos(q) with cos(q) at most linear).

Self-checks (the script exits 1 if one fails): Stormer-Verlet's odd corrections vanish (symmetric method);
symplectic-euler-b, the adjoint of symplectic-euler, has f_l^b = (-1)^l f_l;
every f_l is divergence-free on the pendulum (symplectic methods, Hamiltonian modified field) and
div(f_l/(u v)) = 0 on Lotka-Volterra (the methods are Poisson for u v J); f_1 of symplectic Euler on LV equals the
hand formula (u/2 (v^2 + u v - 5 v + 4), -v/2 (u^2 + u v - 4 u + 1)); and the truncated modified flow matches the
step to h^(N+1) when re-expanded with the solved f_l.

Output per (problem, method, order l, component): the expression (str, Python syntax) and its value at fixed
rational points: exact rationals "p/q" for Lotka-Volterra, 20 significant digits for the pendulum.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("sympy")

import sympy
from sympy import Function, Rational, expand, factorial, sin, cos, symbols

ORDER = 4
METHODS = ["symplectic-euler", "symplectic-euler-b", "stormer-verlet"]


def problems():
    u, v = symbols("u v")
    q, p = symbols("q p")
    return [
        {
            "problem": "lotka-volterra",
            "vars": [u, v],
            "field": lambda a, b: [a * (b - 2), b * (1 - a)],
            "points": [(Rational(3, 2), Rational(6, 5)), (Rational(2), Rational(1, 3)), (Rational(-1), Rational(5, 7))],
            "exact": True,
        },
        {
            "problem": "pendulum",
            "vars": [q, p],
            "field": lambda a, b: [b, -sin(a)],
            "points": [(Rational(4, 5), Rational(3, 10)), (Rational(-1, 2), Rational(7, 5)), (Rational(2), Rational(-1, 3))],
            "exact": False,
        },
    ]


def step_equations(method, F, a, b, h):
    """The unknowns (name, initial value) and residuals (== 0) of one step; returns (unknowns, residuals, a1, b1)."""
    if method == "symplectic-euler":
        a1, b1 = symbols("a1 b1")
        unknowns = [(a1, a), (b1, b)]
        res = [a1 - a - h * F(a1, b)[0], b1 - b - h * F(a1, b)[1]]
        return unknowns, res, a1, b1
    if method == "symplectic-euler-b":
        a1, b1 = symbols("a1 b1")
        unknowns = [(a1, a), (b1, b)]
        res = [b1 - b - h * F(a, b1)[1], a1 - a - h * F(a, b1)[0]]
        return unknowns, res, a1, b1
    if method == "stormer-verlet":
        A, a1, b1 = symbols("A a1 b1")
        unknowns = [(A, a), (a1, a), (b1, b)]
        half = Rational(1, 2)
        res = [
            A - a - h * half * F(A, b)[0],
            b1 - b - h * half * (F(A, b)[1] + F(A, b1)[1]),
            a1 - A - h * half * F(A, b1)[0],
        ]
        return unknowns, res, a1, b1
    raise ValueError(method)


def h_coefficient(expr, h, k):
    """[h^k] of expr (analytic at h = 0), by k-fold differentiation in h."""
    return expand(sympy.diff(expr, h, k).subs(h, 0) / factorial(k))


def step_series(method, F, vars_, n):
    """d_1..d_n of y_1 = y + sum h^j d_j, by the undetermined-coefficient ansatz (docstring (a))."""
    a, b = vars_
    h = symbols("h")
    unknowns, res, a1, b1 = step_equations(method, F, a, b, h)
    coeffs = {x: [symbols("c_%s_%d" % (x, k)) for k in range(1, n + 1)] for x, _ in unknowns}
    ansatz = {x: x0 + sum(h ** (k + 1) * c for k, c in enumerate(coeffs[x])) for x, x0 in unknowns}
    res = [r.subs(ansatz) for r in res]
    known = {}
    for k in range(1, n + 1):
        eqs = [expand(h_coefficient(r, h, k).subs(known)) for r in res]
        level = [coeffs[x][k - 1] for x, _ in unknowns]
        sol = sympy.solve(eqs, level, dict=True)
        if len(sol) != 1 or set(sol[0]) != set(level):
            raise RuntimeError("%s: order %d of the step is not uniquely determined: %s" % (method, k, sol))
        for c in level:
            known[c] = expand(sol[0][c])
    return [[known[coeffs[a1][j]], known[coeffs[b1][j]]] for j in range(n)]


def modified_field(f, vars_, d, n, simplify):
    """f_1..f_n from the step coefficients d (docstring (b))."""
    h = symbols("h")
    Fs = [[Function("F%d_%d" % (l, m))(*vars_) for m in range(2)] for l in range(1, n + 1)]
    ft = [f[m] + sum(h ** l * Fs[l - 1][m] for l in range(1, n + 1)) for m in range(2)]

    def trunc(e, top):
        e = expand(e)
        return sum(h ** j * e.coeff(h, j) for j in range(top + 1))

    # flow coefficients: y(h) = y + sum_k h^k / k! g_k, g_1 = f~, g_{k+1} = g_k' f~
    flow = [0, 0]
    g = [trunc(ft[m], n) for m in range(2)]
    for k in range(1, n + 2):
        for m in range(2):
            flow[m] += h**k / factorial(k) * g[m]
        if k == n + 1:
            break
        g = [trunc(sum(sympy.diff(g[m], x) * ft[i] for i, x in enumerate(vars_)), n + 1 - (k + 1)) for m in range(2)]
    eqs_by_order = [[expand(flow[m]).coeff(h, l + 1) - d[l][m] for m in range(2)] for l in range(n + 1)]
    for m in range(2):
        zero0 = simplify(eqs_by_order[0][m].subs({F: 0 for row in Fs for F in row}).doit())
        if zero0 != 0:
            raise RuntimeError("d_1 != f: %s" % zero0)
    solved = {}
    out = []
    for l in range(1, n + 1):
        eqs = []
        for m in range(2):
            e = eqs_by_order[l][m]
            for F, val in solved.items():
                e = e.subs(F, val)
            eqs.append(e.doit())
        sol = sympy.solve(eqs, Fs[l - 1], dict=True)
        if len(sol) != 1:
            raise RuntimeError("order %d: %s" % (l, sol))
        fl = [simplify(sol[0][Fs[l - 1][m]]) for m in range(2)]
        for m in range(2):
            solved[Fs[l - 1][m]] = fl[m]
        out.append(fl)
    return out


def lv_simplify(e):
    return expand(e)


def pendulum_simplify_for(q):
    S, C = symbols("S C")

    def simp(e):
        e = expand(sympy.trigsimp(expand(e)))
        e = expand(e.subs({sin(q): S, cos(q): C}))
        if e.has(q):
            e = expand(sympy.expand_trig(e)).subs({sin(q): S, cos(q): C})
        _, r = sympy.reduced(expand(e), [C**2 + S**2 - 1], C, S)
        return expand(r.subs({S: sin(q), C: cos(q)}))

    return simp


def divergence(vec, vars_):
    return sum(sympy.diff(vec[i], x) for i, x in enumerate(vars_))


def self_checks(prob, method, fls, d, simplify):
    vars_ = prob["vars"]
    a, b = vars_
    fails = []
    for l, fl in enumerate(fls, start=1):
        if prob["problem"] == "pendulum":
            div = simplify(divergence(fl, vars_))
        else:
            div = sympy.cancel(divergence([fl[0] / (a * b), fl[1] / (a * b)], vars_))
        if div != 0:
            fails.append("%s %s f_%d: structure check (divergence) gives %s" % (prob["problem"], method, l, div))
        if method == "stormer-verlet" and l % 2 == 1 and any(simplify(c) != 0 for c in fl):
            fails.append("%s stormer-verlet f_%d is not zero: %s" % (prob["problem"], l, fl))
    if prob["problem"] == "lotka-volterra" and method == "symplectic-euler":
        u, v = vars_
        want = [u / 2 * (v**2 + u * v - 5 * v + 4), -v / 2 * (u**2 + u * v - 4 * u + 1)]
        if any(expand(fls[0][m] - want[m]) != 0 for m in range(2)):
            fails.append("LV symplectic-euler f_1 differs from the hand formula: %s" % fls[0])
    # re-expansion: the flow of f + h f_1 + ... + h^N f_N (now explicit) matches the step to h^(N+1)
    h = symbols("h")
    n = len(fls)
    f = prob["field"](a, b)
    ft = [f[m] + sum(h ** (l + 1) * fls[l][m] for l in range(n)) for m in range(2)]

    def trunc(e, top):
        e = expand(e)
        return sum(h**j * e.coeff(h, j) for j in range(top + 1))

    g = list(ft)
    flow = [0, 0]
    for k in range(1, n + 2):
        flow = [flow[m] + h**k / factorial(k) * g[m] for m in range(2)]
        g = [trunc(sum(sympy.diff(g[m], x) * ft[i] for i, x in enumerate(vars_)), n - k) for m in range(2)]
    for j in range(1, n + 2):
        for m in range(2):
            diff = simplify(expand(flow[m]).coeff(h, j) - d[j - 1][m])
            if diff != 0:
                fails.append("%s %s: flow vs step at h^%d, component %d: %s" % (prob["problem"], method, j, m, diff))
    return fails


def value_string(e, vars_, pt, exact):
    val = e.subs(dict(zip(vars_, pt)))
    if exact:
        val = sympy.nsimplify(val) if not val.is_Rational else val
        if not val.is_Rational:
            raise RuntimeError("not rational: %s" % val)
        return str(val)
    return str(sympy.N(val, 20))


def main():
    from _peer_common import machine_info, result_path, write_json_atomic

    t0 = time.perf_counter()
    out_problems = []
    failures = []
    for prob in problems():
        vars_ = prob["vars"]
        simplify = lv_simplify if prob["exact"] else pendulum_simplify_for(vars_[0])
        f = prob["field"](*vars_)
        entry = {
            "problem": prob["problem"],
            "variables": [str(x) for x in vars_],
            "field": [str(c) for c in f],
            "values": "exact rationals" if prob["exact"] else "20 significant digits",
            "points": [[str(c) for c in pt] for pt in prob["points"]],
            "methods": [],
        }
        all_fls = {}
        for method in METHODS:
            t1 = time.perf_counter()
            d = step_series(method, prob["field"], vars_, ORDER + 1)
            d = [[simplify(c) for c in dj] for dj in d]
            fls = modified_field(f, vars_, d, ORDER, simplify)
            failures += self_checks(prob, method, fls, d, simplify)
            all_fls[method] = fls
            corrections = []
            for l, fl in enumerate(fls, start=1):
                corrections.append(
                    {
                        "order": l,
                        "components": [str(c) for c in fl],
                        "values": [[value_string(c, vars_, pt, prob["exact"]) for c in fl] for pt in prob["points"]],
                    }
                )
            entry["methods"].append({"method": method, "corrections": corrections})
            print(
                "%s %s: f_1..f_%d in %.2f s" % (prob["problem"], method, ORDER, time.perf_counter() - t1),
                file=sys.stderr,
            )
        # symplectic-euler-b is the adjoint of symplectic-euler: its modified field is f~(y, -h), f_l^b = (-1)^l f_l
        for l in range(ORDER):
            for m in range(2):
                a, b = all_fls["symplectic-euler"][l][m], all_fls["symplectic-euler-b"][l][m]
                if simplify(b - (-1) ** (l + 1) * a) != 0:
                    failures.append("%s: adjoint relation fails at f_%d[%d]" % (prob["problem"], l + 1, m))
        out_problems.append(entry)
    for msg in failures:
        print("SELF-CHECK FAILED: " + msg, file=sys.stderr)
    if failures:
        sys.exit(1)
    doc = {
        "generator": "benches/peers/partitioned_sympy.py",
        "sympy": sympy.__version__,
        "machine": machine_info(),
        "seconds": round(time.perf_counter() - t0, 2),
        "order": ORDER,
        "algorithm": "step: undetermined-coefficient ansatz in h for the unknowns of the written-out implicit "
        "step, solved order by order with sympy.solve; matching: flow of f + sum h^l F_l with undefined "
        "functions F_l (Lie series, truncated), solved for F_l order by order",
        "self_checks": "passed: Stormer-Verlet odd orders zero; f_l(symplectic-euler-b) = (-1)^l f_l(symplectic-euler); divergence-free (pendulum) / div(f_l/(uv)) = 0 (LV); "
        "LV symplectic-euler f_1 by hand; flow of the solved field re-expanded equals the step to h^(N+1)",
        "problems": out_problems,
    }
    write_json_atomic(result_path("partitioned_sympy.json"), doc)
    print("wrote %s" % result_path("partitioned_sympy.json"), file=sys.stderr)


if __name__ == "__main__":
    main()
