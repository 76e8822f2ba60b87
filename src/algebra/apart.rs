//! Splitting a fraction into a sum of simpler fractions, for printing potentials.
//!
//! A potential found by the ansatz is one fraction over the common denominator, so a separable
//! `E = -y^2/6 + 11/(42 (x + 1)^7)` came out as `(-1/6 x^7 y^2 - 7/6 x^6 y^2 - ... + 11/42)/(x + 1)^7`.
//! [`Algebra::apart`] divides the numerator by each denominator factor's power, with remainder, and keeps the split
//! only when it is shorter. The parts always sum to the input exactly (the division is exact arithmetic).

use super::elem::{mk, Algebra, Elem};
use super::poly::Mono;

/// Most parts one split may produce (each division can add one).
const MAX_PARTS: usize = 16;

impl Algebra {
    /// `a` as a sum of fractions in lowest terms over sub-products of its denominator, when that takes fewer
    /// numerator terms than `a` in lowest terms; otherwise `a` in lowest terms alone. Parts with no denominator
    /// come first.
    ///
    /// ```
    /// use bea::algebra::{Algebra, Coef};
    /// let mut a = Algebra::new(2);
    /// let (x, y) = (a.state(0), a.state(1));
    /// let one = a.constant(Coef::one());
    /// let xp1 = a.add(&x, &one);
    /// let inv = a.recip(&xp1).unwrap();
    /// let e = a.add(&y, &inv); // one fraction: (x y + y + 1)/(x + 1)
    /// let parts = a.apart(&e);
    /// assert_eq!(parts.len(), 2);
    /// let sum = a.add(&parts[0], &parts[1]);
    /// assert!(a.equal(&sum, &e));
    /// ```
    pub fn apart(&mut self, a: &Elem) -> Vec<Elem> {
        let whole = self.normalize(a);
        let mut done: Vec<Elem> = Vec::new();
        let mut todo = vec![whole.clone()];
        while let Some(p) = todo.pop() {
            if done.len() + todo.len() >= MAX_PARTS {
                return vec![whole];
            }
            match self.split_once(&p) {
                Some((q, r)) => todo.extend([q, r].into_iter().filter(|e| !e.is_zero())),
                None => done.push(p),
            }
        }
        // Parts over the same denominator are one part.
        let mut merged: Vec<Elem> = Vec::new();
        for p in done {
            match merged.iter_mut().find(|m| m.den == p.den) {
                Some(m) => *m = self.add(m, &p),
                None => merged.push(p),
            }
        }
        merged.retain(|m| !m.is_zero());
        merged.sort_by_key(|m| m.den.iter().filter(|&&e| e > 0).count());
        let terms: usize = merged.iter().map(|m| m.num.len()).sum();
        if merged.len() > 1 && terms < whole.num.len() && !self.timed_out() {
            merged.into_iter().map(|m| self.normalize(&m)).collect()
        } else {
            vec![whole]
        }
    }

    /// `num = q Q_k^e + r` for the first denominator factor power `Q_k^e` that leaves a non-zero quotient:
    /// `(q / (den without Q_k), r / den)`, each in lowest terms.
    fn split_once(&mut self, p: &Elem) -> Option<(Elem, Elem)> {
        for (k, &e) in p.den.iter().enumerate() {
            if e == 0 {
                continue;
            }
            // Cheap test before expanding Q_k^e: some term must be divisible by its leading monomial.
            let (lead, _) = self.factors()[k].leading()?.clone();
            let lead_e = (0..e).try_fold(Mono::one(), |m, _| m.mul(&lead))?;
            if !p.num.terms().iter().any(|(m, _)| m.div(&lead_e).is_some()) {
                continue;
            }
            let d = self.factor_power(k, e);
            let Some((q, r)) = p.num.div_rem(&d) else { continue };
            if q.is_zero() {
                continue;
            }
            let mut den_q = p.den.clone();
            den_q[k] = 0;
            let q = mk(q, den_q);
            let r = mk(r, p.den.clone());
            return Some((self.normalize(&q), self.normalize(&r)));
        }
        None
    }
}
