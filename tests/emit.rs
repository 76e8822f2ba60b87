//! Generated Rust modules compile (rustc in a temporary folder) and agree with the in-process evaluator, and the
//! evaluator agrees with exact rational evaluation of the derived corrections.

use bea::algebra::Coef;
use bea::derive::derive;
use bea::emit::evaluator::{param_values, ModifiedFieldEvaluator};
use bea::emit::rust::rust_module;
use bea::spec::{examples, lower_value, Problem};
use std::collections::BTreeMap;
use std::process::Command;

fn setup(name: &str, order: usize) -> (bea::derive::ModifiedEquation, std::collections::HashMap<String, f64>) {
    let mut raw = examples::example(name).unwrap();
    raw.order = Some(order);
    let p = Problem::from_raw(&raw).unwrap();
    let me = derive(&p).unwrap();
    let mut extra = BTreeMap::new();
    for (k, v) in &me.problem.verify.set {
        extra.insert(k.clone(), lower_value(k, v).unwrap());
    }
    let params = param_values(&me.problem.params, &extra).unwrap();
    (me, params)
}

const POINTS: [[f64; 3]; 4] = [[0.7, 1.3, 0.2], [1.5, 0.4, -0.3], [-0.8, 0.9, 0.5], [0.31, -1.7, 1.1]];

#[test]
fn generated_rust_compiles_and_matches_the_evaluator() {
    let dir = std::env::temp_dir().join(format!("bea-emit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, order) in [("lotka-volterra", 4), ("pendulum", 3), ("two-param", 3), ("oscillator", 3)] {
        let (me, params) = setup(name, order);
        let module = rust_module(&me, &params).unwrap();
        let dim = me.problem.vars.len();
        let main = format!(
            "mod m {{\n{module}\n}}\nfn main() {{\n    let pts: [[f64; 3]; 4] = {POINTS:?};\n    for p in pts {{ let mut out = [0.0f64; {dim}]; m::modified_field(&p[..{dim}], 0.05, &mut out); println!(\"{{:?}}\", out); }}\n}}\n"
        );
        let src = dir.join(format!("{name}.rs"));
        let bin = dir.join(name);
        std::fs::write(&src, main).unwrap();
        let st = Command::new("rustc")
            .args(["-O", "--edition", "2021", "-o"])
            .arg(&bin)
            .arg(&src)
            .output()
            .expect("rustc runs");
        assert!(
            st.status.success(),
            "{name}: generated code does not compile:\n{}",
            String::from_utf8_lossy(&st.stderr)
        );
        let run = Command::new(&bin).output().unwrap();
        assert!(
            run.status.success(),
            "{name}: generated program failed ({}):\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
        );
        let text = String::from_utf8(run.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), POINTS.len(), "{name}: one output line per point, got:\n{text}");
        let ev =
            ModifiedFieldEvaluator::compile(&me.problem.algebra, &me.problem.field, me.corrections(), &params).unwrap();
        for (line, p) in lines.into_iter().zip(POINTS) {
            let got: Vec<f64> =
                line.trim_matches(|c| c == '[' || c == ']').split(", ").map(|s| s.parse().unwrap()).collect();
            assert_eq!(got.len(), dim, "{name} at {p:?}: {dim} components expected in {line:?}");
            let mut want = vec![0.0; dim];
            ev.eval(&p[..dim], 0.05, order, &mut want);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{name} at {p:?}: generated {g} vs evaluator {w}");
            }
        }
    }
}

/// The evaluator (f64, common subexpressions shared, batched) against exact rational evaluation of every
/// correction of Lotka-Volterra at rational points.
#[test]
fn evaluator_matches_exact_values() {
    let (mut me, params) = setup("lotka-volterra", 6);
    let corr = me.corrections().to_vec();
    let ev = ModifiedFieldEvaluator::compile(&me.problem.algebra, &me.problem.field, &corr, &params).unwrap();
    let pts = [(3, 2, 1, 4), (7, 5, 2, 3), (1, 3, 9, 7)];
    let xs: Vec<f64> = pts.iter().flat_map(|&(a, b, c, d)| [a as f64 / b as f64, c as f64 / d as f64]).collect();
    let mut batch = vec![0.0; 2 * pts.len()];
    let h = 0.125; // exact in binary
    ev.eval_many(&xs, pts.len(), h, 6, &mut batch);
    for (k, &(a, b, c, d)) in pts.iter().enumerate() {
        let x = [Coef::new(a, b), Coef::new(c, d)];
        for i in 0..2 {
            let mut exact = me.problem.algebra.eval_exact(&me.problem.field[i], &x).unwrap();
            let mut hp = Coef::one();
            for fl in &corr {
                hp = hp.mul(&Coef::new(1, 8));
                exact = exact.add(&hp.mul(&me.problem.algebra.eval_exact(&fl[i], &x).unwrap()));
            }
            let e = exact.to_f64();
            assert!(
                (batch[2 * k + i] - e).abs() <= 1e-13 * e.abs().max(1.0),
                "point {k} comp {i}: {} vs exact {e}",
                batch[2 * k + i]
            );
        }
    }
}

/// benches/generated/lv4.rs is what `bea emit` produces today (regenerate with
/// `cargo run -- emit --example lotka-volterra --order 4 --format rust -o benches/generated/lv4.rs`), built by the
/// same public function `bea emit` calls (`bea::emit::rust::generate`, potentials included).
#[test]
fn committed_generated_module_is_current() {
    let (mut me, params) = setup("lotka-volterra", 4);
    let src = bea::emit::rust::generate(&mut me, &params, None).unwrap();
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/generated/lv4.rs")).unwrap();
    assert_eq!(src, committed);
    let (code, out, err) = crate::support::bea(&["emit", "--example", "lotka-volterra", "--order", "4"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, committed, "the binary writes the same module");
}

/// Compile `module` with a `main` that prints, per point, `potential_1` and `f_1` (rustc, unoptimised).
fn run_potential_program(tag: &str, module: &str, pts: &[[f64; 2]]) -> Vec<Vec<f64>> {
    let dir = std::env::temp_dir().join(format!("bea-emit-pot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let main = format!(
        "mod m {{\n{module}\n}}\nfn main() {{\n    let pts: [[f64; 2]; {}] = {pts:?};\n    for p in pts {{ let mut f1 = [0.0f64; 2]; m::f_1(&p, &mut f1); println!(\"{{:?}}\", [m::potential_1(&p), f1[0], f1[1]]); }}\n}}\n",
        pts.len()
    );
    let src = dir.join(format!("{tag}.rs"));
    let bin = dir.join(tag);
    std::fs::write(&src, main).unwrap();
    let st = Command::new("rustc").args(["--edition", "2021", "-o"]).arg(&bin).arg(&src).output().expect("rustc runs");
    assert!(st.status.success(), "{tag}: generated code does not compile:\n{}", String::from_utf8_lossy(&st.stderr));
    let run = Command::new(&bin).output().unwrap();
    assert!(run.status.success(), "{tag}: {}", String::from_utf8_lossy(&run.stderr));
    String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|l| l.trim_matches(|c| c == '[' || c == ']').split(", ").map(|s| s.parse().unwrap()).collect())
        .collect()
}

/// Review: the generated module dropped potentials that text and JSON report (it analysed the corrections
/// without the order-1 candidate), and the candidate itself was explicit Euler's for every method.
///
/// Oracle, by hand: `E = exp(x) y^2`, `grad E = (y^2 e^x, 2 y e^x)`, `|grad E|^2 = (y^4 + 4 y^2) e^(2x)`. At order 1
/// every one-step method has `f_1 = k f'f` with `f'f = Hess E grad E = grad(|grad E|^2/2)`, so `E_1 = -k/2 |grad E|^2`:
/// explicit Euler `k = -1/2` (`E_1 = +|grad E|^2/4`), implicit Euler `k = +1/2` (`E_1 = -|grad E|^2/4`, GNI IX),
/// heavy-ball at `beta = 1/2` `E_1 = (1+beta)/(4(1-beta)^3) |grad E|^2 = 3 |grad E|^2` (README). Then
/// `f_1 = -grad E_1 = -c (2 y^4 + 8 y^2, 4 y^3 + 8 y) e^(2x)` for `E_1 = c |grad E|^2`, differentiated by hand.
/// Checked in the module `bea emit --format rust` writes, compiled and run.
#[test]
fn generated_module_has_the_method_s_first_order_potential() {
    let pts = [[0.3, -1.2], [-0.7, 0.5], [1.1, 2.0]];
    for (method, c) in
        [(&["explicit-euler"][..], 0.25), (&["implicit-euler"][..], -0.25), (&["heavy-ball", "--beta", "1/2"][..], 3.0)]
    {
        let mut args = vec!["emit", "--loss", "exp(x)*y^2", "--vars", "x,y", "--order", "2", "--method"];
        args.extend_from_slice(method);
        let (code, module, err) = crate::support::bea(&args);
        assert_eq!(code, 0, "{method:?}: {err}");
        assert!(module.contains("pub fn potential_1("), "{method:?}: no potential_1 in\n{module}");
        assert!(!module.contains("pub fn potential_2("), "{method:?}: f_2 is not a gradient field");
        let rows = run_potential_program(&method[0].replace('-', "_"), &module, &pts);
        for (p, row) in pts.iter().zip(rows) {
            let (x, y) = (p[0], p[1]);
            let e2x = (2.0 * x).exp();
            let want = [
                c * (y.powi(4) + 4.0 * y * y) * e2x,
                -c * (2.0 * y.powi(4) + 8.0 * y * y) * e2x,
                -c * (4.0 * y.powi(3) + 8.0 * y) * e2x,
            ];
            for (g, w) in row.iter().zip(want) {
                assert!((g - w).abs() <= 1e-12 * w.abs().max(1.0), "{method:?} at {p:?}: {row:?} vs hand {want:?}");
            }
        }
    }
}

/// The order-1 candidate is read off the method: `f_1 = k f'f` gives `-k/2 |f|^2`, and nothing when `f_1` is no
/// multiple of `f'f`. Hand values on `E = x^2 y^2/2` at order 1 (explicit Euler: `k = -1/2`).
#[test]
fn first_order_hint_reads_the_method_s_coefficient() {
    let raw = bea::spec::RawProblem {
        loss: Some("x^2*y^2/2".into()),
        vars: vec!["x".into(), "y".into()],
        order: Some(1),
        ..Default::default()
    };
    let p = Problem::from_raw(&raw).unwrap();
    let mut me = derive(&p).unwrap();
    let field = me.problem.field.clone();
    let f1 = me.corrections()[0].clone();
    let alg = &mut me.problem.algebra;
    let hint = bea::emit::first_order_hint(alg, &field, &f1).expect("f_1 = -1/2 f'f");
    // |f|^2/4 with f = -(x y^2, x^2 y): (x^2 y^4 + x^4 y^2)/4.
    let x = [Coef::new(3, 2), Coef::new(-2, 5)];
    let want = Coef::new(3 * 3 * 2 * 2 * 2 * 2, 2 * 2 * 5 * 5 * 5 * 5)
        .add(&Coef::new(3 * 3 * 3 * 3 * 2 * 2, 2 * 2 * 2 * 2 * 5 * 5));
    assert_eq!(alg.eval_exact(&hint, &x).unwrap(), want.mul(&Coef::new(1, 4)));
    // Flipping f_1's sign flips the candidate; a field that is no multiple of f'f gets none.
    let neg: Vec<_> = f1.iter().map(|e| alg.neg(e)).collect();
    let flipped = bea::emit::first_order_hint(alg, &field, &neg).unwrap();
    assert_eq!(alg.eval_exact(&flipped, &x).unwrap(), want.mul(&Coef::new(-1, 4)));
    let skew = vec![f1[0].clone(), alg.scale(&f1[1], &Coef::new(2, 1))];
    assert!(bea::emit::first_order_hint(alg, &field, &skew).is_none());
}
