//! `cargo xtask test`: every test there is, as CI runs it.

use crate::tools::{Result, cargo, sh};

pub fn run_all() -> Result {
    // Formatting and lints first: they are the cheapest to fail.
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    sh(cargo().args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
    // Unit tests and the server's integration tests (real HTTP on loopback,
    // real SQLite files).
    sh(cargo().args(["test", "--workspace"]))?;
    Ok(())
}

pub fn run(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask test` takes no arguments (got {a:?})"));
    }
    run_all()
}
