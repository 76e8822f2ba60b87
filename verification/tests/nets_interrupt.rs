//! A Ctrl-C during an evaluation is answered between its chunks. Own test binary: the stop flag is global to the
//! process, and the other network tests train in parallel threads of theirs.

use bea_verification::nets::data;
use bea_verification::nets::error::NetsError;
use bea_verification::nets::interrupt;
use bea_verification::nets::metrics::set_stats;
use bea_verification::nets::models::{MlpConfig, ModelSpec};
use bea_verification::nets::runlog::RunStatus;
use bea_verification::nets::train::{train_run, RunSpec, TrainConfig};
use candle_core::{DType, Device};

#[test]
fn a_stop_during_an_evaluation_ends_the_run_as_interrupted() {
    let split = data::digits_split().unwrap();
    let s = split.train.truncate(100);
    let net = ModelSpec::Mlp(MlpConfig::paper(64, 16, 10)).build(&Device::Cpu, DType::F32, 4).unwrap();
    let x = s.images_tensor(&Device::Cpu, DType::F32, true).unwrap();
    let y = s.labels_tensor(&Device::Cpu).unwrap();
    assert!(set_stats(net.as_ref(), &x, &y, 7, true).is_ok());

    interrupt::request_stop();
    let r = set_stats(net.as_ref(), &x, &y, 7, true);
    assert!(matches!(r, Err(NetsError::Interrupted)), "{r:?}");
    // A run whose first evaluation (step 0) meets the stop: interrupted, no evaluation kept, no step taken.
    let spec = RunSpec {
        id: "stopped".into(),
        train: TrainConfig { learning_rate: 0.1, steps: 300, eval_every: 100, ..Default::default() },
        ..Default::default()
    };
    let out = train_run(&spec, &split, None, None).unwrap();
    assert_eq!(out.summary.status, RunStatus::Interrupted);
    assert_eq!(out.summary.steps_done, 0);
    assert!(out.evals.is_empty() && out.summary.best.is_none());

    interrupt::clear();
    let out = train_run(&spec, &split, None, None).unwrap();
    assert_eq!(out.summary.status, RunStatus::Finished);
    assert_eq!(out.evals.len(), 4);
}
