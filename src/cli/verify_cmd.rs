//! `bea verify`: local-error order checks of the derived modified fields (issue 3), run by the independent
//! numeric harness (`bea-verification`): it sees only compiled numeric closures, never the derivation.

use super::args::VerifyArgs;
use crate::derive::ModifiedEquation;
use crate::emit::evaluator::{param_values, ModifiedFieldEvaluator};
use crate::spec::{lower_value, Problem, Recursion};
use anyhow::{anyhow, Context};
use bea_verification::order::{check_orders, format_table, plot_orders, Candidate, OrderConfig, OrderReport};
use crate::derive::bseries::tableau::ButcherTableau;
use bea_verification::rk::{prk_step, Tableau};
use std::collections::{BTreeMap, HashMap};

/// Compile every derived recursion of `me` to numbers, with the problem's parameter values and the verify
/// defaults of its file.
pub(super) fn compiled(me: &ModifiedEquation) -> anyhow::Result<Vec<(&'static str, ModifiedFieldEvaluator)>> {
    let p = &me.problem;
    let mut extra = BTreeMap::new();
    for (k, v) in &p.verify.set {
        extra.insert(k.clone(), lower_value(k, v)?);
    }
    let params: HashMap<String, f64> = param_values(&p.params, &extra);
    let mut out = Vec::new();
    for (label, corr) in [("general", &me.general), ("paper", &me.paper)] {
        if let Some(c) = corr {
            let ev = ModifiedFieldEvaluator::compile(&p.algebra, &p.field, c, &params)
                .with_context(|| "cannot evaluate the problem numerically")?;
            out.push((label, ev));
        }
    }
    Ok(out)
}

/// The order report for a problem (used by `bea verify` and the tests): explicit Euler with the chosen
/// recursion(s), or another Runge-Kutta method by B-series, against the method's numeric step.
pub fn verify_problem(
    problem: &Problem,
    max_order: usize,
    at: Option<Vec<f64>>,
    cfg: &OrderConfig,
) -> anyhow::Result<OrderReport> {
    let mut p = problem.clone();
    // One order more than checked, to know whether f_(N+1) vanishes (it sets the expected slope).
    p.order = max_order.max(1) + 1;
    if p.method == "heavy-ball" {
        return Err(anyhow!("bea verify checks one-step methods; heavy-ball is a two-step method (its slopes are checked in the tests, tests/bseries.rs)"));
    }
    let d = super::method::derive_any(&p, &Default::default())?;
    let evs = compiled(&d.me)?;
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
    for (label, ev) in &evs {
        let corr = if *label == "paper" { d.me.paper.as_ref() } else { d.me.general.as_ref() };
        let nonzero: Vec<bool> =
            corr.map(|c| c.iter().map(|fl| fl.iter().any(|e| !e.is_zero())).collect()).unwrap_or_default();
        let label = if d.tableau.is_some() || d.partitioned.is_some() { d.label.clone() } else { label.to_string() };
        for n in 0..=max_order {
            if label == "paper" && n == 0 {
                continue; // N = 0 is the plain field, the same for both
            }
            // The local error of the truncation at N is O(h^(l+1)) for the first l > N with f_l != 0: N + 2 for
            // explicit Euler, p + 1 below the order p of a method, and one more where a correction vanishes
            // (the even-only series of implicit midpoint).
            let first = (n + 1..=max_order + 1).find(|&l| nonzero[l - 1]).unwrap_or(max_order + 2);
            let expected = first + 1;
            cands.push(
                Candidate::new(label.clone(), n, move |th: &[f64], h: f64, out: &mut [f64]| ev.eval(th, h, n, out))
                    .with_expected(expected),
            );
        }
    }
    Ok(check_orders(&step, &cands, &theta0, cfg))
}

pub(super) fn run(a: &VerifyArgs) -> anyhow::Result<()> {
    if a.theorems {
        let t = super::args::TheoremArgs {
            problem: a.problem.clone(),
            at: a.at.clone(),
            h: 0.025,
            output: a.output.clone(),
        };
        return super::experiment_cmd::run_theorems(&t);
    }
    let mut raw = a.problem.to_raw()?;
    if raw.recursion.is_none() {
        raw.recursion = Some(Recursion::General);
    }
    let problem = Problem::from_raw(&raw)?;
    let report = verify_problem(&problem, a.max_order, a.at.clone(), &OrderConfig::default())?;
    if let Some(path) = &a.plot {
        plot_orders(&report, path).with_context(|| format!("writing the plot {}", path.display()))?;
    }
    let text = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)? + "\n",
        "text" => {
            let pass = report.checks.iter().filter(|c| c.pass).count();
            format!(
                "{}\n{pass} of {} checks pass (expected slope N + 2; Theorem 3.1 of Barrett & Dherin is N = 1)\n",
                format_table(&report),
                report.checks.len()
            )
        }
        f => return Err(anyhow!("unknown format '{f}': use text or json")),
    };
    super::write_output(a.output.as_deref(), &text)?;
    if a.strict && !report.all_pass() {
        return Err(anyhow!("some order checks failed (--strict)"));
    }
    Ok(())
}
