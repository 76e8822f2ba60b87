#!/usr/bin/env python3
"""Peer benchmark: the explicit-Euler modified equation, graded recursion, in SymPy.

Run: python3 benches/peers/derive_sympy.py   (creates .venv-sympy from requirements-sympy.txt)
Writes results/derive_sympy.json and results/derive_sympy_formulas.json (f_1, f_2 per problem).

Recursion (GUIDE section 2), with f_0 = f:
    G[1][j] = f_j
    G[k][j] = sum_{a=0..j} D_{f_a} G[k-1][j-a],   D_g F = F' g  (Jacobian of F times g)
    f_l     = - sum_{k=2..l+1} G[k][l+1-k] / k!
G and the Jacobians of the G entries are memoised across orders; every G entry and every f_l is
expanded (sympy.expand); for the rational oscillator field every entry is put in canonical
numerator/denominator form with sympy.cancel instead (the natural SymPy approach).

Environment knobs: PEER_TIMEOUT_S (120), PEER_ORDERS ("2,4,6,8"), PEER_PROBLEMS (comma list).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if __name__ == "__main__":
    from _peer_common import bootstrap

    bootstrap("sympy")

import sympy
from sympy import Add, Rational, cancel, expand, factorial, fraction

PROBLEMS = ["lotka_volterra", "quartic_loss", "poly3d", "oscillator", "generic2d"]


def problem_field(name):
    """Return (variables, field components, rational?) for a named problem."""
    if name == "lotka_volterra":
        u, v = sympy.symbols("u v")
        return [u, v], [u * (v - 2), v * (1 - u)], False
    if name == "quartic_loss":
        x, y = sympy.symbols("x y")
        E = x**4 / 4 + x**2 * y**2 / 2 - x * y + y**4 / 8
        return [x, y], [expand(-E.diff(x)), expand(-E.diff(y))], False
    if name == "poly3d":
        x, y, z = sympy.symbols("x y z")
        return [x, y, z], [y * z - x**2, x * z + y, x * y - z**3], False
    if name == "oscillator":
        u, v = sympy.symbols("u v")
        return [u, v], [-v / (u**2 + v**2), u / (u**2 + v**2)], True
    if name == "generic2d":
        x, y = sympy.symbols("x y")
        P, Q = sympy.Function("P"), sympy.Function("Q")
        return [x, y], [P(x, y), Q(x, y)], False
    raise KeyError(name)


def derive_field(variables, field, order, rational=False):
    """f_1..f_order of explicit Euler for x' = field(x), graded recursion with memoisation."""
    norm = cancel if rational else expand
    n = len(variables)
    fs = [[norm(c) for c in field]]  # fs[a] = f_a
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
            G[key] = [norm(Add(*terms)) for terms in acc]
        return G[key]

    def jac(k, j):
        key = (k, j)
        if key not in JG:
            F = g(k, j)
            JG[key] = [[norm(F[i].diff(x)) for x in variables] for i in range(n)]
        return JG[key]

    for l in range(1, order + 1):
        comps = []
        for i in range(n):
            s = Add(*[g(k, l + 1 - k)[i] / factorial(k) for k in range(2, l + 2)])
            comps.append(norm(-s))
        fs.append(comps)
    return fs[1:]


def count_terms(expr, rational=False):
    if expr == 0:
        return 0
    if rational:
        expr = expand(fraction(cancel(expr))[0])
    return len(Add.make_args(expr))


def oracle_check(variables, field, fs, rational=False):
    """f_1 == -1/2 f'f and f_2 == 1/3 f'f'f + 1/12 f''(f,f) (Hairer, Lubich & Wanner, GNI ch. IX)."""
    norm = cancel if rational else expand
    n = len(variables)
    J = [[field[i].diff(x) for x in variables] for i in range(n)]
    Jf = [Add(*[J[i][m] * field[m] for m in range(n)]) for i in range(n)]
    JJf = [Add(*[J[i][m] * Jf[m] for m in range(n)]) for i in range(n)]
    fpp = [Add(*[field[i].diff(variables[a], variables[b]) * field[a] * field[b]
                 for a in range(n) for b in range(n)]) for i in range(n)]
    f1 = [-Rational(1, 2) * Jf[i] for i in range(n)]
    f2 = [Rational(1, 3) * JJf[i] + Rational(1, 12) * fpp[i] for i in range(n)]
    ok1 = all(norm(fs[0][i] - f1[i]) == 0 for i in range(n))
    ok2 = all(norm(fs[1][i] - f2[i]) == 0 for i in range(n))
    return {"ok": bool(ok1 and ok2), "f1_eq_minus_half_fprime_f": bool(ok1),
            "f2_eq_third_fpfpf_plus_twelfth_fppff": bool(ok2)}


class Backend:
    name = "sympy"
    version = sympy.__version__
    problems = PROBLEMS

    def derive(self, problem, order):
        variables, field, rational = problem_field(problem)
        return derive_field(variables, field, order, rational)

    def count_terms(self, problem, fs):
        rational = problem_field(problem)[2]
        return sum(count_terms(c, rational) for f in fs for c in f)

    def to_strings(self, problem, f):
        return [str(c) for c in f]

    def check(self, problem):
        variables, field, rational = problem_field(problem)
        return oracle_check(variables, field, derive_field(variables, field, 2, rational), rational)

    def before_each(self):
        sympy.core.cache.clear_cache()  # every repetition starts cold


NOTES = [
    "expanded with sympy.expand after every recursion step; the oscillator with sympy.cancel "
    "(canonical numerator/denominator); terms for the oscillator count the expanded numerators",
    "SymPy's global cache is cleared before every repetition",
    "quartic_loss: E = x^4/4 + x^2 y^2/2 - x y + y^4/8, field = -grad E",
]

if __name__ == "__main__":
    import _derive_driver

    _derive_driver.run(Backend(), "derive_sympy.json", "derive_sympy_formulas.json", NOTES)
