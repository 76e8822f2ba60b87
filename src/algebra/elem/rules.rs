//! The rewrite rules the kernel enforces: `cos(u)^2 -> 1 - sin(u)^2` and `root_n(u)^n -> u` in numerators, and
//! `1/root_n(u)^n -> 1/u` in denominators.

use super::{mk, Algebra, Elem, GenKind, Poly};

impl Algebra {
    /// Apply `cos^2 -> 1 - sin^2` and `root_n(u)^n -> u` until none applies (a loop: one rule at a time, and a
    /// radicand with its own roots can take many rounds; the recursive form overflowed the stack in fuzzing).
    pub(super) fn reduce(&mut self, e: Elem) -> Elem {
        if self.rules.is_empty() {
            return e;
        }
        let rules = self.rules.clone();
        let mut e = e;
        'rounds: loop {
            for (g, t, repl) in &rules {
                if e.num.degree_in(*g) < *t {
                    continue;
                }
                let parts = e.num.split_by(*g);
                let mut acc = Elem::default();
                for (p, part) in parts.into_iter().enumerate() {
                    if part.is_zero() {
                        continue;
                    }
                    let p = p as u16;
                    let mut term = Elem {
                        num: self.pmul(&part, &Poly::var(*g).pow((p % t) as u32).unwrap_or_default()),
                        den: e.den.clone(),
                    };
                    for _ in 0..(p / t) {
                        term = self.mul_numerator_rules(&term, repl);
                    }
                    acc = self.add_unreduced(&acc, &term);
                }
                e = acc;
                if self.timed_out() || self.exceeded().is_some() {
                    return e;
                }
                continue 'rounds;
            }
            return e;
        }
    }
    /// Denominator powers of a root at or above its index: `1/sqrt(u)^3 = 1/(u sqrt(u))` (the numerator rule's
    /// mirror; found by review: `1/(sqrt(x) sqrt(x))` printed `1/sqrt(x)^2`, and its potentials were missed).
    pub(super) fn reduce_den(&mut self, e: Elem) -> Elem {
        for (k, &have) in e.den.iter().enumerate() {
            if have < 2 {
                continue;
            }
            let Some(g) = single_generator(&self.factors[k]) else { continue };
            let GenKind::Root(n, arg) = &self.gens[g] else { continue };
            if have < *n {
                continue;
            }
            let (n, arg) = (*n, arg.clone());
            let Some(inv) = self.recip(&arg) else { return e };
            let mut den = e.den.clone();
            den[k] = have % n;
            let mut out = mk(e.num.clone(), den);
            for _ in 0..have / n {
                out = self.mul(&out, &inv);
            }
            return self.reduce_den(out);
        }
        e
    }
}

/// `g` when `p` is the bare generator `g`.
fn single_generator(p: &Poly) -> Option<usize> {
    let [(m, c)] = p.terms() else { return None };
    let mut factors = m.factors();
    match (factors.next(), factors.next()) {
        (Some((g, 1)), None) if c.is_one() => Some(g),
        _ => None,
    }
}
