//! `bea derive`.

use super::args::DeriveArgs;
use crate::derive::DeriveOptions;
use crate::emit::{render, Format};
use crate::spec::Problem;
use anyhow::anyhow;

pub(super) fn run(a: &DeriveArgs) -> anyhow::Result<()> {
    let format: Format = a.format.parse().map_err(|e: String| anyhow!(e))?;
    let start = std::time::Instant::now();
    let raw = a.problem.to_raw()?;
    let problem = Problem::from_raw(&raw)?;
    let mut opts = DeriveOptions::default();
    if let Some(m) = a.max_terms {
        opts.budget.max_product_terms = m;
    }
    if let Some(t) = a.timeout {
        // 1 ms: a shorter limit rounds away; 1e9 s (31 years): a longer one overflows the clock.
        if !(1e-3..=1e9).contains(&t) {
            return Err(anyhow!("--timeout must be a number of seconds from 0.001 to 1e9, got {t}"));
        }
        opts.timeout = Some(std::time::Duration::from_secs_f64(t));
    }
    let mut d = super::method::derive_any(&problem, &opts)?;
    // The timeout covers the analysis of the result too.
    let report = d.report_within(start, opts.timeout)?;
    super::write_output(a.output.as_deref(), &render(&report, format))
}
