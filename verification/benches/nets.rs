//! Training-step benchmarks: the MLP 784-400-400-400-400-10 SGD step (batch 32, f32) and the
//! cost of an EGR step (forward-difference HVP) against a plain SGD step for the MLP and the
//! small ResNet. Run with `cargo bench --bench nets`. The MLP group has candle's step
//! (`sgd-step`, `egr-step`, the reference) and the hand-written `FastMlp` step with 1 and 2
//! threads (`fast-sgd-1t`, ...), the one training runs use.

use bea_verification::nets::fast_mlp::{EgrKernel, FastMlp};
use bea_verification::nets::hvp::{egr_grad, HvpConfig};
use bea_verification::nets::models::{MlpConfig, ModelSpec, Net};
use bea_verification::nets::params;
use bea_verification::nets::resnet::ResNetConfig;
use bea_verification::nets::stats::Rng;
use candle_core::{DType, Device, Tensor};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn batch(shape: &[usize], classes: u32) -> (Tensor, Tensor) {
    let mut rng = Rng::new(1);
    let n: usize = shape.iter().product();
    let x: Vec<f32> = (0..n).map(|_| rng.uniform() as f32).collect();
    let y: Vec<u32> = (0..shape[0]).map(|_| rng.below(classes as usize) as u32).collect();
    (Tensor::from_vec(x, shape, &Device::Cpu).unwrap(), Tensor::from_vec(y, shape[0], &Device::Cpu).unwrap())
}

fn step(net: &dyn Net, x: &Tensor, y: &Tensor, mu: f64) {
    let g = egr_grad(net, x, y, mu, &HvpConfig::default()).unwrap();
    params::axpy(net.params(), -1e-3, &g.total).unwrap();
}

fn mlp_bench(c: &mut Criterion) {
    params::tune_allocator();
    let cfg = MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 };
    let net = ModelSpec::Mlp(cfg.clone()).build(&Device::Cpu, DType::F32, 0).unwrap();
    let (x, y) = batch(&[32, 784], 10);
    let (xs, ys) = (x.flatten_all().unwrap().to_vec1::<f32>().unwrap(), y.to_vec1::<u32>().unwrap());
    let mut g = c.benchmark_group("mlp-784-400x4-10-b32-f32");
    g.throughput(Throughput::Elements(1));
    for threads in [1, 2] {
        let mut f = FastMlp::from_vars(&cfg, net.params(), threads).unwrap();
        g.bench_function(format!("fast-sgd-{threads}t"), |b| b.iter(|| f.sgd_step(&xs, &ys, 1e-3).unwrap()));
        g.bench_function(format!("fast-egr-{threads}t"), |b| {
            b.iter(|| f.egr_step(&xs, &ys, 1e-3, 0.01, 1e-4).unwrap())
        });
        g.bench_function(format!("fast-egr-dense-{threads}t"), |b| {
            b.iter(|| f.egr_step_with(EgrKernel::Dense, &xs, &ys, 1e-3, 0.01, 1e-4).unwrap())
        });
    }
    g.bench_function("sgd-step", |b| b.iter(|| step(net.as_ref(), &x, &y, 0.0)));
    g.bench_function("egr-step", |b| b.iter(|| step(net.as_ref(), &x, &y, 0.01)));
    g.finish();
}

fn resnet_bench(c: &mut Criterion) {
    let spec = ModelSpec::ResNet(ResNetConfig::small(1, 10));
    let net = spec.build(&Device::Cpu, DType::F32, 0).unwrap();
    let (x, y) = batch(&[32, 1, 28, 28], 10);
    let mut g = c.benchmark_group("resnet-small-28x28-b32-f32");
    g.throughput(Throughput::Elements(1));
    g.bench_function("sgd-step", |b| b.iter(|| step(net.as_ref(), &x, &y, 0.0)));
    g.bench_function("egr-step", |b| b.iter(|| step(net.as_ref(), &x, &y, 0.01)));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(5)).warm_up_time(std::time::Duration::from_secs(1));
    targets = mlp_bench, resnet_bench
}
criterion_main!(benches);
