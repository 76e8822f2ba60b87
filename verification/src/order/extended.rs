//! Order checks in double-double precision ([`crate::dd`]): the same measurement as [`super::check_orders`], with
//! the step map, the candidate fields and the reference flow all evaluated to about 32 digits, so the floor falls
//! from about `2e-15` to `1e-29` (times `max(1, ‖θ0‖∞)`; set by the reference flow's accuracy, [`FLOOR_UNIT`]) and
//! the truncations `N = 7..10`, whose errors `h^{N+2}` sink under the `f64` floor on the usual grid, get a
//! measurable slope.
//!
//! The reference flow is not `ode_solvers` (which is `f64`) but Gragg–Bulirsch–Stoer extrapolation
//! ([`flow_increment_dd`]; Hairer, Nørsett & Wanner, *Solving ODEs I*, II.9): the explicit midpoint rule with
//! `n = 2, 4, …, 16` substeps, extrapolated in `(H/n)^2` (order 16 in `H`), applied to the increment `y − y0`, over
//! macro steps `H <= 0.02` halved until the extrapolation's own error estimate is below `1e-30 max(1, |y|)`. Its
//! tests check it against closed-form flows to 1e-30.
//!
//! Verdicts, floor detection and fit are those of [`super`] (the floor's unit is [`crate::dd::EPSILON`] instead of
//! `f64::EPSILON`).

use super::{fit_into, validate, CheckError, OrderCheck, OrderConfig, OrderReport};
use crate::dd::Dd;
use crate::flow::FlowError;

/// A candidate field in double-double: `field(θ, h, out)` writes `f + h f_1 + … + h^N f_N` at `θ`.
pub type DdField<'a> = dyn Fn(&[Dd], Dd, &mut [Dd]) + 'a;

/// A one-step map in double-double: `step(θ, h) = Φ_h(θ)`.
pub type DdStep<'a> = dyn Fn(&[Dd], Dd) -> Vec<Dd> + 'a;

/// A truncated modified field to check in double-double (compare [`super::Candidate`]).
pub struct DdCandidate<'a> {
    /// Which recursion (or method) produced it.
    pub recursion: String,
    /// The truncation order `N`.
    pub order: usize,
    /// The expected slope.
    pub expected: usize,
    /// The field.
    pub field: Box<DdField<'a>>,
}

/// The unit of the a-priori floor in double-double: not the rounding unit [`crate::dd::EPSILON`] (5e-32) but a
/// margin over the reference flow's accuracy (its tests measure 1e-31 against closed forms over `t <= 0.2`, and
/// its step control accepts error estimates up to `1e-30` per macro step); with the default `floor_ulps = 8` the
/// floor is `1e-29 max(1, ‖θ0‖∞)` and points are fitted from `1e-27` up.
pub const FLOOR_UNIT: f64 = 1.25e-30;

/// The configuration with the floor in [`FLOOR_UNIT`]s (the configuration's `floor_ulps` count units of
/// `f64::EPSILON`).
fn dd_config(cfg: &OrderConfig) -> OrderConfig {
    let mut c = *cfg;
    c.floor.floor_ulps *= FLOOR_UNIT / f64::EPSILON;
    c
}

/// The Gragg–Bulirsch–Stoer levels: `n_j = 2 j` substeps, `j = 1..=LEVELS`. More levels amplify the rounding of
/// the low ones through the extrapolation: with 10 levels the energy of the pendulum drifted by 9e-30 over t = 0.2,
/// with 8 by 6e-32 (the test below).
const LEVELS: usize = 8;

/// The explicit midpoint rule (Gragg) with `n` (even) substeps of `H / n` from `y`.
fn midpoint(field: &dyn Fn(&[Dd], &mut [Dd]), y: &[Dd], big_h: Dd, n: usize) -> Vec<Dd> {
    let d = y.len();
    let eta = big_h.div(Dd::from_f64(n as f64));
    let two_eta = eta.mul_f64(2.0);
    let mut f = vec![Dd::ZERO; d];
    field(y, &mut f);
    let mut prev = y.to_vec();
    let mut cur: Vec<Dd> = (0..d).map(|i| y[i].add(eta.mul(f[i]))).collect();
    for _ in 1..n {
        field(&cur, &mut f);
        let next: Vec<Dd> = (0..d).map(|i| prev[i].add(two_eta.mul(f[i]))).collect();
        prev = cur;
        cur = next;
    }
    cur
}

/// One extrapolated step: the value and the estimate of its error (the difference of the last two diagonal
/// entries of the Neville table).
fn gbs_step(field: &dyn Fn(&[Dd], &mut [Dd]), y: &[Dd], big_h: Dd) -> (Vec<Dd>, f64) {
    let mut table: Vec<Vec<Vec<Dd>>> = Vec::with_capacity(LEVELS);
    for j in 0..LEVELS {
        let nj = 2 * (j + 1);
        let mut row = vec![midpoint(field, y, big_h, nj)];
        for k in 1..=j {
            let nk = 2 * (j + 1 - k);
            // T + (T - T') / ((n_j/n_k)^2 - 1) with the factor n_k^2 / (n_j^2 - n_k^2) exact: an f64 ratio such as
            // (20/6)^2 is rounded to 1e-16 and would cap the flow's accuracy near 1e-21.
            let (num, den) = (Dd::from_f64((nk * nk) as f64), Dd::from_f64((nj * nj - nk * nk) as f64));
            let factor = num.div(den);
            let (a, b) = (&row[k - 1], &table[j - 1][k - 1]);
            row.push(a.iter().zip(b).map(|(x, y)| x.add(x.sub(*y).mul(factor))).collect());
        }
        table.push(row);
    }
    let last = &table[LEVELS - 1];
    let err = last[LEVELS - 1].iter().zip(&last[LEVELS - 2]).map(|(a, b)| a.sub(*b).abs().to_f64()).fold(0.0, f64::max);
    (last[LEVELS - 1].clone(), err)
}

/// `φ_t(y0) − y0` for the field `field`, in double-double (see the module doc). Fails when a value is not finite
/// or the step would have to shrink below `t / 4096`.
///
/// ```
/// use bea_verification::dd::Dd;
/// use bea_verification::order::extended::flow_increment_dd;
/// // y' = -y from 1 over t = 0.3 (the double nearest 0.3): e^-t - 1, well below the harness's floor 1e-29.
/// let d = flow_increment_dd(&|y: &[Dd], o: &mut [Dd]| o[0] = -y[0], &[Dd::ONE], 0.3).unwrap();
/// let want = Dd::from_f64(-0.3).exp().sub(Dd::ONE);
/// assert!(d[0].sub(want).abs().to_f64() < 1e-30);
/// ```
pub fn flow_increment_dd(field: &dyn Fn(&[Dd], &mut [Dd]), y0: &[Dd], t: f64) -> Result<Vec<Dd>, FlowError> {
    // The increment u = y - y0 is integrated (u' = f(y0 + u), u(0) = 0), not y: the extrapolation amplifies the
    // rounding of its low levels about 120 times, and rounding relative to the small u is far below rounding
    // relative to y (found by review: integrating y left 5e-30 over t = 0.2 on a rotation; u leaves about 1e-31).
    let d = y0.len();
    let g = |u: &[Dd], out: &mut [Dd]| {
        let y: Vec<Dd> = (0..d).map(|i| y0[i].add(u[i])).collect();
        field(&y, out)
    };
    let mut u = vec![Dd::ZERO; d];
    let total = Dd::from_f64(t);
    let mut done = Dd::ZERO;
    let mut big_h = t.min(0.02);
    // At most 4096 macro steps: a field that needs more (stiff, or near a singularity) is dropped or failed by the
    // harness rather than integrated for minutes.
    let min_h = t / 4096.0;
    let scale0 = y0.iter().fold(1.0f64, |m, v| m.max(v.abs().to_f64()));
    while done.to_f64() < t {
        let left = total.sub(done);
        let step = if left.to_f64() <= big_h * (1.0 + 1e-12) { left } else { Dd::from_f64(big_h) };
        let (next, err) = gbs_step(&g, &u, step);
        if next.iter().any(|v| !v.is_finite()) || !err.is_finite() {
            if big_h / 2.0 < min_h {
                let theta: Vec<f64> = next.iter().zip(y0).map(|(v, y)| v.add(*y).to_f64()).collect();
                return Err(FlowError::NonFinite { theta, t: done.to_f64() });
            }
            big_h /= 2.0;
            continue;
        }
        // The estimate itself carries double-double rounding: ask for 1e-30 of the state's scale, below the
        // harness's floor (1e-29, and points are fitted only 100 times above it), and no less, or the step halves
        // on rounding noise.
        let scale = next.iter().zip(y0).fold(scale0, |m, (v, y)| m.max(v.add(*y).abs().to_f64()));
        if err > 1e-30 * scale {
            if big_h / 2.0 < min_h {
                return Err(FlowError::StepSizeUnderflow { t: done.to_f64() });
            }
            big_h /= 2.0;
            continue;
        }
        u = next;
        done = done.add(step);
    }
    Ok(u)
}

/// The local-error order check of every candidate against the one-step map `step`, in double-double (see the
/// module doc). As [`super::check_orders`]: each candidate independently; failures at the largest step sizes are
/// dropped, a failure below an evaluated step size fails the check.
pub fn check_orders_dd(
    step: &DdStep<'_>,
    candidates: &[DdCandidate<'_>],
    theta0: &[f64],
    cfg: &OrderConfig,
) -> OrderReport {
    check_orders_dd_with(DdStepKind::OneStep(step), candidates, theta0, cfg)
}

/// A two-step map in double-double: `step(θ_prev, θ, h) = Ψ_h(θ_{n−1}, θ_n)` (compare [`super::TwoStepMap`]).
pub type DdTwoStep<'a> = dyn Fn(&[Dd], &[Dd], Dd) -> Vec<Dd> + 'a;

/// The method whose local error is measured in double-double (compare [`super::StepKind`]).
#[derive(Clone, Copy)]
pub enum DdStepKind<'a> {
    /// `θ_{n+1} = Φ_h(θ_n)`; the local error is `‖Φ_h(θ0) − φ_h(θ0)‖`.
    OneStep(&'a DdStep<'a>),
    /// `θ_{n+1} = Ψ_h(θ_{n−1}, θ_n)`; the local error is `‖Ψ_h(θ0, φ_h(θ0)) − φ_{2h}(θ0)‖`, started on the
    /// candidate's flow (heavy-ball momentum).
    TwoStep(&'a DdTwoStep<'a>),
}

/// [`check_orders_dd`] for any [`DdStepKind`] (one-step or two-step methods).
pub fn check_orders_dd_with(
    step: DdStepKind<'_>,
    candidates: &[DdCandidate<'_>],
    theta0: &[f64],
    cfg: &OrderConfig,
) -> OrderReport {
    let cfg = dd_config(cfg);
    OrderReport {
        checks: candidates.iter().map(|c| check_order_dd(step, c, theta0, &cfg)).collect(),
        theta0: theta0.to_vec(),
        grid: cfg.grid,
    }
}

fn check_order_dd(step: DdStepKind<'_>, cand: &DdCandidate<'_>, theta0: &[f64], cfg: &OrderConfig) -> OrderCheck {
    let mut check = OrderCheck::unmeasured(&cand.recursion, cand.order, cand.expected, cfg.tolerance);
    if let Err(e) = validate(theta0, cfg) {
        check.error = Some(e);
        return check;
    }
    let y0: Vec<Dd> = theta0.iter().map(|&x| Dd::from_f64(x)).collect();
    for h in cfg.grid.values() {
        let point = super::guarded(h, || local_error_dd(step, cand, &y0, h)).and_then(|r| r);
        check.record(h, point);
    }
    fit_into(&mut check, theta0, cfg);
    check
}

fn local_error_dd(step: DdStepKind<'_>, cand: &DdCandidate<'_>, y0: &[Dd], h: f64) -> Result<f64, CheckError> {
    let hd = Dd::from_f64(h);
    let field = |th: &[Dd], out: &mut [Dd]| (cand.field)(th, hd, out);
    let flow = |t: f64| flow_increment_dd(&field, y0, t).map_err(|source| CheckError::Flow { h, source });
    let to_f64 = |v: &[Dd]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
    // The method's increment and the flow's, over one step (h) or two (2h).
    let (next, exact) = match step {
        DdStepKind::OneStep(s) => {
            let phi = s(y0, hd);
            if phi.len() != y0.len() || phi.iter().any(|v| !v.is_finite()) {
                return Err(CheckError::BadStep { h, value: to_f64(&phi) });
            }
            (phi, flow(h)?)
        }
        DdStepKind::TwoStep(s) => {
            let d1 = flow(h)?;
            let theta1: Vec<Dd> = y0.iter().zip(&d1).map(|(t, d)| t.add(*d)).collect();
            let theta2 = s(y0, &theta1, hd);
            if theta2.len() != y0.len() || theta2.iter().any(|v| !v.is_finite()) {
                return Err(CheckError::BadTwoStep {
                    h,
                    theta_prev: to_f64(y0),
                    theta: to_f64(&theta1),
                    value: to_f64(&theta2),
                });
            }
            (theta2, flow(2.0 * h)?)
        }
    };
    let err = next
        .iter()
        .zip(&exact)
        .zip(y0)
        .map(|((p, d), t)| {
            let e = p.sub(*t).sub(*d).to_f64();
            e * e
        })
        .sum::<f64>()
        .sqrt();
    Ok(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::Verdict;

    /// The flow of the pendulum `y'' = -sin y` conserves `E = v^2/2 - cos y`, the flow of `y' = y^2` (towards its
    /// pole) is `y0/(1 - t y0)` and a rotation's is its closed form, each to 1e-30 over t <= 0.2 (measured in
    /// session 6: 9e-32, 1.1e-31 and 1.3e-31).
    #[test]
    fn gbs_flow_is_accurate_to_double_double() {
        let pend = |y: &[Dd], o: &mut [Dd]| {
            o[0] = y[1];
            o[1] = -y[0].sin();
        };
        let y0 = [Dd::from_f64(0.8), Dd::from_f64(0.3)];
        let energy = |y: &[Dd]| y[1].mul(y[1]).mul_f64(0.5).sub(y[0].cos());
        let d = flow_increment_dd(&pend, &y0, 0.2).unwrap();
        let y1 = [y0[0].add(d[0]), y0[1].add(d[1])];
        let drift = energy(&y1).sub(energy(&y0)).abs().to_f64();
        assert!(drift < 1e-30, "energy drift {drift:e}");
        let sq = |y: &[Dd], o: &mut [Dd]| o[0] = y[0].mul(y[0]);
        let d = flow_increment_dd(&sq, &[Dd::from_f64(1.5)], 0.1).unwrap();
        // t is the double nearest 0.1, so the exact end point is 1.5/(1 - 1.5 t) with that t.
        let y1 = Dd::from_f64(1.5).div(Dd::ONE.sub(Dd::from_f64(0.1).mul_f64(1.5)));
        let err = d[0].sub(y1.sub(Dd::from_f64(1.5))).abs().to_f64();
        assert!(err < 1e-30, "y' = y^2: {err:e}");
        // A rotation, against its closed form (phase errors too, which an invariant cannot see).
        let rot = |y: &[Dd], o: &mut [Dd]| {
            o[0] = -y[1];
            o[1] = y[0];
        };
        let d = flow_increment_dd(&rot, &[Dd::from_f64(1.5), Dd::from_f64(0.5)], 0.2).unwrap();
        let (s, c) = Dd::from_f64(0.2).sin_cos();
        let want = [
            Dd::from_f64(1.5).mul(c).sub(Dd::from_f64(0.5).mul(s)).sub(Dd::from_f64(1.5)),
            Dd::from_f64(1.5).mul(s).add(Dd::from_f64(0.5).mul(c)).sub(Dd::from_f64(0.5)),
        ];
        let rot_err = d.iter().zip(&want).map(|(a, b)| a.sub(*b).abs().to_f64()).fold(0.0, f64::max);
        assert!(rot_err < 1e-30, "rotation: {rot_err:e}");
    }

    /// Explicit Euler on `y' = -y` against the exact modified field `ln(1 - h)/h y` truncated at `N`: the slopes
    /// are `N + 2` up to `N = 10`, where the `f64` harness has no points left above its floor.
    #[test]
    fn truncations_of_a_known_series_have_their_slopes_to_n_10() {
        let step = |y: &[Dd], h: Dd| vec![y[0].sub(h.mul(y[0]))];
        // ln(1 - h)/h = -(1 + h/2 + h^2/3 + ...): f_l = -y/(l + 1).
        let cands: Vec<DdCandidate> = (0..=10)
            .map(|n| DdCandidate {
                recursion: "exact".into(),
                order: n,
                expected: n + 2,
                field: Box::new(move |y: &[Dd], h: Dd, o: &mut [Dd]| {
                    let mut acc = Dd::ZERO;
                    for l in (0..=n).rev() {
                        acc = acc.mul(h).add(Dd::ONE.div(Dd::from_f64((l + 1) as f64)));
                    }
                    o[0] = -acc.mul(y[0]);
                }),
            })
            .collect();
        let r = check_orders_dd(&step, &cands, &[1.0], &OrderConfig::default());
        for c in &r.checks {
            assert_eq!(c.verdict, Verdict::Pass, "N = {}: {c:?}", c.order);
        }
        // And the f64 harness cannot reach N = 10 on the same grid (its floor is 1e-13 times higher).
        let f64_step = |y: &[f64], h: f64| vec![y[0] - h * y[0]];
        let c10 = super::super::Candidate::new("exact", 10, |y: &[f64], h: f64, o: &mut [f64]| {
            o[0] = -y[0] * (0..=10).rev().fold(0.0, |acc, l| acc * h + 1.0 / (l + 1) as f64)
        });
        let r64 = super::super::check_orders(&f64_step, &[c10], &[1.0], &OrderConfig::default());
        assert_eq!(r64.checks[0].verdict, Verdict::Inconclusive, "{:?}", r64.checks[0]);
    }

    /// A correction 10% wrong in `f_9` fails at `N = 9` (slope 10 instead of 11) in double-double, where the `f64`
    /// harness has too few points above its floor to say anything (its errors at `N = 9` are below 1e-15 for all
    /// but the largest step sizes).
    #[test]
    fn a_tiny_error_in_a_high_correction_fails() {
        let step = |y: &[Dd], h: Dd| vec![y[0].sub(h.mul(y[0]))];
        let wrong = DdCandidate {
            recursion: "wrong".into(),
            order: 9,
            expected: 11,
            field: Box::new(|y: &[Dd], h: Dd, o: &mut [Dd]| {
                let mut acc = Dd::ZERO;
                for l in (0..=9).rev() {
                    let mut c = Dd::ONE.div(Dd::from_f64((l + 1) as f64));
                    if l == 9 {
                        c = c.mul_f64(1.1);
                    }
                    acc = acc.mul(h).add(c);
                }
                o[0] = -acc.mul(y[0]);
            }),
        };
        let r = check_orders_dd(&step, &[wrong], &[1.0], &OrderConfig::default());
        assert_eq!(r.checks[0].verdict, Verdict::Fail, "{:?}", r.checks[0]);
        let f64_step = |y: &[f64], h: f64| vec![y[0] - h * y[0]];
        let wrong64 = super::super::Candidate::new("wrong", 9, |y: &[f64], h: f64, o: &mut [f64]| {
            let c = |l: usize| if l == 9 { 1.1 / 10.0 } else { 1.0 / (l + 1) as f64 };
            o[0] = -y[0] * (0..=9).rev().fold(0.0, |acc, l| acc * h + c(l))
        })
        .with_expected(11);
        let r64 = super::super::check_orders(&f64_step, &[wrong64], &[1.0], &OrderConfig::default());
        assert_eq!(r64.checks[0].verdict, Verdict::Inconclusive, "{:?}", r64.checks[0]);
    }

    /// Heavy ball `θ2 = θ1 − h θ1 + β(θ1 − θ0)` on `E = θ²/2`: its slow solution is `θ_n = r^n θ0` with `r(h)` the
    /// root of `r² − (1 + β − h) r + β = 0` near 1, so the exact modified field is `ln(r(h))/h θ`. Its Taylor
    /// coefficients, computed here from the characteristic equation (an oracle independent of bea's derivation),
    /// give truncations whose two-step local errors have slopes `N + 2` to `N = 10` in double-double; with `f_7`
    /// doubled the check at `N = 7` fails (slope 8).
    #[test]
    fn heavy_ball_truncations_have_their_slopes_to_n_10() {
        let beta = 0.5;
        // r = sum r_k h^k: (1 - β) r_k = -(r_{k-1} + sum_{0<i<k} r_i r_{k-i}), r_0 = 1 (dyadic for β = 1/2, so
        // exact in f64).
        let kmax = 13;
        let mut r = vec![1.0f64; 1];
        for k in 1..kmax {
            let conv: f64 = (1..k).map(|i| r[i] * r[k - i]).sum();
            r.push(-(r[k - 1] + conv) / (1.0 - beta));
        }
        // ln r = sum L_k h^k: k L_k = k r_k - sum_{0<j<k} j L_j r_{k-j}, in double-double (L_k has k in its
        // denominator; rounded to f64, its error would show at 1e-26, above the floor).
        let mut big_l = vec![Dd::ZERO; 1];
        for k in 1..kmax {
            let conv = (1..k).fold(Dd::ZERO, |acc, j| acc.add(big_l[j].mul_f64(j as f64 * r[k - j])));
            big_l.push(Dd::from_f64(k as f64 * r[k]).sub(conv).div(Dd::from_f64(k as f64)));
        }
        // f_l = L_{l+1} θ.
        let field = |n: usize, wrong: Option<usize>| -> DdCandidate<'static> {
            let c: Vec<Dd> = (0..=n).map(|l| big_l[l + 1].mul_f64(if Some(l) == wrong { 2.0 } else { 1.0 })).collect();
            DdCandidate {
                recursion: "characteristic root".into(),
                order: n,
                expected: n + 2,
                field: Box::new(move |y: &[Dd], h: Dd, o: &mut [Dd]| {
                    let acc = c.iter().rev().fold(Dd::ZERO, |acc, cl| acc.mul(h).add(*cl));
                    o[0] = acc.mul(y[0]);
                }),
            }
        };
        assert_eq!(big_l[1].to_f64(), -2.0, "f_0 = f/(1 - β)");
        let step =
            |prev: &[Dd], cur: &[Dd], h: Dd| vec![cur[0].sub(h.mul(cur[0])).add(cur[0].sub(prev[0]).mul_f64(beta))];
        let mut cfg = OrderConfig::default();
        cfg.grid.h_max *= (1.0 - beta) * (1.0 - beta);
        let cands: Vec<DdCandidate> = (0..=10).map(|n| field(n, None)).collect();
        let r = check_orders_dd_with(DdStepKind::TwoStep(&step), &cands, &[1.0], &cfg);
        for c in &r.checks {
            assert_eq!(c.verdict, Verdict::Pass, "N = {}: {c:?}", c.order);
        }
        let r = check_orders_dd_with(DdStepKind::TwoStep(&step), &[field(7, Some(7))], &[1.0], &cfg);
        assert_eq!(r.checks[0].verdict, Verdict::Fail, "{:?}", r.checks[0]);
    }
}
