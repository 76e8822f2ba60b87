//! The paper's two-parameter experiments (Section 5, Appendix A.4, Table A.1, Figures 1a,
//! 1b, A.1, A.2) on `E(a, b) = (y − abx)²/2` with `x = 1`, `y = 0.6`.
//!
//! Conventions, as in the paper:
//! - `R_IG = (1/m)‖∇E‖² = (a² + b²)x²E` with `m = 2` (eq. 4, A.25), so `R_IG/E = x²(a² + b²)`;
//! - the modified loss is `Ẽ = E + λ R_IG` with `λ = h m/4 = h/2` (eq. 3, A.26–A.28);
//! - EGR, as used in the experiments, is `E_μ = E(1 + μ(a² + b²)x²) = E + μ R_IG` (eq. A.31).
//!   Note that eq. 8 writes `E + μ‖∇E‖² = E + 2μ R_IG` for the same name: the two differ by
//!   the factor `m = 2`. We follow A.31 (Table A.1's μ values belong to the experiments).
//!
//! [`run`] computes everything and returns a serialisable [`TwoParamResult`];
//! [`write_outputs`] writes the JSON, the PNGs and a Markdown report, each atomically.

mod markdown;
mod model;
mod plots;
mod runs;
mod studies;

use std::sync::Arc;

use serde::Serialize;

pub use self::markdown::markdown_report;
pub use self::model::TwoParamModel;
pub use self::plots::write_outputs;
pub use self::runs::Trajectory;
use self::runs::{compare_steps, descend, distances, flow_run, DescentLimits};
pub use self::studies::{EgrTestRun, Fig1bPoint, RicochetReport};
use crate::flow::FlowConfig;

/// Hyper-parameters of one initial point (one column of Table A.1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InitialPoint {
    /// Label ("I", "II").
    pub label: String,
    /// `(a0, b0)`.
    pub theta0: [f64; 2],
    /// Small learning rate `h_S`.
    pub h_small: f64,
    /// Moderate learning rate `h_M` (also sets `λ = h_M/2` of the modified flow).
    pub h_moderate: f64,
    /// EGR rate `μ`.
    pub mu: f64,
    /// Step of the Euler integrations of the modified flow and of EGR (`h_Euler`).
    pub h_euler: f64,
    /// Physical time after which runs stop if not converged.
    pub max_time: f64,
}

/// A thread-safe truncated modified field `field(θ, h, out)`.
pub type SharedField = dyn Fn(&[f64], f64, &mut [f64]) + Send + Sync;

/// An extra truncated modified field to compare with GD at `h_M`: `field(θ, h, out)` writes
/// `f + h f_1 + … + h^N f_N` (for instance the engine's evaluator for `N = 2, 3`).
#[derive(Clone)]
pub struct ExtraField {
    /// Run name in the report.
    pub name: String,
    /// The field.
    pub field: Arc<SharedField>,
}

impl std::fmt::Debug for ExtraField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExtraField").field("name", &self.name).finish_non_exhaustive()
    }
}

/// Everything [`run`] computes. [`TwoParamConfig::full`] (the default) follows Table A.1;
/// [`TwoParamConfig::reduced`] is a seconds-long version for CI.
#[derive(Debug, Clone)]
pub struct TwoParamConfig {
    /// The model (data point).
    pub model: TwoParamModel,
    /// Initial points with their rates (Table A.1).
    pub points: Vec<InitialPoint>,
    /// Learning rates of Fig. 1b (GD from the first initial point, to convergence).
    pub fig1b_rates: Vec<f64>,
    /// Large rate `h_L` of Fig. A.1 (from the first initial point); `None` skips it.
    pub ricochet_rate: Option<f64>,
    /// Max physical time of the Fig. 1b and A.1 runs.
    pub sweep_max_time: f64,
    /// EGR rates `μ` of Fig. A.2.
    pub egr_mus: Vec<f64>,
    /// Learning rate of the Fig. A.2 EGR runs.
    pub egr_h: f64,
    /// Test point `(x, y)` of Fig. A.2.
    pub test_point: (f64, f64),
    /// A run has converged when its gradient norm is below this.
    pub grad_tol: f64,
    /// A run has diverged beyond this parameter norm.
    pub divergence_norm: f64,
    /// Comparison times `t = n h_M` between GD and the flows.
    pub compare_points: usize,
    /// Plot points per trajectory (about).
    pub plot_points: usize,
    /// Dop853 settings of the accurate flows.
    pub flow: FlowConfig,
    /// Extra truncated modified fields compared with GD at `h_M`.
    pub extra_fields: Vec<ExtraField>,
}

impl Default for TwoParamConfig {
    fn default() -> Self {
        Self::full()
    }
}

impl TwoParamConfig {
    /// Table A.1 in full: both initial points with their rates, Fig. 1b over 12 rates.
    pub fn full() -> Self {
        TwoParamConfig {
            model: TwoParamModel::default(),
            points: vec![
                InitialPoint {
                    label: "I".into(),
                    theta0: [2.8, 3.5],
                    h_small: 1e-3,
                    h_moderate: 2.5e-2,
                    mu: 0.5,
                    h_euler: 1e-4,
                    max_time: 20.0,
                },
                InitialPoint {
                    label: "II".into(),
                    theta0: [75.0, 74.925],
                    h_small: 1e-6,
                    h_moderate: 0.5e-4,
                    mu: 4.1e-2,
                    h_euler: 5e-7,
                    max_time: 8.0,
                },
            ],
            fig1b_rates: vec![1e-3, 2e-3, 4e-3, 6e-3, 8e-3, 1e-2, 1.2e-2, 1.5e-2, 1.8e-2, 2e-2, 2.2e-2, 2.5e-2],
            ricochet_rate: Some(0.18),
            sweep_max_time: 40.0,
            egr_mus: vec![0.0, 0.01, 0.05, 0.1, 0.5],
            egr_h: 1e-3,
            test_point: (0.5, 0.6),
            grad_tol: 1e-12,
            divergence_norm: 1e6,
            compare_points: 200,
            plot_points: 1500,
            flow: FlowConfig { rtol: 1e-12, atol: 1e-14, max_steps: 1_000_000, ..FlowConfig::default() },
            extra_fields: Vec::new(),
        }
    }

    /// A CI-sized version: point II runs only to `t = 0.05` (its fast transient), fewer
    /// Fig. 1b rates and μ values, shorter sweeps, fewer plot points.
    pub fn reduced() -> Self {
        let mut c = Self::full();
        c.points[1].max_time = 0.05;
        c.fig1b_rates = vec![2e-3, 1e-2, 2.5e-2];
        c.egr_mus = vec![0.0, 0.1, 0.5];
        c.sweep_max_time = 20.0;
        c.compare_points = 50;
        c.plot_points = 300;
        c
    }
}

/// Summary of one run: `{"name","h","final":[a,b],"norm2",...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Run name (`gd_hS`, `gd_hM`, `gradient_flow`, `modified_euler`, `modified_dop853`,
    /// `modified2_dop853`, `egr`, extras); point II's names carry the prefix `II_`.
    pub name: String,
    /// Initial point label.
    pub point: String,
    /// Learning rate / Euler step; for Dop853 flows the integrated time span.
    pub h: f64,
    /// Last point `[a, b]`.
    #[serde(rename = "final")]
    pub final_point: [f64; 2],
    /// `a² + b²` at the last point.
    pub norm2: f64,
    /// `E` at the last point.
    pub loss: f64,
    /// Steps (descents) or 0 (flows).
    pub steps: usize,
    /// Physical time reached.
    pub time: f64,
    /// Converged (gradient norm below the tolerance).
    pub converged: bool,
    /// Diverged or failed.
    pub diverged: bool,
    /// A failure message.
    pub error: Option<String>,
}

/// Distance between the GD iterates at `h_M` and one flow at `t = n h_M`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowDistance {
    /// The flow's run name.
    pub flow: String,
    /// `max_n ‖θ_n − θ(n h_M)‖` over the comparison times.
    pub max_distance: f64,
    /// The distance at the last comparison time.
    pub final_distance: f64,
}

/// How close GD at `h_M` stays to each flow (Theorem 3.1, Fig. 1a).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceReport {
    /// Initial point label.
    pub point: String,
    /// `h_M`.
    pub h: f64,
    /// Comparison times used.
    pub compared: usize,
    /// One entry per flow.
    pub flows: Vec<FlowDistance>,
    /// GD is closer (max distance) to the first-order modified flow than to the gradient flow.
    pub closer_to_modified: bool,
}

/// Everything [`run`] produced.
#[derive(Debug, Clone, Serialize)]
pub struct TwoParamResult {
    /// Which `R_IG` convention the ratios use.
    pub r_ig_convention: String,
    /// The EGR definition used.
    pub egr_definition: String,
    /// Run summaries (Fig. 1a).
    pub runs: Vec<RunSummary>,
    /// GD-to-flow distances per initial point.
    pub distances: Vec<DistanceReport>,
    /// Fig. 1b: `R_IG/E` at convergence against the learning rate.
    pub fig1b: Vec<Fig1bPoint>,
    /// Fig. A.1: the large-rate run.
    pub ricochet: Option<RicochetReport>,
    /// Fig. A.2: EGR test error.
    pub egr_test: Vec<EgrTestRun>,
    /// Findings in words.
    pub notes: Vec<String>,
    /// Wall time of [`run`] in seconds.
    pub seconds: f64,
    /// Full trajectories for the plots (not serialised).
    #[serde(skip)]
    pub trajectories: Vec<(String, Trajectory)>,
}

/// Runs all experiments of `cfg`. Never panics on divergence: diverged runs are reported.
pub fn run(cfg: &TwoParamConfig) -> TwoParamResult {
    let start = std::time::Instant::now();
    let mut res = TwoParamResult {
        r_ig_convention: "R_IG = (1/m)|grad E|^2 = (a^2+b^2) x^2 E with m = 2 (eq. 4, A.25); R_IG/E = x^2 (a^2+b^2)".into(),
        egr_definition: "E_mu = E (1 + mu (a^2+b^2) x^2) = E + mu R_IG (eq. A.31; eq. 8's E + mu|grad E|^2 is twice this regulariser)".into(),
        runs: Vec::new(),
        distances: Vec::new(),
        fig1b: Vec::new(),
        ricochet: None,
        egr_test: Vec::new(),
        notes: Vec::new(),
        seconds: 0.0,
        trajectories: Vec::new(),
    };
    for (i, p) in cfg.points.iter().enumerate() {
        let prefix = if i == 0 { String::new() } else { format!("{}_", p.label) };
        fig1a_point(cfg, p, &prefix, &mut res);
    }
    if let Some(p0) = cfg.points.first() {
        res.fig1b = studies::fig1b(cfg, p0.theta0);
        res.ricochet = cfg.ricochet_rate.map(|h| {
            let (rep, tr) = studies::ricochet(cfg, p0.theta0, h);
            res.trajectories.push((p0.label.clone(), tr));
            rep
        });
        res.egr_test = studies::egr_test(cfg, p0.theta0);
    }
    res.notes = studies::notes(&res);
    res.seconds = start.elapsed().as_secs_f64();
    res
}

fn summary(cfg: &TwoParamConfig, point: &str, tr: &Trajectory) -> RunSummary {
    RunSummary {
        name: tr.name.clone(),
        point: point.into(),
        h: tr.h,
        final_point: tr.last,
        norm2: tr.last[0].powi(2) + tr.last[1].powi(2),
        loss: cfg.model.loss(tr.last),
        steps: tr.steps,
        time: tr.time,
        converged: tr.converged,
        diverged: tr.diverged,
        error: tr.error.clone(),
    }
}

/// Fig. 1a for one initial point: the runs, and the distances of GD at `h_M` to each flow.
fn fig1a_point(cfg: &TwoParamConfig, p: &InitialPoint, prefix: &str, res: &mut TwoParamResult) {
    let lim = DescentLimits {
        max_time: p.max_time,
        grad_tol: cfg.grad_tol,
        divergence_norm: cfg.divergence_norm,
        keep: cfg.plot_points,
    };
    let total = (p.max_time / p.h_moderate).ceil() as usize;
    let steps_m = compare_steps(total, cfg.compare_points);
    let mut trs = fig1a_descents(cfg, p, prefix, &lim, &steps_m);
    trs.extend(fig1a_flows(cfg, p, prefix, &lim, &steps_m));
    res.distances.push(distance_report(p, prefix, &trs, steps_m.len()));
    for tr in trs {
        res.runs.push(summary(cfg, &p.label, &tr));
        res.trajectories.push((p.label.clone(), tr));
    }
}

/// GD at `h_S` and `h_M` (eq. A.30), Euler at `h_Euler` on the modified loss (A.28, λ = h_M/2)
/// and EGR (A.32); GD at `h_M` and the Euler run record the comparison steps.
fn fig1a_descents(
    cfg: &TwoParamConfig,
    p: &InitialPoint,
    prefix: &str,
    lim: &DescentLimits,
    steps_m: &[usize],
) -> Vec<Trajectory> {
    let m = cfg.model;
    let lambda = p.h_moderate / 2.0;
    let name = |s: &str| format!("{prefix}{s}");
    let ratio = p.h_moderate / p.h_euler;
    let euler_marks: Vec<usize> = if (ratio - ratio.round()).abs() < 1e-9 {
        steps_m.iter().map(|&n| n * ratio.round() as usize).collect()
    } else {
        Vec::new()
    };
    vec![
        descend(&name("gd_hS"), |t| m.grad(t), p.theta0, p.h_small, lim, &[]),
        descend(&name("gd_hM"), |t| m.grad(t), p.theta0, p.h_moderate, lim, steps_m),
        descend(&name("modified_euler"), |t| m.regularised_grad(t, lambda), p.theta0, p.h_euler, lim, &euler_marks),
        descend(&name("egr"), |t| m.regularised_grad(t, p.mu), p.theta0, p.h_euler, lim, &[]),
    ]
}

/// Dop853 flows: gradient flow (A.29), first-order modified flow (A.28), the hand-written
/// second-order modified flow, and the configured extra fields, all at `h = h_M`.
fn fig1a_flows(
    cfg: &TwoParamConfig,
    p: &InitialPoint,
    prefix: &str,
    lim: &DescentLimits,
    steps_m: &[usize],
) -> Vec<Trajectory> {
    let m = cfg.model;
    let lambda = p.h_moderate / 2.0;
    let times: Vec<f64> = steps_m.iter().map(|&n| n as f64 * p.h_moderate).collect();
    let flow = |nm: &str, f: &dyn Fn(&[f64], &mut [f64])| {
        flow_run(&format!("{prefix}{nm}"), f, p.theta0, lim, &times, &cfg.flow)
    };
    let neg = |g: [f64; 2], o: &mut [f64]| {
        o[0] = -g[0];
        o[1] = -g[1];
    };
    let mut trs = vec![
        flow("gradient_flow", &|t, o| neg(m.grad([t[0], t[1]]), o)),
        flow("modified_dop853", &|t, o| neg(m.regularised_grad([t[0], t[1]], lambda), o)),
        flow("modified2_dop853", &|t, o| o.copy_from_slice(&m.second_order_field([t[0], t[1]], p.h_moderate))),
    ];
    for x in &cfg.extra_fields {
        trs.push(flow(&x.name, &|t, o| (x.field)(t, p.h_moderate, o)));
    }
    trs
}

fn distance_report(p: &InitialPoint, prefix: &str, trs: &[Trajectory], compared: usize) -> DistanceReport {
    let gd = trs.iter().find(|t| t.name == format!("{prefix}gd_hM"));
    let flows: Vec<FlowDistance> = trs
        .iter()
        .filter(|t| !t.name.contains("gd_") && !t.name.ends_with("egr") && !t.marks.is_empty())
        .filter_map(|t| {
            let gd = gd?;
            let (max_distance, final_distance) = distances(&gd.marks, &t.marks);
            Some(FlowDistance { flow: t.name.clone(), max_distance, final_distance })
        })
        .collect();
    let get = |s: &str| flows.iter().find(|f| f.flow == format!("{prefix}{s}")).map(|f| f.max_distance);
    DistanceReport {
        point: p.label.clone(),
        h: p.h_moderate,
        compared,
        closer_to_modified: matches!((get("modified_dop853"), get("gradient_flow")), (Some(a), Some(b)) if a < b),
        flows,
    }
}

/// Remark 3.2 on this model: [`crate::theorems::find_tracking_threshold`] with the
/// hand-written first-order modified field `−∇(E + (h/2) R_IG)` (eq. A.28, `λ = h/2`).
pub fn remark_3_2(
    model: &TwoParamModel,
    theta0: [f64; 2],
    cfg: &crate::theorems::TrackingConfig,
) -> crate::theorems::TrackingVerdict {
    let modified = |t: &[f64], h: f64, out: &mut [f64]| {
        let g = model.regularised_grad([t[0], t[1]], h / 2.0);
        out[0] = -g[0];
        out[1] = -g[1];
    };
    crate::theorems::find_tracking_threshold(model, &modified, &theta0, cfg)
}

/// `count` points on the global-minimum hyperbola `ab = y/x` with `a` spread over
/// `[a_min, a_max]` (both branches when `a_min < 0`), for Proposition A.10.
///
/// ```
/// use bea_verification::two_param::{hyperbola_points, TwoParamModel};
/// let m = TwoParamModel::default();
/// for p in hyperbola_points(&m, 0.2, 3.0, 5) {
///     assert!(m.loss([p[0], p[1]]) < 1e-30);
/// }
/// ```
pub fn hyperbola_points(model: &TwoParamModel, a_min: f64, a_max: f64, count: usize) -> Vec<Vec<f64>> {
    let c = model.y / model.x;
    (0..count)
        .map(|k| a_min + (a_max - a_min) * k as f64 / (count.max(2) - 1) as f64)
        .filter(|a| a.abs() > 1e-9)
        .map(|a| vec![a, c / a])
        .collect()
}
