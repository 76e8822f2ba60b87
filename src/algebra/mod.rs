//! bea's exact algebra kernel: the differential ring the derivations run in.
//!
//! Elements ([`Elem`]) are fractions `N / (q_1^{k_1} ... q_r^{k_r})`: a sparse polynomial numerator [`Poly`]
//! over *generators* (state variables, symbolic parameters, and atoms such as `sin(u)`, `sqrt(u)` or the jet
//! symbols `P_xy` of an unspecified function) and a denominator that is a product of powers of registered,
//! normalised *denominator factors*. Sums bring fractions to the common denominator with the larger exponents, so
//! the oscillator's corrections stay single fractions over `(u^2 + v^2)^k` instead of swelling.
//!
//! Zero tests are exact: an element is zero iff its numerator polynomial is, provided the generators are
//! algebraically independent. The kernel enforces the two relations it knows about: `cos(u)^2 = 1 - sin(u)^2`
//! and `root_n(u)^n = u`. Other relations between atoms (for example `exp(x) exp(y) = exp(x + y)` when both
//! forms are typed in) are not applied: the README lists this limitation.
//!
//! Why not the CAS for this: GUIDE section 2 measured a naive expand-everything derivation at 20 s where sparse
//! polynomials graded in `h` took 5 ms; owning the representation also makes printing byte-stable across CAS
//! releases. symplex (the CAS) remains the independent oracle in the tests and integrates non-polynomial
//! potentials (see `crate::cas`).

mod apart;
mod coef;
mod elem;
mod poly;

pub use coef::{Coef, RootFactor};
pub use elem::{max_den, Algebra, Budget, Elem, Func, GenKind, UnspecFn};
pub use poly::{Interrupted, Mono, Poly};
