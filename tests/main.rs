//! bea's integration tests: one binary, one module per kind of check.

mod bseries;
mod catalogue;
mod cli;
mod cli_verify;
mod emit;
mod hardening;
mod interruption;
mod oracles;
mod properties;
mod pseries;
mod review_found;
mod strategies;
mod structure;
mod supply_chain;
mod support;
mod taylor;
mod taylor_sympy;
mod verify;
