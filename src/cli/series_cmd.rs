//! `bea series`: the modified-equation B-series coefficients of a method, per rooted tree, exactly.

use super::args::SeriesArgs;
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
    let heavy = matches!(a.method.as_str(), "heavy-ball" | "momentum");
    let series = if heavy {
        let b = a.beta.as_ref().ok_or_else(|| anyhow!("heavy-ball needs --beta, e.g. --beta 9/10"))?;
        let beta = lower_value("beta", &RawValue::Text(b.clone()))?;
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
        // The table's own header states the one-step normalisation; heavy ball has its own.
        let body: String =
            text.lines().filter(|l| !l.starts_with("# f~(y) = sum_t")).map(|l| format!("{l}\n")).collect();
        text = format!("# {HEAVY_BALL_NORMALIZATION}\n{body}");
    }
    super::write_output(a.output.as_deref(), &text)
}
