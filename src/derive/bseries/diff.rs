//! Elementary differentials over an abstract differential algebra, and the modified field.
//!
//! `F(•) = f`, `F([t_1 … t_m])_i = Σ_{j_1..j_m} ∂_{j_1}…∂_{j_m} f_i · F(t_1)_{j_1} ⋯ F(t_m)_{j_m}`
//! (GNI, Def. III.1.2). The vector field enters only here; the tree coefficients are exact rationals
//! computed without it ([`crate::derive::bseries::modified`]). `F(t)` is memoised over subtrees and the partial
//! derivatives `∂_J f_i` over sorted multi-indices; the contraction stops descending as soon as the partial
//! derivative of the indices chosen so far vanishes, so sparse fields in many variables stay cheap (a 16-variable
//! chain, rk4 to order 6: 576 s before this pruning, 0.04 s after, debug build).
//!
//! Bi-coloured trees (P-series of partitioned methods): [`ColouredElementaryDifferentials`] and
//! [`modified_field_partitioned`].

use std::collections::HashMap;

use crate::algebra::Coef;

use crate::derive::bseries::coloured::ColouredTree;
use crate::derive::bseries::pseries::PSeries;
use crate::derive::bseries::series::{BSeries, SeriesKind};
use crate::derive::bseries::trees::{Forest, RootedTree};

/// A commutative algebra with `dim()` commuting derivations `∂_0 … ∂_{dim-1}` and rational scalars
/// (e.g. polynomials or expressions in `dim` variables). Operations take `&mut self` so that an
/// algebra may grow while it computes (bea's [`Algebra`](crate::algebra::Algebra) registers atoms,
/// denominator factors and memo entries; its implementation is in [`super::ring`]).
pub trait DiffAlgebra {
    /// An element (a scalar function of the `dim` variables).
    type Elem: Clone;
    /// Number of variables (the dimension of the phase space).
    fn dim(&self) -> usize;
    /// The zero element.
    fn zero(&self) -> Self::Elem;
    /// `a + b`.
    fn add(&mut self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `a · b`.
    fn mul(&mut self, a: &Self::Elem, b: &Self::Elem) -> Self::Elem;
    /// `c · a`.
    fn scale(&mut self, a: &Self::Elem, c: &Coef) -> Self::Elem;
    /// `∂a/∂x_var`.
    fn diff(&mut self, a: &Self::Elem, var: usize) -> Self::Elem;
    /// Whether `a` is (recognisably) zero; used only to skip work.
    fn is_zero(&self, a: &Self::Elem) -> bool;
}

/// Errors of the elementary-differential stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiffError {
    /// The field has the wrong number of components.
    #[error("the vector field has {found} components but the algebra has {expected} variables")]
    Dimension {
        /// Components given.
        found: usize,
        /// Variables of the algebra.
        expected: usize,
    },
    /// The parts of a split field do not fit it.
    #[error("{found} part indices (each 0 or 1) for a field with {expected} components")]
    Parts {
        /// Part indices given.
        found: usize,
        /// Components of the field.
        expected: usize,
    },
    /// A vector-field series was expected.
    #[error("modified_field needs a vector-field B-series (use modified::modified_equation first)")]
    NotAField,
    /// The requested order exceeds the series' truncation.
    #[error("f_{requested} needs trees of order {needed} but the series stops at order {available}")]
    OrderTooHigh {
        /// Requested `l`.
        requested: usize,
        /// Tree order needed (`l + 1`).
        needed: usize,
        /// Truncation order of the series.
        available: usize,
    },
}

/// Cache of partial derivatives `∂_J base_i` of a list of base functions.
pub(crate) struct DerivCache<E> {
    cache: HashMap<(usize, Vec<usize>), E>,
}

impl<E: Clone> DerivCache<E> {
    pub(crate) fn new(base: &[E]) -> Self {
        let mut cache = HashMap::new();
        for (i, b) in base.iter().enumerate() {
            cache.insert((i, Vec::new()), b.clone());
        }
        DerivCache { cache }
    }

    /// `∂_J base_i` for a sorted multi-index `J`.
    fn deriv<A: DiffAlgebra<Elem = E>>(&mut self, alg: &mut A, i: usize, multi: &[usize]) -> E {
        if let Some(e) = self.cache.get(&(i, multi.to_vec())) {
            return e.clone();
        }
        let (last, rest) = multi.split_last().expect("base functions are pre-seeded");
        let lower = self.deriv(alg, i, rest);
        let d = alg.diff(&lower, *last);
        self.cache.insert((i, multi.to_vec()), d.clone());
        d
    }

    /// `Σ_J ∂_J base_i · Π_k vs[k]_{J_k}` (the multilinear derivative of `base_i` applied to `vs`).
    pub(crate) fn contract<A: DiffAlgebra<Elem = E>>(&mut self, alg: &mut A, i: usize, vs: &[&[E]]) -> E {
        let mut prefix = Vec::with_capacity(vs.len());
        self.contract_rec(alg, i, vs, &mut prefix)
    }

    fn contract_rec<A: DiffAlgebra<Elem = E>>(
        &mut self,
        alg: &mut A,
        i: usize,
        vs: &[&[E]],
        prefix: &mut Vec<usize>,
    ) -> E {
        if prefix.len() == vs.len() {
            let mut key = prefix.clone();
            key.sort_unstable();
            return self.deriv(alg, i, &key);
        }
        let slot = prefix.len();
        let mut acc = alg.zero();
        for j in 0..alg.dim() {
            let v = &vs[slot][j];
            if alg.is_zero(v) {
                continue;
            }
            prefix.push(j);
            // Prune: every term below carries a derivative of ∂_prefix f_i, so none survives when it is zero.
            let mut key = prefix.clone();
            key.sort_unstable();
            let d = self.deriv(alg, i, &key);
            if alg.is_zero(&d) {
                prefix.pop();
                continue;
            }
            let inner = self.contract_rec(alg, i, vs, prefix);
            prefix.pop();
            if !alg.is_zero(&inner) {
                let t = alg.mul(v, &inner);
                acc = alg.add(&acc, &t);
            }
        }
        acc
    }
}

/// Memoised elementary differentials `F(t)` of one vector field.
///
/// ```
/// use bea::algebra::Algebra;
/// use bea::derive::bseries::{diff::*, trees::RootedTree};
/// let mut alg = Algebra::new(1);
/// let x = alg.state(0);
/// let f = vec![alg.mul(&x, &x)]; // f(x) = x²: f'f = 2x³
/// let mut eds = ElementaryDifferentials::new(&alg, &f).unwrap();
/// let ff = eds.get(&mut alg, &RootedTree::from_levels(&[1, 2]).unwrap());
/// let x3 = alg.pow(&x, 3);
/// assert_eq!(ff[0], alg.scale(&x3, &bea::algebra::Coef::int(2)));
/// ```
pub struct ElementaryDifferentials<E> {
    derivs: DerivCache<E>,
    memo: HashMap<RootedTree, Vec<E>>,
}

impl<E: Clone> ElementaryDifferentials<E> {
    /// Prepares the memo for the field `f` (one element per variable of `alg`).
    pub fn new<A: DiffAlgebra<Elem = E>>(alg: &A, field: &[E]) -> Result<Self, DiffError> {
        if field.len() != alg.dim() {
            return Err(DiffError::Dimension { found: field.len(), expected: alg.dim() });
        }
        let mut memo = HashMap::new();
        memo.insert(RootedTree::leaf(), field.to_vec());
        Ok(ElementaryDifferentials { derivs: DerivCache::new(field), memo })
    }

    /// `F(t)`, one element per component (computed in `alg`, which must be the algebra of the field).
    pub fn get<A: DiffAlgebra<Elem = E>>(&mut self, alg: &mut A, tree: &RootedTree) -> Vec<E> {
        if let Some(v) = self.memo.get(tree) {
            return v.clone();
        }
        let kids: Vec<Vec<E>> = tree.children().iter().map(|c| self.get(alg, c)).collect();
        let refs: Vec<&[E]> = kids.iter().map(|v| v.as_slice()).collect();
        let out: Vec<E> = (0..alg.dim()).map(|i| self.derivs.contract(alg, i, &refs)).collect();
        self.memo.insert(tree.clone(), out.clone());
        out
    }
}

/// `F(t)` of one tree for the field `f` (see [`ElementaryDifferentials`] to reuse work).
pub fn elementary_differential<A: DiffAlgebra>(
    alg: &mut A,
    field: &[A::Elem],
    tree: &RootedTree,
) -> Result<Vec<A::Elem>, DiffError> {
    Ok(ElementaryDifferentials::new(alg, field)?.get(alg, tree))
}

/// The modified field `f_0, f_1, …, f_order`, where `result[l] = f_l = Σ_{|t|=l+1} b(t)/σ(t) F(t)`
/// is the coefficient of `h^l` ([`crate::derive::bseries::modified::FIELD_NORMALIZATION`]);
/// `f_0 = b(•) f`.
///
/// ```
/// use bea::algebra::{Algebra, Coef};
/// use bea::derive::bseries::{diff::*, modified::modified_equation, series::BSeries,
///                            tableau::ButcherTableau};
/// let mut alg = Algebra::new(1);
/// let x = alg.state(0);
/// let f = vec![alg.mul(&x, &x)]; // y' = y²
/// let b = modified_equation(&BSeries::of_method(&ButcherTableau::named("euler").unwrap(), 2)).unwrap();
/// let fl = modified_field(&mut alg, &f, &b, 1).unwrap();
/// // f_1 = -1/2 f'f = -x³
/// let x3 = alg.pow(&x, 3);
/// assert_eq!(fl[1][0], alg.scale(&x3, &Coef::int(-1)));
/// ```
pub fn modified_field<A: DiffAlgebra>(
    alg: &mut A,
    field: &[A::Elem],
    series: &BSeries,
    order: usize,
) -> Result<Vec<Vec<A::Elem>>, DiffError> {
    modified_field_with(alg, field, series, order, |_, _| Ok(()))
}

/// [`modified_field`] with a check called after each tree as `check(alg, l)`; an error from it
/// stops the computation (bea uses it for the term budget and the wall-clock limit).
pub fn modified_field_with<A: DiffAlgebra, E>(
    alg: &mut A,
    field: &[A::Elem],
    series: &BSeries,
    order: usize,
    mut check: impl FnMut(&A, usize) -> Result<(), E>,
) -> Result<Vec<Vec<A::Elem>>, E>
where
    E: From<DiffError>,
{
    if series.kind() != SeriesKind::VectorField {
        return Err(DiffError::NotAField.into());
    }
    if order + 1 > series.order() {
        let available = series.order();
        return Err(DiffError::OrderTooHigh { requested: order, needed: order + 1, available }.into());
    }
    let mut eds = ElementaryDifferentials::new(alg, field)?;
    let forest: &Forest = series.forest();
    sum_by_order(
        alg,
        order,
        |n| forest.ids_of_order(n),
        |id| (series.coefficient(id), forest.get(id).sigma),
        |alg, id| eds.get(alg, &forest.get(id).tree),
        &mut check,
    )
}

/// `f_l = Σ_{|t|=l+1} c(t)/σ(t) F(t)` for `l = 0..=order`, over the trees `ids(n)` of each order `n` (rooted or
/// bi-coloured): `coef(id)` gives `(c(t), σ(t))` and `differential(alg, id)` gives `F(t)`, asked only for trees
/// with `c(t) != 0`; `check(alg, l)` runs after each tree.
fn sum_by_order<'c, A: DiffAlgebra, E>(
    alg: &mut A,
    order: usize,
    ids: impl Fn(usize) -> std::ops::Range<usize>,
    coef: impl Fn(usize) -> (&'c Coef, u64),
    mut differential: impl FnMut(&mut A, usize) -> Vec<A::Elem>,
    check: &mut impl FnMut(&A, usize) -> Result<(), E>,
) -> Result<Vec<Vec<A::Elem>>, E> {
    let mut out = Vec::with_capacity(order + 1);
    for l in 0..=order {
        let mut fl = vec![alg.zero(); alg.dim()];
        for id in ids(l + 1) {
            let (c, sigma) = coef(id);
            if c.is_zero() {
                continue;
            }
            let w = c.mul(&Coef::new(1, i128::from(sigma)));
            for (acc, e) in fl.iter_mut().zip(differential(alg, id)) {
                let t = alg.scale(&e, &w);
                *acc = alg.add(acc, &t);
            }
            check(alg, l)?;
        }
        out.push(fl);
    }
    Ok(out)
}

// ---------- P-series: bi-coloured elementary differentials ----------

/// Memoised elementary differentials `F(t)` of bi-coloured trees for a field split into two parts
/// (`part_of[m]` = 0 for part 1, 1 for part 2): a colour-`c` vertex is the part-`c` components of the field (the
/// others are zero), and a child of colour `c` differentiates its parent along the part-`c` variables (GNI
/// Sect. III.2.1). So `F(t)` has non-zero entries only in the part of the root's colour.
///
/// ```
/// use bea::algebra::Algebra;
/// use bea::derive::bseries::{coloured::ColouredTree, diff::ColouredElementaryDifferentials};
/// let mut alg = Algebra::new(2);
/// let (q, p) = (alg.state(0), alg.state(1));
/// let qq = alg.mul(&q, &q);
/// let f = vec![p.clone(), qq]; // q' = p (part 1), p' = q² (part 2)
/// let mut eds = ColouredElementaryDifferentials::new(&alg, &f, &[0, 1]).unwrap();
/// // [∘]• = f_p g: (1 · q², 0)
/// let t = ColouredTree::new(&[1, 2], &[1, 2]).unwrap();
/// assert_eq!(eds.get(&mut alg, &t), vec![f[1].clone(), bea::algebra::Elem::default()]);
/// ```
pub struct ColouredElementaryDifferentials<E> {
    derivs: [DerivCache<E>; 2],
    leaves: [Vec<E>; 2],
    memo: HashMap<ColouredTree, Vec<E>>,
}

impl<E: Clone> ColouredElementaryDifferentials<E> {
    /// Prepares the memo for the field `f` with the part (0 or 1) of each component.
    pub fn new<A: DiffAlgebra<Elem = E>>(alg: &A, field: &[E], part_of: &[usize]) -> Result<Self, DiffError> {
        if field.len() != alg.dim() {
            return Err(DiffError::Dimension { found: field.len(), expected: alg.dim() });
        }
        if part_of.len() != field.len() || part_of.iter().any(|&p| p > 1) {
            return Err(DiffError::Parts { found: part_of.len(), expected: field.len() });
        }
        let masked = |part: usize| -> Vec<E> {
            field.iter().zip(part_of).map(|(f, &p)| if p == part { f.clone() } else { alg.zero() }).collect()
        };
        let leaves = [masked(0), masked(1)];
        let derivs = [DerivCache::new(&leaves[0]), DerivCache::new(&leaves[1])];
        Ok(ColouredElementaryDifferentials { derivs, leaves, memo: HashMap::new() })
    }

    /// `F(t)`, one element per component.
    pub fn get<A: DiffAlgebra<Elem = E>>(&mut self, alg: &mut A, tree: &ColouredTree) -> Vec<E> {
        if let Some(v) = self.memo.get(tree) {
            return v.clone();
        }
        let part = usize::from(tree.colours()[0] - 1);
        let out = if tree.order() == 1 {
            self.leaves[part].clone()
        } else {
            let kids: Vec<Vec<E>> = tree.children().iter().map(|c| self.get(alg, c)).collect();
            let refs: Vec<&[E]> = kids.iter().map(|v| v.as_slice()).collect();
            (0..alg.dim()).map(|i| self.derivs[part].contract(alg, i, &refs)).collect()
        };
        self.memo.insert(tree.clone(), out.clone());
        out
    }
}

/// The modified field `f_0, …, f_order` of a field P-series on a split field: `f_l = Σ_{|t|=l+1} b(t)/σ(t) F(t)`
/// over bi-coloured trees ([`crate::derive::bseries::pseries::P_FIELD_NORMALIZATION`]).
pub fn modified_field_partitioned<A: DiffAlgebra>(
    alg: &mut A,
    field: &[A::Elem],
    part_of: &[usize],
    series: &PSeries,
    order: usize,
) -> Result<Vec<Vec<A::Elem>>, DiffError> {
    if series.kind() != SeriesKind::VectorField {
        return Err(DiffError::NotAField);
    }
    if order + 1 > series.order() {
        let available = series.order();
        return Err(DiffError::OrderTooHigh { requested: order, needed: order + 1, available });
    }
    let mut eds = ColouredElementaryDifferentials::new(alg, field, part_of)?;
    let forest = series.forest();
    sum_by_order(
        alg,
        order,
        |n| forest.ids_of_order(n),
        |id| (series.coefficient(id), forest.get(id).sigma),
        |alg, id| eds.get(alg, &forest.get(id).tree),
        &mut |_, _| Ok(()),
    )
}
