//! Derivation engines: the modified vector field `f~ = f + h f_1 + h^2 f_2 + ...` of explicit Euler
//! (gradient descent), so that the exact flow of `f~` over time `h` reproduces one step `y + h f(y)` to all
//! orders in `h`.
//!
//! Two recursions, each in its own module:
//! - [`general`]: the Lie-derivative recursion of GUIDE section 2, valid for every vector field;
//! - [`paper`]: Barrett & Dherin (2021), Appendix A.1, eq. A.11-A.14, implemented as written; it assumes that
//!   the modified field keeps a symmetric Jacobian.
//!
//! Normalisation (both): `f_0 = f`, and `f_l` is the coefficient of `h^l` in `f~`, so the truncated modified
//! field of order `N` is `f + h f_1 + ... + h^N f_N`.

pub mod bseries;
pub mod general;
pub mod paper;
pub mod taylor;

use crate::algebra::{Algebra, Budget, Elem};
use crate::spec::{Problem, Recursion};
use std::time::{Duration, Instant};
use thiserror::Error;

/// Resource limits of a derivation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct DeriveOptions {
    /// Size limits of intermediate products.
    pub budget: Budget,
    /// Wall-clock limit; `None` for none.
    pub timeout: Option<Duration>,
}

/// Why a derivation stopped.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DeriveError {
    /// A multiplication would have formed more term products than the budget allows.
    #[error("expression swell: deriving order {order} needed a product of {products} term pairs, over the limit of {limit}; raise it with --max-terms (memory grows with it) or ask for a lower order")]
    TermLimit {
        /// the order being derived
        order: usize,
        /// the size of the refused product
        products: usize,
        /// the limit
        limit: usize,
    },
    /// An exponent of a generator or a denominator factor passed 65535 (the algebra's limit): no budget helps
    /// (found by review: `1/(x^1000)^65` reported a product of 18446744073709551615 term pairs).
    #[error("exponent overflow: deriving order {order} needed a power past 65535, the algebra's limit; ask for a lower order or write the input with smaller powers")]
    ExponentOverflow {
        /// the order being derived
        order: usize,
    },
    /// The wall-clock limit was reached in the analysis of the result (gradient tests, potentials), which can
    /// take much longer than the derivation (found by review: the structure of `sin(sin(...sin(x)))` 18 deep took
    /// 4 s after a derivation of a millisecond, because `cos^2 -> 1 - sin^2` expands products of its derivatives).
    #[error("timeout: the structure analysis (gradient tests, potentials) was not finished within {seconds} s; raise it with --timeout")]
    AnalysisTimeout {
        /// the limit
        seconds: f64,
    },
    /// The wall-clock limit was reached.
    #[error(
        "timeout: order {order} was not finished within {seconds} s; raise it with --timeout or ask for a lower order"
    )]
    Timeout {
        /// the order being derived
        order: usize,
        /// the limit
        seconds: f64,
    },
}

/// Checks the budget and the clock between steps.
pub(crate) struct Guard {
    start: Instant,
    opts: DeriveOptions,
}

impl Guard {
    pub(crate) fn new(opts: DeriveOptions) -> Guard {
        Guard { start: Instant::now(), opts }
    }
    /// A guard for a derivation in `alg`: sets the budget and arms the algebra's deadline
    /// ([`Algebra::set_deadline`]), so that a single long operation stops at the timeout too (found by fuzzing: the
    /// Jacobian of `tan(x)^1000` ran for minutes between two checks). End with [`Guard::finish`].
    pub(crate) fn armed(opts: DeriveOptions, alg: &mut Algebra) -> Guard {
        alg.set_budget(opts.budget);
        let guard = Guard::new(opts);
        // A limit past the clock's range is no limit (`Instant + Duration` would panic).
        alg.set_deadline(opts.timeout.and_then(|t| guard.start.checked_add(t)));
        guard
    }
    /// The last [`Guard::check`], then disarm the deadline (the algebra is handed on with the result).
    pub(crate) fn finish(&self, alg: &mut Algebra, order: usize) -> Result<(), DeriveError> {
        let r = self.check(alg, order);
        alg.set_deadline(None);
        r
    }
    pub(crate) fn check(&self, alg: &Algebra, order: usize) -> Result<(), DeriveError> {
        if alg.timed_out() {
            let seconds = self.opts.timeout.map_or(0.0, |t| t.as_secs_f64());
            return Err(DeriveError::Timeout { order, seconds });
        }
        if alg.exceeded() == Some(usize::MAX) {
            return Err(DeriveError::ExponentOverflow { order });
        }
        if let Some(products) = alg.exceeded() {
            return Err(DeriveError::TermLimit { order, products, limit: self.opts.budget.max_product_terms });
        }
        if let Some(t) = self.opts.timeout {
            if self.start.elapsed() > t {
                return Err(DeriveError::Timeout { order, seconds: t.as_secs_f64() });
            }
        }
        Ok(())
    }
}

/// The result of a derivation: the corrections of one or both recursions, in the problem's algebra.
#[derive(Clone, Debug)]
pub struct ModifiedEquation {
    /// The problem, its algebra extended by whatever atoms and factors the derivation created.
    pub problem: Problem,
    /// `f_1..f_N` by the general recursion (when asked for).
    pub general: Option<Vec<Vec<Elem>>>,
    /// `f_1..f_N` by the paper's recursion (when asked for).
    pub paper: Option<Vec<Vec<Elem>>>,
    /// Wall time of the derivation.
    pub elapsed: Duration,
}

impl ModifiedEquation {
    /// The corrections of the primary recursion (general when both were derived).
    pub fn corrections(&self) -> &[Vec<Elem>] {
        self.general.as_deref().or(self.paper.as_deref()).unwrap_or(&[])
    }
    /// Per order, whether the two recursions agree exactly (`None` unless both were derived).
    pub fn agreement(&mut self) -> Option<Vec<bool>> {
        let (g, p) = (self.general.as_ref()?, self.paper.as_ref()?);
        let alg = &mut self.problem.algebra;
        Some(g.iter().zip(p).map(|(a, b)| a.iter().zip(b).all(|(x, y)| alg.equal(x, y))).collect())
    }
}

/// Derive the corrections `f_1..f_N` of the problem with its recursion and default limits.
///
/// ```
/// use bea::spec::{examples, Problem};
/// let problem = Problem::from_raw(&examples::example("lotka-volterra").unwrap()).unwrap();
/// let me = bea::derive::derive(&problem).unwrap();
/// assert_eq!(me.corrections().len(), problem.order);
/// ```
pub fn derive(problem: &Problem) -> Result<ModifiedEquation, DeriveError> {
    derive_with(problem, &DeriveOptions::default())
}

/// [`derive`](fn@derive) with explicit resource limits.
pub fn derive_with(problem: &Problem, opts: &DeriveOptions) -> Result<ModifiedEquation, DeriveError> {
    let start = Instant::now();
    let mut p = problem.clone();
    let guard = Guard::armed(*opts, &mut p.algebra);
    let want_general = matches!(p.recursion, Recursion::General | Recursion::Both);
    let want_paper = matches!(p.recursion, Recursion::Paper | Recursion::Both);
    let general =
        if want_general { Some(general::corrections(&mut p.algebra, &p.field, p.order, &guard)?) } else { None };
    let paper = if want_paper { Some(paper::corrections(&mut p.algebra, &p.field, p.order, &guard)?) } else { None };
    guard.finish(&mut p.algebra, p.order)?;
    Ok(ModifiedEquation { problem: p, general, paper, elapsed: start.elapsed() })
}

/// `D_g F = F' g`: the derivative of the vector `F` along the vector field `g`.
pub(crate) fn lie(alg: &mut Algebra, jac: &[Vec<Elem>], g: &[Elem]) -> Vec<Elem> {
    jac.iter()
        .map(|row| {
            let mut acc = Elem::default();
            for (d, gm) in row.iter().zip(g) {
                if d.is_zero() || gm.is_zero() {
                    continue;
                }
                let t = alg.mul(d, gm);
                acc = alg.add(&acc, &t);
            }
            acc
        })
        .collect()
}

/// The Jacobian `J[i][m] = d F_i / d x_m`.
pub fn jacobian(alg: &mut Algebra, f: &[Elem]) -> Vec<Vec<Elem>> {
    let n = alg.n_state();
    f.iter().map(|fi| (0..n).map(|m| alg.diff(fi, m)).collect()).collect()
}

/// `1/k!` as an exact coefficient.
pub(crate) fn inv_factorial(k: usize) -> crate::algebra::Coef {
    let mut c = crate::algebra::Coef::one();
    for i in 2..=k {
        c = c.mul(&crate::algebra::Coef::new(1, i as i128));
    }
    c
}

/// `f_l = - sum_k T_k / k!` over the given `(k, T_k)`, normalised: the last step of both recursions
/// (GUIDE section 2 for the general one, eq. A.14 for the paper's).
pub(crate) fn minus_sum_over_factorials<'a>(
    alg: &mut Algebra,
    dim: usize,
    terms: impl Iterator<Item = (usize, &'a Vec<Elem>)>,
) -> Vec<Elem> {
    let mut fl = vec![Elem::default(); dim];
    for (k, t) in terms {
        let c = inv_factorial(k).neg();
        for (x, tk) in fl.iter_mut().zip(t) {
            let s = alg.scale(tk, &c);
            *x = alg.add(x, &s);
        }
    }
    fl.iter().map(|e| alg.normalize(e)).collect()
}
