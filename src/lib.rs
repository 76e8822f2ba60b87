//! bea
