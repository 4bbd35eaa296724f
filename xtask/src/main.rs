//! Developer commands, run as `cargo xtask <command>`:
//!
//! - `demo`: install what is missing, build the widget, start the server with
//!   demo data and serve the demo host pages.
//! - `test`: install what is missing and run every test (lint, unit, server
//!   integration, browser).
//! - `bench [server|stream|approvals|fairness|preferences|postgres|widget]`: the benchmarks of docs/BENCHMARKS.md.

mod bench;
mod demo;
mod postgres;
mod test;
mod tools;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <demo | test | bench [server|stream|approvals|fairness|preferences|postgres|widget]>"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
