//! `bea derive`.

use super::args::DeriveArgs;
use crate::derive::DeriveOptions;
use crate::emit::{render, Format};
use crate::spec::Problem;
use anyhow::anyhow;

pub(super) fn run(a: &DeriveArgs) -> anyhow::Result<()> {
    let format: Format = a.format.parse().map_err(|e: String| anyhow!(e))?;
    let raw = a.problem.to_raw()?;
    let problem = Problem::from_raw(&raw)?;
    let mut opts = DeriveOptions::default();
    if let Some(m) = a.max_terms {
        opts.budget.max_product_terms = m;
    }
    if let Some(t) = a.timeout {
        if !(t.is_finite() && t > 0.0) {
            return Err(anyhow!("--timeout must be a positive number of seconds, got {t}"));
        }
        opts.timeout = Some(std::time::Duration::from_secs_f64(t));
    }
    let mut d = super::method::derive_any(&problem, &opts)?;
    super::write_output(a.output.as_deref(), &render(&d.report(), format))
}
