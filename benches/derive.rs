//! Derivation speed: `derive` to orders 2, 4, 6, 8 on the problems of issue 2 (GUIDE section 2).
//! Peers (SymPy, SymEngine) run the same graded recursion in `benches/peers/`; BENCHMARKS.md has the ratios.

use bea::derive::{derive_with, DeriveOptions};
use bea::spec::{Problem, RawProblem};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::time::Duration;

/// (name, field components, loss, vars): exactly one of field and loss is given.
type ProblemDef = (&'static str, Option<&'static [&'static str]>, Option<&'static str>, &'static [&'static str]);

/// The benchmark problems; the same definitions as benches/peers/derive_*.py.
pub const PROBLEMS: &[ProblemDef] = &[
    ("lotka-volterra", Some(&["u*(v - 2)", "v*(1 - u)"]), None, &["u", "v"]),
    ("quartic", None, Some("x^4/4 + x^2*y^2/2 - x*y + y^4/8"), &["x", "y"]),
    ("poly3d", Some(&["y*z - x^2", "x*z + y", "x*y - z^3"]), None, &["x", "y", "z"]),
    ("oscillator", Some(&["-v/(u^2 + v^2)", "u/(u^2 + v^2)"]), None, &["u", "v"]),
    ("generic2d", Some(&["P(x, y)", "Q(x, y)"]), None, &["x", "y"]),
];

fn problem(field: Option<&[&str]>, loss: Option<&str>, vars: &[&str], order: usize) -> Problem {
    let raw = RawProblem {
        field: field.map(|f| f.iter().map(|s| s.to_string()).collect()),
        loss: loss.map(str::to_string),
        vars: vars.iter().map(|s| s.to_string()).collect(),
        order: Some(order),
        ..Default::default()
    };
    Problem::from_raw(&raw).expect("valid benchmark problem")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("derive");
    g.sample_size(10).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
    for (name, field, loss, vars) in PROBLEMS {
        for order in [2usize, 4, 6, 8] {
            let p = problem(*field, *loss, vars, order);
            g.bench_with_input(BenchmarkId::new(*name, order), &p, |b, p| {
                b.iter(|| derive_with(p, &DeriveOptions::default()).expect("derives"))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
