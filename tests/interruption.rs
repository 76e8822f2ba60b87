//! Interruption and atomic output (issue 6): a killed run leaves no partial file and a rerun completes it.

use crate::hardening::engine;
use crate::support::{bea_cmd, run_ok};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// `bea experiment two-param --reduced --format json --out DIR`, not yet run.
fn two_param_json(dir: &Path) -> std::process::Command {
    bea_cmd(&["experiment", "two-param", "--reduced", "--format", "json", "--out", dir.to_str().unwrap()])
}

// ---------- interruption and atomic output ----------

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

/// Timing fields differ between runs: `seconds` in the JSON and "Generated in N s" in the Markdown report.
fn without_timing(name: &str, bytes: &[u8]) -> Vec<u8> {
    if name.ends_with(".json") {
        let mut v: serde_json::Value =
            serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{name} is not complete JSON: {e}"));
        v.as_object_mut().unwrap().remove("seconds");
        serde_json::to_vec(&v).unwrap()
    } else if name.ends_with(".md") {
        let s = String::from_utf8_lossy(bytes);
        s.lines().filter(|l| !l.contains("Generated in")).collect::<Vec<_>>().join("\n").into_bytes()
    } else {
        bytes.to_vec()
    }
}

fn is_temp(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp")
}

/// A process id that is certainly not running: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("true runs");
    let pid = child.id();
    child.wait().unwrap();
    pid
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// SIGKILL `bea experiment two-param --out DIR` at random moments, rerun it, and check that every final file is
/// either absent or complete, that after the rerun the outputs equal an uninterrupted run's (timing aside), and
/// that the rerun removed the hidden temporary files the killed run left (and a planted one of a dead process),
/// but not a live process's nor a hidden file of another pattern.
#[test]
fn killed_experiment_leaves_no_partial_output_and_rerun_matches() {
    let base = std::env::temp_dir().join(format!("bea-hardening-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let reference = base.join("reference");
    let t = Instant::now();
    run_ok(&mut two_param_json(&reference));
    let full = t.elapsed();
    let want: BTreeMap<String, Vec<u8>> =
        files(&reference).into_iter().map(|(n, b)| (n.clone(), without_timing(&n, &b))).collect();
    assert!(want.contains_key("two_param.json"), "{:?}", want.keys());
    let mut rng = engine::Rng(std::process::id() as u64);
    let mut stale_temps = 0;
    for k in 0..6 {
        let dir = base.join(format!("run{k}"));
        let mut child = two_param_json(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let delay = full.mul_f64(rng.below(1000) as f64 / 1000.0);
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        // Whatever was left: each final name holds a complete file.
        for (name, bytes) in files(&dir) {
            if is_temp(&name) {
                stale_temps += 1;
                continue;
            }
            assert_eq!(
                without_timing(&name, &bytes),
                want[&name],
                "run {k}: {name} is partial after a kill at {delay:?}"
            );
        }
        // Plant what the rerun must remove (a dead writer's temporary file) and keep (a live writer's, and a hidden
        // file of nobody's pattern).
        let dead = dead_pid();
        std::fs::create_dir_all(&dir).unwrap();
        let planted_stale = bea_verification::report::temp_path_for_pid(&dir.join("two_param.json"), dead);
        let planted_live = bea_verification::report::temp_path_for_pid(&dir.join("figA2.png"), std::process::id());
        for p in [&planted_stale, &planted_live, &dir.join(".notes.tmp")] {
            std::fs::write(p, b"partial").unwrap();
        }
        run_ok(&mut two_param_json(&dir));
        let mut left: Vec<String> = files(&dir).into_keys().filter(|n| is_temp(n)).collect();
        left.sort();
        let mut kept = vec![".notes.tmp".to_string(), name_of(&planted_live)];
        kept.sort();
        assert_eq!(
            left, kept,
            "run {k}: the rerun removes the killed run's and the dead writer's temporary files only"
        );
        let got: BTreeMap<String, Vec<u8>> = files(&dir)
            .into_iter()
            .filter(|(n, _)| !is_temp(n))
            .map(|(n, b)| (n.clone(), without_timing(&n, &b)))
            .collect();
        assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "run {k}");
        for (name, bytes) in &want {
            assert!(&got[name] == bytes, "run {k}: {name} differs from the uninterrupted run");
        }
    }
    eprintln!("kill test: uninterrupted run {full:?}; stale hidden temp files left by kills: {stale_temps}");
    let _ = std::fs::remove_dir_all(&base);
}

/// `bea derive -o FILE` replaces the file atomically: a kill during the run leaves the old file intact; a run
/// removes the stale temporary files that killed runs left for FILE.
#[test]
fn derive_output_file_is_replaced_atomically() {
    let dir = std::env::temp_dir().join(format!("bea-hardening-o-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file: PathBuf = dir.join("out.json");
    std::fs::write(&file, b"old").unwrap();
    // Left by earlier killed runs: a temporary file of out.json by a dead process (removed), one in the older
    // `.NAME.tmpPID` form, two hours old (removed), and a dead process's temporary file of another file (kept: a
    // single-file writer cleans up after its own file only).
    let dead = dead_pid();
    let stale = bea_verification::report::temp_path_for_pid(&file, dead);
    let old_form = dir.join(format!(".out.json.tmp{dead}"));
    let other = bea_verification::report::temp_path_for_pid(&dir.join("other.json"), dead);
    for p in [&stale, &old_form, &other] {
        std::fs::write(p, b"partial").unwrap();
    }
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::options().write(true).open(&old_form).unwrap().set_modified(two_hours_ago).unwrap();
    // Kill the writer at the one moment that matters: the new content is complete in the temporary file but not yet
    // renamed (the test hook holds it there). A plain `fs::write` of the destination would have replaced "old".
    let mut child = bea_cmd(&["derive", "--example", "quartic", "--format", "json", "-o", file.to_str().unwrap()])
        .env("BEA_TEST_HOLD_BEFORE_RENAME_MS", "30000")
        .spawn()
        .unwrap();
    let pid = child.id();
    let start = Instant::now();
    let (tmp, written) = loop {
        let mine = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).find(|p| {
            let name = name_of(p);
            name.starts_with(".out.tmp")
                && bea_verification::report::temp_owner(&name).is_some_and(|(_, owner)| owner == pid)
        });
        if let Some(p) = mine {
            let content = std::fs::read(&p).unwrap_or_default();
            if serde_json::from_slice::<serde_json::Value>(&content).is_ok() {
                break (p, content);
            }
        }
        assert!(start.elapsed() < Duration::from_secs(25), "the writer never completed a temporary file in {dir:?}");
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(std::fs::read(&file).unwrap(), b"old", "a run killed before the rename leaves the old file");
    assert!(String::from_utf8_lossy(&written).contains("\"quartic\""), "the killed run had written the new output");
    assert!(tmp.exists(), "the killed run's temporary file is left behind (the next run removes it)");
    run_ok(&mut bea_cmd(&["derive", "--example", "quartic", "--format", "json", "-o", file.to_str().unwrap()]));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(v["name"], "quartic");
    let mut names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, vec![name_of(&other), "out.json".to_string()], "stale temporary files of out.json removed");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-o` writes through a symbolic link (the link stays), into a device in place (`/dev/null` stays a device: a
/// rename over it, as root, replaced it by a regular file), and refuses a missing directory or a directory
/// (found by review).
#[test]
fn output_path_follows_links_and_leaves_devices_alone() {
    use std::os::unix::fs::FileTypeExt;
    let dir = std::env::temp_dir().join(format!("bea-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let real = dir.join("real.txt");
    std::fs::write(&real, "old").unwrap();
    let link = dir.join("link.txt");
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink("real.txt", &link).unwrap();
    run_ok(&mut bea_cmd(&["derive", "--example", "quartic", "--order", "1", "-o", link.to_str().unwrap()]));
    assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link is kept");
    assert!(std::fs::read_to_string(&real).unwrap().contains("modified equation"), "its target is written");

    run_ok(&mut bea_cmd(&["derive", "--example", "quartic", "--order", "1", "-o", "/dev/null"]));
    assert!(std::fs::metadata("/dev/null").unwrap().file_type().is_char_device(), "/dev/null is still a device");

    let missing = dir.join("no/such/dir/out.txt");
    let out = bea_cmd(&["derive", "--example", "quartic", "-o", missing.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("does not exist"), "{err}");
    assert!(!dir.join("no").exists(), "no directory was created");

    let out = bea_cmd(&["derive", "--example", "quartic", "-o", dir.to_str().unwrap()]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("is a directory"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
