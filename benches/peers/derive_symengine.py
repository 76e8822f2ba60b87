#!/usr/bin/env python3
"""Peer benchmark: the explicit-Euler modified equation, graded recursion, in SymEngine.

Run: python3 benches/peers/derive_symengine.py   (creates .venv-symengine from requirements-symengine.txt)
Writes results/derive_symengine.json and results/derive_symengine_formulas.json.

Same recursion as derive_sympy.py (GUIDE section 2), with f_0 = f:
    G[1][j] = f_j
    G[k][j] = sum_{a=0..j} D_{f_a} G[k-1][j-a],   D_g F = F' g  (Jacobian of F times g)
    f_l     = - sum_{k=2..l+1} G[k][l+1-k] / k!
memoising G and the Jacobians, expanding every entry with symengine.expand.

SymEngine has no multivariate cancel/together, so for the rational oscillator field
(-v, u)/(u^2 + v^2) the fastest approach found is numerator tracking ("oscillator"): every
quantity is kept as N / r^m with r = u^2 + v^2 the field's common denominator and N an expanded
polynomial, d(N r^-m)/dx = (N_x r - m N r_x) r^-(m+1), sums brought to the largest m. No
common factor of N and r is cancelled, so term counts are those of these (unreduced) numerators.
For comparison "oscillator_plain_expand" runs the generic code (symengine.expand on the rational
expressions, which leaves sums of terms over powers of r).

Environment knobs: PEER_TIMEOUT_S (120), PEER_ORDERS ("2,4,6,8"), PEER_PROBLEMS (comma list).
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("symengine")

import symengine as se
from symengine import Add, Integer, Rational, expand

PROBLEMS = ["lotka_volterra", "quartic_loss", "poly3d", "oscillator", "oscillator_plain_expand", "generic2d"]


def _factorial(k):
    out = 1
    for i in range(2, k + 1):
        out *= i
    return out


def problem_field(name):
    """Return (variables, field, denominator r or None). With r, field holds the numerators."""
    if name == "lotka_volterra":
        u, v = se.symbols("u v")
        return [u, v], [u * (v - 2), v * (1 - u)], None
    if name == "quartic_loss":
        x, y = se.symbols("x y")
        E = x**4 / 4 + x**2 * y**2 / 2 - x * y + y**4 / 8
        return [x, y], [expand(-E.diff(x)), expand(-E.diff(y))], None
    if name == "poly3d":
        x, y, z = se.symbols("x y z")
        return [x, y, z], [y * z - x**2, x * z + y, x * y - z**3], None
    if name == "oscillator":
        u, v = se.symbols("u v")
        return [u, v], [-v, u], u**2 + v**2
    if name == "oscillator_plain_expand":
        u, v = se.symbols("u v")
        return [u, v], [-v / (u**2 + v**2), u / (u**2 + v**2)], None
    if name == "generic2d":
        x, y = se.symbols("x y")
        return [x, y], [se.function_symbol("P", x, y), se.function_symbol("Q", x, y)], None
    raise KeyError(name)


def _terms(e):
    return list(e.args) if isinstance(e, Add) else [e]


def derive_poly(variables, field, order):
    """Graded recursion on expressions, symengine.expand after every step."""
    n = len(variables)
    fs = [[expand(c) for c in field]]
    G = {}
    JG = {}

    def g(k, j):
        if k == 1:
            return fs[j]
        key = (k, j)
        if key not in G:
            acc = [[] for _ in range(n)]
            for a in range(j + 1):
                J = jac(k - 1, j - a)
                fa = fs[a]
                for i in range(n):
                    for m in range(n):
                        if J[i][m] != 0 and fa[m] != 0:
                            acc[i].append(J[i][m] * fa[m])
            G[key] = [expand(Add(*t)) if t else Integer(0) for t in acc]
        return G[key]

    def jac(k, j):
        key = (k, j)
        if key not in JG:
            F = g(k, j)
            JG[key] = [[expand(F[i].diff(x)) for x in variables] for i in range(n)]
        return JG[key]

    for l in range(1, order + 1):
        comps = []
        for i in range(n):
            s = Add(*[g(k, l + 1 - k)[i] * Rational(-1, _factorial(k)) for k in range(2, l + 2)])
            comps.append(expand(s))
        fs.append(comps)
    return fs[1:]


def derive_num(variables, numerators, r, order):
    """Same recursion with every quantity kept as (N, m) meaning N / r^m, N expanded."""
    n = len(variables)
    r = expand(r)
    dr = [expand(r.diff(x)) for x in variables]
    rpow = {0: Integer(1)}

    def rp(p):
        if p not in rpow:
            rpow[p] = expand(rp(p - 1) * r)
        return rpow[p]

    def add(items):
        """Sum of (N, m) pairs -> (N, M), M = largest m."""
        items = [(N, m) for N, m in items if N != 0]
        if not items:
            return (Integer(0), 0)
        M = max(m for _, m in items)
        return (expand(Add(*[N * rp(M - m) if M > m else N for N, m in items])), M)

    fs = [[(expand(c), 1) for c in numerators]]
    G = {}
    JG = {}

    def g(k, j):
        if k == 1:
            return fs[j]
        key = (k, j)
        if key not in G:
            acc = [[] for _ in range(n)]
            for a in range(j + 1):
                J = jac(k - 1, j - a)
                fa = fs[a]
                for i in range(n):
                    for m in range(n):
                        (N1, m1), (N2, m2) = J[i][m], fa[m]
                        if N1 != 0 and N2 != 0:
                            acc[i].append((N1 * N2, m1 + m2))
            G[key] = [add(t) for t in acc]
        return G[key]

    def jac(k, j):
        key = (k, j)
        if key not in JG:
            F = g(k, j)
            rows = []
            for i in range(n):
                N, m = F[i]
                row = []
                for q, x in enumerate(variables):
                    if N == 0:
                        row.append((Integer(0), 0))
                    else:
                        row.append((expand(N.diff(x) * r - m * N * dr[q]), m + 1))
                rows.append(row)
            JG[key] = rows
        return JG[key]

    for l in range(1, order + 1):
        comps = []
        for i in range(n):
            items = []
            for k in range(2, l + 2):
                N, m = g(k, l + 1 - k)[i]
                items.append((N * Rational(-1, _factorial(k)), m))
            comps.append(add(items))
        fs.append(comps)
    return fs[1:]


def derive(problem, order):
    variables, field, r = problem_field(problem)
    if r is None:
        return derive_poly(variables, field, order)
    return derive_num(variables, field, r, order)


def as_expr(problem, c):
    r = problem_field(problem)[2]
    if r is None:
        return c
    N, m = c
    return N / r**m


def oracle_check(problem):
    """f_1 == -1/2 f'f and f_2 == 1/3 f'f'f + 1/12 f''(f,f) (Hairer, Lubich & Wanner, GNI ch. IX).

    Polynomial fields: the difference expands to 0. Rational fields: exact comparison at
    random rational points (no multivariate cancel in SymEngine)."""
    variables, field, r = problem_field(problem)
    f = field if r is None else [c / r for c in field]
    n = len(variables)
    fs = [[as_expr(problem, c) for c in fl] for fl in derive(problem, 2)]
    J = [[f[i].diff(x) for x in variables] for i in range(n)]
    Jf = [Add(*[J[i][m] * f[m] for m in range(n)]) for i in range(n)]
    JJf = [Add(*[J[i][m] * Jf[m] for m in range(n)]) for i in range(n)]
    fpp = [Add(*[f[i].diff(variables[a]).diff(variables[b]) * f[a] * f[b]
                 for a in range(n) for b in range(n)]) for i in range(n)]
    ref1 = [Rational(-1, 2) * Jf[i] for i in range(n)]
    ref2 = [Rational(1, 3) * JJf[i] + Rational(1, 12) * fpp[i] for i in range(n)]
    rational = r is not None or problem == "oscillator_plain_expand"
    rng = random.Random(12345)

    def same(a, b):
        if not rational:
            return expand(a - b) == 0
        for _ in range(5):
            pt = {x: Rational(rng.randint(-50, 50), rng.randint(1, 30)) for x in variables}
            if (a - b).subs(pt) != 0:
                return False
        return True

    ok1 = all(same(fs[0][i], ref1[i]) for i in range(n))
    ok2 = all(same(fs[1][i], ref2[i]) for i in range(n))
    return {"ok": bool(ok1 and ok2), "f1_eq_minus_half_fprime_f": bool(ok1),
            "f2_eq_third_fpfpf_plus_twelfth_fppff": bool(ok2),
            "method": "exact values at 5 random rational points" if rational else "difference expands to 0"}


class Backend:
    name = "symengine"
    version = se.__version__
    problems = PROBLEMS

    def derive(self, problem, order):
        return derive(problem, order)

    def count_terms(self, problem, fs):
        r = problem_field(problem)[2]
        total = 0
        for f in fs:
            for c in f:
                e = c if r is None else c[0]
                total += 0 if e == 0 else len(_terms(e))
        return total

    def to_strings(self, problem, f):
        return [str(as_expr(problem, c)) for c in f]

    def check(self, problem):
        return oracle_check(problem)

    def before_each(self):
        pass


NOTES = [
    "expanded with symengine.expand after every recursion step",
    "oscillator: numerator tracking N / (u^2+v^2)^m (fastest found; no cancellation of common factors); "
    "terms count the numerators",
    "oscillator_plain_expand: the generic code path, symengine.expand of rational expressions; "
    "terms count the additive terms of the expanded expression",
    "quartic_loss: E = x^4/4 + x^2 y^2/2 - x y + y^4/8, field = -grad E",
]

if __name__ == "__main__":
    import _derive_driver

    _derive_driver.run(Backend(), "derive_symengine.json", "derive_symengine_formulas.json", NOTES)
