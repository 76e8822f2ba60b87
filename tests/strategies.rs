//! Shared proptest strategies with named ranges (GUIDE convention 8).

use proptest::prelude::*;

/// Coefficients of random polynomials.
pub const COEF_RANGE: std::ops::RangeInclusive<i32> = -3..=3;
/// Largest exponent of one variable in a random term.
pub const MAX_EXP: u32 = 2;
/// Terms per random polynomial.
pub const TERMS: std::ops::RangeInclusive<usize> = 1..=3;
/// Number of variables of random problems.
pub const DIMS: std::ops::RangeInclusive<usize> = 2..=3;

/// Variable names by dimension.
pub fn names(n: usize) -> Vec<String> {
    ["x", "y", "z"][..n].iter().map(|s| s.to_string()).collect()
}

/// A random polynomial in `n` variables, as infix text (never the empty string).
pub fn poly(n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec((COEF_RANGE, prop::collection::vec(0..=MAX_EXP, n)), TERMS).prop_map(move |terms| {
        let vars = names(n);
        let parts: Vec<String> = terms
            .iter()
            .map(|(c, exps)| {
                let mut s = format!("({c})");
                for (v, e) in vars.iter().zip(exps) {
                    if *e > 0 {
                        s.push_str(&format!("*{v}^{e}"));
                    }
                }
                s
            })
            .collect();
        parts.join(" + ")
    })
}

/// A random polynomial vector field: (dimension, components).
pub fn field() -> impl Strategy<Value = (usize, Vec<String>)> {
    DIMS.prop_flat_map(|n| (Just(n), prop::collection::vec(poly(n), n)))
}

/// A random polynomial loss of degree up to 4 per variable pair: (dimension, E).
pub fn loss() -> impl Strategy<Value = (usize, String)> {
    DIMS.prop_flat_map(|n| (Just(n), poly(n).prop_map(|p| format!("({p})^2/2"))))
}

/// A random integer matrix.
pub fn matrix() -> impl Strategy<Value = Vec<Vec<i32>>> {
    DIMS.prop_flat_map(|n| prop::collection::vec(prop::collection::vec(COEF_RANGE, n), n))
}
