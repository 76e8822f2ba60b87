//! Per-piece timing of the MLP 784-400x4-10 batch-32 step (profiling aid; `TUNE=1` calls tune_allocator).
use bea_verification::nets::models::{MlpConfig, Mode, ModelSpec};
use bea_verification::nets::{hvp, params};
use candle_core::{DType, Device, Tensor};
use std::time::Instant;

fn main() {
    if std::env::var("TUNE").is_ok() {
        params::tune_allocator();
    }
    if std::env::args().nth(1).as_deref() == Some("steps") {
        return steps();
    }
    let net = ModelSpec::Mlp(MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 })
        .build(&Device::Cpu, DType::F32, 0)
        .unwrap();
    let x = Tensor::rand(0f32, 1f32, (32, 784), &Device::Cpu).unwrap();
    let y = Tensor::from_vec(vec![3u32; 32], 32, &Device::Cpu).unwrap();
    let n = 50;
    let t = Instant::now();
    for _ in 0..n {
        let _ = net.forward(&x, Mode::Train).unwrap();
    }
    println!("forward {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let l = hvp::batch_loss(net.as_ref(), &x, &y, Mode::Train).unwrap();
        let _ = l.backward().unwrap();
    }
    println!("fwd+bwd {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let l = hvp::batch_loss(net.as_ref(), &x, &y, Mode::Train).unwrap();
    let g = params::grads(&l, net.params()).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        params::axpy(net.params(), -1e-3, &g).unwrap();
    }
    println!("axpy {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let a = Tensor::rand(0f32, 1f32, (32, 784), &Device::Cpu).unwrap();
    let w = Tensor::rand(0f32, 1f32, (784, 400), &Device::Cpu).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let _ = a.matmul(&w).unwrap();
    }
    println!("matmul 32x784x400 {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let at = a.t().unwrap();
    let gy = Tensor::rand(0f32, 1f32, (32, 400), &Device::Cpu).unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let _ = at.matmul(&gy).unwrap();
    }
    println!("matmul xT(784x32) @ g(32x400) {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let wt = w.t().unwrap();
    let t = Instant::now();
    for _ in 0..n {
        let _ = gy.matmul(&wt).unwrap();
    }
    println!("matmul g @ W^T {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let cfg = hvp::HvpConfig::default();
    let t = Instant::now();
    for _ in 0..n {
        let _ = hvp::egr_grad(net.as_ref(), &x, &y, 0.01, &cfg).unwrap();
    }
    println!("egr grad {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let _ = params::sq_norm(&g).unwrap();
    }
    println!("sq_norm {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
    let t = Instant::now();
    for _ in 0..n {
        let _ = params::snapshot(net.params()).unwrap();
    }
    println!("snapshot {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / n as f64);
}

/// `prof_step steps [N]`: steps/s of the SGD and EGR (mu = 0.01) steps, median of 5 blocks of N
/// (A/B the fused layer with BEA_UNFUSED_LINEAR=1).
fn steps() {
    params::tune_allocator();
    let n: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(200);
    let net = ModelSpec::Mlp(MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 })
        .build(&Device::Cpu, DType::F32, 0)
        .unwrap();
    let x = Tensor::rand(0f32, 1f32, (32, 784), &Device::Cpu).unwrap();
    let y = Tensor::from_vec((0..32u32).map(|i| i % 10).collect::<Vec<_>>(), 32, &Device::Cpu).unwrap();
    let cfg = hvp::HvpConfig::default();
    let med = |mu: f64| {
        let mut blocks: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                for _ in 0..n {
                    let g = hvp::egr_grad(net.as_ref(), &x, &y, mu, &cfg).unwrap();
                    params::axpy(net.params(), -1e-3, &g.total).unwrap();
                }
                n as f64 / t.elapsed().as_secs_f64()
            })
            .collect();
        blocks.sort_by(f64::total_cmp);
        blocks[2]
    };
    let (sgd, egr) = (med(0.0), med(0.01));
    println!(
        "{{\"fused\": {}, \"sgd_steps_per_s\": {sgd:.1}, \"egr_steps_per_s\": {egr:.1}, \"egr_over_sgd\": {:.3}}}",
        !bea_verification::nets::linear::fused_disabled(),
        sgd / egr
    );
}
