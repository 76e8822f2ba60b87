//! The `bea` binary: every job behind one CLI (see `bea --help`).

fn main() {
    if let Err(e) = bea::cli::main_with_args(std::env::args().collect()) {
        let top = e.to_string();
        eprintln!("error: {top}");
        for cause in e.chain().skip(1) {
            let c = cause.to_string();
            if !top.contains(&c) {
                eprintln!("  caused by: {c}");
            }
        }
        // A failed `verify --strict` is not a usage error: its own status (1), documented in `bea verify --help`.
        let failed_checks = e.downcast_ref::<bea::cli::ChecksFailed>().is_some();
        let interrupted = e.downcast_ref::<bea::cli::Interrupted>().is_some();
        std::process::exit(if failed_checks {
            1
        } else if interrupted {
            130
        } else {
            2
        });
    }
}
