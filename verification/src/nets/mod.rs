//! Neural-network half of the verification harness: Section 6 and Appendix A.5 of Barrett &
//! Dherin, "Implicit Gradient Regularization" (ICLR 2021), on candle.
//!
//! - [`data`], [`idx`]: the embedded UCI digits (default) and verified MNIST / Fashion-MNIST idx files.
//! - [`models`], [`resnet`]: the paper's 5-hidden-layer ReLU MLP, a small ResNet and ResNet-18.
//! - [`linear`]: the fused CPU layer `act(x W + b)` with a hand-written backward.
//! - [`fast_mlp`]: the allocation-free f32 CPU training step (SGD and EGR) of the MLP, used by
//!   [`train`] for MLP runs; candle's autograd stays the reference and the path for ResNets.
//! - [`hvp`]: gradients, finite-difference and exact Hessian-vector products, the EGR gradient.
//! - [`train`], [`metrics`], [`runlog`]: GD/SGD(+EGR) runs logging E, R_IG, lambda, accuracies,
//!   slope and parameter norm to atomically written JSONL files.
//! - [`sweep`]: independent runs, one file each, finished runs skipped on rerun.
//! - [`experiments`]: `igr-mlp` (Predictions 2.1-2.4) and `egr-resnet` (Figure 3c) as verdicts.
//! - [`plots`]: PNG figures like Figures 2, A.6, 3a, 3b, 3c.
//!
//! ```
//! use bea_verification::nets::{data, train::{RunSpec, TrainConfig, train_run}};
//! let split = data::digits_split().unwrap();
//! let spec = RunSpec { train: TrainConfig { steps: 20, eval_every: 10, ..Default::default() }, ..Default::default() };
//! let out = train_run(&spec, &split, None, None).unwrap();
//! assert_eq!(out.evals.len(), 3);
//! ```

pub mod data;
pub mod device;
pub mod error;
pub mod experiments;
pub mod fast_mlp;
pub mod hvp;
pub mod idx;
pub mod interrupt;
pub mod linear;
pub mod metrics;
pub mod models;
pub mod params;
pub mod plots;
pub mod resnet;
pub mod runlog;
pub mod stats;
pub mod sweep;
pub mod train;

pub use error::{NetsError, Result};
