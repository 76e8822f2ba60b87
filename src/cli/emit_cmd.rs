//! `bea emit`: the derived corrections as a standalone Rust module (or text/LaTeX/JSON, as `derive` does).

use super::args::EmitArgs;
use crate::emit::evaluator::param_values;
use crate::emit::rust::{rust_module, rust_potentials};
use crate::emit::{render, Format};
use crate::spec::{lower_value, Problem};
use crate::structure::analyse;
use anyhow::{anyhow, Context};
use std::collections::BTreeMap;

pub(super) fn run(a: &EmitArgs) -> anyhow::Result<()> {
    let raw = a.problem.to_raw()?;
    let problem = Problem::from_raw(&raw)?;
    let mut d = super::method::derive_any(&problem, &Default::default())?;
    let text = match a.format.as_str() {
        "rust" => {
            let me = &mut d.me;
            let mut extra = BTreeMap::new();
            for (k, v) in &me.problem.verify.set {
                extra.insert(k.clone(), lower_value(k, v)?);
            }
            let params = param_values(&me.problem.params, &extra);
            let mut src = rust_module(me, &params).context("cannot generate numeric code")?;
            let corr = me.corrections().to_vec();
            let mut pots = Vec::new();
            for (l, fl) in corr.iter().enumerate() {
                if let Some(pot) = analyse(&mut me.problem.algebra, fl, None).potential {
                    pots.push((l + 1, pot));
                }
            }
            src.push_str(&rust_potentials(me, &pots, &params)?);
            src
        }
        other => {
            let f: Format = other.parse().map_err(|e: String| anyhow!("{e} (or rust)"))?;
            render(&d.report(), f)
        }
    };
    super::write_output(a.output.as_deref(), &text)
}
