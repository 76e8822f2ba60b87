//! Printing ring elements as infix text (parseable by bea, symplex and SymPy) and as LaTeX.
//!
//! Canonical and deterministic: numerator terms by descending total degree, then descending lexicographic order
//! of exponents (the first variable first); exact rational coefficients (`1/12*u*v`, never `0.0833`); powers with
//! `^`; denominators as products of their registered factors. Jets of an unspecified function `P(x, y)` print as
//! `P_x`, `P_xy`, `P_xxy` (variable names concatenated in argument order, joined by `_` when one of `P`'s argument
//! names is longer than one character: `P_x_theta`), meaning the partial derivative of `P` in those variables; when
//! an argument name or the function's name contains `_`, the text prints the derivative counts per argument slot
//! instead (`P_d1_0_2`). Roots print as `sqrt(u)`, `(u)^(1/n)` and, for a name or a whole number, `x^(1/n)`; for
//! odd `n` this means the real root, also of a negative `u` (as the evaluator and the generated Rust compute it),
//! whereas SymPy reads `(u)**(1/3)` as the principal complex root: use `real_root(u, n)` there.

use crate::algebra::{Algebra, Coef, Elem, GenKind, Mono, Poly};

/// A variable or parameter name in LaTeX: `x_10` becomes `x_{10}` (a subscript, as the name means) and any further
/// underscore is escaped (`q_a_b` becomes `q_{a\_b}`); names without an underscore are unchanged. Found by review:
/// `x_10` printed raw typesets as x₁0, and `q_ab^{2}` as q_a b².
///
/// ```
/// use bea::emit::expr::latex_name;
/// assert_eq!(latex_name("x"), "x");
/// assert_eq!(latex_name("x_10"), "x_{10}");
/// assert_eq!(latex_name("q_a_b"), "q_{a\\_b}");
/// assert_eq!(latex_name("x_"), "x\\_");
/// ```
pub fn latex_name(v: &str) -> String {
    match v.split_once('_') {
        Some((base, sub)) if !base.is_empty() && !sub.is_empty() => format!("{base}_{{{}}}", sub.replace('_', "\\_")),
        _ => v.replace('_', "\\_"),
    }
}

/// Which syntax to print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// Infix text with `^`.
    Text,
    /// LaTeX.
    Latex,
}

/// Prints elements of one algebra with the problem's variable names.
pub struct Printer<'a> {
    alg: &'a Algebra,
    vars: &'a [String],
    syntax: Syntax,
    /// Jets whose spelling another jet shares (names chosen by users can still make two spellings meet, e.g. a
    /// variable `d1` beside a function `P_x`): they print with their generator index appended, `P_x_d1__7`.
    clashing: std::collections::HashSet<usize>,
}

impl<'a> Printer<'a> {
    /// A printer for `alg` with state variable names `vars`.
    pub fn new(alg: &'a Algebra, vars: &'a [String], syntax: Syntax) -> Printer<'a> {
        let mut p = Printer { alg, vars, syntax, clashing: Default::default() };
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        for g in 0..alg.gens().len() {
            if matches!(alg.gens()[g], GenKind::Jet { .. }) {
                if let Some(&other) = seen.get(&p.gen_name(g)) {
                    p.clashing.insert(other);
                    p.clashing.insert(g);
                } else {
                    seen.insert(p.gen_name(g), g);
                }
            }
        }
        p
    }
    /// The element as a string.
    pub fn elem(&self, e: &Elem) -> String {
        let num = self.poly(&e.num);
        let dens: Vec<(usize, u16)> = e.den.iter().enumerate().filter(|(_, k)| **k > 0).map(|(i, k)| (i, *k)).collect();
        if dens.is_empty() {
            return num;
        }
        let den_parts: Vec<String> = dens.iter().map(|&(k, p)| self.factor(&self.alg.factors()[k], p)).collect();
        match self.syntax {
            Syntax::Latex => match e.num.as_constant().map(|c| c.parts()) {
                // A fraction over the denominator is one fraction: `\frac{1}{4 (x + 1)^{4}}`, not
                // `\frac{\frac{1}{4}}{(x + 1)^{4}}`.
                Some((n, d)) if d != num_bigint::BigInt::from(1) => {
                    format!("\\frac{{{n}}}{{{d} {}}}", den_parts.join(" "))
                }
                _ => format!("\\frac{{{}}}{{{}}}", num, den_parts.join(" ")),
            },
            Syntax::Text => {
                let top = if e.num.len() > 1 { format!("({num})") } else { num };
                // One factor never needs parentheses of its own: it is a generator, a parenthesised sum or a power
                // of either (`1/((x^2 + 2*x + 1))` had two pairs).
                let bottom =
                    if den_parts.len() == 1 { den_parts[0].clone() } else { format!("({})", den_parts.join("*")) };
                format!("{top}/{bottom}")
            }
        }
    }
    fn factor(&self, q: &Poly, p: u16) -> String {
        let body = self.poly(q);
        // A sum, or a power of a root: `((x + 1)^(1/3))^2`, since `a^(1/3)^2` reads as `a^(1/9)` (found by review).
        let wrapped = if q.len() > 1 || (p > 1 && body.contains('^')) {
            match self.syntax {
                Syntax::Text => format!("({body})"),
                Syntax::Latex => format!("\\left({body}\\right)"),
            }
        } else {
            body
        };
        match (p, self.syntax) {
            (1, _) => wrapped,
            (_, Syntax::Text) => format!("{wrapped}^{p}"),
            (_, Syntax::Latex) => format!("{wrapped}^{{{p}}}"),
        }
    }
    /// A polynomial, terms in canonical print order.
    pub fn poly(&self, p: &Poly) -> String {
        if p.is_zero() {
            return "0".to_string();
        }
        let mut terms: Vec<&(Mono, Coef)> = p.terms().iter().collect();
        terms.sort_by(|a, b| b.0.degree().cmp(&a.0.degree()).then_with(|| b.0.cmp(&a.0)));
        let mut out = String::new();
        for (i, (m, c)) in terms.iter().enumerate() {
            let neg = c.is_negative();
            let body = self.term(m, &c.abs());
            match (i, neg) {
                (0, true) => out.push('-'),
                (0, false) => {}
                (_, true) => out.push_str(" - "),
                (_, false) => out.push_str(" + "),
            }
            out.push_str(&body);
        }
        out
    }
    fn term(&self, m: &Mono, c: &Coef) -> String {
        let factors: Vec<String> = m.factors().map(|(g, e)| self.gen_power(g, e)).collect();
        let coef = self.coef(c);
        match (self.syntax, factors.is_empty(), c.is_one()) {
            (_, true, _) => coef,
            (_, false, true) => factors.join(if self.syntax == Syntax::Text { "*" } else { " " }),
            (Syntax::Text, false, false) => format!("{coef}*{}", factors.join("*")),
            (Syntax::Latex, false, false) => format!("{coef} {}", factors.join(" ")),
        }
    }
    fn coef(&self, c: &Coef) -> String {
        match self.syntax {
            Syntax::Text => c.to_string(),
            Syntax::Latex => {
                let (n, d) = c.parts();
                if d == num_bigint::BigInt::from(1) {
                    n.to_string()
                } else {
                    format!("\\frac{{{n}}}{{{d}}}")
                }
            }
        }
    }
    fn gen_power(&self, g: usize, e: u16) -> String {
        let name = self.gen_name(g);
        if e == 1 {
            return name;
        }
        match self.syntax {
            Syntax::Text if name.contains('^') => format!("({name})^{e}"),
            Syntax::Text => format!("{name}^{e}"),
            Syntax::Latex if name.contains('^') => format!("\\left({name}\\right)^{{{e}}}"),
            Syntax::Latex => format!("{name}^{{{e}}}"),
        }
    }
    /// The printed name of generator `g`.
    pub fn gen_name(&self, g: usize) -> String {
        let name = self.base_name(g);
        if self.clashing.contains(&g) {
            return if self.syntax == Syntax::Latex { format!("{name}^{{({g})}}") } else { format!("{name}__{g}") };
        }
        name
    }

    fn base_name(&self, g: usize) -> String {
        let latex = self.syntax == Syntax::Latex;
        match &self.alg.gens()[g] {
            GenKind::State(i) if latex => latex_name(&self.vars[*i]),
            GenKind::Param(p) if latex => latex_name(p),
            GenKind::State(i) => self.vars[*i].clone(),
            GenKind::Param(p) => p.clone(),
            GenKind::Jet { func, alpha } => {
                let f = &self.alg.functions()[*func];
                if alpha.iter().all(|a| *a == 0) {
                    let args: Vec<String> = f
                        .args
                        .iter()
                        .map(|i| if latex { latex_name(&self.vars[*i]) } else { self.vars[*i].clone() })
                        .collect();
                    return format!("{}({})", f.name, args.join(", "));
                }
                // The spelling is chosen per function, from all its argument names, so that distinct jets never
                // print alike (review: with arguments `x, y, xy` both `D_x D_y P` and `D_xy P` printed `P_xy`,
                // and with `x, y, x_y` both `D_x D_y P` and `D_{x_y} P` printed `P_x_y`).
                let names: Vec<&str> = f.args.iter().map(|i| self.vars[*i].as_str()).collect();
                // A function whose own name contains `_` takes the count spelling too (found by review: `P_x_x`
                // was both D_x D_x P and D_x of the function `P_x`).
                if !latex && (f.name.contains('_') || names.iter().any(|n| n.contains('_'))) {
                    // In text, such names cannot be joined by `_` unambiguously: print the derivative
                    // counts per argument slot instead, `P_d1_0_2` = d^3 P / (d arg1 d arg3^2). (LaTeX braces the
                    // subscripted names, `P_{x_{y},z}`, which is unambiguous.)
                    let counts: Vec<String> = alpha.iter().map(|a| a.to_string()).collect();
                    return format!("{}_d{}", f.name, counts.join("_"));
                }
                let mut idx: Vec<&str> = Vec::new();
                for (slot, &a) in alpha.iter().enumerate() {
                    for _ in 0..a {
                        idx.push(names[slot]);
                    }
                }
                let sep = if names.iter().all(|s| s.len() == 1) { "" } else { "_" };
                if latex {
                    let idx: Vec<String> = idx.iter().map(|v| latex_name(v)).collect();
                    format!("{}_{{{}}}", f.name, idx.join(if sep.is_empty() { "" } else { "," }))
                } else {
                    format!("{}_{}", f.name, idx.join(sep))
                }
            }
            GenKind::Apply(func, u) => {
                let arg = self.elem(u);
                if latex {
                    format!("\\{}\\left({arg}\\right)", func.name())
                } else {
                    format!("{}({arg})", func.name())
                }
            }
            GenKind::Root(n, u) => {
                let arg = self.elem(u);
                match (latex, n) {
                    (false, 2) => format!("sqrt({arg})"),
                    // A name or a whole number needs no parentheses: `x^(1/3)`, `2^(1/3)`.
                    (false, _) if arg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => {
                        format!("{arg}^(1/{n})")
                    }
                    (false, _) => format!("({arg})^(1/{n})"),
                    (true, 2) => format!("\\sqrt{{{arg}}}"),
                    (true, _) => format!("\\sqrt[{n}]{{{arg}}}"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{Printer, Syntax};
    use crate::algebra::{Algebra, GenKind, UnspecFn};

    /// Every jet `D^alpha P` with `|alpha| <= 3` of `P(vars...)`, printed in both syntaxes.
    fn jet_names(vars: &[&str], syntax: Syntax) -> Vec<String> {
        let vars: Vec<String> = vars.iter().map(|v| v.to_string()).collect();
        let mut alg = Algebra::new(vars.len());
        let p = alg.function(UnspecFn { name: "P".into(), args: (0..vars.len()).collect() });
        let n = vars.len();
        let mut alphas = vec![vec![0u16; n]];
        for _ in 0..3 {
            let mut next = Vec::new();
            for a in &alphas {
                for i in 0..n {
                    let mut b = a.clone();
                    b[i] += 1;
                    next.push(b);
                }
            }
            alphas.extend(next);
        }
        for a in alphas {
            alg.jet(p, a);
        }
        let printer = Printer::new(&alg, &vars, syntax);
        (0..alg.gens().len())
            .filter(|&g| matches!(alg.gens()[g], GenKind::Jet { .. }))
            .map(|g| printer.gen_name(g))
            .collect()
    }

    /// Distinct jets print distinctly (review: `P(x, y, xy)` printed both `D_x D_y P` and `D_xy P` as `P_xy`, and
    /// `P(x, y, x_y)` printed both `D_x D_y P` and `D_{x_y} P` as `P_x_y`).
    #[test]
    fn jet_names_are_unambiguous() {
        for vars in [&["x", "y"][..], &["x", "y", "xy"], &["x", "y", "x_y"], &["a_1", "a"], &["theta", "t", "h"]] {
            for syntax in [Syntax::Text, Syntax::Latex] {
                let names = jet_names(vars, syntax);
                let unique: HashSet<&String> = names.iter().collect();
                assert_eq!(unique.len(), names.len(), "{vars:?} {syntax:?}: {names:?}");
            }
        }
    }

    /// Jets of two functions never print alike either (review: with `P(x, xx)` and `P_x(x, y)`, `P_x_x` was both
    /// D_x D_x P and D_x P_x).
    #[test]
    fn jet_names_of_two_functions_are_unambiguous() {
        let vars: Vec<String> = ["x", "y", "xx"].iter().map(|v| v.to_string()).collect();
        let mut alg = Algebra::new(3);
        let p = alg.function(UnspecFn { name: "P".into(), args: vec![0, 2] });
        let q = alg.function(UnspecFn { name: "P_x".into(), args: vec![0, 1] });
        for a in 0..3u16 {
            for b in 0..3u16 {
                alg.jet(p, vec![a, b]);
                alg.jet(q, vec![a, b]);
            }
        }
        let printer = Printer::new(&alg, &vars, Syntax::Text);
        let names: Vec<String> = (0..alg.gens().len())
            .filter(|&g| matches!(alg.gens()[g], GenKind::Jet { .. }))
            .map(|g| printer.gen_name(g))
            .collect();
        let unique: HashSet<&String> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        assert!(names.contains(&"P_x_x".to_string()) && names.contains(&"P_x_d1_0".to_string()), "{names:?}");
        // A variable named `d1` makes P(x, d1)'s D_x D_d1 spell `P_x_d1`, as D_x of P_x(x) does: both get their
        // generator index.
        let vars: Vec<String> = ["x", "d1"].iter().map(|v| v.to_string()).collect();
        let mut alg = Algebra::new(2);
        let p = alg.function(UnspecFn { name: "P".into(), args: vec![0, 1] });
        let q = alg.function(UnspecFn { name: "P_x".into(), args: vec![0] });
        alg.jet(p, vec![1, 1]);
        alg.jet(q, vec![1]);
        let printer = Printer::new(&alg, &vars, Syntax::Text);
        let names: Vec<String> = (0..alg.gens().len())
            .filter(|&g| matches!(alg.gens()[g], GenKind::Jet { .. }))
            .map(|g| printer.gen_name(g))
            .collect();
        assert_eq!(names.len(), 2);
        assert!(names[0] != names[1] && names.iter().all(|n| n.starts_with("P_x_d1__")), "{names:?}");
    }

    /// The readable spellings are kept where they are unambiguous.
    #[test]
    fn jet_names_spelling() {
        let text = jet_names(&["x", "y"], Syntax::Text);
        assert!(text.contains(&"P_xy".to_string()) && text.contains(&"P_xxy".to_string()), "{text:?}");
        let text = jet_names(&["x", "theta"], Syntax::Text);
        assert!(text.contains(&"P_x_theta".to_string()) && text.contains(&"P_x_x".to_string()), "{text:?}");
        let text = jet_names(&["x", "x_y"], Syntax::Text);
        assert!(text.contains(&"P_d1_2".to_string()) && text.contains(&"P(x, x_y)".to_string()), "{text:?}");
        let latex = jet_names(&["x", "x_y"], Syntax::Latex);
        assert!(latex.contains(&"P_{x,x_{y}}".to_string()), "{latex:?}");
    }
}
