//! Output of coefficient tables: JSON (exact rationals as strings), plain text and LaTeX.
//!
//! JSON layout: `{"method": ..., "normalization": "<one sentence>", "coefficients":
//! [{"tree": [1, 2, 2], "order": 3, "sigma": 2, "coefficient": "-1/12"}, ...]}` with trees as
//! canonical level sequences (root at level 1), in forest order (by order, then Beyer–Hedetniemi).

use serde::Serialize;

use crate::derive::bseries::modified::FIELD_NORMALIZATION;
use crate::derive::bseries::series::{BSeries, SeriesKind, METHOD_NORMALIZATION};

/// One row of the JSON table.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CoefficientEntry {
    /// Canonical level sequence.
    pub tree: Vec<u32>,
    /// `|t|`.
    pub order: usize,
    /// `σ(t)`.
    pub sigma: u64,
    /// The exact coefficient, `"p/q"` or `"p"`.
    pub coefficient: String,
}

/// The JSON document.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct CoefficientTable {
    /// Method or series name.
    pub method: String,
    /// One-sentence normalisation.
    pub normalization: String,
    /// Rows.
    pub coefficients: Vec<CoefficientEntry>,
}

/// The normalisation sentence of a series kind.
pub fn normalization(kind: SeriesKind) -> &'static str {
    match kind {
        SeriesKind::Method => METHOD_NORMALIZATION,
        SeriesKind::VectorField => FIELD_NORMALIZATION,
    }
}

/// Builds the table (all trees, zeros included, for a complete record).
pub fn table(series: &BSeries) -> CoefficientTable {
    CoefficientTable {
        method: series.name().to_string(),
        normalization: normalization(series.kind()).to_string(),
        coefficients: series
            .iter()
            .map(|(d, c)| CoefficientEntry {
                tree: d.tree.levels().to_vec(),
                order: d.order,
                sigma: d.sigma,
                coefficient: c.to_string(),
            })
            .collect(),
    }
}

/// Pretty JSON of [`table`].
///
/// ```
/// use bea::derive::bseries::{modified::modified_equation, output::to_json, series::BSeries,
///                   tableau::ButcherTableau};
/// let b = modified_equation(&BSeries::of_method(&ButcherTableau::named("midpoint").unwrap(), 3)).unwrap();
/// let v: serde_json::Value = serde_json::from_str(&to_json(&b)).unwrap();
/// assert_eq!(v["method"], "explicit-midpoint");
/// assert_eq!(v["coefficients"][3]["tree"], serde_json::json!([1, 2, 2]));
/// assert_eq!(v["coefficients"][3]["sigma"], 2);
/// assert_eq!(v["coefficients"][3]["coefficient"], "-1/12");
/// ```
pub fn to_json(series: &BSeries) -> String {
    serde_json::to_string_pretty(&table(series)).expect("plain data serialises")
}

/// Plain-text table (one line per tree; zero coefficients skipped if `skip_zero`).
///
/// ```
/// use bea::derive::bseries::{modified::modified_equation, output::text_table, series::BSeries,
///                   tableau::ButcherTableau};
/// let b = modified_equation(&BSeries::of_method(&ButcherTableau::named("euler").unwrap(), 2)).unwrap();
/// assert!(text_table(&b, true).contains("[1, 2]"));
/// ```
pub fn text_table(series: &BSeries, skip_zero: bool) -> String {
    let mut out = format!("# {}\n# {}\n", series.name(), normalization(series.kind()));
    out.push_str(&format!("{:<28} {:>5} {:>7}  {:<22} {}\n", "tree", "order", "sigma", "bracket", "coefficient"));
    for (d, c) in series.iter() {
        if skip_zero && c.is_zero() {
            continue;
        }
        out.push_str(&format!(
            "{:<28} {:>5} {:>7}  {:<22} {}\n",
            d.tree.to_string(),
            d.order,
            d.sigma,
            d.tree.bracket(),
            c
        ));
    }
    out
}

/// LaTeX `tabular` (trees in bracket notation with `\bullet`, coefficients as `\frac`).
///
/// ```
/// use bea::derive::bseries::{modified::modified_equation, output::latex_table, series::BSeries,
///                   tableau::ButcherTableau};
/// let b = modified_equation(&BSeries::of_method(&ButcherTableau::named("euler").unwrap(), 2)).unwrap();
/// assert!(latex_table(&b, true).contains(r"$[\bullet]$ & 2 & 1 & $-\frac{1}{2}$"));
/// ```
pub fn latex_table(series: &BSeries, skip_zero: bool) -> String {
    let mut out =
        String::from("\\begin{tabular}{llll}\n\\hline\ntree & $|t|$ & $\\sigma(t)$ & coefficient \\\\\n\\hline\n");
    for (d, c) in series.iter() {
        if skip_zero && c.is_zero() {
            continue;
        }
        let frac = if c.is_integer() {
            c.to_string()
        } else {
            let sign = if c.is_negative() { "-" } else { "" };
            let (num, den) = c.abs().parts();
            format!("{sign}\\frac{{{num}}}{{{den}}}")
        };
        out.push_str(&format!("${}$ & {} & {} & ${}$ \\\\\n", d.tree.bracket_with("\\bullet"), d.order, d.sigma, frac));
    }
    out.push_str("\\hline\n\\end{tabular}\n");
    out
}
