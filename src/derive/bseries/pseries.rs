//! P-series of partitioned Runge–Kutta methods and their modified equations, exactly, over bi-coloured trees.
//!
//! # The method
//! A partitioned Runge–Kutta method for `y' = f(y, z)` (part 1) and `z' = g(y, z)` (part 2) has one tableau per
//! part, `(a_ij, b_i)` for part 1 and `(â_ij, b̂_i)` for part 2, with the same stages:
//! `Y_i = y + h Σ_j a_ij f(Y_j, Z_j)`, `Z_i = z + h Σ_j â_ij g(Y_j, Z_j)`, `y_1 = y + h Σ_i b_i f(Y_i, Z_i)`,
//! `z_1 = z + h Σ_i b̂_i g(Y_i, Z_i)`. Its P-series (GNI = Hairer, Lubich & Wanner, *Geometric Numerical
//! Integration*, 2nd ed., Sect. III.2.1, Theorem III.2.4) is indexed by bi-coloured trees ([`super::coloured`];
//! colour 1 = part 1, colour 2 = part 2) with the elementary weights
//! `Φ(t) = Σ_i b^{(c(root))}_i Π_{children u} Φ_i(u)`, `Φ_i(u) = Σ_j a^{(c(u))}_{ij} Π_{children v of u} Φ_j(v)`:
//! the tableau of a vertex's colour gives the weight of the edge into it, the root's colour chooses `b`.
//!
//! # Normalisation
//! As for B-series ([`super::series`], [`super::modified`]), with `σ` the number of colour-preserving
//! automorphisms: method `(y_1, z_1) = (y, z) + Σ_t h^{|t|} a(t)/σ(t) F(t)` with `a = Φ` (exact flow `1/γ(t)`),
//! modified field `f̃ = Σ_t h^{|t|-1} b̃(t)/σ(t) F(t)`, where `F(t)` of a colour-`c` root has only part-`c`
//! components ([`super::diff::ColouredElementaryDifferentials`]).
//!
//! # Modified equation
//! The graded Lie-derivative recursion of [`super::modified`] (Algorithm 1), unchanged: `b̃(t) = a(t) −
//! Σ_{k≥2} G_k(t)/k!` with the grafting product over single-edge cuts, which keep the colours (GNI Sect. IX.9–IX.10;
//! Chartier, Hairer & Vilmart, FoCM 10 (2010)). When both parts share one tableau
//! the coefficient of every colouring is the B-series coefficient of the uncoloured tree (tested).

use std::sync::Arc;

use crate::algebra::Coef;
use crate::derive::bseries::coloured::{ColouredForest, ColouredTreeData, ColouredTreeId};
use crate::derive::bseries::modified::{exact_flow_coefficients, solve_flow_equation, SeriesError};
use crate::derive::bseries::series::SeriesKind;
use crate::derive::bseries::tableau::ButcherTableau;
use crate::derive::taylor::{partitioned_tableaus, PartitionedRk, TaylorError};

/// One-sentence normalisation of a modified-equation P-series.
pub const P_FIELD_NORMALIZATION: &str = "f~(y) = sum_t h^(|t|-1) b(t)/sigma(t) F(t)(y) over bi-coloured trees t (sigma(t) counts colour-preserving automorphisms; f_l collects the trees with |t| = l+1), and the exact flow of f~ over time h equals the method y1 = y + sum_t h^|t| a(t)/sigma(t) F(t)(y), a(t) = Phi(t) the partitioned elementary weight (exact flow: a(t) = 1/gamma(t)).";

/// One-sentence normalisation of a method P-series.
pub const P_METHOD_NORMALIZATION: &str = "y1 = y + sum_t h^|t| a(t)/sigma(t) F(t)(y) over bi-coloured trees t (sigma(t) counts colour-preserving automorphisms), with a(t) = Phi(t) the partitioned elementary weight (exact flow: a(t) = 1/gamma(t)).";

/// The colour convention, one sentence per method (`{1}`, `{2}`: the tableaus of the parts).
pub fn colour_convention(part1: &str, part2: &str) -> String {
    format!("colour 1 (•) = part 1 ({part1}: in bea derive and bea verify the first half of the variables, or those named by --part1), colour 2 (∘) = part 2 ({part2}: the other variables); y in the normalisation is the whole state (both parts); a colour-c vertex stands for the part-c components of the field, a child of colour c differentiates its parent along the part-c variables, and the root's colour is the part of the components F(t) has.")
}

/// A truncated P-series: one exact coefficient per bi-coloured tree of order `1..=forest.max_order()`.
///
/// ```
/// use bea::derive::bseries::pseries::{modified_pseries, PSeries};
/// let se = PSeries::of_named("symplectic-euler", 2).unwrap();
/// let m = modified_pseries(&se).unwrap();
/// let c = |l: &[u32], col: &[u8]| m.coefficient_of(l, col).unwrap().to_string();
/// // part 1 implicit Euler, part 2 explicit Euler: f_1 = ½(f_y f − f_z g, g_y f − g_z g) (tests/taylor.rs)
/// assert_eq!((c(&[1, 2], &[1, 1]), c(&[1, 2], &[1, 2]), c(&[1, 2], &[2, 1]), c(&[1, 2], &[2, 2])),
///            ("1/2".into(), "-1/2".into(), "1/2".into(), "-1/2".into()));
/// ```
#[derive(Clone, Debug)]
pub struct PSeries {
    name: String,
    parts: [String; 2],
    kind: SeriesKind,
    forest: Arc<ColouredForest>,
    coefficients: Vec<Coef>,
}

impl PSeries {
    /// Wraps coefficients (one per tree of `forest`).
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn new(
        name: &str,
        parts: [&str; 2],
        kind: SeriesKind,
        forest: Arc<ColouredForest>,
        coefficients: Vec<Coef>,
    ) -> Self {
        assert_eq!(forest.len(), coefficients.len(), "one coefficient per tree");
        PSeries { name: name.to_string(), parts: parts.map(str::to_string), kind, forest, coefficients }
    }

    /// The method P-series `a(t) = Φ(t)` of the tableau pair `(part1, part2)` up to `order`.
    pub fn of_pair(
        name: &str,
        part1: &ButcherTableau,
        part2: &ButcherTableau,
        order: usize,
    ) -> Result<Self, TaylorError> {
        Self::of_pair_in(name, part1, part2, Arc::new(ColouredForest::new(order)))
    }

    /// As [`PSeries::of_pair`], on a given forest. Both parts must have the same number of stages.
    pub fn of_pair_in(
        name: &str,
        part1: &ButcherTableau,
        part2: &ButcherTableau,
        forest: Arc<ColouredForest>,
    ) -> Result<Self, TaylorError> {
        // The same shape checks as the Taylor path (stages, consistency).
        PartitionedRk::new(name, vec![part1.clone(), part2.clone()], vec![0, 1])?;
        let coefficients = partitioned_elementary_weights(part1, part2, &forest);
        Ok(Self::new(name, [part1.name(), part2.name()], SeriesKind::Method, forest, coefficients))
    }

    /// The P-series of a partitioned built-in ([`crate::derive::taylor::PARTITIONED_METHODS`]).
    pub fn of_named(name: &str, order: usize) -> Result<Self, TaylorError> {
        let (canonical, [p1, p2]) = partitioned_tableaus(name)?;
        Self::of_pair(&canonical, &p1, &p2, order)
    }

    /// The exact flow `a(t) = 1/γ(t)`.
    pub fn exact_flow(order: usize) -> Self {
        let forest = Arc::new(ColouredForest::new(order));
        let coefficients = forest.trees().iter().map(|d| Coef::new(1, i128::from(d.gamma))).collect();
        Self::new("exact-flow", ["exact", "exact"], SeriesKind::Method, forest, coefficients)
    }

    /// Name of the method.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Names of the tableaus of part 1 and part 2.
    pub fn parts(&self) -> [&str; 2] {
        [&self.parts[0], &self.parts[1]]
    }

    /// What the coefficients describe.
    pub fn kind(&self) -> SeriesKind {
        self.kind
    }

    /// The forest.
    pub fn forest(&self) -> &Arc<ColouredForest> {
        &self.forest
    }

    /// Truncation order.
    pub fn order(&self) -> usize {
        self.forest.max_order()
    }

    /// Coefficients indexed by [`ColouredTreeId`].
    pub fn coefficients(&self) -> &[Coef] {
        &self.coefficients
    }

    /// Coefficient of tree `id`.
    pub fn coefficient(&self, id: ColouredTreeId) -> &Coef {
        &self.coefficients[id]
    }

    /// Coefficient of a tree given by any valid (levels, colours) pair.
    pub fn coefficient_of(&self, levels: &[u32], colours: &[u8]) -> Option<&Coef> {
        self.forest.id_of(levels, colours).map(|id| &self.coefficients[id])
    }

    /// `(tree data, coefficient)` pairs in forest order.
    pub fn iter(&self) -> impl Iterator<Item = (&ColouredTreeData, &Coef)> {
        self.forest.trees().iter().zip(&self.coefficients)
    }
}

/// Elementary weights `Φ(t)` of the pair `(part1, part2)` for every tree of `forest` (module docs), memoised:
/// `stage[t]_i = Π_{children u} (A^{(c(u))} stage[u])_i`, `Φ(t) = b^{(c(root))} · stage[t]`.
///
/// # Panics
/// If the parts have different numbers of stages.
pub fn partitioned_elementary_weights(
    part1: &ButcherTableau,
    part2: &ButcherTableau,
    forest: &ColouredForest,
) -> Vec<Coef> {
    let s = part1.stages();
    assert_eq!(s, part2.stages(), "both parts need the same stages");
    let parts = [part1, part2];
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
        let tab = parts[usize::from(d.tree.colours()[0] - 1)];
        a_times.push((0..s).map(|i| dot(&tab.a()[i], &stage)).collect());
        weights.push(dot(tab.b(), &stage));
    }
    weights
}

fn dot(x: &[Coef], y: &[Coef]) -> Coef {
    x.iter().zip(y).filter(|(a, b)| !a.is_zero() && !b.is_zero()).fold(Coef::zero(), |acc, (a, b)| acc.add(&a.mul(b)))
}

fn expect_kind(series: &PSeries, kind: SeriesKind) -> Result<(), SeriesError> {
    if series.kind() == kind {
        Ok(())
    } else {
        Err(SeriesError::WrongKind { expected: format!("{kind:?}"), found: format!("{:?}", series.kind()) })
    }
}

/// Modified-equation coefficients `b̃` of a method P-series (the graded recursion of [`super::modified`]).
pub fn modified_pseries(method: &PSeries) -> Result<PSeries, SeriesError> {
    expect_kind(method, SeriesKind::Method)?;
    let b = solve_flow_equation(method.forest().as_ref(), method.coefficients(), &[Coef::one()]);
    Ok(PSeries { kind: SeriesKind::VectorField, coefficients: b, ..method.clone() })
}

/// The exact time-`h` flow `Σ_k G_k/k!` of a field P-series (the inverse of [`modified_pseries`]).
///
/// ```
/// use bea::derive::bseries::pseries::{exact_flow_of_pfield, modified_pseries, PSeries};
/// let sv = PSeries::of_named("stormer-verlet", 6).unwrap();
/// assert_eq!(exact_flow_of_pfield(&modified_pseries(&sv).unwrap()).unwrap().coefficients(), sv.coefficients());
/// ```
pub fn exact_flow_of_pfield(field: &PSeries) -> Result<PSeries, SeriesError> {
    expect_kind(field, SeriesKind::VectorField)?;
    let a = exact_flow_coefficients(field.forest().as_ref(), field.coefficients());
    Ok(PSeries { kind: SeriesKind::Method, coefficients: a, ..field.clone() })
}
