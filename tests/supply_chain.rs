//! The licence and supply-chain gate (issue 6): every locked package has an OSI-approved licence, one nalgebra.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

// ---------- licence and supply-chain gate ----------

/// OSI-approved licences accepted for dependencies (SPDX identifiers).
const ALLOWED_LICENCES: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "MPL-2.0",
    "CC0-1.0",
    "BSL-1.0",
    "Unlicense",
    "0BSD",
];
/// Exceptions accepted after `WITH`.
const ALLOWED_EXCEPTIONS: &[&str] = &["LLVM-exception"];

/// Is the SPDX expression satisfiable with allowed licences? `OR` needs one side, `AND` both, `WITH` both parts.
/// Also accepts the legacy `/` separator as OR. Errors on a malformed expression.
fn spdx_ok(expr: &str) -> Result<bool, String> {
    let spaced = expr.replace('(', " ( ").replace(')', " ) ").replace('/', " OR ");
    let toks: Vec<&str> = spaced.split_whitespace().collect();
    let mut pos = 0;
    let v = spdx_or(&toks, &mut pos)?;
    if pos != toks.len() {
        return Err(format!("trailing tokens in '{expr}'"));
    }
    Ok(v)
}
fn spdx_or(t: &[&str], p: &mut usize) -> Result<bool, String> {
    let mut v = spdx_and(t, p)?;
    while t.get(*p) == Some(&"OR") {
        *p += 1;
        let r = spdx_and(t, p)?;
        v = v || r;
    }
    Ok(v)
}
fn spdx_and(t: &[&str], p: &mut usize) -> Result<bool, String> {
    let mut v = spdx_atom(t, p)?;
    while t.get(*p) == Some(&"AND") {
        *p += 1;
        let r = spdx_atom(t, p)?;
        v = v && r;
    }
    Ok(v)
}
fn spdx_atom(t: &[&str], p: &mut usize) -> Result<bool, String> {
    let tok = *t.get(*p).ok_or("unexpected end of licence expression")?;
    *p += 1;
    let v = if tok == "(" {
        let v = spdx_or(t, p)?;
        if t.get(*p) != Some(&")") {
            return Err("unbalanced parenthesis".into());
        }
        *p += 1;
        v
    } else if ["OR", "AND", "WITH", ")"].contains(&tok) {
        return Err(format!("unexpected '{tok}'"));
    } else {
        ALLOWED_LICENCES.contains(&tok.trim_end_matches('+'))
    };
    if t.get(*p) == Some(&"WITH") {
        *p += 1;
        let exc = *t.get(*p).ok_or("WITH without an exception")?;
        *p += 1;
        return Ok(v && ALLOWED_EXCEPTIONS.contains(&exc));
    }
    Ok(v)
}

#[test]
fn spdx_expressions_parse() {
    assert_eq!(spdx_ok("MIT OR Apache-2.0"), Ok(true));
    assert_eq!(spdx_ok("(MIT OR Apache-2.0) AND Unicode-3.0"), Ok(true));
    assert_eq!(spdx_ok("Apache-2.0 WITH LLVM-exception OR MIT"), Ok(true));
    assert_eq!(spdx_ok("MIT/Apache-2.0"), Ok(true));
    assert_eq!(spdx_ok("MIT AND GPL-3.0"), Ok(false));
    assert_eq!(spdx_ok("GPL-3.0 OR MIT"), Ok(true));
    assert_eq!(spdx_ok("LicenseRef-Symbolica"), Ok(false));
    assert!(spdx_ok("(MIT").is_err());
    assert!(spdx_ok("MIT OR").is_err());
}

/// Every package in the lock file has a licence expression satisfiable with OSI-approved licences, and there
/// is exactly one nalgebra. Runs `cargo metadata --locked --offline` (needs the registry cache, as any build).
#[test]
fn licence_and_supply_chain_gate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(root)
        .output()
        .expect("cargo metadata runs");
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    let mut nalgebra = Vec::new();
    for pkg in meta["packages"].as_array().unwrap() {
        let (name, version) = (pkg["name"].as_str().unwrap(), pkg["version"].as_str().unwrap());
        if name == "nalgebra" {
            nalgebra.push(version.to_string());
        }
        match pkg["license"].as_str() {
            None => bad.push(format!("{name} {version}: no licence field (license_file: {})", pkg["license_file"])),
            Some(l) => {
                *counts.entry(l.to_string()).or_default() += 1;
                match spdx_ok(l) {
                    Ok(true) => {}
                    Ok(false) => bad.push(format!("{name} {version}: '{l}' is not on the allow-list")),
                    Err(e) => bad.push(format!("{name} {version}: '{l}': {e}")),
                }
            }
        }
    }
    eprintln!("licences of {} packages:", counts.values().sum::<usize>());
    for (l, n) in &counts {
        eprintln!("  {n:4}  {l}");
    }
    assert!(bad.is_empty(), "licence gate:\n{}", bad.join("\n"));
    assert_eq!(nalgebra.len(), 1, "exactly one nalgebra in the lock file: {nalgebra:?}");
    // The lock file and the metadata agree (the same check from the lock file itself).
    let lock = std::fs::read_to_string(Path::new(root).join("Cargo.lock")).unwrap();
    assert_eq!(lock.matches("name = \"nalgebra\"\n").count(), 1, "Cargo.lock has one nalgebra");
}
