//! `cargo xtask demo`: the server with demo users and data.

use crate::tools::{Result, cargo, sh};

pub fn run_demo() -> Result {
    eprintln!("Starting bell-server --demo on http://127.0.0.1:8080 (Ctrl-C stops it).");
    sh(cargo()
        .args(["run", "--release", "-p", "bell-server", "--", "--demo"])
        .env("BELL_DATABASE_URL", "sqlite://target/demo.db"))
}

pub fn run(_args: &[String]) -> Result {
    run_demo()
}
