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
    if let Some(r) = rho {
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

/// Combine per-level verdicts: holds if a strict majority holds, does not hold if a strict
/// majority does not, else inconclusive; per-level rho values are kept as numbers.
pub fn majority_verdict(prediction: &str, claim: &str, parts: &[(String, Verdict)]) -> Verdict {
    let count = |o: Outcome| parts.iter().filter(|(_, v)| v.outcome == o).count();
    let (h, d) = (count(Outcome::Holds), count(Outcome::DoesNotHold));
    let outcome = if 2 * h > parts.len() {
        Outcome::Holds
    } else if 2 * d > parts.len() {
        Outcome::DoesNotHold
    } else {
        Outcome::Inconclusive
    };
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
