//! Trajectories of the two-parameter experiments: fixed-step descents (GD, Euler on the
//! modified loss, EGR) and accurate Dop853 flows.

use serde::Serialize;

use crate::flow::{flow_at, FlowConfig};

/// A computed trajectory, subsampled for plotting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trajectory {
    /// Run name, e.g. `gd_hM`.
    pub name: String,
    /// Step size (learning rate, Euler step), or the time span for a Dop853 flow.
    pub h: f64,
    /// Subsampled points `(a, b)`, first and last included.
    pub points: Vec<[f64; 2]>,
    /// Last finite point.
    pub last: [f64; 2],
    /// Steps taken (0 for flows).
    pub steps: usize,
    /// Physical time reached (`steps · h` for descents).
    pub time: f64,
    /// The gradient norm fell below the tolerance.
    pub converged: bool,
    /// The run left the divergence radius or became non-finite.
    pub diverged: bool,
    /// Why a flow failed, if it did.
    pub error: Option<String>,
    /// Values at the requested step indices / times (see `descend`, `flow_run`).
    #[serde(skip)]
    pub marks: Vec<[f64; 2]>,
}

/// Limits of a fixed-step descent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DescentLimits {
    /// Stop after this physical time (`ceil(max_time/h)` steps).
    pub max_time: f64,
    /// Stop when `‖g(θ)‖` falls below this.
    pub grad_tol: f64,
    /// Diverged when `‖θ‖` exceeds this.
    pub divergence_norm: f64,
    /// Plot points kept (about).
    pub keep: usize,
}

fn keep_step(n: usize, stride: usize) -> bool {
    n < 200 || n.is_multiple_of(stride)
}

/// Fixed-step descent `θ_{n+1} = θ_n − h g(θ_n)` (GD, eq. A.30; Euler on A.28; EGR, eq. A.32).
/// `marks` (increasing step indices) are recorded exactly; after convergence the converged
/// point stands for later marks.
pub fn descend<G>(name: &str, g: G, theta0: [f64; 2], h: f64, lim: &DescentLimits, marks: &[usize]) -> Trajectory
where
    G: Fn([f64; 2]) -> [f64; 2],
{
    let max_steps = (lim.max_time / h).ceil().max(1.0) as usize;
    let stride = (max_steps / lim.keep.max(1)).max(1);
    let mut t = theta0;
    let mut tr = Trajectory {
        name: name.into(),
        h,
        points: vec![theta0],
        last: theta0,
        steps: 0,
        time: 0.0,
        converged: false,
        diverged: false,
        error: None,
        marks: Vec::with_capacity(marks.len()),
    };
    let mut mark = marks.iter().peekable();
    while mark.peek() == Some(&&0) {
        tr.marks.push(t);
        mark.next();
    }
    for n in 1..=max_steps {
        let d = g(t);
        if (d[0] * d[0] + d[1] * d[1]).sqrt() < lim.grad_tol {
            tr.converged = true;
            break;
        }
        let next = [t[0] - h * d[0], t[1] - h * d[1]];
        let norm = (next[0] * next[0] + next[1] * next[1]).sqrt();
        if !norm.is_finite() || norm > lim.divergence_norm {
            tr.diverged = true;
            break;
        }
        t = next;
        tr.steps = n;
        if keep_step(n, stride) {
            tr.points.push(t);
        }
        while mark.peek() == Some(&&n) {
            tr.marks.push(t);
            mark.next();
        }
    }
    if tr.converged {
        mark.for_each(|_| tr.marks.push(t));
    }
    if tr.points.last() != Some(&t) {
        tr.points.push(t);
    }
    tr.last = t;
    tr.time = tr.steps as f64 * h;
    tr
}

/// The flow of `field` by Dop853 from `theta0` to `lim.max_time`: plot samples at
/// `lim.keep / 3` times (dense near 0, where the fast transients are), and the values at
/// `mark_times`; converged when `‖field‖ < lim.grad_tol` at the end.
pub fn flow_run<F>(
    name: &str,
    field: F,
    theta0: [f64; 2],
    lim: &DescentLimits,
    mark_times: &[f64],
    cfg: &FlowConfig,
) -> Trajectory
where
    F: Fn(&[f64], &mut [f64]),
{
    let (max_time, keep, grad_tol) = (lim.max_time, (lim.keep / 3).max(2), lim.grad_tol);
    let mut times: Vec<f64> = (1..=keep).map(|k| max_time * (k as f64 / keep as f64).powi(3)).collect();
    times.dedup();
    let mut tr = Trajectory {
        name: name.into(),
        h: max_time,
        points: vec![theta0],
        last: theta0,
        steps: 0,
        time: 0.0,
        converged: false,
        diverged: false,
        error: None,
        marks: Vec::new(),
    };
    let plotted = flow_at(&field, &theta0, &times, cfg);
    let marked = flow_at(&field, &theta0, mark_times, cfg);
    match plotted.and_then(|p| marked.map(|m| (p, m))) {
        Ok((p, m)) => {
            tr.points.extend(p.iter().map(|v| [v[0], v[1]]));
            tr.marks = m.iter().map(|v| [v[0], v[1]]).collect();
            tr.last = *tr.points.last().unwrap_or(&theta0);
            tr.time = max_time;
            let mut d = [0.0; 2];
            field(&tr.last, &mut d);
            tr.converged = (d[0] * d[0] + d[1] * d[1]).sqrt() < grad_tol;
        }
        Err(e) => {
            tr.diverged = true;
            tr.error = Some(e.to_string());
        }
    }
    tr
}

/// Step indices `n` at which GD iterates are compared with flows at `t = n h`: the first
/// few, then `count` evenly spaced up to `total`.
pub fn compare_steps(total: usize, count: usize) -> Vec<usize> {
    let mut n: Vec<usize> = (0..=total.min(10)).collect();
    n.extend((1..=count).map(|k| ((total as f64) * k as f64 / count as f64).round() as usize));
    n.retain(|&v| v <= total);
    n.sort_unstable();
    n.dedup();
    n
}

/// `(max_k ‖a_k − b_k‖, ‖a_last − b_last‖)` over the common prefix.
pub fn distances(a: &[[f64; 2]], b: &[[f64; 2]]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(p, q)| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()).collect();
    (d.iter().copied().fold(0.0, f64::max), d.last().copied().unwrap_or(f64::NAN))
}
