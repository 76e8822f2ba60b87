//! Verdicts: holds / does not hold / inconclusive, with the numbers behind them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::nets::stats::spearman;

/// Outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The prediction held by the stated rule.
    Holds,
    /// The data contradict the prediction by the stated rule.
    DoesNotHold,
    /// Too few points, or an effect too weak to call either way.
    Inconclusive,
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Outcome::Holds => "holds",
            Outcome::DoesNotHold => "does not hold",
            Outcome::Inconclusive => "inconclusive",
        })
    }
}

/// One prediction's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Which prediction / comparison, e.g. `2.1 (max test accuracy)`.
    pub prediction: String,
    /// What was tested, in words.
    pub claim: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The rule that turns the numbers into the outcome.
    pub rule: String,
    /// Number of data points used.
    pub n: usize,
    /// Named numbers (correlations, means, differences).
    pub numbers: BTreeMap<String, f64>,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let nums: Vec<String> = self.numbers.iter().map(|(k, v)| format!("{k} = {v:.4}")).collect();
        write!(
            f,
            "Prediction {}: {} -> {} (n = {}; {})",
            self.prediction,
            self.claim,
            self.outcome,
            self.n,
            nums.join(", ")
        )
    }
}

/// Minimum |Spearman rho| with the predicted sign for "holds".
pub const RHO_HOLDS: f64 = 0.5;
/// Minimum number of points for a correlation verdict.
pub const MIN_POINTS: usize = 4;

/// Correlation verdict: holds if `sign * rho >= 0.5`, does not hold if `sign * rho <= 0`,
/// inconclusive in between or with fewer than 4 points.
pub fn correlation_verdict(prediction: &str, claim: &str, x: &[f64], y: &[f64], sign: f64) -> Verdict {
    let rho = spearman(x, y);
    let n = x.len();
    let outcome = match rho {
        _ if n < MIN_POINTS => Outcome::Inconclusive,
        None => Outcome::Inconclusive,
        Some(r) if sign * r >= RHO_HOLDS => Outcome::Holds,
        Some(r) if sign * r <= 0.0 => Outcome::DoesNotHold,
        Some(_) => Outcome::Inconclusive,
    };
    let mut numbers = BTreeMap::new();
    // Not reported from fewer than MIN_POINTS points, where it means nothing (found by review: "rho = 1.0" from two
    // runs read as a result).
    if let Some(r) = rho.filter(|_| n >= MIN_POINTS) {
        numbers.insert("spearman_rho".into(), r);
    }
    Verdict {
        prediction: prediction.into(),
        claim: claim.into(),
        outcome,
        rule: format!(
            "Spearman rho with expected sign {}: holds if |rho| >= {RHO_HOLDS} with that sign, does not hold if the sign is wrong or rho = 0, else inconclusive; n >= {MIN_POINTS}",
            if sign < 0.0 { "-" } else { "+" }
        ),
        n,
        numbers,
    }
}

/// Holds if a strict majority of `outcomes` holds, does not hold if a strict majority does not, else inconclusive
/// (also for none).
fn strict_majority(outcomes: impl Iterator<Item = Outcome>) -> Outcome {
    let (mut h, mut d, mut n) = (0, 0, 0);
    for o in outcomes {
        n += 1;
        match o {
            Outcome::Holds => h += 1,
            Outcome::DoesNotHold => d += 1,
            Outcome::Inconclusive => {}
        }
    }
    if 2 * h > n {
        Outcome::Holds
    } else if 2 * d > n {
        Outcome::DoesNotHold
    } else {
        Outcome::Inconclusive
    }
}

/// Combine per-level verdicts: holds if a strict majority holds, does not hold if a strict
/// majority does not, else inconclusive; per-level rho values are kept as numbers.
pub fn majority_verdict(prediction: &str, claim: &str, parts: &[(String, Verdict)]) -> Verdict {
    let outcome = strict_majority(parts.iter().map(|(_, v)| v.outcome));
    let mut numbers = BTreeMap::new();
    for (label, v) in parts {
        if let Some(r) = v.numbers.get("spearman_rho") {
            numbers.insert(format!("rho_{label}"), *r);
        }
    }
    Verdict {
        prediction: prediction.into(),
        claim: claim.into(),
        outcome,
        rule: "majority over noise levels of per-level Spearman verdicts (|rho| >= 0.5 with the expected sign)".into(),
        n: parts.first().map_or(0, |(_, v)| v.n),
        numbers,
    }
}

/// Combine one prediction's verdicts over seeds (each from a whole sweep with that seed): holds if a strict
/// majority of the seeds holds, does not hold if a strict majority does not, else inconclusive. The numbers are
/// each seed's outcome (`outcome_seed<s>`: +1 holds, -1 does not hold, 0 inconclusive) and, for correlation
/// verdicts, its rho (`rho_seed<s>`), for EGR its gain (`gain_seed<s>`); `n` is the number of seeds.
pub fn across_seeds(parts: &[(u64, Verdict)]) -> Verdict {
    let outcome = strict_majority(parts.iter().map(|(_, v)| v.outcome));
    let mut numbers = BTreeMap::new();
    for (seed, v) in parts {
        let o = match v.outcome {
            Outcome::Holds => 1.0,
            Outcome::DoesNotHold => -1.0,
            Outcome::Inconclusive => 0.0,
        };
        numbers.insert(format!("outcome_seed{seed}"), o);
        if let Some(r) = v.numbers.get("spearman_rho") {
            numbers.insert(format!("rho_seed{seed}"), *r);
        }
        if let Some(g) = v.numbers.get("gain") {
            numbers.insert(format!("gain_seed{seed}"), *g);
        }
    }
    let first = parts.first().map(|(_, v)| v);
    Verdict {
        prediction: first.map_or(String::new(), |v| v.prediction.clone()),
        claim: first.map_or(String::new(), |v| v.claim.clone()),
        outcome,
        rule: format!(
            "strict majority over {} seeds of the per-seed verdicts (each: {})",
            parts.len(),
            first.map_or("", |v| v.rule.as_str())
        ),
        n: parts.len(),
        numbers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xs(n: usize) -> Vec<f64> {
        (1..=n).map(|i| i as f64).collect()
    }

    /// The identity permutation of 1..=n with the given disjoint pairs swapped (1-based). For
    /// untied data Spearman's rho is `1 - 6 S / (n (n^2 - 1))`, `S = sum d^2`, and each swap of
    /// positions i < j adds `2 (j - i)^2` to S.
    fn swapped(n: usize, pairs: &[(usize, usize)]) -> Vec<f64> {
        let mut y = xs(n);
        for &(i, j) in pairs {
            y.swap(i - 1, j - 1);
        }
        y
    }

    fn verdict(x: &[f64], y: &[f64], sign: f64) -> Verdict {
        correlation_verdict("p", "c", x, y, sign)
    }

    #[test]
    fn correlation_verdict_rho_thresholds() {
        // n = 5, y = (3, 2, 1, 5, 4): S = 4 + 0 + 4 + 1 + 1 = 10, rho = 1 - 60/120 = 0.5 exactly
        // (Pearson of ranks: sxy = 5, sxx = syy = 10, 5/sqrt(100) = 0.5 without rounding).
        let y = [3.0, 2.0, 1.0, 5.0, 4.0];
        let v = verdict(&xs(5), &y, 1.0);
        assert_eq!(v.numbers["spearman_rho"], 0.5);
        assert_eq!((v.outcome, v.n), (Outcome::Holds, 5), "rho = 0.5 is on the holds side");
        // Expected sign negative: the same data contradict it.
        assert_eq!(verdict(&xs(5), &y, -1.0).outcome, Outcome::DoesNotHold);
        // Mirrored data (rho = -0.5) hold for sign -1.
        let y_neg: Vec<f64> = y.iter().map(|v| -v).collect();
        let v = verdict(&xs(5), &y_neg, -1.0);
        assert_eq!((v.numbers["spearman_rho"], v.outcome), (-0.5, Outcome::Holds));
        assert!(v.rule.contains("expected sign -"), "{}", v.rule);

        // n = 10 (n (n^2 - 1) = 990): swaps with gaps 6, 2, 1, 1 give S = 2 (36 + 4 + 1 + 1) = 84,
        // rho = 1 - 504/990 = 27/55 = 0.4909 (just below 0.5); gaps 5, 4 give S = 82,
        // rho = 1 - 492/990 = 83/165 = 0.5030 (just above).
        let below = swapped(10, &[(1, 7), (2, 4), (5, 6), (8, 9)]);
        let above = swapped(10, &[(1, 6), (3, 7)]);
        let v = verdict(&xs(10), &below, 1.0);
        assert!((v.numbers["spearman_rho"] - 27.0 / 55.0).abs() < 1e-14, "{v}");
        assert_eq!(v.outcome, Outcome::Inconclusive);
        let v = verdict(&xs(10), &above, 1.0);
        assert!((v.numbers["spearman_rho"] - 83.0 / 165.0).abs() < 1e-14, "{v}");
        assert_eq!(v.outcome, Outcome::Holds);
        // With the expected sign negative, +0.49 is the wrong sign: does not hold.
        assert_eq!(verdict(&xs(10), &below, -1.0).outcome, Outcome::DoesNotHold);

        // n = 4, y = (2, 4, 1, 3): S = 1 + 4 + 4 + 1 = 10, rho = 1 - 60/60 = 0 exactly:
        // "rho = 0" does not hold for either expected sign.
        let zero = [2.0, 4.0, 1.0, 3.0];
        let v = verdict(&xs(4), &zero, 1.0);
        assert_eq!((v.numbers["spearman_rho"], v.outcome), (0.0, Outcome::DoesNotHold));
        assert_eq!(verdict(&xs(4), &zero, -1.0).outcome, Outcome::DoesNotHold);
        // n = 4, one adjacent swap: S = 2, rho = 1 - 12/60 = 0.8; two adjacent swaps
        // (1,2), (3,4): S = 4, rho = 0.6; swap (1,3): S = 8, rho = 0.2 (weak, right sign).
        let weak = swapped(4, &[(1, 3)]);
        let v = verdict(&xs(4), &weak, 1.0);
        assert!((v.numbers["spearman_rho"] - 0.2).abs() < 1e-14, "{v}");
        assert_eq!(v.outcome, Outcome::Inconclusive);
        // The same weak effect with the wrong sign: does not hold.
        assert_eq!(verdict(&xs(4), &weak, -1.0).outcome, Outcome::DoesNotHold);
    }

    #[test]
    fn correlation_verdict_needs_min_points_and_variation() {
        assert_eq!(MIN_POINTS, 4);
        // Perfect correlation with 3 points: inconclusive, and no rho reported; with 4: holds.
        let v = verdict(&xs(3), &[10.0, 20.0, 30.0], 1.0);
        assert_eq!((v.outcome, v.n), (Outcome::Inconclusive, 3));
        assert!(!v.numbers.contains_key("spearman_rho"), "{v}");
        let v = verdict(&xs(3), &[30.0, 20.0, 10.0], 1.0);
        assert_eq!(v.outcome, Outcome::Inconclusive, "too few points even for the wrong sign");
        let v = verdict(&xs(4), &[10.0, 20.0, 30.0, 40.0], 1.0);
        assert_eq!((v.outcome, v.n), (Outcome::Holds, 4));
        assert_eq!(verdict(&xs(4), &[40.0, 30.0, 20.0, 10.0], 1.0).outcome, Outcome::DoesNotHold);
        // A constant series has no rank correlation: inconclusive, no rho reported.
        let v = verdict(&xs(6), &[1.0; 6], 1.0);
        assert_eq!(v.outcome, Outcome::Inconclusive);
        assert!(!v.numbers.contains_key("spearman_rho"));
    }

    fn with_outcome(outcome: Outcome, n: usize, rho: Option<f64>) -> Verdict {
        Verdict {
            prediction: "p".into(),
            claim: "c".into(),
            outcome,
            rule: String::new(),
            n,
            numbers: rho.map(|r| ("spearman_rho".to_string(), r)).into_iter().collect(),
        }
    }

    fn majority(outcomes: &[Outcome]) -> Verdict {
        let parts: Vec<(String, Verdict)> = outcomes
            .iter()
            .enumerate()
            .map(|(i, &o)| (format!("s{i}"), with_outcome(o, 7 + i, Some(0.1 * i as f64))))
            .collect();
        majority_verdict("m", "claim", &parts)
    }

    #[test]
    fn majority_verdict_needs_a_strict_majority() {
        use Outcome::{DoesNotHold as D, Holds as H, Inconclusive as I};
        let cases: [(&[Outcome], Outcome); 12] = [
            (&[H], H),
            (&[D], D),
            (&[I], I),
            (&[H, H, D], H),
            (&[H, D, D], D),
            (&[H, D, I], I),
            (&[H, H, I, I], I), // half is not a strict majority
            (&[D, D, I, I], I),
            (&[H, H, D, D], I), // tie
            (&[H, H, H, D], H),
            (&[D, D, D, H, I], D),
            (&[H, H, I, D, D], I),
        ];
        for (outs, want) in cases {
            let v = majority(outs);
            assert_eq!(v.outcome, want, "{outs:?}");
            assert_eq!(v.n, 7, "n is taken from the first part");
            assert_eq!(v.numbers.len(), outs.len());
            for i in 0..outs.len() {
                assert_eq!(v.numbers[&format!("rho_s{i}")], 0.1 * i as f64);
            }
        }
        let v = majority_verdict("m", "claim", &[]);
        assert_eq!((v.outcome, v.n), (I, 0));
        // Parts without a rho contribute no number.
        let parts = vec![("a".to_string(), with_outcome(H, 5, None)), ("b".to_string(), with_outcome(H, 5, Some(0.9)))];
        let v = majority_verdict("m", "claim", &parts);
        assert_eq!(v.outcome, H);
        assert_eq!(v.numbers.keys().collect::<Vec<_>>(), ["rho_b"]);
    }

    /// Over seeds: the same strict-majority table as over noise levels, with each seed's outcome and rho kept.
    #[test]
    fn across_seeds_needs_a_strict_majority_and_keeps_each_seed() {
        use Outcome::{DoesNotHold as D, Holds as H, Inconclusive as I};
        let parts = |outs: &[Outcome]| -> Vec<(u64, Verdict)> {
            outs.iter().enumerate().map(|(i, &o)| (10 + i as u64, with_outcome(o, 15, Some(-0.1 * i as f64)))).collect()
        };
        for (outs, want) in
            [(&[H, H, D][..], H), (&[H, D, D][..], D), (&[H, H, I, I][..], I), (&[H, D][..], I), (&[I, I, H][..], I)]
        {
            let v = across_seeds(&parts(outs));
            assert_eq!((v.outcome, v.n), (want, outs.len()), "{outs:?}");
            let want = match outs[0] {
                H => 1.0,
                D => -1.0,
                I => 0.0,
            };
            assert_eq!(v.numbers["outcome_seed10"], want);
            assert_eq!(v.numbers["rho_seed11"], -0.1);
            assert!(v.rule.contains(&format!("over {} seeds", outs.len())), "{}", v.rule);
        }
        let v = across_seeds(&[]);
        assert_eq!((v.outcome, v.n), (I, 0));
    }
}
