//! `cargo xtask bench [server|widget]`: the benchmarks behind docs/BENCHMARKS.md.

use crate::tools::{Result, cargo, sh};

pub fn server() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "http_load"]))
}

pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        None | Some("server") => server(),
        Some(other) => Err(format!("unknown benchmark {other:?}: use `server`")),
    }
}
