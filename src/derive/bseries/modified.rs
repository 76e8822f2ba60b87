//! Modified-equation B-series of a method, exactly, by two independent algorithms.
//!
//! # What is computed
//! Given a method B-series `a` ([`crate::derive::bseries::series::METHOD_NORMALIZATION`]), find the vector-field
//! B-series `b̃` with `f̃ = Σ_t h^{|t|-1} b̃(t)/σ(t) F(t)` ([`FIELD_NORMALIZATION`]) whose exact flow over
//! time `h` equals the method: `exp(h f̃) = y + Σ_t h^{|t|} a(t)/σ(t) F(t)`. The `h^l` term of the
//! modified field is `f_l = Σ_{|t|=l+1} b̃(t)/σ(t) F(t)`. For explicit Euler `b̃([•]) = -1/2`,
//! `b̃([[•]]) = 1/3`, `b̃([•,•]) = 1/6`, i.e. `f_1 = -½ f'f`, `f_2 = ⅓ f'f'f + (1/12) f''(f,f)` (GNI IX.1).
//!
//! # Algorithm 1 (default, [`modified_equation`]): graded Lie-derivative recursion
//! Taylor's formula for the exact flow, `y(h) = y + Σ_{k>=1} h^k/k! (D_{f̃}^{k-1} f̃)(y)` with
//! `D_g F = F'g`, is written on trees. If `F = B(α)` and `g = B(β)` are field B-series, then
//! `F'g = B(α ⊳ β)` with the pre-Lie (grafting) product
//! `(α ⊳ β)(t) = Σ_{edges e of t} α(trunk_e(t)) β(branch_e(t))`, the sum running over the single-edge
//! cuts of `t` (trunk keeps the root); this is the σ-normalised dual of grafting (Chartier, Hairer &
//! Vilmart, "Algebraic structures of B-series", FoCM 10 (2010) 407-427; GNI Sect. IX.9). With `G_1 = b̃` and `G_k = G_{k-1} ⊳ b̃`,
//! the flow has coefficients `Σ_k G_k(t)/k!` (powers of `h` are automatic: a tree carries `h^{|t|}`).
//! Since `G_k(t)`, `k >= 2`, only involves `b̃` on smaller trees,
//! `b̃(t) = a(t) - Σ_{k=2}^{|t|} G_k(t)/k!`, order by order. Cost: `Σ_t (|t|-1)²` products.
//! This is the tree form of the graded recursion in the bea guide (Sect. 2) and equals `log` of `a`
//! in the Butcher group.
//!
//! # Algorithm 2 ([`modified_equation_substitution`]): substitution law
//! The exact flow of the field `h^{-1}B(b)` is `B(b ⋆ e)` with `e(t) = 1/γ(t)` and the substitution
//! law `(b ⋆ a)(t) = Σ_{partitions} a(skeleton) Π_{pieces s} b(s)` over all `2^{|t|-1}` subsets of
//! edges of `t` (Chartier, Hairer & Vilmart 2010, the substitution law; GNI Sect. IX.9).
//! Solving `a = b̃ ⋆ e` order by order (the empty cut contributes `b̃(t)`) gives `b̃` again.

use std::sync::Arc;

use crate::algebra::Coef;

use crate::derive::bseries::series::{BSeries, SeriesKind};
use crate::derive::bseries::trees::{canonical_levels, Forest, TreeId};

/// One-sentence normalisation of a vector-field B-series.
pub const FIELD_NORMALIZATION: &str =
    "f~(y) = sum_t h^(|t|-1) b(t)/sigma(t) F(t)(y) (so f_l collects the trees with |t| = l+1), and the exact flow of f~ over time h equals the method y1 = y + sum_t h^|t| a(t)/sigma(t) F(t)(y).";

/// Errors of the series algorithms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SeriesError {
    /// A method series was expected and a field series given, or vice versa.
    #[error("expected a {expected} B-series, got a {found} B-series")]
    WrongKind {
        /// Expected kind.
        expected: String,
        /// Found kind.
        found: String,
    },
    /// The requested order exceeds the truncation order of the series.
    #[error("order {requested} requested but the series is truncated at order {available}")]
    OrderTooHigh {
        /// Requested.
        requested: usize,
        /// Available.
        available: usize,
    },
}

fn expect_kind(series: &BSeries, kind: SeriesKind) -> Result<(), SeriesError> {
    if series.kind() == kind {
        Ok(())
    } else {
        Err(SeriesError::WrongKind { expected: format!("{kind:?}"), found: format!("{:?}", series.kind()) })
    }
}

/// Modified-equation coefficients `b̃` of a method series (Algorithm 1 of the module docs).
///
/// ```
/// use bea::derive::bseries::{modified::modified_equation, series::BSeries, tableau::ButcherTableau};
/// let euler = BSeries::of_method(&ButcherTableau::named("explicit_euler").unwrap(), 3);
/// let m = modified_equation(&euler).unwrap();
/// let c = |l: &[u32]| m.coefficient_of_levels(l).unwrap().to_string();
/// assert_eq!((c(&[1]), c(&[1, 2]), c(&[1, 2, 3]), c(&[1, 2, 2])),
///            ("1".into(), "-1/2".into(), "1/3".into(), "1/6".into()));
/// ```
pub fn modified_equation(method: &BSeries) -> Result<BSeries, SeriesError> {
    expect_kind(method, SeriesKind::Method)?;
    let weights = vec![Coef::one(); method.order().max(1)];
    let b = solve_flow_equation(method.forest().as_ref(), method.coefficients(), &weights);
    Ok(BSeries::new(method.name(), SeriesKind::VectorField, method.forest().clone(), b))
}

/// `1/k!` for `k = 0..=n`.
fn inverse_factorials(n: usize) -> Vec<Coef> {
    let mut out = vec![Coef::one()];
    for k in 1..=n {
        let prev = out[k - 1].clone();
        out.push(prev.mul(&Coef::new(1, k as i128)));
    }
    out
}

/// A forest the graded recursion runs on: trees indexed `0..len()`, by non-decreasing order, each with its
/// single-edge cuts `(trunk, branch)` (ids of smaller trees). Rooted trees ([`Forest`]) and bi-coloured trees
/// ([`crate::derive::bseries::coloured::ColouredForest`], P-series) both are: the recursion and the grafting
/// product do not look at colours, the cuts keep them (GNI Sect. IX.10).
pub(crate) trait GraftForest {
    /// Number of trees.
    fn tree_count(&self) -> usize;
    /// Largest order.
    fn top_order(&self) -> usize;
    /// Order of tree `id`.
    fn order_of(&self, id: usize) -> usize;
    /// Single-edge cuts of tree `id`.
    fn cuts_of(&self, id: usize) -> &[(usize, usize)];
}

impl GraftForest for Forest {
    fn tree_count(&self) -> usize {
        self.len()
    }
    fn top_order(&self) -> usize {
        self.max_order()
    }
    fn order_of(&self, id: usize) -> usize {
        self.get(id).order
    }
    fn cuts_of(&self, id: usize) -> &[(usize, usize)] {
        &self.get(id).cuts
    }
}

impl GraftForest for crate::derive::bseries::coloured::ColouredForest {
    fn tree_count(&self) -> usize {
        self.len()
    }
    fn top_order(&self) -> usize {
        self.max_order()
    }
    fn order_of(&self, id: usize) -> usize {
        self.get(id).order
    }
    fn cuts_of(&self, id: usize) -> &[(usize, usize)] {
        &self.get(id).cuts
    }
}

/// `G_k(t) = Σ_{cuts} G_{k-1}(trunk) b(branch)` for one tree and one `k >= 2`.
fn graft_power(cuts: &[(usize, usize)], prev: &[Coef], b: &[Coef]) -> Coef {
    let mut acc = Coef::zero();
    for &(trunk, branch) in cuts {
        if b[branch].is_zero() || prev[trunk].is_zero() {
            continue;
        }
        acc = acc.add(&prev[trunk].mul(&b[branch]));
    }
    acc
}

/// Solves `Σ_{k>=1} w_k/k! G_k(t) = target(t)` for the field `b = G_1`, tree by tree in order.
///
/// `w_k = 1` is the one-step modified equation; `w_k = 1 + (-1)^k β` is heavy-ball momentum
/// ([`crate::derive::bseries::momentum`]). Requires `w_1 != 0`; `weights[k-1] = w_k` (missing entries repeat the last).
pub(crate) fn solve_flow_equation<F: GraftForest + ?Sized>(forest: &F, target: &[Coef], weights: &[Coef]) -> Vec<Coef> {
    let n_max = forest.top_order();
    let inv_fact = inverse_factorials(n_max);
    let w = |k: usize| weights.get(k - 1).unwrap_or_else(|| weights.last().unwrap());
    let factors: Vec<Coef> = (0..=n_max).map(|k| if k == 0 { Coef::zero() } else { w(k).mul(&inv_fact[k]) }).collect();
    let inv_w1 = w(1).recip().expect("w_1 != 0 (checked by the callers)");
    let ntrees = forest.tree_count();
    let mut b = vec![Coef::zero(); ntrees];
    // g[k][t] = G_k(t); row 0 unused.
    let mut g = vec![vec![Coef::zero(); ntrees]; n_max + 1];
    for id in 0..ntrees {
        if super::deadline::expired() {
            break; // the caller discards b (see `deadline`)
        }
        let cuts = forest.cuts_of(id);
        let mut rhs = target[id].clone();
        for k in 2..=forest.order_of(id) {
            let acc = graft_power(cuts, &g[k - 1], &b);
            if !acc.is_zero() {
                rhs = rhs.sub(&factors[k].mul(&acc));
                g[k][id] = acc;
            }
        }
        b[id] = rhs.mul(&inv_w1);
        g[1][id] = b[id].clone();
    }
    b
}

/// Coefficients `Σ_k G_k(t)/k!` of the exact time-`h` flow of a field series `b` (the inverse of
/// [`modified_equation`]: `exp` in the Butcher group).
///
/// ```
/// use bea::derive::bseries::{modified::*, series::BSeries, tableau::ButcherTableau};
/// let rk4 = BSeries::of_method(&ButcherTableau::named("rk4").unwrap(), 6);
/// let back = exact_flow_of_field(&modified_equation(&rk4).unwrap()).unwrap();
/// assert_eq!(back.coefficients(), rk4.coefficients());
/// ```
pub fn exact_flow_of_field(field: &BSeries) -> Result<BSeries, SeriesError> {
    expect_kind(field, SeriesKind::VectorField)?;
    let a = exact_flow_coefficients(field.forest().as_ref(), field.coefficients());
    Ok(BSeries::new(field.name(), SeriesKind::Method, field.forest().clone(), a))
}

/// `Σ_k G_k(t)/k!` with `G_1 = b`, `G_k = G_{k-1} ⊳ b` on any [`GraftForest`].
pub(crate) fn exact_flow_coefficients<F: GraftForest + ?Sized>(forest: &F, b: &[Coef]) -> Vec<Coef> {
    let inv_fact = inverse_factorials(forest.top_order());
    let mut prev = b.to_vec();
    let mut a = b.to_vec();
    for inv_k in inv_fact.iter().skip(2) {
        let next: Vec<Coef> = (0..forest.tree_count()).map(|id| graft_power(forest.cuts_of(id), &prev, b)).collect();
        for (ai, gi) in a.iter_mut().zip(&next) {
            *ai = ai.add(&gi.mul(inv_k));
        }
        prev = next;
    }
    a
}

/// Parent index of each vertex of a level sequence (`usize::MAX` for the root).
fn parents(levels: &[u32]) -> Vec<usize> {
    let mut last_at_level = vec![usize::MAX; levels.len() + 2];
    levels
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            last_at_level[l as usize] = i;
            if l == 1 {
                usize::MAX
            } else {
                last_at_level[l as usize - 1]
            }
        })
        .collect()
}

/// Calls `visit(skeleton, pieces)` for every non-empty subset of edges of tree `id` (each edge
/// subset is cut; the pieces are the components, the skeleton the tree of contracted components).
fn for_each_partition(forest: &Forest, id: TreeId, mut visit: impl FnMut(TreeId, &[TreeId])) {
    let lv = forest.get(id).tree.levels();
    let n = lv.len();
    let parent = parents(lv);
    let (mut comp, mut depth, mut sdepth) = (vec![0; n], vec![1u32; n], vec![1u32; n]);
    let mut slot = vec![0usize; n];
    for mask in 1u64..(1u64 << (n - 1)) {
        let mut roots = vec![0usize];
        for i in 1..n {
            let p = parent[i];
            if (mask >> (i - 1)) & 1 == 1 {
                comp[i] = i;
                depth[i] = 1;
                sdepth[i] = sdepth[comp[p]] + 1;
                slot[i] = roots.len();
                roots.push(i);
            } else {
                comp[i] = comp[p];
                depth[i] = depth[p] + 1;
            }
        }
        let mut pieces: Vec<Vec<u32>> = vec![Vec::new(); roots.len()];
        for i in 0..n {
            pieces[slot[comp[i]]].push(depth[i]);
        }
        let skeleton: Vec<u32> = roots.iter().map(|&r| sdepth[r]).collect();
        let ids: Vec<TreeId> = pieces.iter().map(|p| forest.id_of_levels(&canonical_levels(p)).unwrap()).collect();
        visit(forest.id_of_levels(&canonical_levels(&skeleton)).unwrap(), &ids);
    }
}

/// The substitution law `(b ⋆ a)(t) = Σ_{edge subsets} a(skeleton) Π_{pieces} b(piece)` for all trees
/// (the empty subset gives `a(•) b(t)`). `b` is a field series, `a` any series on the same forest.
///
/// ```
/// use bea::derive::bseries::{modified::*, series::BSeries, tableau::ButcherTableau};
/// let m = BSeries::of_method(&ButcherTableau::named("heun").unwrap(), 5);
/// let b = modified_equation(&m).unwrap();
/// let e = BSeries::exact_flow(5);
/// assert_eq!(substitution_product(b.coefficients(), e.coefficients(), m.forest()), m.coefficients());
/// ```
pub fn substitution_product(b: &[Coef], a: &[Coef], forest: &Forest) -> Vec<Coef> {
    (0..forest.len())
        .map(|id| {
            let mut acc = a[0].mul(&b[id]);
            for_each_partition(forest, id, |skel, pieces| {
                acc = acc.add(&pieces.iter().fold(a[skel].clone(), |p, &s| p.mul(&b[s])));
            });
            acc
        })
        .collect()
}

/// Modified-equation coefficients by solving `a = b̃ ⋆ e` with the substitution law (Algorithm 2);
/// an independent check of [`modified_equation`] (exponential cost `2^{|t|-1}` per tree).
///
/// ```
/// use bea::derive::bseries::{modified::*, series::BSeries, tableau::ButcherTableau};
/// let m = BSeries::of_method(&ButcherTableau::named("implicit_midpoint").unwrap(), 6);
/// assert_eq!(modified_equation_substitution(&m).unwrap().coefficients(),
///            modified_equation(&m).unwrap().coefficients());
/// ```
pub fn modified_equation_substitution(method: &BSeries) -> Result<BSeries, SeriesError> {
    expect_kind(method, SeriesKind::Method)?;
    let forest: &Arc<Forest> = method.forest();
    let e: Vec<Coef> = forest.trees().iter().map(|d| Coef::new(1, i128::from(d.gamma))).collect();
    let mut b = vec![Coef::zero(); forest.len()];
    for id in 0..forest.len() {
        let mut acc = method.coefficient(id).clone();
        for_each_partition(forest, id, |skel, pieces| {
            acc = acc.sub(&pieces.iter().fold(e[skel].clone(), |p, &s| p.mul(&b[s])));
        });
        b[id] = acc;
    }
    Ok(BSeries::new(method.name(), SeriesKind::VectorField, forest.clone(), b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::derive::bseries::tableau::{ButcherTableau, BUILTIN_METHODS};

    fn modified(name: &str, order: usize) -> BSeries {
        modified_equation(&BSeries::of_method(&ButcherTableau::named(name).unwrap(), order)).unwrap()
    }

    /// Two independent algorithms agree to order 8 for every built-in method.
    #[test]
    fn recursion_equals_substitution_law() {
        let forest = Arc::new(Forest::new(8));
        for name in BUILTIN_METHODS {
            let m = BSeries::of_method_in(&ButcherTableau::named(name).unwrap(), forest.clone());
            let a = modified_equation(&m).unwrap();
            let b = modified_equation_substitution(&m).unwrap();
            assert_eq!(a.coefficients(), b.coefficients(), "{name}");
        }
    }

    /// GNI ch. IX.1: explicit Euler f_1 = -1/2 f'f, f_2 = 1/3 f'f'f + 1/12 f''(f,f).
    #[test]
    fn explicit_euler_oracle() {
        let m = modified("explicit_euler", 3);
        let c = |l: &[u32]| m.coefficient_of_levels(l).unwrap().clone();
        let r = crate::derive::bseries::tableau::rat;
        assert_eq!(c(&[1, 2]), r(-1, 2));
        assert_eq!(c(&[1, 2, 3]), r(1, 3));
        assert_eq!(c(&[1, 2, 2]).mul(&r(1, 2)), r(1, 12)); // b/σ with σ = 2
    }

    /// Symmetric methods have even expansions (GNI Thm. IX.2.2): implicit midpoint has b̃(t) = 0
    /// for every even |t| (odd power h^{|t|-1}); explicit midpoint does not.
    #[test]
    fn implicit_midpoint_is_even() {
        let im = modified("implicit_midpoint", 10);
        for (d, c) in im.iter() {
            if d.order % 2 == 0 {
                assert!(c.is_zero(), "{} {}", d.tree, c);
            }
        }
        let em = modified("explicit_midpoint", 6);
        assert!(em.iter().any(|(d, c)| d.order % 2 == 0 && !c.is_zero()));
    }

    /// An order-p method has b̃(t) = 0 for 2 <= |t| <= p (GNI Thm. IX.1.2) and not at p+1.
    #[test]
    fn order_p_methods_vanish_up_to_p() {
        for (name, p) in [("heun", 2), ("explicit_midpoint", 2), ("rk4", 4), ("ssprk33", 3)] {
            let m = modified(name, p + 1);
            for (d, c) in m.iter().filter(|(d, _)| d.order <= p) {
                assert_eq!(c.is_zero(), d.order >= 2, "{name} {}", d.tree);
            }
            assert!(m.iter().any(|(d, c)| d.order == p + 1 && !c.is_zero()), "{name}");
        }
    }
}
