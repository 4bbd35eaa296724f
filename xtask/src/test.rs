//! `cargo xtask test`: every test there is, as CI runs it.

use std::process::Command;

use crate::tools::{Result, build_leptos_example, build_widget, cargo, root, sh, tool};

pub fn run(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("`cargo xtask test` takes no arguments (got {a:?})"));
    }
    // Formatting and lints first: they are the cheapest to fail.
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    sh(cargo().args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
    // Unit tests (protocol table, catalogs, server modules) and the server's
    // integration tests: real HTTP on loopback, real SQLite files, then a
    // real PostgreSQL server.
    // (openssl makes the token tests' key pairs.)
    crate::tools::install_missing(&[("/usr/bin/openssl", "openssl")])?;
    sh(cargo().args(["test", "--workspace"]))?;
    // The server's integration suite again, on PostgreSQL (with nginx in
    // front of two instances for the deployment test, and the processes'
    // bus once over LISTEN/NOTIFY, once over a NATS server).
    crate::tools::install_missing(&[("/usr/sbin/nginx", "nginx"), ("/usr/sbin/nats-server", "nats-server")])?;

    let postgres = crate::postgres::for_tests()?;
    // (`--workspace`: the same feature set as above, so nothing is rebuilt.)
    sh(cargo().args(["test", "--workspace", "--test", "*"]).env("BELL_TEST_POSTGRES_URL", &postgres.url))?;
    drop(postgres);
    // The widget as it ships and the example Leptos app with `<Bell/>`,
    // then the browser tests against the real server.
    build_widget()?;
    build_leptos_example()?;
    sh(cargo().args([
        "clippy",
        "-p",
        "qontak-bell",
        "-p",
        "leptos-bell",
        "-p",
        "leptos-host",
        "--target",
        "wasm32-unknown-unknown",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ]))?;
    // The widget's wire readers against the protocol's own JSON, in wasm
    // under Node (wasm-bindgen-test-runner comes with wasm-bindgen-cli).
    sh(cargo()
        .args(["test", "-p", "qontak-bell", "--target", "wasm32-unknown-unknown"])
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner")
        .env("PATH", crate::tools::tool_path()))?;
    sh(cargo().args(["build", "-p", "bell-server"]))?;
    // The OpenAPI document against the real server: every status each
    // route answers is documented, and nothing it accepts or answers
    // contradicts the document.
    sh(Command::new(crate::tools::schemathesis_python()?).arg("tests/schemathesis/run.py"))?;
    let mut files: Vec<String> = std::fs::read_dir(root().join("tests/browser"))
        .map_err(|e| format!("tests/browser: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".test.mjs"))
        .map(|n| format!("tests/browser/{n}"))
        .collect();
    files.sort();
    crate::tools::ensure_other_engines()?;
    sh(tool("node").args(["--test", "--test-reporter=spec"]).args(&files))?;
    Ok(())
}
