//! Human-readable text: one expression per line, orders labelled (also the snapshot format of `series/`).

use super::{CorrectionOut, Emitter, Report};
use std::fmt::Write;

/// The text emitter.
pub struct Text;

fn section(out: &mut String, vars: &[String], c: &CorrectionOut, tag: &str) {
    let l = c.order;
    let _ = writeln!(out, "order {l}{tag}:");
    for (v, comp) in vars.iter().zip(&c.components) {
        let _ = writeln!(out, "  f_{l}[{v}] = {comp}");
    }
    match (&c.potential, &c.antisymmetric) {
        (Some(p), _) => {
            let _ = writeln!(out, "  gradient field: yes, f_{l} = -grad E_{l} with");
            let _ = writeln!(out, "  E_{l} = {p}");
        }
        (None, None) => {
            let _ =
                writeln!(out, "  gradient field: yes (symmetric Jacobian), but no potential was found in closed form");
        }
        (None, Some(a)) => {
            if c.numerically_symmetric {
                let _ = writeln!(
                    out,
                    "  gradient field: undecided; the antisymmetric part of the Jacobian below is not zero in bea's \
                     algebra, but it vanishes numerically at {} sampled points: most likely f_{l} is a gradient by an \
                     identity the algebra does not apply (sin(2x) = 2 sin(x) cos(x), exp(2x) = exp(x)^2; write the \
                     problem in sin(x), cos(x), exp(x) to decide it), (J - J^T)/2:",
                    crate::structure::SAMPLES
                );
            } else {
                let _ = writeln!(out, "  gradient field: no; antisymmetric part of the Jacobian, (J - J^T)/2:");
            }
            let n = vars.len();
            let mut k = 0;
            for i in 0..n {
                for j in i + 1..n {
                    let _ = writeln!(out, "  A[{},{}] = {}", vars[i], vars[j], a[k]);
                    k += 1;
                }
            }
        }
    }
}

/// The first line of a report: the method and how it was derived (for explicit Euler, the recursion).
pub(crate) fn header(r: &Report) -> String {
    let rec = match r.recursion {
        Some(crate::spec::Recursion::General) | None => "general (Lie derivative)",
        Some(crate::spec::Recursion::Paper) => "paper (Barrett & Dherin, App. A.1, eq. A.11-A.14)",
        Some(crate::spec::Recursion::Both) => "both (general and paper, compared)",
    };
    if r.method == "explicit-euler" {
        return format!("modified equation of explicit Euler (gradient descent), recursion: {rec}");
    }
    let how = if r.by_taylor { "by Taylor expansion of the step" } else { "by B-series" };
    format!("modified equation of {} ({how})", r.method)
}

impl Emitter for Text {
    fn emit(&self, r: &Report) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", header(r));
        if let Some(n) = &r.name {
            let _ = writeln!(out, "problem: {n}");
        }
        if let Some(d) = &r.description {
            let _ = writeln!(out, "  {d}");
        }
        let _ = writeln!(out, "variables: {}", r.variables.join(", "));
        if !r.parameters.is_empty() {
            let ps: Vec<String> = r
                .parameters
                .iter()
                .map(|(k, v)| match v {
                    Some(v) => format!("{k} = {v}"),
                    None => format!("{k} (symbolic)"),
                })
                .collect();
            let _ = writeln!(out, "parameters: {}", ps.join(", "));
        }
        // Heavy-ball's leading term is f_0 = f/(1 - beta), not f (found by review).
        let f0 = if r.method.starts_with("heavy-ball") { "f_0" } else { "f" };
        let sum = match r.order {
            0 => f0.to_string(),
            1 => format!("{f0} + h f_1"),
            2 => format!("{f0} + h f_1 + h^2 f_2"),
            n => format!("{f0} + h f_1 + ... + h^{n} f_{n}"),
        };
        let _ = writeln!(out, "modified field: f~ = {sum}");
        if let Some(l) = &r.loss {
            let _ = writeln!(out, "loss: E = {l}");
        }
        let heavy = r.method.starts_with("heavy-ball");
        let _ = writeln!(
            out,
            "{}",
            match (heavy, r.loss.is_some()) {
                (true, true) => "leading field f_0 = f/(1 - beta), f = -grad E:",
                (true, false) => "leading field f_0 = f/(1 - beta):",
                (false, true) => "field f = -grad E:",
                (false, false) => "field f:",
            }
        );
        let name = if heavy { "f_0" } else { "f" };
        for (v, c) in r.variables.iter().zip(&r.field) {
            let _ = writeln!(out, "  {name}[{v}] = {c}");
        }
        for c in &r.corrections {
            section(&mut out, &r.variables, c, "");
        }
        if let Some(pc) = &r.paper_corrections {
            let _ = writeln!(out, "--- the paper's recursion (App. A.1, eq. A.11-A.14) ---");
            for c in pc {
                section(&mut out, &r.variables, c, " (paper)");
            }
        }
        if let Some(a) = &r.agreement {
            let _ = writeln!(out, "agreement of the two recursions, by order:");
            for (i, ok) in a.iter().enumerate() {
                let _ = writeln!(out, "  order {}: {}", i + 1, if *ok { "agree" } else { "DIFFER" });
            }
        }
        if let Some(ok) = r.igr_first_order {
            let verdict = if ok { "holds exactly" } else { "does NOT hold" };
            let _ = writeln!(out, "implicit gradient regularization: E_1 = |grad E|^2/4 {verdict} (Barrett & Dherin, eq. 2-4: h E_1 = lambda R_IG with lambda = h m/4, R_IG = |grad E|^2/m)");
        }
        match (&r.modified_loss, r.field_gradient) {
            (Some(m), _) => {
                let _ = writeln!(out, "modified loss: E~ = {m}");
                if let Some(note) = &r.modified_loss_note {
                    let _ = writeln!(out, "  ({note})");
                }
            }
            (None, true) => {
                let _ = writeln!(
                    out,
                    "modified loss: none (f has a symmetric Jacobian, but no potential of f was found in closed form)"
                );
            }
            (None, false) if r.field_numerically_symmetric => {
                let _ = writeln!(
                    out,
                    "modified loss: none found (the algebra cannot show that f is a gradient field, though its \
                     Jacobian is symmetric at sampled points; write multiple angles and exp(k*x) in sin(x), cos(x), \
                     exp(x) to decide it)"
                );
            }
            (None, false) => {
                let _ = writeln!(out, "modified loss: none (f is not a gradient field)");
            }
        }
        out
    }
}
