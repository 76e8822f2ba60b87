//! Recovering a potential `E` with `f = -grad E`, always verified exactly before it is returned.
//!
//! Strategies, in order:
//! 1. the homotopy formula `E(x) = - int_0^1 x . f(t x) dt` (the Poincare lemma with base point 0), exact for a
//!    field polynomial in the state with state-independent coefficients: a term of state-degree `d` in `f_i`
//!    contributes `- x_i * term / (d + 1)`;
//! 2. a candidate supplied by the caller (e.g. `|grad E|^2/4` for the first correction of a loss);
//! 3. otherwise none is reported, even when the Jacobian is symmetric (the verdict then says so).

use super::verifies;
use crate::algebra::{Algebra, Coef, Elem, GenKind, Mono, Poly};

/// A verified potential of `f`, or `None`.
pub fn potential(alg: &mut Algebra, f: &[Elem], hint: Option<&Elem>) -> Option<Elem> {
    if let Some(e) = homotopy(alg, f) {
        if verifies(alg, &e, f) {
            return Some(alg.normalize(&e));
        }
    }
    if let Some(h) = hint {
        if verifies(alg, h, f) {
            return Some(alg.normalize(h));
        }
    }
    None
}

/// The homotopy-formula candidate, when every component is polynomial in the state variables (its other
/// generators and denominator factors independent of the state).
fn homotopy(alg: &mut Algebra, f: &[Elem]) -> Option<Elem> {
    let n = alg.n_state();
    // Denominators must not depend on the state.
    for fi in f {
        for (k, e) in fi.den.iter().enumerate() {
            if *e > 0 {
                let q = Elem::poly(alg.factors()[k].clone());
                if alg.depends_on_state(&q) {
                    return None;
                }
            }
        }
    }
    let mut total = Elem::default();
    for (i, fi) in f.iter().enumerate() {
        let mut terms = Vec::new();
        for (m, c) in fi.num.terms() {
            let mut deg = 0u32;
            for (g, e) in m.factors() {
                match &alg.gens()[g] {
                    GenKind::State(_) => deg += e as u32,
                    GenKind::Param(_) => {}
                    _ => {
                        let ge = Elem::poly(Poly::var(g));
                        if alg.depends_on_state(&ge) {
                            return None;
                        }
                    }
                }
            }
            let xm = m.mul(&Mono::var(i, 1))?;
            terms.push((xm, c.mul(&Coef::new(-1, deg as i128 + 1))));
        }
        let part = Elem { num: Poly::from_terms(terms), den: fi.den.clone() };
        total = alg.add(&total, &part);
    }
    let _ = n;
    Some(total)
}
