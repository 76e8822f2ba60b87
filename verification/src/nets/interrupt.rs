//! Clean stopping on Ctrl-C: a signal handler (the `ctrlc` crate) sets a flag that the training
//! loop polls after every step; the current run is written as `interrupted` and the sweep stops.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

static STOP: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Install the Ctrl-C handler once per process (later calls do nothing). Returns whether a
/// handler is active (false if another handler was already installed by the host program).
pub fn install_handler() -> bool {
    *INSTALLED.get_or_init(|| ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst)).is_ok())
}

/// Whether a stop was requested.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::SeqCst)
}

/// Request a stop (what the handler does; also usable by a host program or a test).
pub fn request_stop() {
    STOP.store(true, Ordering::SeqCst);
}

/// Clear a pending stop request.
pub fn clear() {
    STOP.store(false, Ordering::SeqCst);
}
