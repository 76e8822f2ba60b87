//! A wall-clock deadline for the tree computations (forest, elementary weights, the graded recursion), which have
//! no algebra whose deadline could stop them (found by review: `derive --method rk4 --order 16 --timeout 1` ran
//! 47 s in the forest of order 17 before the first check).
//!
//! [`within`] sets the deadline for the current thread while it runs a closure; the long loops poll [`expired`]
//! and, once it is true, stop doing work but still return results of the right shape (a smaller forest, zero
//! coefficients). The caller must check [`expired`] (or the flag [`within`] returns) before using anything
//! computed under the deadline: the time only grows, so a loop that cut its work short is always seen.

use std::cell::Cell;
use std::time::Instant;

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Restores the previous deadline when dropped (also when the closure panics).
struct Restore(Option<Instant>);

impl Drop for Restore {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(self.0));
    }
}

/// Run `f` with `deadline` in force on this thread (an earlier deadline already in force is kept); returns its
/// result and whether the deadline had passed when it returned (then the result is incomplete: discard it).
///
/// ```
/// use bea::derive::bseries::{deadline::within, trees::Forest};
/// use std::time::{Duration, Instant};
/// let (_, late) = within(Some(Instant::now()), || Forest::new(20));
/// assert!(late); // 12.8 million trees at order 20: stopped at once
/// let (forest, late) = within(Some(Instant::now() + Duration::from_secs(60)), || Forest::new(5));
/// assert!(!late && forest.len() == 17);
/// ```
pub fn within<R>(deadline: Option<Instant>, f: impl FnOnce() -> R) -> (R, bool) {
    let previous = DEADLINE.with(|d| d.get());
    let effective = match (previous, deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let _restore = Restore(previous);
    DEADLINE.with(|d| d.set(effective));
    let out = f();
    (out, expired())
}

/// Whether a deadline is in force on this thread and has passed.
pub fn expired() -> bool {
    DEADLINE.with(|d| d.get()).is_some_and(|t| Instant::now() >= t)
}
