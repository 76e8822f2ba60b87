//! The narrow seam to the CAS, symplex (`=0.57.0`, pinned: its API and printing change between releases).
//!
//! bea derives in its own exact algebra ([`crate::algebra`]); symplex is used where an independent second
//! algorithm is worth having: as the oracle that checks derived series in the tests (Hairer's closed forms for
//! `f_1`, `f_2` computed by symplex's own differentiation and expansion), and to check that everything bea
//! prints parses back (the JSON contract). Expressions cross the seam as infix text, which keeps symplex's
//! expression store (which never frees) out of bea's data structures.

use symplex::expr::ExprType;
use symplex::prelude::*;

/// Errors at the CAS seam.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CasError {
    /// symplex could not parse the text.
    #[error("symplex could not parse \"{text}\": {message}")]
    Parse {
        /// the text
        text: String,
        /// symplex's message
        message: String,
    },
    /// A name symplex refuses as a symbol.
    #[error("invalid symbol name '{0}'")]
    Symbol(String),
    /// symplex's `expand` left a product or power unexpanded: it silently skips a product or power whose
    /// expansion would have more than 1,000,000 terms (`EXPAND_TERM_LIMIT`) or a power of a sum above 200
    /// (GUIDE section 4). Comparing or printing such a result as if expanded could give a wrong answer.
    #[error("symplex left {what} unexpanded (its limits: 1,000,000 terms per product or power, exponent 200): the expression is too large for the CAS oracle")]
    ExpandLimit {
        /// The unexpanded part, abbreviated.
        what: String,
    },
}

fn parse(ctx: &Context, text: &str) -> Result<Ex, CasError> {
    ctx.parse(text).map_err(|e| CasError::Parse { text: text.to_string(), message: e.to_string() })
}

/// `e.expand()`, checked: an error if symplex left a product or power of a sum unexpanded (its silent limits,
/// see [`CasError::ExpandLimit`]). Function arguments are not looked into (a shallow expansion leaves them).
fn expand_checked(e: &Ex) -> Result<Ex, CasError> {
    let x = e.expand();
    match unexpanded(&x) {
        None => Ok(x),
        Some(part) => {
            let text = part.to_string();
            let what = if text.chars().count() > 80 {
                format!("{}... ({} characters)", text.chars().take(60).collect::<String>(), text.len())
            } else {
                text
            };
            Err(CasError::ExpandLimit { what })
        }
    }
}

/// The first part of `e` that a full (shallow) expansion would have multiplied out: a product with a sum among
/// its factors, or a sum raised to a positive integer power.
fn unexpanded(e: &Ex) -> Option<Ex> {
    let is_sum = |a: &Ex| a.expr_type() == ExprType::Add;
    match e.expr_type() {
        ExprType::Add | ExprType::Neg => e.args().iter().find_map(unexpanded),
        ExprType::Mul => {
            let args = e.args();
            if args.iter().any(is_sum) {
                return Some(e.clone());
            }
            args.iter().find_map(unexpanded)
        }
        ExprType::Pow => {
            let args = e.args();
            let positive_int = args.get(1).is_some_and(|n| n.to_string().parse::<i64>().is_ok_and(|n| n > 0));
            match args.first() {
                Some(b) if positive_int && (is_sum(b) || unexpanded(b).is_some()) => Some(e.clone()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Is `a - b` identically zero? Decided by symplex: both sides over a common denominator, numerator expanded.
/// `None` when symplex cannot decide; [`CasError::ExpandLimit`] when the numerator is too large for symplex to
/// expand (never a guess).
///
/// ```
/// assert_eq!(bea::cas::same("(x + y)^2", "x^2 + 2*x*y + y^2").unwrap(), Some(true));
/// assert_eq!(bea::cas::same("1/(x*(x + 1))", "1/x - 1/(x + 1)").unwrap(), Some(true));
/// assert_eq!(bea::cas::same("x", "y").unwrap(), Some(false));
/// ```
pub fn same(a: &str, b: &str) -> Result<Option<bool>, CasError> {
    let ctx = Context::new();
    let d = &parse(&ctx, a)? - &parse(&ctx, b)?;
    let (n, _) = d.together().as_numer_denom();
    let n = expand_checked(&n)?;
    let text = n.to_string();
    if text == "0" {
        return Ok(Some(true));
    }
    if !text.contains('(') {
        // An expanded polynomial that is not 0 is a non-zero polynomial.
        return Ok(Some(false));
    }
    Ok(n.is_zero())
}

/// Hairer, Lubich & Wanner (GNI, 2nd ed., ch. IX) closed forms for explicit Euler, computed by symplex alone:
/// `f_1 = -1/2 f'f` and `f_2 = 1/3 f'f'f + 1/12 f''(f,f)`. Returns the components of `f_1` and `f_2` as text,
/// expanded ([`CasError::ExpandLimit`] if symplex could not expand them).
///
/// ```
/// let (f1, _f2) = bea::cas::hairer_f1_f2(&["u*(v - 2)", "v*(1 - u)"], &["u", "v"]).unwrap();
/// assert_eq!(bea::cas::same(&f1[0], "-1/2*(u*(v - 2)*(v - 2) + u*v*(1 - u))").unwrap(), Some(true));
/// ```
pub fn hairer_f1_f2(field: &[&str], vars: &[&str]) -> Result<(Vec<String>, Vec<String>), CasError> {
    let ctx = Context::new();
    let xs: Vec<Ex> = vars
        .iter()
        .map(|v| ctx.try_symbol(v).map_err(|_| CasError::Symbol(v.to_string())))
        .collect::<Result<_, _>>()?;
    let f: Vec<Ex> = field.iter().map(|t| parse(&ctx, t)).collect::<Result<_, _>>()?;
    let n = f.len();
    // (F' g)_i = sum_j dF_i/dx_j g_j
    let apply = |fv: &[Ex], g: &[Ex]| -> Vec<Ex> {
        (0..n).map(|i| (0..n).fold(ctx.int(0), |acc, j| &acc + &(&fv[i].diff(&xs[j]) * &g[j]))).collect()
    };
    let ff = apply(&f, &f);
    let fff = apply(&f, &ff);
    // f''(f, f)_i = sum_{j,k} d^2 f_i / dx_j dx_k f_j f_k
    let f2ff: Vec<Ex> = (0..n)
        .map(|i| {
            let mut acc = ctx.int(0);
            for j in 0..n {
                for k in 0..n {
                    acc = &acc + &(&(&f[i].diff(&xs[j]).diff(&xs[k]) * &f[j]) * &f[k]);
                }
            }
            acc
        })
        .collect();
    let half = ctx.parse("-1/2").map_err(|e| CasError::Parse { text: "-1/2".into(), message: e.to_string() })?;
    let third = ctx.parse("1/3").map_err(|e| CasError::Parse { text: "1/3".into(), message: e.to_string() })?;
    let twelfth = ctx.parse("1/12").map_err(|e| CasError::Parse { text: "1/12".into(), message: e.to_string() })?;
    let f1 = ff.iter().map(|e| expand_checked(&(&half * e)).map(|x| x.to_string())).collect::<Result<_, _>>()?;
    let f2 = (0..n)
        .map(|i| expand_checked(&(&(&third * &fff[i]) + &(&twelfth * &f2ff[i]))).map(|x| x.to_string()))
        .collect::<Result<_, _>>()?;
    Ok((f1, f2))
}
