//! Modified-equation B-series coefficients of the explicit midpoint method, orders 5, 7, 9, 10, from
//! scratch (trees, elementary weights, the graded tree recursion), exact rationals (issue 5).
//! Peers: BSeries (Ketcheson) and pybs in `benches/peers/bseries_peers.py`; BENCHMARKS.md has the ratios.

use bea::derive::bseries::modified::{modified_equation, modified_equation_substitution};
use bea::derive::bseries::series::BSeries;
use bea::derive::bseries::tableau::ButcherTableau;
use bea::derive::bseries::trees::Forest;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::sync::Arc;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let tab = ButcherTableau::named("explicit-midpoint").expect("built-in");
    let mut g = c.benchmark_group("bseries_explicit_midpoint");
    g.sample_size(20).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3));
    for order in [5usize, 7, 9, 10] {
        g.bench_with_input(BenchmarkId::new("from_scratch", order), &order, |b, &n| {
            b.iter(|| modified_equation(&BSeries::of_method(&tab, n)).expect("method series"))
        });
    }
    // The parts: tree generation alone, and the substitution law (the independent check, 2^(|t|-1) per tree).
    for order in [9usize, 10] {
        g.bench_with_input(BenchmarkId::new("trees_only", order), &order, |b, &n| b.iter(|| Forest::new(n)));
    }
    let m7 = BSeries::of_method_in(&tab, Arc::new(Forest::new(7)));
    g.bench_function("substitution_law/7", |b| b.iter(|| modified_equation_substitution(&m7).expect("method series")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
