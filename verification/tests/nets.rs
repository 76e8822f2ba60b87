//! Fast tests of the network harness (data, models, training, sweeps, errors, plots).

use std::path::PathBuf;

use bea_verification::nets::data::{self, DataConfig, DatasetKind};
use bea_verification::nets::device::{open_device, DeviceKind, CUDA_BUILT};
use bea_verification::nets::error::NetsError;
use bea_verification::nets::experiments::{run_egr_resnet, run_igr_mlp, EgrResnetConfig, IgrMlpConfig};
use bea_verification::nets::idx;
use bea_verification::nets::models::{MlpConfig, Mode, ModelSpec};
use bea_verification::nets::resnet::ResNetConfig;
use bea_verification::nets::runlog::{read_run, RunStatus};
use bea_verification::nets::sweep::{run_sweep, SweepConfig};
use bea_verification::nets::train::{train_run, RunSpec, TrainConfig};
use candle_core::{DType, Device, Tensor};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bea-nets-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn quiet(out: PathBuf) -> SweepConfig {
    SweepConfig { out_dir: out, progress: false, handle_ctrl_c: false, shard: None }
}

#[test]
fn embedded_digits_hash_is_recorded() {
    assert_eq!(idx::sha256_hex(data::DIGITS_CSV_GZ), data::DIGITS_SHA256);
    assert_eq!(data::digits_all().unwrap().len(), 1797);
}

#[test]
fn missing_and_corrupt_idx_files_give_fetch_hints() {
    let dir = tmp("idx");
    let e = data::load(&DataConfig { kind: DatasetKind::Mnist, data_dir: Some(dir.clone()), ..Default::default() })
        .unwrap_err();
    assert!(matches!(e, NetsError::MissingData { .. }), "{e}");
    assert!(e.to_string().contains("fetch"), "{e}");
    std::fs::create_dir_all(dir.join("fashion-mnist")).unwrap();
    for f in idx::FASHION_MNIST_FILES {
        std::fs::write(dir.join("fashion-mnist").join(f.name), b"not idx").unwrap();
    }
    let e = idx::verify_dir(DatasetKind::FashionMnist, &dir).unwrap_err();
    assert!(matches!(e, NetsError::CorruptData { .. }), "{e}");
}

/// Runs only where the real files were fetched (BEA_DATA_DIR or the default cache): without
/// them it prints that it skipped, and fails instead when `BEA_REQUIRE_DATA=1` is set (for a CI
/// job or machine that has run `bea data fetch mnist` / `fashion-mnist`).
#[test]
fn fetched_idx_files_verify_when_present() {
    let dir = data::default_data_dir();
    let required = std::env::var("BEA_REQUIRE_DATA").is_ok_and(|v| v == "1");
    for kind in [DatasetKind::Mnist, DatasetKind::FashionMnist] {
        match idx::verify_dir(kind, &dir) {
            Ok(()) => {
                let s = data::load(&DataConfig {
                    kind,
                    data_dir: Some(dir.clone()),
                    test_limit: Some(10),
                    ..Default::default()
                })
                .unwrap();
                assert_eq!((s.train.len(), s.train.height), (60000, 28));
            }
            Err(NetsError::MissingData { .. }) if required => {
                panic!("BEA_REQUIRE_DATA=1 but {kind:?} is not in {}", dir.display())
            }
            Err(NetsError::MissingData { .. }) => {
                eprintln!("SKIPPED: {kind:?} not fetched in {} (set BEA_REQUIRE_DATA=1 to fail instead)", dir.display())
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn shape_mismatch_and_bad_batch_are_errors() {
    let split = data::digits_split().unwrap();
    let net = ModelSpec::Mlp(MlpConfig::paper(784, 8, 10)).build(&Device::Cpu, DType::F32, 0).unwrap();
    let x = split.train.images_tensor(&Device::Cpu, DType::F32, true).unwrap();
    let e = net.forward(&x, Mode::Eval).err().unwrap();
    assert!(matches!(e, NetsError::ShapeMismatch { .. }), "{e}");
    for b in [0, 5000] {
        let spec = RunSpec { train: TrainConfig { batch_size: Some(b), ..Default::default() }, ..Default::default() };
        let e = train_run(&spec, &split, None, None).unwrap_err();
        assert!(matches!(e, NetsError::InvalidConfig { field: "batch_size", .. }), "{e}");
    }
    let resnet = ModelSpec::ResNet(ResNetConfig::small(3, 10)).build(&Device::Cpu, DType::F32, 0).unwrap();
    let img = Tensor::zeros((2, 1, 8, 8), DType::F32, &Device::Cpu).unwrap();
    assert!(matches!(resnet.forward(&img, Mode::Eval).err().unwrap(), NetsError::ShapeMismatch { .. }));
}

#[test]
fn cuda_request_is_a_clear_error_without_cuda() {
    if !CUDA_BUILT {
        let e = open_device(DeviceKind::Cuda).unwrap_err();
        assert!(e.to_string().contains("--features cuda"), "{e}");
    }
}

#[test]
fn tiny_run_learns_digits_above_chance() {
    let split = data::digits_split().unwrap();
    let spec = RunSpec {
        id: "tiny".into(),
        train: TrainConfig { learning_rate: 0.1, steps: 300, eval_every: 100, ..Default::default() },
        ..Default::default()
    };
    let out = train_run(&spec, &split, None, None).unwrap();
    let best = out.summary.best.unwrap();
    assert_eq!(out.summary.status, RunStatus::Finished);
    assert!(best.test_acc > 0.8, "test accuracy {}", best.test_acc);
    assert!((best.lambda - 0.1 * out.summary.params as f64 / 4.0).abs() < 1e-9);
}

/// `set_stats` accumulates the gradient of the mean loss chunk by chunk, weighting each chunk's
/// mean by its share of the set. Checked against a second route: one backward pass over the
/// whole set (`hvp::loss_and_grad`), and its accuracy against a direct argmax count, with a
/// chunk size (7) that does not divide n = 100 so that the short last chunk must be weighted
/// correctly.
#[test]
fn set_stats_gradient_matches_the_whole_set_gradient() {
    use bea_verification::nets::metrics::set_stats;
    use bea_verification::nets::{hvp, params};
    let split = data::digits_split().unwrap();
    let s = split.train.truncate(100);
    for (dtype, tol) in [(DType::F64, 1e-12), (DType::F32, 1e-5)] {
        let net = ModelSpec::Mlp(MlpConfig::paper(64, 16, 10)).build(&Device::Cpu, dtype, 4).unwrap();
        let x = s.images_tensor(&Device::Cpu, dtype, true).unwrap();
        let y = s.labels_tensor(&Device::Cpu).unwrap();
        let (loss, g) = hvp::loss_and_grad(net.as_ref(), &x, &y, Mode::Eval).unwrap();
        let grad_sq = params::sq_norm(&g).unwrap();
        let pred = net.forward(&x, Mode::Eval).unwrap().argmax(1).unwrap().to_vec1::<u32>().unwrap();
        let correct = pred.iter().zip(&s.labels).filter(|(p, l)| **p as usize == **l as usize).count();
        let acc = correct as f64 / 100.0;
        assert!(grad_sq > 1e-4, "{dtype:?}: a vanishing gradient would make the check vacuous ({grad_sq})");
        for chunk in [7, 100, 1000] {
            let st = set_stats(net.as_ref(), &x, &y, chunk, true).unwrap();
            eprintln!("{dtype:?} chunk {chunk}: loss {} vs {loss}, ||g||^2 {} vs {grad_sq}", st.loss, st.grad_sq);
            assert!((st.loss - loss).abs() < tol * loss, "{dtype:?} chunk {chunk}: loss {} vs {loss}", st.loss);
            assert!(
                (st.grad_sq - grad_sq).abs() < tol * grad_sq,
                "{dtype:?} chunk {chunk}: ||g||^2 {} vs {grad_sq}",
                st.grad_sq
            );
            assert_eq!(st.acc, acc, "{dtype:?} chunk {chunk}");
        }
        assert_eq!(set_stats(net.as_ref(), &x, &y, 7, false).unwrap().grad_sq, 0.0);
    }
}

#[test]
fn diverging_run_is_marked_and_sweep_continues() {
    let out = tmp("diverge");
    let mk = |id: &str, h: f64| RunSpec {
        id: id.into(),
        train: TrainConfig { learning_rate: h, steps: 60, eval_every: 20, batch_size: None, ..Default::default() },
        ..Default::default()
    };
    let runs = vec![mk("huge", 1e6), mk("fine", 0.05)];
    let s = run_sweep(&runs, &quiet(out.clone())).unwrap();
    assert_eq!(s.runs.len(), 2);
    assert_eq!(s.runs[0].summary.status, RunStatus::Diverged);
    assert_eq!(s.runs[1].summary.status, RunStatus::Finished);
    let rf = read_run(&out.join("huge.jsonl")).unwrap();
    assert_eq!(rf.summary.unwrap().status, RunStatus::Diverged);
    let again = run_sweep(&runs, &quiet(out.clone())).unwrap();
    assert_eq!(again.skipped, 2);
}

#[test]
fn resnet_egr_runs_on_digits() {
    let mut cfg = EgrResnetConfig::digits();
    cfg.steps = 10;
    cfg.eval_every = 5;
    cfg.data.train_limit = Some(256);
    cfg.data.test_limit = Some(128);
    cfg.mus = vec![0.0, 0.1];
    cfg.sweep = quiet(tmp("egr"));
    cfg.plots_dir = Some(cfg.sweep.out_dir.clone());
    let r = run_egr_resnet(&cfg).unwrap();
    assert_eq!(r.points.len(), 2);
    assert!(r.plots[0].exists());
    for p in &r.points {
        eprintln!("mu {}: max test accuracy {:.3}", p.mu, p.test_acc_mean);
    }
    // Chance is 0.1 (10 classes); after 10 steps the runs reach 0.242 (mu = 0) and 0.289
    // (mu = 0.1). A chance-level classifier scores >= 0.18 on 128 test images with
    // probability ~0.4% (binomial, sd 0.027).
    assert!(r.points.iter().all(|p| p.test_acc_mean >= 0.18), "learnt nothing: {:?}", r.points);
}

#[test]
fn igr_mlp_smoke_produces_verdicts_and_plots() {
    let mut cfg = IgrMlpConfig::ci();
    cfg.seeds = vec![0];
    cfg.widths = vec![16];
    cfg.learning_rates = vec![0.02, 0.04, 0.06, 0.08, 0.1];
    cfg.steps = 3000;
    cfg.data.train_limit = Some(128);
    cfg.data.test_limit = Some(200);
    cfg.noise_width = 16;
    cfg.noise.realisations = 3;
    cfg.noise.slope_realisations = 1;
    cfg.sweep = quiet(tmp("igr"));
    cfg.plots_dir = Some(cfg.sweep.out_dir.clone());
    let r = run_igr_mlp(&cfg).unwrap();
    assert_eq!(r.runs, 5);
    for t in &r.table {
        eprintln!("{}: max test accuracy {} at step {}", t.id, t.best.test_acc, t.best.step);
    }
    for v in &r.verdicts {
        eprintln!("{v}");
    }
    // On 128 training images all five rates fit the train set (measured: max test accuracy
    // 0.80-0.855 at steps 600-2300), so every correlation has n = 5 >= MIN_POINTS points.
    assert!(r.not_fitting.is_empty() && r.diverged.is_empty(), "{:?} {:?}", r.not_fitting, r.diverged);
    assert_eq!(r.table.len(), 5);
    assert!(r.table.iter().all(|t| t.best.test_acc > 0.6), "chance is 0.1");
    let names: Vec<&str> = r.verdicts.iter().map(|v| v.prediction.as_str()).collect();
    assert_eq!(
        names,
        [
            "2.1 (max test accuracy)",
            "2.3 (max test accuracy)",
            "2.1 (fixed iteration)",
            "2.1 (fixed physical time)",
            "2.2 (no noise)",
            "2.2 (noisy parameters)",
            "2.4"
        ]
    );
    let sigmas = cfg.noise.sigmas.iter().filter(|s| **s > 0.0).count();
    for v in &r.verdicts {
        assert!(!v.claim.is_empty() && !v.rule.is_empty(), "{v}");
        assert_eq!(v.n, 5, "{v}");
        assert!(v.numbers.values().all(|x| x.is_finite()), "{v}");
        let rhos = v.numbers.iter().filter(|(k, _)| k.starts_with("spearman_rho") || k.starts_with("rho_"));
        assert!(rhos.clone().all(|(_, x)| (-1.0..=1.0).contains(x)), "{v}");
        if v.prediction.starts_with("2.2 (noisy") || v.prediction == "2.4" {
            assert_eq!(rhos.count(), sigmas, "one rho per noise level: {v}");
        } else {
            assert!(v.numbers.contains_key("spearman_rho"), "{v}");
        }
    }
    assert!(r.plots.len() == 4 && r.plots.iter().all(|p| p.exists()), "{:?}", r.plots);
    assert_eq!(r.plot_error, None);
    // A plot that cannot be drawn (here: its folder would be inside a file) no longer fails the experiment: the
    // rerun reuses the runs, gives the same verdicts, and says why there are no plots.
    let file = cfg.sweep.out_dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    cfg.plots_dir = Some(file.join("plots"));
    let again = run_igr_mlp(&cfg).unwrap();
    assert_eq!(again.skipped, 5);
    assert_eq!(again.verdicts.len(), r.verdicts.len());
    assert!(again.plots.is_empty());
    assert!(again.plot_error.as_deref().is_some_and(|e| e.contains("a-file")), "{:?}", again.plot_error);
}

/// Several seeds: every seed runs the whole sweep (its own run ids and initialisations), is judged on its own, and
/// each combined verdict is the strict majority of the per-seed ones, with every seed's outcome and rho in its
/// numbers; a second call reuses all the runs.
#[test]
fn igr_mlp_judges_each_seed_and_combines_them() {
    use bea_verification::nets::experiments::verdict::{across_seeds, Outcome};
    let mut cfg = IgrMlpConfig::ci();
    cfg.seeds = vec![4, 9, 1];
    cfg.widths = vec![16];
    cfg.learning_rates = vec![0.05, 0.1, 0.15, 0.2];
    cfg.steps = 1500;
    cfg.eval_every = 100;
    cfg.data.train_limit = Some(64);
    cfg.data.test_limit = Some(64);
    cfg.noise_width = 16;
    cfg.noise.realisations = 2;
    cfg.noise.slope_realisations = 1;
    cfg.sweep = quiet(tmp("igr-seeds"));
    cfg.plots_dir = None;
    let r = run_igr_mlp(&cfg).unwrap();
    assert_eq!((r.runs, r.skipped), (12, 0));
    assert_eq!(r.per_seed.iter().map(|s| s.seed).collect::<Vec<_>>(), [4, 9, 1]);
    // Different seeds train differently: the rows at max test accuracy are not all copies of seed 4's.
    let rows = |seed: u64| r.table.iter().filter(|t| t.seed == seed).map(|t| t.best.r_ig).collect::<Vec<_>>();
    assert!(!rows(4).is_empty() && rows(4) != rows(9) && rows(4) != rows(1), "{:?}", r.table);
    for (i, v) in r.verdicts.iter().enumerate() {
        let parts: Vec<(u64, _)> = r.per_seed.iter().map(|s| (s.seed, s.verdicts[i].clone())).collect();
        assert_eq!(v, &across_seeds(&parts), "verdict {i}");
        assert_eq!(v.n, 3);
        for (seed, p) in &parts {
            let want = match p.outcome {
                Outcome::Holds => 1.0,
                Outcome::DoesNotHold => -1.0,
                Outcome::Inconclusive => 0.0,
            };
            assert_eq!(v.numbers[&format!("outcome_seed{seed}")], want, "{v}");
        }
    }
    let again = run_igr_mlp(&cfg).unwrap();
    assert_eq!(again.skipped, 12);
    assert_eq!(again.verdicts, r.verdicts);
}

/// The fused layer (one gemm + in-place bias/ReLU, hand-written backward) gives the same loss
/// and gradients as candle's separate matmul / broadcast_add / relu ops.
#[test]
fn fused_linear_matches_candle_ops() {
    use bea_verification::nets::{hvp, params};
    let split = data::digits_split().unwrap();
    let small = split.train.truncate(48);
    for dtype in [DType::F64, DType::F32] {
        let net = ModelSpec::Mlp(MlpConfig::paper(64, 16, 10)).build(&Device::Cpu, dtype, 5).unwrap();
        let x = small.images_tensor(&Device::Cpu, dtype, true).unwrap();
        let y = small.labels_tensor(&Device::Cpu).unwrap();
        let (l_fused, g_fused) = hvp::loss_and_grad(net.as_ref(), &x, &y, Mode::Train).unwrap();
        let ps = net.params();
        let mut h = x.clone();
        for (i, wb) in ps.chunks(2).enumerate() {
            h = h.matmul(wb[0].as_tensor()).unwrap().broadcast_add(wb[1].as_tensor()).unwrap();
            if i + 1 < ps.len() / 2 {
                h = h.relu().unwrap();
            }
        }
        let loss = candle_nn::loss::cross_entropy(&h, &y).unwrap();
        let g_ref = params::grads(&loss, ps).unwrap();
        let l_ref = hvp::scalar(&loss).unwrap();
        let diff: Vec<Tensor> = g_fused.iter().zip(&g_ref).map(|(a, b)| (a - b).unwrap()).collect();
        let rel = (params::sq_norm(&diff).unwrap() / params::sq_norm(&g_ref).unwrap()).sqrt();
        let tol = if dtype == DType::F64 { 1e-12 } else { 1e-5 };
        assert!(
            (l_fused - l_ref).abs() < tol * l_ref.abs() && rel < tol,
            "{dtype:?}: loss {l_fused} vs {l_ref}, gradient rel err {rel}"
        );
    }
}

/// A kept gradient must not keep the forward pass alive. candle returns a convolution kernel's gradient still
/// recording the operation that read the layer's input activation; summing such gradients over the chunks of an
/// evaluation kept every chunk's activations (found on the GPU: ResNet-18's first evaluation ran an H200 out of its
/// 140 GB). The first assertion checks that candle still behaves so (else the detach is no longer needed).
#[test]
fn gradients_are_detached_from_the_forward_graph() {
    use bea_verification::nets::{hvp, params};
    let split = data::digits_split().unwrap();
    let small = split.train.truncate(16);
    let net = ModelSpec::ResNet(ResNetConfig::small(1, 10)).build(&Device::Cpu, DType::F32, 1).unwrap();
    let x = small.images_tensor(&Device::Cpu, DType::F32, false).unwrap();
    let y = small.labels_tensor(&Device::Cpu).unwrap();
    let loss = || hvp::batch_loss(net.as_ref(), &x, &y, Mode::Eval).unwrap();
    let kept = params::grads_with_graph(&loss(), net.params()).unwrap();
    assert!(kept.iter().any(|g| g.track_op()), "candle now returns gradients without their graph");
    let g = params::grads(&loss(), net.params()).unwrap();
    assert_eq!(g.len(), kept.len());
    assert!(g.iter().all(|g| !g.track_op()), "params::grads returned a gradient that keeps its graph");
    // Same values either way.
    for (a, b) in g.iter().zip(&kept) {
        assert_eq!(
            a.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            b.flatten_all().unwrap().to_vec1::<f32>().unwrap()
        );
    }
}
