//! The local error of a candidate modified field against a two-step map, started on the candidate's flow
//! (see the module doc of [`super`]).

use super::{guarded, Candidate, CheckError, TwoStepMap};
use crate::flow::{flow_increment, FlowConfig};

/// `‖Ψ_h(θ0, θ1) − φ_{2h}(θ0)‖₂` with `θ1 = φ_h(θ0)`, `φ` the flow of the candidate at this `h`.
/// Both flows are integrated from `θ0` as increments (so they carry no rounding of `θ0`); the error is
/// taken between increments too.
pub(super) fn local_error(
    step: &TwoStepMap<'_>,
    cand: &Candidate<'_>,
    theta0: &[f64],
    h: f64,
    flow_cfg: &FlowConfig,
) -> Result<f64, CheckError> {
    let field = |th: &[f64], out: &mut [f64]| (cand.field)(th, h, out);
    let flow = |t: f64| {
        guarded(h, || flow_increment(&field, theta0, t, flow_cfg))?.map_err(|source| CheckError::Flow { h, source })
    };
    let d1 = flow(h)?;
    let d2 = flow(2.0 * h)?;
    let theta1: Vec<f64> = theta0.iter().zip(&d1).map(|(t, d)| t + d).collect();
    let theta2 = guarded(h, || step(theta0, &theta1, h))?;
    if theta2.len() != theta0.len() || theta2.iter().any(|v| !v.is_finite()) {
        return Err(CheckError::BadTwoStep { h, theta_prev: theta0.to_vec(), theta: theta1, value: theta2 });
    }
    let err = theta2.iter().zip(&d2).zip(theta0).map(|((p, d), t)| ((p - t) - d).powi(2)).sum::<f64>().sqrt();
    Ok(err)
}
