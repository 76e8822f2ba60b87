//! Problem input: raw specifications (TOML files, CLI flags) and their validation into a [`Problem`].
//!
//! Two stages (GUIDE convention 6): [`RawProblem`] mirrors the file or the flags; [`Problem::from_raw`] parses
//! every expression strictly, checks names, counts and bounds, lowers the expressions into the exact algebra,
//! and returns a [`Problem`] or a [`SpecError`] that names the problem (and the column, for syntax errors).

pub mod examples;
pub use lower::canonical_method;
pub use lower::raw_value as lower_value;
mod lower;
pub mod parse;

use crate::algebra::{Algebra, Coef, Elem};
pub use parse::ParseError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use thiserror::Error;

/// The largest order `derive` accepts. Work grows roughly geometrically with the order (for Lotka-Volterra the
/// number of terms of f_l grows about 1.5x per order); the term budget stops swelling problems earlier.
pub const MAX_ORDER: usize = 30;

/// Names that cannot be variables or parameters.
pub const RESERVED: &[&str] = &["sin", "cos", "tan", "exp", "log", "ln", "sqrt", "h"];

/// Which recursion derives the corrections.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Recursion {
    /// The general Lie-derivative recursion (GUIDE section 2): valid for every vector field.
    #[default]
    General,
    /// The paper's Appendix A.1 recursion (eq. A.11-A.14), which assumes a symmetric Jacobian.
    Paper,
    /// Both, compared order by order.
    Both,
}

impl std::fmt::Display for Recursion {
    /// The name the option takes: `general`, `paper` or `both`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Recursion::General => "general",
            Recursion::Paper => "paper",
            Recursion::Both => "both",
        })
    }
}

impl std::str::FromStr for Recursion {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, SpecError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "general" => Ok(Recursion::General),
            "paper" => Ok(Recursion::Paper),
            "both" => Ok(Recursion::Both),
            _ => Err(SpecError::UnknownRecursion { name: s.to_string() }),
        }
    }
}

/// A parameter value as written in a file: a number or a string such as `"3/5"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "a number (2, 0.6) or an exact number as a string (\"3/5\")")]
pub enum RawValue {
    /// An integer.
    Int(i64),
    /// A float, read as the shortest decimal that round-trips the parsed double: `0.1` is exactly 1/10. TOML parses
    /// to a double first, so digits beyond about 16 significant ones are lost: write a string (`"0.1234..."`) for more.
    Float(f64),
    /// An exact number as text: `"3/5"`, `"0.6"`, `"-2"`.
    Text(String),
}

/// Defaults for `bea verify` on this problem.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVerify {
    /// Start point theta_0.
    pub at: Option<Vec<f64>>,
    /// Parameter values used when verifying (symbolic parameters need numbers to integrate).
    #[serde(default)]
    pub set: BTreeMap<String, RawValue>,
}

/// A problem as written in a TOML file (or assembled from CLI flags). Unknown keys are errors.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProblem {
    /// Short name (catalogue key).
    pub name: Option<String>,
    /// One line describing it, with its source.
    pub description: Option<String>,
    /// Components of the vector field, one per variable.
    pub field: Option<Vec<String>>,
    /// A loss E; the field is then f = -grad E.
    pub loss: Option<String>,
    /// State variables, in order.
    #[serde(default)]
    pub vars: Vec<String>,
    /// Parameter values (others stay symbolic).
    #[serde(default)]
    pub set: BTreeMap<String, RawValue>,
    /// Highest correction order N.
    pub order: Option<usize>,
    /// `general`, `paper` or `both`.
    pub recursion: Option<Recursion>,
    /// The method: `explicit-euler` (gradient descent, the default), a built-in Runge-Kutta method
    /// (`implicit-euler`, `explicit-midpoint`, `implicit-midpoint`, `heun`, `rk4`, `ssprk33`), `heavy-ball`
    /// (with `beta`), or a tableau TOML file.
    pub method: Option<String>,
    /// The momentum of `heavy-ball`, in (-1, 1).
    pub beta: Option<RawValue>,
    /// For a partitioned method (`symplectic-euler`, `symplectic-euler-b`, `stormer-verlet`): the variables of
    /// part 1, by name; the others are part 2. Default: the first half of `vars` (then their number must be even).
    pub part1: Option<Vec<String>>,
    /// Defaults for `bea verify`.
    pub verify: Option<RawVerify>,
}

/// `1 component`, `2 components`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `is 1 variable`, `are 2 variables`.
fn are_count(n: usize, noun: &str) -> String {
    format!("{} {}", if n == 1 { "is" } else { "are" }, count(n, noun))
}

/// Everything that can be wrong with a problem.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SpecError {
    /// A syntax error in one expression.
    #[error("syntax error in {what} \"{text}\": {source}")]
    Parse {
        /// which expression (e.g. "component 2 of the field")
        what: String,
        /// its text
        text: String,
        /// the parse error, with the column
        source: ParseError,
    },
    /// A semantic error inside one expression.
    #[error("in {what} \"{text}\" at column {col}: {message}")]
    Expr {
        /// which expression
        what: String,
        /// its text
        text: String,
        /// 1-based column
        col: usize,
        /// what is wrong
        message: String,
    },
    /// A name or description with a line break or another control character (found by review: a newline in a name
    /// injected a Rust item into `bea emit`'s module).
    #[error("the problem's {what} {text:?} contains a control character (a line break?): it is copied into comments of the generated code and into reports, so give it on one line")]
    ControlCharacter {
        /// `name` or `description`.
        what: &'static str,
        /// The text.
        text: String,
    },
    /// Neither or both of `field` and `loss`.
    #[error("give exactly one of a field (--field) or a loss (--loss); {0}")]
    FieldOrLoss(&'static str),
    /// The field has no components.
    #[error("the field is empty: give one component per variable, separated by ';'")]
    EmptyField,
    /// No variables.
    #[error("no variables: list the state variables with --vars (e.g. --vars u,v)")]
    NoVars,
    /// A variable name that is not an identifier or is reserved.
    #[error("'{name}' cannot be a variable: {reason}")]
    BadVar {
        /// the name
        name: String,
        /// why
        reason: String,
    },
    /// A variable listed twice.
    #[error("variable '{name}' is listed twice")]
    DuplicateVar {
        /// the name
        name: String,
    },
    /// Component count differs from the variable count.
    #[error("the field has {} but there {} ({names})", count(*components, "component"), are_count(*vars, "variable"))]
    ComponentCount {
        /// number of components
        components: usize,
        /// number of variables
        vars: usize,
        /// the variables
        names: String,
    },
    /// Order out of range.
    #[error("order {order} is out of range: it must be between 1 and {max} (the documented bound)")]
    Order {
        /// the order asked for
        order: usize,
        /// the bound
        max: usize,
    },
    /// A state variable given a value.
    #[error(
        "'{name}' is a state variable, not a parameter: it cannot be given a value (--set or the file's set table)"
    )]
    SetVariable {
        /// the name
        name: String,
    },
    /// A value for a name that does not occur.
    #[error("--set gives a value to '{name}', which does not occur in the problem (its symbols: {known})")]
    SetUnknown {
        /// the name
        name: String,
        /// the symbols that do occur
        known: String,
    },
    /// A value that is not a finite exact number.
    #[error("the value of '{name}' must be a finite number like 3, -0.5 or 3/5; got '{value}'")]
    BadValue {
        /// the parameter
        name: String,
        /// the value as written
        value: String,
    },
    /// A symbol that would print like something else (a derivative of an unspecified function).
    #[error("ambiguous name: {message}")]
    Ambiguous {
        /// the name and what it clashes with
        message: String,
    },
    /// Command-line options that contradict each other.
    #[error("conflicting options: {message}")]
    Conflict {
        /// which options, and why
        message: String,
    },
    /// A bad split of the variables for a partitioned method (`part1`, `--part1`).
    #[error("part1: {reason}")]
    Partition {
        /// what is wrong, with the names
        reason: String,
    },
    /// A heavy-ball momentum outside `(-1, 1)`, or a missing or misplaced one.
    #[error("beta: {reason}")]
    Beta {
        /// what is wrong, with the value
        reason: String,
    },
    /// A malformed `--set` list.
    #[error("malformed --set entry '{entry}': expected name=value, e.g. --set x0=1,y0=3/5")]
    BadSetEntry {
        /// the entry
        entry: String,
    },
    /// Unknown recursion name.
    #[error("unknown recursion '{name}': use general, paper or both")]
    UnknownRecursion {
        /// the name
        name: String,
    },
    /// Unknown method name.
    #[error("unknown method '{name}': use explicit-euler (gd), implicit-euler, explicit-midpoint, implicit-midpoint, heun, rk4, ssprk33, heavy-ball, symplectic-euler, symplectic-euler-b, stormer-verlet, or a tableau .toml file")]
    UnknownMethod {
        /// the name
        name: String,
    },
    /// Unknown built-in example.
    #[error("unknown example '{name}'; available: {available}")]
    UnknownExample {
        /// the name
        name: String,
        /// the catalogue
        available: String,
    },
    /// A TOML file that does not parse or has unknown keys.
    #[error("invalid problem file {path}: {message}")]
    Toml {
        /// the file
        path: String,
        /// the TOML/serde message (names the unknown key and its line)
        message: String,
    },
    /// A file that could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// the file
        path: String,
        /// the OS error
        message: String,
    },
    /// The start point does not match the variables.
    #[error("the start point has {} but there {}", count(*got, "coordinate"), are_count(*want, "variable"))]
    StartPoint {
        /// coordinates given
        got: usize,
        /// variables
        want: usize,
    },
}

/// Whether the problem was given as a field or as a loss.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A vector field f.
    Field,
    /// A loss E with f = -grad E.
    Loss,
}

/// A validated problem: names checked, expressions lowered into the exact [`Algebra`].
#[derive(Clone, Debug)]
pub struct Problem {
    /// Catalogue name, if any.
    pub name: Option<String>,
    /// Description, if any.
    pub description: Option<String>,
    /// State variables, in order.
    pub vars: Vec<String>,
    /// Parameters: value, or `None` when symbolic. Sorted by name.
    pub params: BTreeMap<String, Option<Coef>>,
    /// Field or loss.
    pub source: Source,
    /// The ring the expressions live in.
    pub algebra: Algebra,
    /// The vector field f (f = -grad E for a loss).
    pub field: Vec<Elem>,
    /// The loss E, when given.
    pub loss: Option<Elem>,
    /// Highest correction order N.
    pub order: usize,
    /// Which recursion.
    pub recursion: Recursion,
    /// Defaults for verification (start point, parameter values), from the file.
    pub verify: RawVerify,
    /// The method's canonical name (`explicit-euler` by default).
    pub method: String,
    /// The momentum of `heavy-ball`.
    pub beta: Option<Coef>,
    /// The part (0 or 1) of every variable, when `part1` named the split of a partitioned method.
    pub partition: Option<Vec<usize>>,
}

impl Problem {
    /// Validate a raw problem.
    ///
    /// ```
    /// use bea::spec::{Problem, RawProblem};
    /// let raw = RawProblem {
    ///     field: Some(vec!["u*(v - 2)".into(), "v*(1 - u)".into()]),
    ///     vars: vec!["u".into(), "v".into()],
    ///     order: Some(2),
    ///     ..Default::default()
    /// };
    /// let p = Problem::from_raw(&raw).unwrap();
    /// assert_eq!(p.field.len(), 2);
    /// let bad = RawProblem { vars: vec!["u".into(), "u".into()], ..raw.clone() };
    /// assert!(Problem::from_raw(&bad).unwrap_err().to_string().contains("listed twice"));
    /// ```
    pub fn from_raw(raw: &RawProblem) -> Result<Problem, SpecError> {
        lower::validate(raw)
    }
    /// Read and validate a TOML problem file.
    pub fn from_toml_file(path: &std::path::Path) -> Result<Problem, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::Io { path: path.display().to_string(), message: e.to_string() })?;
        let raw = raw_from_toml(&text, &path.display().to_string())?;
        Problem::from_raw(&raw)
    }
    /// The symbolic parameters (no value given).
    pub fn symbolic_params(&self) -> Vec<String> {
        self.params.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| k.clone()).collect()
    }
}

/// Parse a TOML problem; unknown keys are errors that name the key.
pub fn raw_from_toml(text: &str, path: &str) -> Result<RawProblem, SpecError> {
    toml::from_str(text)
        .map_err(|e| SpecError::Toml { path: path.to_string(), message: e.to_string().trim().to_string() })
}

/// Parse `--set x0=1,y0=3/5` into raw values.
pub fn parse_set_list(s: &str) -> Result<BTreeMap<String, RawValue>, SpecError> {
    let mut out = BTreeMap::new();
    for entry in s.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (k, v) = entry.split_once('=').ok_or_else(|| SpecError::BadSetEntry { entry: entry.to_string() })?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || v.is_empty() {
            return Err(SpecError::BadSetEntry { entry: entry.to_string() });
        }
        if out.insert(k.to_string(), RawValue::Text(v.to_string())).is_some() {
            return Err(SpecError::Conflict { message: format!("--set gives '{k}' twice") });
        }
    }
    Ok(out)
}

/// Split a `--field` string into components at `;`. A trailing `;` is allowed; an empty component elsewhere is
/// kept, so that it is reported as an empty expression (found by review: `x;; y` was silently read as `(x, y)`).
///
/// ```
/// use bea::spec::split_components;
/// assert_eq!(split_components("x; -y;"), ["x", "-y"]);
/// assert_eq!(split_components("x;; y"), ["x", "", "y"]);
/// ```
pub fn split_components(s: &str) -> Vec<String> {
    let mut parts: Vec<String> = s.split(';').map(|c| c.trim().to_string()).collect();
    if parts.len() > 1 && parts.last().is_some_and(|c| c.is_empty()) {
        parts.pop();
    }
    parts
}
