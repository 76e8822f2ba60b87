//! Output of coefficient tables: JSON (exact rationals as strings), plain text and LaTeX.
//!
//! JSON layout: `{"method": ..., "normalization": "<one sentence>", "coefficients":
//! [{"tree": [1, 2, 2], "order": 3, "sigma": 2, "coefficient": "-1/12"}, ...]}` with trees as
//! canonical level sequences (root at level 1), in forest order (by order, then Beyer–Hedetniemi).
//!
//! P-series of partitioned methods ([`p_to_json`], [`p_text_table`], [`p_latex_table`]) add `"parts"` (the two
//! tableaus), `"colours"` (the colour convention, one sentence) and, per row, `"colours"`: the colour (1 = part
//! 1, 2 = part 2) of each vertex in the order of `"tree"`, root first. Rows are in coloured-forest order (by order,
//! uncoloured shape in Beyer–Hedetniemi order, then colour sequence).

use serde::Serialize;

use crate::derive::bseries::modified::FIELD_NORMALIZATION;
use crate::derive::bseries::pseries::{colour_convention, PSeries, P_FIELD_NORMALIZATION, P_METHOD_NORMALIZATION};
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
    let rows: Vec<[String; 5]> = series
        .iter()
        .filter(|(_, c)| !(skip_zero && c.is_zero()))
        .map(|(d, c)| [d.tree.to_string(), d.order.to_string(), d.sigma.to_string(), d.tree.bracket(), c.to_string()])
        .collect();
    let head = ["tree", "order", "sigma", "bracket", "coefficient"].map(String::from);
    push_columns(&mut out, &head, &rows, &[28, 5, 7, 22]);
    out
}

/// Append `head` and `rows` as aligned columns: each column but the last is as wide as its widest entry, and at
/// least `min[k]` (the widths the tables had, so the usual orders print as before; at order 10 the trees and
/// brackets outgrew fixed widths and shifted the columns). The layout of both tables: text columns, then the two
/// right-aligned numbers `order` and `sigma`, two spaces, the bracket, the coefficient.
fn push_columns<const K: usize>(out: &mut String, head: &[String; K], rows: &[[String; K]], min: &[usize]) {
    let mut width: Vec<usize> = min.to_vec();
    width.resize(K, 0);
    for row in std::iter::once(head).chain(rows) {
        for (w, cell) in width.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let (order, sigma) = (K - 4, K - 3);
    for row in std::iter::once(head).chain(rows) {
        let mut line = String::new();
        for (k, cell) in row.iter().enumerate() {
            let pad = " ".repeat(width[k] - cell.chars().count());
            if k + 1 == K {
                line.push_str(cell);
            } else if k == order || k == sigma {
                line.push_str(&pad);
                line.push_str(cell);
                line.push_str(if k == sigma { "  " } else { " " });
            } else {
                line.push_str(cell);
                line.push_str(&pad);
                line.push(' ');
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
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

// ---------- P-series (bi-coloured trees) ----------

/// One row of the P-series JSON table.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PCoefficientEntry {
    /// Canonical level sequence (that of the uncoloured shape).
    pub tree: Vec<u32>,
    /// Colours (1 = part 1, 2 = part 2) of the vertices in the same order, root first.
    pub colours: Vec<u8>,
    /// `|t|`.
    pub order: usize,
    /// `σ(t)`, colour-preserving automorphisms.
    pub sigma: u64,
    /// The exact coefficient, `"p/q"` or `"p"`.
    pub coefficient: String,
}

/// The P-series JSON document.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PCoefficientTable {
    /// Method name.
    pub method: String,
    /// Tableaus of part 1 and part 2.
    pub parts: [String; 2],
    /// One-sentence normalisation.
    pub normalization: String,
    /// One-sentence colour convention.
    pub colours: String,
    /// Rows.
    pub coefficients: Vec<PCoefficientEntry>,
}

fn p_normalization(kind: SeriesKind) -> &'static str {
    match kind {
        SeriesKind::Method => P_METHOD_NORMALIZATION,
        SeriesKind::VectorField => P_FIELD_NORMALIZATION,
    }
}

/// Builds the P-series table (all trees, zeros included).
pub fn p_table(series: &PSeries) -> PCoefficientTable {
    let [p1, p2] = series.parts();
    PCoefficientTable {
        method: series.name().to_string(),
        parts: [p1.to_string(), p2.to_string()],
        normalization: p_normalization(series.kind()).to_string(),
        colours: colour_convention(p1, p2),
        coefficients: series
            .iter()
            .map(|(d, c)| PCoefficientEntry {
                tree: d.tree.levels().to_vec(),
                colours: d.tree.colours().to_vec(),
                order: d.order,
                sigma: d.sigma,
                coefficient: c.to_string(),
            })
            .collect(),
    }
}

/// Pretty JSON of [`p_table`].
///
/// ```
/// use bea::derive::bseries::{output::p_to_json, pseries::{modified_pseries, PSeries}};
/// let b = modified_pseries(&PSeries::of_named("symplectic-euler", 2).unwrap()).unwrap();
/// let v: serde_json::Value = serde_json::from_str(&p_to_json(&b)).unwrap();
/// assert_eq!(v["parts"], serde_json::json!(["implicit-euler", "explicit-euler"]));
/// assert_eq!(v["coefficients"][3]["tree"], serde_json::json!([1, 2]));
/// assert_eq!(v["coefficients"][3]["colours"], serde_json::json!([1, 2]));
/// assert_eq!(v["coefficients"][3]["coefficient"], "-1/2");
/// ```
pub fn p_to_json(series: &PSeries) -> String {
    serde_json::to_string_pretty(&p_table(series)).expect("plain data serialises")
}

/// Plain-text P-series table: level sequence, colours, order, σ, bracket (`•` colour 1, `∘` colour 2),
/// coefficient; zero coefficients skipped if `skip_zero`.
///
/// ```
/// use bea::derive::bseries::{output::p_text_table, pseries::{modified_pseries, PSeries}};
/// let b = modified_pseries(&PSeries::of_named("symplectic-euler", 2).unwrap()).unwrap();
/// let text = p_text_table(&b, true);
/// let row: Vec<&str> = text.lines().find(|l| l.ends_with("[∘]•                       -1/2")).unwrap().split_whitespace().collect();
/// assert_eq!(row, ["[1,", "2]", "[1,", "2]", "2", "1", "[∘]•", "-1/2"]);
/// ```
pub fn p_text_table(series: &PSeries, skip_zero: bool) -> String {
    let [p1, p2] = series.parts();
    let mut out = format!(
        "# {} (part 1: {p1}, part 2: {p2})\n# {}\n# {}\n",
        series.name(),
        p_normalization(series.kind()),
        colour_convention(p1, p2)
    );
    let rows: Vec<[String; 6]> = series
        .iter()
        .filter(|(_, c)| !(skip_zero && c.is_zero()))
        .map(|(d, c)| {
            let colours: Vec<String> = d.tree.colours().iter().map(|x| x.to_string()).collect();
            [
                format!("{:?}", d.tree.levels()),
                format!("[{}]", colours.join(", ")),
                d.order.to_string(),
                d.sigma.to_string(),
                d.tree.bracket(),
                c.to_string(),
            ]
        })
        .collect();
    let head = ["tree", "colours", "order", "sigma", "bracket", "coefficient"].map(String::from);
    push_columns(&mut out, &head, &rows, &[28, 28, 5, 7, 26]);
    out
}

/// LaTeX `tabular` of a P-series (bracket notation, `\bullet` colour 1, `\circ` colour 2; `%` comments state
/// the normalisation and colours).
///
/// ```
/// use bea::derive::bseries::{output::p_latex_table, pseries::{modified_pseries, PSeries}};
/// let b = modified_pseries(&PSeries::of_named("symplectic-euler", 2).unwrap()).unwrap();
/// assert!(p_latex_table(&b, true).contains(r"$[\circ]\bullet$ & 2 & 1 & $-\frac{1}{2}$"));
/// ```
pub fn p_latex_table(series: &PSeries, skip_zero: bool) -> String {
    let [p1, p2] = series.parts();
    let mut out = format!(
        "% {} (part 1: {p1}, part 2: {p2})\n% {}\n% {}\n",
        series.name(),
        p_normalization(series.kind()),
        colour_convention(p1, p2)
    );
    out.push_str("\\begin{tabular}{llll}\n\\hline\ntree & $|t|$ & $\\sigma(t)$ & coefficient \\\\\n\\hline\n");
    for (d, c) in series.iter() {
        if skip_zero && c.is_zero() {
            continue;
        }
        out.push_str(&format!(
            "${}$ & {} & {} & ${}$ \\\\\n",
            d.tree.bracket_with("\\bullet", "\\circ"),
            d.order,
            d.sigma,
            latex_frac(c)
        ));
    }
    out.push_str("\\hline\n\\end{tabular}\n");
    out
}

fn latex_frac(c: &crate::algebra::Coef) -> String {
    if c.is_integer() {
        c.to_string()
    } else {
        let sign = if c.is_negative() { "-" } else { "" };
        let (num, den) = c.abs().parts();
        format!("{sign}\\frac{{{num}}}{{{den}}}")
    }
}
