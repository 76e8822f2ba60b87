//! A second derivation path for one-step methods: expand the numerical step itself in powers of `h`, then match
//! it with the exact flow of the modified field. It needs no trees, so it also covers **partitioned** Runge–Kutta
//! methods (symplectic Euler, Störmer–Verlet) as a second algorithm beside their P-series
//! ([`crate::derive::bseries::pseries`]; the tests compare the two), and it is an independent algorithm for
//! ordinary Runge–Kutta methods, which the tests compare with the B-series path.
//!
//! # The method
//! A partitioned Runge–Kutta method gives each component `m` of `y' = f(y)` its own tableau `(A^{p(m)}, b^{p(m)})`
//! (all with the same number of stages `s`):
//! `Y_i = y + h Σ_j a^{p(m)}_{ij} f(Y_j)` (component `m`), `y_1 = y + h Σ_i b^{p(m)}_i f(Y_i)` (component `m`).
//! With one part it is an ordinary (explicit or implicit) Runge–Kutta method. The stage increments `Z_i = Y_i - y`
//! are power series in `h` without constant term; each fixed-point sweep `Z_i <- h Σ_j a_ij f(y + Z_j)` fixes one
//! more power of `h` (the `h` in front), so `J` sweeps give `Z_i` exactly to `h^J` for explicit and implicit
//! methods alike. `f(y + Z)` is expanded as `Σ_α ∂^α f(y) Z^α / α!` over multi-indices `α` truncated at the
//! wanted power of `h`. The step `y_1 = y + Σ_{j≥1} h^j d_j(y)` then feeds the general recursion
//! ([`super::general`]): `f_0 = d_1`, `f_l = d_{l+1} - Σ_{k=2}^{l+1} [h^{l+1-k}] D_{f̃}^{k-1} f̃ / k!`.
//!
//! # Partitioned built-ins
//! By default the variables are split in declared order: the first half is part 1 (`p`, or `u` of Lotka–Volterra),
//! the second half part 2 (`q`, `v`); a problem's `part1` names part 1 instead, in any number and order
//! ([`PartitionedRk::named_split`]). Hairer, Lubich & Wanner, *Geometric Numerical Integration* (GNI), 2nd ed.:
//! - `symplectic-euler`: part 1 implicit Euler, part 2 explicit Euler: `p_1 = p + h f_p(p_1, q)`,
//!   `q_1 = q + h f_q(p_1, q)` (GNI section VI.3, Theorem VI.3.3; on Lotka–Volterra it is the method
//!   `u_1 = u + h u_1 (v - 2)`, `v_1 = v + h v (1 - u_1)` of GNI section I.1 and Example IX.1.3).
//! - `symplectic-euler-b`: the adjoint, part 1 explicit and part 2 implicit: `p_1 = p + h f_p(p, q_1)`,
//!   `q_1 = q + h f_q(p, q_1)`.
//! - `stormer-verlet`: part 1 Lobatto IIIB, part 2 Lobatto IIIA (GNI section II.2, the Lobatto IIIA–IIIB pair): for
//!   `p' = -H_q, q' = H_p` this is `p_{1/2} = p - h/2 H_q(p_{1/2}, q)`, `q_1 = q + h/2 (H_p(p_{1/2}, q) +
//!   H_p(p_{1/2}, q_1))`, `p_1 = p_{1/2} - h/2 H_q(p_{1/2}, q_1)`. Symmetric, order 2.
//!
//! The names `p` and `q` above are the parts, not the problem's variable names: the built-in pendulum declares
//! `q, p`, so by default `q` is part 1 and gets Lobatto IIIB (and implicit Euler under `symplectic-euler`), which
//! is the other Störmer–Verlet variant (the roles of position and momentum exchanged), equally symmetric,
//! symplectic and of order 2. `--part1 p` gives the variant written above.

use super::bseries::tableau::{rat, ButcherTableau, TableauError};
use super::{general, DeriveError, DeriveOptions, Guard, ModifiedEquation};
use crate::algebra::{Algebra, Coef, Elem};
use crate::spec::Problem;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;
use thiserror::Error;

/// The partitioned Runge–Kutta methods bea knows by name (module docs).
pub const PARTITIONED_METHODS: [&str; 3] = ["symplectic-euler", "symplectic-euler-b", "stormer-verlet"];

/// Why a (partitioned) Runge–Kutta method cannot be expanded.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TaylorError {
    /// Not a partitioned built-in.
    #[error("unknown partitioned method '{0}'; known: {known}", known = PARTITIONED_METHODS.join(", "))]
    UnknownMethod(String),
    /// The built-ins split the variables in two halves.
    #[error("{method} splits the variables into two halves (p, q), so it needs an even number of variables, or part 1 named with --part1 (TOML: part1 = [...]); the problem has {dim} ({vars})")]
    OddDimension {
        /// the method
        method: String,
        /// number of variables
        dim: usize,
        /// the variables
        vars: String,
    },
    /// The parts do not fit together.
    #[error("partitioned method {method}: {reason}")]
    Shape {
        /// the method
        method: String,
        /// what is wrong
        reason: String,
    },
    /// A tableau error.
    #[error(transparent)]
    Tableau(#[from] TableauError),
    /// The term budget or the clock.
    #[error(transparent)]
    Derive(#[from] DeriveError),
}

/// The canonical name of a partitioned built-in (case-insensitive, `_` and spaces read as `-`; aliases
/// `symplectic-euler-a`, `imex-euler`, `stoermer-verlet`, `verlet`), or `None`.
///
/// ```
/// use bea::derive::taylor::canonical_partitioned_name;
/// assert_eq!(canonical_partitioned_name("IMEX_Euler"), Some("symplectic-euler"));
/// assert_eq!(canonical_partitioned_name("rk4"), None);
/// ```
pub fn canonical_partitioned_name(name: &str) -> Option<&'static str> {
    match name.trim().to_ascii_lowercase().replace(['_', ' '], "-").as_str() {
        "symplectic-euler" | "symplectic-euler-a" | "imex-euler" => Some("symplectic-euler"),
        "symplectic-euler-b" => Some("symplectic-euler-b"),
        "stormer-verlet" | "stoermer-verlet" | "verlet" => Some("stormer-verlet"),
        _ => None,
    }
}

/// Whether `method` is a partitioned method: a built-in ([`canonical_partitioned_name`]) or a TOML file with a
/// `[part1]` or `[part2]` table ([`pair_from_toml_file`]; whether it is a valid one is checked when it is loaded).
pub fn is_partitioned(method: &str) -> bool {
    canonical_partitioned_name(method).is_some()
        || (method.ends_with(".toml")
            && std::fs::read_to_string(method)
                .ok()
                .and_then(|t| t.parse::<toml::Table>().ok())
                .is_some_and(|t| t.contains_key("part1") || t.contains_key("part2")))
}

/// A partitioned method from a TOML file: a `name` and two tables `[part1]` and `[part2]`, each in the tableau
/// format of [`crate::derive::bseries::tableau`] (`a`, `b`, optional `c`; a part's `name` defaults to
/// `"<name> part k"`). `Ok(None)` when the file has neither table (an ordinary tableau file). Part 1 acts on the
/// variables of `--part1` (default: the first half).
///
/// ```toml
/// name = "lobatto-iiia-iiib"
/// [part1]
/// a = [["0", "0"], ["1/2", "1/2"]]
/// b = ["1/2", "1/2"]
/// [part2]
/// a = [["1/2", "0"], ["1/2", "0"]]
/// b = ["1/2", "1/2"]
/// ```
pub fn pair_from_toml_file(path: &Path) -> Result<Option<(String, [ButcherTableau; 2])>, TaylorError> {
    let file = path.display().to_string();
    let bad = |message: String| TaylorError::Tableau(TableauError::File { path: file.clone(), message });
    let text = std::fs::read_to_string(path)
        .map_err(|e| TaylorError::Tableau(TableauError::Io { path: file.clone(), reason: e.to_string() }))?;
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| bad(e.to_string().trim().to_string()))?;
    if !table.contains_key("part1") && !table.contains_key("part2") {
        return Ok(None);
    }
    if let Some(k) = table.keys().find(|k| !matches!(k.as_str(), "name" | "description" | "part1" | "part2")) {
        return Err(bad(format!("unknown key '{k}' (a partitioned method has name, description, [part1], [part2])")));
    }
    let name = match table.get("name") {
        Some(toml::Value::String(n)) => n.clone(),
        Some(_) => return Err(bad("name must be a string".into())),
        None => return Err(bad("missing name".into())),
    };
    let part = |k: usize| -> Result<ButcherTableau, TaylorError> {
        let key = format!("part{k}");
        let Some(toml::Value::Table(t)) = table.get(&key) else {
            return Err(bad(format!("missing table [{key}] (a partitioned method needs [part1] and [part2])")));
        };
        let mut t = t.clone();
        t.entry("name").or_insert_with(|| toml::Value::String(format!("{name} part {k}")));
        let text = toml::to_string(&t).map_err(|e| bad(e.to_string()))?;
        ButcherTableau::from_toml_str(&text).map_err(|e| bad(format!("[{key}]: {e}")))
    };
    let (p1, p2) = (part(1)?, part(2)?);
    PartitionedRk::new(&name, vec![p1.clone(), p2.clone()], vec![0, 1]).map_err(|e| bad(e.to_string()))?;
    Ok(Some((name, [p1, p2])))
}

/// The tableaus `[part 1, part 2]` of a partitioned method and its name: a built-in ([`PARTITIONED_METHODS`],
/// aliases as [`canonical_partitioned_name`]; the one place they are defined, read by the Taylor path and the
/// P-series of [`crate::derive::bseries::pseries`]) or a TOML file of a pair ([`pair_from_toml_file`]).
///
/// ```
/// use bea::derive::taylor::partitioned_tableaus;
/// let (name, [p1, p2]) = partitioned_tableaus("verlet").unwrap();
/// assert_eq!((name.as_str(), p1.name(), p2.name()), ("stormer-verlet", "lobatto-iiib", "lobatto-iiia"));
/// ```
pub fn partitioned_tableaus(name: &str) -> Result<(String, [ButcherTableau; 2]), TaylorError> {
    let Some(key) = canonical_partitioned_name(name) else {
        return match pair_from_toml_file(Path::new(name)) {
            Ok(Some(pair)) => Ok(pair),
            Ok(None) => Err(TaylorError::UnknownMethod(name.to_string())),
            Err(e) if Path::new(name).exists() => Err(e),
            Err(_) => Err(TaylorError::UnknownMethod(name.to_string())),
        };
    };
    let t = |a: Vec<Vec<(i64, i64)>>, b: Vec<(i64, i64)>, n: &str| {
        let conv = |v: &[(i64, i64)]| v.iter().map(|&(p, q)| rat(p, q)).collect::<Vec<_>>();
        ButcherTableau::new(n, a.iter().map(|r| conv(r)).collect(), conv(&b))
    };
    Ok(match key {
        "symplectic-euler" => (
            "symplectic-euler".to_string(),
            [
                t(vec![vec![(1, 1)]], vec![(1, 1)], "implicit-euler")?,
                t(vec![vec![(0, 1)]], vec![(1, 1)], "explicit-euler")?,
            ],
        ),
        "symplectic-euler-b" => (
            "symplectic-euler-b".to_string(),
            [
                t(vec![vec![(0, 1)]], vec![(1, 1)], "explicit-euler")?,
                t(vec![vec![(1, 1)]], vec![(1, 1)], "implicit-euler")?,
            ],
        ),
        "stormer-verlet" => {
            let half = vec![(1, 2), (1, 2)];
            let iiib = t(vec![vec![(1, 2), (0, 1)], vec![(1, 2), (0, 1)]], half.clone(), "lobatto-iiib")?;
            let iiia = t(vec![vec![(0, 1), (0, 1)], vec![(1, 2), (1, 2)]], half, "lobatto-iiia")?;
            ("stormer-verlet".to_string(), [iiib, iiia])
        }
        _ => return Err(TaylorError::UnknownMethod(name.to_string())),
    })
}

/// A partitioned Runge–Kutta method: one tableau per part, and the part of every component.
#[derive(Clone, Debug, PartialEq)]
pub struct PartitionedRk {
    name: String,
    parts: Vec<ButcherTableau>,
    part_of: Vec<usize>,
}

impl PartitionedRk {
    /// An ordinary Runge–Kutta method on `dim` components (one part).
    pub fn uniform(tableau: &ButcherTableau, dim: usize) -> PartitionedRk {
        PartitionedRk { name: tableau.name().to_string(), parts: vec![tableau.clone()], part_of: vec![0; dim] }
    }

    /// A method from its parts and the part index of each component; every part must have the same number of
    /// stages and weights summing to 1 (consistency), and every part index must exist.
    pub fn new(name: &str, parts: Vec<ButcherTableau>, part_of: Vec<usize>) -> Result<PartitionedRk, TaylorError> {
        let shape = |reason: String| TaylorError::Shape { method: name.to_string(), reason };
        let s = parts.first().ok_or_else(|| shape("no parts".into()))?.stages();
        for (k, t) in parts.iter().enumerate() {
            if t.stages() != s {
                return Err(shape(format!("part {} has {} stages, part 1 has {s}", k + 1, t.stages())));
            }
            let sum = t.b().iter().fold(Coef::zero(), |acc, x| acc.add(x));
            if !sum.is_one() {
                return Err(shape(format!("the weights b of part {} sum to {sum}, not 1 (inconsistent)", k + 1)));
            }
        }
        if let Some(&bad) = part_of.iter().find(|&&p| p >= parts.len()) {
            return Err(shape(format!("a component is assigned to part {} of {}", bad + 1, parts.len())));
        }
        Ok(PartitionedRk { name: name.to_string(), parts, part_of })
    }

    /// A partitioned built-in ([`PARTITIONED_METHODS`]) on `vars` (first half part 1, second half part 2).
    ///
    /// ```
    /// use bea::derive::taylor::PartitionedRk;
    /// let m = PartitionedRk::named("symplectic-euler", &["u".into(), "v".into()]).unwrap();
    /// assert_eq!(m.stages(), 1);
    /// let err = PartitionedRk::named("symplectic-euler", &["x".into()]).unwrap_err().to_string();
    /// assert!(err.contains("even number of variables"), "{err}");
    /// ```
    pub fn named(name: &str, vars: &[String]) -> Result<PartitionedRk, TaylorError> {
        PartitionedRk::named_split(name, vars, None)
    }

    /// A partitioned built-in with the parts given per variable (`part_of[m]` is 0 or 1; `None`: the first half
    /// of `vars` is part 1, the second half part 2, and their number must be even).
    ///
    /// ```
    /// use bea::derive::taylor::PartitionedRk;
    /// let vars = ["q".into(), "p".into(), "r".into()];
    /// let m = PartitionedRk::named_split("symplectic-euler", &vars, Some(&[1, 0, 1])).unwrap();
    /// assert_eq!(m.part_of(), &[1, 0, 1]);
    /// ```
    pub fn named_split(name: &str, vars: &[String], part_of: Option<&[usize]>) -> Result<PartitionedRk, TaylorError> {
        let (canonical, [part1, part2]) = partitioned_tableaus(name)?;
        let parts = vec![part1, part2];
        let dim = vars.len();
        if let Some(p) = part_of {
            if p.len() != dim {
                let reason = format!("{} part indices for {dim} variables ({})", p.len(), vars.join(", "));
                return Err(TaylorError::Shape { method: canonical.clone(), reason });
            }
            return PartitionedRk::new(&canonical, parts, p.to_vec());
        }
        if !dim.is_multiple_of(2) {
            return Err(TaylorError::OddDimension { method: canonical.clone(), dim, vars: vars.join(", ") });
        }
        let part_of = (0..dim).map(|m| usize::from(m >= dim / 2)).collect();
        PartitionedRk::new(&canonical, parts, part_of)
    }

    /// The method's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The tableaus of the parts.
    pub fn parts(&self) -> &[ButcherTableau] {
        &self.parts
    }

    /// The part index of every component.
    pub fn part_of(&self) -> &[usize] {
        &self.part_of
    }

    /// Number of stages.
    pub fn stages(&self) -> usize {
        self.parts[0].stages()
    }
}

/// A truncated power series in `h`: coefficient `j` multiplies `h^j`.
type Series = Vec<Elem>;

fn is_zero_series(s: &[Elem]) -> bool {
    s.iter().all(Elem::is_zero)
}

/// `a·b` truncated at `h^t`.
fn series_mul(alg: &mut Algebra, a: &[Elem], b: &[Elem], t: usize) -> Series {
    let mut out = vec![Elem::default(); t + 1];
    for (i, x) in a.iter().enumerate().take(t + 1) {
        if x.is_zero() {
            continue;
        }
        for (j, y) in b.iter().enumerate().take(t + 1 - i) {
            if y.is_zero() {
                continue;
            }
            let p = alg.mul(x, y);
            out[i + j] = alg.add(&out[i + j], &p);
        }
    }
    out
}

/// Cache of the partial derivatives `∂^α f_m`.
struct Derivatives<'a> {
    f: &'a [Elem],
    cache: HashMap<(usize, Vec<u16>), Elem>,
}

impl Derivatives<'_> {
    fn get(&mut self, alg: &mut Algebra, m: usize, alpha: &[u16]) -> Elem {
        if let Some(e) = self.cache.get(&(m, alpha.to_vec())) {
            return e.clone();
        }
        let e = match alpha.iter().rposition(|&a| a > 0) {
            None => self.f[m].clone(),
            Some(k) => {
                let mut lower = alpha.to_vec();
                lower[k] -= 1;
                let base = self.get(alg, m, &lower);
                alg.diff(&base, k)
            }
        };
        self.cache.insert((m, alpha.to_vec()), e.clone());
        e
    }
}

/// `f(y + z)` (every component) truncated at `h^t`, where `z[k]` is a series without constant term and
/// `powers[k][e] = z_k^e / e!`: `sum_α ∂^α f(y) prod_k z_k^(α_k) / α_k!` over multi-indices with `|α| <= t`.
/// One walk over the multi-indices serves all components; a branch stops as soon as `∂^α f_m` vanishes for every
/// component still alive (derivatives of zero are zero), and at variables whose increment is zero.
fn compose_all(
    alg: &mut Algebra,
    ders: &mut Derivatives<'_>,
    powers: &[Vec<Series>],
    t: usize,
    guard: &Guard,
    order: usize,
) -> Result<Vec<Series>, DeriveError> {
    let n = powers.len();
    let dim = ders.f.len();
    let mut out = vec![vec![Elem::default(); t + 1]; dim];
    let mut one = vec![Elem::default(); t + 1];
    one[0] = alg.constant(Coef::one());
    let alive: Vec<usize> = (0..dim).filter(|&m| !ders.f[m].is_zero()).collect();
    // Depth-first over multi-indices, carrying the product of the chosen powers and the live components.
    // (next variable, multi-index so far, its degree, product of the chosen powers, live components)
    type Frame = (usize, Vec<u16>, usize, Series, Vec<usize>);
    let mut stack: Vec<Frame> = vec![(0, vec![0; n], 0, one, alive)];
    while let Some((k, alpha, deg, prod, alive)) = stack.pop() {
        if k == n {
            for &m in &alive {
                let d = ders.get(alg, m, &alpha);
                for (j, c) in prod.iter().enumerate() {
                    if !c.is_zero() {
                        let p = alg.mul(&d, c);
                        out[m][j] = alg.add(&out[m][j], &p);
                    }
                }
            }
            guard.check(alg, order)?;
            continue;
        }
        // z_k^e starts at h^e: at most t - deg more.
        let max_e = if is_zero_series(&powers[k][1]) { 0 } else { t - deg };
        let mut a = alpha.clone();
        let mut live = alive;
        #[allow(clippy::needless_range_loop)] // e is the exponent; it indexes the powers as well
        for e in 0..=max_e {
            a[k] = e as u16;
            if e > 0 {
                live.retain(|&m| !ders.get(alg, m, &a).is_zero());
                if live.is_empty() {
                    break;
                }
            }
            let next = if e == 0 { prod.clone() } else { series_mul(alg, &prod, &powers[k][e], t) };
            if !is_zero_series(&next) {
                stack.push((k + 1, a.clone(), deg + e, next, live.clone()));
            }
        }
    }
    Ok(out)
}

/// The Taylor coefficients `d_1..d_j_max` of one step `y_1 = y + Σ_j h^j d_j(y)` of the method on `f`.
pub(crate) fn step_series(
    alg: &mut Algebra,
    f: &[Elem],
    method: &PartitionedRk,
    j_max: usize,
    guard: &Guard,
    order: usize,
) -> Result<Vec<Vec<Elem>>, DeriveError> {
    let (n, s) = (f.len(), method.stages());
    let coef = |m: usize| &method.parts[method.part_of[m]];
    let mut ders = Derivatives { f, cache: HashMap::new() };
    // z[i][m]: increments of stage i, coefficients h^0..h^j_max (h^0 = 0).
    let mut z: Vec<Vec<Series>> = vec![vec![vec![Elem::default(); j_max + 1]; n]; s];
    let mut k_series: Vec<Vec<Series>> = Vec::new();
    for sweep in 1..=j_max {
        let t = sweep - 1; // K = f(y + Z) is needed to h^(sweep-1)
        k_series = Vec::with_capacity(s);
        for zi in &z {
            let powers: Vec<Vec<Series>> = zi
                .iter()
                .map(|zk| {
                    let mut p: Vec<Series> = Vec::with_capacity(t + 1);
                    let mut one = vec![Elem::default(); t + 1];
                    one[0] = alg.constant(Coef::one());
                    p.push(one);
                    let zt: Series = zk.iter().take(t + 1).cloned().collect();
                    for e in 1..=t.max(1) {
                        let prev = p[e - 1].clone();
                        let q = series_mul(alg, &prev, &zt, t);
                        let q = q.iter().map(|c| alg.scale(c, &Coef::new(1, e as i128))).collect();
                        p.push(q);
                    }
                    p
                })
                .collect();
            k_series.push(compose_all(alg, &mut ders, &powers, t, guard, order)?);
        }
        if sweep == j_max {
            break; // the last sweep's K is what the step needs; its Z would go unused
        }
        // Coefficients below h^sweep are already exact and unchanged; only h^sweep is new.
        for (i, zi) in z.iter_mut().enumerate() {
            for (m, zim) in zi.iter_mut().enumerate() {
                let row = &coef(m).a()[i];
                let mut acc = Elem::default();
                for (l, a) in row.iter().enumerate() {
                    if !a.is_zero() {
                        let term = alg.scale(&k_series[l][m][sweep - 1], a);
                        acc = alg.add(&acc, &term);
                    }
                }
                zim[sweep] = alg.normalize(&acc);
            }
        }
        guard.check(alg, order)?;
    }
    let mut d = vec![vec![Elem::default(); n]; j_max];
    for (j, dj) in d.iter_mut().enumerate() {
        for (m, x) in dj.iter_mut().enumerate() {
            let mut acc = Elem::default();
            for (i, b) in coef(m).b().iter().enumerate() {
                if !b.is_zero() {
                    let term = alg.scale(&k_series[i][m][j], b);
                    acc = alg.add(&acc, &term);
                }
            }
            *x = alg.normalize(&acc);
        }
    }
    Ok(d)
}

/// The modified field `f_1..f_N` (`N = problem.order`) of a (partitioned) Runge–Kutta method by Taylor
/// expansion of its step (module docs), in the `general` slot of a [`ModifiedEquation`].
///
/// ```
/// use bea::derive::taylor::{derive_partitioned, PartitionedRk};
/// use bea::spec::{examples, Problem};
/// let mut problem = Problem::from_raw(&examples::example("lotka-volterra").unwrap()).unwrap();
/// problem.order = 2;
/// let method = PartitionedRk::named("symplectic-euler", &problem.vars).unwrap();
/// let me = derive_partitioned(&problem, &method, &Default::default()).unwrap();
/// assert_eq!(me.corrections().len(), 2);
/// ```
pub fn derive_partitioned(
    problem: &Problem,
    method: &PartitionedRk,
    opts: &DeriveOptions,
) -> Result<ModifiedEquation, TaylorError> {
    if method.part_of.len() != problem.field.len() {
        return Err(TaylorError::Shape {
            method: method.name.clone(),
            reason: format!(
                "it assigns parts to {} components, the field has {}",
                method.part_of.len(),
                problem.field.len()
            ),
        });
    }
    for (k, t) in method.parts.iter().enumerate() {
        let sum = t.b().iter().fold(Coef::zero(), |acc, x| acc.add(x));
        if !sum.is_one() {
            return Err(TaylorError::Shape {
                method: method.name.clone(),
                reason: format!(
                    "the weights b of part {} sum to {sum}, not 1 (inconsistent: f_0 would not be f)",
                    k + 1
                ),
            });
        }
    }
    let start = Instant::now();
    let mut p = problem.clone();
    let guard = Guard::armed(*opts, &mut p.algebra);
    let d = step_series(&mut p.algebra, &problem.field, method, problem.order + 1, &guard, problem.order)?;
    let general = general::corrections_of_step(&mut p.algebra, &d, problem.order, &guard)?;
    guard.finish(&mut p.algebra, problem.order)?;
    Ok(ModifiedEquation { problem: p, general: Some(general), paper: None, elapsed: start.elapsed() })
}
