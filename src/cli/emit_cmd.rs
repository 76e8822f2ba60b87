//! `bea emit`: the derived corrections as a standalone Rust module (or text/LaTeX/JSON, as `derive` does).

use super::args::EmitArgs;
use crate::emit::evaluator::param_values;
use crate::emit::rust::generate;
use crate::emit::{render, Format};
use crate::spec::{lower_value, Problem};
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
            generate(me, &params, None).context("cannot generate numeric code")?
        }
        other => {
            let f: Format = other.parse().map_err(|e: String| anyhow!("{e} (or rust)"))?;
            render(&d.report(), f)
        }
    };
    super::write_output(a.output.as_deref(), &text)
}
