//! The paper's propositions, checked numerically on a loss given as closures `(E, ∇E)`.
//!
//! - [`check_slope_identity`]: Proposition 3.3 / Corollary A.6.1, `slope(θ)² = m R_IG(θ)`,
//!   with the slope measured geometrically from the loss-surface normal;
//! - [`check_norm_growth`]: Proposition A.9, `‖θ_{n+1}‖ − ‖θ_n‖ <= h slope(θ_n)` along GD;
//! - [`check_modified_minima`]: Proposition A.10, minima and zeros of `E` and of the modified
//!   loss `E + (h/4)‖∇E‖²`;
//! - [`find_tracking_threshold`]: Remark 3.2, the learning rate beyond which the first-order
//!   modified flow stops tracking GD (by a stated criterion).
//!
//! Convention (paper, eq. 4): `R_IG(θ) = (1/m) Σ_i (∂_i E)²`, `λ = h m / 4`.

mod minima;
mod slope;
mod tracking;

use serde::Serialize;

pub use self::minima::{check_modified_minima, DescentLimit, MinimaConfig, MinimaVerdict, MinimumCheck};
pub use self::slope::{
    check_norm_growth, check_slope_identity, geometric_slope, slope_with_error, surface_normal, NormGrowthConfig,
    NormGrowthVerdict, SlopeConfig, SlopeIdentityVerdict, SlopePoint, MEASURABLE,
};
pub use self::tracking::{find_tracking_threshold, TrackingConfig, TrackingPoint, TrackingVerdict};

/// The outcome of a proposition's numeric check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// The statement held at every point checked, within the stated tolerance.
    #[serde(rename = "pass")]
    Pass,
    /// It failed somewhere beyond the tolerance.
    #[serde(rename = "fail")]
    Fail,
    /// Nothing to check: a hypothesis is not met or the experiment produced no data (the report's `reason` says
    /// which). Never a pass.
    #[serde(rename = "n/a")]
    NotApplicable,
}

/// A loss `E: R^m → R` with its gradient.
pub trait Loss {
    /// The number of parameters `m`.
    fn dim(&self) -> usize;
    /// `E(θ)`.
    fn value(&self, theta: &[f64]) -> f64;
    /// `∇E(θ)`.
    fn grad(&self, theta: &[f64]) -> Vec<f64>;
}

/// A [`Loss`] from two closures.
///
/// ```
/// use bea_verification::theorems::{ClosureLoss, Loss, r_ig};
/// let loss = ClosureLoss::new(2, |t: &[f64]| 0.5 * (t[0] * t[0] + t[1] * t[1]), |t: &[f64]| t.to_vec());
/// assert_eq!(r_ig(&loss, &[2.0, 0.0]), 2.0); // (1/m)‖∇E‖² = 4/2
/// ```
pub struct ClosureLoss<E, G> {
    dim: usize,
    value: E,
    grad: G,
}

impl<E, G> ClosureLoss<E, G>
where
    E: Fn(&[f64]) -> f64,
    G: Fn(&[f64]) -> Vec<f64>,
{
    /// Wraps `value` and `grad` for a loss of `dim` parameters.
    pub fn new(dim: usize, value: E, grad: G) -> Self {
        ClosureLoss { dim, value, grad }
    }
}

impl<E, G> Loss for ClosureLoss<E, G>
where
    E: Fn(&[f64]) -> f64,
    G: Fn(&[f64]) -> Vec<f64>,
{
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, theta: &[f64]) -> f64 {
        (self.value)(theta)
    }
    fn grad(&self, theta: &[f64]) -> Vec<f64> {
        (self.grad)(theta)
    }
}

/// The implicit gradient regularizer `R_IG(θ) = (1/m) ‖∇E(θ)‖²` (paper, eq. 4).
pub fn r_ig<L: Loss + ?Sized>(loss: &L, theta: &[f64]) -> f64 {
    let g = loss.grad(theta);
    g.iter().map(|v| v * v).sum::<f64>() / loss.dim() as f64
}

/// The modified loss `Ẽ = E + λ R_IG = E + (h/4) ‖∇E‖²` with `λ = h m / 4` (paper, eq. 2–3).
pub fn modified_loss<L: Loss + ?Sized>(loss: &L, theta: &[f64], h: f64) -> f64 {
    loss.value(theta) + h * loss.dim() as f64 / 4.0 * r_ig(loss, theta)
}

/// A small deterministic generator (SplitMix64) so that sampled checks are reproducible.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix(pub u64);

impl SplitMix {
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[-1, 1)`.
    pub(crate) fn symmetric(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }

    /// A uniformly random unit vector of length `m`: a normalised standard Gaussian vector (Box–Muller). Found by
    /// review: rejection from the cube into the ball accepts a fraction `π^(m/2)/Γ(m/2+1)/2^m` of draws (2.5e-8 at
    /// m = 20), so `bea theorems` hung at about 20 parameters.
    pub(crate) fn unit(&mut self, m: usize) -> Vec<f64> {
        loop {
            let v: Vec<f64> = (0..m)
                .map(|_| {
                    let u1 = (self.symmetric() + 1.0) / 2.0; // [0, 1)
                    let u2 = (self.symmetric() + 1.0) / 2.0;
                    (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
                })
                .collect();
            let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            if n > 1e-300 && n.is_finite() {
                return v.into_iter().map(|x| x / n).collect();
            }
        }
    }
}
