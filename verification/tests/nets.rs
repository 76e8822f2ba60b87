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

/// Runs only where the real files were fetched (BEA_DATA_DIR or the default cache).
#[test]
fn fetched_idx_files_verify_when_present() {
    let dir = data::default_data_dir();
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
            Err(NetsError::MissingData { .. }) => eprintln!("{kind:?} not fetched; skipped"),
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
    assert!((best.slope * best.slope - best.r_ig * out.summary.params as f64).abs() < 1e-6 * best.slope * best.slope);
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
    assert!(r.points.iter().all(|p| p.test_acc_mean > 0.1));
}

#[test]
fn igr_mlp_smoke_produces_verdicts_and_plots() {
    let mut cfg = IgrMlpConfig::ci();
    cfg.widths = vec![16];
    cfg.learning_rates = vec![0.05, 0.2];
    cfg.steps = 200;
    cfg.noise_width = 16;
    cfg.noise.realisations = 3;
    cfg.noise.slope_realisations = 1;
    cfg.sweep = quiet(tmp("igr"));
    cfg.plots_dir = Some(cfg.sweep.out_dir.clone());
    let r = run_igr_mlp(&cfg).unwrap();
    assert_eq!(r.runs, 2);
    assert!(r.verdicts.len() >= 5);
    assert!(r.plots.iter().all(|p| p.exists()));
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
