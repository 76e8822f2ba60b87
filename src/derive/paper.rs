//! The paper's recursion: Barrett & Dherin, *Implicit Gradient Regularization*, ICLR 2021, Appendix A.1,
//! Lemma A.1-A.3 and Proposition A.4 (eq. A.11-A.14), implemented as written.
//!
//! ```text
//! L_{n,k} = d^{n-2}/dt^{n-2} grad( sum_{i+j=k} <f_i, f_j> / 2 )        (A.11)
//! f_l     = - sum_{n+k=l+1, n>=2} L_{n,k} / n!                        (A.14)
//! ```
//! Lemma A.1 replaces `f~' f~` by `grad(|f~|^2 / 2)`, which holds only while `f~` has a symmetric Jacobian.
//! Lemma A.2 then expands only `|f~|^2` in powers of `h`; the time derivative `d/dt` (along the solution of the
//! modified equation) is not expanded, so the `L_{n,k}` are h-independent only when `d/dt` is read as the
//! derivative along the h-independent part of the flow, `D_f G = G' f` with `f = f_0`. That is the reading
//! implemented here, so `L_{2,k} = grad S_k` and `L_{n,k} = D_f L_{n-1,k}` with `S_k = sum_{i+j=k} <f_i,f_j>/2`.
//! Where this differs from the general recursion is a finding for the harness to measure, not a bug to fix here.

use super::{jacobian, lie, minus_sum_over_factorials, DeriveError, Guard};
use crate::algebra::{Algebra, Elem};
use std::collections::HashMap;

/// `f_1..f_order` by eq. A.11-A.14.
pub(crate) fn corrections(
    alg: &mut Algebra,
    f: &[Elem],
    order: usize,
    guard: &Guard,
) -> Result<Vec<Vec<Elem>>, DeriveError> {
    let n = alg.n_state();
    let mut fs: Vec<Vec<Elem>> = vec![f.to_vec()];
    let mut big_l: HashMap<(usize, usize), Vec<Elem>> = HashMap::new();
    for l in 1..=order {
        // New k = l - 1: L_{2,l-1} = grad S_{l-1}; then extend every L_{n,k} with n + k = l + 1 by one D_f.
        let k_new = l - 1;
        let mut s = Elem::default();
        for i in 0..=k_new {
            let j = k_new - i;
            for (a, b) in fs[i].iter().zip(&fs[j]) {
                let t = alg.mul(a, b);
                s = alg.add(&s, &t);
            }
        }
        let half = crate::algebra::Coef::new(1, 2);
        s = alg.scale(&s, &half);
        let grad: Vec<Elem> = (0..n).map(|m| alg.diff(&s, m)).collect();
        big_l.insert((2, k_new), grad);
        for nn in 3..=l + 1 {
            let k = l + 1 - nn;
            let prev = big_l[&(nn - 1, k)].clone();
            let jm = jacobian(alg, &prev);
            let next = lie(alg, &jm, f);
            big_l.insert((nn, k), next);
            guard.check(alg, l)?;
        }
        let fl = minus_sum_over_factorials(alg, f.len(), (2..=l + 1).map(|nn| (nn, &big_l[&(nn, l + 1 - nn)])));
        guard.check(alg, l)?;
        fs.push(fl);
    }
    Ok(fs.split_off(1))
}
