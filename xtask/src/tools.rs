//! Finding the workspace and installing what the commands need, only when
//! it is missing, so a fresh machine of this kind works with no set-up.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub type Result<T = ()> = std::result::Result<T, String>;

pub const TRUNK_VERSION: &str = "0.21.14";

/// The workspace root (the folder above `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// Runs a command (in the workspace root unless told otherwise), failing on a non-zero exit.
pub fn sh(cmd: &mut Command) -> Result {
    eprintln!("$ {}", describe(cmd));
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = cmd.status().map_err(|e| format!("{}: {e}", describe(cmd)))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` failed: {status}", describe(cmd))) }
}

/// What a command prints on stdout, if it runs and exits 0.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
}

/// PATH with the project's npm tools and cargo's bin folder first: trunk
/// runs offline and finds wasm-bindgen and wasm-opt there.
pub fn tool_path() -> String {
    let mut dirs = vec![root().join("tools/node_modules/.bin")];
    if let Some(home) = cargo_home() {
        dirs.push(home.join("bin"));
    }
    let mut path = std::env::join_paths(dirs).unwrap_or_default();
    if let Some(old) = std::env::var_os("PATH") {
        path.push(":");
        path.push(old);
    }
    path.to_string_lossy().into_owned()
}

fn with_path(mut cmd: Command) -> Command {
    cmd.env("PATH", tool_path());
    cmd
}

pub fn tool(name: &str) -> Command {
    with_path(Command::new(name))
}

/// The version of `package` pinned in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let marker = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&marker).ok_or_else(|| format!("{package} is not in Cargo.lock"))? + marker.len();
    Ok(lock[start..].split('"').next().unwrap_or_default().to_owned())
}

/// Everything the widget build and the browser tests need.
pub fn ensure_widget_tools() -> Result {
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if !targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if output(tool("trunk").arg("--version")).as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        eprintln!("installing trunk {TRUNK_VERSION} (about 12 minutes, once)");
        sh(cargo().args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    }
    // The CLI must equal the crate in Cargo.lock (no --locked: one of its
    // locked dependencies is gone from the registry).
    let bindgen = locked_version("wasm-bindgen")?;
    if output(tool("wasm-bindgen").arg("--version")).as_deref() != Some(&format!("wasm-bindgen {bindgen}")) {
        sh(cargo().args(["install", "wasm-bindgen-cli", "--version", &bindgen]))?;
    }
    let tools = root().join("tools");
    let npm_tools = [
        "node_modules/.bin/wasm-opt",
        "node_modules/.bin/terser",
        "node_modules/playwright-core",
        "node_modules/puppeteer-core",
        "node_modules/selenium-webdriver",
    ];
    if npm_tools.iter().any(|t| !tools.join(t).exists()) {
        sh(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&tools))?;
    }
    install_missing(&[("/usr/bin/chromium", "chromium"), ("/usr/bin/chromedriver", "chromium-driver")])
}

/// The engines of the cross-engine browser tests (Chromium runs them all):
/// Firefox ESR, and WebKitGTK, whose MiniBrowser has no headless mode in
/// Debian's build and draws into Xvfb.
pub fn ensure_other_engines() -> Result {
    install_missing(&[
        ("/usr/bin/firefox-esr", "firefox-esr"),
        ("/usr/bin/WebKitWebDriver", "webkit2gtk-driver"),
        ("/usr/bin/Xvfb", "xvfb"),
    ])
}

/// Installs, in one go, the Debian package of each program (a path) missing.
pub fn install_missing(programs: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> =
        programs.iter().filter(|(path, _)| !Path::new(path).exists()).map(|(_, package)| *package).collect();
    if missing.is_empty() { Ok(()) } else { apt_install(&missing) }
}

/// The schemathesis version the API tests run (from PyPI, into tools/venv).
pub const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// A Python with schemathesis, in the project's tools folder; installed when missing.
pub fn schemathesis_python() -> Result<PathBuf> {
    let venv = root().join("tools/venv");
    let python = venv.join("bin/python");
    let installed = output(Command::new(&python).args(["-m", "pip", "show", "schemathesis"]))
        .is_some_and(|info| info.lines().any(|l| l == format!("Version: {}", &SCHEMATHESIS[14..])));
    if !installed {
        if !python.exists() {
            sh(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        }
        sh(Command::new(&python).args(["-m", "pip", "install", "--quiet", SCHEMATHESIS]))?;
    }
    Ok(python)
}

/// Installs Debian packages.
pub fn apt_install(packages: &[&str]) -> Result {
    sh(Command::new("apt-get").arg("update"))?;
    sh(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Builds the widget into `dist/` exactly as it ships (size-optimised wasm).
pub fn build_widget() -> Result {
    ensure_widget_tools()?;
    // The build machine's paths (cargo's registry, this checkout) leave the
    // panic locations compiled into the wasm: they are nobody's business
    // and cost bytes. (With `--target`, only the wasm sees these flags; the
    // encoded form keeps a path with spaces in one piece.)
    let mut flags = vec![format!("--remap-path-prefix={}=.", root().display())];
    if let Some(home) = cargo_home() {
        flags.push(format!("--remap-path-prefix={}=cargo", home.join("registry/src").display()));
    }
    sh(tool("trunk")
        .args(["build", "--release", "--offline", "--cargo-profile", "wasm-release"])
        .env("CARGO_ENCODED_RUSTFLAGS", flags.join("\x1f")))?;
    // Every host downloads these two scripts: minified, wasm-bindgen's glue
    // is 2.3 KB (gzip) smaller. Exports and the wasm's import names stay.
    for script in ["dist/qontak-bell.js", "dist/bell.js"] {
        sh(tool("terser").args([script, "--module", "--compress", "passes=2", "--mangle", "-o", script]))?;
    }
    Ok(())
}

/// Builds the example Leptos app (`examples/leptos-host`: the bell as a
/// component in the app's own wasm) for the browser tests. A development
/// build: the tests need its behaviour, not its size.
pub fn build_leptos_example() -> Result {
    ensure_widget_tools()?;
    sh(tool("trunk").args(["build", "--offline"]).current_dir(root().join("examples/leptos-host")))
}
