//! Sparse multivariate polynomials with exact rational coefficients.
//!
//! A [`Poly`] is a sorted list of `(Mono, Coef)` with no zero coefficients and no repeated monomials, so equal
//! polynomials have equal representations. A [`Mono`] is a dense exponent vector over the generators of an
//! [`Algebra`](super::Algebra), with trailing zeros trimmed.

use super::Coef;
use std::collections::HashMap;

/// A monomial: `exps[g]` is the exponent of generator `g`; trailing zeros are trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mono(pub Vec<u16>);

impl Mono {
    /// The monomial 1.
    pub fn one() -> Mono {
        Mono(Vec::new())
    }
    /// The monomial `g^e`.
    pub fn var(g: usize, e: u16) -> Mono {
        let mut v = vec![0; g + 1];
        v[g] = e;
        Mono(v).trimmed()
    }
    fn trimmed(mut self) -> Mono {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }
    /// Exponent of generator `g`.
    pub fn exp(&self, g: usize) -> u16 {
        self.0.get(g).copied().unwrap_or(0)
    }
    /// Product of two monomials (`None` if an exponent overflows `u16`).
    pub fn mul(&self, o: &Mono) -> Option<Mono> {
        let (long, short) = if self.0.len() >= o.0.len() { (self, o) } else { (o, self) };
        let mut v = long.0.clone();
        for (i, e) in short.0.iter().enumerate() {
            v[i] = v[i].checked_add(*e)?;
        }
        Some(Mono(v))
    }
    /// The monomial with the exponent of `g` set to `e`.
    pub fn with_exp(&self, g: usize, e: u16) -> Mono {
        let mut v = self.0.clone();
        if v.len() <= g {
            v.resize(g + 1, 0);
        }
        v[g] = e;
        Mono(v).trimmed()
    }
    /// Total degree.
    pub fn degree(&self) -> u32 {
        self.0.iter().map(|e| *e as u32).sum()
    }
    /// Does `o` divide `self`? Then `self / o`.
    pub fn div(&self, o: &Mono) -> Option<Mono> {
        if o.0.len() > self.0.len() {
            return None;
        }
        let mut v = self.0.clone();
        for (i, e) in o.0.iter().enumerate() {
            v[i] = v[i].checked_sub(*e)?;
        }
        Some(Mono(v).trimmed())
    }
    /// Generators with a non-zero exponent, with their exponents.
    pub fn factors(&self) -> impl Iterator<Item = (usize, u16)> + '_ {
        self.0.iter().enumerate().filter(|(_, e)| **e > 0).map(|(g, e)| (g, *e))
    }
}

/// A product abandoned by [`Poly::mul_until`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted;

/// A polynomial: sorted by monomial, no zero coefficients.
///
/// ```
/// use bea::algebra::{Coef, Poly};
/// let x = Poly::var(0);
/// let y = Poly::var(1);
/// let p = x.add(&y).mul(&x.sub(&y)).unwrap(); // x^2 - y^2
/// assert_eq!(p.len(), 2);
/// assert_eq!(p.diff_gen(0), x.scale(&Coef::int(2)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Poly {
    terms: Vec<(Mono, Coef)>,
}

impl Poly {
    /// The zero polynomial.
    pub fn zero() -> Poly {
        Poly { terms: Vec::new() }
    }
    /// A constant.
    pub fn constant(c: Coef) -> Poly {
        Poly::from_terms(vec![(Mono::one(), c)])
    }
    /// The generator `g`.
    pub fn var(g: usize) -> Poly {
        Poly::from_terms(vec![(Mono::var(g, 1), Coef::one())])
    }
    /// From arbitrary terms: sorts, merges repeated monomials, drops zeros.
    pub fn from_terms(mut terms: Vec<(Mono, Coef)>) -> Poly {
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Mono, Coef)> = Vec::with_capacity(terms.len());
        for (m, c) in terms {
            match out.last_mut() {
                Some((lm, lc)) if *lm == m => *lc = lc.add(&c),
                _ => out.push((m, c)),
            }
        }
        out.retain(|(_, c)| !c.is_zero());
        Poly { terms: out }
    }
    /// The terms, sorted by monomial.
    pub fn terms(&self) -> &[(Mono, Coef)] {
        &self.terms
    }
    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// No terms (the zero polynomial).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
    /// Is it the zero polynomial?
    pub fn is_zero(&self) -> bool {
        self.terms.is_empty()
    }
    /// The constant value, if the polynomial is constant.
    pub fn as_constant(&self) -> Option<Coef> {
        match self.terms.as_slice() {
            [] => Some(Coef::zero()),
            [(m, c)] if m.0.is_empty() => Some(c.clone()),
            _ => None,
        }
    }
    /// Sum (a linear merge of the sorted term lists).
    pub fn add(&self, o: &Poly) -> Poly {
        let (a, b) = (&self.terms, &o.terms);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    let c = a[i].1.add(&b[j].1);
                    if !c.is_zero() {
                        out.push((a[i].0.clone(), c));
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Poly { terms: out }
    }
    /// Negation.
    pub fn neg(&self) -> Poly {
        Poly { terms: self.terms.iter().map(|(m, c)| (m.clone(), c.neg())).collect() }
    }
    /// Difference.
    pub fn sub(&self, o: &Poly) -> Poly {
        self.add(&o.neg())
    }
    /// Multiplication by a constant.
    pub fn scale(&self, c: &Coef) -> Poly {
        if c.is_zero() {
            return Poly::zero();
        }
        Poly { terms: self.terms.iter().map(|(m, k)| (m.clone(), k.mul(c))).collect() }
    }
    /// Multiplication by a monomial.
    pub fn mul_mono(&self, m: &Mono, c: &Coef) -> Option<Poly> {
        let mut terms = Vec::with_capacity(self.len());
        for (tm, tc) in &self.terms {
            terms.push((tm.mul(m)?, tc.mul(c)));
        }
        Some(Poly::from_terms(terms))
    }
    /// Product; `None` only if an exponent overflows `u16`.
    pub fn mul(&self, o: &Poly) -> Option<Poly> {
        self.mul_until(o, || true).unwrap_or(None)
    }
    /// [`Poly::mul`] that asks `go_on()` before each term of `self` (each row of term products) and gives up with
    /// `Err(Interrupted)` when it answers `false`: a deadline can then stop one long product (found by fuzzing
    /// `derive`: one product of 100,000 term pairs with 200-bit coefficients took 0.7 s past a 1 s timeout).
    ///
    /// ```
    /// use bea::algebra::{Coef, Poly};
    /// let s = Poly::var(0).add(&Poly::var(1));
    /// assert_eq!(s.mul_until(&s, || true), Ok(s.mul(&s)));
    /// assert!(s.mul_until(&s, || false).is_err());
    /// # let _ = Coef::one();
    /// ```
    pub fn mul_until(&self, o: &Poly, mut go_on: impl FnMut() -> bool) -> Result<Option<Poly>, Interrupted> {
        if self.is_zero() || o.is_zero() {
            return Ok(Some(Poly::zero()));
        }
        if self.len() == 1 {
            return Ok(o.mul_mono(&self.terms[0].0, &self.terms[0].1));
        }
        if o.len() == 1 {
            return Ok(self.mul_mono(&o.terms[0].0, &o.terms[0].1));
        }
        let mut acc: HashMap<Mono, Coef> = HashMap::with_capacity(self.len() * o.len());
        for (ma, ca) in &self.terms {
            if !go_on() {
                return Err(Interrupted);
            }
            for (mb, cb) in &o.terms {
                let Some(m) = ma.mul(mb) else { return Ok(None) };
                let c = ca.mul(cb);
                match acc.get_mut(&m) {
                    Some(v) => *v = v.add(&c),
                    None => {
                        acc.insert(m, c);
                    }
                }
            }
        }
        let mut terms: Vec<(Mono, Coef)> = acc.into_iter().filter(|(_, c)| !c.is_zero()).collect();
        terms.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Some(Poly { terms }))
    }
    /// Power by repeated multiplication.
    pub fn pow(&self, e: u32) -> Option<Poly> {
        let mut acc = Poly::constant(Coef::one());
        for _ in 0..e {
            acc = acc.mul(self)?;
        }
        Some(acc)
    }
    /// Partial derivative with respect to generator `g` (treating every generator as independent).
    pub fn diff_gen(&self, g: usize) -> Poly {
        let terms = self
            .terms
            .iter()
            .filter(|(m, _)| m.exp(g) > 0)
            .map(|(m, c)| {
                let e = m.exp(g);
                (m.with_exp(g, e - 1), c.mul(&Coef::int(e as i128)))
            })
            .collect();
        Poly::from_terms(terms)
    }
    /// Highest exponent of generator `g`.
    pub fn degree_in(&self, g: usize) -> u16 {
        self.terms.iter().map(|(m, _)| m.exp(g)).max().unwrap_or(0)
    }
    /// Generators that occur.
    pub fn gens(&self) -> Vec<usize> {
        let mut seen = Vec::new();
        for (m, _) in &self.terms {
            for (g, _) in m.factors() {
                if !seen.contains(&g) {
                    seen.push(g);
                }
            }
        }
        seen.sort_unstable();
        seen
    }
    /// Split by the power of `g`: `self = sum_e g^e * parts[e]`.
    pub fn split_by(&self, g: usize) -> Vec<Poly> {
        let mut parts: Vec<Vec<(Mono, Coef)>> = vec![Vec::new(); self.degree_in(g) as usize + 1];
        for (m, c) in &self.terms {
            let e = m.exp(g) as usize;
            parts[e].push((m.with_exp(g, 0), c.clone()));
        }
        parts.into_iter().map(Poly::from_terms).collect()
    }
    /// Greatest common divisor of the coefficients, signed like the leading (largest) term.
    pub fn content(&self) -> Coef {
        let mut g = Coef::zero();
        for (_, c) in &self.terms {
            g = g.gcd(c);
        }
        match self.terms.last() {
            Some((_, c)) if c.is_negative() => g.neg(),
            _ => g,
        }
    }
    /// Leading term (the largest monomial in the internal order).
    pub fn leading(&self) -> Option<&(Mono, Coef)> {
        self.terms.last()
    }
    /// Exact division `self / d`, if `d` divides `self` (multivariate division by the leading term).
    pub fn div_exact(&self, d: &Poly) -> Option<Poly> {
        let (dm, dc) = d.leading()?.clone();
        let dinv = dc.recip()?;
        if d.len() == 1 {
            // By a monomial: term by term, in linear time (the general loop below rebuilds the remainder at every
            // step, quadratic in the terms: found by fuzzing, `(a)^-1000` in a field made normalising take seconds).
            let terms = self.terms.iter().map(|(m, c)| Some((m.div(&dm)?, c.mul(&dinv))));
            return terms.collect::<Option<Vec<_>>>().map(Poly::from_terms);
        }
        // The remainder in an ordered map: each quotient term updates |d| - 1 entries (rebuilding the whole remainder
        // at every step was quadratic in the terms: found by fuzzing, normalising a 1,000-term numerator took most
        // of a derivation and ran past its timeout).
        let mut rem: std::collections::BTreeMap<Mono, Coef> = self.terms.iter().cloned().collect();
        let rest = &d.terms[..d.len() - 1];
        let mut quot = Vec::new();
        while let Some((rm, rc)) = rem.pop_last() {
            let qm = rm.div(&dm)?;
            let qc = rc.mul(&dinv);
            for (tm, tc) in rest {
                let m = tm.mul(&qm)?;
                let c = tc.mul(&qc);
                match rem.entry(m) {
                    std::collections::btree_map::Entry::Occupied(mut e) => {
                        let v = e.get().sub(&c);
                        if v.is_zero() {
                            e.remove();
                        } else {
                            *e.get_mut() = v;
                        }
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(c.neg());
                    }
                }
            }
            quot.push((qm, qc));
        }
        Some(Poly::from_terms(quot))
    }
    /// Division with remainder by `d` (`None` for `d = 0`): `self = q d + r` with no term of `r` divisible by `d`'s
    /// leading monomial (the multivariate division algorithm in the internal, lexicographic order).
    pub fn div_rem(&self, d: &Poly) -> Option<(Poly, Poly)> {
        let (dm, dc) = d.leading()?.clone();
        let dinv = dc.recip()?;
        let mut rem: std::collections::BTreeMap<Mono, Coef> = self.terms.iter().cloned().collect();
        let rest = &d.terms[..d.len() - 1];
        let (mut quot, mut left) = (Vec::new(), Vec::new());
        while let Some((rm, rc)) = rem.pop_last() {
            let Some(qm) = rm.div(&dm) else {
                left.push((rm, rc));
                continue;
            };
            let qc = rc.mul(&dinv);
            for (tm, tc) in rest {
                let m = tm.mul(&qm)?;
                let v = rem.get(&m).cloned().unwrap_or_else(Coef::zero).sub(&tc.mul(&qc));
                if v.is_zero() {
                    rem.remove(&m);
                } else {
                    rem.insert(m, v);
                }
            }
            quot.push((qm, qc));
        }
        Some((Poly::from_terms(quot), Poly::from_terms(left)))
    }
    /// Largest coefficient size, in bits of numerator plus denominator (for resource reports).
    pub fn max_coef_bits(&self) -> u64 {
        self.terms
            .iter()
            .map(|(_, c)| {
                let (n, d) = c.parts();
                n.bits() + d.bits()
            })
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn division_is_exact_or_none() {
        let x = Poly::var(0);
        let y = Poly::var(1);
        let q = x.mul(&x).unwrap().add(&y.mul(&y).unwrap());
        let p = q.mul(&x.sub(&y)).unwrap();
        assert_eq!(p.div_exact(&q), Some(x.sub(&y)));
        assert_eq!(p.add(&Poly::constant(Coef::one())).div_exact(&q), None);
        // By a monomial (the fast path): exact, or None when one term is not divisible.
        let m = x.mul(&y).unwrap().scale(&Coef::new(2, 3));
        assert_eq!(p.mul(&m).unwrap().div_exact(&m), Some(p.clone()));
        assert_eq!(p.div_exact(&m), None);
    }
    /// A polynomial in 3 generators from `(exponents, numerator)` terms.
    fn poly(terms: &[((u16, u16, u16), i64)]) -> Poly {
        Poly::from_terms(
            terms.iter().map(|&((a, b, c), n)| (Mono(vec![a, b, c]).trimmed(), Coef::int(n as i128))).collect(),
        )
    }
    proptest::proptest! {
        /// Exact division inverts the product: `(a b) / b = a` for any `b != 0` (the map-based long division against
        /// the product, an independent operation), and a remainder makes it `None`.
        #[test]
        fn division_inverts_the_product(
            a in proptest::collection::vec(((0u16..4, 0u16..4, 0u16..4), -9i64..10), 0..12),
            b in proptest::collection::vec(((0u16..3, 0u16..3, 0u16..3), -9i64..10), 1..6),
        ) {
            let (a, b) = (poly(&a), poly(&b));
            proptest::prop_assume!(!b.is_zero());
            let p = a.mul(&b).unwrap();
            proptest::prop_assert_eq!(p.div_exact(&b), Some(a.clone()));
            if b.len() > 1 || b.leading().map(|t| t.0 != Mono::one()).unwrap_or(false) {
                // x^5 y^5 z^5 + p is divisible only if b divides x^5 y^5 z^5: check by multiplying back.
                let q = p.add(&poly(&[((5, 5, 5), 1)]));
                if let Some(r) = q.div_exact(&b) {
                    proptest::prop_assert_eq!(r.mul(&b).unwrap(), q);
                }
            }
        }
    }
}
