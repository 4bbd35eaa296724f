//! Minifies the widget's CSS (`style/bell.css`: comments and spacing cost
//! every host's download) and compiles the Fluent catalogs (`locales/<lang>/*.ftl`) to Rust with
//! `fluent-compiler` and checks them against the kinds table and the UI's
//! messages (`src/i18n/check.rs`): a catalog problem fails the build,
//! naming the language, file and message.

#[path = "src/i18n/check.rs"]
mod check;

use std::path::{Path, PathBuf};

/// The languages the widget speaks, as `i18n::Lang` names them.
const LANGUAGES: [&str; 2] = ["en", "id"];

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo::rerun-if-changed=locales");
    println!("cargo::rerun-if-changed=src/i18n/check.rs");
    println!("cargo::rerun-if-changed=src/view/shell.html");
    println!("cargo::rerun-if-changed=style/bell.css");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let css = std::fs::read_to_string(root.join("style/bell.css"))
        .unwrap_or_else(|e| fail(&[format!("style/bell.css: {e}")]));
    std::fs::write(out_dir.join("bell.css"), minify_css(&css)).unwrap_or_else(|e| fail(&[format!("bell.css: {e}")]));
    let mut languages = Vec::new();
    for lang in LANGUAGES {
        let dir = root.join("locales").join(lang);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| fail(&[format!("{}: {e}", dir.display())]))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        let sources = files
            .iter()
            .map(|p| fluent_compiler::Source {
                path: p.strip_prefix(root).unwrap_or(p).display().to_string(),
                text: std::fs::read_to_string(p).unwrap_or_else(|e| fail(&[format!("{}: {e}", p.display())])),
            })
            .collect();
        languages.push(fluent_compiler::Language { module: lang.to_owned(), sources });
    }
    let compiled = fluent_compiler::compile(&languages)
        .unwrap_or_else(|errors| fail(&errors.iter().map(ToString::to_string).collect::<Vec<_>>()));
    let shell = std::fs::read_to_string(root.join("src/view/shell.html")).unwrap_or_default();
    let problems = check::check(&compiled.messages, &check::markup_ids(&shell));
    if !problems.is_empty() {
        fail(&problems);
    }
    let out = out_dir.join("catalogs.rs");
    std::fs::write(&out, compiled.code).unwrap_or_else(|e| fail(&[format!("{}: {e}", out.display())]));
}

fn fail(problems: &[String]) -> ! {
    eprintln!("the catalogs do not build:");
    for p in problems {
        eprintln!("  {p}");
    }
    std::process::exit(1);
}

/// CSS without comments, runs of spacing as one space, and no spacing
/// around `{ } ; , >` (none of which the widget's CSS has inside a string).
fn minify_css(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let glued = |c: char| matches!(c, '{' | '}' | ';' | ',' | '>');
        if !out.is_empty() && !out.ends_with(glued) && !word.starts_with(glued) {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}
