//! bea's exact differential ring as a [`DiffAlgebra`]: elementary differentials, and so every
//! B-series result of this module, evaluate directly in a problem's [`Algebra`].
//!
//! The derivations are bea's own: [`Algebra::diff`] is the total derivative with respect to a state
//! variable (through atoms such as `sin(q)` and the jets `P_x` of unspecified functions), and
//! sums and products keep fractions over registered denominator factors.

use super::diff::DiffAlgebra;
use crate::algebra::{Algebra, Coef, Elem};

/// ```
/// use bea::algebra::Algebra;
/// use bea::derive::bseries::diff::DiffAlgebra;
/// let mut alg = Algebra::new(2);
/// let (x, y) = (alg.state(0), alg.state(1));
/// let xy = DiffAlgebra::mul(&mut alg, &x, &y);
/// assert_eq!(DiffAlgebra::diff(&mut alg, &xy, 0), y);
/// assert_eq!(DiffAlgebra::dim(&alg), 2);
/// ```
impl DiffAlgebra for Algebra {
    type Elem = Elem;

    fn dim(&self) -> usize {
        self.n_state()
    }

    fn zero(&self) -> Elem {
        Elem::default()
    }

    fn add(&mut self, a: &Elem, b: &Elem) -> Elem {
        Algebra::add(self, a, b)
    }

    fn mul(&mut self, a: &Elem, b: &Elem) -> Elem {
        Algebra::mul(self, a, b)
    }

    fn scale(&mut self, a: &Elem, c: &Coef) -> Elem {
        Algebra::scale(self, a, c)
    }

    fn diff(&mut self, a: &Elem, var: usize) -> Elem {
        Algebra::diff(self, a, var)
    }

    fn is_zero(&self, a: &Elem) -> bool {
        a.is_zero()
    }
}
