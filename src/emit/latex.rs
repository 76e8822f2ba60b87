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
        let _ = writeln!(out, "\\begin{{align*}}");
        if let Some(l) = &r.loss_latex {
            let _ = writeln!(out, "E &= {l} \\\\");
        }
        for (v, c) in r.variables.iter().zip(&r.field_latex) {
            let _ = writeln!(out, "f_{{{}}} &= {c} \\\\", var_tex(v));
        }
        let blocks = [Some((&r.corrections, "")), r.paper_corrections.as_ref().map(|p| (p, "^{\\mathrm{paper}}"))];
        for (cs, tag) in blocks.into_iter().flatten() {
            for c in cs {
                for (v, comp) in r.variables.iter().zip(&c.components_latex) {
                    let _ = writeln!(out, "f{tag}_{{{},{}}} &= {comp} \\\\", c.order, var_tex(v));
                }
                if let Some(p) = &c.potential_latex {
                    let _ = writeln!(out, "E{tag}_{{{}}} &= {p} \\\\", c.order);
                }
                if let Some(a) = &c.antisymmetric_latex {
                    for (k, e) in a.iter().enumerate() {
                        let _ = writeln!(out, "A{tag}_{{{},{}}} &= {e} \\\\", c.order, k + 1);
                    }
                }
            }
        }
        if let Some(m) = &r.modified_loss_latex {
            let _ = writeln!(out, "\\tilde E &= {m}");
        }
        let _ = writeln!(out, "\\end{{align*}}");
        if let Some(note) = &r.modified_loss_note {
            let _ = writeln!(out, "% modified loss {note}");
        }
        out
    }
}
