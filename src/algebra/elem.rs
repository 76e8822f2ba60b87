//! The differential ring: generators, denominator factors, and arithmetic on fractions.

mod rules;
mod size;

use super::{Coef, Mono, Poly};
use std::cell::Cell;
use std::collections::HashMap;
use std::time::Instant;

/// Known elementary functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Func {
    /// sine
    Sin,
    /// cosine
    Cos,
    /// natural exponential
    Exp,
    /// natural logarithm
    Log,
}

impl Func {
    /// The name as printed and parsed.
    pub fn name(self) -> &'static str {
        match self {
            Func::Sin => "sin",
            Func::Cos => "cos",
            Func::Exp => "exp",
            Func::Log => "log",
        }
    }
}

/// An unspecified function of some state variables, e.g. `P(x, y)`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UnspecFn {
    /// Its name.
    pub name: String,
    /// The state variables it depends on (indices), in the order written.
    pub args: Vec<usize>,
}

/// What a generator of the ring stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum GenKind {
    /// State variable number `i` (differentiated by the vector field).
    State(usize),
    /// A symbolic parameter (constant in time).
    Param(String),
    /// The partial derivative `alpha` (one count per argument slot) of unspecified function `func`.
    Jet {
        /// Index into [`Algebra::functions`].
        func: usize,
        /// Derivative multi-index over the function's argument slots.
        alpha: Vec<u16>,
    },
    /// `f(arg)` for an elementary function.
    Apply(Func, Elem),
    /// `arg^(1/n)`, `n >= 2`.
    Root(u16, Elem),
}

/// An element of the ring: `num / prod_k factor_k ^ den[k]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Elem {
    /// Numerator.
    pub num: Poly,
    /// Exponent of each denominator factor (trailing zeros trimmed).
    pub den: Vec<u16>,
}

impl Elem {
    /// Is it zero?
    pub fn is_zero(&self) -> bool {
        self.num.is_zero()
    }
    /// The constant value, if it is a constant.
    pub fn as_constant(&self) -> Option<Coef> {
        if self.den.is_empty() {
            self.num.as_constant()
        } else {
            None
        }
    }
    /// A polynomial element.
    pub fn poly(p: Poly) -> Elem {
        Elem { num: p, den: Vec::new() }
    }
    /// Number of numerator terms.
    pub fn len(&self) -> usize {
        self.num.len()
    }
    /// Is the numerator empty (zero)?
    pub fn is_empty(&self) -> bool {
        self.num.is_zero()
    }
}

/// Limits on the size of intermediate results, so a derivation that would swell fails fast with a clear error
/// instead of eating all memory (GUIDE section 4 caveat 1: the CAS's own expand gives up silently).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Largest number of term products one multiplication may form (|a| * |b|).
    pub max_product_terms: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { max_product_terms: 50_000_000 }
    }
}

/// The ring: its generators, denominator factors, rewrite rules, and memo tables.
#[derive(Clone, Debug)]
pub struct Algebra {
    n_state: usize,
    gens: Vec<GenKind>,
    gen_index: HashMap<GenKind, usize>,
    functions: Vec<UnspecFn>,
    factors: Vec<Poly>,
    factor_index: HashMap<Poly, usize>,
    gen_diff: HashMap<(usize, usize), Elem>,
    factor_diff: HashMap<(usize, usize), Elem>,
    factor_pow: HashMap<(usize, u16), Poly>,
    rules: Vec<(usize, u16, Elem)>,
    budget: Budget,
    exceeded: Cell<Option<usize>>,
    /// Limit on the total metered work (see [`Algebra::set_work_limit`]); `None`: unmetered.
    work_limit: Option<u128>,
    /// Work spent since the limit was set.
    work: Cell<u128>,
    /// Wall-clock deadline of the products (see [`Algebra::set_deadline`]).
    deadline: Option<Instant>,
    timed_out: Cell<bool>,
    /// Products since the clock was last read.
    ticks: Cell<u32>,
}

impl Algebra {
    /// A ring over `n_state` state variables (generators `0..n_state`).
    pub fn new(n_state: usize) -> Algebra {
        let mut a = Algebra {
            n_state,
            gens: Vec::new(),
            gen_index: HashMap::new(),
            functions: Vec::new(),
            factors: Vec::new(),
            factor_index: HashMap::new(),
            gen_diff: HashMap::new(),
            factor_diff: HashMap::new(),
            factor_pow: HashMap::new(),
            rules: Vec::new(),
            budget: Budget::default(),
            exceeded: Cell::new(None),
            work_limit: None,
            work: Cell::new(0),
            deadline: None,
            timed_out: Cell::new(false),
            ticks: Cell::new(0),
        };
        for i in 0..n_state {
            a.intern(GenKind::State(i));
        }
        a
    }
    /// Number of state variables.
    pub fn n_state(&self) -> usize {
        self.n_state
    }
    /// Every generator, by index.
    pub fn gens(&self) -> &[GenKind] {
        &self.gens
    }
    /// The unspecified functions.
    pub fn functions(&self) -> &[UnspecFn] {
        &self.functions
    }
    /// The denominator factors, by index.
    pub fn factors(&self) -> &[Poly] {
        &self.factors
    }
    /// Set the size limits.
    pub fn set_budget(&mut self, b: Budget) {
        self.budget = b;
    }
    /// `Some(n)` if an operation was refused because it would have formed `n` term products (over budget).
    /// Results computed after that are meaningless; callers must check this and fail.
    pub fn exceeded(&self) -> Option<usize> {
        self.exceeded.get()
    }
    /// Meter the total work of the products from now on (`None`: stop metering) and reset the count to 0.
    ///
    /// The work of one product of polynomials is its term products weighted by the 64-bit words of the largest
    /// coefficients of both factors (`|a| * |b| * words(a) * words(b)`), so that it tracks CPU time also when
    /// coefficients grow (binomial coefficients from `cos^2 -> 1 - sin^2`). Every product is counted, the ones
    /// inside the rewrite rules, denominator lifting and differentiation included. A product that would take the
    /// total past the limit is refused like an over-budget one: [`Algebra::exceeded`] becomes `Some` and stays so,
    /// and later products are skipped, so an oversized computation fails fast instead of running for minutes.
    /// Validation uses it (found by fuzzing: the gradient of the loss `tan(x)^1000 + 0.6` took 30 s).
    ///
    /// ```
    /// use bea::algebra::{Algebra, Coef};
    /// let mut alg = Algebra::new(2);
    /// alg.set_work_limit(Some(50));
    /// let s = alg.add(&alg.state(0), &alg.state(1));
    /// let sq = alg.mul(&s, &s); // 2 * 2 term products: within the limit
    /// assert!(alg.exceeded().is_none() && alg.work() == 4);
    /// let big = alg.pow(&s, 20); // (x + y)^20 needs far more
    /// assert!(alg.exceeded().is_some() && alg.work() > 50);
    /// # let _ = (sq, big, Coef::one());
    /// ```
    pub fn set_work_limit(&mut self, limit: Option<u128>) {
        self.work_limit = limit;
        self.work.set(0);
    }
    /// The work metered since [`Algebra::set_work_limit`] (0 when unmetered).
    pub fn work(&self) -> u128 {
        self.work.get()
    }
    /// Stop multiplying at `deadline` (`None`: no deadline), and clear an earlier time-out. Once a product starts
    /// after the deadline, [`Algebra::timed_out`] is `true` and every later product is skipped (its result is
    /// meaningless), so that one long operation (the derivative of `tan(x)^1000`, whose rewrite rules expand a
    /// 500-term polynomial with 500-bit coefficients) ends within a product of the deadline instead of running
    /// for minutes between two checks of the caller (found by fuzzing `derive` with a 1 s timeout: up to 225 s).
    /// Callers must check [`Algebra::timed_out`] after the work and clear the deadline before handing the
    /// algebra on.
    ///
    /// ```
    /// use bea::algebra::Algebra;
    /// use std::time::{Duration, Instant};
    /// let mut alg = Algebra::new(1);
    /// alg.set_deadline(Some(Instant::now() - Duration::from_secs(1)));
    /// let x = alg.state(0);
    /// let _ = alg.mul(&x, &x);
    /// assert!(alg.timed_out());
    /// alg.set_deadline(None);
    /// assert!(!alg.timed_out() && !alg.mul(&x, &x).is_zero());
    /// ```
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        self.timed_out.set(false);
        self.ticks.set(0);
    }
    /// Whether a product was skipped because the deadline had passed (see [`Algebra::set_deadline`]).
    pub fn timed_out(&self) -> bool {
        self.timed_out.get()
    }
    /// `false` (and flag the time-out) if the deadline has passed. The clock is read for every product of `n >= 256`
    /// term pairs and every 32nd smaller one (the first included), so small products pay almost nothing.
    fn in_time(&self, n: usize) -> bool {
        if self.timed_out.get() {
            return false;
        }
        let Some(d) = self.deadline else { return true };
        let k = self.ticks.get();
        self.ticks.set(k.wrapping_add(1));
        if n < 256 && !k.is_multiple_of(32) {
            return true;
        }
        if Instant::now() > d {
            self.timed_out.set(true);
            return false;
        }
        true
    }
    /// Charge the product `a * b` to the work meter; `false` if that takes the total past the limit.
    fn charge(&self, a: &Poly, b: &Poly) -> bool {
        let Some(limit) = self.work_limit else { return true };
        let w = (a.len() as u128) * (b.len() as u128) * coef_words(a) * coef_words(b);
        self.work.set(self.work.get().saturating_add(w));
        self.work.get() <= limit
    }
    /// [`add_den`], flagging an exponent overflow like an over-budget product (see [`Algebra::exceeded`]).
    fn den_sum(&self, a: &[u16], b: &[u16]) -> Vec<u16> {
        add_den(a, b).unwrap_or_else(|| {
            self.exceeded.set(Some(usize::MAX));
            Vec::new()
        })
    }

    fn intern(&mut self, k: GenKind) -> usize {
        if let Some(&g) = self.gen_index.get(&k) {
            return g;
        }
        let g = self.gens.len();
        self.gens.push(k.clone());
        self.gen_index.insert(k, g);
        g
    }
    fn gen_elem(&self, g: usize) -> Elem {
        Elem::poly(Poly::var(g))
    }
    /// State variable `i`.
    pub fn state(&self, i: usize) -> Elem {
        self.gen_elem(i)
    }
    /// The symbolic parameter `name`.
    pub fn param(&mut self, name: &str) -> Elem {
        let g = self.intern(GenKind::Param(name.to_string()));
        self.gen_elem(g)
    }
    /// A constant.
    pub fn constant(&self, c: Coef) -> Elem {
        Elem::poly(Poly::constant(c))
    }
    /// Register an unspecified function (or find it); returns its index.
    pub fn function(&mut self, f: UnspecFn) -> usize {
        if let Some(i) = self.functions.iter().position(|g| *g == f) {
            return i;
        }
        self.functions.push(f);
        self.functions.len() - 1
    }
    /// The jet `D^alpha func` as an element.
    pub fn jet(&mut self, func: usize, alpha: Vec<u16>) -> Elem {
        let g = self.intern(GenKind::Jet { func, alpha });
        self.gen_elem(g)
    }

    /// `f(arg)`, with the exact values at 0 (and `log(1) = 0`). `None` for `log(0)`.
    pub fn apply(&mut self, f: Func, arg: Elem) -> Option<Elem> {
        if let Some(c) = arg.as_constant() {
            match (f, c.is_zero(), c.is_one()) {
                (Func::Sin, true, _) => return Some(self.constant(Coef::zero())),
                (Func::Cos | Func::Exp, true, _) => return Some(self.constant(Coef::one())),
                (Func::Log, true, _) => return None,
                (Func::Log, _, true) => return Some(self.constant(Coef::zero())),
                _ => {}
            }
        }
        if matches!(f, Func::Sin | Func::Cos) {
            let s = self.intern(GenKind::Apply(Func::Sin, arg.clone()));
            let c = self.intern(GenKind::Apply(Func::Cos, arg.clone()));
            if !self.rules.iter().any(|r| r.0 == c) {
                let one_minus_s2 = Poly::constant(Coef::one()).sub(&Poly::var(s).pow(2).unwrap_or_default());
                self.rules.push((c, 2, Elem::poly(one_minus_s2)));
            }
            return Some(self.gen_elem(if f == Func::Sin { s } else { c }));
        }
        let g = self.intern(GenKind::Apply(f, arg));
        Some(self.gen_elem(g))
    }
    /// `arg^(1/n)` for `n >= 2`, with the rule `root^n = arg`.
    pub fn root(&mut self, n: u16, arg: Elem) -> Elem {
        if arg.is_zero() {
            return arg;
        }
        let g = self.intern(GenKind::Root(n, arg.clone()));
        if !self.rules.iter().any(|r| r.0 == g) {
            self.rules.push((g, n, arg));
        }
        self.gen_elem(g)
    }

    // ---------- arithmetic ----------

    pub(super) fn factor_power(&mut self, k: usize, e: u16) -> Poly {
        if e == 0 {
            return Poly::constant(Coef::one());
        }
        if let Some(p) = self.factor_pow.get(&(k, e)) {
            return p.clone();
        }
        // Iterative from the largest memoised power below e: the recursive form overflowed the stack for
        // exponents in the thousands (found by fuzzing: `((x / a)^8)^-1000`).
        let mut start = e - 1;
        while start > 0 && !self.factor_pow.contains_key(&(k, start)) {
            start -= 1;
        }
        let mut p = if start == 0 { Poly::constant(Coef::one()) } else { self.factor_pow[&(k, start)].clone() };
        let f = self.factors[k].clone();
        for j in start + 1..=e {
            p = self.pmul(&p, &f);
            self.factor_pow.insert((k, j), p.clone());
        }
        p
    }
    fn pmul(&self, a: &Poly, b: &Poly) -> Poly {
        let n = a.len().saturating_mul(b.len());
        if !self.in_time(n) {
            return Poly::zero();
        }
        if n > self.budget.max_product_terms || self.exceeded.get().is_some() || !self.charge(a, b) {
            self.exceeded.set(Some(self.exceeded.get().unwrap_or(0).max(n)));
            return Poly::zero();
        }
        let product = match self.deadline {
            // A large product under a deadline reads the clock every 8 rows of term products.
            Some(d) if n >= 4096 => {
                let mut rows = 0u32;
                a.mul_until(b, || {
                    rows = rows.wrapping_add(1);
                    !rows.is_multiple_of(8) || Instant::now() <= d
                })
            }
            _ => Ok(a.mul(b)),
        };
        match product {
            Ok(Some(p)) => p,
            Ok(None) => {
                self.exceeded.set(Some(usize::MAX));
                Poly::zero()
            }
            Err(_) => {
                self.timed_out.set(true);
                Poly::zero()
            }
        }
    }
    /// Bring `a` to the denominator exponents `to` (each `>=` a's).
    pub fn lift(&mut self, a: &Elem, to: &[u16]) -> Poly {
        let mut num = a.num.clone();
        for (k, &t) in to.iter().enumerate() {
            let have = a.den.get(k).copied().unwrap_or(0);
            if t > have {
                let q = self.factor_power(k, t - have);
                num = self.pmul(&num, &q);
            }
        }
        num
    }
    /// Sum.
    pub fn add(&mut self, a: &Elem, b: &Elem) -> Elem {
        let e = self.add_unreduced(a, b);
        // Lifting multiplies by factor powers, which can raise `cos` or a root past its rule (found by review:
        // `tan(x)` failed `E_1 = |f|^2/4` because `cos(x)^2` and `1 - sin(x)^2` compared unequal), and a reciprocal's
        // numerator is left unreduced (`(1/cos(x))^-2 + sin(x)^2 - 1` was not zero).
        self.reduce(e)
    }
    /// [`Algebra::add`] without the rewrite rules (inside them: the rules' own sums would recurse).
    fn add_unreduced(&mut self, a: &Elem, b: &Elem) -> Elem {
        if a.is_zero() {
            return b.clone();
        }
        if b.is_zero() {
            return a.clone();
        }
        if a.den == b.den {
            return mk(a.num.add(&b.num), a.den.clone());
        }
        let to = max_den(&a.den, &b.den);
        let na = self.lift(a, &to);
        let nb = self.lift(b, &to);
        mk(na.add(&nb), to)
    }
    /// Negation.
    pub fn neg(&self, a: &Elem) -> Elem {
        Elem { num: a.num.neg(), den: a.den.clone() }
    }
    /// Difference.
    pub fn sub(&mut self, a: &Elem, b: &Elem) -> Elem {
        let nb = self.neg(b);
        self.add(a, &nb)
    }
    /// Multiplication by a rational constant.
    pub fn scale(&self, a: &Elem, c: &Coef) -> Elem {
        mk(a.num.scale(c), a.den.clone())
    }
    /// Product (with the rewrite rules applied).
    pub fn mul(&mut self, a: &Elem, b: &Elem) -> Elem {
        let e = self.mul_numerator_rules(a, b);
        self.reduce_den(e)
    }
    /// [`Algebra::mul`] with the numerator rules only: inside them, so that every term of a rewritten numerator
    /// keeps the same denominator (found by review: rewriting `1/sqrt(u)^2` in some terms and not others made
    /// the lifted sum raise `sqrt(u)^2` again, and `1/sqrt(1 + x) + 1` never finished).
    fn mul_numerator_rules(&mut self, a: &Elem, b: &Elem) -> Elem {
        if a.is_zero() || b.is_zero() {
            return Elem::default();
        }
        let num = self.pmul(&a.num, &b.num);
        let den = self.den_sum(&a.den, &b.den);
        let e = mk(num, den);
        self.reduce(e)
    }
    /// Non-negative integer power.
    pub fn pow(&mut self, a: &Elem, e: u32) -> Elem {
        let mut acc = self.constant(Coef::one());
        for _ in 0..e {
            acc = self.mul(&acc, a);
        }
        acc
    }
    /// Reciprocal; `None` for zero. The numerator becomes registered denominator factors.
    pub fn recip(&mut self, a: &Elem) -> Option<Elem> {
        if a.is_zero() {
            return None;
        }
        let c = a.num.content();
        let prim = a.num.scale(&c.recip()?);
        // Numerator of the result: the expanded old denominator, over the content.
        let one = Elem::poly(Poly::constant(Coef::one()));
        let mut top = self.lift(&one, &a.den);
        top = top.scale(&c.recip()?);
        let mut den: Vec<u16> = Vec::new();
        // Split off the monomial gcd of the terms: one factor per generator.
        let mono_gcd = mono_gcd(&prim);
        let rest = if mono_gcd.0.is_empty() {
            prim
        } else {
            prim.div_exact(&Poly::from_terms(vec![(mono_gcd.clone(), Coef::one())]))?
        };
        for (g, e) in mono_gcd.factors() {
            let k = self.register_factor(Poly::var(g));
            den = self.den_sum(&den, &unit_den(k, e));
        }
        // Registered factors that divide the rest exactly are taken out first, so `x^2 + 2x + 1` after `x + 1` is
        // `(x + 1)^2` and cancels against it later (monomials were split off above).
        let mut rest = rest;
        for k in 0..self.factors.len() {
            let f = &self.factors[k];
            if f.len() < 2 || f.len() > rest.len() {
                continue;
            }
            while rest.as_constant().is_none() && self.in_time(rest.len()) {
                let Some(q) = rest.div_exact(&self.factors[k]) else { break };
                rest = q;
                den = self.den_sum(&den, &unit_den(k, 1));
            }
        }
        if rest.as_constant().is_none() {
            let rc = rest.content();
            let rp = rest.scale(&rc.recip()?);
            top = top.scale(&rc.recip()?);
            let k = self.register_factor(rp);
            den = self.den_sum(&den, &unit_den(k, 1));
        } else if let Some(rc) = rest.as_constant() {
            top = top.scale(&rc.recip()?);
        }
        // The numerator (old denominator factors) is not rewritten by the rules here: `tan(c)^-1000` would expand
        // `cos(c)^1000` in `sin(c)`; it is a product of non-zero factors, so zero tests stay exact, and the next
        // sum or product rewrites it.
        let e = mk(top, den);
        Some(self.reduce_den(e))
    }
    fn register_factor(&mut self, p: Poly) -> usize {
        if let Some(&k) = self.factor_index.get(&p) {
            return k;
        }
        self.factors.push(p.clone());
        self.factor_index.insert(p, self.factors.len() - 1);
        self.factors.len() - 1
    }
    /// Quotient; `None` for division by zero.
    pub fn div(&mut self, a: &Elem, b: &Elem) -> Option<Elem> {
        let r = self.recip(b)?;
        Some(self.mul(a, &r))
    }

    // ---------- differentiation ----------

    /// Total derivative with respect to state variable `j` (chain rule through every atom).
    pub fn diff(&mut self, a: &Elem, j: usize) -> Elem {
        let mut acc = Elem::default();
        for g in a.num.gens() {
            let dg = self.diff_gen(g, j);
            if dg.is_zero() {
                continue;
            }
            let part = Elem { num: a.num.diff_gen(g), den: a.den.clone() };
            let t = self.mul(&part, &dg);
            acc = self.add(&acc, &t);
        }
        for (k, &e) in a.den.clone().iter().enumerate() {
            if e == 0 {
                continue;
            }
            let dq = self.diff_factor(k, j);
            if dq.is_zero() {
                continue;
            }
            // d(q^-e) = -e q^(-e-1) dq
            let part = Elem { num: a.num.scale(&Coef::int(-(e as i128))), den: self.den_sum(&a.den, &unit_den(k, 1)) };
            let t = self.mul(&part, &dq);
            acc = self.add(&acc, &t);
        }
        acc
    }
    fn diff_factor(&mut self, k: usize, j: usize) -> Elem {
        if let Some(d) = self.factor_diff.get(&(k, j)) {
            return d.clone();
        }
        let q = Elem::poly(self.factors[k].clone());
        let d = self.diff(&q, j);
        self.factor_diff.insert((k, j), d.clone());
        d
    }
    /// Derivative of generator `g` with respect to state variable `j`.
    pub fn diff_gen(&mut self, g: usize, j: usize) -> Elem {
        if let Some(d) = self.gen_diff.get(&(g, j)) {
            return d.clone();
        }
        let d = match self.gens[g].clone() {
            GenKind::State(i) => self.constant(if i == j { Coef::one() } else { Coef::zero() }),
            GenKind::Param(_) => Elem::default(),
            GenKind::Jet { func, alpha } => match self.functions[func].args.iter().position(|&v| v == j) {
                Some(slot) => {
                    let mut beta = alpha.clone();
                    beta[slot] += 1;
                    self.jet(func, beta)
                }
                None => Elem::default(),
            },
            GenKind::Apply(f, u) => self.diff_apply(f, &u, j),
            GenKind::Root(n, u) => {
                let du = self.diff(&u, j);
                let r = self.gen_elem(g);
                let t = self.mul(&r, &du);
                let inv = self.recip(&u).unwrap_or_default();
                let t = self.mul(&t, &inv);
                self.scale(&t, &Coef::new(1, n as i128))
            }
        };
        self.gen_diff.insert((g, j), d.clone());
        d
    }
    fn diff_apply(&mut self, f: Func, u: &Elem, j: usize) -> Elem {
        let du = self.diff(u, j);
        if du.is_zero() {
            return du;
        }
        let outer = match f {
            Func::Sin => self.apply(Func::Cos, u.clone()),
            Func::Cos => self.apply(Func::Sin, u.clone()).map(|s| self.neg(&s)),
            Func::Exp => self.apply(Func::Exp, u.clone()),
            Func::Log => self.recip(u),
        }
        .unwrap_or_default();
        self.mul(&outer, &du)
    }

    // ---------- normal form ----------

    /// Cancel denominator factors that divide the numerator exactly (the printed, canonical form).
    pub fn normalize(&mut self, a: &Elem) -> Elem {
        let mut num = a.num.clone();
        let mut den = a.den.clone();
        if num.is_zero() {
            return Elem::default();
        }
        for k in 0..den.len() {
            while den[k] > 0 {
                if !self.in_time(num.len()) {
                    // Past the deadline: the value is still right, only not fully cancelled; the caller fails.
                    return mk(num, den);
                }
                match num.div_exact(&self.factors[k]) {
                    Some(q) => {
                        num = q;
                        den[k] -= 1;
                    }
                    None => break,
                }
            }
        }
        mk(num, den)
    }
    /// Is `a == b` exactly?
    pub fn equal(&mut self, a: &Elem, b: &Elem) -> bool {
        self.sub(a, b).is_zero()
    }
    /// The expanded denominator polynomial.
    pub fn denominator(&mut self, a: &Elem) -> Poly {
        let one = Elem::poly(Poly::constant(Coef::one()));
        self.lift(&one, &a.den)
    }
    /// Exact value of `a` at a rational point of the state, when `a` involves only state variables
    /// (`None` if it has parameters, atoms or a vanishing denominator there).
    ///
    /// ```
    /// use bea::algebra::{Algebra, Coef};
    /// let mut a = Algebra::new(2);
    /// let (x, y) = (a.state(0), a.state(1));
    /// let q = a.div(&x, &y).unwrap();
    /// assert_eq!(a.eval_exact(&q, &[Coef::int(3), Coef::int(4)]), Some(Coef::new(3, 4)));
    /// ```
    pub fn eval_exact(&mut self, a: &Elem, point: &[Coef]) -> Option<Coef> {
        let num = self.eval_poly(&a.num, point)?;
        let den_poly = self.denominator(a);
        let den = self.eval_poly(&den_poly, point)?;
        Some(num.mul(&den.recip()?))
    }
    fn eval_poly(&self, p: &Poly, point: &[Coef]) -> Option<Coef> {
        let mut acc = Coef::zero();
        for (m, c) in p.terms() {
            let mut t = c.clone();
            for (g, e) in m.factors() {
                let GenKind::State(i) = self.gens[g] else { return None };
                t = t.mul(&point.get(i)?.pow(e as i64)?);
            }
            acc = acc.add(&t);
        }
        Some(acc)
    }
    /// Does `a` depend on the state (any state variable, jet, or atom of the state)?
    pub fn depends_on_state(&mut self, a: &Elem) -> bool {
        (0..self.n_state).any(|j| !self.diff(a, j).is_zero())
    }
}

/// One plus the 64-bit words of the largest coefficient of `p` (numerator and denominator bits), without
/// allocating for the small (`i128`) form.
fn coef_words(p: &Poly) -> u128 {
    1 + (p.terms().iter().map(|(_, c)| c.bits()).max().unwrap_or(0) / 64) as u128
}

pub(super) fn mk(num: Poly, mut den: Vec<u16>) -> Elem {
    if num.is_zero() {
        return Elem::default();
    }
    while den.last() == Some(&0) {
        den.pop();
    }
    Elem { num, den }
}
/// The componentwise larger of two denominators' exponent vectors: their least common multiple.
pub fn max_den(a: &[u16], b: &[u16]) -> Vec<u16> {
    (0..a.len().max(b.len())).map(|k| a.get(k).copied().unwrap_or(0).max(b.get(k).copied().unwrap_or(0))).collect()
}
/// Sum of denominator exponents; `None` past `u16::MAX` (found by fuzzing: `((1/(x + 1))^1000)^100` overflowed,
/// a panic in debug builds and a silently wrong denominator in release builds).
fn add_den(a: &[u16], b: &[u16]) -> Option<Vec<u16>> {
    (0..a.len().max(b.len()))
        .map(|k| a.get(k).copied().unwrap_or(0).checked_add(b.get(k).copied().unwrap_or(0)))
        .collect()
}
fn unit_den(k: usize, e: u16) -> Vec<u16> {
    let mut v = vec![0; k + 1];
    v[k] = e;
    v
}
fn mono_gcd(p: &Poly) -> Mono {
    let mut it = p.terms().iter();
    let Some((first, _)) = it.next() else { return Mono::one() };
    let mut g = first.0.clone();
    for (m, _) in it {
        g.truncate(m.0.len());
        for (i, e) in g.iter_mut().enumerate() {
            *e = (*e).min(m.0[i]);
        }
    }
    while g.last() == Some(&0) {
        g.pop();
    }
    Mono(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn oscillator_field_derivative_stays_one_fraction() {
        let mut a = Algebra::new(2);
        let (u, v) = (a.state(0), a.state(1));
        let u2 = a.mul(&u, &u);
        let v2 = a.mul(&v, &v);
        let r2 = a.add(&u2, &v2);
        let f = a.div(&u, &r2).unwrap();
        let d = a.diff(&f, 0); // (v^2 - u^2)/(u^2+v^2)^2
        assert_eq!(d.den, vec![2]);
        let want = a.sub(&v2, &u2);
        assert_eq!(d.num, want.num);
    }
    #[test]
    fn sin_cos_relation_and_chain_rule() {
        let mut a = Algebra::new(1);
        let x = a.state(0);
        let s = a.apply(Func::Sin, x.clone()).unwrap();
        let c = a.apply(Func::Cos, x).unwrap();
        let s2 = a.mul(&s, &s);
        let c2 = a.mul(&c, &c);
        let one = a.add(&s2, &c2);
        assert_eq!(one.as_constant(), Some(Coef::one()));
        let ds = a.diff(&s, 0);
        assert!(a.equal(&ds, &c));
    }
}
