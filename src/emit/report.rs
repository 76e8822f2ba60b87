//! The report every emitter renders: expressions printed, structure verdicts attached.

use super::expr::{Printer, Syntax};
use crate::algebra::{Algebra, Coef, Elem};
use crate::derive::ModifiedEquation;
use crate::spec::Recursion;
use crate::structure::{analyse, verifies, Structure};
use serde::Serialize;
use std::collections::BTreeMap;

/// One correction `f_l` with its structure verdict, printed.
#[derive(Clone, Debug, Serialize)]
pub struct CorrectionOut {
    /// `l`.
    pub order: usize,
    /// Components of `f_l`, infix.
    pub components: Vec<String>,
    /// Is the Jacobian of `f_l` symmetric?
    pub gradient: bool,
    /// `E_l` with `f_l = -grad E_l`, verified; `null` otherwise.
    pub potential: Option<String>,
    /// `(J - J^T)/2` entries `(i, j)` for `i < j` in row-major order, when not a gradient.
    pub antisymmetric: Option<Vec<String>>,
    /// With `antisymmetric`: whether it vanishes numerically at sampled points anyway (then `f_l` is most likely a
    /// gradient by an identity bea's algebra does not apply, such as `sin(2x) = 2 sin(x) cos(x)`; evidence, not
    /// proof). `true` for a gradient.
    pub numerically_symmetric: bool,
    /// LaTeX of the components (not part of the JSON contract).
    #[serde(skip)]
    pub components_latex: Vec<String>,
    /// LaTeX of the potential.
    #[serde(skip)]
    pub potential_latex: Option<String>,
    /// LaTeX of the antisymmetric part.
    #[serde(skip)]
    pub antisymmetric_latex: Option<Vec<String>>,
}

/// Everything `bea derive` prints, in the order of the JSON contract.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// `explicit-euler`, or the label of another method.
    pub method: String,
    /// `general`, `paper` or `both` for explicit Euler; `null` for the other methods, which are derived by B-series
    /// or by Taylor expansion of their step, not by either recursion (found by review: they said `general`).
    pub recursion: Option<Recursion>,
    /// State variables.
    pub variables: Vec<String>,
    /// Parameter values as exact strings, `null` when symbolic.
    pub parameters: BTreeMap<String, Option<String>>,
    /// `N`.
    pub order: usize,
    /// The field `f` (for a loss, `-grad E`).
    pub field: Vec<String>,
    /// The corrections `f_1..f_N` (general recursion when both were derived).
    pub corrections: Vec<CorrectionOut>,
    /// `E + h E_1 + ... + h^L E_L` for the largest `L` such that `E_0..E_L` all exist; `null` if `E_0` does not.
    pub modified_loss: Option<String>,
    /// That `L` (`N` when every correction has a potential, less when the sum stops early); `null` with
    /// `modified_loss`.
    pub modified_loss_order: Option<usize>,
    /// The loss `E` when the problem was given as a loss.
    pub loss: Option<String>,
    /// Catalogue name.
    pub name: Option<String>,
    /// Corrections by the paper's recursion (with `--recursion both`, or alone with `paper`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_corrections: Option<Vec<CorrectionOut>>,
    /// Per order `1..N`: do the two recursions agree exactly? (with `both`)
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<Vec<bool>>,
    /// For a gradient field: does `E_1 = |grad E|^2/4` hold exactly (Barrett & Dherin, eq. 2-4 with
    /// `lambda = h m / 4`)? `null` when `f` is not a gradient.
    pub igr_first_order: Option<bool>,
    /// Is the field `f` itself a gradient field (symmetric Jacobian)?
    pub field_gradient: bool,
    /// Is the Jacobian of `f` symmetric at sampled points (see [`CorrectionOut::numerically_symmetric`])?
    pub field_numerically_symmetric: bool,
    /// Description of the problem.
    #[serde(skip)]
    pub description: Option<String>,
    /// LaTeX of the field.
    #[serde(skip)]
    pub field_latex: Vec<String>,
    /// LaTeX of the modified loss.
    #[serde(skip)]
    pub modified_loss_latex: Option<String>,
    /// Why the modified loss stops before order `N` (text only; JSON has `modified_loss_order`).
    #[serde(skip)]
    pub modified_loss_note: Option<String>,
    /// Derived by Taylor expansion of the step (a partitioned method), not by B-series (text only).
    #[serde(skip)]
    pub by_taylor: bool,
    /// LaTeX of the loss.
    #[serde(skip)]
    pub loss_latex: Option<String>,
}

fn print_pair(alg: &Algebra, vars: &[String], e: &Elem) -> (String, String) {
    (Printer::new(alg, vars, Syntax::Text).elem(e), Printer::new(alg, vars, Syntax::Latex).elem(e))
}

/// [`print_pair`] for a potential or loss: as a sum of simpler fractions where [`Algebra::apart`] finds one
/// (`-1/6*y^2 + 11/42/(x + 1)^7`, not one fraction over `(x + 1)^7`).
fn print_pair_apart(alg: &mut Algebra, vars: &[String], e: &Elem) -> (String, String) {
    let parts = alg.apart(e);
    // A part over a denominator whose numerator is one negative term is subtracted, printed negated (`- 1/8/x^4`,
    // `- \frac{1}{8 ...}`); a polynomial part is a plain sum in both syntaxes, so its own leading `-` serves.
    // (Found by review: stripping the `-` of `\frac{-x + y}{...}` printed `- \frac{x + y}{...}`.)
    let signed: Vec<(bool, Elem)> = parts
        .iter()
        .map(|p| {
            let negative = p.den.iter().any(|&k| k > 0) && matches!(p.num.terms(), [(_, c)] if c.is_negative());
            if negative {
                (true, alg.neg(p))
            } else {
                (false, p.clone())
            }
        })
        .collect();
    let join = |syntax: Syntax| {
        let mut out = String::new();
        for (i, (negated, p)) in signed.iter().enumerate() {
            let t = Printer::new(alg, vars, syntax).elem(p);
            let polynomial_minus = if p.den.iter().all(|&k| k == 0) { t.strip_prefix('-') } else { None };
            match (i, negated, polynomial_minus) {
                (0, true, _) => out.push_str(&format!("-{t}")),
                (0, false, _) => out.push_str(&t),
                (_, true, _) => out.push_str(&format!(" - {t}")),
                (_, false, Some(rest)) => out.push_str(&format!(" - {rest}")),
                (_, false, None) => out.push_str(&format!(" + {t}")),
            }
        }
        out
    };
    (join(Syntax::Text), join(Syntax::Latex))
}

impl Report {
    /// Analyse and print a derivation.
    pub fn build(me: &mut ModifiedEquation) -> Report {
        Report::build_inner(me)
    }

    /// [`Report::build`], stopping at `deadline` (`seconds` is the limit it came from, for the message): the
    /// analysis arms the algebra's deadline, and a timed-out analysis is an error, never a report built from
    /// skipped products.
    pub fn build_within(
        me: &mut ModifiedEquation,
        deadline: Option<std::time::Instant>,
        seconds: f64,
    ) -> Result<Report, crate::derive::DeriveError> {
        me.problem.algebra.set_deadline(deadline);
        let report = Report::build_inner(me);
        let timed_out = me.problem.algebra.timed_out();
        me.problem.algebra.set_deadline(None);
        if timed_out {
            return Err(crate::derive::DeriveError::AnalysisTimeout { seconds });
        }
        Ok(report)
    }

    fn build_inner(me: &mut ModifiedEquation) -> Report {
        let vars = me.problem.vars.clone();
        let agreement = me.agreement();
        let p = &mut me.problem;
        let f0 = p.field.clone();
        // E_0: the loss, or a potential of f when f is a gradient field.
        let s0 = analyse(&mut p.algebra, &f0, p.loss.as_ref());
        let e0 = p.loss.clone().or(s0.potential.clone());
        // |f|^2/4: Barrett & Dherin's E_1 for gradient descent (the IGR line checks exactly this).
        let mut quarter = Elem::default();
        for fi in &f0 {
            let sq = p.algebra.mul(fi, fi);
            quarter = p.algebra.add(&quarter, &sq);
        }
        quarter = p.algebra.scale(&quarter, &Coef::new(1, 4));
        let build = |alg: &mut Algebra, fs: &[Vec<Elem>]| -> (Vec<CorrectionOut>, Vec<Structure>) {
            let ss = analyse_corrections(alg, &f0, fs);
            let outs =
                fs.iter().zip(&ss).enumerate().map(|(i, (fl, s))| correction_out(alg, &vars, i + 1, fl, s)).collect();
            (outs, ss)
        };
        let (general, gpots) = match &me.general {
            Some(fs) => {
                let (o, pt) = build(&mut p.algebra, fs);
                (Some(o), Some(pt))
            }
            None => (None, None),
        };
        let (paper, ppots) = match &me.paper {
            Some(fs) => {
                let (o, pt) = build(&mut p.algebra, fs);
                (Some(o), Some(pt))
            }
            None => (None, None),
        };
        let pots = gpots.or(ppots).unwrap_or_default();
        let first = me.general.as_ref().or(me.paper.as_ref()).and_then(|c| c.first());
        let igr = if s0.gradient { first.map(|f1| verifies(&mut p.algebra, &quarter, f1)) } else { None };
        let ml = modified_loss(&mut p.algebra, &vars, e0.as_ref(), &pots);
        let (field, field_latex): (Vec<String>, Vec<String>) =
            f0.iter().map(|e| print_pair(&p.algebra, &vars, e)).unzip();
        let loss = p.loss.as_ref().map(|e| print_pair_apart(&mut p.algebra, &vars, e));
        let (corrections, paper_corrections) = match (general, paper) {
            (Some(g), pp) => (g, pp),
            (None, Some(pp)) => (pp, None),
            (None, None) => (Vec::new(), None),
        };
        Report {
            method: "explicit-euler".into(),
            recursion: Some(p.recursion),
            variables: vars.clone(),
            parameters: p.params.iter().map(|(k, v)| (k.clone(), v.as_ref().map(|c| c.to_string()))).collect(),
            order: p.order,
            field,
            corrections,
            modified_loss: ml.as_ref().map(|m| m.text.clone()),
            modified_loss_order: ml.as_ref().map(|m| m.order),
            loss: loss.as_ref().map(|l| l.0.clone()),
            name: p.name.clone(),
            paper_corrections,
            agreement,
            igr_first_order: igr,
            field_gradient: s0.gradient,
            field_numerically_symmetric: s0.numerically_symmetric,
            description: p.description.clone(),
            field_latex,
            modified_loss_latex: ml.as_ref().map(|m| m.latex.clone()),
            modified_loss_note: ml.and_then(|m| m.note),
            loss_latex: loss.map(|l| l.1),
            by_taylor: false,
        }
    }
    /// Was the problem given as a loss?
    pub fn is_loss(&self) -> bool {
        self.loss.is_some()
    }
}

fn correction_out(
    alg: &mut Algebra,
    vars: &[String],
    order: usize,
    fl: &[Elem],
    s: &crate::structure::Structure,
) -> CorrectionOut {
    let (components, components_latex) = fl.iter().map(|e| print_pair(alg, vars, e)).unzip();
    let pot = s.potential.as_ref().map(|e| print_pair_apart(alg, vars, e));
    let anti: Option<(Vec<String>, Vec<String>)> =
        s.antisymmetric.as_ref().map(|a| a.iter().map(|(_, _, e)| print_pair(alg, vars, e)).unzip());
    CorrectionOut {
        order,
        components,
        gradient: s.gradient,
        potential: pot.as_ref().map(|p| p.0.clone()),
        antisymmetric: anti.as_ref().map(|a| a.0.clone()),
        numerically_symmetric: s.numerically_symmetric,
        components_latex,
        potential_latex: pot.map(|p| p.1),
        antisymmetric_latex: anti.map(|a| a.1),
    }
}

/// The modified loss `E_0 + h E_1 + ... + h^L E_L`, printed, with `L` and why it stops before `N`.
struct ModifiedLoss {
    text: String,
    latex: String,
    order: usize,
    note: Option<String>,
}

fn modified_loss(alg: &mut Algebra, vars: &[String], e0: Option<&Elem>, ss: &[Structure]) -> Option<ModifiedLoss> {
    let e0 = e0?;
    let (mut text, mut latex) = print_pair_apart(alg, vars, e0);
    let mut order = 0;
    let mut note = None;
    for (i, s) in ss.iter().enumerate() {
        let l = i + 1;
        let Some(p) = &s.potential else {
            let why = if s.gradient {
                format!("f_{l} has a symmetric Jacobian, but no potential E_{l} was found in closed form")
            } else {
                format!("f_{l} is not a gradient field, so E_{l} does not exist")
            };
            note = Some(format!("given through order {order} of {}: {why}", ss.len()));
            break;
        };
        order = l;
        if p.is_zero() {
            continue;
        }
        let (t, tex) = print_pair_apart(alg, vars, p);
        let hp = if l == 1 { "h".to_string() } else { format!("h^{l}") };
        let hl = if l == 1 { "h".to_string() } else { format!("h^{{{l}}}") };
        text.push_str(&format!(" + {hp}*({t})"));
        latex.push_str(&format!(" + {hl}\\left({tex}\\right)"));
    }
    Some(ModifiedLoss { text, latex, order, note })
}

/// The structure verdict of each correction `f_1..f_N` of the field `field`: the one analysis behind every
/// output (the report and the generated Rust module), so they cannot disagree about which potentials exist.
///
/// Order 1 gets a candidate potential read off the correction itself rather than assumed from explicit Euler:
/// `grad(|f|^2/2) = f'^T f` for any field, so if `f_1 = k f'^T f` for a rational `k` then `f_1 = -grad(-k |f|^2/2)`.
/// On a gradient field (`f'` symmetric) every method's `f_1` is such a multiple, `k` being the method's
/// modified-equation coefficient of the tree `[•]` (`f_1 = k f'f`): `-1/2` for explicit Euler (`E_1 = |f|^2/4`),
/// `+1/2` for implicit Euler (`E_1 = -|f|^2/4`), `0` for methods of order >= 2, and heavy-ball's own factor. `k`
/// is found by comparing `f_1` with `f'^T f` exactly (see [`first_order_hint`]), and the candidate, like any hint,
/// is accepted only if it verifies exactly.
pub fn analyse_corrections(alg: &mut Algebra, field: &[Elem], fs: &[Vec<Elem>]) -> Vec<Structure> {
    let hint = fs.first().and_then(|f1| first_order_hint(alg, field, f1));
    fs.iter().enumerate().map(|(i, fl)| analyse(alg, fl, if i == 0 { hint.as_ref() } else { None })).collect()
}

/// `-k |f|^2/2` when `f_1 = k f'^T f` (`= k grad(|f|^2/2)`) holds exactly for a rational `k` (read off one term,
/// then checked on every component); `None` otherwise (`f_1` is no such multiple, or `f'^T f = 0`).
pub fn first_order_hint(alg: &mut Algebra, field: &[Elem], f1: &[Elem]) -> Option<Elem> {
    if field.len() != f1.len() {
        return None;
    }
    let jac = crate::derive::jacobian(alg, field);
    let mut ff = Vec::with_capacity(field.len());
    for i in 0..field.len() {
        // (f'^T f)_i = sum_m (d f_m / d x_i) f_m
        let mut gi = Elem::default();
        for (row, fm) in jac.iter().zip(field) {
            let t = alg.mul(&row[i], fm);
            gi = alg.add(&gi, &t);
        }
        ff.push(alg.normalize(&gi));
    }
    let i = ff.iter().position(|g| !g.is_zero())?;
    let f1i = alg.normalize(&f1[i]);
    let k = if f1i.is_zero() {
        Coef::zero()
    } else {
        if f1i.den != ff[i].den {
            return None;
        }
        let (mono, c) = ff[i].num.terms().first()?;
        let (_, c1) = f1i.num.terms().iter().find(|(m, _)| m == mono)?;
        c1.mul(&c.recip()?)
    };
    let exact = ff.iter().zip(f1).all(|(g, f)| {
        let kg = alg.scale(g, &k);
        alg.equal(&kg, f)
    });
    if !exact {
        return None;
    }
    let mut sq = Elem::default();
    for fi in field {
        let t = alg.mul(fi, fi);
        sq = alg.add(&sq, &t);
    }
    Some(alg.scale(&sq, &k.mul(&Coef::new(-1, 2))))
}
