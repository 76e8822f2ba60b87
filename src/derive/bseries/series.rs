//! B-series of Runge–Kutta methods and of the exact flow (exact rational coefficients).
//!
//! # Normalisation
//! A *method* B-series with coefficients `a` means
//! `y_1 = y + Σ_t h^{|t|} a(t)/σ(t) F(t)(y)` (Hairer, Lubich & Wanner, GNI, 2nd ed., Def. III.1.1 and
//! Thm. III.1.4). For a Runge–Kutta method `a(t) = Φ(t)`, the elementary weight; for the exact flow
//! `a(t) = 1/γ(t)`. The method has order `p` iff `Φ(t) = 1/γ(t)` for all `|t| <= p` (Butcher 1963).
//!
//! A *vector-field* B-series (e.g. the modified equation) with coefficients `b` means
//! `f̃ = Σ_t h^{|t|-1} b(t)/σ(t) F(t)`; see [`crate::derive::bseries::modified`].

use std::sync::Arc;

use crate::algebra::Coef;

use crate::derive::bseries::tableau::ButcherTableau;
use crate::derive::bseries::trees::{Forest, RootedTree, TreeId};

/// One-sentence normalisation of a method B-series.
pub const METHOD_NORMALIZATION: &str =
    "y1 = y + sum_t h^|t| a(t)/sigma(t) F(t)(y), with a(t) = Phi(t) the elementary weight of the Runge-Kutta method (exact flow: a(t) = 1/gamma(t)).";

/// What a coefficient vector describes (fixes the normalisation of [`BSeries`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SeriesKind {
    /// A one-step map `y + Σ h^{|t|} a(t)/σ(t) F(t)` ([`METHOD_NORMALIZATION`]).
    Method,
    /// A vector field `Σ h^{|t|-1} b(t)/σ(t) F(t)` ([`crate::derive::bseries::modified::FIELD_NORMALIZATION`]).
    VectorField,
}

/// A truncated B-series: one exact coefficient per tree of order `1..=forest.max_order()`
/// (the empty tree is implicit: 1 for a method, 0 for a field).
///
/// ```
/// use bea::derive::bseries::{series::BSeries, tableau::ButcherTableau};
/// let s = BSeries::of_method(&ButcherTableau::named("explicit_midpoint").unwrap(), 3);
/// assert_eq!(s.coefficient_of_levels(&[1, 2, 2]).unwrap().to_string(), "1/4");
/// assert_eq!(s.coefficient_of_levels(&[1, 2, 3]).unwrap().to_string(), "0");
/// ```
#[derive(Clone, Debug)]
pub struct BSeries {
    name: String,
    kind: SeriesKind,
    forest: Arc<Forest>,
    coefficients: Vec<Coef>,
}

impl BSeries {
    /// Wraps coefficients (one per tree of `forest`, indexed by [`TreeId`]).
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn new(name: &str, kind: SeriesKind, forest: Arc<Forest>, coefficients: Vec<Coef>) -> Self {
        assert_eq!(forest.len(), coefficients.len(), "one coefficient per tree");
        BSeries { name: name.to_string(), kind, forest, coefficients }
    }

    /// The B-series `a(t) = Φ(t)` of a Runge–Kutta method up to `order`.
    pub fn of_method(tableau: &ButcherTableau, order: usize) -> Self {
        Self::of_method_in(tableau, Arc::new(Forest::new(order)))
    }

    /// As [`BSeries::of_method`], on a given forest.
    pub fn of_method_in(tableau: &ButcherTableau, forest: Arc<Forest>) -> Self {
        let coefficients = elementary_weights(tableau, &forest);
        Self::new(tableau.name(), SeriesKind::Method, forest, coefficients)
    }

    /// The exact flow `a(t) = 1/γ(t)` up to `order`.
    ///
    /// ```
    /// let e = bea::derive::bseries::series::BSeries::exact_flow(3);
    /// assert_eq!(e.coefficient_of_levels(&[1, 2, 2]).unwrap().to_string(), "1/3");
    /// ```
    pub fn exact_flow(order: usize) -> Self {
        let forest = Arc::new(Forest::new(order));
        let coefficients = forest.trees().iter().map(|d| Coef::new(1, i128::from(d.gamma))).collect();
        Self::new("exact-flow", SeriesKind::Method, forest, coefficients)
    }

    /// Name of the method or series.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the coefficients describe.
    pub fn kind(&self) -> SeriesKind {
        self.kind
    }

    /// The forest the coefficients are indexed by.
    pub fn forest(&self) -> &Arc<Forest> {
        &self.forest
    }

    /// Truncation order.
    pub fn order(&self) -> usize {
        self.forest.max_order()
    }

    /// Coefficients indexed by [`TreeId`].
    pub fn coefficients(&self) -> &[Coef] {
        &self.coefficients
    }

    /// Coefficient of tree `id`.
    pub fn coefficient(&self, id: TreeId) -> &Coef {
        &self.coefficients[id]
    }

    /// Coefficient of a tree, if it is within the truncation order.
    pub fn coefficient_of(&self, tree: &RootedTree) -> Option<&Coef> {
        self.forest.id_of(tree).map(|id| &self.coefficients[id])
    }

    /// Coefficient of a tree given by any valid level sequence.
    pub fn coefficient_of_levels(&self, levels: &[u32]) -> Option<&Coef> {
        self.forest.id_of_levels(levels).map(|id| &self.coefficients[id])
    }

    /// `(tree data, coefficient)` pairs in forest order.
    pub fn iter(&self) -> impl Iterator<Item = (&crate::derive::bseries::trees::TreeData, &Coef)> {
        self.forest.trees().iter().zip(&self.coefficients)
    }
}

/// Elementary weights `Φ(t) = bᵀ Φ_·(t)` of a tableau for every tree of `forest`.
///
/// Stage weights: `Φ_i(•) = 1`, `Φ_i([t_1 … t_m]) = Π_k (A Φ_·(t_k))_i`; memoised over subtrees, so
/// each tree costs one product of `m` stage vectors (Butcher 2016, Sect. 312; GNI Thm. III.1.4).
///
/// ```
/// use bea::derive::bseries::{series::elementary_weights, tableau::ButcherTableau, trees::Forest};
/// let forest = Forest::new(4);
/// let phi = elementary_weights(&ButcherTableau::named("rk4").unwrap(), &forest);
/// for (d, p) in forest.trees().iter().zip(&phi) {
///     assert!(p.mul(&bea::algebra::Coef::int(d.gamma.into())).is_one()); // order 4: Φ = 1/γ
/// }
/// ```
pub fn elementary_weights(tableau: &ButcherTableau, forest: &Forest) -> Vec<Coef> {
    let s = tableau.stages();
    let a = tableau.a();
    // stage[t][i] = Φ_i(t); a_times[t][i] = (A Φ(t))_i
    let mut a_times: Vec<Vec<Coef>> = Vec::with_capacity(forest.len());
    let mut weights = Vec::with_capacity(forest.len());
    for d in forest.trees() {
        if super::deadline::expired() {
            // Past the deadline: the right length, no work (the caller discards it, see `deadline`).
            weights.push(Coef::zero());
            a_times.push(vec![Coef::zero(); s]);
            continue;
        }
        let mut stage = vec![Coef::one(); s];
        for &c in &d.children {
            for (st, ac) in stage.iter_mut().zip(&a_times[c]) {
                *st = st.mul(ac);
            }
        }
        let at: Vec<Coef> = (0..s).map(|i| dot(&a[i], &stage)).collect();
        let w = dot(tableau.b(), &stage);
        a_times.push(at);
        weights.push(w);
    }
    weights
}

/// `Σ_i x_i y_i`, skipping zero entries (tableaus are sparse).
fn dot(x: &[Coef], y: &[Coef]) -> Coef {
    x.iter().zip(y).filter(|(a, b)| !a.is_zero() && !b.is_zero()).fold(Coef::zero(), |acc, (a, b)| acc.add(&a.mul(b)))
}

/// The classical order of a method: the largest `p <= max_order` with `Φ(t) = 1/γ(t)` for all
/// `|t| <= p`.
///
/// ```
/// use bea::derive::bseries::{series::method_order, tableau::ButcherTableau};
/// let order = |n| method_order(&ButcherTableau::named(n).unwrap(), 6);
/// assert_eq!((order("heun"), order("rk4"), order("ssprk33"), order("implicit_midpoint")), (2, 4, 3, 2));
/// ```
pub fn method_order(tableau: &ButcherTableau, max_order: usize) -> usize {
    let series = BSeries::of_method(tableau, max_order);
    let forest = series.forest();
    for n in 1..=max_order {
        let ok = forest
            .ids_of_order(n)
            .all(|id| series.coefficient(id).mul(&Coef::int(forest.get(id).gamma.into())).is_one());
        if !ok {
            return n - 1;
        }
    }
    max_order
}
