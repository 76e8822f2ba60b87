//! The paper's network experiments as library functions returning serialisable reports with
//! verdicts: [`igr_mlp::run_igr_mlp`] (Predictions 2.1-2.4) and [`egr_resnet::run_egr_resnet`]
//! (Figure 3c).

pub mod egr_resnet;
pub mod igr_mlp;
pub mod verdict;

pub use egr_resnet::{run_egr_resnet, EgrResnetConfig, EgrResnetReport};
pub use igr_mlp::{run_igr_mlp, IgrMlpConfig, IgrMlpReport, SeedVerdicts};
pub use verdict::{Outcome, Verdict};

/// One or more seeds, none twice (both experiments' `check`).
fn check_seeds(seeds: &[u64]) -> crate::nets::error::Result<()> {
    let mut distinct = seeds.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    if seeds.is_empty() || distinct.len() != seeds.len() {
        return Err(crate::nets::error::NetsError::config(
            "seeds",
            format!("{seeds:?}: need one or more distinct seeds"),
        ));
    }
    Ok(())
}
