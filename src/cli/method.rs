//! Dispatch on the problem's method: explicit Euler by the direct recursions, other Runge-Kutta methods and
//! heavy-ball momentum by B-series (`crate::derive::bseries`), partitioned methods (symplectic Euler,
//! Stormer-Verlet) by Taylor expansion of their step (`crate::derive::taylor`).

use crate::derive::bseries::{derive_heavy_ball_with, derive_method_with, method_by_name, tableau::ButcherTableau};
use crate::derive::taylor::{derive_partitioned, is_partitioned, PartitionedRk};
use crate::derive::{derive_with, DeriveOptions, ModifiedEquation};
use crate::emit::expr::{Printer, Syntax};
use crate::emit::Report;
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
    /// The parts, for partitioned Runge-Kutta methods (symplectic Euler, Stormer-Verlet).
    pub partitioned: Option<PartitionedRk>,
    /// The loss the problem was given as, where the derivation's problem no longer carries it (heavy-ball).
    pub loss: Option<crate::algebra::Elem>,
}

/// Derive the problem's modified equation with its method.
pub fn derive_any(problem: &Problem, opts: &DeriveOptions) -> anyhow::Result<Derived> {
    let m = problem.method.as_str();
    if m == "explicit-euler" {
        return Ok(Derived {
            me: derive_with(problem, opts)?,
            label: m.to_string(),
            tableau: None,
            partitioned: None,
            loss: None,
        });
    }
    if problem.recursion != Recursion::General {
        return Err(anyhow!(
            "--recursion {} applies to explicit Euler only; the method {m} is derived by {}",
            problem.recursion,
            if is_partitioned(m) { "Taylor expansion of its step" } else { "B-series" }
        ));
    }
    if is_partitioned(m) {
        let method = PartitionedRk::named_split(m, &problem.vars, problem.partition.as_deref())?;
        let me = derive_partitioned(problem, &method, opts)?;
        let part = |k: usize| -> String {
            let names: Vec<&str> = (0..problem.vars.len())
                .filter(|&i| method.part_of()[i] == k)
                .map(|i| problem.vars[i].as_str())
                .collect();
            format!("{} for {}", method.parts()[k].name(), names.join(", "))
        };
        let label = format!("{} ({}; {})", method.name(), part(0), part(1));
        return Ok(Derived { me, label, tableau: None, partitioned: Some(method), loss: None });
    }
    if m == "heavy-ball" {
        let beta = problem.beta.clone().ok_or_else(|| anyhow!("heavy-ball needs --beta"))?;
        let d = derive_heavy_ball_with(problem, beta.clone(), opts)?;
        let loss = problem.loss.clone();
        let mut p = d.problem;
        p.field = d.leading;
        p.loss = None; // f_0 = f/(1 - beta): its potential is E/(1 - beta), recovered by the structure check
        let me = ModifiedEquation { problem: p, general: Some(d.corrections), paper: None, elapsed: d.elapsed };
        return Ok(Derived {
            me,
            label: format!("heavy-ball (beta = {beta})"),
            tableau: None,
            partitioned: None,
            loss,
        });
    }
    let t = method_by_name(m)?;
    let d = derive_method_with(problem, &t, opts)?;
    let label = d.method.clone();
    let me = d.into_modified_equation().ok_or_else(|| {
        let sum = t.b().iter().fold(crate::algebra::Coef::zero(), |acc, x| acc.add(x));
        anyhow!(
            "the method {m} is not consistent: its weights b sum to {sum}, not 1, so its leading term is {sum} f, not f \
             (no modified equation of the field exists)"
        )
    })?;
    Ok(Derived { me, label, tableau: Some(t), partitioned: None, loss: None })
}

impl Derived {
    /// The report of this derivation, labelled with the method (the IGR line is gradient descent's only).
    pub fn report(&mut self) -> Report {
        let mut report = Report::build(&mut self.me);
        self.label_report(&mut report);
        report
    }

    /// [`Derived::report`] within the rest of a `--timeout` (`limit`, counted from `start`).
    pub fn report_within(
        &mut self,
        start: std::time::Instant,
        limit: Option<std::time::Duration>,
    ) -> anyhow::Result<Report> {
        let deadline = limit.and_then(|t| start.checked_add(t));
        let seconds = limit.map_or(0.0, |t| t.as_secs_f64());
        let mut report = Report::build_within(&mut self.me, deadline, seconds)?;
        self.label_report(&mut report);
        Ok(report)
    }

    fn label_report(&self, report: &mut Report) {
        if self.label != "explicit-euler" {
            report.method = self.label.clone();
            report.igr_first_order = None;
            report.recursion = None;
        }
        report.by_taylor = self.partitioned.is_some();
        // Heavy-ball derives from f_0 = f/(1 - beta) with the loss cleared (its potential is found again by the
        // structure check); the report still names the loss the problem was given as (found by review: null).
        if let (None, Some(loss)) = (&report.loss, &self.loss) {
            let p = &self.me.problem;
            report.loss = Some(Printer::new(&p.algebra, &p.vars, Syntax::Text).elem(loss));
            report.loss_latex = Some(Printer::new(&p.algebra, &p.vars, Syntax::Latex).elem(loss));
        }
    }
}
