//! bea's integration tests: one binary, one module per kind of check.

mod catalogue;
mod cli;
mod oracles;
mod properties;
mod strategies;
