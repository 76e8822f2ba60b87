//! Validation and lowering of a [`RawProblem`] into the exact algebra.

use super::parse::{parse_expr, parse_number, Ast};
use super::{Problem, RawProblem, RawValue, Recursion, Source, SpecError, MAX_ORDER, RESERVED};
use crate::algebra::{Algebra, Coef, Elem, Func, Poly, UnspecFn};
use std::collections::BTreeMap;

/// Default order when none is given.
pub const DEFAULT_ORDER: usize = 3;

/// The most terms one input expression may expand to while it is lowered (a guard against inputs such as
/// `(x + y + z)^1000`, whose expansion would run for minutes and take gigabytes).
pub const MAX_INPUT_TERMS: usize = 20_000;

/// The most work lowering all input expressions may take, counted as term products of the multiplications,
/// each weighted by the 64-bit words of the largest coefficients involved. About a second of CPU; it stops
/// inputs such as `(x + a)^1000` (85 s before the guard) or `(x + y + z)^100 * (x + y + z)^100` early.
/// Counted by the algebra's work meter ([`Algebra::set_work_limit`]), so the products inside the rewrite rules
/// (`cos^2 -> 1 - sin^2`, `root^n -> arg`) and the lifting to common denominators count too.
pub const MAX_LOWERING_WORK: u128 = 200_000;

/// The largest constant a power of a number may produce, in bits of numerator plus denominator (about 6,000
/// decimal digits); `((0.6)^4)^-1000` (15,600 bits) is within it.
pub const MAX_CONSTANT_BITS: u64 = 20_000;

/// The most work the gradient `f = -grad E` of a loss may take, in the units of [`MAX_LOWERING_WORK`] (about a
/// second of CPU). Found by fuzzing: the gradient of `tan(x)^1000 + 0.6 - 1e-3*y` ran unmetered for 30 s.
pub const MAX_GRADIENT_WORK: u128 = 200_000;

/// The most terms an input's denominator may expand to, as estimated by [`Algebra::denominator_terms`].
/// Denominators kept as written factors cost nothing to lower, but a sum with them lifts numerators to the common
/// denominator: `((x + 1) (y + 1))^-1000` (a million terms) took 60 s and
/// 8 GB in a first-order derivation (found by review), where `((1 + x) (1 + y))^-200` (40,401) takes well under a
/// second.
pub const MAX_DENOMINATOR_TERMS: u64 = 100_000;

pub(super) fn validate(raw: &RawProblem) -> Result<Problem, SpecError> {
    for (what, text) in [("name", &raw.name), ("description", &raw.description)] {
        if let Some(t) = text.as_ref().filter(|t| t.chars().any(char::is_control)) {
            return Err(SpecError::ControlCharacter { what, text: t.clone() });
        }
    }
    let method = canonical_method(raw.method.as_deref())?;
    let beta = match (&raw.beta, method.as_str()) {
        (Some(b), "heavy-ball") => Some(raw_value("beta", b)?),
        (None, "heavy-ball") => {
            return Err(SpecError::Beta { reason: "missing: heavy-ball needs a momentum, e.g. --beta 0.9".into() })
        }
        (Some(b), m) => {
            return Err(SpecError::Beta {
                reason: format!(
                    "only heavy-ball takes a momentum, the method is {m} (got beta = {})",
                    match b {
                        RawValue::Int(i) => i.to_string(),
                        RawValue::Float(x) => x.to_string(),
                        RawValue::Text(t) => t.clone(),
                    }
                ),
            })
        }
        (None, _) => None,
    };
    if let Some(b) = &beta {
        if b.abs() >= Coef::one() {
            return Err(SpecError::Beta {
                reason: format!("{b} is outside (-1, 1): heavy-ball's momentum must satisfy |beta| < 1"),
            });
        }
    }
    let vars = check_vars(&raw.vars)?;
    let partition = partition(raw.part1.as_deref(), &vars, &method)?;
    let order = raw.order.unwrap_or(DEFAULT_ORDER);
    if order == 0 || order > MAX_ORDER {
        return Err(SpecError::Order { order, max: MAX_ORDER });
    }
    // Parse every expression first: syntax errors come before anything else.
    let exprs: Vec<(String, String, Ast)> = match (&raw.field, &raw.loss) {
        (Some(_), Some(_)) => return Err(SpecError::FieldOrLoss("both were given")),
        (None, None) => return Err(SpecError::FieldOrLoss("neither was given")),
        (Some(f), None) => {
            if f.is_empty() {
                return Err(SpecError::EmptyField);
            }
            // Each component is parsed before the count is compared, so an empty one (`x;; y`) is named as such.
            let mut v = Vec::new();
            for (i, text) in f.iter().enumerate() {
                v.push(parse_one(&format!("component {} of the field", i + 1), text)?);
            }
            if f.len() != vars.len() {
                return Err(SpecError::ComponentCount {
                    components: f.len(),
                    vars: vars.len(),
                    names: vars.join(", "),
                });
            }
            v
        }
        (None, Some(l)) => vec![parse_one("the loss", l)?],
    };
    let mut symbols = Vec::new();
    for (_, _, ast) in &exprs {
        ast.symbols(&mut symbols);
    }
    // A symbol written like the derivative notation of an unspecified function (`P_x` beside `P(x)`) would print
    // exactly like that derivative (found by review: `P(x) - P_x` gave `f_1 = 1/2*P_x*P_x - ...`, ambiguous).
    let mut functions = Vec::new();
    for (_, _, ast) in &exprs {
        unspecified_calls(ast, &mut functions);
    }
    for s in symbols.iter().chain(&vars) {
        if let Some(f) = functions.iter().find(|f| s.starts_with(&format!("{f}_"))) {
            return Err(SpecError::Ambiguous {
                message: format!(
                    "the symbol '{s}' looks like a derivative of the unspecified function {f} (bea prints dP/dx as \
                     P_x); rename it"
                ),
            });
        }
    }
    let params = resolve_params(&vars, &symbols, &raw.set)?;
    let mut alg = Algebra::new(vars.len());
    // Symbolic parameters become generators in sorted order, so printing does not depend on where they first occur.
    for (name, value) in &params {
        if value.is_none() {
            alg.param(name);
        }
    }
    alg.set_work_limit(Some(MAX_LOWERING_WORK));
    let mut cx = Lowering { alg, vars: &vars, params: &params, what: String::new(), text: String::new() };
    let mut lowered = Vec::new();
    for (what, text, ast) in &exprs {
        cx.what = what.clone();
        cx.text = text.clone();
        lowered.push(cx.lower(ast)?);
    }
    let mut alg = cx.alg;
    let (field, loss, source) = if raw.loss.is_some() {
        let e = lowered.pop().unwrap_or_default();
        (gradient_field(&mut alg, &e, &exprs[0].1)?, Some(e), Source::Loss)
    } else {
        (lowered, None, Source::Field)
    };
    alg.set_work_limit(None);
    // In lowest terms: `-d/dy (y^2/2 + 1/(1 + x))` printed as `(-x*y - y)/(x + 1)` (found in session 8).
    let field: Vec<Elem> = field.iter().map(|e| alg.normalize(e)).collect();
    let loss = loss.map(|e| alg.normalize(&e));
    let verify = raw.verify.clone().unwrap_or_default();
    if let Some(at) = &verify.at {
        if at.len() != vars.len() {
            return Err(SpecError::StartPoint { got: at.len(), want: vars.len() });
        }
    }
    Ok(Problem {
        name: raw.name.clone(),
        description: raw.description.clone(),
        vars,
        params,
        source,
        algebra: alg,
        field,
        loss,
        order,
        recursion: raw.recursion.unwrap_or(Recursion::General),
        verify,
        method,
        beta,
        partition,
    })
}

/// The names of the unspecified functions called in `ast` (calls other than the elementary functions).
fn unspecified_calls(ast: &Ast, out: &mut Vec<String>) {
    match ast {
        Ast::Call(name, args, _) => {
            if !matches!(name.as_str(), "sin" | "cos" | "exp" | "log" | "ln" | "tan" | "sqrt") && !out.contains(name) {
                out.push(name.clone());
            }
            args.iter().for_each(|a| unspecified_calls(a, out));
        }
        Ast::Bin(_, a, b, _) => {
            unspecified_calls(a, out);
            unspecified_calls(b, out);
        }
        Ast::Neg(a, _) => unspecified_calls(a, out),
        Ast::Num(..) | Ast::Ident(..) => {}
    }
}

/// The part of every variable from `part1` (the names of part 1), for a partitioned method only.
/// The left spine of a chain of the binary operators `ops` (`a + b - c` is `a` then `[(+, b), (-, c)]`, outermost
/// last), walked in a loop: the left spine of `x + x + ... + x` is 2,000 levels deep, and recursion would overflow
/// the stack (found by review).
fn left_spine<'a>(ast: &'a Ast, ops: &[char]) -> (&'a Ast, Vec<(char, &'a Ast, usize)>) {
    let mut spine = Vec::new();
    let mut node = ast;
    while let Ast::Bin(op, a, b, col) = node {
        if !ops.contains(op) {
            break;
        }
        spine.push((*op, &**b, *col));
        node = a;
    }
    spine.reverse();
    (node, spine)
}

/// Does `ast` call a function (`sin`, `sqrt`, an unspecified `P(x)`, ...) anywhere? Iterative: sums and products
/// thousands of levels deep must not overflow the stack.
fn calls_a_function(ast: &Ast) -> bool {
    let mut stack = vec![ast];
    while let Some(node) = stack.pop() {
        match node {
            Ast::Call(..) => return true,
            Ast::Neg(a, _) => stack.push(a),
            Ast::Bin(_, a, b, _) => stack.extend([&**a, &**b]),
            Ast::Num(..) | Ast::Ident(..) => {}
        }
    }
    false
}

fn partition(part1: Option<&[String]>, vars: &[String], method: &str) -> Result<Option<Vec<usize>>, SpecError> {
    let Some(part1) = part1 else { return Ok(None) };
    let bad = |reason: String| Err(SpecError::Partition { reason });
    if !crate::derive::taylor::is_partitioned(method) {
        return bad(format!(
            "only a partitioned method (symplectic-euler, symplectic-euler-b, stormer-verlet, or a TOML file with \
             [part1] and [part2]) splits the variables; the method is {method}"
        ));
    }
    let mut part_of = vec![1; vars.len()];
    for name in part1 {
        let name = name.trim();
        let Some(i) = vars.iter().position(|v| v == name) else {
            return bad(format!("'{name}' is not a variable (the variables are {})", vars.join(", ")));
        };
        if part_of[i] == 0 {
            return bad(format!("'{name}' is listed twice"));
        }
        part_of[i] = 0;
    }
    if part_of.iter().all(|&p| p == 0) || part_of.iter().all(|&p| p == 1) {
        return bad(format!(
            "each part needs at least one variable (part 1: [{}] of {})",
            part1.join(", "),
            vars.join(", ")
        ));
    }
    Ok(Some(part_of))
}

/// The field `f = -grad E` of the loss `e` (written `text`), metered: it fails with "expression too large" once
/// it needs more than [`MAX_GRADIENT_WORK`] (the rewrite rules can expand `cos(x)^1000` into a 500-term polynomial
/// in `sin(x)` with 500-bit binomial coefficients).
fn gradient_field(alg: &mut Algebra, e: &Elem, text: &str) -> Result<Vec<Elem>, SpecError> {
    alg.set_work_limit(Some(MAX_GRADIENT_WORK));
    let mut field = Vec::new();
    for j in 0..alg.n_state() {
        let d = alg.diff(e, j);
        if alg.exceeded().is_some() {
            let message = if alg.work() > MAX_GRADIENT_WORK {
                format!("expression too large: its gradient f = -grad E needs more than {MAX_GRADIENT_WORK} (weighted) term products; write the loss in a smaller form or give the field instead")
            } else {
                "expression too large: its gradient overflows the exact algebra (an exponent past 65535 or a product past the term budget)".to_string()
            };
            return Err(SpecError::Expr { what: "the loss".into(), text: text.to_string(), col: 1, message });
        }
        field.push(alg.neg(&d));
    }
    Ok(field)
}

/// The method's canonical name: `explicit-euler` (also `gd`, `gradient-descent`), a built-in Runge-Kutta method,
/// `heavy-ball`, a partitioned built-in (`symplectic-euler`, `symplectic-euler-b`, `stormer-verlet`), or a path to a
/// tableau TOML file (kept as given).
pub fn canonical_method(m: Option<&str>) -> Result<String, SpecError> {
    let Some(m) = m else { return Ok("explicit-euler".into()) };
    let k = m.trim().to_ascii_lowercase().replace('_', "-");
    let k = match k.as_str() {
        "gd" | "gradient-descent" | "euler" => "explicit-euler".to_string(),
        "midpoint" => "explicit-midpoint".to_string(),
        "momentum" | "heavy-ball" => "heavy-ball".to_string(),
        _ => k,
    };
    if k == "heavy-ball" || crate::derive::bseries::tableau::BUILTIN_METHODS.contains(&k.as_str()) {
        return Ok(k);
    }
    if let Some(c) = crate::derive::taylor::canonical_partitioned_name(&k) {
        return Ok(c.to_string());
    }
    if std::path::Path::new(m).is_dir() {
        return Err(SpecError::UnknownMethod { name: format!("{m} (a directory; a tableau is a .toml file)") });
    }
    if m.ends_with(".toml") || std::path::Path::new(m).is_file() {
        return Ok(m.to_string());
    }
    Err(SpecError::UnknownMethod { name: m.to_string() })
}

fn parse_one(what: &str, text: &str) -> Result<(String, String, Ast), SpecError> {
    let ast = parse_expr(text).map_err(|source| SpecError::Parse { what: what.into(), text: text.into(), source })?;
    Ok((what.to_string(), text.to_string(), ast))
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    matches!(c.next(), Some(ch) if ch.is_ascii_alphabetic() || ch == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

fn check_vars(raw: &[String]) -> Result<Vec<String>, SpecError> {
    let vars: Vec<String> = raw.iter().map(|v| v.trim().to_string()).collect();
    if vars.is_empty() {
        return Err(SpecError::NoVars);
    }
    for (i, v) in vars.iter().enumerate() {
        if !is_ident(v) {
            return Err(SpecError::BadVar {
                name: v.clone(),
                reason: "a variable is a name of letters, digits and '_', starting with a letter".into(),
            });
        }
        if RESERVED.contains(&v.as_str()) {
            return Err(SpecError::BadVar {
                name: v.clone(),
                reason: format!("'{v}' is reserved (a function name or the step size h)"),
            });
        }
        if vars[..i].contains(v) {
            return Err(SpecError::DuplicateVar { name: v.clone() });
        }
    }
    Ok(vars)
}

/// Parse a raw parameter value exactly; rejects non-finite numbers.
pub fn raw_value(name: &str, v: &RawValue) -> Result<Coef, SpecError> {
    let bad = |s: String| SpecError::BadValue { name: name.to_string(), value: s };
    match v {
        RawValue::Int(i) => Ok(Coef::int(*i as i128)),
        // A TOML float is read as the decimal it was written as: its shortest round-trip digits (`0.1` is 1/10, as
        // `--set c=0.1` gives; found by review: the binary double 3602879701896397/36028797018963968 was used).
        RawValue::Float(f) if f.is_finite() => raw_value(name, &RawValue::Text(format!("{f:e}"))),
        RawValue::Float(f) => Err(bad(f.to_string())),
        RawValue::Text(s) => {
            let t = s.trim();
            let (neg, body) = match t.strip_prefix('-') {
                Some(b) => (true, b.trim()),
                None => (false, t.strip_prefix('+').unwrap_or(t).trim()),
            };
            let (n, d) = body.split_once('/').unwrap_or((body, "1"));
            let num = parse_number(n.trim(), 1).map_err(|_| bad(s.clone()))?;
            let den = parse_number(d.trim(), 1).map_err(|_| bad(s.clone()))?;
            let q = den.recip().ok_or_else(|| bad(s.clone()))?;
            let val = num.mul(&q);
            Ok(if neg { val.neg() } else { val })
        }
    }
}

fn resolve_params(
    vars: &[String],
    symbols: &[String],
    set: &BTreeMap<String, RawValue>,
) -> Result<BTreeMap<String, Option<Coef>>, SpecError> {
    let mut params: BTreeMap<String, Option<Coef>> =
        symbols.iter().filter(|s| !vars.contains(s)).map(|s| (s.clone(), None)).collect();
    for (k, v) in set {
        if vars.contains(k) {
            return Err(SpecError::SetVariable { name: k.clone() });
        }
        if !params.contains_key(k) {
            let known = if params.is_empty() {
                "none besides the variables".to_string()
            } else {
                params.keys().cloned().collect::<Vec<_>>().join(", ")
            };
            return Err(SpecError::SetUnknown { name: k.clone(), known });
        }
        params.insert(k.clone(), Some(raw_value(k, v)?));
    }
    Ok(params)
}

struct Lowering<'a> {
    alg: Algebra,
    vars: &'a [String],
    params: &'a BTreeMap<String, Option<Coef>>,
    what: String,
    text: String,
}

impl Lowering<'_> {
    fn err(&self, col: usize, message: impl Into<String>) -> SpecError {
        SpecError::Expr { what: self.what.clone(), text: self.text.clone(), col, message: message.into() }
    }
    /// The numeric value of `x` when it is a constant that is not a rational number (`cos(1) - 1`, `log(2)`): free of
    /// the state and of symbolic parameters. `None` otherwise (it depends on the state or a parameter without a
    /// value, or it is rational: those cases are handled exactly).
    fn irrational_constant(&mut self, x: &Elem) -> Option<f64> {
        if x.as_constant().is_some() || self.alg.depends_on_state(x) {
            return None;
        }
        let ev = crate::emit::evaluator::Evaluator::compile(
            &self.alg,
            std::slice::from_ref(x),
            &std::collections::HashMap::new(),
        )
        .ok()?;
        let mut out = [0.0];
        ev.eval(&vec![0.0; self.vars.len()], &mut out);
        Some(out[0])
    }
    /// Refuse a divisor that is a constant of two or more terms that cancel to within floating-point rounding (their
    /// sum at most `4 eps k` times the sum of their magnitudes, `k` terms): the algebra cancels equal terms, but not
    /// every equal pair is written alike (roots of numbers with prime factors above 1000: `sqrt(1009*1013) -
    /// sqrt(1009)*sqrt(1013)`; found by review, it was accepted as a divisor). Such a constant may be zero or not;
    /// double precision cannot tell, and the message says so (`exp(40) - 235385266837019985` is about 0.4).
    fn check_constant_divisor(&mut self, e: &Elem, col: usize) -> Result<(), SpecError> {
        if e.num.terms().len() < 2 || self.alg.depends_on_state(e) {
            return Ok(());
        }
        let terms: Vec<Elem> =
            e.num.terms().iter().map(|t| Elem { num: Poly::from_terms(vec![t.clone()]), den: vec![] }).collect();
        let Ok(ev) = crate::emit::evaluator::Evaluator::compile(&self.alg, &terms, &std::collections::HashMap::new())
        else {
            return Ok(()); // symbolic parameters: not a number
        };
        let mut out = vec![0.0; terms.len()];
        ev.eval(&vec![0.0; self.vars.len()], &mut out);
        let (sum, scale) = (out.iter().sum::<f64>(), out.iter().map(|v| v.abs()).sum::<f64>());
        if scale.is_finite() && scale > 0.0 && sum.abs() <= 4.0 * f64::EPSILON * scale * out.len() as f64 {
            return Err(self.err(
                col,
                format!(
                    "possible division by zero: the divisor is a constant whose terms cancel within double-precision \
                     rounding (they sum to {sum:.3e}; their magnitudes to {scale:.3e}), so bea can neither simplify it \
                     to 0 exactly nor show that it is not 0; write it in a form that does not cancel"
                ),
            ));
        }
        Ok(())
    }
    /// Refuse an argument outside the real domain of `what` (`sqrt`, `log`, an even root) when it is an irrational
    /// constant (found by review: `x*sqrt(cos(1) - 1)` was accepted and gave a real-looking f_1 and potential for
    /// an imaginary field; rational constants were already refused).
    fn check_real_domain(&mut self, x: &Elem, what: &str, log: bool, col: usize) -> Result<(), SpecError> {
        match self.irrational_constant(x) {
            Some(v) if v.is_nan() || v < 0.0 || (log && v == 0.0) => Err(self.err(
                col,
                format!("{what} is not real: its argument is a constant equal to {v:.6} (bea works over the reals)"),
            )),
            _ => Ok(()),
        }
    }
    /// Lower one node and check its size: an input expression may expand to at most [`MAX_INPUT_TERMS`]
    /// terms, and no operation may overflow the algebra (exponents, budget), which would otherwise leave a
    /// silently wrong (zero) result (found by fuzzing: `(x + y + z)^1000` ran for minutes, `(x^1000)^1000` became 0).
    fn lower(&mut self, ast: &Ast) -> Result<Elem, SpecError> {
        let e = self.lower_node(ast)?;
        self.check_size(&e, ast.col())?;
        Ok(e)
    }
    fn check_size(&self, e: &Elem, col: usize) -> Result<(), SpecError> {
        if self.alg.work() > MAX_LOWERING_WORK {
            return Err(self.err(col, format!("expression too large: expanding the input needs more than {MAX_LOWERING_WORK} (weighted) term products; write it in a factored or smaller form")));
        }
        if self.alg.exceeded().is_some() {
            return Err(self.err(col, "expression too large: it overflows the exact algebra (an exponent past 65535 or a product past the term budget)"));
        }
        if e.len() > MAX_INPUT_TERMS {
            return Err(self.err(col, format!("expression too large: it expands to more than {MAX_INPUT_TERMS} terms")));
        }
        let estimate = self.alg.denominator_terms(&e.den);
        if estimate > MAX_DENOMINATOR_TERMS {
            return Err(self.err(
                col,
                format!(
                    "expression too large: its denominator expands to about {estimate} terms (at most \
                     {MAX_DENOMINATOR_TERMS}), which a derivation must multiply out; write it with smaller powers"
                ),
            ));
        }
        Ok(())
    }
    fn lower_node(&mut self, ast: &Ast) -> Result<Elem, SpecError> {
        match ast {
            Ast::Num(c, _) => Ok(self.alg.constant(c.clone())),
            Ast::Ident(name, col) => self.ident(name, *col),
            Ast::Neg(a, _) => {
                let e = self.lower(a)?;
                Ok(self.alg.neg(&e))
            }
            Ast::Bin('^', a, b, col) => self.power(a, b, *col, false),
            Ast::Bin(..) => {
                // The left spine of a sum or product, walked in a loop (see `left_spine`).
                let (node, spine) = left_spine(ast, &['+', '-', '*', '/']);
                let mut x = self.lower(node)?;
                for (op, b, col) in spine {
                    x = match op {
                        '+' => {
                            let y = self.lower(b)?;
                            self.alg.add(&x, &y)
                        }
                        '-' => {
                            let y = self.lower(b)?;
                            self.alg.sub(&x, &y)
                        }
                        '*' => {
                            let y = self.lower(b)?;
                            self.alg.mul(&x, &y)
                        }
                        _ => {
                            let y = self.lower_recip(b, col)?;
                            self.alg.mul(&x, &y)
                        }
                    };
                    self.check_size(&x, col)?;
                }
                Ok(x)
            }
            Ast::Call(name, args, col) => self.call(name, args, *col),
        }
    }
    fn ident(&mut self, name: &str, col: usize) -> Result<Elem, SpecError> {
        if let Some(i) = self.vars.iter().position(|v| v == name) {
            return Ok(self.alg.state(i));
        }
        if RESERVED.contains(&name) {
            return Err(self.err(col, format!("'{name}' is reserved and cannot be used as a symbol here")));
        }
        match self.params.get(name) {
            Some(Some(v)) => Ok(self.alg.constant(v.clone())),
            _ => Ok(self.alg.param(name)),
        }
    }
    /// The reciprocal of `ast`, built from its factors as written: in `1/((1 + x)^2 (1 + y))` the factors `1 + x`
    /// and `1 + y` become denominator factors, where the reciprocal of the expanded product would make
    /// `x^2 y + ...` one factor, which nothing later cancels against `1 + x` (`(x + 1)/(x^2 + 2x + 1)` was printed).
    fn lower_recip(&mut self, ast: &Ast, col: usize) -> Result<Elem, SpecError> {
        match ast {
            Ast::Bin('^', a, b, pcol) => self.power(a, b, *pcol, true),
            Ast::Neg(a, _) => {
                let r = self.lower_recip(a, col)?;
                Ok(self.alg.neg(&r))
            }
            Ast::Bin('*' | '/', ..) => {
                // `1/(a b / c)` = `(1/a) (1/b) c`, walking the left spine in a loop (as `lower_node` does).
                let (node, spine) = left_spine(ast, &['*', '/']);
                let mut x = self.lower_recip(node, col)?;
                for (op, b, c) in spine {
                    let y = if op == '*' { self.lower_recip(b, c)? } else { self.lower(b)? };
                    if op == '/' && y.is_zero() {
                        // `1/(a/0)`: the quotient inside is undefined (found by review: it printed 0).
                        return Err(self.err(c, "division by zero"));
                    }
                    if op == '/' {
                        self.check_constant_divisor(&y, c)?;
                    }
                    x = self.alg.mul(&x, &y);
                    self.check_size(&x, c)?;
                }
                Ok(x)
            }
            _ => {
                let e = self.lower(ast)?;
                self.check_constant_divisor(&e, col)?;
                self.alg.recip(&e).ok_or_else(|| self.err(col, "division by zero"))
            }
        }
    }
    /// `a^b`, or `a^(-b)` when `negate` (the reciprocal of a power keeps the base as a denominator factor).
    fn power(&mut self, a: &Ast, b: &Ast, col: usize, negate: bool) -> Result<Elem, SpecError> {
        let exp = self.lower(b)?;
        let Some(written) = exp.as_constant() else {
            return Err(self.err(b.col(), "the exponent must be a number (symbolic exponents are not supported)"));
        };
        let e = if negate { written.neg() } else { written.clone() };
        let (n, d) = e.parts();
        let Ok(d) = u16::try_from(d) else {
            // Found by review: `x^0.3333333333333333` and `x^(1/65536)` were called "too large".
            return Err(self.err(
                b.col(),
                format!(
                    "exponent {e}: its denominator is above 65535 (roots up to the 65535th are supported); write a \
                     fraction such as 1/3 rather than a decimal such as 0.3333"
                ),
            ));
        };
        let Ok(n) = i64::try_from(n) else {
            return Err(self.err(b.col(), format!("exponent {e} is too large (at most 1000 in absolute value)")));
        };
        if n.unsigned_abs() > 1000 {
            return Err(self.err(b.col(), format!("exponent {e} is too large (at most 1000 in absolute value)")));
        }
        if n < 0 && d == 1 && matches!(a, Ast::Bin('*' | '/' | '^', ..)) && !calls_a_function(a) {
            // `((1 + y) (1 + x)^2)^-1`: the reciprocal factor by factor, as after `/`, and without expanding the
            // base first (`((1 + x)^1000)^-1` was "too large" where `1/(1 + x)^1000` was not). Bases with functions
            // keep the path below: `(sin(x) tan(y))^-1000` as a reciprocal first would expand `cos(y)^1000`.
            let factor = self.lower_recip(a, col)?;
            return self.repeat_mul(&factor, n.unsigned_abs(), col);
        }
        let base = self.lower(a)?;
        if base.is_zero() && (written.is_negative() || (negate && !written.is_zero())) {
            // `0^-1`, and `1/0^2` (found by review: `1/(x - x)^-2` printed 0).
            return Err(self.err(col, "zero raised to a negative power (division by zero)"));
        }
        if let (Some(c), 1) = (base.as_constant(), d) {
            // A constant to an integer power: exact, by binary powering, with a bound on its size.
            if c.bits().saturating_mul(n.unsigned_abs()) > MAX_CONSTANT_BITS {
                return Err(self.err(
                    col,
                    format!(
                        "expression too large: this power of a number would have more than {MAX_CONSTANT_BITS} bits"
                    ),
                ));
            }
            return c
                .pow(n)
                .map(|v| self.alg.constant(v))
                .ok_or_else(|| self.err(col, "zero raised to a negative power (division by zero)"));
        }
        if d % 2 == 0 {
            if let Some(c) = base.as_constant().filter(|c| c.is_negative()) {
                return Err(self.err(col, format!("({c})^({e}) is not real: an even root of a negative number")));
            }
            self.check_real_domain(&base, &format!("a power with exponent {e} (an even root)"), false, col)?;
        }
        let zero_power = || "zero raised to a negative power (division by zero)";
        if n < 0 && base.num.len() > 1 {
            // A negative power of a sum is a power of its reciprocal, so that the base itself becomes the denominator
            // factor (the reciprocal of the expanded power would make `x^2 + 2x + 1` the factor, not `x + 1`); with
            // a root, `u^(-5/2) = (1/u)^2 (1/sqrt(u))`, not `1/(sqrt(u) (u^2 + 2u + 1))`.
            let (whole, rest) = (n.unsigned_abs() / u64::from(d), n.unsigned_abs() % u64::from(d));
            self.check_constant_divisor(&base, col)?;
            let inv = self.alg.recip(&base).ok_or_else(|| self.err(col, zero_power()))?;
            let mut p = self.repeat_mul(&inv, whole, col)?;
            if rest > 0 {
                let root = self.alg.root(d, base);
                let inv_root = self.alg.recip(&root).ok_or_else(|| self.err(col, zero_power()))?;
                let q = self.repeat_mul(&inv_root, rest, col)?;
                p = self.alg.mul(&p, &q);
                self.check_size(&p, col)?;
            }
            return Ok(p);
        }
        // A base whose numerator is one term: power, then reciprocal. Its monomial is split into one factor per
        // generator anyway, and `tan(c)^-1000` as a reciprocal first would expand `cos(c)^1000` in `sin(c)`.
        let root = if d == 1 { base } else { self.root(d, base, n.unsigned_abs(), col)? };
        let p = self.repeat_mul(&root, n.unsigned_abs(), col)?;
        if n < 0 {
            self.alg.recip(&p).ok_or_else(|| self.err(col, zero_power()))
        } else {
            Ok(p)
        }
    }
    /// The real `d`-th root of `x`; of a rational, in the canonical form of [`Coef::root_parts`]: the rational part
    /// taken out and the rest as roots of primes at their lowest index (`sqrt(8) = 2 sqrt(2)`, `(-8)^(1/3) = -2`,
    /// `4^(1/4) = sqrt(2)`; found by review: they stayed unevaluated, printed as `((8)^(1/3))^2`, and equal roots
    /// written differently did not cancel). Callers have checked that an even root's argument is not negative. The
    /// root is to be raised to `power`: its rational part must stay within the bound on the size of a power of a number
    /// that [`Self::power`] applies to integer powers.
    fn root(&mut self, d: u16, x: Elem, power: u64, col: usize) -> Result<Elem, SpecError> {
        let Some(c) = x.as_constant().filter(|c| !c.is_zero()) else {
            return Ok(self.alg.root(d, x));
        };
        let (outside, factors) = c.root_parts(u32::from(d));
        if outside.bits().saturating_mul(power) > MAX_CONSTANT_BITS {
            return Err(self.err(
                col,
                format!("expression too large: this power of a number would have more than {MAX_CONSTANT_BITS} bits"),
            ));
        }
        let mut p = self.alg.constant(outside);
        for f in factors {
            // An index divides d, so it fits.
            let index = u16::try_from(f.index).map_err(|_| self.err(col, "root index above 65535"))?;
            let base = self.alg.constant(f.base);
            let r = self.alg.root(index, base);
            let r = self.repeat_mul(&r, u64::from(f.power), col)?;
            let r = if f.denominator {
                self.alg.recip(&r).ok_or_else(|| self.err(col, "division by zero in the root of a number"))?
            } else {
                r
            };
            p = self.alg.mul(&p, &r);
            self.check_size(&p, col)?;
        }
        Ok(p)
    }
    /// `factor^n` by repeated multiplication, metered and size-checked at each step, so that a large power fails fast
    /// (found by fuzzing: `(x + a)^1000` took 85 s).
    fn repeat_mul(&mut self, factor: &Elem, n: u64, col: usize) -> Result<Elem, SpecError> {
        let mut p = self.alg.constant(Coef::one());
        for _ in 0..n {
            p = self.alg.mul(&p, factor);
            self.check_size(&p, col)?;
        }
        Ok(p)
    }
    fn call(&mut self, name: &str, args: &[Ast], col: usize) -> Result<Elem, SpecError> {
        let func = match name {
            "sin" => Some(Func::Sin),
            "cos" => Some(Func::Cos),
            "exp" => Some(Func::Exp),
            "log" | "ln" => Some(Func::Log),
            "tan" | "sqrt" => None,
            _ => return self.unspecified(name, args, col),
        };
        if args.len() != 1 {
            return Err(self.err(col, format!("{name} takes one argument, got {}", args.len())));
        }
        let x = self.lower(&args[0])?;
        // bea works over the reals: a constant argument outside the domain is an error, not an imaginary unit
        // (found by review: `sqrt(-1)*x` was taken as i x and gave a real-looking potential).
        if let Some(c) = x.as_constant() {
            if c.is_negative() && matches!(name, "sqrt" | "log" | "ln") {
                return Err(self.err(col, format!("{name}({c}) is not real")));
            }
        }
        if matches!(name, "sqrt" | "log" | "ln") {
            self.check_real_domain(&x, name, name != "sqrt", col)?;
        }
        match (func, name) {
            (Some(f), _) => self.alg.apply(f, x).ok_or_else(|| self.err(col, "log(0) is undefined")),
            (None, "sqrt") => self.root(2, x, 1, col),
            _ => {
                let s = self.alg.apply(Func::Sin, x.clone()).unwrap_or_default();
                let c = self.alg.apply(Func::Cos, x).unwrap_or_default();
                self.alg.div(&s, &c).ok_or_else(|| self.err(col, "tan of an argument whose cosine is identically 0"))
            }
        }
    }
    fn unspecified(&mut self, name: &str, args: &[Ast], col: usize) -> Result<Elem, SpecError> {
        if self.vars.iter().any(|v| v == name) || self.params.contains_key(name) {
            return Err(self.err(col, format!("'{name}' is used both as a symbol and as a function")));
        }
        let mut idx = Vec::new();
        for a in args {
            match a {
                Ast::Ident(v, c) => match self.vars.iter().position(|x| x == v) {
                    Some(i) if !idx.contains(&i) => idx.push(i),
                    Some(_) => return Err(self.err(*c, format!("argument '{v}' of {name} is repeated"))),
                    None => return Err(self.err(*c, format!("the arguments of the unspecified function {name} must be state variables; '{v}' is not one"))),
                },
                other => return Err(self.err(other.col(), format!("the arguments of the unspecified function {name} must be state variables, not expressions"))),
            }
        }
        if let Some(f) = self.alg.functions().iter().find(|f| f.name == name) {
            if f.args != idx {
                return Err(self.err(col, format!("{name} is used with different argument lists")));
            }
        }
        let k = self.alg.function(UnspecFn { name: name.to_string(), args: idx.clone() });
        Ok(self.alg.jet(k, vec![0; idx.len()]))
    }
}
