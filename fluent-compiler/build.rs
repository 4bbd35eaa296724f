//! Compiles the tests' catalogs with this crate's own source (a build
//! script cannot depend on the crate it builds): the semantics fixture
//! (in two languages with different plural rules) and the widget's catalogs.

#[path = "src/lib.rs"]
#[allow(dead_code)]
mod compiler;

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fixture = root.join("tests/fixtures/semantics.ftl");
    let locales = root.join("../locales");
    println!("cargo::rerun-if-changed={}", fixture.display());
    println!("cargo::rerun-if-changed={}", locales.display());
    println!("cargo::rerun-if-changed=src");

    let read = |path: &Path| compiler::Source {
        path: path.display().to_string(),
        text: std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    };
    let semantics =
        ["en", "pl"].map(|module| compiler::Language { module: module.into(), sources: vec![read(&fixture)] });
    write(&out.join("semantics.rs"), compiler::compile(&semantics));

    let mut catalogs = Vec::new();
    for module in ["en", "id"] {
        let dir = locales.join(module);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        catalogs.push(compiler::Language { module: module.into(), sources: files.iter().map(|p| read(p)).collect() });
    }
    write(&out.join("catalogs.rs"), compiler::compile(&catalogs));
}

fn write(path: &Path, compiled: Result<compiler::Compiled, Vec<compiler::Error>>) {
    match compiled {
        Ok(c) => std::fs::write(path, c.code).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            std::process::exit(1);
        }
    }
}
