//! Errors of the network harness.

use std::path::PathBuf;

/// Everything that can go wrong in [`crate::nets`]: data, shapes, configuration, devices, files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetsError {
    /// A data file is absent; `hint` says how to fetch it.
    #[error("missing data file {path}: {hint}")]
    MissingData {
        /// The file looked for (first candidate name).
        path: PathBuf,
        /// How to obtain it.
        hint: String,
    },
    /// A data file exists but its SHA-256 differs from the recorded one.
    #[error("corrupt data file {path}: SHA-256 {actual} (of the decompressed bytes) differs from the recorded {expected}; delete it and fetch again ({hint})")]
    CorruptData {
        /// The file.
        path: PathBuf,
        /// Recorded hash.
        expected: String,
        /// Hash found.
        actual: String,
        /// How to obtain a good copy.
        hint: String,
    },
    /// A data file is not in the expected format (idx header, CSV row...).
    #[error("malformed data in {what}: {detail}")]
    Malformed {
        /// Which file or source.
        what: String,
        /// What is wrong.
        detail: String,
    },
    /// Input and model shapes do not fit together.
    #[error("shape mismatch: {detail}")]
    ShapeMismatch {
        /// What did not fit.
        detail: String,
    },
    /// A configuration value is impossible (batch size 0 or larger than the data, empty sweep...).
    #[error("invalid configuration `{field}`: {detail}")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
        /// Why.
        detail: String,
    },
    /// CUDA was requested but is not available in this build or on this machine.
    #[error("CUDA requested but unavailable: {detail}")]
    CudaUnavailable {
        /// Why.
        detail: String,
    },
    /// Exact double backprop was requested in a thread where candle detaches gradients.
    #[error("exact Hessian-vector products need CANDLE_GRAD_DO_NOT_DETACH=1 before the thread's first backward pass (candle reads it once per thread); use nets::hvp::with_double_backprop or set it at process start")]
    DoubleBackpropUnavailable,
    /// An error from candle.
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// File-system error with the path involved.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// JSON (de)serialisation error.
    #[error("JSON error in {what}: {source}")]
    Json {
        /// Which file or value.
        what: String,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// Plot rendering failed.
    #[error("plotting {path}: {detail}")]
    Plot {
        /// The PNG being drawn.
        path: PathBuf,
        /// What failed.
        detail: String,
    },
    /// Training was stopped by an interrupt (Ctrl-C) before finishing.
    #[error("interrupted")]
    Interrupted,
}

/// Result alias of the module.
pub type Result<T> = std::result::Result<T, NetsError>;

impl NetsError {
    /// I/O error helper.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        NetsError::Io { path: path.into(), source }
    }
    /// Invalid-configuration helper.
    pub(crate) fn config(field: &'static str, detail: impl Into<String>) -> Self {
        NetsError::InvalidConfig { field, detail: detail.into() }
    }
    /// Shape-mismatch helper.
    pub(crate) fn shape(detail: impl Into<String>) -> Self {
        NetsError::ShapeMismatch { detail: detail.into() }
    }
}
