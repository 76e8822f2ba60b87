//! Gradient structure of a vector-field B-series applied to a gradient system.
//!
//! # Result (derived here; see the proof sketch)
//! Let `f = -∇E` and `c` a field B-series. For each order `n`, the combination
//! `Σ_{|t|=n} c(t)/σ(t) F(t)` is a gradient field **for every `E` (in every dimension)** iff
//!
//! > `c(u ∘ v) = c(v ∘ u)` for all trees `u, v` with `|u| + |v| = n`,
//!
//! where `u ∘ v` grafts `v` onto the root of `u` (Butcher product). Equivalently: `c` is constant on
//! the rootings of every *free* (unrooted) tree `T` of order `n`. Applied to the modified field
//! `b̃` of a method: `f_l` is a gradient field for all `E` iff `b̃` satisfies this for `n = l + 1`,
//! and then `f_l = -∇E_l` with
//!
//! > `E_l = (-1)^l Σ_{free T, |T| = l+1} b̃(T)/σ(T) · P_T(E)`,
//!
//! `σ(T) = |Aut(T)|` and `P_T(E)` the full contraction of derivative tensors of `E` along `T` (a vertex
//! of degree `d` carries `∂^d E`; `P_• = E`, `P_{•-•} = |∇E|²`). For explicit Euler this gives
//! `E_1 = |∇E|²/4`. This is the gradient analogue of the condition `b(u∘v) + b(v∘u) = 0` for
//! Hamiltonian modified fields of symplectic B-series methods (GNI Sect. IX.9.4; Chartier, Faou &
//! Murua, Numer. Math. 103 (2006)): with `J⁻¹` on every edge a reroot flips a sign; with `∇E` it
//! does not.
//!
//! # Proof sketch
//! For `f = ∇E` (the sign of `f` multiplies `F(t)` by `(-1)^{|t|}`, the same for all trees of one
//! order) every vertex tensor `∂^{k}f_i = ∂_i∂^{k}E` is fully symmetric, so `F(t)` is the contraction
//! along the *free* tree of `t` with a free index at the root. Differentiating `P_T` puts the new
//! index on each vertex in turn: `∇P_T = Σ_{v ∈ T} F(T rooted at v) = σ(T) Σ_{rootings t} F(t)/σ(t)`
//! (a rooting `t` arises from `σ(T)/σ(t)` vertices). Hence constancy on rootings is sufficient.
//! Necessity: `∂_k F(t)_i` is a sum over vertices `w` of contractions with free index `i` at the root
//! `r` and `k` at `w`; in the Jacobian of `Σ c(t)/σ(t)F(t)` the doubly-marked class `(T, r, w)` has
//! coefficient `c(T_r)/|Aut(T,r,w)|`, and symmetry of the Jacobian pairs it with `(T, w, r)`, which has
//! coefficient `c(T_w)/|Aut(T,w,r)|` — the same group. For generic `E` in high enough dimension
//! distinct doubly-marked contractions are linearly independent (they are distinct `O(d)`-invariant
//! tensor networks), so `c(T_r) = c(T_w)` for all vertices `r, w`. The crate tests confirm the
//! necessity computationally: the exact null space of `c ↦ antisym(Jacobian)` for a generic quintic
//! `E` in three variables is spanned by the free-tree indicators for orders 2..=5.

use std::collections::HashMap;

use crate::algebra::Coef;

use crate::derive::bseries::diff::{DerivCache, DiffAlgebra, ElementaryDifferentials};
use crate::derive::bseries::modified::SeriesError;
use crate::derive::bseries::series::{BSeries, SeriesKind};
use crate::derive::bseries::trees::{canonical_levels, Forest, RootedTree, TreeId};

/// The rooted trees obtained from one free tree by choosing the root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeTreeClass {
    /// Number of vertices.
    pub order: usize,
    /// Distinct rootings (ids in the forest), increasing.
    pub rootings: Vec<TreeId>,
    /// `σ(T)`: order of the automorphism group of the free tree.
    pub sigma: u64,
}

/// Canonical level sequence of the tree re-rooted at vertex `v` (preorder index).
///
/// ```
/// use bea::derive::bseries::structure::reroot;
/// assert_eq!(reroot(&[1, 2, 3], 2), vec![1, 2, 3]);
/// assert_eq!(reroot(&[1, 2, 3], 1), vec![1, 2, 2]);
/// ```
pub fn reroot(levels: &[u32], v: usize) -> Vec<u32> {
    let n = levels.len();
    let mut adj = vec![Vec::new(); n];
    let mut last = vec![0usize; n + 2];
    for (i, &l) in levels.iter().enumerate() {
        last[l as usize] = i;
        if l > 1 {
            let p = last[l as usize - 1];
            adj[p].push(i);
            adj[i].push(p);
        }
    }
    let mut out = Vec::with_capacity(n);
    let mut stack = vec![(v, usize::MAX, 1u32)];
    while let Some((x, parent, depth)) = stack.pop() {
        out.push(depth);
        for &y in adj[x].iter().rev() {
            if y != parent {
                stack.push((y, x, depth + 1));
            }
        }
    }
    canonical_levels(&out)
}

/// The free trees of order `n`, each with its rootings and `σ(T)`.
///
/// ```
/// use bea::derive::bseries::{structure::free_tree_classes, trees::Forest};
/// let forest = Forest::new(10);
/// let counts: Vec<usize> = (1..=10).map(|n| free_tree_classes(&forest, n).len()).collect();
/// assert_eq!(counts, vec![1, 1, 1, 2, 3, 6, 11, 23, 47, 106]); // OEIS A000055
/// ```
pub fn free_tree_classes(forest: &Forest, n: usize) -> Vec<FreeTreeClass> {
    let mut seen: HashMap<TreeId, usize> = HashMap::new();
    let mut classes = Vec::new();
    for id in forest.ids_of_order(n) {
        if seen.contains_key(&id) {
            continue;
        }
        let d = forest.get(id);
        let roots: Vec<TreeId> =
            (0..n).map(|v| forest.id_of_levels(&reroot(d.tree.levels(), v)).expect("same order")).collect();
        let fixed = roots.iter().filter(|&&r| r == id).count() as u64;
        let mut rootings = roots;
        rootings.sort_unstable();
        rootings.dedup();
        for &r in &rootings {
            seen.insert(r, classes.len());
        }
        classes.push(FreeTreeClass { order: n, rootings, sigma: d.sigma * fixed });
    }
    classes
}

/// Verdict for one power `h^l` of a field series applied to `f = -∇E`.
#[derive(Clone, Debug, PartialEq)]
pub struct GradientVerdict {
    /// The power of `h` (`f_l` collects trees of order `l + 1`).
    pub l: usize,
    /// Whether `f_l` is a gradient field for every `E` (true also when `f_l = 0`).
    pub gradient: bool,
    /// Whether all coefficients of order `l + 1` vanish.
    pub vanishes: bool,
    /// Free trees whose rootings carry different coefficients: `(rooting, coefficient)` lists.
    pub violations: Vec<Vec<(RootedTree, Coef)>>,
    /// When gradient: `E_l = Σ coefficient · P_T` as `(a rooting of T, coefficient)` pairs, zero terms
    /// omitted (with `f_l = -∇E_l` for `f = -∇E`).
    pub potential: Vec<(RootedTree, Coef)>,
}

/// Applies the condition `c(u∘v) = c(v∘u)` to the trees of order `l + 1` of a field series.
///
/// ```
/// use bea::derive::bseries::{modified::modified_equation, series::BSeries, structure::gradient_verdict,
///                   tableau::{ButcherTableau, rat}};
/// let b = modified_equation(&BSeries::of_method(&ButcherTableau::named("euler").unwrap(), 3)).unwrap();
/// let v1 = gradient_verdict(&b, 1).unwrap();
/// assert!(v1.gradient);
/// assert_eq!(v1.potential[0].1, rat(1, 4)); // E_1 = |∇E|²/4
/// assert!(!gradient_verdict(&b, 2).unwrap().gradient); // 1/3 f'f'f + 1/12 f''(f,f) is not
/// ```
pub fn gradient_verdict(field: &BSeries, l: usize) -> Result<GradientVerdict, SeriesError> {
    if field.kind() != SeriesKind::VectorField {
        return Err(SeriesError::WrongKind { expected: "VectorField".into(), found: format!("{:?}", field.kind()) });
    }
    if l + 1 > field.order() {
        return Err(SeriesError::OrderTooHigh { requested: l + 1, available: field.order() });
    }
    let forest = field.forest();
    let mut verdict = GradientVerdict { l, gradient: true, vanishes: true, violations: vec![], potential: vec![] };
    let sign = if l.is_multiple_of(2) { Coef::one() } else { Coef::int(-1) };
    for class in free_tree_classes(forest, l + 1) {
        let coeffs: Vec<&Coef> = class.rootings.iter().map(|&r| field.coefficient(r)).collect();
        verdict.vanishes &= coeffs.iter().all(|c| c.is_zero());
        if coeffs.iter().any(|c| *c != coeffs[0]) {
            verdict.gradient = false;
            let list = class.rootings.iter().map(|&r| (forest.get(r).tree.clone(), field.coefficient(r).clone()));
            verdict.violations.push(list.collect());
        } else if !coeffs[0].is_zero() {
            let c = sign.mul(coeffs[0]).mul(&Coef::new(1, i128::from(class.sigma)));
            verdict.potential.push((forest.get(class.rootings[0]).tree.clone(), c));
        }
    }
    if !verdict.gradient {
        verdict.potential.clear();
    }
    Ok(verdict)
}

/// Verdicts for `l = 1..=max_l`.
pub fn gradient_report(field: &BSeries, max_l: usize) -> Result<Vec<GradientVerdict>, SeriesError> {
    (1..=max_l).map(|l| gradient_verdict(field, l)).collect()
}

/// The free-tree potential `P_T(E)` computed from a rooting `t = [t_1 … t_m]` of `T`:
/// `P_T = Σ_J ∂_J E · Π_k F(t_k)[∇E]_{J_k}` (`P_• = E`).
///
/// ```
/// use bea::algebra::{Algebra, Coef};
/// use bea::derive::bseries::{structure::tree_potential, trees::RootedTree};
/// let mut alg = Algebra::new(2);
/// let (x, y) = (alg.state(0), alg.state(1));
/// let (x2, y2) = (alg.mul(&x, &x), alg.mul(&y, &y));
/// let e = alg.add(&x2, &alg.scale(&y2, &Coef::int(3))); // x² + 3y²
/// let p = tree_potential(&mut alg, &e, &RootedTree::from_levels(&[1, 2]).unwrap());
/// let want = alg.add(&alg.scale(&x2, &Coef::int(4)), &alg.scale(&y2, &Coef::int(36)));
/// assert!(alg.equal(&p, &want)); // |∇E|²
/// ```
pub fn tree_potential<A: DiffAlgebra>(alg: &mut A, energy: &A::Elem, tree: &RootedTree) -> A::Elem {
    let grad: Vec<A::Elem> = (0..alg.dim()).map(|j| alg.diff(energy, j)).collect();
    let mut eds = ElementaryDifferentials::new(alg, &grad).expect("dimension matches");
    let kids: Vec<Vec<A::Elem>> = tree.children().iter().map(|c| eds.get(alg, c)).collect();
    let refs: Vec<&[A::Elem]> = kids.iter().map(|v| v.as_slice()).collect();
    DerivCache::new(std::slice::from_ref(energy)).contract(alg, 0, &refs)
}

/// `E_l = Σ coefficient · P_T` of a gradient verdict, for a concrete energy.
pub fn potential_of<A: DiffAlgebra>(alg: &mut A, energy: &A::Elem, verdict: &GradientVerdict) -> A::Elem {
    let mut acc = alg.zero();
    for (t, c) in &verdict.potential {
        let p = tree_potential(alg, energy, t);
        let p = alg.scale(&p, c);
        acc = alg.add(&acc, &p);
    }
    acc
}
