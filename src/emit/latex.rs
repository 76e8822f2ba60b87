//! LaTeX: an `align*` block per order.

use super::{Emitter, Report};
use std::fmt::Write;

/// The LaTeX emitter.
pub struct Latex;

use super::expr::latex_name as var_tex;

impl Emitter for Latex {
    fn emit(&self, r: &Report) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "% bea: {}", super::text::header(r));
        // The rows of the align* block, joined by `\\` (found by review: every row ended in `\\`, so without a
        // modified loss the block ended in a stray line break).
        let mut rows: Vec<String> = Vec::new();
        if let Some(l) = &r.loss_latex {
            rows.push(format!("E &= {l}"));
        }
        for (v, c) in r.variables.iter().zip(&r.field_latex) {
            rows.push(format!("f_{{{}}} &= {c}", var_tex(v)));
        }
        let mut notes = Vec::new();
        let blocks = [Some((&r.corrections, "")), r.paper_corrections.as_ref().map(|p| (p, "^{\\mathrm{paper}}"))];
        for (cs, tag) in blocks.into_iter().flatten() {
            for c in cs {
                for (v, comp) in r.variables.iter().zip(&c.components_latex) {
                    rows.push(format!("f{tag}_{{{},{}}} &= {comp}", c.order, var_tex(v)));
                }
                if let Some(p) = &c.potential_latex {
                    rows.push(format!("E{tag}_{{{}}} &= {p}", c.order));
                }
                if let Some(a) = &c.antisymmetric_latex {
                    // A_{l}[x, y] = (J_xy - J_yx)/2 of f_l, labelled by the variable pair (found by review: A_{2,1}
                    // read as the matrix entry (2, 1) where it meant order 2, first entry).
                    let n = r.variables.len();
                    let pairs = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j)));
                    for ((i, j), e) in pairs.zip(a) {
                        let (x, y) = (var_tex(&r.variables[i]), var_tex(&r.variables[j]));
                        rows.push(format!("A{tag}_{{{}}}[{x}, {y}] &= {e}", c.order));
                    }
                    if c.numerically_symmetric {
                        notes.push(format!(
                            "% A{tag}_{{{}}} is not zero in bea's algebra but vanishes numerically at sampled points \
                             (most likely an identity the algebra does not apply)",
                            c.order
                        ));
                    }
                }
            }
        }
        if let Some(m) = &r.modified_loss_latex {
            rows.push(format!("\\tilde E &= {m}"));
        }
        let _ = writeln!(out, "\\begin{{align*}}");
        let _ = writeln!(out, "{}", rows.join(" \\\\\n"));
        let _ = writeln!(out, "\\end{{align*}}");
        if let Some(note) = &r.modified_loss_note {
            let _ = writeln!(out, "% modified loss {note}");
        }
        for note in notes {
            let _ = writeln!(out, "{note}");
        }
        out
    }
}
