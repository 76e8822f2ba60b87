//! Exact rational coefficients: `i128` fast path, arbitrary precision on overflow.
//!
//! Every coefficient the engine produces is exact. The small representation is a reduced fraction of two
//! `i128` with a positive denominator; any operation that would overflow promotes to [`BigRational`], and a
//! big value that fits again is demoted, so equal values always have equal representations (canonical form).

use bea_verification::dd::Dd;
use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;

/// An exact rational number in canonical form.
///
/// ```
/// use bea::algebra::Coef;
/// let a = Coef::new(1, 3);
/// let b = Coef::new(1, 6);
/// assert_eq!(a.add(&b), Coef::new(1, 2));
/// assert_eq!(Coef::new(-2, 4).to_string(), "-1/2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Coef {
    /// Reduced `num/den`, `den > 0`.
    Small(i128, i128),
    /// A value that does not fit the small form.
    Big(BigRational),
}

impl Coef {
    /// `num/den` reduced. Panics only if `den == 0` (a programming error, never user input).
    pub fn new(num: i128, den: i128) -> Coef {
        assert!(den != 0, "Coef::new with zero denominator");
        let g = num.gcd(&den);
        let (mut n, mut d) = (num / g, den / g);
        if d < 0 {
            match (n.checked_neg(), d.checked_neg()) {
                (Some(a), Some(b)) => {
                    n = a;
                    d = b;
                }
                _ => return Coef::from_big(BigRational::new(BigInt::from(num), BigInt::from(den))),
            }
        }
        Coef::Small(n, d)
    }
    /// The integer `n`.
    pub fn int(n: i128) -> Coef {
        Coef::Small(n, 1)
    }
    /// Zero.
    pub fn zero() -> Coef {
        Coef::Small(0, 1)
    }
    /// One.
    pub fn one() -> Coef {
        Coef::Small(1, 1)
    }
    /// Canonical form of a big rational (demoted when it fits).
    pub fn from_big(r: BigRational) -> Coef {
        match (r.numer().to_i128(), r.denom().to_i128()) {
            (Some(n), Some(d)) => Coef::Small(n, d),
            _ => Coef::Big(r),
        }
    }
    /// As a big rational.
    pub fn to_big(&self) -> BigRational {
        match self {
            Coef::Small(n, d) => BigRational::new_raw(BigInt::from(*n), BigInt::from(*d)),
            Coef::Big(r) => r.clone(),
        }
    }
    /// Is it zero?
    pub fn is_zero(&self) -> bool {
        matches!(self, Coef::Small(0, _))
    }
    /// Is it one?
    pub fn is_one(&self) -> bool {
        matches!(self, Coef::Small(1, 1))
    }
    /// Is it an integer?
    pub fn is_integer(&self) -> bool {
        match self {
            Coef::Small(_, d) => *d == 1,
            Coef::Big(r) => r.is_integer(),
        }
    }
    /// Is it negative?
    pub fn is_negative(&self) -> bool {
        match self {
            Coef::Small(n, _) => *n < 0,
            Coef::Big(r) => r.is_negative(),
        }
    }
    /// Sum.
    pub fn add(&self, o: &Coef) -> Coef {
        if let (Coef::Small(a, b), Coef::Small(c, d)) = (self, o) {
            if *b == 1 && *d == 1 {
                if let Some(s) = a.checked_add(*c) {
                    return Coef::Small(s, 1);
                }
            } else if let Some(r) = small_add(*a, *b, *c, *d) {
                return r;
            }
        }
        if let (Some(a), Some(c)) = (self.big_int(), o.big_int()) {
            return Coef::from_big(BigRational::from_integer(a + c));
        }
        Coef::from_big(big_add(&self.to_big(), &o.to_big()))
    }
    /// Difference.
    pub fn sub(&self, o: &Coef) -> Coef {
        self.add(&o.neg())
    }
    /// Product.
    pub fn mul(&self, o: &Coef) -> Coef {
        if let (Coef::Small(a, b), Coef::Small(c, d)) = (self, o) {
            if *b == 1 && *d == 1 {
                if let Some(p) = a.checked_mul(*c) {
                    return Coef::Small(p, 1);
                }
            } else {
                let g1 = a.gcd(d);
                let g2 = c.gcd(b);
                let (g1, g2) = (g1.max(1), g2.max(1));
                if let (Some(n), Some(m)) = ((a / g1).checked_mul(c / g2), (b / g2).checked_mul(d / g1)) {
                    return Coef::Small(n, m);
                }
            }
        }
        if let (Some(a), Some(c)) = (self.big_int(), o.big_int()) {
            return Coef::from_big(BigRational::from_integer(a * c));
        }
        Coef::from_big(big_mul(&self.to_big(), &o.to_big()))
    }
    /// The integer as a big integer; `None` if it is not an integer. Sums and products of integers take this path
    /// and build the result without a gcd: `BigRational` reduces every result, and its binary gcd with the
    /// denominator 1 shifts the whole numerator once per bit (`(z + x)^-1000`, refused by validation, spent 75% of
    /// its 0.18 s there; found by fuzzing).
    fn big_int(&self) -> Option<BigInt> {
        match self {
            Coef::Small(n, 1) => Some(BigInt::from(*n)),
            Coef::Big(r) if r.denom().is_one() => Some(r.numer().clone()),
            _ => None,
        }
    }
    /// Negation.
    pub fn neg(&self) -> Coef {
        match self {
            Coef::Small(n, d) => match n.checked_neg() {
                Some(m) => Coef::Small(m, *d),
                None => Coef::from_big(-self.to_big()),
            },
            Coef::Big(r) => Coef::from_big(-r.clone()),
        }
    }
    /// Reciprocal; `None` for zero.
    pub fn recip(&self) -> Option<Coef> {
        if self.is_zero() {
            return None;
        }
        Some(match self {
            Coef::Small(n, d) => Coef::new(*d, *n),
            Coef::Big(r) => Coef::from_big(r.recip()),
        })
    }
    /// Integer power (negative exponents take the reciprocal); `None` for 0^negative.
    ///
    /// Numerator and denominator are raised separately (binary powering): powers of a reduced fraction are reduced,
    /// so no gcd is taken. (Repeated multiplication took a gcd of ever larger numbers at each step: `(81/625)^-1000`
    /// took 0.6 s in a debug build; found by fuzzing.)
    ///
    /// ```
    /// use bea::algebra::Coef;
    /// assert_eq!(Coef::new(-2, 3).pow(3), Some(Coef::new(-8, 27)));
    /// assert_eq!(Coef::new(-2, 3).pow(-3), Some(Coef::new(-27, 8)));
    /// assert_eq!(Coef::zero().pow(-1), None);
    /// ```
    pub fn pow(&self, e: i64) -> Option<Coef> {
        let base = if e < 0 { self.recip()? } else { self.clone() };
        Some(Coef::from_big(num_traits::Pow::pow(base.to_big(), e.unsigned_abs())))
    }
    /// Size in bits: of the numerator plus of the denominator.
    pub fn bits(&self) -> u64 {
        match self {
            Coef::Small(n, d) => u64::from(256 - n.unsigned_abs().leading_zeros() - d.unsigned_abs().leading_zeros()),
            Coef::Big(r) => r.numer().bits() + r.denom().bits(),
        }
    }
    /// Nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        match self {
            Coef::Small(n, d) => {
                if n.unsigned_abs() < (1u128 << 53) && d.unsigned_abs() < (1u128 << 53) {
                    *n as f64 / *d as f64
                } else {
                    self.to_big().to_f64().unwrap_or(f64::NAN)
                }
            }
            Coef::Big(r) => r.to_f64().unwrap_or(f64::NAN),
        }
    }
    /// Nearest double-double (about 32 significant digits; not finite beyond the range of `f64`).
    ///
    /// ```
    /// use bea::algebra::Coef;
    /// let tenth = Coef::new(1, 10).to_dd();
    /// assert!(tenth.mul_f64(10.0).sub(bea_verification::dd::Dd::ONE).abs().to_f64() < 1e-31);
    /// // Numerator and denominator both far beyond f64, the value moderate (3^700 / 2^1100, about 665).
    /// let big = Coef::int(3).pow(700).unwrap().mul(&Coef::int(2).pow(-1100).unwrap());
    /// let v = big.to_dd();
    /// assert!(v.is_finite() && (v.to_f64() - big.to_f64()).abs() < 1e-15);
    /// ```
    pub fn to_dd(&self) -> Dd {
        match self {
            Coef::Small(n, d) => Dd::from_i128(*n).div(Dd::from_i128(*d)),
            // The value, not numerator and denominator separately (found by review: both beyond 2^1024 gave
            // inf/inf although the value was 0.72): its nearest double, then the rest, exactly.
            Coef::Big(r) => {
                let hi = r.to_f64().unwrap_or(f64::NAN);
                match BigRational::from_float(hi) {
                    Some(h) => Dd::from_f64(hi).add(Dd::from_f64((r - h).to_f64().unwrap_or(0.0))),
                    None => Dd::from_f64(hi),
                }
            }
        }
    }
    /// Numerator and denominator as big integers.
    pub fn parts(&self) -> (BigInt, BigInt) {
        let r = self.to_big();
        (r.numer().clone(), r.denom().clone())
    }
    /// Greatest common divisor of two rationals: gcd of numerators over lcm of denominators (always >= 0).
    pub fn gcd(&self, o: &Coef) -> Coef {
        let (a, b) = self.parts();
        let (c, d) = o.parts();
        Coef::from_big(BigRational::new(a.gcd(&c), b.lcm(&d)))
    }
    /// Absolute value.
    pub fn abs(&self) -> Coef {
        if self.is_negative() {
            self.neg()
        } else {
            self.clone()
        }
    }
    /// The real `d`-th root in a canonical form: `self^(1/d) = outside * prod base^(power/index)` (each factor's
    /// `base^(power/index)` in the denominator when [`RootFactor::denominator`] says so), `outside` rational and
    /// carrying the sign. Numerator and denominator are factored over the primes below 1000, and each prime's exponent
    /// `e/d` is taken to lowest terms, so that equal roots get equal forms: `4^(1/4) = 8^(1/6) = sqrt(2)`, `4^(1/3) =
    /// (2^(1/3))^2`, `(1/2)^(1/3) = 1/2^(1/3)` (found by review: `x/(4^(1/4) - sqrt(2))`, a division by an exact zero,
    /// was accepted). A cofactor without small prime factors stays one base, written at the lowest index when it is a
    /// perfect power (checked up to the 64th power). A negative number has a real root only for odd `d`: callers check
    /// that first. Zero gives `(0, [])`.
    ///
    /// ```
    /// use bea::algebra::{Coef, RootFactor};
    /// let f = |base: i128, power, index, denominator| RootFactor { base: Coef::int(base), power, index, denominator };
    /// assert_eq!(Coef::int(8).root_parts(3), (Coef::int(2), vec![]));
    /// assert_eq!(Coef::int(-8).root_parts(3), (Coef::int(-2), vec![]));
    /// assert_eq!(Coef::int(8).root_parts(2), (Coef::int(2), vec![f(2, 1, 2, false)]));
    /// assert_eq!(Coef::int(4).root_parts(4), (Coef::one(), vec![f(2, 1, 2, false)]));
    /// assert_eq!(Coef::int(4).root_parts(3), (Coef::one(), vec![f(2, 2, 3, false)]));
    /// assert_eq!(Coef::new(9, 8).root_parts(2), (Coef::new(3, 2), vec![f(2, 1, 2, true)]));
    /// assert_eq!(Coef::int(36).root_parts(4), (Coef::one(), vec![f(2, 1, 2, false), f(3, 1, 2, false)]));
    /// // 1009 is prime and above the trial-division bound: 1009^2 is found as a perfect square.
    /// assert_eq!(Coef::int(1009 * 1009).root_parts(4), (Coef::one(), vec![f(1009, 1, 2, false)]));
    /// ```
    pub fn root_parts(&self, d: u32) -> (Coef, Vec<RootFactor>) {
        if self.is_zero() || d <= 1 {
            return (self.clone(), vec![]);
        }
        let (n, m) = self.parts();
        let mut outside = (BigInt::one(), BigInt::one());
        let mut factors = Vec::new();
        for (x, denominator) in [(n.abs(), false), (m, true)] {
            for (base, e) in factor_small(x) {
                // base^(e/d), e/d in lowest terms a/b: base^(a div b) outside, base^((a mod b)/b) under a root. The gcd
                // divides d, so b and a mod b (below b) are u32 like d.
                let g = u64::from(d).gcd(&e);
                let (a, b) = (e / g, d / g as u32);
                let whole = num_traits::Pow::pow(&base, a / u64::from(b));
                if denominator {
                    outside.1 *= whole;
                } else {
                    outside.0 *= whole;
                }
                let power = (a % u64::from(b)) as u32;
                if power != 0 {
                    factors.push(RootFactor { base: Coef::from_big(base.into()), power, index: b, denominator });
                }
            }
        }
        if self.is_negative() {
            outside.0 = -outside.0;
        }
        factors.sort_by_key(|f| (f.denominator, f.base.to_big()));
        (Coef::from_big(BigRational::new(outside.0, outside.1)), factors)
    }
    /// Exact value of a finite `f64` (every finite double is a dyadic rational).
    pub fn from_f64_exact(x: f64) -> Option<Coef> {
        BigRational::from_float(x).map(Coef::from_big)
    }
}

/// One factor `base^(power/index)` of a real root of a rational, from [`Coef::root_parts`]: `base` a whole number
/// above 1, `0 < power < index`, `index >= 2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootFactor {
    /// The number under the root.
    pub base: Coef,
    /// The power of the root.
    pub power: u32,
    /// The root's index.
    pub index: u32,
    /// Whether the factor divides rather than multiplies.
    pub denominator: bool,
}

/// `x > 0` as `prod base^e`: the primes below 1000 with their exponents, then a cofactor (if above 1) written as a
/// perfect power `t^k` with the largest `k <= 64` found.
fn factor_small(mut x: BigInt) -> Vec<(BigInt, u64)> {
    let mut out = Vec::new();
    for p in 2u32..1000 {
        let pb = BigInt::from(p);
        if &pb * &pb > x {
            break;
        }
        // Composite p never divides here: its prime factors are gone already.
        let mut e = 0u64;
        while (&x % &pb).is_zero() {
            x /= &pb;
            e += 1;
        }
        if e > 0 {
            out.push((pb, e));
        }
    }
    if x > BigInt::one() {
        if x < BigInt::from(1_000_000) {
            // Below 1000^2 with no prime factor below 1000: a prime.
            out.push((x, 1));
        } else {
            let mut k = 1u64;
            for j in (2u32..=64).rev() {
                let r = x.nth_root(j);
                if num_traits::Pow::pow(&r, j) == x {
                    (x, k) = (r, u64::from(j));
                    break;
                }
            }
            out.push((x, k));
        }
        out.sort();
    }
    out
}

fn small_add(a: i128, b: i128, c: i128, d: i128) -> Option<Coef> {
    let g = b.gcd(&d);
    let n = a.checked_mul(d / g)?.checked_add(c.checked_mul(b / g)?)?;
    let m = (b / g).checked_mul(d)?;
    Some(Coef::new(n, m))
}

impl Ord for Coef {
    fn cmp(&self, o: &Coef) -> Ordering {
        match (self, o) {
            (Coef::Small(a, b), Coef::Small(c, d)) => match (a.checked_mul(*d), c.checked_mul(*b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                _ => self.to_big().cmp(&o.to_big()),
            },
            _ => self.to_big().cmp(&o.to_big()),
        }
    }
}
impl PartialOrd for Coef {
    fn partial_cmp(&self, o: &Coef) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for Coef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coef::Small(n, 1) => write!(f, "{n}"),
            Coef::Small(n, d) => write!(f, "{n}/{d}"),
            Coef::Big(r) if r.denom().is_one() => write!(f, "{}", r.numer()),
            Coef::Big(r) => write!(f, "{}/{}", r.numer(), r.denom()),
        }
    }
}

/// `a/b * c/d` of reduced fractions (positive denominators) by the cross gcds, `(a/g1)(c/g2) / ((b/g2)(d/g1))` with
/// `g1 = gcd(a, d)`, `g2 = gcd(c, b)`, which is reduced already: `num_rational` reduces it once more, a third gcd of
/// the largest numbers (found by fuzzing: gcds were 75% of the time of refusing `(0.6**3 / 2 - x)^1000`).
fn big_mul(x: &BigRational, y: &BigRational) -> BigRational {
    let (a, b, c, d) = (x.numer(), x.denom(), y.numer(), y.denom());
    let g1 = gcd(a, d);
    let g2 = gcd(c, b);
    if g1.is_zero() || g2.is_zero() {
        return BigRational::zero();
    }
    BigRational::new_raw((a / &g1) * (c / &g2), (b / &g2) * (d / &g1))
}

/// `gcd(|x|, |y|)`: Euclid's remainder steps while the sizes differ by more than a 64-bit word, then the binary
/// gcd of `num_integer`, which alone shifts the larger number once per bit of it (quadratic time when one number
/// is large and the other small: the common case `gcd(numerator, denominator)`).
fn gcd(x: &BigInt, y: &BigInt) -> BigInt {
    let (mut a, mut b) = (x.abs(), y.abs());
    if a < b {
        std::mem::swap(&mut a, &mut b);
    }
    while !b.is_zero() && a.bits() > b.bits() + 64 {
        let r = &a % &b;
        a = std::mem::replace(&mut b, r);
    }
    a.gcd(&b)
}

/// `a/b + c/d` of reduced fractions by Henrici's rule: with `g = gcd(b, d)`, `t = a (d/g) + c (b/g)` and
/// `g2 = gcd(t, g)`, the sum is `(t/g2) / ((b/g) (d/g2))`, reduced, with gcds of the small `g` instead of the
/// numerator and denominator of the whole sum.
fn big_add(x: &BigRational, y: &BigRational) -> BigRational {
    let (a, b, c, d) = (x.numer(), x.denom(), y.numer(), y.denom());
    let g = gcd(b, d);
    if g.is_one() {
        return BigRational::new_raw(a * d + c * b, b * d);
    }
    let t = a * (d / &g) + c * (b / &g);
    if t.is_zero() {
        return BigRational::zero();
    }
    let g2 = gcd(&t, &g);
    BigRational::new_raw(&t / &g2, (b / &g) * (d / &g2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::{prop_oneof, Just};
    #[test]
    fn overflow_promotes_and_demotes() {
        let big = Coef::int(i128::MAX);
        let s = big.add(&Coef::one());
        assert!(matches!(s, Coef::Big(_)));
        let back = s.sub(&Coef::one());
        assert_eq!(back, Coef::int(i128::MAX));
        assert_eq!(Coef::new(3, -6), Coef::new(-1, 2));
        assert_eq!(Coef::new(1, 3).mul(&Coef::new(3, 7)), Coef::new(1, 7));
        assert_eq!(Coef::new(2, 3).gcd(&Coef::new(4, 9)), Coef::new(2, 9));
    }

    /// A big coefficient `(n/d)^k` (both signs, denominators 1 included) and its `num_rational` value.
    fn big(n: i64, d: i64, k: u32) -> (Coef, BigRational) {
        let r = BigRational::new(BigInt::from(n), BigInt::from(d)).pow(k as i32);
        (Coef::from_big(r.clone()), r)
    }
    proptest::proptest! {
        /// The gcd-saving sum and product (Henrici, cross gcds, integer fast path, Euclid-then-binary gcd) equal
        /// `num_rational`'s reducing arithmetic, the oracle, on big and small, integral and fractional values.
        #[test]
        fn big_arithmetic_equals_num_rational(
            a in -50i64..50, b in prop_oneof![Just(1i64), 1i64..40], k in 0u32..40,
            c in -50i64..50, d in prop_oneof![Just(1i64), 1i64..40], j in 0u32..40,
        ) {
            let (x, rx) = big(a, b, k);
            let (y, ry) = big(c, d, j);
            proptest::prop_assert_eq!(x.add(&y), Coef::from_big(&rx + &ry));
            proptest::prop_assert_eq!(x.sub(&y), Coef::from_big(&rx - &ry));
            proptest::prop_assert_eq!(x.mul(&y), Coef::from_big(&rx * &ry));
            let g = gcd(rx.numer(), ry.denom());
            proptest::prop_assert_eq!(g, num_integer::Integer::gcd(rx.numer(), ry.denom()));
        }

        /// `root_parts` against the real root in floating point (the oracle: `powf` of the absolute value, the sign
        /// for odd `d`), and its form canonical: every factor in lowest terms (`0 < power < index`, coprime), bases
        /// above 1, no base twice on one side, and the same factors with `k` taken out for `c k^d` (`k` prime to the
        /// denominators, so that nothing cancels). Bases are built from primes below 1000 and two above (1009, 1013),
        /// squared and cubed, so the perfect-power cofactor is reached too.
        #[test]
        fn root_parts_is_the_real_root_in_canonical_form(
            pn in proptest::collection::vec(
                prop_oneof![Just(2i64), Just(3), Just(5), Just(7), Just(1009), Just(1013)], 0..4
            ),
            pd in proptest::collection::vec(prop_oneof![Just(2i64), Just(3), Just(11), Just(1009)], 0..3),
            negative in proptest::bool::ANY, d in 2u32..8, k in prop_oneof![Just(1i64), Just(13), Just(17)],
        ) {
            let prod = |v: &[i64]| v.iter().fold(BigInt::one(), |a, &p| a * p);
            let (n, m) = (prod(&pn), prod(&pd));
            let negative = negative && d % 2 == 1;
            let c = Coef::from_big(BigRational::new(if negative { -n.clone() } else { n.clone() }, m.clone()));
            let (outside, factors) = c.root_parts(d);
            let value = factors.iter().fold(outside.to_f64(), |acc, f| {
                let r = f.base.to_f64().powf(f64::from(f.power) / f64::from(f.index));
                if f.denominator { acc / r } else { acc * r }
            });
            let want = c.to_f64().abs().powf(1.0 / f64::from(d)) * if negative { -1.0 } else { 1.0 };
            proptest::prop_assert!((value - want).abs() <= 1e-12 * want.abs(), "{c}^(1/{d}): {value} vs {want}");
            for f in &factors {
                proptest::prop_assert!(f.power > 0 && f.power < f.index && u32::gcd(&f.power, &f.index) == 1, "{f:?}");
                proptest::prop_assert!(f.base.is_integer() && f.base.to_f64() > 1.0, "{f:?}");
            }
            for (i, f) in factors.iter().enumerate() {
                proptest::prop_assert!(
                    !factors[i + 1..].iter().any(|g| g.base == f.base && g.denominator == f.denominator),
                    "{factors:?}"
                );
            }
            let kd = Coef::int(i128::from(k)).pow(i64::from(d)).unwrap_or_else(Coef::one);
            let (o2, f2) = c.mul(&kd).root_parts(d);
            proptest::prop_assert_eq!(o2, outside.mul(&Coef::int(i128::from(k))));
            proptest::prop_assert_eq!(f2, factors);
        }
    }
}
