//! Proposition A.10: local minima and zeros of `E` and of the modified loss.

use serde::Serialize;

use super::{modified_loss, Loss, Outcome, SplitMix};
use crate::flow::{flow, FlowConfig};

/// Settings of [`check_modified_minima`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinimaConfig {
    /// Learning rate `h` of the modified loss `Ẽ = E + (h/4)‖∇E‖²`.
    pub h: f64,
    /// Radii of the spheres sampled around each minimum.
    pub radii: Vec<f64>,
    /// Random directions per radius.
    pub samples_per_radius: usize,
    /// Seed of the (deterministic) direction generator.
    pub seed: u64,
    /// Values below this count as zero; also the allowed decrease in the neighbourhood test.
    pub zero_tol: f64,
    /// Time over which the modified gradient flow is followed from each descent start.
    pub descent_time: f64,
    /// Integrator settings of the descent.
    pub flow: FlowConfig,
}

impl Default for MinimaConfig {
    fn default() -> Self {
        MinimaConfig {
            h: 0.025,
            radii: vec![1e-1, 1e-2, 1e-3],
            samples_per_radius: 64,
            seed: 7,
            zero_tol: 1e-12,
            descent_time: 50.0,
            flow: FlowConfig { rtol: 1e-10, atol: 1e-12, ..FlowConfig::default() },
        }
    }
}

/// One candidate minimum of `E`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinimumCheck {
    /// The point.
    pub theta: Vec<f64>,
    /// `E(θ*)`.
    pub loss: f64,
    /// `Ẽ(θ*)`.
    pub modified_loss: f64,
    /// `min over samples of E(θ*+δ) − E(θ*)` (≥ 0 at a local minimum of E).
    pub min_rise_loss: f64,
    /// `min over samples of Ẽ(θ*+δ) − Ẽ(θ*)` (≥ 0 at a local minimum of Ẽ).
    pub min_rise_modified: f64,
    /// `E` rises (within `zero_tol`) at every sample around `θ*`: a local minimum of `E`, so the proposition
    /// applies to it.
    pub is_minimum_of_loss: bool,
    /// A local minimum of `E` (sampled) that is also one of `Ẽ`, and, when `E(θ*) = 0` and the loss is
    /// non-negative, `Ẽ(θ*) = 0`.
    pub pass: bool,
}

/// Where the modified gradient flow `θ' = −∇Ẽ` ended from one start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DescentLimit {
    /// Start point.
    pub start: Vec<f64>,
    /// End point after `descent_time` (`null` if the flow failed).
    pub limit: Option<Vec<f64>>,
    /// `E` at the end point.
    pub loss: f64,
    /// The flow's error message, if any.
    pub error: Option<String>,
}

/// Verdict of [`check_modified_minima`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MinimaVerdict {
    /// The claim checked.
    pub claim: String,
    /// Learning rate.
    pub h: f64,
    /// Per given minimum.
    pub minima: Vec<MinimumCheck>,
    /// `min (Ẽ − E)` and `min E` over every sampled point (both ≥ 0 for a non-negative loss).
    pub min_regulariser: f64,
    /// Smallest loss value seen.
    pub min_loss: f64,
    /// Limits of the modified gradient flow (informational: are `Ẽ`'s minimisers zeros of `E`?).
    pub descents: Vec<DescentLimit>,
    /// Every descent ended at a zero of `E` (within `sqrt(zero_tol)`).
    pub descents_end_at_zeros: bool,
    /// `E >= 0` at every sample: the hypothesis of the proposition's statement about zeros.
    pub nonnegative_loss: bool,
    /// Every given point is a local minimum of `E` (sampled), every one passed and `Ẽ >= E` at all samples.
    pub pass: bool,
    /// Pass; fail (a local minimum of `E` that is not one of `Ẽ`, or a zero of a non-negative `E` where `Ẽ` is
    /// not zero); or n/a when no given point is a local minimum of `E`.
    pub outcome: Outcome,
    /// What was not checked and why (n/a, or the zero statement skipped because `E < 0` somewhere).
    pub reason: Option<String>,
}

/// Proposition A.10 for a non-negative loss: each given local minimum `θ*` of `E` is a local
/// minimum of `Ẽ = E + (h/4)‖∇E‖²` (tested on random spheres of several radii), and zeros of
/// `E` are zeros of `Ẽ` (and conversely, since `Ẽ >= E >= 0` at every sample). Also follows
/// `θ' = −∇Ẽ` (Hessian-vector product by central differences of `∇E`) from `starts` and reports
/// where it ends.
pub fn check_modified_minima<L: Loss + ?Sized>(
    loss: &L,
    minima: &[Vec<f64>],
    starts: &[Vec<f64>],
    cfg: &MinimaConfig,
) -> MinimaVerdict {
    let mut rng = SplitMix(cfg.seed);
    let (mut min_reg, mut min_loss) = (f64::INFINITY, f64::INFINITY);
    let mut checks = Vec::with_capacity(minima.len());
    for theta in minima {
        let e0 = loss.value(theta);
        let m0 = modified_loss(loss, theta, cfg.h);
        let (mut rise_e, mut rise_m) = (f64::INFINITY, f64::INFINITY);
        // A non-finite sample means a domain edge next to the candidate (review: log(x) "minimum" at x = 1e-17,
        // its NaN samples at x < 0 dropped by min): not an interior local minimum.
        let mut edge = false;
        for &r in &cfg.radii {
            for _ in 0..cfg.samples_per_radius {
                let p: Vec<f64> = theta.iter().zip(rng.unit(theta.len())).map(|(t, u)| t + r * u).collect();
                let (e, m) = (loss.value(&p), modified_loss(loss, &p, cfg.h));
                edge |= !e.is_finite() || !m.is_finite();
                rise_e = rise_e.min(e - e0);
                rise_m = rise_m.min(m - m0);
                min_reg = min_reg.min(m - e);
                min_loss = min_loss.min(e);
            }
        }
        min_loss = min_loss.min(e0);
        checks.push(MinimumCheck {
            theta: theta.clone(),
            loss: e0,
            modified_loss: m0,
            min_rise_loss: rise_e,
            min_rise_modified: rise_m,
            is_minimum_of_loss: rise_e >= -cfg.zero_tol && !edge && e0.is_finite(),
            pass: false,
        });
    }
    // The statement about zeros assumes E >= 0 (found by review: the quartic, whose minimum value is -0.29, was
    // reported as a failure of the proposition although every minimum passed).
    let nonnegative = min_loss >= -cfg.zero_tol;
    for c in &mut checks {
        let zero_ok = !nonnegative || c.loss.abs() > cfg.zero_tol || c.modified_loss.abs() <= cfg.zero_tol;
        c.pass = c.is_minimum_of_loss && c.min_rise_modified >= -cfg.zero_tol && zero_ok;
    }
    let minima_checked: Vec<&MinimumCheck> = checks.iter().filter(|c| c.is_minimum_of_loss).collect();
    let outcome = if minima_checked.is_empty() {
        Outcome::NotApplicable
    } else if minima_checked.iter().all(|c| c.pass) && min_reg >= -cfg.zero_tol {
        Outcome::Pass
    } else {
        Outcome::Fail
    };
    let reason = if checks.is_empty() {
        Some("no candidate minimum to check".to_string())
    } else if minima_checked.is_empty() {
        Some(format!(
            "no point given is a local minimum of E (E falls by up to {:.3e} on the sampled spheres around it): the \
             proposition says nothing there",
            -checks.iter().map(|c| c.min_rise_loss).fold(f64::INFINITY, f64::min)
        ))
    } else if minima_checked.len() < checks.len() {
        Some(format!(
            "{} of the {} points given are not local minima of E and were skipped{}",
            checks.len() - minima_checked.len(),
            checks.len(),
            if nonnegative { "" } else { "; E takes negative values, so the statement about zeros was not checked" }
        ))
    } else if !nonnegative {
        Some(format!(
            "E takes negative values (down to {min_loss:.4}), so the statement about zeros (which assumes E >= 0) was \
             not checked; the statement about minima was"
        ))
    } else {
        None
    };
    let descents: Vec<DescentLimit> = starts.iter().map(|s| descend(loss, s, cfg)).collect();
    let zero_level = cfg.zero_tol.sqrt();
    MinimaVerdict {
        claim: "Prop. A.10: local minima and zeros of E are local minima and zeros of E + (h/4)|grad E|^2".into(),
        h: cfg.h,
        nonnegative_loss: nonnegative,
        pass: outcome == Outcome::Pass,
        outcome,
        reason,
        minima: checks,
        min_regulariser: min_reg,
        min_loss,
        descents_end_at_zeros: descents.iter().all(|d| d.error.is_none() && d.loss.abs() <= zero_level),
        descents,
    }
}

/// `−∇Ẽ(θ) = −∇E − (h/2) ∇²E ∇E`, the Hessian-vector product by central differences of `∇E`.
fn modified_field<L: Loss + ?Sized>(loss: &L, theta: &[f64], h: f64, out: &mut [f64]) {
    let g = loss.grad(theta);
    let gn = g.iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = theta.iter().fold(1.0f64, |m, v| m.max(v.abs()));
    let hv: Vec<f64> = if gn > 0.0 {
        let eps = 1e-6 * scale / gn;
        let plus: Vec<f64> = theta.iter().zip(&g).map(|(t, v)| t + eps * v).collect();
        let minus: Vec<f64> = theta.iter().zip(&g).map(|(t, v)| t - eps * v).collect();
        let (gp, gm) = (loss.grad(&plus), loss.grad(&minus));
        gp.iter().zip(&gm).map(|(a, b)| (a - b) / (2.0 * eps)).collect()
    } else {
        vec![0.0; g.len()]
    };
    for i in 0..out.len() {
        out[i] = -g[i] - 0.5 * h * hv[i];
    }
}

fn descend<L: Loss + ?Sized>(loss: &L, start: &[f64], cfg: &MinimaConfig) -> DescentLimit {
    let field = |th: &[f64], out: &mut [f64]| modified_field(loss, th, cfg.h, out);
    match flow(&field, start, cfg.descent_time, &cfg.flow) {
        Ok(limit) => DescentLimit { start: start.to_vec(), loss: loss.value(&limit), limit: Some(limit), error: None },
        Err(e) => DescentLimit { start: start.to_vec(), limit: None, loss: f64::NAN, error: Some(e.to_string()) },
    }
}
