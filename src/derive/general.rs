//! The general (Lie-derivative) recursion for the modified equation of explicit Euler.
//!
//! The exact flow of `f~ = sum_l h^l f_l` over time `h` is `y(h) = y + sum_{k>=1} h^k/k! (D_{f~}^{k-1} f~)(y)`
//! with `D_g F = F' g`. Matching powers of `h` with one Euler step `y + h f(y)` gives, for `l >= 1`,
//! `f_l = - sum_{k=2}^{l+1} (1/k!) [h^{l+1-k}] D_{f~}^{k-1} f~`.
//! It is computed graded (GUIDE section 2): `G[1][j] = f_j`, `G[k][j] = sum_{a=0}^{j} D_{f_a} G[k-1][j-a]`, so
//! `G[k][j] = [h^j] D_{f~}^{k-1} f~` and `f_l = - sum_{k=2}^{l+1} G[k][l+1-k] / k!`; every `G[k][j]` and its
//! Jacobian is computed once. Reference: Hairer, Lubich & Wanner, *Geometric Numerical Integration*, 2nd ed.,
//! ch. IX (f_1 = -1/2 f'f, f_2 = 1/3 f'f'f + 1/12 f''(f,f)).

use super::{jacobian, lie, minus_sum_over_factorials, DeriveError, Guard};
use crate::algebra::{Algebra, Elem};
use std::collections::HashMap;

/// `f_1..f_order` of explicit Euler for the field `f`, by the graded Lie-derivative recursion.
pub(crate) fn corrections(
    alg: &mut Algebra,
    f: &[Elem],
    order: usize,
    guard: &Guard,
) -> Result<Vec<Vec<Elem>>, DeriveError> {
    corrections_of_step(alg, &[f.to_vec()], order, guard)
}

/// `f_1..f_order` of any one-step method whose step is `y + sum_{j>=1} h^j d_j(y)`, given `d = [d_1, d_2, ...]`
/// (missing `d_j` are zero; explicit Euler is `d = [f]`). The same recursion with the step's own terms:
/// `f_0 = d_1` and `f_l = d_{l+1} - sum_{k=2}^{l+1} G[k][l+1-k] / k!` (GNI ch. IX, eq. IX.1.4 matched order by
/// order). Used by [`super::taylor`] for (partitioned) Runge-Kutta steps expanded in `h`.
pub(crate) fn corrections_of_step(
    alg: &mut Algebra,
    d: &[Vec<Elem>],
    order: usize,
    guard: &Guard,
) -> Result<Vec<Vec<Elem>>, DeriveError> {
    let mut fs: Vec<Vec<Elem>> = vec![d[0].clone()];
    let f = &d[0];
    let mut g: HashMap<(usize, usize), Vec<Elem>> = HashMap::new();
    let mut jac: HashMap<(usize, usize), Vec<Vec<Elem>>> = HashMap::new();
    for l in 1..=order {
        g.insert((1, l - 1), fs[l - 1].clone());
        // Entries with k + j = l + 1, k >= 2, in increasing k (each needs k - 1 entries of the previous stage).
        for k in 2..=l + 1 {
            let j = l + 1 - k;
            let mut acc: Vec<Elem> = vec![Elem::default(); f.len()];
            for (a, fa) in fs.iter().enumerate().take(j + 1) {
                let key = (k - 1, j - a);
                if let std::collections::hash_map::Entry::Vacant(e) = jac.entry(key) {
                    e.insert(jacobian(alg, &g[&key]));
                }
                let term = lie(alg, &jac[&key], fa);
                for (x, t) in acc.iter_mut().zip(&term) {
                    *x = alg.add(x, t);
                }
                guard.check(alg, l)?;
            }
            g.insert((k, j), acc);
        }
        let mut fl = minus_sum_over_factorials(alg, f.len(), (2..=l + 1).map(|k| (k, &g[&(k, l + 1 - k)])));
        if let Some(dl) = d.get(l).filter(|dl| dl.iter().any(|e| !e.is_zero())) {
            fl = fl.iter().zip(dl).map(|(x, y)| alg.add(x, y)).collect::<Vec<_>>();
            fl = fl.iter().map(|e| alg.normalize(e)).collect();
        }
        guard.check(alg, l)?;
        fs.push(fl);
    }
    Ok(fs.split_off(1))
}
