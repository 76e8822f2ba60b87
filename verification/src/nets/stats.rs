//! Small statistics helpers: a seeded RNG, Spearman rank correlation, mean and standard deviation.
//!
//! The RNG is our own (SplitMix64 + Box-Muller) so that initialisations, splits and noise
//! realisations are byte-identical across platforms and candle versions.

/// Deterministic SplitMix64 generator (Steele, Lea & Flood 2014).
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
    spare: Option<f64>,
}

impl Rng {
    /// A generator from a seed.
    ///
    /// ```
    /// use bea_verification::nets::stats::Rng;
    /// let (mut a, mut b) = (Rng::new(7), Rng::new(7));
    /// assert_eq!(a.next_u64(), b.next_u64());
    /// ```
    pub fn new(seed: u64) -> Self {
        Rng { state: seed ^ 0x9E37_79B9_7F4A_7C15, spare: None }
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform integer in 0..n (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.uniform() * n as f64) as usize % n.max(1)
    }

    /// Standard normal sample (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        if let Some(s) = self.spare.take() {
            return s;
        }
        let u1 = self.uniform().max(1e-300);
        let u2 = self.uniform();
        let r = (-2.0 * u1.ln()).sqrt();
        let t = 2.0 * std::f64::consts::PI * u2;
        self.spare = Some(r * t.sin());
        r * t.cos()
    }

    /// Fisher-Yates shuffle in place.
    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

/// Ranks (1-based, ties get their average rank).
fn ranks(xs: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..xs.len()).collect();
    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut r = vec![0.0; xs.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && xs[idx[j + 1]] == xs[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Pearson correlation; `None` when fewer than 2 points or a constant series.
pub fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        return None;
    }
    Some(sxy / (sxx * syy).sqrt())
}

/// Spearman rank correlation (Pearson correlation of average ranks).
///
/// ```
/// use bea_verification::nets::stats::spearman;
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[30.0, 20.0, 10.0]), Some(-1.0));
/// ```
pub fn spearman(x: &[f64], y: &[f64]) -> Option<f64> {
    pearson(&ranks(x), &ranks(y))
}

/// Arithmetic mean (NaN for an empty slice).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (0 for fewer than two values).
pub fn std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_handles_ties_and_monotone_maps() {
        let x = [1.0, 2.0, 2.0, 4.0];
        let y = [1.0, 8.0, 8.0, 64.0];
        assert!((spearman(&x, &y).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[1.0], &[1.0]), None);
    }

    #[test]
    fn spearman_of_a_permutation_matches_the_classical_formula() {
        // Untied ranks: rho = 1 - 6 S / (n (n^2 - 1)), S = sum d^2.
        // x = 1..5, y = (3, 2, 1, 5, 4): d = (-2, 0, 2, -1, 1), S = 10, rho = 1 - 60/120 = 1/2.
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(spearman(&x, &[3.0, 2.0, 1.0, 5.0, 4.0]), Some(0.5));
        // Ranks, not values: any strictly increasing map of y gives the same rho.
        assert_eq!(spearman(&x, &[0.3, 0.2, 0.1, 50.0, 4.0]), Some(0.5));
        // y = (2, 4, 1, 3) on 1..4: d = (-1, -2, 2, 1), S = 10, rho = 1 - 60/60 = 0.
        assert_eq!(spearman(&[1.0, 2.0, 3.0, 4.0], &[2.0, 4.0, 1.0, 3.0]), Some(0.0));
        // n = 6, y = (6, 4, 5, 2, 3, 1): d = (-5, -2, -2, 2, 2, 5), S = 66,
        // rho = 1 - 396/210 = -31/35.
        let r = spearman(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[6.0, 4.0, 5.0, 2.0, 3.0, 1.0]).unwrap();
        assert!((r + 31.0 / 35.0).abs() < 1e-15, "{r}");
    }

    #[test]
    fn spearman_with_ties_is_pearson_of_average_ranks() {
        // x = (1, 2, 2, 3) has average ranks (1, 2.5, 2.5, 4); y = (1, 3, 2, 4) ranks itself.
        // Deviations from 2.5: dx = (-1.5, 0, 0, 1.5), dy = (-1.5, 0.5, -0.5, 1.5);
        // sxy = 4.5, sxx = 4.5, syy = 5, rho = 4.5 / sqrt(22.5) = sqrt(0.9).
        // (The untied formula would give 1 - 6 * 0.5 / 60 = 0.95: ties break it.)
        let r = spearman(&[1.0, 2.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 4.0]).unwrap();
        assert!((r - 0.9f64.sqrt()).abs() < 1e-15, "{r}");
        // Ties on both sides: x = (5, 5, 6, 9) ranks (1.5, 1.5, 3, 4), y = (0, 1, 1, 2) ranks (1, 2.5, 2.5, 4);
        // dx = (-1, -1, 0.5, 1.5), dy = (-1.5, 0, 0, 1.5): sxy = 1.5 + 0 + 0 + 2.25 = 3.75,
        // sxx = 1 + 1 + 0.25 + 2.25 = 4.5, syy = 4.5, rho = 3.75 / 4.5 = 5/6.
        let r = spearman(&[5.0, 5.0, 6.0, 9.0], &[0.0, 1.0, 1.0, 2.0]).unwrap();
        assert!((r - 5.0 / 6.0).abs() < 1e-15, "{r}");
    }

    #[test]
    fn pearson_matches_a_hand_computed_fraction() {
        // x = (0, 1, 2, 3), y = (1, 3, 2, 7): means 1.5 and 3.25,
        // dx = (-1.5, -0.5, 0.5, 1.5), dy = (-2.25, -0.25, -1.25, 3.75);
        // sxy = 3.375 + 0.125 - 0.625 + 5.625 = 8.5, sxx = 5,
        // syy = 5.0625 + 0.0625 + 1.5625 + 14.0625 = 20.75,
        // r = 8.5 / sqrt(103.75) = 17 / sqrt(415).
        let r = pearson(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.0, 2.0, 7.0]).unwrap();
        assert!((r - 17.0 / 415f64.sqrt()).abs() < 1e-15, "{r}");
        // Invariant under affine maps with positive scale, flips sign with negative scale.
        let r2 = pearson(&[10.0, 12.0, 14.0, 16.0], &[-1.0, -5.0, -3.0, -13.0]).unwrap();
        assert!((r2 + 17.0 / 415f64.sqrt()).abs() < 1e-15, "{r2}");
        // Degenerate inputs.
        assert_eq!(pearson(&[1.0, 2.0], &[1.0]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut r = Rng::new(1);
        let xs: Vec<f64> = (0..20000).map(|_| r.normal()).collect();
        assert!(mean(&xs).abs() < 0.03);
        assert!((std_dev(&xs) - 1.0).abs() < 0.03);
    }
}
