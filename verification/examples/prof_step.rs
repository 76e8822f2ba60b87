//! Per-piece timing of the MLP 784-400x4-10 batch-32 step (profiling aid; `TUNE=1` calls tune_allocator).
//!
//! Modes (release build: `cargo build --release -p bea-verification --example prof_step`):
//! - (none): the candle step's pieces; `steps [N]`: candle SGD/EGR steps/s (`BEA_UNFUSED_LINEAR=1` A/B).
//! - `compare [STEPS] [ROUNDS]`: the side-by-side benchmark of NETS.md / BENCHMARKS.md: steps/s of
//!   the candle step and of the hand-written `FastMlp` step (1 and 2 threads), SGD and EGR
//!   (mu = 0.01; `fast` = the default low-rank EGR kernel, `fast-dense` = the dense one), the protocol of `benches/peers/_mlp_common.py` (64 synthetic batches cycled, 50
//!   warm-up steps, 5 runs of STEPS = 500 steps, median), the configurations interleaved over
//!   ROUNDS = 2 rounds; one JSON object per configuration and round on stdout.
//! - `fast`: ms per call of the `FastMlp` pieces; `loop sgd|egr N THREADS`: N steps and nothing else
//!   (for `perf record`); `gemm`: the gemm crate alone on the step's products; `widths`: the
//!   `FastMlp` SGD step of the paper's MLP at the igr-mlp-full widths; `ratio [ROUNDS] [BLOCK]
//!   [THREADS]`: the EGR / SGD step-time ratio, interleaved in blocks (BENCHMARKS.md); `resnet-ratio [ROUNDS]
//!   [BLOCK] [BATCH]`: the same for the small ResNet's candle step (the step `train` runs: `egr_grad` with the
//!   default forward-difference HVP, then the update), on synthetic 28x28 batches.
use bea_verification::nets::fast_mlp::{EgrKernel, FastMlp};
use bea_verification::nets::models::{MlpConfig, Mode, ModelSpec};
use bea_verification::nets::stats::Rng;
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
    if std::env::args().nth(1).as_deref() == Some("compare") {
        return compare();
    }
    if std::env::args().nth(1).as_deref() == Some("fast") {
        return fast_parts();
    }
    if std::env::args().nth(1).as_deref() == Some("loop") {
        return fast_loop();
    }
    if std::env::args().nth(1).as_deref() == Some("gemm") {
        return gemm_alone();
    }
    if std::env::args().nth(1).as_deref() == Some("widths") {
        return widths();
    }
    if std::env::args().nth(1).as_deref() == Some("ratio") {
        return ratio();
    }
    if std::env::args().nth(1).as_deref() == Some("resnet-ratio") {
        return resnet_ratio();
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

/// The 64 synthetic batches of the peers' protocol (inputs N(0, 1), labels uniform).
fn synthetic_batches() -> Vec<(Vec<f32>, Vec<u32>, Tensor, Tensor)> {
    let mut rng = Rng::new(1);
    (0..64)
        .map(|_| {
            let x: Vec<f32> = (0..32 * 784).map(|_| rng.normal() as f32).collect();
            let y: Vec<u32> = (0..32).map(|_| rng.below(10) as u32).collect();
            let xt = Tensor::from_slice(&x, (32, 784), &Device::Cpu).unwrap();
            let yt = Tensor::from_slice(&y, 32, &Device::Cpu).unwrap();
            (x, y, xt, yt)
        })
        .collect()
}

/// Median steps/s of 5 runs of `steps` steps after 50 warm-up steps; `step(k)` does step k.
fn median_rate(steps: usize, mut step: impl FnMut(usize)) -> (f64, Vec<f64>) {
    (0..50).for_each(&mut step);
    let mut k = 50;
    let mut runs: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..steps {
                step(k);
                k += 1;
            }
            t.elapsed().as_secs_f64()
        })
        .collect();
    let raw = runs.clone();
    runs.sort_by(f64::total_cmp);
    (steps as f64 / runs[2], raw)
}

fn compare() {
    params::tune_allocator();
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(500);
    let rounds: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
    let cfg = MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 };
    let data = synthetic_batches();
    let (lr, mu, hcfg) = (0.01, 0.01, hvp::HvpConfig::default());
    let load = || {
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    };
    for round in 0..rounds {
        for (engine, threads, mu) in [
            ("fast", 1, 0.0),
            ("fast", 2, 0.0),
            ("candle", 1, 0.0),
            ("fast", 1, mu),
            ("fast-dense", 1, mu),
            ("fast", 2, mu),
            ("fast-dense", 2, mu),
            ("candle", 1, mu),
        ] {
            let net = ModelSpec::Mlp(cfg.clone()).build(&Device::Cpu, DType::F32, 0).unwrap();
            let load0 = load();
            let (rate, runs) = if engine.starts_with("fast") {
                let mut f = FastMlp::from_vars(&cfg, net.params(), threads).unwrap();
                // `fast`: EgrKernel::Auto (the low-rank kernel at this batch size).
                let kernel = if engine == "fast" { EgrKernel::Auto } else { EgrKernel::Dense };
                median_rate(steps, |k| {
                    let (x, y, _, _) = &data[k % data.len()];
                    f.egr_step_with(kernel, x, y, lr, mu, hcfg.eps_rel).unwrap();
                })
            } else {
                // candle's step as `Engine::Candle` runs it (rayon threads from RAYON_NUM_THREADS).
                median_rate(steps, |k| {
                    let (_, _, x, y) = &data[k % data.len()];
                    let g = hvp::egr_grad(net.as_ref(), x, y, mu, &hcfg).unwrap();
                    params::axpy(net.params(), -lr, &g.total).unwrap();
                })
            };
            let threads = if engine.starts_with("fast") { threads } else { rayon::current_num_threads() };
            println!(
                "{{\"round\": {round}, \"engine\": \"{engine}\", \"threads\": {threads}, \"step\": \"{}\", \"steps_per_s\": {rate:.1}, \"run_s\": {runs:.3?}, \"loadavg_before\": \"{load0}\"}}",
                if mu == 0.0 { "sgd" } else { "egr" }
            );
        }
    }
}

type Op<'a> = dyn FnMut(&mut FastMlp, &[f32], &[u32]) + 'a;

/// `prof_step fast`: ms per call of the FastMlp pieces, 1 and 2 threads, median of 5 runs of 200.
fn fast_parts() {
    let cfg = MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 };
    let data = synthetic_batches();
    let net = ModelSpec::Mlp(cfg.clone()).build(&Device::Cpu, DType::F32, 0).unwrap();
    for threads in [1, 2, 1, 2] {
        let mut f = FastMlp::from_vars(&cfg, net.params(), threads).unwrap();
        let mut ms = |name: &str, op: &mut Op| {
            let (rate, _) = median_rate(200, |k| {
                let (x, y, _, _) = &data[k % data.len()];
                op(&mut f, x, y)
            });
            println!("threads {threads} {name:14} {:.3} ms", 1e3 / rate);
        };
        ms("loss_and_grad", &mut |f, x, y| {
            f.loss_and_grad(x, y).unwrap();
        });
        ms("sgd_step", &mut |f, x, y| {
            f.sgd_step(x, y, 1e-3).unwrap();
        });
        ms("egr_grad", &mut |f, x, y| {
            f.egr_grad(x, y, 0.01, 1e-4).unwrap();
        });
        ms("egr_step", &mut |f, x, y| {
            f.egr_step(x, y, 1e-3, 0.01, 1e-4).unwrap();
        });
    }
}

/// `prof_step loop sgd|egr N THREADS`: N fast steps and nothing else (for `perf record`).
fn fast_loop() {
    let args: Vec<String> = std::env::args().collect();
    let mu = if args.get(2).map(String::as_str) == Some("egr") { 0.01 } else { 0.0 };
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let threads: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
    let cfg = MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 };
    let data = synthetic_batches();
    let net = ModelSpec::Mlp(cfg.clone()).build(&Device::Cpu, DType::F32, 0).unwrap();
    let mut f = FastMlp::from_vars(&cfg, net.params(), threads).unwrap();
    let t = Instant::now();
    for k in 0..n {
        let (x, y, _, _) = &data[k % data.len()];
        f.egr_step(x, y, 1e-3, mu, 1e-4).unwrap();
    }
    println!("{:.3} ms/step", t.elapsed().as_secs_f64() * 1e3 / n as f64);
}

/// `prof_step gemm`: the gemm crate alone (1 thread) on the products of the 784-400x4-10 batch-32
/// step, in the feature-major layout FastMlp uses and in the batch-major layout (`dX = dZ W^T`).
fn gemm_alone() {
    // Row-major dst (m x n) = lhs (m x k) rhs (k x n), strides (row, column).
    #[allow(clippy::too_many_arguments)]
    fn mm(
        m: usize,
        n: usize,
        k: usize,
        d: &mut [f32],
        ds: (isize, isize),
        a: &[f32],
        as_: (isize, isize),
        b: &[f32],
        bs: (isize, isize),
    ) {
        assert!(d.len() >= m * n);
        // SAFETY: the buffers hold the matrices the strides describe (checked by the callers' sizes).
        unsafe {
            gemm::gemm(
                m,
                n,
                k,
                d.as_mut_ptr(),
                ds.1,
                ds.0,
                false,
                a.as_ptr(),
                as_.1,
                as_.0,
                b.as_ptr(),
                bs.1,
                bs.0,
                0.0,
                1.0,
                false,
                false,
                false,
                gemm::Parallelism::None,
            )
        }
    }
    let b = 32;
    let mut total_us = 0.0;
    for (k, n, count) in [(784usize, 400usize, 1.0), (400, 400, 3.0), (400, 10, 1.0)] {
        let (x, w, dz) = (vec![0.5f32; b * k], vec![0.25f32; k * n], vec![0.1f32; b * n]);
        let (mut z, mut dw, mut dx) = (vec![0f32; b * n], vec![0f32; k * n], vec![0f32; b * k]);
        let fl = 2.0 * (b * k * n) as f64;
        let (ki, ni, bi) = (k as isize, n as isize, b as isize);
        let time = |name: &str, f: &mut dyn FnMut()| {
            let (rate, _) = median_rate(400, |_| f());
            println!("{k}x{n} {name:36} {:7.1} us {:6.1} GFLOP/s", 1e6 / rate, fl * rate / 1e9);
            1e6 / rate
        };
        // The first layer reads the row-major batch (b x k) through strides, the others A^T (k x b).
        let xs = if k == 784 { (1, ki) } else { (bi, 1) };
        let fwd = time("forward Z^T = W^T A^T", &mut || mm(n, b, k, &mut z, (bi, 1), &w, (1, ni), &x, xs));
        let dwt = time("dW = A^T dZ (dZ^T stored)", &mut || mm(k, n, b, &mut dw, (ni, 1), &x, xs, &dz, (1, bi)));
        let dxt = time("dA^T = W dZ^T", &mut || mm(k, b, n, &mut dx, (bi, 1), &w, (ni, 1), &dz, (bi, 1)));
        time("batch-major dX = dZ W^T (not used)", &mut || mm(b, k, n, &mut dx, (ki, 1), &dz, (ni, 1), &w, (1, ni)));
        total_us += count * (fwd + dwt + if k == 784 { 0.0 } else { dxt });
        // The low-rank EGR kernel's small products: Gram matrices (b x b x k and b x b x n) and
        // the alpha terms (n x b x b, k x b x b).
        let mut gm = vec![0f32; b * b];
        let flg = |kk: usize| 2.0 * (b * b * kk) as f64;
        let small = |name: &str, kk: usize, f: &mut dyn FnMut()| {
            let (rate, _) = median_rate(2000, |_| f());
            println!("{k}x{n} {name:36} {:7.1} us {:6.1} GFLOP/s", 1e6 / rate, flg(kk) * rate / 1e9);
        };
        small("gram A A^T (b x b x k)", k, &mut || mm(b, b, k, &mut gm, (bi, 1), &x, (xs.1, xs.0), &x, xs));
        small("gram dZ dZ^T (b x b x n)", n, &mut || mm(b, b, n, &mut gm, (bi, 1), &dz, (1, bi), &dz, (bi, 1)));
        let gm2 = gm.clone();
        small("alpha dZ^T M (n x b x b)", n, &mut || mm(n, b, b, &mut z, (bi, 1), &dz, (bi, 1), &gm2, (bi, 1)));
    }
    println!(
        "sum of the step's products (first layer's dA skipped): {total_us:.0} us = {:.0} steps/s bound",
        1e6 / total_us
    );
}

/// `prof_step ratio [ROUNDS] [BLOCK] [THREADS]`: the EGR / SGD step-time ratio of `FastMlp`
/// (mu = 0.01, both EGR kernels), measured interleaved so that the machine's drifts (other jobs,
/// clock changes) hit all three alike: each round runs BLOCK = 20 SGD steps, BLOCK low-rank EGR
/// steps and BLOCK dense EGR steps, each from its own network, after 50 warm-up steps each.
/// Prints the ratio of the total times and the median and quartiles of the per-round ratios.
fn ratio() {
    params::tune_allocator();
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100);
    let block: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(20);
    let threads: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1);
    let cfg = MlpConfig { input: 784, hidden: vec![400; 4], classes: 10 };
    let data = synthetic_batches();
    let net = ModelSpec::Mlp(cfg.clone()).build(&Device::Cpu, DType::F32, 0).unwrap();
    let kinds = [
        ("sgd", EgrKernel::Auto, 0.0),
        ("egr-lowrank", EgrKernel::LowRank, 0.01),
        ("egr-dense", EgrKernel::Dense, 0.01),
    ];
    let mut nets: Vec<FastMlp> =
        kinds.iter().map(|_| FastMlp::from_vars(&cfg, net.params(), threads).unwrap()).collect();
    let mut k = 0;
    let mut run = |f: &mut FastMlp, kernel, mu, n: usize| {
        let t = Instant::now();
        for _ in 0..n {
            let (x, y, _, _) = &data[k % data.len()];
            f.egr_step_with(kernel, x, y, 1e-3, mu, 1e-4).unwrap();
            k += 1;
        }
        t.elapsed().as_secs_f64()
    };
    for (f, &(_, kernel, mu)) in nets.iter_mut().zip(&kinds) {
        run(f, kernel, mu, 50);
    }
    let mut times = vec![vec![]; kinds.len()];
    for _ in 0..rounds {
        for (i, (f, &(_, kernel, mu))) in nets.iter_mut().zip(&kinds).enumerate() {
            times[i].push(run(f, kernel, mu, block));
        }
    }
    let names: Vec<String> = kinds.iter().map(|k| k.0.to_string()).collect();
    print_ratios(&names, &format!("\"threads\": {threads}"), &times, rounds * block);
}

/// One JSON line per configuration: ms per step, and its time over the first configuration's (SGD) as the ratio of
/// the totals and the median and quartiles of the per-block ratios. `times[i][r]`: configuration i, block r.
fn print_ratios(names: &[String], extra: &str, times: &[Vec<f64>], steps: usize) {
    let total: Vec<f64> = times.iter().map(|t| t.iter().sum()).collect();
    for (i, name) in names.iter().enumerate() {
        let mut r: Vec<f64> = times[i].iter().zip(&times[0]).map(|(a, b)| a / b).collect();
        r.sort_by(f64::total_cmp);
        let q = |p: f64| r[((r.len() - 1) as f64 * p).round() as usize];
        println!(
            "{{\"kind\": \"{name}\", {extra}, \"ms_per_step\": {:.3}, \"over_sgd_total\": {:.3}, \"over_sgd_median\": {:.3}, \"q25\": {:.3}, \"q75\": {:.3}}}",
            1e3 * total[i] / steps as f64,
            total[i] / total[0],
            q(0.5),
            q(0.25),
            q(0.75)
        );
    }
}

/// `prof_step resnet-ratio [ROUNDS] [BLOCK] [BATCH]`: EGR (mu = 0.01) / SGD step time of the small ResNet
/// (`ResNetConfig::small(1, 10)`, candle, default rayon threads), SGD and EGR interleaved in blocks of BLOCK steps
/// over ROUNDS rounds on 8 synthetic batches cycled; the same summary as `ratio`.
fn resnet_ratio() {
    use bea_verification::nets::resnet::ResNetConfig;
    let args: Vec<String> = std::env::args().collect();
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let block: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);
    let batch: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(32);
    let spec = ModelSpec::ResNet(ResNetConfig::small(1, 10));
    let mut rng = Rng::new(1);
    let data: Vec<(Tensor, Tensor)> = (0..8)
        .map(|_| {
            let x: Vec<f32> = (0..batch * 28 * 28).map(|_| rng.uniform() as f32).collect();
            let y: Vec<u32> = (0..batch).map(|_| rng.below(10) as u32).collect();
            (
                Tensor::from_vec(x, (batch, 1, 28, 28), &Device::Cpu).unwrap(),
                Tensor::from_vec(y, batch, &Device::Cpu).unwrap(),
            )
        })
        .collect();
    let kinds = [("sgd", 0.0), ("egr", 0.01)];
    let nets: Vec<_> = kinds.iter().map(|_| spec.build(&Device::Cpu, DType::F32, 0).unwrap()).collect();
    let cfg = hvp::HvpConfig::default();
    let mut k = 0;
    let mut run = |net: &dyn bea_verification::nets::models::Net, mu: f64, n: usize| {
        let t = Instant::now();
        for _ in 0..n {
            let (x, y) = &data[k % data.len()];
            let g = hvp::egr_grad(net, x, y, mu, &cfg).unwrap();
            params::axpy(net.params(), -1e-3, &g.total).unwrap();
            k += 1;
        }
        t.elapsed().as_secs_f64()
    };
    for (net, &(_, mu)) in nets.iter().zip(&kinds) {
        run(net.as_ref(), mu, 3);
    }
    let mut times = vec![vec![]; kinds.len()];
    for _ in 0..rounds {
        for (i, (net, &(_, mu))) in nets.iter().zip(&kinds).enumerate() {
            times[i].push(run(net.as_ref(), mu, block));
        }
    }
    let names: Vec<String> = kinds.iter().map(|k| format!("resnet-{}", k.0)).collect();
    print_ratios(&names, &format!("\"batch\": {batch}"), &times, rounds * block);
}

/// `prof_step widths`: ms per FastMlp SGD step (1 thread, batch 32) of the paper's MLP
/// (`MlpConfig::paper(784, w, 10)`, 5 hidden layers) for the igr-mlp-full widths.
fn widths() {
    let mut rng = Rng::new(1);
    let x: Vec<f32> = (0..32 * 784).map(|_| rng.normal() as f32).collect();
    let y: Vec<u32> = (0..32).map(|_| rng.below(10) as u32).collect();
    for w in [50, 100, 200, 400, 800, 1600] {
        let cfg = MlpConfig::paper(784, w, 10);
        let net = ModelSpec::Mlp(cfg.clone()).build(&Device::Cpu, DType::F32, 0).unwrap();
        let mut f = FastMlp::from_vars(&cfg, net.params(), 1).unwrap();
        let steps = (200_000 / w).clamp(50, 2000);
        let (rate, _) = median_rate(steps, |_| {
            f.sgd_step(&x, &y, 1e-3).unwrap();
        });
        println!("width {w:5} m {:9} {:.3} ms/step", f.param_count(), 1e3 / rate);
    }
}
