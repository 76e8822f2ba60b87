//! Double-double arithmetic: a number is an unevaluated sum `hi + lo` of two `f64` with `|lo| <= ulp(hi)/2`, about
//! 106 bits (32 decimal digits) of precision and the exponent range of `f64`. The order harness uses it to measure
//! local errors below `f64` rounding ([`crate::order::extended`]): the truncations `N >= 7` whose errors `h^{N+2}`
//! sink under `1e-15` on the usual step-size grid.
//!
//! The error-free transformations are Knuth's two-sum and the fused multiply-add two-product; the algorithms are
//! those of Hida, Li & Bailey's QD library ("Algorithms for quad-double precision floating point arithmetic", 2001)
//! and Joldes, Muller & Popescu ("Tight and rigorous error bounds for basic building blocks of double-word
//! arithmetic", ACM TOMS 2017). The elementary functions reduce their argument and sum a Taylor series in
//! double-double; the tests check them against identities and against values to 32 digits.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A double-double number `hi + lo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Dd {
    /// The leading part, the `f64` nearest the value.
    pub hi: f64,
    /// The trailing part.
    pub lo: f64,
}

/// Unit roundoff of double-double, `2^-104` (the analyses above bound the basic operations by a few of it).
pub const EPSILON: f64 = 4.930380657631324e-32;

#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    (s, b - (s - a))
}

#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl Dd {
    /// Zero.
    pub const ZERO: Dd = Dd { hi: 0.0, lo: 0.0 };
    /// One.
    pub const ONE: Dd = Dd { hi: 1.0, lo: 0.0 };
    /// `π` to double-double precision.
    pub const PI: Dd = Dd { hi: std::f64::consts::PI, lo: 1.2246467991473532e-16 };
    /// `ln 2` to double-double precision.
    pub const LN_2: Dd = Dd { hi: std::f64::consts::LN_2, lo: 2.3190468138462996e-17 };

    /// An `f64`, exactly.
    pub const fn from_f64(x: f64) -> Dd {
        Dd { hi: x, lo: 0.0 }
    }

    /// An integer, exactly when `|n| < 2^106`.
    ///
    /// ```
    /// use bea_verification::dd::Dd;
    /// let big = (1i128 << 100) + 3;
    /// assert_eq!(Dd::from_i128(big).sub(Dd::from_i128(1i128 << 100)).to_f64(), 3.0);
    /// ```
    pub fn from_i128(n: i128) -> Dd {
        let hi = n as f64;
        // `hi` is an integer within 2^(e-53) of n, so n - hi fits in i128 and is exactly representable after rounding
        // to 53 bits only when |n| < 2^106; beyond, the error is below 2^-106 |n|.
        let rest = n.saturating_sub(hi as i128);
        let (hi, lo) = quick_two_sum(hi, rest as f64);
        Dd { hi, lo }
    }

    /// The nearest `f64`.
    pub fn to_f64(self) -> f64 {
        self.hi + self.lo
    }

    /// Is it finite?
    pub fn is_finite(self) -> bool {
        self.hi.is_finite() && self.lo.is_finite()
    }

    /// `|x|`.
    pub fn abs(self) -> Dd {
        if self.hi < 0.0 || (self.hi == 0.0 && self.lo < 0.0) {
            -self
        } else {
            self
        }
    }

    /// `self + b` (the accurate sum of QD, error at most `3 u^2 |a + b|`).
    #[allow(clippy::should_implement_trait)] // also the operator; the method reads better in long formulas
    pub fn add(self, b: Dd) -> Dd {
        let (s, e) = two_sum(self.hi, b.hi);
        let (t, f) = two_sum(self.lo, b.lo);
        let (s, e) = quick_two_sum(s, e + t);
        let (hi, lo) = quick_two_sum(s, e + f);
        Dd { hi, lo }
    }

    /// `self - b`.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(self, b: Dd) -> Dd {
        self.add(-b)
    }

    /// `self * b`.
    #[allow(clippy::should_implement_trait)]
    pub fn mul(self, b: Dd) -> Dd {
        let (p, e) = two_prod(self.hi, b.hi);
        let e = e + (self.hi * b.lo + self.lo * b.hi);
        let (hi, lo) = quick_two_sum(p, e);
        Dd { hi, lo }
    }

    /// `self * b` for an `f64` `b`.
    pub fn mul_f64(self, b: f64) -> Dd {
        let (p, e) = two_prod(self.hi, b);
        let (hi, lo) = quick_two_sum(p, e + self.lo * b);
        Dd { hi, lo }
    }

    /// `self / b` (two correction steps of the long division).
    #[allow(clippy::should_implement_trait)]
    pub fn div(self, b: Dd) -> Dd {
        let q1 = self.hi / b.hi;
        if !q1.is_finite() {
            return Dd::from_f64(q1);
        }
        let r = self.sub(b.mul_f64(q1));
        let q2 = r.hi / b.hi;
        let r = r.sub(b.mul_f64(q2));
        let q3 = r.hi / b.hi;
        let (hi, lo) = quick_two_sum(q1, q2);
        Dd { hi, lo }.add(Dd::from_f64(q3))
    }

    /// `self^n` by repeated squaring (`n >= 0`).
    pub fn powi(self, mut n: u32) -> Dd {
        let mut base = self;
        let mut acc = Dd::ONE;
        while n > 0 {
            if n & 1 == 1 {
                acc = acc.mul(base);
            }
            base = base.mul(base);
            n >>= 1;
        }
        acc
    }

    /// `sqrt(self)`: one Newton step from the `f64` root (Karp & Markstein); NaN for negative numbers.
    ///
    /// ```
    /// use bea_verification::dd::Dd;
    /// let r = Dd::from_f64(2.0).sqrt();
    /// assert!(r.mul(r).sub(Dd::from_f64(2.0)).abs().to_f64() < 1e-31);
    /// ```
    pub fn sqrt(self) -> Dd {
        if self.hi <= 0.0 || self.hi == f64::INFINITY {
            return Dd::from_f64(if self.hi == 0.0 { 0.0 } else { self.hi.sqrt() });
        }
        let x = 1.0 / self.hi.sqrt();
        let ax = self.hi * x;
        let (p, e) = two_prod(ax, ax);
        let diff = self.sub(Dd { hi: p, lo: e }).hi;
        let (hi, lo) = two_sum(ax, diff * x * 0.5);
        Dd { hi, lo }
    }

    /// The real `n`-th root (`n >= 2`; odd roots of negative numbers are negative, even ones NaN), by Newton's
    /// iteration `y <- y - (y^n - x) / (n y^(n-1))` from the `f64` root.
    pub fn real_root(self, n: u32) -> Dd {
        if n == 2 {
            return self.sqrt();
        }
        if self.hi == 0.0 {
            return Dd::ZERO;
        }
        if self.hi < 0.0 {
            return if n % 2 == 1 { -(-self).real_root(n) } else { Dd::from_f64(f64::NAN) };
        }
        let mut y = Dd::from_f64(self.hi.powf(1.0 / n as f64));
        for _ in 0..2 {
            let yn1 = y.powi(n - 1);
            y = y.sub(yn1.mul(y).sub(self).div(yn1.mul_f64(n as f64)));
        }
        y
    }

    /// `e^self`: `x = k ln 2 + r`, `|r| <= ln 2 / 2`, then `e^r = (e^(r/2^8))^(2^8)` with a Taylor series for the
    /// small argument.
    ///
    /// ```
    /// use bea_verification::dd::Dd;
    /// let e = Dd::ONE.exp();
    /// // e = 2.71828182845904523536028747135266249...
    /// let want = Dd { hi: 2.718281828459045, lo: 1.4456468917292502e-16 };
    /// assert!(e.sub(want).abs().to_f64() < 1e-31);
    /// ```
    pub fn exp(self) -> Dd {
        if self.hi > 709.8 {
            return Dd::from_f64(f64::INFINITY);
        }
        if self.hi < -745.2 {
            return Dd::ZERO;
        }
        if !self.is_finite() {
            return Dd::from_f64(self.hi.exp());
        }
        let k = (self.hi / std::f64::consts::LN_2).round();
        let r = self.sub(Dd::LN_2.mul_f64(k)).mul_f64(1.0 / 256.0);
        // Taylor series of e^r - 1 for |r| <= 0.0014: 12 terms reach 2^-106.
        let mut term = r;
        let mut sum = r;
        for i in 2..=14 {
            term = term.mul(r).div(Dd::from_f64(i as f64));
            sum = sum.add(term);
            if term.abs().hi < 1e-36 * sum.abs().hi.max(1e-300) {
                break;
            }
        }
        // (1 + s)^2 - 1 = s (2 + s), eight times: keeps the small quantity accurate.
        for _ in 0..8 {
            sum = sum.mul(sum.add(Dd::from_f64(2.0)));
        }
        let e = sum.add(Dd::ONE);
        // 2^k in two halves: 2^k alone underflows to 0 for k <= -1075 and overflows for k >= 1024, where e^x
        // (near the ends of the range) is still a finite double (found by review).
        let (k1, k2) = ((k as i32) / 2, (k as i32) - (k as i32) / 2);
        let (s1, s2) = (2f64.powi(k1), 2f64.powi(k2));
        Dd { hi: e.hi * s1 * s2, lo: e.lo * s1 * s2 }
    }

    /// `ln(self)`: two Newton steps `y <- y + x e^-y - 1` from the `f64` logarithm; NaN for negative numbers,
    /// `-inf` at 0.
    ///
    /// ```
    /// use bea_verification::dd::Dd;
    /// let x = Dd::from_f64(3.0);
    /// assert!(x.ln().exp().sub(x).abs().to_f64() < 1e-30);
    /// assert!(Dd::from_f64(2.0).ln().sub(Dd::LN_2).abs().to_f64() < 1e-31);
    /// ```
    pub fn ln(self) -> Dd {
        if self.hi <= 0.0 || !self.is_finite() {
            return Dd::from_f64(self.hi.ln());
        }
        // ln x = ln m + e ln 2 with m = x / 2^e near 1: the Newton steps then never meet e^y at the ends of the
        // range (found by review: ln(1.7e308) came out 710.4 instead of 709.8). The scaling is exact.
        let e = self.hi.log2().floor();
        let (e1, e2) = ((e as i32) / 2, (e as i32) - (e as i32) / 2);
        let scale = 2f64.powi(-e1) * 2f64.powi(-e2);
        let m = if scale.is_finite() && scale > 0.0 {
            Dd { hi: self.hi * 2f64.powi(-e1) * 2f64.powi(-e2), lo: self.lo * 2f64.powi(-e1) * 2f64.powi(-e2) }
        } else {
            return Dd::from_f64(self.hi.ln());
        };
        let mut y = Dd::from_f64(m.hi.ln());
        for _ in 0..2 {
            y = y.add(m.mul((-y).exp())).sub(Dd::ONE);
        }
        y.add(Dd::LN_2.mul_f64(e))
    }

    /// `(sin(self), cos(self))`: reduction by `π/2` in double-double (absolute error about `|x| 1e-32`; NaN beyond
    /// `|x| = 1e15`), then Taylor series on `|r| <= π/4`.
    ///
    /// ```
    /// use bea_verification::dd::Dd;
    /// let (s, c) = Dd::from_f64(0.7).sin_cos();
    /// assert!(s.mul(s).add(c.mul(c)).sub(Dd::ONE).abs().to_f64() < 1e-31);
    /// let (s, _) = Dd::PI.div(Dd::from_f64(6.0)).sin_cos();
    /// assert!(s.sub(Dd::from_f64(0.5)).abs().to_f64() < 1e-31);
    /// ```
    pub fn sin_cos(self) -> (Dd, Dd) {
        // The reduction keeps an absolute error of about |x| 1e-32; beyond 1e15 nothing useful is left (found by
        // review: sin(1e20) came out -4e91), so NaN.
        if !self.is_finite() || self.hi.abs() > 1e15 {
            return (Dd::from_f64(f64::NAN), Dd::from_f64(f64::NAN));
        }
        let half_pi = Dd::PI.mul_f64(0.5);
        let k = (self.hi / half_pi.hi).round();
        let r = self.sub(half_pi.mul_f64(k));
        let r2 = r.mul(r);
        // sin r = r - r^3/3! + ..., cos r = 1 - r^2/2! + ...; |r| <= 0.79: 27 terms reach 2^-106.
        let (mut s, mut c) = (r, Dd::ONE);
        let (mut ts, mut tc) = (r, Dd::ONE);
        for i in 1..=30 {
            let i = i as f64;
            ts = -ts.mul(r2).div(Dd::from_f64((2.0 * i) * (2.0 * i + 1.0)));
            tc = -tc.mul(r2).div(Dd::from_f64((2.0 * i - 1.0) * (2.0 * i)));
            s = s.add(ts);
            c = c.add(tc);
            if ts.abs().hi < 1e-36 && tc.abs().hi < 1e-36 {
                break;
            }
        }
        match (k as i64).rem_euclid(4) {
            0 => (s, c),
            1 => (c, -s),
            2 => (-s, -c),
            _ => (-c, s),
        }
    }

    /// `sin(self)`.
    pub fn sin(self) -> Dd {
        self.sin_cos().0
    }

    /// `cos(self)`.
    pub fn cos(self) -> Dd {
        self.sin_cos().1
    }
}

impl Neg for Dd {
    type Output = Dd;
    fn neg(self) -> Dd {
        Dd { hi: -self.hi, lo: -self.lo }
    }
}

impl Add for Dd {
    type Output = Dd;
    fn add(self, b: Dd) -> Dd {
        Dd::add(self, b)
    }
}

impl Sub for Dd {
    type Output = Dd;
    fn sub(self, b: Dd) -> Dd {
        Dd::sub(self, b)
    }
}

impl Mul for Dd {
    type Output = Dd;
    fn mul(self, b: Dd) -> Dd {
        Dd::mul(self, b)
    }
}

impl Div for Dd {
    type Output = Dd;
    fn div(self, b: Dd) -> Dd {
        Dd::div(self, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Dd, b: Dd, tol: f64) -> bool {
        a.sub(b).abs().to_f64() <= tol * b.abs().to_f64().max(1e-300)
    }

    /// `1/3 * 3 = 1` and `(1/3 + 1/3 + 1/3) = 1` far below `f64` rounding.
    #[test]
    fn basic_operations_reach_double_double_precision() {
        let third = Dd::ONE.div(Dd::from_f64(3.0));
        assert!(close(third.mul(Dd::from_f64(3.0)), Dd::ONE, 1e-31));
        assert!(close(third.add(third).add(third), Dd::ONE, 1e-31));
        // 0.1 as a double-double is 1/10 to 32 digits, unlike the f64 0.1.
        let tenth = Dd::ONE.div(Dd::from_f64(10.0));
        assert!(tenth.sub(Dd::from_f64(0.1)).abs().to_f64() > 5e-18);
        assert!(close(tenth.mul(Dd::from_f64(10.0)), Dd::ONE, 1e-31));
        // Catastrophic cancellation in f64 is exact here: (1 + 2^-80) - 1 = 2^-80.
        let tiny = Dd::from_f64(2f64.powi(-80));
        assert_eq!(Dd::ONE.add(tiny).sub(Dd::ONE).to_f64(), 2f64.powi(-80));
        assert!(close(Dd::from_f64(1.5).powi(7), Dd::from_f64(1.5f64.powi(7)), 1e-31));
    }

    /// `exp(a + b) = exp(a) exp(b)`, `ln(exp(x)) = x`, `sin^2 + cos^2 = 1`, the odd roots, and values to 32 digits:
    /// `e^-1 = 0.36787944117144232159552377016146086...`, `sin 1 = 0.84147098480789650665250232163029899...`.
    #[test]
    fn elementary_functions() {
        for &x in &[-30.0, -2.5, -0.3, 1e-5, 0.25, 1.0, 7.3, 40.0] {
            let (a, b) = (Dd::from_f64(x), Dd::from_f64(0.37));
            assert!(close(a.add(b).exp(), a.exp().mul(b.exp()), 1e-30), "exp {x}");
            assert!(close(a.exp().ln(), a, 1e-30), "ln exp {x}");
            let (s, c) = a.sin_cos();
            assert!(close(s.mul(s).add(c.mul(c)), Dd::ONE, 1e-30), "sin^2 + cos^2 at {x}");
            let (s2, _) = a.mul_f64(2.0).sin_cos();
            assert!(close(s2, s.mul(c).mul_f64(2.0), 1e-29) || s2.abs().to_f64() < 1e-28, "sin 2x at {x}");
        }
        let inv_e = Dd { hi: 0.36787944117144233, lo: -1.2428753672788363e-17 };
        assert!(close((-Dd::ONE).exp(), inv_e, 1e-31), "{:?}", (-Dd::ONE).exp());
        let sin1 = Dd { hi: 0.8414709848078965, lo: 1.776845092935536e-18 };
        assert!(close(Dd::ONE.sin(), sin1, 2e-31), "{:?}", Dd::ONE.sin());
        let c = Dd::from_f64(-27.0).real_root(3);
        assert!(close(c, Dd::from_f64(-3.0), 1e-31));
        let r = Dd::from_f64(5.0).real_root(5);
        assert!(close(r.powi(5), Dd::from_f64(5.0), 1e-30));
        assert!(Dd::from_f64(-4.0).real_root(4).hi.is_nan());
        assert!(Dd::from_f64(-1.0).ln().hi.is_nan());
    }

    /// The ends of the range (found by review): e^x near the overflow and underflow limits, ln of the largest
    /// doubles, sqrt of infinity, and sin of a huge argument, where nothing accurate is left.
    #[test]
    fn ends_of_the_range() {
        let big = Dd::from_f64(709.5).exp();
        assert!(big.is_finite() && (big.hi / 709.5f64.exp() - 1.0).abs() < 1e-15, "{big:?}");
        let tiny = Dd::from_f64(-709.5).exp();
        assert!(tiny.hi > 0.0 && (tiny.hi / (-709.5f64).exp() - 1.0).abs() < 1e-12, "{tiny:?}");
        let l = Dd::from_f64(1.7e308).ln();
        assert!((l.hi - 1.7e308f64.ln()).abs() < 1e-12, "{l:?}");
        let l = Dd::from_f64(3e-300).ln();
        assert!((l.hi - 3e-300f64.ln()).abs() < 1e-12, "{l:?}");
        assert_eq!(Dd::from_f64(f64::INFINITY).sqrt().hi, f64::INFINITY);
        assert!(Dd::from_f64(1e20).sin().hi.is_nan());
    }
}
