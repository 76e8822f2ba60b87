//! Modified equation of heavy-ball momentum, exactly, to any order, by the tree recursion.
//!
//! # Method
//! Heavy ball, `θ_{n+1} = θ_n - h∇E(θ_n) + β(θ_n - θ_{n-1})`, is a two-step method for `y' = f = -∇E`.
//! For `|β| < 1` its parasitic root `β` is damped, and the iterates are attracted (geometrically,
//! like `β^n`) to an invariant "slow manifold" `θ_{n-1} = Φ_{-h}(θ_n)` on which the method is a
//! one-step map, the underlying one-step method (Kirchgraber 1986; GNI Sect. XV.2). We seek its
//! modified field by the ansatz `θ_n = y(nh)`, `y' = f̃(y) = Σ_t h^{|t|-1} b̃(t)/σ(t) F(t)(y)`
//! (time `t = nh`, [`crate::derive::bseries::modified::FIELD_NORMALIZATION`]). Inserting
//! `θ_{n±1} = Σ_k (±h)^k/k! (D_{f̃}^{k-1} f̃)(y)` into the recursion gives, per tree,
//!
//! > `Σ_{k>=1} (1 + (-1)^k β) G_k(t)/k! = δ_•(t)`,  `G_1 = b̃`, `G_k = G_{k-1} ⊳ b̃`,
//!
//! solved order by order like the one-step case (weights `w_k = 1 + (-1)^k β` instead of 1).
//!
//! # First order
//! `b̃(•) = 1/(1-β)`, `b̃([•]) = -(1+β)/(2(1-β)^3)`, so with `f'f = H∇E = ∇(|∇E|²/2)`:
//!
//! > `θ' = -∇[ E/(1-β) + h (1+β)/(4(1-β)^3) |∇E|² ] + O(h²)`
//! > `   = -(1/(1-β)) ∇[ E + h (1+β)/(4(1-β)^2) |∇E|² ] + O(h²)`.
//!
//! With the effective learning rate `η = h/(1-β)` and time `s = nη`: `dθ/ds = -∇[E + η (1+β)/(4(1-β)) |∇E|²]`,
//! i.e. the implicit regulariser is `(1+β)/(1-β)` times that of gradient descent with the same
//! effective rate (`η/4 |∇E|²`, Barrett & Dherin 2021), and `(1+β)/(1-β)^2` times that of GD with
//! the same `h` (after dividing by `1/(1-β)`). Ghosh et al. (ICLR 2023) state the factor
//! `(1+β)/(1-β)` relative to GD, which is this result in the effective-rate normalisation (`η`, `s`).
//! bea's [`crate::derive::bseries::derive_heavy_ball`] keeps the time `t = nh` and returns `f_0 = f/(1-β)`.
//! This holds on the slow manifold; from the usual start `θ_{-1} = θ_0` the iterates carry an extra
//! `O(h)` transient offset (see [`crate::derive::bseries::momentum_check`]).
//!
//! # Verification
//! `bea verify --method heavy-ball --beta B` runs the independent order harness on the compiled `f_0..f_N`
//! (`bea_verification::order::StepKind::TwoStep`: start on the candidate's flow, one step, compare with the
//! flow over `2h`; slope `N + 2`); [`crate::derive::bseries::momentum_check`] is the engine's own quick check.

use std::sync::Arc;

use crate::algebra::Coef;

use crate::derive::bseries::modified::solve_flow_equation;
use crate::derive::bseries::series::{BSeries, SeriesKind};
use crate::derive::bseries::trees::Forest;

/// Errors of the momentum module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MomentumError {
    /// `β = 1`: no modified equation (`1 - β` divides every coefficient).
    #[error("beta = 1 has no modified equation (the coefficients carry powers of 1/(1-beta))")]
    BetaOne,
    /// `|β| >= 1`: the parasitic root `β` is not damped, there is no attracting slow manifold.
    #[error("beta = {beta} is outside (-1, 1): heavy ball has no attracting slow manifold, so no modified equation describes its iterates")]
    BetaOutOfRange {
        /// The value given.
        beta: String,
    },
}

fn r(p: i64, q: i64) -> Coef {
    Coef::new(i128::from(p), i128::from(q))
}

/// Weights `w_k = 1 + (-1)^k β`, `k = 1..=n`.
fn weights(beta: &Coef, n: usize) -> Vec<Coef> {
    (1..=n.max(1)).map(|k| if k.is_multiple_of(2) { Coef::one().add(beta) } else { Coef::one().sub(beta) }).collect()
}

/// Modified-field B-series `b̃` of heavy-ball momentum with rational `β` (time `t = nh`, field
/// `f = -∇E`), on the slow manifold, to `order`.
///
/// ```
/// use bea::derive::bseries::{momentum::heavy_ball_modified_equation, tableau::rat};
/// let b = heavy_ball_modified_equation(&rat(1, 2), 3).unwrap();
/// assert_eq!(*b.coefficient_of_levels(&[1]).unwrap(), rat(2, 1));      // 1/(1-β)
/// assert_eq!(*b.coefficient_of_levels(&[1, 2]).unwrap(), rat(-6, 1));  // -(1+β)/(2(1-β)³)
/// ```
pub fn heavy_ball_modified_equation(beta: &Coef, order: usize) -> Result<BSeries, MomentumError> {
    heavy_ball_in(beta, Arc::new(Forest::new(order)))
}

fn heavy_ball_in(beta: &Coef, forest: Arc<Forest>) -> Result<BSeries, MomentumError> {
    if beta.is_one() {
        return Err(MomentumError::BetaOne);
    }
    let mut target = vec![Coef::zero(); forest.len()];
    if !target.is_empty() {
        target[0] = Coef::one();
    }
    let b = solve_flow_equation(forest.as_ref(), &target, &weights(beta, forest.max_order()));
    Ok(BSeries::new(&format!("heavy-ball(beta={beta})"), SeriesKind::VectorField, forest, b))
}

/// First-order heavy-ball coefficients (time `t = nh`):
/// `θ' = -c0 ∇E - h c1 ∇|∇E|² + O(h²)` with `c0 = 1/(1-β)`, `c1 = (1+β)/(4(1-β)³)`.
///
/// ```
/// use bea::derive::bseries::{momentum::first_order, tableau::rat};
/// assert_eq!(first_order(&rat(0, 1)).unwrap(), (rat(1, 1), rat(1, 4))); // gradient descent
/// assert_eq!(first_order(&rat(9, 10)).unwrap(), (rat(10, 1), rat(475, 1)));
/// ```
pub fn first_order(beta: &Coef) -> Result<(Coef, Coef), MomentumError> {
    let b = heavy_ball_modified_equation(beta, 2)?;
    // f_1 = b̃([•]) f'f and f'f = H∇E = ∇(|∇E|²/2) for f = -∇E.
    let c1 = b.coefficient_of_levels(&[1, 2]).expect("order 2").mul(&r(-1, 2));
    Ok((b.coefficient_of_levels(&[1]).expect("order 1").clone(), c1))
}

/// A rational function of `β` of the form `N(β)/(1-β)^k`, `N` a polynomial (ascending coefficients),
/// reduced so that `N(1) != 0` unless `N = 0`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BetaRational {
    /// Coefficients of `N`, ascending powers of `β`.
    pub numerator: Vec<Coef>,
    /// The power `k` of `(1-β)` in the denominator.
    pub denominator_power: u32,
}

impl BetaRational {
    /// Evaluates at a rational `β != 1`.
    pub fn eval(&self, beta: &Coef) -> Coef {
        let num = self.numerator.iter().rev().fold(Coef::zero(), |acc, c| acc.mul(beta).add(c));
        num.mul(&pow1m(beta, self.denominator_power).recip().expect("beta != 1"))
    }
}

impl std::fmt::Display for BetaRational {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let terms: Vec<String> = self
            .numerator
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_zero())
            .map(|(i, c)| match i {
                0 => format!("{c}"),
                1 => format!("({c})*b"),
                _ => format!("({c})*b^{i}"),
            })
            .collect();
        let num = if terms.is_empty() { "0".to_string() } else { terms.join(" + ") };
        write!(f, "({num})/(1-b)^{}", self.denominator_power)
    }
}

/// Lagrange interpolation through `(x_i, y_i)`, ascending coefficients.
fn interpolate(xs: &[Coef], ys: &[Coef]) -> Vec<Coef> {
    let n = xs.len();
    let mut coeffs = vec![Coef::zero(); n];
    for i in 0..n {
        // basis polynomial Π_{j≠i} (x - x_j)/(x_i - x_j)
        let mut basis = vec![Coef::one()];
        let mut denom = Coef::one();
        for j in (0..n).filter(|&j| j != i) {
            let mut next = vec![Coef::zero(); basis.len() + 1];
            for (k, c) in basis.iter().enumerate() {
                next[k + 1] = next[k + 1].add(c);
                next[k] = next[k].sub(&c.mul(&xs[j]));
            }
            basis = next;
            denom = denom.mul(&xs[i].sub(&xs[j]));
        }
        let w = ys[i].mul(&denom.recip().expect("distinct nodes"));
        for (k, c) in basis.iter().enumerate() {
            coeffs[k] = coeffs[k].add(&c.mul(&w));
        }
    }
    while coeffs.len() > 1 && coeffs.last().is_some_and(|c| c.is_zero()) {
        coeffs.pop();
    }
    coeffs
}

/// Divides out factors `(1-β)` of the numerator (synthetic division by `β - 1`).
fn reduce(mut num: Vec<Coef>, mut k: u32) -> BetaRational {
    loop {
        let at_one = num.iter().fold(Coef::zero(), |a, c| a.add(c));
        if k == 0 || !at_one.is_zero() || num.iter().all(|c| c.is_zero()) {
            break;
        }
        // N(β) = (β - 1) Q(β) = -(1-β) Q(β)
        let mut q = vec![Coef::zero(); num.len() - 1];
        let mut carry = Coef::zero();
        for i in (1..num.len()).rev() {
            carry = carry.add(&num[i]);
            q[i - 1] = carry.neg();
        }
        num = q;
        k -= 1;
    }
    if num.iter().all(|c| c.is_zero()) {
        return BetaRational { numerator: vec![], denominator_power: 0 };
    }
    BetaRational { numerator: num, denominator_power: k }
}

/// Heavy-ball modified-field coefficients as exact rational functions of `β`, for all trees up to
/// `order`: `b̃(t) = N_t(β)/(1-β)^{2|t|-1}` before reduction. `N_t` has degree `<= 2|t| - 3` for
/// `|t| >= 2` (induction on the recursion), so it is recovered exactly by interpolating the rational
/// recursion at `2|t| - 1` values of `β` (one more than needed, as a check).
///
/// ```
/// use bea::derive::bseries::momentum::heavy_ball_symbolic;
/// let (forest, coeffs) = heavy_ball_symbolic(2);
/// assert_eq!(coeffs[1].to_string(), "(-1/2 + (-1/2)*b)/(1-b)^3"); // tree [•]
/// # let _ = forest;
/// ```
pub fn heavy_ball_symbolic(order: usize) -> (Arc<Forest>, Vec<BetaRational>) {
    let forest = Arc::new(Forest::new(order));
    let npts = (2 * order).max(2);
    let xs: Vec<Coef> = (0..npts).map(|i| r(-(i as i64) - 1, i as i64 + 2)).collect();
    let samples: Vec<BSeries> = xs.iter().map(|x| heavy_ball_in(x, forest.clone()).expect("beta != 1")).collect();
    let coeffs = forest
        .trees()
        .iter()
        .enumerate()
        .map(|(id, d)| {
            let k = 2 * d.order as u32 - 1;
            let m = (2 * d.order).saturating_sub(1).max(2);
            let ys: Vec<Coef> =
                xs[..m].iter().zip(&samples).map(|(x, s)| s.coefficient(id).mul(&pow1m(x, k))).collect();
            reduce(interpolate(&xs[..m], &ys), k)
        })
        .collect();
    (forest, coeffs)
}

fn pow1m(x: &Coef, k: u32) -> Coef {
    Coef::one().sub(x).pow(i64::from(k)).expect("non-negative power")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::bseries::modified::modified_equation;
    use crate::derive::bseries::tableau::ButcherTableau;

    /// β = 0 is explicit Euler (gradient descent).
    #[test]
    fn beta_zero_is_explicit_euler() {
        let hb = heavy_ball_modified_equation(&Coef::zero(), 7).unwrap();
        let ee = modified_equation(&BSeries::of_method(&ButcherTableau::named("euler").unwrap(), 7)).unwrap();
        assert_eq!(hb.coefficients(), ee.coefficients());
    }

    /// The interpolated rational functions reproduce the recursion at other β.
    #[test]
    fn symbolic_matches_rational() {
        let (forest, sym) = heavy_ball_symbolic(6);
        for beta in [r(1, 3), r(9, 10), r(-7, 5)] {
            let b = heavy_ball_in(&beta, forest.clone()).unwrap();
            for (s, c) in sym.iter().zip(b.coefficients()) {
                assert_eq!(&s.eval(&beta), c, "{s}");
            }
        }
    }
}
