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
    /// When the algebra leaves `J - J^T` nonzero: whether it vanishes numerically anyway ([`numerically_symmetric`]),
    /// i.e. the field is most likely a gradient by an identity the algebra does not apply (found by review:
    /// `f = (y sin(2x), sin(x)^2) = grad(y sin(x)^2)` was reported "not a gradient field", as the algebra does not
    /// rewrite `sin(2x)` as `2 sin(x) cos(x)`, nor `exp(2x)` as `exp(x)^2`).
    pub numerically_symmetric: bool,
}

/// Points [`numerically_symmetric`] samples.
pub const SAMPLES: usize = 8;

/// Is the Jacobian `jac` symmetric at [`SAMPLES`] sampled points, to a relative `1e-9` of the largest off-diagonal
/// entry there? Coordinates are drawn in `[-1.7, 1.7]` (up to 64 draws, skipping points where an entry is not
/// finite: a `log` or `sqrt` domain) and any symbolic parameter gets a value in `[0.3, 1.7]`, by a fixed generator,
/// so the verdict repeats. `false` when fewer than [`SAMPLES`] points are usable, when the entries cannot be
/// evaluated (unspecified functions), when they differ anywhere, and for fields without elementary functions,
/// roots or denominators, where the algebra's answer is exact. Evidence, not proof: the report says so.
pub fn numerically_symmetric(alg: &Algebra, jac: &[Vec<Elem>]) -> bool {
    use crate::algebra::GenKind;
    let n = jac.len();
    // Polynomials in the state and parameters are canonical in the algebra: a nonzero J - J^T is nonzero (found by
    // review: a tiny constant curl, 1/1250000000000000, passed a fixed 1e-12 floor as "symmetric").
    let transcendental = alg.gens().iter().any(|g| matches!(g, GenKind::Apply(..) | GenKind::Root(..)));
    let rational = jac.iter().flatten().any(|e| !e.den.is_empty());
    if !transcendental && !rational {
        return false;
    }
    // The project's seeded generator (SplitMix64), so the verdict repeats on every machine.
    let mut rng = bea_verification::nets::stats::Rng::new(0x5EED);
    let mut draw = |lo: f64, hi: f64| lo + (hi - lo) * rng.uniform();
    let params: std::collections::HashMap<String, f64> = alg
        .gens()
        .iter()
        .filter_map(|g| match g {
            GenKind::Param(p) => Some(p.clone()),
            _ => None,
        })
        .map(|p| (p, draw(0.3, 1.7)))
        .collect();
    let pairs: Vec<Elem> =
        (0..n).flat_map(|i| (i + 1..n).flat_map(move |j| [jac[i][j].clone(), jac[j][i].clone()])).collect();
    let Ok(ev) = crate::emit::evaluator::Evaluator::compile(alg, &pairs, &params) else { return false };
    let mut out = vec![0.0; pairs.len()];
    let mut usable = 0;
    for _ in 0..64 {
        if usable == SAMPLES {
            break;
        }
        let x: Vec<f64> = (0..n).map(|_| draw(-1.7, 1.7)).collect();
        ev.eval(&x, &mut out);
        if out.iter().any(|v| !v.is_finite()) {
            continue;
        }
        usable += 1;
        let scale = out.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if out.chunks(2).any(|ab| (ab[0] - ab[1]).abs() > 1e-9 * scale) {
            return false;
        }
    }
    usable == SAMPLES
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
        let numerically_symmetric = numerically_symmetric(alg, &jac);
        return Structure { gradient: false, potential: None, antisymmetric: Some(all), numerically_symmetric };
    }
    let pot = potential(alg, f, hint);
    Structure { gradient: true, potential: pot, antisymmetric: None, numerically_symmetric: true }
}

/// Does `-grad e == f` hold exactly?
pub fn verifies(alg: &mut Algebra, e: &Elem, f: &[Elem]) -> bool {
    (0..f.len()).all(|j| {
        let d = alg.diff(e, j);
        let s = alg.add(&d, &f[j]);
        s.is_zero()
    })
}
