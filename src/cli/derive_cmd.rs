//! `bea derive`.

use super::args::DeriveArgs;
use crate::emit::{render, Format};
use crate::spec::Problem;
use anyhow::anyhow;

pub(super) fn run(a: &DeriveArgs) -> anyhow::Result<()> {
    let format: Format = a.format.parse().map_err(|e: String| anyhow!(e))?;
    let start = std::time::Instant::now();
    let raw = a.problem.to_raw()?;
    let problem = Problem::from_raw(&raw)?;
    let opts = a.limits.options()?;
    let mut d = super::method::derive_any(&problem, &opts)?;
    // The timeout covers the analysis of the result too.
    let report = d.report_within(start, opts.timeout)?;
    super::write_output(a.output.as_deref(), &render(&report, format))
}
