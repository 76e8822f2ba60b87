//! `bea series`: the modified-equation B-series coefficients of a method, per rooted tree, exactly.

use super::args::SeriesArgs;
use crate::algebra::Coef;
use crate::derive::bseries::modified::modified_equation;
use crate::derive::bseries::momentum::heavy_ball_modified_equation;
use crate::derive::bseries::output::{latex_table, text_table, to_json};
use crate::derive::bseries::series::BSeries;
use crate::derive::bseries::{method_by_name, HEAVY_BALL_NORMALIZATION};
use crate::spec::{lower_value, RawValue, MAX_ORDER};
use anyhow::anyhow;

pub(super) fn run(a: &SeriesArgs) -> anyhow::Result<()> {
    if a.order == 0 || a.order > MAX_ORDER {
        return Err(anyhow!("--order {} is out of range: it must be between 1 and {MAX_ORDER} (trees of order N; 719 trees at 10, 1842 at 11)", a.order));
    }
    if !matches!(a.format.as_str(), "text" | "latex" | "json") {
        return Err(anyhow!("--format {}: unknown format, use text, latex or json", a.format));
    }
    let heavy = matches!(a.method.as_str(), "heavy-ball" | "momentum");
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
        if let Some(m) = crate::derive::taylor::canonical_partitioned_name(&a.method) {
            return Err(anyhow!("{m} is a partitioned method: its modified equation is a P-series (trees with two colours), which bea does not tabulate; `bea derive --method {m}` derives its modified field by Taylor expansion of the step"));
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
        text = format!("{comment} {HEAVY_BALL_NORMALIZATION}\n{body}");
    }
    super::write_output(a.output.as_deref(), &text)
}
