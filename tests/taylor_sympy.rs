//! An independent oracle for the Taylor path on nonlinear problems: `benches/peers/partitioned_sympy.py` derives
//! the modified fields `f_1..f_4` of the three partitioned built-ins on Lotka–Volterra and the pendulum in SymPy, by
//! a different algorithm (an undetermined-coefficient ansatz for the unknowns of the written-out implicit step, and
//! the flow of `f + Σ h^l F_l` with undefined functions `F_l` solved order by order), and stores their values at
//! fixed rational points in `benches/peers/results/partitioned_sympy.json`. Here bea derives the same fields with
//! [`derive_partitioned`] and evaluates them at those points: exactly for Lotka–Volterra, in `f64` (relative
//! `1e-12`) for the pendulum, whose values involve `sin`, `cos` at rational points.

use bea::algebra::Coef;
use bea::derive::taylor::{derive_partitioned, PartitionedRk};
use bea::emit::evaluator::Evaluator;
use bea::spec::examples::example;
use bea::spec::Problem;
use num_rational::BigRational;
use serde_json::Value;

const ORACLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers/results/partitioned_sympy.json");
const METHODS: [&str; 3] = ["symplectic-euler", "symplectic-euler-b", "stormer-verlet"];

fn oracle() -> Value {
    let text = std::fs::read_to_string(ORACLE).unwrap_or_else(|e| panic!("{ORACLE}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{ORACLE}: {e}"))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().expect("an array").iter().map(|s| s.as_str().expect("a string").to_string()).collect()
}

fn rational(s: &str) -> Coef {
    Coef::from_big(s.parse::<BigRational>().unwrap_or_else(|e| panic!("'{s}' is not a rational: {e}")))
}

/// The oracle's entry for a problem: (points, per method: per order `l`: per point: per component: value string).
type Values = Vec<Vec<Vec<Vec<String>>>>;

fn entry(doc: &Value, problem: &str, vars: &[String]) -> (Vec<Vec<String>>, Values) {
    let e = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["problem"] == problem)
        .unwrap_or_else(|| panic!("{problem} missing from the oracle"));
    assert_eq!(strings(&e["variables"]), vars, "{problem}: the oracle's variable order differs from bea's");
    let points: Vec<Vec<String>> = e["points"].as_array().unwrap().iter().map(strings).collect();
    let methods = e["methods"].as_array().unwrap();
    let values = METHODS
        .iter()
        .map(|m| {
            let me = methods.iter().find(|x| x["method"] == *m).unwrap_or_else(|| panic!("{problem}: {m} missing"));
            me["corrections"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(l, c)| {
                    assert_eq!(c["order"].as_u64(), Some(l as u64 + 1));
                    c["values"].as_array().unwrap().iter().map(strings).collect()
                })
                .collect()
        })
        .collect();
    (points, values)
}

/// Every compared cell `(method, order index l, point, component)` of the two-variable problems, `f_1..f_4`.
fn cells(points: usize) -> impl Iterator<Item = (usize, usize, usize, usize)> {
    (0..METHODS.len())
        .flat_map(move |mi| (0..4).flat_map(move |l| (0..points).flat_map(move |k| (0..2).map(move |c| (mi, l, k, c)))))
}

fn problem(name: &str) -> Problem {
    let mut p = Problem::from_raw(&example(name).unwrap()).unwrap();
    p.order = 4;
    p
}

/// bea's `f_1..f_4` of every method on Lotka–Volterra, evaluated exactly at the oracle's points:
/// `[method][order][point][component]`.
fn bea_lotka_volterra(points: &[Vec<Coef>]) -> Vec<Vec<Vec<Vec<Coef>>>> {
    let p = problem("lotka-volterra");
    METHODS
        .iter()
        .map(|m| {
            let method = PartitionedRk::named(m, &p.vars).unwrap();
            let mut me = derive_partitioned(&p, &method, &Default::default()).unwrap();
            let corrections = me.general.clone().unwrap();
            assert_eq!(corrections.len(), 4);
            let alg = &mut me.problem.algebra;
            corrections
                .iter()
                .map(|fl| {
                    points
                        .iter()
                        .map(|pt| fl.iter().map(|c| alg.eval_exact(c, pt).expect("defined at the point")).collect())
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The same for the pendulum, in `f64` with bea's compiled evaluator.
fn bea_pendulum(points: &[Vec<f64>]) -> Vec<Vec<Vec<Vec<f64>>>> {
    let p = problem("pendulum");
    METHODS
        .iter()
        .map(|m| {
            let method = PartitionedRk::named(m, &p.vars).unwrap();
            let me = derive_partitioned(&p, &method, &Default::default()).unwrap();
            let corrections = me.general.clone().unwrap();
            assert_eq!(corrections.len(), 4);
            corrections
                .iter()
                .map(|fl| {
                    let ev = Evaluator::compile(&me.problem.algebra, fl, &Default::default()).unwrap();
                    points
                        .iter()
                        .map(|pt| {
                            let mut out = vec![0.0; fl.len()];
                            ev.eval(pt, &mut out);
                            out
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[test]
fn lotka_volterra_partitioned_fields_equal_sympy_exactly() {
    let doc = oracle();
    let p = problem("lotka-volterra");
    let (points, want) = entry(&doc, "lotka-volterra", &p.vars);
    assert!(points.len() >= 2);
    let pts: Vec<Vec<Coef>> = points.iter().map(|pt| pt.iter().map(|s| rational(s)).collect()).collect();
    let got = bea_lotka_volterra(&pts);
    for (mi, m) in METHODS.iter().enumerate() {
        assert_eq!(want[mi].len(), 4, "{m}: the oracle has f_1..f_4");
    }
    let (mut nonzero, mut compared) = (0, 0);
    for (mi, l, k, c) in cells(points.len()) {
        let w = rational(&want[mi][l][k][c]);
        let g = &got[mi][l][k][c];
        let (m, pt) = (METHODS[mi], &points[k]);
        assert_eq!(g, &w, "lotka-volterra {m} f_{}[{}] at {pt:?}: bea {g}, SymPy {w}", l + 1, p.vars[c]);
        nonzero += usize::from(!w.is_zero());
        compared += 1;
    }
    assert_eq!(compared, 3 * 4 * points.len() * 2);
    // Störmer–Verlet's f_1 and f_3 vanish (symmetric); everything else here is non-zero at these points.
    assert_eq!(nonzero, compared - 2 * points.len() * 2, "unexpected zero values in the oracle");
    // symplectic-euler-b is the adjoint of symplectic-euler, so its field is f~(y, -h): f_l^b = (-1)^l f_l, and the
    // odd orders differ (the comparison tells the two methods apart).
    for (_, l, k, c) in cells(points.len()).filter(|cell| cell.0 == 0) {
        let (a, b) = (&got[0][l][k][c], &got[1][l][k][c]);
        assert_eq!(if l % 2 == 0 { a.neg() } else { a.clone() }, *b, "adjoint relation, f_{}", l + 1);
    }
    // A value perturbed by one part in 10^15 would be detected.
    let w = rational(&want[0][3][0][0]);
    assert_ne!(w.add(&w.mul(&Coef::new(1, 1_000_000_000_000_000))), got[0][3][0][0]);
}

#[test]
fn pendulum_partitioned_fields_equal_sympy_to_1e12() {
    let doc = oracle();
    let p = problem("pendulum");
    let (points, want) = entry(&doc, "pendulum", &p.vars);
    assert!(points.len() >= 2);
    let pts: Vec<Vec<f64>> = points.iter().map(|pt| pt.iter().map(|s| rational(s).to_f64()).collect()).collect();
    let got = bea_pendulum(&pts);
    for (mi, m) in METHODS.iter().enumerate() {
        assert_eq!(want[mi].len(), 4, "{m}: the oracle has f_1..f_4");
    }
    let (mut worst, mut nonzero, mut compared) = (0.0f64, 0, 0);
    for (mi, l, k, c) in cells(points.len()) {
        let w: f64 = want[mi][l][k][c].parse().unwrap_or_else(|e| panic!("{}: {e}", want[mi][l][k][c]));
        let g = got[mi][l][k][c];
        let (m, pt) = (METHODS[mi], &points[k]);
        compared += 1;
        if w == 0.0 {
            assert_eq!(g, 0.0, "pendulum {m} f_{}[{}] at {pt:?}: bea {g}, SymPy 0", l + 1, p.vars[c]);
            continue;
        }
        nonzero += 1;
        let rel = (g - w).abs() / w.abs();
        worst = worst.max(rel);
        assert!(
            rel <= 1e-12,
            "pendulum {m} f_{}[{}] at {pt:?}: bea {g:e}, SymPy {w:e} (relative {rel:e})",
            l + 1,
            p.vars[c]
        );
    }
    assert_eq!(compared, 3 * 4 * points.len() * 2);
    assert_eq!(nonzero, compared - 2 * points.len() * 2, "unexpected zero values in the oracle");
    for (_, l, k, c) in cells(points.len()).filter(|cell| cell.0 == 0) {
        let (a, b) = (got[0][l][k][c], got[1][l][k][c]);
        let sign = if l % 2 == 0 { -1.0 } else { 1.0 };
        assert!((sign * a - b).abs() <= 1e-12 * a.abs(), "adjoint relation, f_{}: {a:e} vs {b:e}", l + 1);
    }
    eprintln!("pendulum: worst relative difference bea vs SymPy {worst:e} over {nonzero} non-zero values");
}
