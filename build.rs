//! Minifies the widget's CSS (`style/bell.css`: comments and spacing cost
//! every host's download), turns the markup's `data-ref`s into typed structs
//! (`src/view/shell.html` → `view::refs`), and compiles the Fluent catalogs (`locales/<lang>/*.ftl`) to Rust with
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
    let shell = std::fs::read_to_string(root.join("src/view/shell.html"))
        .unwrap_or_default()
        .replace("<!--preferences-->", &preferences_markup());
    let refs = refs(&shell).unwrap_or_else(|e| fail(&[format!("src/view/shell.html: {e}")]));
    std::fs::write(out_dir.join("refs.rs"), refs_code(&refs)).unwrap_or_else(|e| fail(&[format!("refs.rs: {e}")]));
    std::fs::write(out_dir.join("shell.html"), minify_html(&shell))
        .unwrap_or_else(|e| fail(&[format!("shell.html: {e}")]));
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

/// A `data-ref` of the markup, and where it is: the element-child indices
/// from the root of the `<template>` it is in (`None` outside templates).
struct Ref {
    name: String,
    template: Option<String>,
    path: Vec<usize>,
}

/// The settings view's rows (API.md §7), from the kinds table: per tab a
/// group of its categories, and incoming chat messages; a switch per
/// channel (`name`: the key, `value`: the channel), named
/// "<Category> — <Channel>" by `aria-labelledby` (the row's name, a dash
/// and the column's header, in shell.html). An approval's bell is on and
/// cannot be turned off.
fn preferences_markup() -> String {
    use bell_protocol::{Tab, Topic};
    let row = |topic: Topic, name: &str| {
        let key = topic.key();
        let mut row = format!("<div class=\"prefs__row\"><span id=\"{key}\" data-l10n=\"{name}\"></span>\n");
        for channel in ["bell", "browser", "push"] {
            if channel == "bell" && !topic.stored() {
                row += "<span></span>\n";
                continue;
            }
            let locked = if channel == "bell" && !topic.bell_optional() { " checked disabled" } else { "" };
            row += &format!(
                "<input type=\"checkbox\" role=\"switch\" name=\"{key}\" value=\"{channel}\" aria-labelledby=\"{key} sep {channel}\"{locked}>\n"
            );
        }
        row + "</div>\n"
    };
    let group = |legend: &str, rows: String| {
        format!("<fieldset class=\"prefs__group\">\n<legend data-l10n=\"{legend}\"></legend>\n{rows}</fieldset>\n")
    };
    let mut html = String::new();
    for tab in Tab::ALL {
        let rows = tab.categories().iter().map(|c| row(Topic::Category(tab, *c), &format!("category-{}", c.as_str())));
        html += &group(&format!("tab-{}", tab.as_str()), rows.collect());
    }
    html + &group("prefs-chat", row(Topic::ChatIncoming, "prefs-incoming"))
}

/// The `data-ref`s of `html` (our own markup: tags, attributes in double
/// quotes, void and self-closed elements, no comments inside tags).
fn refs(html: &str) -> Result<Vec<Ref>, String> {
    const VOID: [&str; 6] = ["input", "br", "img", "meta", "link", "hr"];
    let mut out = Vec::new();
    // Open elements: (tag, children seen so far).
    let mut stack: Vec<(String, usize)> = vec![("#root".into(), 0)];
    // The template being read: its name and the stack depth of its content.
    let mut template: Option<(String, usize)> = None;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        rest = &rest[start..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let end = rest.find('>').ok_or("a tag does not close")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let (open, _) = stack.pop().ok_or("a closing tag without an opening one")?;
            if open != name.trim() {
                return Err(format!("`</{}>` closes `<{open}>`", name.trim()));
            }
            if template.as_ref().is_some_and(|(_, depth)| stack.len() < *depth) {
                template = None;
            }
            continue;
        }
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or_default().to_owned();
        let depth = stack.len();
        stack.last_mut().ok_or("markup outside the root")?.1 += 1;
        let attribute = |attr: &str| {
            let key = format!(" {attr}=\"");
            tag.find(&key).map(|at| {
                let value = &tag[at + key.len()..];
                value[..value.find('"').unwrap_or(value.len())].to_owned()
            })
        };
        if let Some(reference) = attribute("data-ref") {
            // Each open element's last child is the one on the way down.
            let from = template.as_ref().map_or(0, |(_, content)| content - 1);
            let path = stack[from..].iter().map(|(_, n)| n - 1).collect();
            out.push(Ref { name: reference.clone(), template: template.as_ref().map(|(t, _)| t.clone()), path });
            if name == "template" {
                template = Some((reference, depth + 1));
            }
        }
        if !tag.ends_with('/') && !VOID.contains(&name.as_str()) {
            stack.push((name, 0));
        }
    }
    if stack.len() != 1 {
        return Err(format!("`<{}>` is not closed", stack.last().map_or("", |(t, _)| t.as_str())));
    }
    Ok(out)
}

/// Rust for the markup's refs: `Shell`, whose fields are the elements outside
/// templates, and per template a struct whose `of(root)` gives those of one
/// copy; each element is reached by its place in the markup (no search).
fn refs_code(refs: &[Ref]) -> String {
    let field = |name: &str| name.replace('-', "_");
    let mut code = String::from(
        "/// The elements of `shell.html` the code reaches, by their `data-ref` (made by build.rs:\n\
         /// a ref the markup loses is a field the code cannot use).\npub struct Shell {\n",
    );
    for r in refs.iter().filter(|r| r.template.is_none()) {
        code.push_str(&format!("    pub {}: web_sys::Element,\n", field(&r.name)));
    }
    code.push_str("}\n\nimpl Shell {\n    /// `root`: the element `shell.html` was written into.\n    pub fn find(root: &web_sys::Element) -> Shell {\n        Shell {\n");
    for r in refs.iter().filter(|r| r.template.is_none()) {
        code.push_str(&format!("            {}: super::dom::at(root, &{:?}),\n", field(&r.name), r.path));
    }
    code.push_str("        }\n    }\n}\n");
    let mut templates: Vec<&str> = refs.iter().filter_map(|r| r.template.as_deref()).collect();
    templates.dedup();
    for t in templates {
        let ty: String = t.split(['_', '-']).map(|w| w[..1].to_uppercase() + &w[1..]).collect::<String>() + "Parts";
        code.push_str(&format!(
            "\n/// The elements of one copy of `<template data-ref=\"{t}\">`, by their place in it.\npub struct {ty} {{\n"
        ));
        let inner: Vec<&Ref> = refs.iter().filter(|r| r.template.as_deref() == Some(t)).collect();
        for r in &inner {
            code.push_str(&format!("    pub {}: web_sys::Element,\n", field(&r.name)));
        }
        code.push_str(&format!(
            "}}\n\nimpl {ty} {{\n    pub fn of(root: &web_sys::Element) -> {ty} {{\n        {ty} {{\n"
        ));
        for r in &inner {
            // The path starts at the template's root element, which is `root`.
            code.push_str(&format!("            {}: super::dom::at(root, &{:?}),\n", field(&r.name), &r.path[1..]));
        }
        code.push_str("        }\n    }\n}\n");
    }
    code
}

/// The markup as it ships: no `data-ref`s (the code reaches elements by
/// their place) and no spacing between tags (the view's containers lay out
/// their children with flex or grid, where it never showed).
fn minify_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(" data-ref=\"") {
        out.push_str(&rest[..at]);
        let value = &rest[at + " data-ref=\"".len()..];
        rest = &value[value.find('"').map_or(value.len(), |end| end + 1)..];
    }
    out.push_str(rest);
    let mut packed = String::with_capacity(out.len());
    for line in out.lines() {
        packed.push_str(line.trim());
        if !line.trim_end().ends_with('>') {
            packed.push(' ');
        }
    }
    packed
}
