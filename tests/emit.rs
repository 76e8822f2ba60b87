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
    let params = param_values(&me.problem.params, &extra);
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
/// `cargo run -- emit --example lotka-volterra --order 4 --format rust -o benches/generated/lv4.rs`).
#[test]
fn committed_generated_module_is_current() {
    let (mut me, params) = setup("lotka-volterra", 4);
    let mut src = rust_module(&me, &params).unwrap();
    let corr = me.corrections().to_vec();
    let mut pots = Vec::new();
    for (l, fl) in corr.iter().enumerate() {
        if let Some(p) = bea::structure::analyse(&mut me.problem.algebra, fl, None).potential {
            pots.push((l + 1, p));
        }
    }
    src.push_str(&bea::emit::rust::rust_potentials(&me, &pots, &params).unwrap());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/generated/lv4.rs")).unwrap();
    assert_eq!(src, committed);
}
