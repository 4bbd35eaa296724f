//! `cargo xtask bench [server|widget]`: the benchmarks behind docs/BENCHMARKS.md.

use crate::tools::{Result, build_widget, cargo, sh, tool};

fn server() -> Result {
    sh(cargo().args(["bench", "-p", "bell-server", "--bench", "http_load"]))
}

/// Download size of the shipped widget and its timings in headless Chromium.
fn widget() -> Result {
    build_widget()?;
    sh(cargo().args(["build", "-p", "bell-server"]))?;
    sh(tool("node").arg("tests/bench/widget.mjs"))
}

pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("server") => server(),
        Some("widget") => widget(),
        None => server().and_then(|()| widget()),
        Some(other) => Err(format!("unknown benchmark {other:?}: use `server` or `widget`")),
    }
}
