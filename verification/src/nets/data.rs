//! Datasets: the embedded UCI 8x8 digits (default) and MNIST / Fashion-MNIST from idx files.
//!
//! Pixels are stored as `f32` in `[0, 1]`, images in channel-height-width order; labels are `u8`.
//! The digits split is deterministic: a fixed-seed shuffle, the last [`DIGITS_TEST_SIZE`]
//! images are the test set.

use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use serde::{Deserialize, Serialize};

use super::error::{NetsError, Result};
use super::idx;
use super::stats::Rng;

/// `digits.csv.gz` as shipped in scikit-learn (UCI "Optical Recognition of Handwritten Digits",
/// CC BY 4.0); see `data/README.md`.
pub const DIGITS_CSV_GZ: &[u8] = include_bytes!("../../data/digits.csv.gz");
/// SHA-256 of [`DIGITS_CSV_GZ`] (the compressed file).
pub const DIGITS_SHA256: &str = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22";
/// Images held out as the digits test set.
pub const DIGITS_TEST_SIZE: usize = 500;
/// Seed of the digits train/test shuffle.
pub const DIGITS_SPLIT_SEED: u64 = 20210101;

/// Which dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DatasetKind {
    /// Embedded UCI 8x8 digits (1,797 images, 1,297 train / 500 test).
    #[default]
    Digits,
    /// MNIST (60,000 / 10,000, 28x28) from idx files.
    Mnist,
    /// Fashion-MNIST (60,000 / 10,000, 28x28) from idx files.
    FashionMnist,
}

/// A labelled image set held in host memory.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Pixels in `[0, 1]`, `len * channels * height * width` values.
    pub pixels: Vec<f32>,
    /// Class labels.
    pub labels: Vec<u8>,
    /// Channels per image.
    pub channels: usize,
    /// Image height.
    pub height: usize,
    /// Image width.
    pub width: usize,
    /// Number of classes.
    pub classes: usize,
}

/// Train and test sets.
#[derive(Debug, Clone)]
pub struct Split {
    /// Training set.
    pub train: Dataset,
    /// Test set.
    pub test: Dataset,
}

/// How to load data (named fields, `Default` = embedded digits, whole sets).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DataConfig {
    /// Which dataset.
    pub kind: DatasetKind,
    /// Directory holding `mnist/` and `fashion-mnist/`; `None` = [`default_data_dir`].
    pub data_dir: Option<PathBuf>,
    /// Keep only the first `n` training images (after the split), if set.
    pub train_limit: Option<usize>,
    /// Keep only the first `n` test images, if set.
    pub test_limit: Option<usize>,
    /// Zero-pad images to this square size (e.g. 32 for ResNet-18 on 28x28 data), if set.
    pub pad_to: Option<usize>,
}

/// The default data directory: `$BEA_DATA_DIR`, else `$XDG_CACHE_HOME/bea/data`, else `~/.cache/bea/data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("BEA_DATA_DIR") {
        return PathBuf::from(d);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| ".".into())).join(".cache"));
    cache.join("bea").join("data")
}

impl Dataset {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Values per image.
    pub fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }
    /// The images at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Dataset {
        let k = self.image_len();
        let mut pixels = Vec::with_capacity(idx.len() * k);
        for &i in idx {
            pixels.extend_from_slice(&self.pixels[i * k..(i + 1) * k]);
        }
        let labels = idx.iter().map(|&i| self.labels[i]).collect();
        Dataset { pixels, labels, ..*self }
    }
    /// The first `n` images (all if fewer).
    pub fn truncate(&self, n: usize) -> Dataset {
        let idx: Vec<usize> = (0..n.min(self.len())).collect();
        self.select(&idx)
    }
    /// Zero-pad every image to `size x size` (centred). Errors if `size` is smaller than the image.
    pub fn pad_to(&self, size: usize) -> Result<Dataset> {
        if size < self.height || size < self.width {
            return Err(NetsError::config(
                "pad_to",
                format!("{size} is smaller than the {}x{} images", self.height, self.width),
            ));
        }
        let (top, left) = ((size - self.height) / 2, (size - self.width) / 2);
        let mut pixels = vec![0f32; self.len() * self.channels * size * size];
        for (img, out) in self.pixels.chunks(self.image_len()).zip(pixels.chunks_mut(self.channels * size * size)) {
            for c in 0..self.channels {
                for r in 0..self.height {
                    let src = &img[(c * self.height + r) * self.width..][..self.width];
                    out[(c * size + r + top) * size + left..][..self.width].copy_from_slice(src);
                }
            }
        }
        Ok(Dataset { pixels, labels: self.labels.clone(), height: size, width: size, ..*self })
    }
    /// Images as a device tensor of shape `(n, c, h, w)` (`flat = false`) or `(n, c*h*w)`, in `dtype`.
    pub fn images_tensor(&self, device: &Device, dtype: DType, flat: bool) -> Result<Tensor> {
        let t = if flat {
            Tensor::from_slice(&self.pixels, (self.len(), self.image_len()), device)?
        } else {
            Tensor::from_slice(&self.pixels, (self.len(), self.channels, self.height, self.width), device)?
        };
        Ok(t.to_dtype(dtype)?)
    }
    /// Labels as a `u32` device tensor of shape `(n,)`.
    pub fn labels_tensor(&self, device: &Device) -> Result<Tensor> {
        let l: Vec<u32> = self.labels.iter().map(|&x| x as u32).collect();
        Ok(Tensor::from_vec(l, self.len(), device)?)
    }
}

/// Parse the embedded digits CSV (64 pixel columns 0..16, then the label) into one dataset.
pub fn digits_all() -> Result<Dataset> {
    let text = idx::gunzip_bytes(DIGITS_CSV_GZ, "embedded digits.csv.gz")?;
    let text = String::from_utf8(text).map_err(|e| malformed_digits(format!("not UTF-8: {e}")))?;
    let (mut pixels, mut labels) = (Vec::with_capacity(1797 * 64), Vec::with_capacity(1797));
    for (row, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let vals: Vec<&str> = line.split(',').collect();
        if vals.len() != 65 {
            return Err(malformed_digits(format!("row {row} has {} fields, expected 65", vals.len())));
        }
        for v in &vals[..64] {
            let p: f32 = v.trim().parse().map_err(|_| malformed_digits(format!("row {row}: bad pixel {v:?}")))?;
            pixels.push(p / 16.0);
        }
        let l: u8 = vals[64].trim().parse().map_err(|_| malformed_digits(format!("row {row}: bad label")))?;
        labels.push(l);
    }
    Ok(Dataset { pixels, labels, channels: 1, height: 8, width: 8, classes: 10 })
}

fn malformed_digits(detail: String) -> NetsError {
    NetsError::Malformed { what: "digits.csv.gz".into(), detail }
}

/// The deterministic digits split: shuffle with [`DIGITS_SPLIT_SEED`], last 500 images are the test set.
pub fn digits_split() -> Result<Split> {
    let all = digits_all()?;
    let mut idx: Vec<usize> = (0..all.len()).collect();
    Rng::new(DIGITS_SPLIT_SEED).shuffle(&mut idx);
    let n_train = all.len() - DIGITS_TEST_SIZE;
    Ok(Split { train: all.select(&idx[..n_train]), test: all.select(&idx[n_train..]) })
}

/// Load the dataset a [`DataConfig`] names, apply limits and padding.
pub fn load(config: &DataConfig) -> Result<Split> {
    let mut split = match config.kind {
        DatasetKind::Digits => digits_split()?,
        kind => {
            let dir = config.data_dir.clone().unwrap_or_else(default_data_dir);
            idx::load_idx_split(kind, &dir)?
        }
    };
    if let Some(n) = config.train_limit {
        split.train = split.train.truncate(n);
    }
    if let Some(n) = config.test_limit {
        split.test = split.test.truncate(n);
    }
    if let Some(s) = config.pad_to {
        split.train = split.train.pad_to(s)?;
        split.test = split.test.pad_to(s)?;
    }
    if split.train.is_empty() || split.test.is_empty() {
        return Err(NetsError::config("train_limit/test_limit", "empty train or test set"));
    }
    Ok(split)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_parse_and_split() {
        let s = digits_split().unwrap();
        assert_eq!(s.train.len() + s.test.len(), 1797);
        assert_eq!(s.test.len(), DIGITS_TEST_SIZE);
        assert!(s.train.pixels.iter().all(|p| (0.0..=1.0).contains(p)));
        let mut counts = [0usize; 10];
        s.test.labels.iter().for_each(|&l| counts[l as usize] += 1);
        assert!(counts.iter().all(|&c| c > 30), "{counts:?}");
    }

    #[test]
    fn pad_centres_image() {
        let d = Dataset { pixels: vec![1.0; 4], labels: vec![0], channels: 1, height: 2, width: 2, classes: 10 };
        let p = d.pad_to(4).unwrap();
        assert_eq!(p.pixels, vec![0., 0., 0., 0., 0., 1., 1., 0., 0., 1., 1., 0., 0., 0., 0., 0.]);
        assert!(d.pad_to(1).is_err());
    }
}
