//! Butcher tableaus with exact rational entries: built-ins and a TOML format.
//!
//! A Runge–Kutta method `k_i = f(y + h Σ_j a_ij k_j)`, `y_1 = y + h Σ_i b_i k_i` is stored as
//! `(A, b, c)` with `c = A·1` (row sums). Explicit (strictly lower-triangular `A`) and implicit
//! methods are both allowed; the B-series of either is computed from the tableau alone
//! (Hairer, Lubich & Wanner, *Geometric Numerical Integration*, 2nd ed., Thm. III.1.4).
//!
//! # TOML format
//! ```toml
//! name = "Heun"                    # required
//! a = [["0", "0"], ["1", "0"]]     # required, s×s; strings "p/q", "p", or TOML integers
//! b = ["1/2", "1/2"]               # required, length s
//! c = ["0", "1"]                   # optional, length s; must equal the row sums of A
//! ```
//! Floats are rejected (the arithmetic is exact); write `"1/3"` instead of `0.333`.

use std::path::Path;

use num_bigint::BigInt;
use num_rational::BigRational;
use serde::Deserialize;

use crate::algebra::Coef;

/// Errors in building or parsing a tableau.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableauError {
    /// `A` is not square, or `b`/`c` do not have one entry per stage.
    #[error("shape mismatch: {what} has length {found}, expected {expected} (number of stages)")]
    Shape {
        /// Which part (e.g. `"a row 2"`, `"b"`).
        what: String,
        /// Length found.
        found: usize,
        /// Length expected.
        expected: usize,
    },
    /// No stages.
    #[error("a tableau needs at least one stage")]
    NoStages,
    /// An entry is not an exact rational.
    #[error("cannot parse {what} = {text:?} as an exact rational (use \"p/q\" or an integer): {reason}")]
    Rational {
        /// Which entry.
        what: String,
        /// The text found.
        text: String,
        /// Why it failed.
        reason: String,
    },
    /// `c_i` differs from the i-th row sum of `A`.
    #[error("c[{index}] = {found} but row {index} of A sums to {row_sum}; bea uses autonomous B-series with c = A·1")]
    RowSum {
        /// Stage index (0-based).
        index: usize,
        /// Given `c_i`.
        found: String,
        /// Row sum of `A`.
        row_sum: String,
    },
    /// TOML syntax or schema error.
    #[error("invalid tableau TOML: {0}")]
    Toml(String),
    /// An error in a tableau file, with its path.
    #[error("in the tableau file {path}: {message}")]
    File {
        /// The path.
        path: String,
        /// The error.
        message: String,
    },
    /// File could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error text.
        reason: String,
    },
    /// No built-in method of that name.
    #[error("unknown method {0:?}; built-ins: {1}")]
    UnknownMethod(String, String),
    /// A name with a line break or another control character: it is copied into comments and doc lines of the
    /// generated code and into text tables (found by review: a newline in a name injected a Rust item).
    #[error("the method's name {0:?} contains a control character (a line break?): give a one-line name")]
    BadName(String),
}

/// A Butcher tableau with exact rational coefficients (`c = A·1`).
///
/// ```
/// use bea::derive::bseries::tableau::ButcherTableau;
/// let heun = ButcherTableau::named("heun").unwrap();
/// assert_eq!(heun.stages(), 2);
/// assert!(heun.is_explicit());
/// assert_eq!(heun.b()[0].to_string(), "1/2");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ButcherTableau {
    name: String,
    a: Vec<Vec<Coef>>,
    b: Vec<Coef>,
    c: Vec<Coef>,
}

/// Names accepted by [`ButcherTableau::named`].
pub const BUILTIN_METHODS: &[&str] =
    &["explicit-euler", "implicit-euler", "explicit-midpoint", "implicit-midpoint", "heun", "rk4", "ssprk33"];

impl ButcherTableau {
    /// Builds and validates a tableau (`A` square `s×s`, `b` of length `s`); `c` is set to `A·1`.
    ///
    /// ```
    /// use bea::derive::bseries::tableau::{ButcherTableau, rat};
    /// let t = ButcherTableau::new("euler", vec![vec![rat(0, 1)]], vec![rat(1, 1)]).unwrap();
    /// assert_eq!(t.c()[0], rat(0, 1));
    /// ```
    pub fn new(name: &str, a: Vec<Vec<Coef>>, b: Vec<Coef>) -> Result<Self, TableauError> {
        if name.chars().any(char::is_control) {
            return Err(TableauError::BadName(name.to_string()));
        }
        let s = b.len();
        if s == 0 {
            return Err(TableauError::NoStages);
        }
        if a.len() != s {
            return Err(shape("A (rows)", a.len(), s));
        }
        for (i, row) in a.iter().enumerate() {
            if row.len() != s {
                return Err(shape(&format!("a row {i}"), row.len(), s));
            }
        }
        let c = a.iter().map(|row| row.iter().fold(Coef::zero(), |acc, x| acc.add(x))).collect();
        Ok(ButcherTableau { name: name.to_string(), a, b, c })
    }

    /// A built-in method by name (case-insensitive; `_` and spaces read as `-`). See
    /// [`BUILTIN_METHODS`]; aliases: `euler`/`forward-euler`, `backward-euler`, `midpoint`,
    /// `classical-rk4`, `ssprk3`/`ssprk-3-3`.
    ///
    /// ```
    /// use bea::derive::bseries::tableau::ButcherTableau;
    /// assert_eq!(ButcherTableau::named("RK4").unwrap().stages(), 4);
    /// assert!(ButcherTableau::named("nope").is_err());
    /// ```
    pub fn named(name: &str) -> Result<Self, TableauError> {
        let key = name.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let (canonical, (a, b)): (&str, Pairs) = match key.as_str() {
            "explicit-euler" | "euler" | "forward-euler" => ("explicit-euler", (vec![vec![(0, 1)]], vec![(1, 1)])),
            "implicit-euler" | "backward-euler" => ("implicit-euler", (vec![vec![(1, 1)]], vec![(1, 1)])),
            "explicit-midpoint" | "midpoint" => {
                ("explicit-midpoint", (vec![vec![(0, 1), (0, 1)], vec![(1, 2), (0, 1)]], vec![(0, 1), (1, 1)]))
            }
            "implicit-midpoint" => ("implicit-midpoint", (vec![vec![(1, 2)]], vec![(1, 1)])),
            "heun" => ("heun", (vec![vec![(0, 1), (0, 1)], vec![(1, 1), (0, 1)]], vec![(1, 2), (1, 2)])),
            "rk4" | "classical-rk4" => ("rk4", rk4()),
            "ssprk33" | "ssprk3" | "ssprk-3-3" => ("ssprk33", ssprk33()),
            _ => return Err(TableauError::UnknownMethod(name.to_string(), BUILTIN_METHODS.join(", "))),
        };
        let conv = |v: &[(i64, i64)]| v.iter().map(|&(p, q)| rat(p, q)).collect::<Vec<_>>();
        Self::new(canonical, a.iter().map(|r| conv(r)).collect(), conv(&b))
    }

    /// Parses the TOML format of the module docs.
    ///
    /// ```
    /// use bea::derive::bseries::tableau::ButcherTableau;
    /// let t = ButcherTableau::from_toml_str(r#"
    ///     name = "ralston"
    ///     a = [["0", "0"], ["2/3", "0"]]
    ///     b = ["1/4", "3/4"]
    /// "#).unwrap();
    /// assert_eq!(t.c()[1].to_string(), "2/3");
    /// assert!(ButcherTableau::from_toml_str("name = \"x\"\na = [[0.5]]\nb = [1]").is_err());
    /// ```
    pub fn from_toml_str(text: &str) -> Result<Self, TableauError> {
        let raw: RawTableau = toml::from_str(text).map_err(|e| TableauError::Toml(e.to_string()))?;
        let parse_vec = |what: &str, v: &[RawEntry]| -> Result<Vec<Coef>, TableauError> {
            v.iter().enumerate().map(|(j, e)| e.parse(&format!("{what}[{j}]"))).collect()
        };
        let a = raw
            .a
            .iter()
            .enumerate()
            .map(|(i, row)| parse_vec(&format!("a[{i}]"), row))
            .collect::<Result<Vec<_>, _>>()?;
        let b = parse_vec("b", &raw.b)?;
        let tab = Self::new(&raw.name, a, b)?;
        if let Some(c) = raw.c {
            let c = parse_vec("c", &c)?;
            if c.len() != tab.stages() {
                return Err(shape("c", c.len(), tab.stages()));
            }
            for (i, (given, sum)) in c.iter().zip(&tab.c).enumerate() {
                if given != sum {
                    return Err(TableauError::RowSum { index: i, found: given.to_string(), row_sum: sum.to_string() });
                }
            }
        }
        Ok(tab)
    }

    /// Reads a TOML tableau file.
    pub fn from_toml_file(path: &Path) -> Result<Self, TableauError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| TableauError::Io { path: path.display().to_string(), reason: e.to_string() })?;
        // Name the file in every error (found by review: "invalid tableau TOML: missing field `name`" did not).
        Self::from_toml_str(&text)
            .map_err(|e| TableauError::File { path: path.display().to_string(), message: e.to_string() })
    }

    /// The method's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of stages `s`.
    pub fn stages(&self) -> usize {
        self.b.len()
    }

    /// The matrix `A` (rows).
    pub fn a(&self) -> &[Vec<Coef>] {
        &self.a
    }

    /// The weights `b`.
    pub fn b(&self) -> &[Coef] {
        &self.b
    }

    /// The nodes `c = A·1`.
    pub fn c(&self) -> &[Coef] {
        &self.c
    }

    /// The same tableau under another name.
    pub fn renamed(mut self, name: &str) -> Self {
        self.name = name.to_string();
        self
    }

    /// Whether `A` is strictly lower triangular.
    pub fn is_explicit(&self) -> bool {
        self.a.iter().enumerate().all(|(i, row)| row[i..].iter().all(Coef::is_zero))
    }
}

fn shape(what: &str, found: usize, expected: usize) -> TableauError {
    TableauError::Shape { what: what.to_string(), found, expected }
}

/// The exact rational `p/q` (panics if `q == 0`; for constants only).
///
/// ```
/// assert_eq!(bea::derive::bseries::tableau::rat(2, 4).to_string(), "1/2");
/// ```
pub fn rat(p: i64, q: i64) -> Coef {
    Coef::new(i128::from(p), i128::from(q))
}

/// Parses `"p/q"`, `"p"` or `"-p/q"` into an exact rational.
///
/// ```
/// use bea::derive::bseries::tableau::{parse_rational, rat};
/// assert_eq!(parse_rational(" -2/6 ").unwrap(), rat(-1, 3));
/// assert!(parse_rational("1/0").is_err());
/// assert!(parse_rational("0.5").is_err());
/// ```
pub fn parse_rational(text: &str) -> Result<Coef, String> {
    let t = text.trim();
    let (p, q) = match t.split_once('/') {
        Some((p, q)) => (p.trim(), q.trim()),
        None => (t, "1"),
    };
    let num: BigInt = p.parse().map_err(|_| format!("numerator {p:?} is not an integer"))?;
    let den: BigInt = q.parse().map_err(|_| format!("denominator {q:?} is not an integer"))?;
    if den == BigInt::from(0) {
        return Err("zero denominator".to_string());
    }
    Ok(Coef::from_big(BigRational::new(num, den)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTableau {
    name: String,
    a: Vec<Vec<RawEntry>>,
    b: Vec<RawEntry>,
    c: Option<Vec<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEntry {
    Int(i64),
    Text(String),
    Float(f64),
}

impl RawEntry {
    fn parse(&self, what: &str) -> Result<Coef, TableauError> {
        let err = |text: String, reason: String| TableauError::Rational { what: what.to_string(), text, reason };
        match self {
            RawEntry::Int(i) => Ok(Coef::int(i128::from(*i))),
            RawEntry::Text(s) => parse_rational(s).map_err(|r| err(s.clone(), r)),
            RawEntry::Float(x) => Err(err(x.to_string(), "floats are not exact; write a string like \"1/3\"".into())),
        }
    }
}

type Pairs = (Vec<Vec<(i64, i64)>>, Vec<(i64, i64)>);

fn rk4() -> Pairs {
    let z = (0, 1);
    (
        vec![vec![z, z, z, z], vec![(1, 2), z, z, z], vec![z, (1, 2), z, z], vec![z, z, (1, 1), z]],
        vec![(1, 6), (1, 3), (1, 3), (1, 6)],
    )
}

fn ssprk33() -> Pairs {
    let z = (0, 1);
    (vec![vec![z, z, z], vec![(1, 1), z, z], vec![(1, 4), (1, 4), z]], vec![(1, 6), (1, 6), (2, 3)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_build() {
        for name in BUILTIN_METHODS {
            let t = ButcherTableau::named(name).unwrap();
            assert_eq!(t.name(), *name);
            assert_eq!(t.b().iter().fold(Coef::zero(), |a, x| a.add(x)), Coef::one(), "{name}");
        }
        assert!(!ButcherTableau::named("implicit-midpoint").unwrap().is_explicit());
    }

    #[test]
    fn toml_errors_are_clear() {
        let e = ButcherTableau::from_toml_str("name='x'\na=[['0','0']]\nb=['1','0']").unwrap_err();
        assert!(matches!(e, TableauError::Shape { .. }), "{e}");
        let e = ButcherTableau::from_toml_str("name='x'\na=[['1/0']]\nb=['1']").unwrap_err();
        assert!(e.to_string().contains("zero denominator"), "{e}");
        let e = ButcherTableau::from_toml_str("name='x'\na=[['1/2']]\nb=['1']\nc=['1']").unwrap_err();
        assert!(matches!(e, TableauError::RowSum { index: 0, .. }), "{e}");
        let e = ButcherTableau::from_toml_str("name='x'\na=[[0]]\nb=[1]\nd=1").unwrap_err();
        assert!(matches!(e, TableauError::Toml(_)), "{e}");
        let ok = ButcherTableau::from_toml_str("name='x'\na=[[0]]\nb=[1]\nc=[0]").unwrap();
        assert_eq!(ok, ButcherTableau::named("explicit-euler").unwrap().renamed("x"));
    }
}
