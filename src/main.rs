//! The `bea` binary: every job behind one CLI (see `bea --help`).

fn main() {
    if let Err(e) = bea::cli::main_with_args(std::env::args().collect()) {
        eprintln!("error: {e}");
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        std::process::exit(2);
    }
}
