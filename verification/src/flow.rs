//! Accurate flows of autonomous vector fields, integrated by ode_solvers' `Dop853`.
//!
//! The "exact" flow against which a one-step map is compared (paper, Section 3 and
//! Appendix A.1: the local error `||θ_1 − θ(h)||`). All of ode_solvers' positional
//! constructor arguments live in one named-field [`FlowConfig`].
//!
//! Two choices keep the integration error near the rounding floor:
//! - the state integrated is the *deviation* `y(t) = θ(t) − θ_start`, so `rtol`
//!   acts on the small increment rather than on `θ` itself;
//! - results are taken at step end points (sparse output), never from dense output.

use std::cell::RefCell;

use nalgebra::DVector;
use ode_solvers::{Dop853, OutputType, System};
use serde::Serialize;

/// Tolerances and limits for [`flow`] and [`flow_at`]: the arguments of
/// `ode_solvers::Dop853::from_param`, by name.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FlowConfig {
    /// Relative tolerance of the step-size controller.
    pub rtol: f64,
    /// Absolute tolerance (on the deviation from the segment's start point).
    pub atol: f64,
    /// Maximum number of step attempts per integrated segment.
    pub max_steps: u32,
    /// Safety factor of the step-size controller (ode_solvers' default 0.9).
    pub safety_factor: f64,
    /// Smallest allowed ratio between two successive steps (default 0.333).
    pub fac_min: f64,
    /// Largest allowed ratio between two successive steps (default 6).
    pub fac_max: f64,
    /// Largest step; `None` means the whole segment.
    pub h_max: Option<f64>,
    /// First step; `0.0` lets Dop853 choose.
    pub initial_step: f64,
    /// Test for stiffness every this many accepted steps (ode_solvers' default 1000).
    pub stiffness_check_every: u32,
}

impl Default for FlowConfig {
    fn default() -> Self {
        FlowConfig {
            rtol: 1e-14,
            atol: 1e-20,
            max_steps: 100_000,
            safety_factor: 0.9,
            fac_min: 0.333,
            fac_max: 6.0,
            h_max: None,
            initial_step: 0.0,
            stiffness_check_every: 1000,
        }
    }
}

/// Why a flow could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize)]
#[serde(tag = "kind")]
#[non_exhaustive]
pub enum FlowError {
    /// The field returned NaN or ±inf.
    #[error("the field is not finite (NaN or inf) at theta = {theta:?} (t = {t})")]
    NonFinite {
        /// Where the field was evaluated.
        theta: Vec<f64>,
        /// Time along the flow.
        t: f64,
    },
    /// Dop853 needed more step attempts than `max_steps`.
    #[error("integrator stopped at t = {t}: needs more than {max_steps} steps")]
    MaxSteps {
        /// Time reached.
        t: f64,
        /// The limit from [`FlowConfig::max_steps`].
        max_steps: u32,
    },
    /// The step size fell below the rounding level of `t`.
    #[error("integrator stopped at t = {t}: step size underflow")]
    StepSizeUnderflow {
        /// Time reached.
        t: f64,
    },
    /// Dop853's stiffness test fired.
    #[error("integrator stopped at t = {t}: the problem looks stiff")]
    Stiff {
        /// Time reached.
        t: f64,
    },
    /// The start point or the requested times are unusable.
    #[error("invalid flow request: {reason}")]
    Invalid {
        /// What was wrong.
        reason: String,
    },
}

/// ode_solvers `System` over the deviation from `base`; records the first non-finite value.
struct Deviation<'a, F> {
    field: &'a F,
    base: &'a [f64],
    theta: RefCell<Vec<f64>>,
    bad: &'a RefCell<Option<(Vec<f64>, f64)>>,
}

impl<F: Fn(&[f64], &mut [f64])> System<f64, DVector<f64>> for Deviation<'_, F> {
    fn system(&self, t: f64, y: &DVector<f64>, dy: &mut DVector<f64>) {
        let mut theta = self.theta.borrow_mut();
        for (i, th) in theta.iter_mut().enumerate() {
            *th = self.base[i] + y[i];
        }
        (self.field)(&theta, dy.as_mut_slice());
        if dy.iter().any(|v| !v.is_finite()) || theta.iter().any(|v| !v.is_finite()) {
            let mut bad = self.bad.borrow_mut();
            if bad.is_none() {
                *bad = Some((theta.clone(), t));
            }
        }
    }

    fn solout(&mut self, _t: f64, _y: &DVector<f64>, _dy: &DVector<f64>) -> bool {
        self.bad.borrow().is_some()
    }
}

/// The flow `φ_t(θ0)` of the autonomous field `θ' = field(θ)` at time `t >= 0`,
/// computed by Dop853 with the tolerances of `cfg` (one segment, step end points).
///
/// ```
/// use bea_verification::flow::{flow, FlowConfig};
/// // θ' = −θ: φ_1(2) = 2/e.
/// let y = flow(&|th: &[f64], out: &mut [f64]| out[0] = -th[0], &[2.0], 1.0, &FlowConfig::default()).unwrap();
/// assert!((y[0] - 2.0 * (-1.0f64).exp()).abs() < 1e-14);
/// ```
pub fn flow<F>(field: &F, theta0: &[f64], t: f64, cfg: &FlowConfig) -> Result<Vec<f64>, FlowError>
where
    F: Fn(&[f64], &mut [f64]),
{
    let y = flow_increment(field, theta0, t, cfg)?;
    let out: Vec<f64> = theta0.iter().zip(&y).map(|(a, d)| a + d).collect();
    if out.iter().any(|v| !v.is_finite()) {
        return Err(FlowError::NonFinite { theta: out, t });
    }
    Ok(out)
}

/// The increment `φ_t(θ0) − θ0`, integrated directly as the state (so it carries no
/// rounding of `θ0`); see [`flow`].
///
/// ```
/// use bea_verification::flow::{flow_increment, FlowConfig};
/// // θ' = 1: the increment over t = 1e-3 from θ0 = 1e6 is exactly 1e-3.
/// let d = flow_increment(&|_: &[f64], out: &mut [f64]| out[0] = 1.0, &[1e6], 1e-3, &FlowConfig::default()).unwrap();
/// assert!((d[0] - 1e-3).abs() < 1e-18);
/// ```
pub fn flow_increment<F>(field: &F, theta0: &[f64], t: f64, cfg: &FlowConfig) -> Result<Vec<f64>, FlowError>
where
    F: Fn(&[f64], &mut [f64]),
{
    if !(t.is_finite() && t >= 0.0) {
        return Err(FlowError::Invalid { reason: format!("time {t} must be finite and >= 0") });
    }
    if theta0.is_empty() || theta0.iter().any(|v| !v.is_finite()) {
        return Err(FlowError::Invalid { reason: format!("start point {theta0:?} must be non-empty and finite") });
    }
    if t == 0.0 {
        return Ok(vec![0.0; theta0.len()]);
    }
    let bad = RefCell::new(None);
    let system = Deviation { field, base: theta0, theta: RefCell::new(theta0.to_vec()), bad: &bad };
    let mut solver = Dop853::from_param(
        system,
        0.0,
        t,
        0.0,
        DVector::zeros(theta0.len()),
        cfg.rtol,
        cfg.atol,
        cfg.safety_factor,
        0.0,
        cfg.fac_min,
        cfg.fac_max,
        cfg.h_max.unwrap_or(t),
        cfg.initial_step,
        cfg.max_steps,
        cfg.stiffness_check_every,
        OutputType::Sparse,
    );
    let outcome = solver.integrate();
    let reached = solver.x_out().last().copied().unwrap_or(0.0);
    let y = solver.y_out().last().cloned();
    drop(solver);
    if let Some((theta, tb)) = bad.into_inner() {
        return Err(FlowError::NonFinite { theta, t: tb });
    }
    finish(outcome, reached, y, t, cfg)
}

fn finish(
    outcome: Result<ode_solvers::dop_shared::Stats, ode_solvers::dop_shared::IntegrationError>,
    reached: f64,
    y: Option<DVector<f64>>,
    t: f64,
    cfg: &FlowConfig,
) -> Result<Vec<f64>, FlowError> {
    use ode_solvers::dop_shared::IntegrationError as IE;
    match outcome {
        Err(IE::MaxNumStepReached { x, .. }) => Err(FlowError::MaxSteps { t: x, max_steps: cfg.max_steps }),
        Err(IE::StepSizeUnderflow { x }) => Err(FlowError::StepSizeUnderflow { t: x }),
        Err(IE::StiffnessDetected { x }) => Err(FlowError::Stiff { t: x }),
        Ok(_) => {
            let y = y.ok_or_else(|| FlowError::Invalid { reason: "integrator produced no output".into() })?;
            if (reached - t).abs() > 1e-12 * t.max(1.0) {
                return Err(FlowError::Invalid { reason: format!("integration stopped at t = {reached} before {t}") });
            }
            let out: Vec<f64> = y.iter().copied().collect();
            if out.iter().any(|v| !v.is_finite()) {
                return Err(FlowError::NonFinite { theta: out, t });
            }
            Ok(out)
        }
    }
}

/// The flow of `field` from `theta0` sampled at the increasing times `times` (all `>= 0`),
/// integrated segment by segment (each segment restarts Dop853 at the previous sample,
/// so every sample is a step end point). Returns one point per time.
///
/// ```
/// use bea_verification::flow::{flow_at, FlowConfig};
/// let ys = flow_at(&|th: &[f64], out: &mut [f64]| out[0] = -th[0], &[1.0], &[0.5, 1.0], &FlowConfig::default()).unwrap();
/// assert!((ys[1][0] - (-1.0f64).exp()).abs() < 1e-14);
/// ```
pub fn flow_at<F>(field: &F, theta0: &[f64], times: &[f64], cfg: &FlowConfig) -> Result<Vec<Vec<f64>>, FlowError>
where
    F: Fn(&[f64], &mut [f64]),
{
    let mut out = Vec::with_capacity(times.len());
    let mut current = theta0.to_vec();
    let mut t_prev = 0.0;
    for &t in times {
        if t.is_nan() || t < t_prev {
            return Err(FlowError::Invalid {
                reason: format!("times must be increasing and >= 0 (got {t} after {t_prev})"),
            });
        }
        current = flow(field, &current, t - t_prev, cfg).map_err(|e| shift_time(e, t_prev))?;
        out.push(current.clone());
        t_prev = t;
    }
    Ok(out)
}

fn shift_time(e: FlowError, t0: f64) -> FlowError {
    match e {
        FlowError::NonFinite { theta, t } => FlowError::NonFinite { theta, t: t + t0 },
        FlowError::MaxSteps { t, max_steps } => FlowError::MaxSteps { t: t + t0, max_steps },
        FlowError::StepSizeUnderflow { t } => FlowError::StepSizeUnderflow { t: t + t0 },
        FlowError::Stiff { t } => FlowError::Stiff { t: t + t0 },
        other => other,
    }
}
