//! Dispatch on the problem's method: explicit Euler by the direct recursions, other Runge-Kutta methods and
//! heavy-ball momentum by B-series (`crate::derive::bseries`).

use crate::derive::bseries::{derive_heavy_ball, derive_method_with, method_by_name, tableau::ButcherTableau};
use crate::derive::{derive_with, DeriveOptions, ModifiedEquation};
use crate::spec::{Problem, Recursion};
use anyhow::anyhow;

/// A derivation with the method's label.
pub struct Derived {
    /// The corrections, in the shape the emitters take.
    pub me: ModifiedEquation,
    /// The method's name for reports.
    pub label: String,
    /// The tableau, for Runge-Kutta methods other than explicit Euler.
    pub tableau: Option<ButcherTableau>,
}

/// Derive the problem's modified equation with its method.
pub fn derive_any(problem: &Problem, opts: &DeriveOptions) -> anyhow::Result<Derived> {
    let m = problem.method.as_str();
    if m == "explicit-euler" {
        return Ok(Derived { me: derive_with(problem, opts)?, label: m.to_string(), tableau: None });
    }
    if problem.recursion != Recursion::General {
        return Err(anyhow!(
            "--recursion {:?} applies to explicit Euler only; the method {m} is derived by B-series",
            problem.recursion
        ));
    }
    if m == "heavy-ball" {
        let beta = problem.beta.clone().ok_or_else(|| anyhow!("heavy-ball needs --beta"))?;
        let d = derive_heavy_ball(problem, beta.clone())?;
        let mut p = d.problem;
        p.field = d.leading;
        p.loss = None; // f_0 = f/(1 - beta): its potential is E/(1 - beta), recovered by the structure check
        let me = ModifiedEquation { problem: p, general: Some(d.corrections), paper: None, elapsed: d.elapsed };
        return Ok(Derived { me, label: format!("heavy-ball (beta = {beta})"), tableau: None });
    }
    let t = method_by_name(m)?;
    let d = derive_method_with(problem, &t, opts)?;
    let label = d.method.clone();
    let me = d.into_modified_equation().ok_or_else(|| anyhow!("the method {m} is not consistent (f_0 != f)"))?;
    Ok(Derived { me, label, tableau: Some(t) })
}
