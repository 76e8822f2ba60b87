//! The truncated modified field in double-double: the compiler of [`super`] with exact constants rounded to
//! double-double, and a scalar interpreter (`bea verify --precision double-double`).

use super::{Compiler, EvalError, Op};
use crate::algebra::{Algebra, Coef, Elem, Func};
use bea_verification::dd::Dd;
use std::cell::RefCell;
use std::collections::HashMap;

/// The truncated modified field `f + h f_1 + ... + h^N f_N` in double-double (about 32 digits: every exact
/// coefficient and parameter is rounded once to double-double, and the program runs in double-double), for the
/// extended-precision order checks (`bea verify --precision double-double`). Same layout as
/// [`super::ModifiedFieldEvaluator`]; no batching (the harness evaluates one point at a time).
///
/// ```
/// use bea::emit::evaluator::DdFieldEvaluator;
/// use bea::spec::{Problem, RawProblem};
/// use bea_verification::dd::Dd;
/// let raw = RawProblem { field: Some(vec!["x/10 + sin(x)".into()]), vars: vec!["x".into()], ..Default::default() };
/// let p = Problem::from_raw(&raw).unwrap();
/// let ev = DdFieldEvaluator::compile(&p.algebra, &p.field, &[], &Default::default()).unwrap();
/// let mut out = [Dd::ZERO];
/// ev.eval(&[Dd::ONE], Dd::ZERO, 0, &mut out);
/// let want = Dd::ONE.div(Dd::from_f64(10.0)).add(Dd::ONE.sin());
/// assert!(out[0].sub(want).abs().to_f64() < 1e-31);
/// ```
#[derive(Clone, Debug)]
pub struct DdFieldEvaluator {
    ops: Vec<Op<Dd>>,
    outputs: Vec<u32>,
    dim: usize,
    orders: usize,
}

impl DdFieldEvaluator {
    /// Compile `f` and `corrections = [f_1, ..., f_N]` with exact parameter values.
    pub fn compile(
        alg: &Algebra,
        f: &[Elem],
        corrections: &[Vec<Elem>],
        params: &HashMap<String, Coef>,
    ) -> Result<Self, EvalError> {
        let params: HashMap<String, Dd> = params.iter().map(|(k, c)| (k.clone(), c.to_dd())).collect();
        let mut c = Compiler::new(alg, &params);
        let all: Vec<&Elem> = f.iter().chain(corrections.iter().flatten()).collect();
        let outputs = all.into_iter().map(|e| c.elem(e)).collect::<Result<Vec<_>, _>>()?;
        Ok(DdFieldEvaluator { ops: c.ops, outputs, dim: f.len(), orders: corrections.len() })
    }
    /// `out = f(x) + h f_1(x) + ... + h^n f_n(x)` for `n <= ` the number of corrections compiled.
    pub fn eval(&self, x: &[Dd], h: Dd, n: usize, out: &mut [Dd]) {
        // A per-thread register buffer, reused from call to call as in [`super::Evaluator::eval`].
        thread_local! {
            static REGS: RefCell<Vec<Dd>> = const { RefCell::new(Vec::new()) };
        }
        REGS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut regs) => {
                if regs.len() < self.ops.len() {
                    regs.resize(self.ops.len(), Dd::ZERO);
                }
                self.run(x, h, n, &mut regs, out)
            }
            Err(_) => self.run(x, h, n, &mut vec![Dd::ZERO; self.ops.len()], out),
        })
    }
    fn run(&self, x: &[Dd], h: Dd, n: usize, regs: &mut [Dd], out: &mut [Dd]) {
        for (i, op) in self.ops.iter().enumerate() {
            let r = |k: &u32| regs[*k as usize];
            regs[i] = match op {
                Op::Input(k) => x[*k],
                Op::Const(v) => *v,
                Op::Mul(a, b) => r(a).mul(r(b)),
                Op::Div(a, b) => r(a).div(r(b)),
                Op::Lin(t) => t.iter().fold(Dd::ZERO, |acc, (c, k)| acc.add(c.mul(r(k)))),
                Op::Apply(f, a) => match f {
                    Func::Sin => r(a).sin(),
                    Func::Cos => r(a).cos(),
                    Func::Exp => r(a).exp(),
                    Func::Log => r(a).ln(),
                },
                Op::Root(a, k) => r(a).real_root(*k),
            };
        }
        let d = self.dim;
        for (i, o) in out.iter_mut().enumerate().take(d) {
            let mut acc = Dd::ZERO;
            for l in (0..=n.min(self.orders)).rev() {
                acc = acc.mul(h).add(regs[self.outputs[l * d + i] as usize]);
            }
            *o = acc;
        }
    }
}
