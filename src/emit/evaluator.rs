//! The in-process numeric evaluator: derived expressions compiled to a straight-line register program with
//! common subexpressions shared (every monomial is built once from a shorter one), run over batches of points so
//! the interpreter's dispatch cost is paid once per batch rather than once per point.
//!
//! This is what `bea verify` and the experiments use. (symplex's own `compile_many` interprets one point at a
//! time, about 4e5 points/s here: GUIDE section 4.)

use crate::algebra::{Algebra, Coef, Elem, Func, GenKind, Mono, Poly};
use std::collections::HashMap;
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
}

#[derive(Clone, Debug)]
enum Op {
    Input(usize),
    Const(f64),
    Mul(u32, u32),
    Div(u32, u32),
    Lin(Vec<(f64, u32)>),
    Apply(Func, u32),
    Powf(u32, f64),
}

/// A compiled list of expressions of the state.
#[derive(Clone, Debug)]
pub struct Evaluator {
    n_in: usize,
    ops: Vec<Op>,
    outputs: Vec<u32>,
}

/// Points per batch.
pub const BATCH: usize = 128;

struct Compiler<'a> {
    alg: &'a Algebra,
    params: &'a HashMap<String, f64>,
    ops: Vec<Op>,
    mono: HashMap<Mono, u32>,
    gens: HashMap<usize, u32>,
    polys: HashMap<Poly, u32>,
    consts: HashMap<u64, u32>,
}

impl Compiler<'_> {
    fn push(&mut self, op: Op) -> u32 {
        self.ops.push(op);
        (self.ops.len() - 1) as u32
    }
    fn constant(&mut self, v: f64) -> u32 {
        if let Some(&r) = self.consts.get(&v.to_bits()) {
            return r;
        }
        let r = self.push(Op::Const(v));
        self.consts.insert(v.to_bits(), r);
        r
    }
    fn gen(&mut self, g: usize) -> Result<u32, EvalError> {
        if let Some(&r) = self.gens.get(&g) {
            return Ok(r);
        }
        let r = match &self.alg.gens()[g] {
            GenKind::State(i) => self.push(Op::Input(*i)),
            GenKind::Param(p) => {
                let v = *self.params.get(p).ok_or_else(|| EvalError::Unbound(p.clone()))?;
                self.constant(v)
            }
            GenKind::Jet { func, .. } => return Err(EvalError::Unspecified(self.alg.functions()[*func].name.clone())),
            GenKind::Apply(f, u) => {
                let a = self.elem(&u.clone())?;
                self.push(Op::Apply(*f, a))
            }
            GenKind::Root(n, u) => {
                let a = self.elem(&u.clone())?;
                self.push(Op::Powf(a, 1.0 / *n as f64))
            }
        };
        self.gens.insert(g, r);
        Ok(r)
    }
    fn monomial(&mut self, m: &Mono) -> Result<Option<u32>, EvalError> {
        if m.0.is_empty() {
            return Ok(None);
        }
        if let Some(&r) = self.mono.get(m) {
            return Ok(Some(r));
        }
        let g = m.0.len() - 1;
        let rest = m.with_exp(g, m.exp(g) - 1);
        let gr = self.gen(g)?;
        let r = match self.monomial(&rest)? {
            None => gr,
            Some(rr) => self.push(Op::Mul(rr, gr)),
        };
        self.mono.insert(m.clone(), r);
        Ok(Some(r))
    }
    fn poly(&mut self, p: &Poly) -> Result<u32, EvalError> {
        if let Some(&r) = self.polys.get(p) {
            return Ok(r);
        }
        let mut lin = Vec::new();
        let mut c0 = 0.0;
        for (m, c) in p.terms() {
            match self.monomial(m)? {
                None => c0 += c.to_f64(),
                Some(r) => lin.push((c.to_f64(), r)),
            }
        }
        if c0 != 0.0 || lin.is_empty() {
            let r = self.constant(1.0);
            lin.push((c0, r));
        }
        let r = if lin.len() == 1 && lin[0].0 == 1.0 { lin[0].1 } else { self.push(Op::Lin(lin)) };
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
        let mut c = Compiler {
            alg,
            params,
            ops: Vec::new(),
            mono: HashMap::new(),
            gens: HashMap::new(),
            polys: HashMap::new(),
            consts: HashMap::new(),
        };
        let outputs = exprs.iter().map(|e| c.elem(e)).collect::<Result<Vec<_>, _>>()?;
        Ok(Evaluator { n_in: alg.n_state(), ops: c.ops, outputs })
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
        let mut regs = vec![0.0; self.ops.len()];
        self.run(x, 1, &mut regs);
        for (o, &r) in out.iter_mut().zip(&self.outputs) {
            *o = regs[r as usize];
        }
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
                Op::Powf(a, e) => regs[*a as usize].powf(*e),
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
                Op::Powf(a, e) => {
                    let x = src(*a);
                    for l in 0..b {
                        dst[l] = x[l].powf(*e);
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
                    Op::Powf(a, e) => format!("{}.powf({})", r(a), lit(*e)),
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
    /// `out = f(x) + h f_1(x) + ... + h^n f_n(x)` for `n <= max_order()`.
    pub fn eval(&self, x: &[f64], h: f64, n: usize, out: &mut [f64]) {
        let mut all = vec![0.0; self.eval.n_outputs()];
        self.eval.eval(x, &mut all);
        self.horner(&all, h, n, out);
    }
    fn horner(&self, all: &[f64], h: f64, n: usize, out: &mut [f64]) {
        let d = self.dim;
        for i in 0..d {
            let mut acc = 0.0;
            for l in (0..=n.min(self.orders)).rev() {
                acc = acc * h + all[l * d + i];
            }
            out[i] = acc;
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
) -> HashMap<String, f64> {
    let mut m = HashMap::new();
    for (k, v) in params {
        if let Some(c) = v.as_ref().or(extra.get(k)) {
            m.insert(k.clone(), c.to_f64());
        }
    }
    m
}
