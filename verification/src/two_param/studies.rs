//! Fig. 1b (R_IG/E against the learning rate), Fig. A.1 (large-rate ricochet) and Fig. A.2
//! (EGR test error), plus the findings in words.

use serde::Serialize;

use super::runs::{descend, DescentLimits, Trajectory};
use super::{TwoParamConfig, TwoParamResult};

/// One learning rate of Fig. 1b.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fig1bPoint {
    /// Learning rate.
    pub h: f64,
    /// `λ = h m/4 = h/2`.
    pub lambda: f64,
    /// `a² + b²` at the end of training.
    pub norm2: f64,
    /// `R_IG/E = x²(a² + b²)` at the end (closed form; the numeric quotient is in `ratio_numeric`).
    pub ratio: f64,
    /// `R_IG/E` computed from `∇E` and `E` directly (`null` when `E = 0` exactly).
    pub ratio_numeric: Option<f64>,
    /// End point.
    #[serde(rename = "final")]
    pub final_point: [f64; 2],
    /// Steps taken.
    pub steps: usize,
    /// Converged.
    pub converged: bool,
    /// Diverged.
    pub diverged: bool,
}

/// Fig. A.1: GD at a large rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RicochetReport {
    /// Learning rate `h_L`.
    pub h: f64,
    /// Converged to a global minimum.
    pub converged: bool,
    /// Diverged.
    pub diverged: bool,
    /// End point.
    #[serde(rename = "final")]
    pub final_point: [f64; 2],
    /// `a² + b²` at the end.
    pub norm2: f64,
    /// `E` at the end.
    pub loss: f64,
    /// Steps taken.
    pub steps: usize,
    /// How often the residual `y − abx` changed sign (the iterate stepped over the hyperbola).
    pub crossings: usize,
    /// `h x²(a² + b²)` at the end: GD is linearly stable at a minimum only when this is `< 2`.
    pub stability_number: f64,
}

/// One EGR run of Fig. A.2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgrTestRun {
    /// EGR rate μ.
    pub mu: f64,
    /// Learning rate.
    pub h: f64,
    /// `(iteration, test error)` along training.
    pub curve: Vec<(usize, f64)>,
    /// Test error at the end.
    pub final_test_error: f64,
    /// Training loss at the end.
    pub final_train_loss: f64,
    /// End point.
    #[serde(rename = "final")]
    pub final_point: [f64; 2],
    /// Converged.
    pub converged: bool,
}

fn limits(cfg: &TwoParamConfig, max_time: f64) -> DescentLimits {
    DescentLimits { max_time, grad_tol: cfg.grad_tol, divergence_norm: cfg.divergence_norm, keep: cfg.plot_points }
}

/// Fig. 1b: GD from `theta0` at each rate of `cfg.fig1b_rates`, to convergence.
pub fn fig1b(cfg: &TwoParamConfig, theta0: [f64; 2]) -> Vec<Fig1bPoint> {
    let m = cfg.model;
    let lim = limits(cfg, cfg.sweep_max_time);
    cfg.fig1b_rates
        .iter()
        .map(|&h| {
            let tr = descend("fig1b", |t| m.grad(t), theta0, h, &lim, &[]);
            let e = m.loss(tr.last);
            Fig1bPoint {
                h,
                lambda: h / 2.0,
                norm2: tr.last[0].powi(2) + tr.last[1].powi(2),
                ratio: m.r_ig_over_loss(tr.last),
                ratio_numeric: (e > 0.0).then(|| {
                    let g = m.grad(tr.last);
                    (g[0] * g[0] + g[1] * g[1]) / 2.0 / e
                }),
                final_point: tr.last,
                steps: tr.steps,
                converged: tr.converged,
                diverged: tr.diverged,
            }
        })
        .collect()
}

/// Fig. A.1: GD at the large rate `h` from `theta0`.
pub fn ricochet(cfg: &TwoParamConfig, theta0: [f64; 2], h: f64) -> (RicochetReport, Trajectory) {
    let m = cfg.model;
    let tr = descend("gd_hL", |t| m.grad(t), theta0, h, &limits(cfg, cfg.sweep_max_time), &[]);
    let crossings = tr.points.windows(2).filter(|w| m.residual(w[0]).signum() != m.residual(w[1]).signum()).count();
    let rep = RicochetReport {
        h,
        converged: tr.converged,
        diverged: tr.diverged,
        final_point: tr.last,
        norm2: tr.last[0].powi(2) + tr.last[1].powi(2),
        loss: m.loss(tr.last),
        steps: tr.steps,
        crossings,
        stability_number: h * m.r_ig_over_loss(tr.last),
    };
    (rep, tr)
}

/// `0` and about `count` log-spaced step indices in `1..=total`.
fn log_marks(total: usize, count: usize) -> Vec<usize> {
    let mut m: Vec<usize> = std::iter::once(0)
        .chain((0..=count).map(|k| (total as f64).powf(k as f64 / count as f64).round() as usize))
        .collect();
    m.dedup();
    m
}

/// Test error of `run` at the recorded iteration closest to `n`.
fn test_error_near(run: &EgrTestRun, n: usize) -> f64 {
    run.curve.iter().min_by_key(|c| c.0.abs_diff(n)).map_or(f64::NAN, |c| c.1)
}

/// Fig. A.2: EGR (`E_μ`, eq. A.31) by GD at `cfg.egr_h` for each μ; test error
/// `(y_test − ab x_test)²/2` along training and at the end.
pub fn egr_test(cfg: &TwoParamConfig, theta0: [f64; 2]) -> Vec<EgrTestRun> {
    let m = cfg.model;
    let (xt, yt) = cfg.test_point;
    let lim = limits(cfg, cfg.sweep_max_time);
    let total = (cfg.sweep_max_time / cfg.egr_h).ceil() as usize;
    let marks = log_marks(total, 120);
    cfg.egr_mus
        .iter()
        .map(|&mu| {
            let tr = descend("egr", |t| m.regularised_grad(t, mu), theta0, cfg.egr_h, &lim, &marks);
            EgrTestRun {
                mu,
                h: cfg.egr_h,
                curve: marks.iter().zip(&tr.marks).map(|(&n, &t)| (n, m.loss_at(t, xt, yt))).collect(),
                final_test_error: m.loss_at(tr.last, xt, yt),
                final_train_loss: m.loss(tr.last),
                final_point: tr.last,
                converged: tr.converged,
            }
        })
        .collect()
}

/// The findings in words, from the numbers.
pub fn notes(res: &TwoParamResult) -> Vec<String> {
    let mut n = Vec::new();
    for d in &res.distances {
        let get = |s: &str| d.flows.iter().find(|f| f.flow.ends_with(s)).map(|f| f.max_distance);
        if let (Some(gf), Some(m1)) = (get("gradient_flow"), get("modified_dop853")) {
            n.push(format!(
                "point {}: max distance GD(h_M = {}) to gradient flow {:.3e}, to first-order modified flow {:.3e} ({:.1}x closer){}",
                d.point, d.h, gf, m1, gf / m1,
                get("modified2_dop853").map_or(String::new(), |m2| format!("; to second-order modified flow {m2:.3e} ({:.1}x closer than first order)", m1 / m2))
            ));
        }
    }
    if let (Some(a), Some(b)) = (res.fig1b.first(), res.fig1b.iter().rfind(|p| p.converged)) {
        n.push(format!(
            "Fig. 1b: R_IG/E at convergence goes from {:.4} (h = {}) to {:.4} (h = {}){}",
            a.ratio,
            a.h,
            b.ratio,
            b.h,
            if b.ratio < a.ratio { ": smaller for larger rates, as the paper reports" } else { ": NOT decreasing" }
        ));
    }
    for (label, t) in res.trajectories.iter().filter(|(_, t)| t.name.ends_with("egr")) {
        if let [p0, p1, ..] = t.points[..] {
            if p0[0] * p1[0] < 0.0 && p0[1] * p1[1] < 0.0 {
                n.push(format!(
                    "point {label}: the first EGR step (h = {}) overshoots through the origin to ({:.3}, {:.3}) before settling at ({:.4}, {:.4})",
                    t.h, p1[0], p1[1], t.last[0], t.last[1]
                ));
            }
        }
    }
    if let Some(r) = &res.ricochet {
        n.push(if r.converged {
            format!("Fig. A.1: h_L = {} converges after {} steps and {} crossings of the hyperbola to ({:.4}, {:.4}), a^2+b^2 = {:.4}", r.h, r.steps, r.crossings, r.final_point[0], r.final_point[1], r.norm2)
        } else if r.diverged {
            format!("Fig. A.1: h_L = {} diverges after {} steps", r.h, r.steps)
        } else {
            format!("Fig. A.1: h_L = {} has not converged after {} steps (E = {:.3e})", r.h, r.steps, r.loss)
        });
    }
    if res.egr_test.len() >= 2 {
        for it in [100, 300, 1000] {
            n.push(format!(
                "Fig. A.2 along training, iteration ~{it}: test error {}",
                res.egr_test
                    .iter()
                    .map(|r| format!("mu={}: {:.4}", r.mu, test_error_near(r, it)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let fin: Vec<f64> = res.egr_test.iter().map(|r| r.final_test_error).collect();
        let spread =
            fin.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - fin.iter().cloned().fold(f64::INFINITY, f64::min);
        n.push(format!(
            "Fig. A.2: final test errors for mu = {:?}: {:?} (spread {:.2e}); at convergence every run sits on ab = y/x, where the test error is (y_t - y x_t/x)^2/2 whatever mu, so the claim can only hold along training, not at convergence",
            res.egr_test.iter().map(|r| r.mu).collect::<Vec<_>>(),
            fin.iter().map(|v| format!("{v:.6}")).collect::<Vec<_>>(),
            spread
        ));
    }
    n
}
