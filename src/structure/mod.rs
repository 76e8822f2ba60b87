//! Gradient structure of a vector field: is `F = -grad E` for some potential `E`?
//!
//! A smooth field is locally a gradient exactly when its Jacobian is symmetric (Poincare lemma); the check here is
//! exact (every entry of `J - J^T` is zero in the algebra). When it is symmetric, a potential is recovered and
//! then *verified*: `-grad E == f` must hold exactly, or no potential is reported. When it is not symmetric, the
//! antisymmetric part `(J - J^T)/2` is reported instead (in 2-D its single entry is half the curl
//! `d f_y/dx - d f_x/dy`). Sign convention: `f_l = -grad E_l`, so the modified loss is `E + h E_1 + h^2 E_2 + ...`
//! and gradient descent follows (to order `N`) the gradient flow of that loss.

mod potential;

use crate::algebra::{Algebra, Elem};
pub use potential::potential;

/// The structure verdict for one vector field.
#[derive(Clone, Debug, PartialEq)]
pub struct Structure {
    /// Is the Jacobian symmetric (the field locally a gradient)?
    pub gradient: bool,
    /// `E` with `f = -grad E`, verified exactly; `None` if not a gradient or no potential was found.
    pub potential: Option<Elem>,
    /// The entries `(i, j, (J_ij - J_ji)/2)` for `i < j` when the Jacobian is not symmetric.
    pub antisymmetric: Option<Vec<(usize, usize, Elem)>>,
}

/// Analyse `f`. `hint` is an optional candidate potential that is accepted only if it verifies exactly.
///
/// ```
/// use bea::spec::{examples, Problem};
/// use bea::structure::analyse;
/// let mut p = Problem::from_raw(&examples::example("quartic").unwrap()).unwrap();
/// let f = p.field.clone();
/// let s = analyse(&mut p.algebra, &f, None);
/// assert!(s.gradient && s.potential.is_some());
/// ```
pub fn analyse(alg: &mut Algebra, f: &[Elem], hint: Option<&Elem>) -> Structure {
    let n = f.len();
    let jac = crate::derive::jacobian(alg, f);
    let mut anti = Vec::new();
    #[allow(clippy::needless_range_loop)] // J_ij against J_ji: both indices address the matrix
    for i in 0..n {
        for j in i + 1..n {
            let d = alg.sub(&jac[i][j], &jac[j][i]);
            let half = alg.scale(&d, &crate::algebra::Coef::new(1, 2));
            if !half.is_zero() {
                anti.push((i, j, alg.normalize(&half)));
            }
        }
    }
    if !anti.is_empty() {
        let all: Vec<(usize, usize, Elem)> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| {
                let found = anti.iter().find(|(a, b, _)| *a == i && *b == j).map(|t| t.2.clone());
                (i, j, found.unwrap_or_default())
            })
            .collect();
        return Structure { gradient: false, potential: None, antisymmetric: Some(all) };
    }
    let pot = potential(alg, f, hint);
    Structure { gradient: true, potential: pot, antisymmetric: None }
}

/// Does `-grad e == f` hold exactly?
pub fn verifies(alg: &mut Algebra, e: &Elem, f: &[Elem]) -> bool {
    (0..f.len()).all(|j| {
        let d = alg.diff(e, j);
        let s = alg.add(&d, &f[j]);
        s.is_zero()
    })
}
