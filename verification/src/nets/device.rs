//! Device selection: CPU always; CUDA only in builds with the `cuda` feature and a visible GPU.

use candle_core::{DType, Device};
use serde::{Deserialize, Serialize};

use super::error::{NetsError, Result};

/// Which compute device to run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DeviceKind {
    /// The CPU (candle's gemm backend, all cores unless `RAYON_NUM_THREADS` says otherwise).
    #[default]
    Cpu,
    /// CUDA device 0 (needs a build with `--features cuda`).
    Cuda,
}

/// Floating-point precision of parameters and activations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// 32-bit floats (the paper's and the benchmark's setting).
    #[default]
    F32,
    /// 64-bit floats (validation of finite differences).
    F64,
}

impl Precision {
    /// The candle dtype.
    pub fn dtype(self) -> DType {
        match self {
            Precision::F32 => DType::F32,
            Precision::F64 => DType::F64,
        }
    }
}

/// Whether this binary was built with CUDA support.
pub const CUDA_BUILT: bool = cfg!(feature = "cuda");

/// Open the requested device, with a clear error when CUDA is asked for but unavailable.
///
/// ```
/// use bea_verification::nets::device::{open_device, DeviceKind};
/// assert!(open_device(DeviceKind::Cpu).unwrap().is_cpu());
/// ```
pub fn open_device(kind: DeviceKind) -> Result<Device> {
    match kind {
        DeviceKind::Cpu => Ok(Device::Cpu),
        DeviceKind::Cuda if !CUDA_BUILT => Err(NetsError::CudaUnavailable {
            detail: "this binary was built without the `cuda` feature; rebuild with `cargo build --features cuda` (needs nvcc)".into(),
        }),
        DeviceKind::Cuda => Device::new_cuda(0).map_err(|e| NetsError::CudaUnavailable {
            detail: format!("no usable CUDA device 0 ({e})"),
        }),
    }
}
