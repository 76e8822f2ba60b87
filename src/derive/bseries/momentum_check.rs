//! Numeric check of heavy-ball modified fields against the iterates (plain `f64`, self-contained).
//!
//! * **local error**: start on the truncated modified flow `Y` (`θ_0 = Y(0)`, `θ_1 = Y(h)`), take one
//!   heavy-ball step and compare `θ_2` with `Y(2h)`; for a field truncated after `h^N` this is
//!   `O(h^{N+2})`.
//! * **global error** at a fixed time `T = nh`, started on the flow (`θ_1 = Y(h)`): `O(h^{N+1})`.
//!   From the usual start `θ_1 = θ_0 - h∇E(θ_0)` (zero initial velocity) the iterates carry an
//!   extra `O(h)` offset from the initial transient, whatever `N`.
//!
//! The reference flow is classical RK4 with `substeps` steps per `h`.

/// A field `y ↦ G(y)`.
pub type Field<'a> = dyn Fn(&[f64]) -> Vec<f64> + 'a;

/// Numeric settings.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckConfig {
    /// RK4 substeps per step `h` for the reference flow.
    pub substeps: usize,
    /// Step sizes (geometric grid recommended).
    pub steps: Vec<f64>,
    /// Final time of the global-error check (in the time `t = nh`).
    pub final_time: f64,
}

impl Default for CheckConfig {
    fn default() -> Self {
        CheckConfig { substeps: 64, steps: vec![0.16, 0.08, 0.04, 0.02, 0.01], final_time: 1.0 }
    }
}

fn axpy(a: f64, x: &[f64], y: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(xi, yi)| a * xi + yi).collect()
}

/// Classical RK4 for `y' = G(y)` over time `t` with `n` steps.
pub fn rk4_flow(g: &Field, y0: &[f64], t: f64, n: usize) -> Vec<f64> {
    let dt = t / n as f64;
    let mut y = y0.to_vec();
    for _ in 0..n {
        let k1 = g(&y);
        let k2 = g(&axpy(dt / 2.0, &k1, &y));
        let k3 = g(&axpy(dt / 2.0, &k2, &y));
        let k4 = g(&axpy(dt, &k3, &y));
        for i in 0..y.len() {
            y[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    y
}

/// One heavy-ball step `θ_{n+1} = θ_n - h∇E(θ_n) + β(θ_n - θ_{n-1})`.
pub fn heavy_ball_step(grad: &Field, prev: &[f64], cur: &[f64], h: f64, beta: f64) -> Vec<f64> {
    let g = grad(cur);
    (0..cur.len()).map(|i| cur[i] - h * g[i] + beta * (cur[i] - prev[i])).collect()
}

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>().sqrt()
}

/// Least-squares slope of `log err` against `log h`.
pub fn fit_slope(hs: &[f64], errs: &[f64]) -> f64 {
    let xs: Vec<f64> = hs.iter().map(|h| h.ln()).collect();
    let ys: Vec<f64> = errs.iter().map(|e| e.ln()).collect();
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// Errors per step size and the fitted slope.
#[derive(Clone, Debug, PartialEq)]
pub struct SlopeReport {
    /// Step sizes.
    pub steps: Vec<f64>,
    /// Errors.
    pub errors: Vec<f64>,
    /// Fitted slope.
    pub slope: f64,
}

/// Local errors of the modified field `field(h)` (a field for each `h`) against one heavy-ball step.
pub fn local_errors(
    grad: &Field,
    field: &dyn Fn(f64) -> Box<Field<'static>>,
    y0: &[f64],
    beta: f64,
    cfg: &CheckConfig,
) -> SlopeReport {
    let errors: Vec<f64> = cfg
        .steps
        .iter()
        .map(|&h| {
            let g = field(h);
            let y1 = rk4_flow(&*g, y0, h, cfg.substeps);
            let y2 = rk4_flow(&*g, y0, 2.0 * h, 2 * cfg.substeps);
            dist(&heavy_ball_step(grad, y0, &y1, h, beta), &y2)
        })
        .collect();
    SlopeReport { slope: fit_slope(&cfg.steps, &errors), steps: cfg.steps.clone(), errors }
}

/// Global errors at `cfg.final_time`; `on_manifold` starts with `θ_1 = Y(h)`, otherwise with
/// `θ_1 = θ_0 - h∇E(θ_0)`.
pub fn global_errors(
    grad: &Field,
    field: &dyn Fn(f64) -> Box<Field<'static>>,
    y0: &[f64],
    beta: f64,
    on_manifold: bool,
    cfg: &CheckConfig,
) -> SlopeReport {
    let errors: Vec<f64> = cfg
        .steps
        .iter()
        .map(|&h| {
            let g = field(h);
            let n = (cfg.final_time / h).round() as usize;
            let mut prev = y0.to_vec();
            let mut cur = if on_manifold { rk4_flow(&*g, y0, h, cfg.substeps) } else { axpy(-h, &grad(y0), y0) };
            for _ in 1..n {
                let next = heavy_ball_step(grad, &prev, &cur, h, beta);
                prev = std::mem::replace(&mut cur, next);
            }
            let reference = rk4_flow(&*g, y0, n as f64 * h, n * cfg.substeps);
            dist(&cur, &reference)
        })
        .collect();
    SlopeReport { slope: fit_slope(&cfg.steps, &errors), steps: cfg.steps.clone(), errors }
}
