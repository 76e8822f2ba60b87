//! Writing results: every file goes through [`write_atomic`] (or [`write_png_atomic`]),
//! which writes a temporary file in the destination's directory and renames it into
//! place, so an interrupted run never leaves a half-written file. A run killed between the write and the rename
//! leaves a hidden temporary file; writers remove those of dead processes on start ([`remove_stale_temps`]).

pub mod plot;
mod temp;

pub use temp::{host_tag, remove_stale_temps, temp_owner, temp_path_for, temp_path_for_pid, STALE_AGE};

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a report file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file-system operation failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The destination.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Drawing failed (plotters backend or font error).
    #[error("cannot draw {path}: {message}")]
    Plot {
        /// The destination.
        path: PathBuf,
        /// plotters' message.
        message: String,
    },
    /// Serialising a result failed.
    #[error("cannot serialise {path}: {message}")]
    Serialize {
        /// The destination.
        path: PathBuf,
        /// serde's message.
        message: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io { path: path.to_path_buf(), source }
}

/// Writes `bytes` to `path` atomically: temp file in the same directory, `fsync`, rename.
/// Creates missing parent directories.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("bea-doc-{}", std::process::id()));
/// let p = dir.join("a.txt");
/// bea_verification::report::write_atomic(&p, b"hello").unwrap();
/// assert_eq!(std::fs::read(&p).unwrap(), b"hello");
/// # std::fs::remove_dir_all(&dir).ok();
/// ```
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(path))?;
    }
    let tmp = temp_path_for(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        hold_before_rename();
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io_err(path))
}

/// A test hook: with `BEA_TEST_HOLD_BEFORE_RENAME_MS=N` set, a writer waits N ms (at most 60 s) between writing the
/// temporary file and renaming it, so a test can kill a process at exactly that point and check that the
/// destination still holds its old content. Unset (always, outside tests), it costs one environment lookup.
fn hold_before_rename() {
    if let Some(ms) = std::env::var("BEA_TEST_HOLD_BEFORE_RENAME_MS").ok().and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms.min(60_000)));
    }
}

/// Serialises `value` as pretty JSON (with a trailing newline) and writes it atomically.
pub fn write_json_atomic<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), ReportError> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| ReportError::Serialize { path: path.to_path_buf(), message: e.to_string() })?;
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Draws a PNG of `size` pixels with `draw` and moves it into place atomically
/// (the drawing goes to a temporary `.png` next to `path`, then is renamed).
pub fn write_png_atomic<D>(path: &Path, size: (u32, u32), draw: D) -> Result<(), ReportError>
where
    D: FnOnce(&plot::Area<'_>) -> Result<(), String>,
{
    use plotters::prelude::*;
    plot::register_font().map_err(|message| ReportError::Plot { path: path.to_path_buf(), message })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io_err(path))?;
    }
    let tmp = temp_path_for(path);
    let drawn = {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(|e| e.to_string()))
    };
    if let Err(message) = drawn {
        let _ = std::fs::remove_file(&tmp);
        return Err(ReportError::Plot { path: path.to_path_buf(), message });
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        ReportError::Io { path: path.to_path_buf(), source: e }
    })
}
