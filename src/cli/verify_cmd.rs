//! `bea verify`: local-error order checks of the derived modified fields (issue 3), run by the independent
//! numeric harness (`bea-verification`): it sees only compiled numeric closures, never the derivation.

use super::args::VerifyArgs;
use crate::algebra::Elem;
use crate::derive::bseries::tableau::ButcherTableau;
use crate::derive::ModifiedEquation;
use crate::emit::evaluator::{exact_param_values, param_values, DdFieldEvaluator, ModifiedFieldEvaluator};
use crate::spec::{lower_value, Problem, Recursion};
use anyhow::{anyhow, Context};
use bea_verification::dd::Dd;
use bea_verification::order::extended::{check_orders_dd_with, DdCandidate, DdStepKind};
use bea_verification::order::multi::{start_points, MultiStartReport};
use bea_verification::order::{
    check_orders, check_orders_with, format_multi, format_table, jacobian_norm, plot_orders, Candidate, OrderConfig,
    OrderReport, StepKind, MAX_H_TIMES_L,
};
use bea_verification::rk::{prk_step, prk_step_dd, Tableau};
use std::collections::{BTreeMap, HashMap};

/// The problem's parameter values as numbers, with the verify defaults of its file (`[verify] set`).
fn numeric_params(p: &Problem) -> anyhow::Result<HashMap<String, f64>> {
    let mut extra = BTreeMap::new();
    for (k, v) in &p.verify.set {
        extra.insert(k.clone(), lower_value(k, v)?);
    }
    Ok(param_values(&p.params, &extra)?)
}

/// Compile every derived recursion of `me` to numbers, with the problem's parameter values and the verify
/// defaults of its file.
pub(super) fn compiled(me: &ModifiedEquation) -> anyhow::Result<Vec<(&'static str, ModifiedFieldEvaluator)>> {
    let p = &me.problem;
    let params = numeric_params(p)?;
    let mut out = Vec::new();
    for (label, corr) in [("general", &me.general), ("paper", &me.paper)] {
        if let Some(c) = corr {
            let ev = ModifiedFieldEvaluator::compile(&p.algebra, &p.field, c, &params)
                .with_context(|| "cannot evaluate the problem numerically")?;
            out.push((label, ev.with_var_names(&p.vars)));
        }
    }
    Ok(out)
}

/// The start point: `--at`, else the file's `[verify] at`; one finite coordinate per variable.
fn start_point(p: &Problem, at: Option<Vec<f64>>) -> anyhow::Result<Vec<f64>> {
    let theta0 = at
        .or_else(|| p.verify.at.clone())
        .ok_or_else(|| anyhow!("no start point: give one with --at (e.g. --at 1.5,1.2)"))?;
    if theta0.len() != p.vars.len() {
        return Err(anyhow!(
            "--at has {} coordinates but there are {} variables ({})",
            theta0.len(),
            p.vars.len(),
            p.vars.join(", ")
        ));
    }
    if theta0.iter().any(|x| !x.is_finite()) {
        return Err(anyhow!("--at must be finite numbers, got {theta0:?}"));
    }
    Ok(theta0)
}

/// Fail, naming the term, the component and the point, if `f` or a correction `f_1..f_n` is NaN or infinite at
/// the start point (a singular point: no order can be measured there).
fn check_start_finite(evs: &[(&str, ModifiedFieldEvaluator)], theta0: &[f64], n: usize) -> anyhow::Result<()> {
    for (_, ev) in evs {
        ev.check_finite(theta0, n).map_err(|e| {
            anyhow!("cannot verify at this start point: {e} (a singular point; choose another with --at)")
        })?;
    }
    Ok(())
}

/// The expected slope of the truncation at `n`: `l + 1` for the first `l > n` with `f_l != 0` (`nonzero[l - 1]`
/// for the derived `l = 1, 2, …`). It is N + 2 for explicit Euler, p + 1 below the order p of a method, and one
/// more where a correction vanishes (the even-only series of implicit midpoint). `None` when every derived
/// correction above `n` vanishes (derive further).
fn expected_slope(nonzero: &[bool], n: usize) -> Option<usize> {
    (n + 1..=nonzero.len()).find(|&l| nonzero[l - 1]).map(|l| l + 1)
}

/// How many orders past `max_order` `verify` derives at most to find the first non-zero correction that sets an
/// expected slope (a method of order p has `f_1 = … = f_{p-1} = 0`; rk4 checked at `N = 0` needs `f_4`).
const LOOKAHEAD: usize = 6;

fn nonzero_orders(corr: Option<&Vec<Vec<Elem>>>) -> Vec<bool> {
    corr.map(|c| c.iter().map(|fl| fl.iter().any(|e| !e.is_zero())).collect()).unwrap_or_default()
}

/// The order report for a problem (used by `bea verify` and the tests): explicit Euler with the chosen
/// recursion(s), or another Runge-Kutta method by B-series, against the method's numeric step; heavy-ball
/// momentum (a two-step method, loss problems only) by `verify_heavy_ball`.
pub fn verify_problem(
    problem: &Problem,
    max_order: usize,
    at: Option<Vec<f64>>,
    cfg: &OrderConfig,
) -> anyhow::Result<OrderReport> {
    let mut multi = verify_problem_starts(problem, max_order, at, 1, cfg)?;
    Ok(multi.reports.swap_remove(0))
}

/// The seed of the start points `bea verify --starts` draws (fixed, so every run checks the same points).
pub const STARTS_SEED: u64 = 2021;

/// The most start points `bea verify --starts` takes.
pub const MAX_STARTS: usize = 50;

/// The start points: `theta0` and `starts - 1` more drawn around it ([`start_points`]) where every compiled field
/// and correction up to `max_order` is finite.
fn points_around(
    evs: &[(&str, ModifiedFieldEvaluator)],
    theta0: &[f64],
    starts: usize,
    max_order: usize,
) -> (Vec<Vec<f64>>, usize) {
    start_points(theta0, starts, STARTS_SEED, |p| evs.iter().all(|(_, ev)| ev.check_finite(p, max_order).is_ok()))
}

/// `cfg` for the start point `theta0`: its grid's `h_max` times `hb` (heavy ball's `min(1, (1−β)²)`, else 1), then
/// lowered to the field's time scale ([`bea_verification::order::HGrid::within_time_scale`]) so that `h L <= 1/2`
/// with `L` = [`inverse_time_scale`]. Each start point gets its own grid, so the first point's report is the
/// single-point run's.
fn scaled_to_field(
    cfg: &OrderConfig,
    f: &dyn Fn(&[f64], &mut [f64]),
    ev: &ModifiedFieldEvaluator,
    theta0: &[f64],
    hb: f64,
) -> OrderConfig {
    let grid = bea_verification::order::HGrid { h_max: cfg.grid.h_max * hb, ..cfg.grid };
    OrderConfig { grid: grid.within_time_scale(inverse_time_scale(f, ev, theta0, hb)), ..*cfg }
}

/// The inverse time scale `L` of the method's field `f` at `theta`, from two sources:
/// - `‖f′(θ)‖∞ / hb` ([`jacobian_norm`]; `hb` is heavy ball's `(1−β)²` factor, 1 otherwise);
/// - the growth of the derived series itself, from `f_0` and its first two non-zero corrections `f_j`, `f_l`:
///   `(‖f_j‖/‖f_0‖)^(1/j)` and `(‖f_l‖/‖f_j‖)^(1/(l−j))`. This sees what the Jacobian cannot: on `f = (2000, sin x)`
///   `‖f′‖ <= 1`, but the flow crosses a period of `sin` in `2π/2000`, and `f_2/f_1` grows like 2000 (found by
///   review: correct fields FAILed with slope 1 on the default grid). The norms are the largest over `theta` and
///   its neighbours `theta ± 0.05 max(1, |theta_i|) e_i` (finite values only): at a single point a correction can
///   vanish by accident (`x^3/3 − x` at `x = 1e-6`, where `f_1 ≈ 1e-6` made `L` 1.7e5 and every check n/a; the
///   pendulum at `q = 0`, where `f_2 ∝ sin q`: found by review).
///
/// `ev` is the general derivation's (the one the method has; a wrong recursion's terms do not set the grid its own
/// checks run on). Only its first two non-zero corrections count, so for explicit Euler the grid does not depend on
/// `--max-order`.
fn inverse_time_scale(f: &dyn Fn(&[f64], &mut [f64]), ev: &ModifiedFieldEvaluator, theta: &[f64], hb: f64) -> f64 {
    let norm = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let mut points = vec![theta.to_vec()];
    for i in 0..theta.len() {
        for sign in [-1.0, 1.0] {
            let mut p = theta.to_vec();
            p[i] += sign * 0.05 * theta[i].abs().max(1.0);
            points.push(p);
        }
    }
    let mut sizes = vec![0.0f64; ev.max_order() + 1];
    for p in &points {
        for (l, t) in ev.terms(p).iter().enumerate() {
            let n = norm(t);
            if n.is_finite() {
                sizes[l] = sizes[l].max(n);
            }
        }
    }
    // A correction counts as non-zero when it is above rounding relative to f_0.
    let nonzero: Vec<(usize, f64)> =
        sizes.iter().copied().enumerate().skip(1).filter(|(_, n)| *n > 1e-12 * sizes[0]).take(2).collect();
    let mut growth = 0.0f64;
    if sizes[0] > 0.0 {
        let mut prev = (0usize, sizes[0]);
        for &(l, n) in &nonzero {
            growth = growth.max((n / prev.1).powf(1.0 / (l - prev.0) as f64));
            prev = (l, n);
        }
    }
    (jacobian_norm(f, theta) / hb).max(growth)
}

/// [`verify_problem`] at `starts` start points: the given one (`at`, else the file's) and `starts - 1` more drawn
/// around it (see [`bea_verification::order::multi`]), each checked with the same candidates; the combined verdict
/// of a candidate fails if it fails anywhere and passes only if it passes everywhere.
pub fn verify_problem_starts(
    problem: &Problem,
    max_order: usize,
    at: Option<Vec<f64>>,
    starts: usize,
    cfg: &OrderConfig,
) -> anyhow::Result<MultiStartReport> {
    verify_problem_with(problem, max_order, at, starts, Precision::Double, cfg)
}

/// The arithmetic of `bea verify`'s local-error measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// `f64`: Dop853 reference flow, floor about `2e-15` (the default).
    Double,
    /// Double-double (about 32 digits): GBS reference flow, floor `1e-29`
    /// ([`bea_verification::order::extended`]); explicit Euler and Runge-Kutta tableaus.
    DoubleDouble,
}

impl std::str::FromStr for Precision {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Precision> {
        match s {
            "double" | "f64" => Ok(Precision::Double),
            "double-double" | "dd" => Ok(Precision::DoubleDouble),
            other => Err(anyhow!("unknown precision '{other}': use double (default) or double-double")),
        }
    }
}

/// [`verify_problem_starts`] in the chosen arithmetic.
pub fn verify_problem_with(
    problem: &Problem,
    max_order: usize,
    at: Option<Vec<f64>>,
    starts: usize,
    precision: Precision,
    cfg: &OrderConfig,
) -> anyhow::Result<MultiStartReport> {
    if starts == 0 || starts > MAX_STARTS {
        return Err(anyhow!("--starts {starts} is out of range: give 1 to {MAX_STARTS} start points"));
    }
    let mut p = problem.clone();
    // One order more than checked, to know whether f_(N+1) vanishes (it sets the expected slope).
    p.order = max_order.max(1) + 1;
    if p.method == "heavy-ball" {
        return verify_heavy_ball(&p, max_order, at, starts, precision, cfg);
    }
    let mut d = super::method::derive_any(&p, &Default::default())?;
    // Found by review: with every derived correction above N zero (rk4 at --max-order 0 or 1), the expected slope
    // was guessed as max_order + 3 and right fields failed. Derive further until a non-zero one sets it.
    let settled = |d: &super::method::Derived| {
        [d.me.general.as_ref(), d.me.paper.as_ref()]
            .into_iter()
            .flatten()
            .all(|c| (0..=max_order).all(|n| expected_slope(&nonzero_orders(Some(c)), n).is_some()))
    };
    while !settled(&d) && p.order < max_order + 1 + LOOKAHEAD {
        p.order += 1;
        d = super::method::derive_any(&p, &Default::default())?;
    }
    let evs = compiled(&d.me)?;
    let theta0 = start_point(&p, at)?;
    check_start_finite(&evs, &theta0, max_order)?;
    let f0 = &evs[0].1;
    let f = |th: &[f64], out: &mut [f64]| f0.eval(th, 0.0, 0, out);
    let numeric = |t: &ButcherTableau| Tableau {
        a: t.a().iter().map(|r| r.iter().map(|c| c.to_f64()).collect()).collect(),
        b: t.b().iter().map(|c| c.to_f64()).collect(),
    };
    let (parts, part_of) = match (&d.tableau, &d.partitioned) {
        (_, Some(m)) => (m.parts().iter().map(numeric).collect(), m.part_of().to_vec()),
        (Some(t), None) => (vec![numeric(t)], vec![0; theta0.len()]),
        (None, None) => (vec![Tableau { a: vec![vec![0.0]], b: vec![1.0] }], vec![0; theta0.len()]),
    };
    let step = |th: &[f64], h: f64| -> Vec<f64> { prk_step(&parts, &part_of, &f, th, h) };
    let mut cands = Vec::new();
    // Which derivation each candidate comes from, by the derivation's own tag, never by the printed label (found
    // by review: a tableau file named "paper" lost its N = 0 check and panicked in double-double).
    let mut sources: Vec<&'static str> = Vec::new();
    for (source, ev) in &evs {
        let corr = if *source == "paper" { d.me.paper.as_ref() } else { d.me.general.as_ref() };
        let nonzero = nonzero_orders(corr);
        let label = if d.tableau.is_some() || d.partitioned.is_some() { d.label.clone() } else { source.to_string() };
        for n in 0..=max_order {
            if *source == "paper" && n == 0 {
                continue; // N = 0 is the plain field, the same for both
            }
            sources.push(source);
            cands.push(
                Candidate::new(label.clone(), n, move |th: &[f64], h: f64, out: &mut [f64]| ev.eval(th, h, n, out))
                    .with_expected(expected_slope(&nonzero, n).unwrap_or(max_order + 1 + LOOKAHEAD + 1)),
            );
        }
    }
    let (points, skipped) = points_around(&evs, &theta0, starts, max_order);
    // The grid's time scale comes from the general derivation (review: with --recursion paper alone, the paper's
    // wrong terms set the grid and its FAILs at the pendulum's p = 2000 became n/a).
    let scale_ev = match evs.iter().find(|(source, _)| *source == "general") {
        Some((_, ev)) => ev.clone(),
        None => {
            let mut g = p.clone();
            g.recursion = crate::spec::Recursion::General;
            let dg = super::method::derive_any(&g, &Default::default())?;
            compiled(&dg.me)?.remove(0).1
        }
    };
    let cfgs: Vec<OrderConfig> = points.iter().map(|t| scaled_to_field(cfg, &f, &scale_ev, t, 1.0)).collect();
    if precision == Precision::DoubleDouble {
        let reports = dd_reports(&d, &d.me.problem, &points, &cfgs, &cands, &sources)?;
        return Ok(MultiStartReport::new(reports, skipped));
    }
    let reports = points.iter().zip(&cfgs).map(|(t, cfg)| check_orders(&step, &cands, t, cfg)).collect();
    Ok(MultiStartReport::new(reports, skipped))
}

/// The order reports of `cands` (their labels, orders and expected slopes) at `points` (on the grids of `cfgs`), measured in double-double:
/// the same fields compiled with exact coefficients to [`DdFieldEvaluator`]s, the method's step with its exact
/// coefficients (tableau, partitioned pair, or heavy ball's `β`), [`check_orders_dd_with`]. The method steps along
/// `method`'s field: the derivation's own problem for Runge–Kutta methods, the input problem for heavy ball (whose
/// derivation's leading field is `f/(1−β)`, not the `f` the method steps along).
fn dd_reports(
    d: &super::method::Derived,
    method: &Problem,
    points: &[Vec<f64>],
    cfgs: &[OrderConfig],
    cands: &[Candidate<'_>],
    sources: &[&str],
) -> anyhow::Result<Vec<OrderReport>> {
    // The same parameter values as the double-precision path ([`numeric_params`]), kept exact.
    let p = &d.me.problem;
    let mut extra = BTreeMap::new();
    for (k, v) in &p.verify.set {
        extra.insert(k.clone(), lower_value(k, v)?);
    }
    let params = exact_param_values(&p.params, &extra);
    let compile = |c: &[Vec<Elem>]| {
        DdFieldEvaluator::compile(&p.algebra, &p.field, c, &params)
            .with_context(|| "cannot evaluate the problem in double-double")
    };
    let f = DdFieldEvaluator::compile(&method.algebra, &method.field, &[], &params)
        .with_context(|| "cannot evaluate the problem in double-double")?;
    let general = d.me.general.as_deref().map(compile).transpose()?;
    let paper = d.me.paper.as_deref().map(compile).transpose()?;
    let field = |th: &[Dd], out: &mut [Dd]| f.eval(th, Dd::ZERO, 0, out);
    let exact = |t: &ButcherTableau| Tableau {
        a: t.a().iter().map(|r| r.iter().map(|c| c.to_dd()).collect()).collect(),
        b: t.b().iter().map(|c| c.to_dd()).collect(),
    };
    let dim = p.vars.len();
    let (parts, part_of) = match (&d.tableau, &d.partitioned) {
        (_, Some(m)) => (m.parts().iter().map(exact).collect(), m.part_of().to_vec()),
        (Some(t), None) => (vec![exact(t)], vec![0; dim]),
        (None, None) => (vec![Tableau { a: vec![vec![Dd::ZERO]], b: vec![Dd::ONE] }], vec![0; dim]),
    };
    let one_step = |th: &[Dd], h: Dd| prk_step_dd(&parts, &part_of, &field, th, h);
    let beta = p.beta.as_ref().map(|b| b.to_dd()).unwrap_or(Dd::ZERO);
    let two_step = |prev: &[Dd], cur: &[Dd], h: Dd| -> Vec<Dd> {
        let mut g = vec![Dd::ZERO; cur.len()];
        field(cur, &mut g);
        (0..cur.len()).map(|i| cur[i].add(h.mul(g[i])).add(beta.mul(cur[i].sub(prev[i])))).collect()
    };
    let step = if p.method == "heavy-ball" { DdStepKind::TwoStep(&two_step) } else { DdStepKind::OneStep(&one_step) };
    let dd_cands: Vec<DdCandidate> = cands
        .iter()
        .zip(sources)
        .map(|(c, source)| {
            let ev = if *source == "paper" { paper.as_ref() } else { general.as_ref() };
            let ev = ev.expect("a candidate's source is one of the compiled derivations");
            let n = c.order;
            DdCandidate {
                recursion: c.recursion.clone(),
                order: n,
                expected: c.expected.unwrap_or(n + 2),
                field: Box::new(move |th: &[Dd], h: Dd, out: &mut [Dd]| ev.eval(th, h, n, out)),
            }
        })
        .collect();
    Ok(points.iter().zip(cfgs).map(|(t, cfg)| check_orders_dd_with(step, &dd_cands, t, cfg)).collect())
}

/// Heavy-ball momentum `θ_{n+1} = θ_n + h f(θ_n) + β(θ_n − θ_{n−1})`, `f = −∇E`: the harness's two-step check
/// ([`StepKind::TwoStep`]: start on the candidate's flow, one step, compare with the flow over `2h`) of the
/// derived slow-manifold field `f_0 + h f_1 + … + h^N f_N` (`f_0 = f/(1−β)`, time `t = nh`), `N = 0..max_order`.
/// The expansion parameter is `h/(1−β)²`, so the grid's `h_max` is multiplied by `min(1, (1−β)²)`.
/// `p.order` must exceed `max_order` (one more correction sets the expected slopes).
fn verify_heavy_ball(
    p: &Problem,
    max_order: usize,
    at: Option<Vec<f64>>,
    starts: usize,
    precision: Precision,
    cfg: &OrderConfig,
) -> anyhow::Result<MultiStartReport> {
    if p.loss.is_none() {
        return Err(anyhow!(
            "bea verify --method heavy-ball needs a loss E (the method steps along f = -grad E): give --loss or a \
             loss example (quartic, two-param); {} is a vector field",
            p.name.as_deref().unwrap_or("this problem")
        ));
    }
    let beta = p.beta.as_ref().ok_or_else(|| anyhow!("heavy-ball needs --beta, e.g. --beta 0.9 or 9/10"))?.to_f64();
    let theta0 = start_point(p, at)?;
    let d = super::method::derive_any(p, &Default::default())?;
    let evs = compiled(&d.me)?;
    check_start_finite(&evs, &theta0, max_order)?;
    let ev = &evs.first().ok_or_else(|| anyhow!("heavy-ball derivation returned no field"))?.1;
    // The method's own field f = -grad E, compiled from the problem (not from the derivation).
    let f = ModifiedFieldEvaluator::compile(&p.algebra, &p.field, &[], &numeric_params(p)?)
        .with_context(|| "cannot evaluate the problem numerically")?;
    let step = |prev: &[f64], cur: &[f64], h: f64| -> Vec<f64> {
        let mut g = vec![0.0; cur.len()];
        f.eval(cur, 0.0, 0, &mut g);
        (0..cur.len()).map(|i| cur[i] + h * g[i] + beta * (cur[i] - prev[i])).collect()
    };
    let nonzero = nonzero_orders(d.me.general.as_ref());
    let cands: Vec<Candidate> = (0..=max_order)
        .map(|n| {
            Candidate::new(d.label.clone(), n, move |th: &[f64], h: f64, out: &mut [f64]| ev.eval(th, h, n, out))
                .with_expected(expected_slope(&nonzero, n).unwrap_or(max_order + 2))
        })
        .collect();
    let (points, skipped) = points_around(&evs, &theta0, starts, max_order);
    let field = |th: &[f64], out: &mut [f64]| f.eval(th, 0.0, 0, out);
    let hb = (1.0 - beta).powi(2).min(1.0);
    let cfgs: Vec<OrderConfig> = points.iter().map(|t| scaled_to_field(cfg, &field, ev, t, hb)).collect();
    if precision == Precision::DoubleDouble {
        let reports = dd_reports(&d, p, &points, &cfgs, &cands, &vec!["general"; cands.len()])?;
        return Ok(MultiStartReport::new(reports, skipped));
    }
    let reports =
        points.iter().zip(&cfgs).map(|(t, cfg)| check_orders_with(StepKind::TwoStep(&step), &cands, t, cfg)).collect();
    Ok(MultiStartReport::new(reports, skipped))
}

/// The highest truncation order `bea verify` checks (`--max-order`).
pub const MAX_VERIFY_ORDER: usize = 10;

pub(super) fn run(a: &VerifyArgs) -> anyhow::Result<()> {
    if a.theorems {
        // Found by review: these were silently dropped with --theorems.
        let mut ignored = Vec::new();
        if a.max_order != 3 {
            ignored.push("--max-order");
        }
        if a.format != "text" {
            ignored.push("--format");
        }
        if a.plot.is_some() {
            ignored.push("--plot");
        }
        if a.strict {
            ignored.push("--strict");
        }
        if a.starts != 1 {
            ignored.push("--starts");
        }
        if a.h_max.is_some() {
            ignored.push("--h-max");
        }
        if !matches!(a.precision.parse::<Precision>(), Ok(Precision::Double)) {
            ignored.push("--precision");
        }
        if !ignored.is_empty() {
            let verb = if ignored.len() == 1 { "does" } else { "do" };
            return Err(anyhow!(
                "{} {verb} not apply with --theorems (its report is always the full JSON; `bea theorems --h H` \
                 sets the learning rate, 0.025 here)",
                ignored.join(", ")
            ));
        }
        let t = super::args::TheoremArgs {
            problem: a.problem.clone(),
            at: a.at.clone(),
            h: 0.025,
            output: a.output.clone(),
        };
        return super::experiment_cmd::run_theorems(&t);
    }
    if a.max_order > MAX_VERIFY_ORDER {
        return Err(anyhow!(
            "--max-order {} is too high: at most {MAX_VERIFY_ORDER} (the local error h^(N+2) of higher truncations is \
             below double-precision rounding on the harness's step-size grid)",
            a.max_order
        ));
    }
    if let Some(o) = a.problem.order {
        return Err(anyhow!("--order {o} does not apply to verify: it checks N = 0..--max-order (default 3)"));
    }
    if let Some(path) = &a.plot {
        if path.is_dir() {
            return Err(anyhow!("--plot {} is a directory; give the path of a .png file", path.display()));
        }
        // As for -o: a mistyped path should not create directories (found by review: --plot created them).
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() {
            return Err(anyhow!(
                "cannot write the plot {}: the directory {} does not exist",
                path.display(),
                dir.display()
            ));
        }
    }
    let mut raw = a.problem.to_raw()?;
    if raw.recursion.is_none() {
        raw.recursion = Some(Recursion::General);
    }
    let problem = Problem::from_raw(&raw)?;
    let precision: Precision = a.precision.parse()?;
    let mut cfg = OrderConfig::default();
    if let Some(h) = a.h_max {
        // Above 1 too (found by review: a slow field, E/1000, needs steps up to 200 to show anything).
        if !(h.is_finite() && h > 0.0 && h <= 1e6) {
            return Err(anyhow!(
                "--h-max {} is out of range: give a step size in (0, 1e6], e.g. 0.2 or 1/100",
                crate::emit::evaluator::short_number(h)
            ));
        }
        cfg.grid.h_max = h;
    }
    let multi = verify_problem_with(&problem, a.max_order, a.at.clone(), a.starts, precision, &cfg)?;
    if multi.reports.len() < a.starts {
        eprintln!(
            "warning: only {} of the {} start points asked for could be used: at the {} others drawn a field or \
             correction is not finite",
            multi.reports.len(),
            a.starts,
            multi.skipped
        );
    }
    let report = &multi.reports[0];
    if let Some(path) = &a.plot {
        plot_orders(report, path).with_context(|| format!("writing the plot {}", path.display()))?;
    }
    let several = a.starts > 1;
    let (pass, fail, inconclusive) = if several { multi.counts() } else { report.counts() };
    let text = match a.format.as_str() {
        "json" if several => serde_json::to_string_pretty(&multi)? + "\n",
        "json" => serde_json::to_string_pretty(report)? + "\n",
        "text" => {
            let mut note = String::new();
            if problem.method == "heavy-ball" {
                note.push_str(
                    "heavy-ball is a two-step method: each point starts on the candidate's flow (theta_1 = flow over \
                     h), takes one step and compares with the flow over 2h; h grid scaled by min(1, (1-beta)^2)\n",
                );
                let beta = problem.beta.as_ref().map(|b| b.to_f64()).unwrap_or(0.0);
                if !(-0.5..=0.99).contains(&beta) {
                    note.push_str(&format!(
                        "note: beta = {beta} is near -1 or 1, where the fitted slopes are unreliable (the odd corrections \
                         carry a factor 1 + beta; the expansion parameter h/(1-beta)^2 leaves few points in the \
                         asymptotic range), so a FAIL here need not mean a wrong field\n"
                    ));
                }
            }
            let hb = if problem.method == "heavy-ball" {
                problem.beta.as_ref().map_or(1.0, |b| (1.0 - b.to_f64()).powi(2).min(1.0))
            } else {
                1.0
            };
            let default_top = cfg.grid.h_max * hb;
            for (i, r) in multi.reports.iter().enumerate().filter(|(_, r)| r.grid.h_max < default_top * (1.0 - 1e-12)) {
                let l = format!("{:.4}", MAX_H_TIMES_L / r.grid.h_max);
                let at = if several { format!(" at point {}", i + 1) } else { String::new() };
                let hb_note = if hb < 1.0 { ", |f'| divided by (1-beta)^2" } else { "" };
                note.push_str(&format!(
                    "step sizes scaled to the field{at}: h_max = {:.3e} (not {}), so that h L <= 1/2 with \
                     L = {}, the field's inverse time scale (the largest of |f'(theta0)|{hb_note} and the growth of \
                     the derived series)\n",
                    r.grid.h_max,
                    Some(format!("{default_top}")).filter(|t| t.len() <= 8).unwrap_or(format!("{default_top:.3e}")),
                    l.trim_end_matches('0').trim_end_matches('.')
                ));
            }
            if precision == Precision::DoubleDouble {
                note.push_str(
                    "measured in double-double: exact coefficients, Gragg-Bulirsch-Stoer reference flow, floor 1e-29 \
                     times max(1, |theta0|)\n",
                );
            }
            let expected = if problem.method == "explicit-euler" || problem.method == "heavy-ball" {
                "expected slope N + 2; Theorem 3.1 of Barrett & Dherin is N = 1"
            } else {
                "expected slope l + 1 for the first nonzero f_l left out: p + 1 below the method's order p"
            };
            let table = if several { format_multi(&multi) } else { format_table(report) };
            let at = if several { format!(" at all {} start points", multi.reports.len()) } else { String::new() };
            format!(
                "{table}\n{note}{pass} of {} checks pass{at}, {fail} fail, {inconclusive} inconclusive (n/a) \
                 ({expected})\n",
                report.checks.len()
            )
        }
        f => return Err(anyhow!("unknown format '{f}': use text or json")),
    };
    super::write_output(a.output.as_deref(), &text)?;
    if a.strict && fail + inconclusive > 0 {
        return Err(super::ChecksFailed { fail, inconclusive }.into());
    }
    Ok(())
}
