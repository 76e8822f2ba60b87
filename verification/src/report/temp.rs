//! Temporary names for atomic writes, and the removal of the ones a killed run left behind.
//!
//! [`super::write_atomic`] writes `dir/.STEM.tmp-HOST-PID-K.EXT` and renames it into place. A run killed between
//! the two (SIGKILL, power loss) leaves that hidden file behind; nothing else ever removes it. Writers call
//! [`remove_stale_temps`] on start: it removes, in one directory only, the files of bea's own temporary
//! patterns whose writer is certainly gone, and nothing else.
//!
//! Two patterns are recognised: `.STEM.tmp-HOST-PID-K[.EXT]` (this module) and `.NAME.tmpPID` (the older
//! form still used by the network sweeps' run files). A temporary file is stale when
//! - it carries this machine's host tag and its process is not running here, or
//! - (older form, or another host's file on a shared file system) its process is not running here and it was
//!   last modified more than [`STALE_AGE`] ago: a live writer on another machine renames its file within seconds.
//!
//! The process's own files are never touched.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use super::ReportError;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// How old a temporary file of another host (or of the older pattern, which names no host) must be before it is
/// treated as stale.
pub const STALE_AGE: Duration = Duration::from_secs(3600);

/// This machine's host name reduced to ASCII letters and digits (at most 32), so that it contains neither the
/// `-` nor the `.` of the pattern; `host` when unknown.
pub fn host_tag() -> String {
    let raw = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let tag: String = raw.chars().filter(char::is_ascii_alphanumeric).take(32).collect();
    if tag.is_empty() {
        "host".into()
    } else {
        tag
    }
}

/// The temporary path next to `path` for process `pid`, keeping its extension (plotters picks the image format
/// from it): `dir/.STEM.tmp-HOST-PID-K.EXT`, `K` a per-process counter.
///
/// ```
/// use std::path::Path;
/// let t = bea_verification::report::temp_path_for_pid(Path::new("out/fig.png"), 42);
/// let name = t.file_name().unwrap().to_str().unwrap();
/// assert!(name.starts_with(".fig.tmp-") && name.ends_with(".png") && name.contains("-42-"));
/// assert_eq!(bea_verification::report::temp_owner(name).unwrap().1, 42);
/// ```
pub fn temp_path_for_pid(path: &Path, pid: u32) -> PathBuf {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("out");
    let k = COUNTER.fetch_add(1, Ordering::Relaxed);
    let host = host_tag();
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!(".{stem}.tmp-{host}-{pid}-{k}.{ext}"),
        None => format!(".{stem}.tmp-{host}-{pid}-{k}"),
    };
    dir.join(name)
}

/// A fresh temporary path next to `path` for this process (see [`temp_path_for_pid`]).
pub fn temp_path_for(path: &Path) -> PathBuf {
    temp_path_for_pid(path, std::process::id())
}

/// If `name` is one of bea's temporary names: the host tag (`None` for the older `.NAME.tmpPID` form) and the
/// writer's process id.
///
/// ```
/// use bea_verification::report::temp_owner;
/// assert_eq!(temp_owner(".run1.jsonl.tmp123"), Some((None, 123)));
/// assert_eq!(temp_owner(".a.b.tmp-box7-99-3.json"), Some((Some("box7".into()), 99)));
/// assert_eq!(temp_owner("run1.jsonl"), None);
/// assert_eq!(temp_owner(".notes.tmp"), None);
/// ```
pub fn temp_owner(name: &str) -> Option<(Option<String>, u32)> {
    parse_temp(name).map(|t| (t.host.map(str::to_string), t.pid))
}

/// The parts of a temporary name.
struct TempName<'a> {
    /// What precedes `.tmp`: the final file's name (older form) or stem (tagged form).
    base: &'a str,
    host: Option<&'a str>,
    pid: u32,
    ext: Option<&'a str>,
}

fn parse_temp(name: &str) -> Option<TempName<'_>> {
    let body = name.strip_prefix('.')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    for (at, _) in body.match_indices(".tmp").filter(|&(at, _)| at > 0) {
        let (base, rest) = (&body[..at], &body[at + 4..]);
        if digits(rest) {
            return Some(TempName { base, host: None, pid: rest.parse().ok()?, ext: None });
        }
        let Some(tagged) = rest.strip_prefix('-') else { continue };
        let (tagged, ext) = match tagged.split_once('.') {
            Some((_, "")) => continue,
            Some((t, e)) => (t, Some(e)),
            None => (tagged, None),
        };
        let parts: Vec<&str> = tagged.split('-').collect();
        if let [host, pid, k] = parts[..] {
            if !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric()) && digits(pid) && digits(k) {
                return Some(TempName { base, host: Some(host), pid: pid.parse().ok()?, ext });
            }
        }
    }
    None
}

/// Whether process `pid` runs on this machine: `Some` where `/proc` answers (Linux), `None` elsewhere.
fn process_running(pid: u32) -> Option<bool> {
    Path::new("/proc/self").exists().then(|| Path::new(&format!("/proc/{pid}")).exists())
}

/// Remove the stale temporary files of bea's atomic writes from `dir` (not its subdirectories) and return
/// their paths. With `target`, only the temporary files of that final file name are considered (a single-file
/// writer such as `bea derive -o FILE` cleans up after itself only). A missing `dir` is not an error.
///
/// ```
/// let dir = std::env::temp_dir().join(format!("bea-doc-stale-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let mut child = std::process::Command::new("true").spawn().unwrap();
/// let dead = child.id();
/// child.wait().unwrap(); // gone: its temporary file is stale
/// let stale = bea_verification::report::temp_path_for_pid(&dir.join("r.json"), dead);
/// std::fs::write(&stale, b"partial").unwrap();
/// let mine = bea_verification::report::temp_path_for(&dir.join("r.json"));
/// std::fs::write(&mine, b"being written").unwrap();
/// let removed = bea_verification::report::remove_stale_temps(&dir, None).unwrap();
/// assert_eq!(removed, vec![stale.clone()]);
/// assert!(mine.exists() && !stale.exists());
/// # std::fs::remove_dir_all(&dir).ok();
/// ```
pub fn remove_stale_temps(dir: &Path, target: Option<&str>) -> Result<Vec<PathBuf>, ReportError> {
    let io = |source| ReportError::Io { path: dir.to_path_buf(), source };
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(e)),
    };
    let (me, host) = (std::process::id(), host_tag());
    let mut removed = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io)?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else { continue };
        let Some((tag, pid)) = temp_owner(&name) else { continue };
        if pid == me || !entry.file_type().map_err(io)?.is_file() {
            continue;
        }
        if let Some(t) = target {
            if !temp_belongs_to(&name, t) {
                continue;
            }
        }
        if process_running(pid) != Some(false) {
            continue;
        }
        let old = || {
            let modified = entry.metadata().and_then(|m| m.modified()).ok();
            modified.and_then(|m| SystemTime::now().duration_since(m).ok()).is_some_and(|age| age > STALE_AGE)
        };
        if tag.as_deref() == Some(host.as_str()) || old() {
            let path = entry.path();
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                // Another cleaner got there first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ReportError::Io { path, source }),
            }
        }
    }
    removed.sort();
    Ok(removed)
}

/// Whether the temporary file `name` was written for the final file name `target`.
fn temp_belongs_to(name: &str, target: &str) -> bool {
    let Some(t) = parse_temp(name) else { return false };
    if t.host.is_none() {
        return t.base == target;
    }
    let p = Path::new(target);
    p.file_stem().and_then(|s| s.to_str()) == Some(t.base) && p.extension().and_then(|e| e.to_str()) == t.ext
}
