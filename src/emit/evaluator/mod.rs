//! The in-process numeric evaluator: derived expressions compiled to a straight-line register program with
//! common subexpressions shared (every monomial is built once from a shorter one), run over batches of points so
//! the interpreter's dispatch cost is paid once per batch rather than once per point.
//!
//! This is what `bea verify` and the experiments use. (symplex's own `compile_many` interprets one point at a
//! time, about 4e5 points/s here: GUIDE section 4.)

use crate::algebra::{Algebra, Coef, Elem, Func, GenKind, Mono, Poly};
use bea_verification::dd::Dd;

mod dd;
pub use dd::DdFieldEvaluator;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use thiserror::Error;

/// Why an expression cannot be compiled to numbers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EvalError {
    /// A symbolic parameter without a value.
    #[error("parameter '{0}' has no value: give it one with --set {0}=...")]
    Unbound(String),
    /// An unspecified function cannot be evaluated.
    #[error("the unspecified function {0} has no numeric values: give the field explicitly")]
    Unspecified(String),
    /// An exact constant (a coefficient or a parameter's value) whose magnitude is beyond `f64` (about 1.8e308):
    /// numeric code would compute with `inf` (found by review: generated Rust held the bare word `inf` and did not
    /// compile, and the evaluator turned `inf * 0` into NaN where the exact value is finite).
    #[error("the constant {0} is beyond the range of double precision (about 1.8e308), so no numeric code can represent it: lower the order or rescale the problem")]
    OutOfRange(String),
    /// A non-zero exact constant below the normal range of `f64` (about 2.2e-308): it would round to 0 or to a
    /// subnormal with few digits, a silently wrong number (found by review: the f_1 coefficient -1e-400 of
    /// `1e-200 x^2` was emitted as `-0.0`, and `--set k=1e-400` made a zero field).
    #[error("the constant {0} is below the range of double precision (its magnitude is under 2.2e-308, so it would round to 0 or lose its digits): rescale the problem")]
    Underflow(String),
}

/// A value that came out NaN or infinite, with where it happened: what was evaluated (a component of the field
/// `f`, of a correction `f_l`, of the truncated sum, or a named output such as a loss `E`), the point, coordinate
/// by coordinate with the variables' names, and the step `h` where one entered.
///
/// ```
/// use bea::emit::evaluator::NonFinite;
/// let e = NonFinite { what: "f_2[x]".into(), value: f64::NAN, point: vec![("x".into(), 0.0), ("y".into(), 1.0)], h: None };
/// assert_eq!(e.to_string(), "f_2[x] is NaN at (x=0, y=1)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NonFinite {
    /// What was evaluated: `f[x]` (the field's component for the variable `x`), `f_2[y]` (the correction of order
    /// 2), `f + h f_1 + h^2 f_2 [x]` (the truncated sum), `E`.
    pub what: String,
    /// The value: NaN, `inf` or `-inf`.
    pub value: f64,
    /// The point.
    pub point: Vec<(String, f64)>,
    /// The step size, where the value depends on one.
    pub h: Option<f64>,
}

impl fmt::Display for NonFinite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let point: Vec<String> = self.point.iter().map(|(n, v)| format!("{n}={}", short_number(*v))).collect();
        write!(f, "{} is {} at ({})", self.what, self.value, point.join(", "))?;
        if let Some(h) = self.h {
            write!(f, " with h = {}", short_number(h))?;
        }
        Ok(())
    }
}

/// `x` as Rust's shortest round-trip decimal, in scientific notation when that would be long (found by review: a
/// start point `1e308` printed 309 digits in an error message).
///
/// ```
/// use bea::emit::evaluator::short_number;
/// assert_eq!(short_number(0.6), "0.6");
/// assert_eq!(short_number(1e308), "1e308");
/// assert_eq!(short_number(-2.5e-9), "-2.5e-9");
/// ```
pub fn short_number(x: f64) -> String {
    if x != 0.0 && x.is_finite() && (x.abs() >= 1e16 || x.abs() < 1e-6) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

impl std::error::Error for NonFinite {}

/// One instruction; `C` is the number type of the constants (`f64`, or [`Dd`] for [`DdFieldEvaluator`]).
#[derive(Clone, Debug)]
enum Op<C = f64> {
    Input(usize),
    Const(C),
    Mul(u32, u32),
    Div(u32, u32),
    Lin(Vec<(C, u32)>),
    Apply(Func, u32),
    /// The real `n`-th root (`n >= 2`): `sqrt`, `cbrt`, and for larger odd `n` the odd real root of a negative
    /// number, as the algebra's `root^n = arg` means (found by review: `powf(1/n)` gave NaN for a negative argument
    /// of an odd root). Even roots of negative numbers stay NaN.
    Root(u32, u32),
}

/// The real `n`-th root of `x` (see [`Op::Root`]).
fn real_root(x: f64, n: u32) -> f64 {
    match n {
        2 => x.sqrt(),
        3 => x.cbrt(),
        n if n % 2 == 1 => x.signum() * x.abs().powf(1.0 / n as f64),
        n => x.powf(1.0 / n as f64),
    }
}

/// A compiled list of expressions of the state.
#[derive(Clone, Debug)]
pub struct Evaluator {
    n_in: usize,
    ops: Vec<Op>,
    outputs: Vec<u32>,
    /// Names of the outputs and inputs, for [`NonFinite`] reports.
    names: Names,
}

#[derive(Clone, Debug, Default)]
struct Names {
    outputs: Vec<String>,
    vars: Vec<String>,
}

impl Names {
    fn output(&self, k: usize) -> String {
        self.outputs.get(k).cloned().unwrap_or_else(|| format!("output {}", k + 1))
    }
    fn var(&self, i: usize) -> String {
        self.vars.get(i).cloned().unwrap_or_else(|| format!("x_{}", i + 1))
    }
    fn point(&self, x: &[f64]) -> Vec<(String, f64)> {
        x.iter().enumerate().map(|(i, &v)| (self.var(i), v)).collect()
    }
}

/// Points per batch.
pub const BATCH: usize = 128;

/// The number type a program computes in: `f64` ([`Evaluator`]) or double-double ([`DdFieldEvaluator`]).
trait Scalar: Copy + PartialEq + std::fmt::Debug {
    /// The exact rational, rounded to this type (not finite when beyond its range).
    fn from_coef(c: &Coef) -> Self;
    fn zero() -> Self;
    fn one() -> Self;
    fn plus(self, o: Self) -> Self;
    fn finite(self) -> bool;
    /// `|self|` as an `f64`.
    fn magnitude(self) -> f64;
    /// A key for deduplicating constants.
    fn key(self) -> (u64, u64);
}

impl Scalar for f64 {
    fn from_coef(c: &Coef) -> f64 {
        c.to_f64()
    }
    fn zero() -> f64 {
        0.0
    }
    fn one() -> f64 {
        1.0
    }
    fn plus(self, o: f64) -> f64 {
        self + o
    }
    fn finite(self) -> bool {
        self.is_finite()
    }
    fn magnitude(self) -> f64 {
        self.abs()
    }
    fn key(self) -> (u64, u64) {
        (self.to_bits(), 0)
    }
}

impl Scalar for Dd {
    fn from_coef(c: &Coef) -> Dd {
        c.to_dd()
    }
    fn zero() -> Dd {
        Dd::ZERO
    }
    fn one() -> Dd {
        Dd::ONE
    }
    fn plus(self, o: Dd) -> Dd {
        self.add(o)
    }
    fn finite(self) -> bool {
        self.is_finite()
    }
    fn magnitude(self) -> f64 {
        self.hi.abs()
    }
    fn key(self) -> (u64, u64) {
        (self.hi.to_bits(), self.lo.to_bits())
    }
}

struct Compiler<'a, C: Scalar = f64> {
    alg: &'a Algebra,
    params: &'a HashMap<String, C>,
    ops: Vec<Op<C>>,
    mono: HashMap<Mono, u32>,
    gens: HashMap<usize, u32>,
    polys: HashMap<Poly, u32>,
    consts: HashMap<(u64, u64), u32>,
}

impl<'a, C: Scalar> Compiler<'a, C> {
    fn new(alg: &'a Algebra, params: &'a HashMap<String, C>) -> Self {
        Compiler {
            alg,
            params,
            ops: Vec::new(),
            mono: HashMap::new(),
            gens: HashMap::new(),
            polys: HashMap::new(),
            consts: HashMap::new(),
        }
    }
    fn push(&mut self, op: Op<C>) -> u32 {
        self.ops.push(op);
        (self.ops.len() - 1) as u32
    }
    fn constant(&mut self, v: C) -> Result<u32, EvalError> {
        if !v.finite() {
            return Err(EvalError::OutOfRange(format!("{v:?}")));
        }
        if let Some(&r) = self.consts.get(&v.key()) {
            return Ok(r);
        }
        let r = self.push(Op::Const(v));
        self.consts.insert(v.key(), r);
        Ok(r)
    }
    fn gen(&mut self, g: usize) -> Result<u32, EvalError> {
        if let Some(&r) = self.gens.get(&g) {
            return Ok(r);
        }
        let r = match &self.alg.gens()[g] {
            GenKind::State(i) => self.push(Op::Input(*i)),
            GenKind::Param(p) => {
                let v = *self.params.get(p).ok_or_else(|| EvalError::Unbound(p.clone()))?;
                self.constant(v)?
            }
            GenKind::Jet { func, .. } => return Err(EvalError::Unspecified(self.alg.functions()[*func].name.clone())),
            GenKind::Apply(f, u) => {
                let a = self.elem(&u.clone())?;
                self.push(Op::Apply(*f, a))
            }
            GenKind::Root(n, u) => {
                let a = self.elem(&u.clone())?;
                self.push(Op::Root(a, *n as u32))
            }
        };
        self.gens.insert(g, r);
        Ok(r)
    }
    /// The register of monomial `m`, built as `m / g * g` for its last generator `g` on top of the longest
    /// already-built prefix. Iterative: a recursion one level per unit of total degree overflowed the stack on
    /// `x^1000` at order 24 (found by review).
    fn monomial(&mut self, m: &Mono) -> Result<Option<u32>, EvalError> {
        let mut chain: Vec<(Mono, usize)> = Vec::new();
        let mut cur = m.clone();
        let mut acc = loop {
            if cur.0.is_empty() {
                break None;
            }
            if let Some(&r) = self.mono.get(&cur) {
                break Some(r);
            }
            let g = cur.0.len() - 1;
            let rest = cur.with_exp(g, cur.exp(g) - 1);
            chain.push((cur, g));
            cur = rest;
        };
        for (mono, g) in chain.into_iter().rev() {
            let gr = self.gen(g)?;
            let r = match acc {
                None => gr,
                Some(rr) => self.push(Op::Mul(rr, gr)),
            };
            self.mono.insert(mono, r);
            acc = Some(r);
        }
        Ok(acc)
    }
    fn poly(&mut self, p: &Poly) -> Result<u32, EvalError> {
        if let Some(&r) = self.polys.get(p) {
            return Ok(r);
        }
        let mut lin = Vec::new();
        let mut c0 = C::zero();
        for (m, c) in p.terms() {
            let v = C::from_coef(c);
            if !v.finite() || v.magnitude() < f64::MIN_POSITIVE {
                let shown = shown_coef(c);
                return Err(if v.finite() { EvalError::Underflow(shown) } else { EvalError::OutOfRange(shown) });
            }
            match self.monomial(m)? {
                None => c0 = c0.plus(v),
                Some(r) => lin.push((v, r)),
            }
        }
        if c0 != C::zero() || lin.is_empty() {
            let r = self.constant(C::one())?;
            lin.push((c0, r));
        }
        let r = if lin.len() == 1 && lin[0].0 == C::one() { lin[0].1 } else { self.push(Op::Lin(lin)) };
        self.polys.insert(p.clone(), r);
        Ok(r)
    }
    fn elem(&mut self, e: &Elem) -> Result<u32, EvalError> {
        let num = self.poly(&e.num)?;
        let mut den: Option<u32> = None;
        for (k, &p) in e.den.iter().enumerate() {
            for _ in 0..p {
                let q = self.poly(&self.alg.factors()[k].clone())?;
                den = Some(match den {
                    None => q,
                    Some(d) => self.push(Op::Mul(d, q)),
                });
            }
        }
        Ok(match den {
            None => num,
            Some(d) => self.push(Op::Div(num, d)),
        })
    }
}

impl Evaluator {
    /// Compile `exprs` (functions of the state) with parameter values `params`.
    pub fn compile(alg: &Algebra, exprs: &[Elem], params: &HashMap<String, f64>) -> Result<Evaluator, EvalError> {
        let mut c = Compiler::new(alg, params);
        let outputs = exprs.iter().map(|e| c.elem(e)).collect::<Result<Vec<_>, _>>()?;
        Ok(Evaluator { n_in: alg.n_state(), ops: c.ops, outputs, names: Names::default() })
    }
    /// Name the outputs and the state variables, for the reports of [`Evaluator::eval_checked`] (unnamed ones
    /// are `output k` and `x_i`, 1-based).
    pub fn named(mut self, outputs: &[String], vars: &[String]) -> Evaluator {
        self.names = Names { outputs: outputs.to_vec(), vars: vars.to_vec() };
        self
    }
    /// [`Evaluator::eval`], then fail with the first output that is NaN or infinite, naming it and the point.
    ///
    /// ```
    /// use bea::emit::evaluator::Evaluator;
    /// use bea::spec::{Problem, RawProblem};
    /// let raw = RawProblem { loss: Some("log(x) + y^2".into()), vars: vec!["x".into(), "y".into()], ..Default::default() };
    /// let p = Problem::from_raw(&raw).unwrap();
    /// let ev = Evaluator::compile(&p.algebra, &[p.loss.clone().unwrap()], &Default::default()).unwrap();
    /// let ev = ev.named(&["E".to_string()], &p.vars);
    /// let mut out = [0.0];
    /// assert!(ev.eval_checked(&[1.0, 2.0], &mut out).is_ok());
    /// assert_eq!(ev.eval_checked(&[-1.0, 1.0], &mut out).unwrap_err().to_string(), "E is NaN at (x=-1, y=1)");
    /// ```
    pub fn eval_checked(&self, x: &[f64], out: &mut [f64]) -> Result<(), NonFinite> {
        self.eval(x, out);
        match out.iter().take(self.outputs.len()).position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(k) => {
                Err(NonFinite { what: self.names.output(k), value: out[k], point: self.names.point(x), h: None })
            }
        }
    }
    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        self.outputs.len()
    }
    /// Number of inputs (state variables).
    pub fn n_inputs(&self) -> usize {
        self.n_in
    }
    /// Number of instructions.
    pub fn n_ops(&self) -> usize {
        self.ops.len()
    }
    /// Evaluate at one point: `out[k]` = output `k`.
    pub fn eval(&self, x: &[f64], out: &mut [f64]) {
        self.at_point(x, |regs| {
            for (o, &r) in out.iter_mut().zip(&self.outputs) {
                *o = regs[r as usize];
            }
        })
    }
    /// Run the program at one point and hand its registers to `visit` (output `k` is
    /// `regs[self.outputs[k]]`). The registers live in a per-thread buffer that is reused from call to call, so a
    /// single-point evaluation allocates nothing once the buffer has grown (the flow integrations of `verify` call
    /// it once per stage); a nested call from inside `visit` falls back to a fresh buffer.
    fn at_point<R>(&self, x: &[f64], visit: impl FnOnce(&[f64]) -> R) -> R {
        thread_local! {
            static REGS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
        }
        let n = self.ops.len();
        REGS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut regs) => {
                if regs.len() < n {
                    regs.resize(n, 0.0);
                }
                self.run(x, 1, &mut regs[..n]);
                visit(&regs[..n])
            }
            Err(_) => {
                let mut regs = vec![0.0; n];
                self.run(x, 1, &mut regs);
                visit(&regs)
            }
        })
    }
    /// Evaluate at `count` points. `xs` is point-major (`xs[p * n_inputs + i]`), `out` likewise
    /// (`out[p * n_outputs + k]`).
    pub fn eval_many(&self, xs: &[f64], count: usize, out: &mut [f64]) {
        let no = self.outputs.len();
        self.for_each_batch(xs, count, |start, b, regs| {
            for l in 0..b {
                for (k, &r) in self.outputs.iter().enumerate() {
                    out[(start + l) * no + k] = regs[r as usize * BATCH + l];
                }
            }
        });
    }
    /// Run the program batch by batch; `visit(first_point, points_in_batch, registers)` reads the outputs of
    /// lane `l` at `registers[output_register * BATCH + l]`.
    fn for_each_batch(&self, xs: &[f64], count: usize, mut visit: impl FnMut(usize, usize, &[f64])) {
        let ni = self.n_in;
        let mut regs = vec![0.0; self.ops.len() * BATCH];
        let mut lanes = vec![0.0; ni * BATCH];
        let mut start = 0;
        while start < count {
            let b = BATCH.min(count - start);
            for l in 0..b {
                for i in 0..ni {
                    lanes[i * BATCH + l] = xs[(start + l) * ni + i];
                }
            }
            self.run_batch(&lanes, b, &mut regs);
            visit(start, b, &regs);
            start += b;
        }
    }
    fn run(&self, x: &[f64], _b: usize, regs: &mut [f64]) {
        for (i, op) in self.ops.iter().enumerate() {
            regs[i] = match op {
                Op::Input(k) => x[*k],
                Op::Const(v) => *v,
                Op::Mul(a, b) => regs[*a as usize] * regs[*b as usize],
                Op::Div(a, b) => regs[*a as usize] / regs[*b as usize],
                Op::Lin(t) => t.iter().map(|(c, r)| c * regs[*r as usize]).sum(),
                Op::Apply(f, a) => apply(*f, regs[*a as usize]),
                Op::Root(a, n) => real_root(regs[*a as usize], *n),
            };
        }
    }
    fn run_batch(&self, lanes: &[f64], b: usize, regs: &mut [f64]) {
        for (i, op) in self.ops.iter().enumerate() {
            let (before, rest) = regs.split_at_mut(i * BATCH);
            let dst = &mut rest[..b];
            let src = |r: u32| &before[r as usize * BATCH..r as usize * BATCH + b];
            match op {
                Op::Input(k) => dst.copy_from_slice(&lanes[k * BATCH..k * BATCH + b]),
                Op::Const(v) => dst.fill(*v),
                Op::Mul(x, y) => {
                    let (x, y) = (src(*x), src(*y));
                    for l in 0..b {
                        dst[l] = x[l] * y[l];
                    }
                }
                Op::Div(x, y) => {
                    let (x, y) = (src(*x), src(*y));
                    for l in 0..b {
                        dst[l] = x[l] / y[l];
                    }
                }
                Op::Lin(t) => {
                    dst.fill(0.0);
                    for (c, r) in t {
                        let x = src(*r);
                        for l in 0..b {
                            dst[l] += c * x[l];
                        }
                    }
                }
                Op::Apply(f, a) => {
                    let x = src(*a);
                    for l in 0..b {
                        dst[l] = apply(*f, x[l]);
                    }
                }
                Op::Root(a, n) => {
                    let x = src(*a);
                    for l in 0..b {
                        dst[l] = real_root(x[l], *n);
                    }
                }
            }
        }
    }
}

impl Evaluator {
    /// The program as Rust statements (`let rK: f64 = ...;`, reading `theta[i]`), and the expressions of the
    /// outputs. Used by the Rust source emitter, so generated code and the evaluator run the same program.
    pub fn to_rust(&self, input: &str) -> (Vec<String>, Vec<String>) {
        let r = |k: &u32| format!("r{k}");
        let lines = self
            .ops
            .iter()
            .enumerate()
            .map(|(i, op)| {
                let rhs = match op {
                    Op::Input(k) => format!("{input}[{k}]"),
                    Op::Const(v) => lit(*v),
                    Op::Mul(a, b) => format!("{} * {}", r(a), r(b)),
                    Op::Div(a, b) => format!("{} / {}", r(a), r(b)),
                    Op::Lin(t) => {
                        t.iter().map(|(c, k)| format!("{} * {}", lit(*c), r(k))).collect::<Vec<_>>().join(" + ")
                    }
                    Op::Apply(f, a) => format!(
                        "{}.{}()",
                        r(a),
                        match f {
                            Func::Sin => "sin",
                            Func::Cos => "cos",
                            Func::Exp => "exp",
                            Func::Log => "ln",
                        }
                    ),
                    Op::Root(a, 2) => format!("{}.sqrt()", r(a)),
                    Op::Root(a, 3) => format!("{}.cbrt()", r(a)),
                    Op::Root(a, n) if n % 2 == 1 => {
                        format!("{0}.signum() * {0}.abs().powf({1})", r(a), lit(1.0 / *n as f64))
                    }
                    Op::Root(a, n) => format!("{}.powf({})", r(a), lit(1.0 / *n as f64)),
                };
                format!("let r{i}: f64 = {rhs};")
            })
            .collect();
        (lines, self.outputs.iter().map(r).collect())
    }
}

/// A Rust `f64` literal that round-trips exactly.
fn lit(v: f64) -> String {
    let s = format!("{v:?}");
    let s =
        if s.contains('.') || s.contains('e') || s.contains("inf") || s.contains("NaN") { s } else { format!("{s}.0") };
    if v < 0.0 {
        format!("({s})")
    } else {
        s
    }
}

fn apply(f: Func, x: f64) -> f64 {
    match f {
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Exp => x.exp(),
        Func::Log => x.ln(),
    }
}

/// The truncated modified field `f + h f_1 + ... + h^N f_N`, compiled: outputs are laid out order-major
/// (`f_0` components, then `f_1`, ...), combined by Horner's rule in `h` at evaluation.
#[derive(Clone, Debug)]
pub struct ModifiedFieldEvaluator {
    eval: Evaluator,
    dim: usize,
    orders: usize,
}

impl ModifiedFieldEvaluator {
    /// Compile `f` and `corrections = [f_1, ..., f_N]`.
    pub fn compile(
        alg: &Algebra,
        f: &[Elem],
        corrections: &[Vec<Elem>],
        params: &HashMap<String, f64>,
    ) -> Result<Self, EvalError> {
        let mut all: Vec<Elem> = f.to_vec();
        for c in corrections {
            all.extend(c.iter().cloned());
        }
        Ok(ModifiedFieldEvaluator {
            eval: Evaluator::compile(alg, &all, params)?,
            dim: f.len(),
            orders: corrections.len(),
        })
    }
    /// Dimension of the state.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// Highest correction order compiled.
    pub fn max_order(&self) -> usize {
        self.orders
    }
    /// `[f(x), f_1(x), ..., f_N(x)]`, each term on its own (`N = max_order()`).
    pub fn terms(&self, x: &[f64]) -> Vec<Vec<f64>> {
        let mut all = vec![0.0; self.dim * (self.orders + 1)];
        self.eval.eval(x, &mut all);
        all.chunks(self.dim.max(1)).map(|c| c.to_vec()).collect()
    }
    /// `out = f(x) + h f_1(x) + ... + h^n f_n(x)` for `n <= max_order()`.
    pub fn eval(&self, x: &[f64], h: f64, n: usize, out: &mut [f64]) {
        let outs = &self.eval.outputs;
        self.eval.at_point(x, |regs| self.horner(|k| regs[outs[k] as usize], h, n, out));
    }
    /// Name the state variables (`vars[i]` for component `i`), for the reports of [`Self::eval_checked`] and
    /// [`Self::check_finite`]: the components are then `f[x]`, `f_1[x]`, ... (unnamed: `f[x_1]`, ...).
    pub fn with_var_names(mut self, vars: &[String]) -> Self {
        let d = self.dim;
        let var = |i: usize| vars.get(i).cloned().unwrap_or_else(|| format!("x_{}", i + 1));
        let outputs: Vec<String> = (0..=self.orders)
            .flat_map(|l| (0..d).map(move |i| (l, i)))
            .map(|(l, i)| if l == 0 { format!("f[{}]", var(i)) } else { format!("f_{l}[{}]", var(i)) })
            .collect();
        let vars: Vec<String> = (0..d).map(var).collect();
        self.eval = self.eval.named(&outputs, &vars);
        self
    }
    /// Check that `f` and the corrections `f_1, ..., f_n` (`n <= max_order()`) are finite at `x`; the first
    /// that is not is reported with its order, component and the point, e.g. `f_2[x] is NaN at (x=0, y=1)`.
    ///
    /// ```
    /// use bea::emit::evaluator::ModifiedFieldEvaluator;
    /// use bea::spec::{Problem, RawProblem};
    /// let raw = RawProblem { field: Some(vec!["1/x".into(), "y".into()]), vars: vec!["x".into(), "y".into()], ..Default::default() };
    /// let p = Problem::from_raw(&raw).unwrap();
    /// let ev = ModifiedFieldEvaluator::compile(&p.algebra, &p.field, &[], &Default::default()).unwrap();
    /// let ev = ev.with_var_names(&p.vars);
    /// assert!(ev.check_finite(&[1.0, 1.0], 0).is_ok());
    /// assert_eq!(ev.check_finite(&[0.0, 1.0], 0).unwrap_err().to_string(), "f[x] is inf at (x=0, y=1)");
    /// ```
    pub fn check_finite(&self, x: &[f64], n: usize) -> Result<(), NonFinite> {
        let mut all = vec![0.0; self.eval.n_outputs()];
        self.eval.eval(x, &mut all);
        self.first_non_finite(&all, x, n)
    }
    fn first_non_finite(&self, all: &[f64], x: &[f64], n: usize) -> Result<(), NonFinite> {
        let used = (n.min(self.orders) + 1) * self.dim;
        match all.iter().take(used).position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(k) => Err(NonFinite {
                what: self.eval.names.output(k),
                value: all[k],
                point: self.eval.names.point(x),
                h: None,
            }),
        }
    }
    /// [`Self::eval`], failing with the first of `f, f_1, ..., f_n` that is NaN or infinite at `x` (see
    /// [`Self::check_finite`]), or with the component of the sum that overflows although its terms are finite.
    ///
    /// ```
    /// use bea::emit::evaluator::ModifiedFieldEvaluator;
    /// use bea::spec::{Problem, RawProblem};
    /// let raw = RawProblem { field: Some(vec!["1e300*x".into()]), vars: vec!["x".into()], ..Default::default() };
    /// let p = Problem::from_raw(&raw).unwrap();
    /// let ev = ModifiedFieldEvaluator::compile(&p.algebra, &p.field, &[], &Default::default()).unwrap();
    /// let ev = ev.with_var_names(&p.vars);
    /// let mut out = [0.0];
    /// assert!(ev.eval_checked(&[2.0], 0.1, 0, &mut out).is_ok());
    /// assert_eq!(ev.eval_checked(&[1e10], 0.1, 0, &mut out).unwrap_err().to_string(), "f[x] is inf at (x=10000000000)");
    /// ```
    pub fn eval_checked(&self, x: &[f64], h: f64, n: usize, out: &mut [f64]) -> Result<(), NonFinite> {
        let mut all = vec![0.0; self.eval.n_outputs()];
        self.eval.eval(x, &mut all);
        self.first_non_finite(&all, x, n)?;
        self.horner(|k| all[k], h, n, out);
        match out.iter().take(self.dim).position(|v| !v.is_finite()) {
            None => Ok(()),
            Some(i) => {
                let n = n.min(self.orders);
                let sum: Vec<String> = (0..=n)
                    .map(|l| match l {
                        0 => "f".to_string(),
                        1 => "h f_1".to_string(),
                        l => format!("h^{l} f_{l}"),
                    })
                    .collect();
                let var = self.eval.names.var(i);
                Err(NonFinite {
                    what: format!("{} [{var}]", sum.join(" + ")),
                    value: out[i],
                    point: self.eval.names.point(x),
                    h: Some(h),
                })
            }
        }
    }
    /// `out[i] = sum_l h^l all(l * dim + i)` for `l <= n`, where `all(k)` is output `k` of the program.
    fn horner(&self, all: impl Fn(usize) -> f64, h: f64, n: usize, out: &mut [f64]) {
        let d = self.dim;
        for (i, o) in out.iter_mut().enumerate().take(d) {
            let mut acc = 0.0;
            for l in (0..=n.min(self.orders)).rev() {
                acc = acc * h + all(l * d + i);
            }
            *o = acc;
        }
    }
    /// Evaluate at `count` points (point-major `xs`, `out`), all at the same `h` and truncation `n`.
    pub fn eval_many(&self, xs: &[f64], count: usize, h: f64, n: usize, out: &mut [f64]) {
        let d = self.dim;
        let top = n.min(self.orders);
        let outs = &self.eval.outputs;
        self.eval.for_each_batch(xs, count, |start, b, regs| {
            for i in 0..d {
                let col = &mut out[start * d..(start + b) * d];
                let r = outs[top * d + i] as usize * BATCH;
                for l in 0..b {
                    col[l * d + i] = regs[r + l];
                }
                for lo in (0..top).rev() {
                    let r = outs[lo * d + i] as usize * BATCH;
                    for l in 0..b {
                        col[l * d + i] = col[l * d + i] * h + regs[r + l];
                    }
                }
            }
        });
    }
}

/// Parameter values of a problem as `f64`, from its exact values and `extra` (e.g. the verify defaults).
pub fn param_values(
    params: &std::collections::BTreeMap<String, Option<Coef>>,
    extra: &std::collections::BTreeMap<String, Coef>,
) -> Result<HashMap<String, f64>, EvalError> {
    exact_param_values(params, extra)
        .into_iter()
        .map(|(k, c)| {
            let v = c.to_f64();
            let shown = || format!("{k} = {}", shown_coef(&c));
            if !v.is_finite() {
                Err(EvalError::OutOfRange(shown()))
            } else if !c.is_zero() && v.abs() < f64::MIN_POSITIVE {
                Err(EvalError::Underflow(shown()))
            } else {
                Ok((k, v))
            }
        })
        .collect()
}

/// An exact constant for a message: in full up to 60 characters, else its first 40 and its length.
fn shown_coef(c: &Coef) -> String {
    let full = c.to_string();
    if full.len() > 60 {
        format!("{}... ({} characters)", &full[..40], full.len())
    } else {
        full
    }
}

/// [`param_values`], exact (for [`DdFieldEvaluator`]).
pub fn exact_param_values(
    params: &std::collections::BTreeMap<String, Option<Coef>>,
    extra: &std::collections::BTreeMap<String, Coef>,
) -> HashMap<String, Coef> {
    let mut m = HashMap::new();
    for (k, v) in params {
        if let Some(c) = v.as_ref().or(extra.get(k)) {
            m.insert(k.clone(), c.clone());
        }
    }
    m
}
