//! `bea series`: the modified-equation B-series coefficients of a method, per rooted tree, exactly; for a
//! partitioned method (symplectic Euler, Störmer–Verlet) the P-series, per bi-coloured tree.

use super::args::SeriesArgs;
use crate::algebra::Coef;
use crate::derive::bseries::deadline::within;
use crate::derive::bseries::modified::modified_equation;
use crate::derive::bseries::momentum::heavy_ball_modified_equation;
use crate::derive::bseries::output::{latex_table, p_latex_table, p_text_table, p_to_json, text_table, to_json};
use crate::derive::bseries::pseries::{modified_pseries, PSeries};
use crate::derive::bseries::series::BSeries;
use crate::derive::bseries::{method_by_name, HEAVY_BALL_NORMALIZATION};
use crate::spec::{canonical_method, lower_value, RawValue};
use anyhow::anyhow;

pub(super) fn run(a: &SeriesArgs) -> anyhow::Result<()> {
    // The same method names as `bea derive` (found by review: `series --method gd` was unknown, and the error
    // listed the Runge-Kutta methods only).
    let method = canonical_method(Some(&a.method))?;
    let a = &SeriesArgs { method, ..a.clone() };
    let deadline = match a.timeout {
        Some(t) if !(1e-3..=1e9).contains(&t) => {
            return Err(anyhow!("--timeout must be a number of seconds from 0.001 to 1e9, got {t}"))
        }
        Some(t) => std::time::Instant::now().checked_add(std::time::Duration::from_secs_f64(t)),
        None => None,
    };
    let (result, late) = within(deadline, || run_series(a));
    if late {
        return Err(anyhow!(
            "timeout: the series to order {} was not finished within {} s; raise --timeout or ask for a lower order",
            a.order,
            a.timeout.unwrap_or(0.0)
        ));
    }
    let text = result?;
    super::write_output(a.output.as_deref(), &text)
}

/// The table of `a`, as text; the tree computations poll the deadline of [`within`].
fn run_series(a: &SeriesArgs) -> anyhow::Result<String> {
    // Partitioned methods have their own limit and tree counts (found by review: their --order 0 error quoted the
    // rooted-tree counts and limit).
    let partitioned = crate::derive::taylor::is_partitioned(&a.method);
    if partitioned && (a.order == 0 || a.order > MAX_PARTITIONED_ORDER) {
        return Err(anyhow!("--order {} is out of range for a partitioned method: bea tabulates its P-series from order 1 up to order {MAX_PARTITIONED_ORDER} (bi-coloured trees: 89894 at order 9, 433196 at order 10, about 5x more per order)", a.order));
    }
    if a.order == 0 || a.order > MAX_SERIES_ORDER {
        return Err(anyhow!("--order {} is out of range: it must be between 1 and {MAX_SERIES_ORDER} (rooted trees of order N: 719 at 10, 235381 at 16, 1721159 at 18, about 2.7x more per order; order 16 takes about 14 s and 0.7 GB)", a.order));
    }
    if !matches!(a.format.as_str(), "text" | "latex" | "json") {
        return Err(anyhow!("--format {}: unknown format, use text, latex or json", a.format));
    }
    let heavy = a.method == "heavy-ball";
    let series = if heavy {
        let b = a.beta.as_ref().ok_or_else(|| anyhow!("heavy-ball needs --beta, e.g. --beta 9/10"))?;
        let beta = lower_value("beta", &RawValue::Text(b.clone()))?;
        // The same bound as `bea derive` (found by review: `--beta 2` and `--beta -1` gave coefficients).
        if beta.abs() >= Coef::one() {
            return Err(anyhow!("--beta: {beta} is outside (-1, 1): heavy-ball's momentum must satisfy |beta| < 1"));
        }
        heavy_ball_modified_equation(&beta, a.order)?
    } else {
        if a.beta.is_some() {
            return Err(anyhow!("--beta applies to heavy-ball only"));
        }
        if crate::derive::taylor::is_partitioned(&a.method) {
            return run_partitioned(a);
        }
        modified_equation(&BSeries::of_method(&method_by_name(&a.method)?, a.order))?
    };
    let mut text = match a.format.as_str() {
        "json" => to_json(&series) + "\n",
        "text" => text_table(&series, !a.all),
        "latex" => latex_table(&series, !a.all),
        f => return Err(anyhow!("unknown format '{f}': use text, latex or json")),
    };
    if heavy && a.format != "json" {
        // The table's own header states the one-step normalisation; heavy ball has its own. LaTeX comments start
        // with `%` (found by review: a `#` line made the LaTeX output invalid).
        let comment = if a.format == "latex" { "%" } else { "#" };
        let body: String =
            text.lines().filter(|l| !l.starts_with("# f~(y) = sum_t")).map(|l| format!("{l}\n")).collect();
        // After the name line, as the other methods print it (found by review: it came first).
        text = match body.split_once('\n') {
            Some((name, rest)) if name.starts_with("# ") => {
                format!("{name}\n{comment} {HEAVY_BALL_NORMALIZATION}\n{rest}")
            }
            _ => format!("{comment} {HEAVY_BALL_NORMALIZATION}\n{body}"),
        };
    }
    Ok(text)
}

/// The highest order `bea series` tabulates for rooted trees (1721159 trees at 18; an order-18 table needs several
/// GB, and order 20, 12.8 million trees, more memory than a workstation has; found by review: `--order 30` was
/// accepted and ran out of memory with an allocation abort).
pub(super) const MAX_SERIES_ORDER: usize = 18;

/// Largest order for partitioned methods: 89894 bi-coloured trees at order 9, 433196 at order 10 (OEIS A000151).
pub(super) const MAX_PARTITIONED_ORDER: usize = 10;

/// `bea series --method symplectic-euler|symplectic-euler-b|stormer-verlet`: the modified-equation P-series,
/// one exact coefficient per bi-coloured tree.
fn run_partitioned(a: &SeriesArgs) -> anyhow::Result<String> {
    let series = modified_pseries(&PSeries::of_named(&a.method, a.order)?)?;
    Ok(match a.format.as_str() {
        "json" => p_to_json(&series) + "\n",
        "text" => p_text_table(&series, !a.all),
        "latex" => p_latex_table(&series, !a.all),
        f => return Err(anyhow!("unknown format '{f}': use text, latex or json")),
    })
}
