//! `bea emit`: the derived corrections as a standalone Rust module (or text/LaTeX/JSON, as `derive` does).
//!
//! Numeric code needs a number for every parameter: `--format rust` refuses a problem with a parameter left
//! symbolic and names the `--set` that fixes it (an example's `[verify]` values are `bea verify`'s defaults only,
//! never silently used here). It also refuses `--recursion both` (a module holds one set of corrections). Both
//! checks, and the format itself, come before any derivation.

use super::args::EmitArgs;
use crate::emit::evaluator::param_values;
use crate::emit::rust::generate;
use crate::emit::{render, Format};
use crate::spec::{lower_value, Problem, Recursion};
use anyhow::{anyhow, bail, Context};
use std::collections::BTreeMap;

pub(super) fn run(a: &EmitArgs) -> anyhow::Result<()> {
    let format = match a.format.as_str() {
        "rust" => None,
        other => Some(other.parse::<Format>().map_err(|_| anyhow!("--format {other}: use rust, text, latex or json"))?),
    };
    let start = std::time::Instant::now();
    let opts = a.limits.options()?;
    let raw = a.problem.to_raw()?;
    let problem = Problem::from_raw(&raw)?;
    let Some(format) = format else {
        check_numeric(&problem)?;
        let mut d = super::method::derive_any(&problem, &opts)?;
        let partition = d.partitioned.as_ref().map(|m| {
            (0..m.parts().len())
                .map(|k| {
                    let names: Vec<&str> = (0..problem.vars.len())
                        .filter(|&i| m.part_of()[i] == k)
                        .map(|i| problem.vars[i].as_str())
                        .collect();
                    format!("part {} ({}) = {}", k + 1, m.parts()[k].name(), names.join(", "))
                })
                .collect::<Vec<_>>()
                .join("; ")
        });
        let params = param_values(&d.me.problem.params, &BTreeMap::new())?;
        let src = generate(&mut d.me, &params, partition.as_deref()).context("cannot generate numeric code")?;
        return super::write_output(a.output.as_deref(), &src);
    };
    let mut d = super::method::derive_any(&problem, &opts)?;
    let report = d.report_within(start, opts.timeout)?;
    super::write_output(a.output.as_deref(), &render(&report, format))
}

/// Refuse, before deriving, what `--format rust` cannot emit: both recursions, or a parameter without a value.
fn check_numeric(problem: &Problem) -> anyhow::Result<()> {
    if problem.recursion == Recursion::Both {
        bail!(
            "--recursion both does not apply to --format rust: the module holds one set of corrections; emit \
             --recursion general and --recursion paper separately (or compare them with --format text, latex or json)"
        );
    }
    let unset: Vec<&str> = problem.params.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.as_str()).collect();
    if unset.is_empty() {
        return Ok(());
    }
    let want = unset.iter().map(|k| format!("{k}=...")).collect::<Vec<_>>().join(",");
    let mut msg = format!(
        "--format rust needs a number for every parameter, and {} {} none: set {} with --set {want}",
        unset.join(", "),
        if unset.len() == 1 { "has" } else { "have" },
        if unset.len() == 1 { "it" } else { "them" },
    );
    let mut defaults = Vec::new();
    for (k, v) in &problem.verify.set {
        if unset.contains(&k.as_str()) {
            defaults.push(format!("{k}={}", lower_value(k, v)?));
        }
    }
    if !defaults.is_empty() {
        msg.push_str(&format!(" (the example's [verify] values would be --set {})", defaults.join(",")));
    }
    bail!(msg)
}
