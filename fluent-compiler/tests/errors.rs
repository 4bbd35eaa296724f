//! What the compiler does not support fails with the file and line.

use fluent_compiler::{Language, Source, compile};

/// The errors compiling `text` as `cat.ftl` gives, as `line: message`.
fn errors(text: &str) -> Vec<String> {
    let language =
        Language { module: "en".into(), sources: vec![Source { path: "cat.ftl".into(), text: text.into() }] };
    match compile(&[language]) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

fn assert_error(text: &str, expected: &str) {
    let found = errors(text);
    assert!(found.iter().any(|e| e.starts_with("cat.ftl:") && e.contains(expected)), "{expected:?} not in {found:?}");
}

#[test]
fn syntax_errors_name_the_line() {
    assert_error("ok = fine\nbroken = { $x\n", "cat.ftl:2: syntax error");
    assert_error("ok = fine\n\n= no\n", "cat.ftl:3: syntax error");
}

#[test]
fn unsupported_functions_and_options() {
    assert_error("a = x\nd = { DATETIME($t) }\n", "cat.ftl:2: function `DATETIME` is not supported");
    assert_error("n = { NUMBER($n, style: \"percent\") }\n", "cat.ftl:1: NUMBER option `style` is not supported");
    assert_error("n = { NUMBER($n, minimumFractionDigits: \"two\") }\n", "cannot take");
    assert_error("n = { NUMBER($n, $m) }\n", "NUMBER takes one positional argument");
}

#[test]
fn references_that_do_not_exist_or_cycle() {
    assert_error("a = x\nb = { missing }\n", "cat.ftl:2: message `missing` does not exist");
    assert_error("a = { -nope }\n", "cat.ftl:1: term `-nope` does not exist");
    assert_error("a = x\n    .t = y\nb = { a.u }\n", "cat.ftl:3: message `a.u` does not exist");
    assert_error("-t = x\nb = { -t.u ->\n   *[a] A\n}\n", "cat.ftl:2: term `-t` has no attribute `u`");
    assert_error("a = { b }\nb = { a }\n", "reference each other");
    assert_error("a = { a }\n", "cat.ftl:1: message `a` references itself");
    assert_error("-t = { -t }\na = { -t }\n", "term `-t` references itself");
}

#[test]
fn ids_defined_twice() {
    assert_error("a = x\nb = y\na = z\n", "cat.ftl:3: message `a` is defined twice");
    assert_error("-t = x\n-t = y\n", "cat.ftl:2: term `-t` is defined twice");
}

#[test]
fn a_good_catalog_reports_its_messages_and_variables() {
    let language = Language {
        module: "en".into(),
        sources: vec![Source {
            path: "cat.ftl".into(),
            text: "a = { $x ->\n    [one] { $y }\n   *[other] z\n}\nb = { a } { $w }\n    .t = T\n".into(),
        }],
    };
    let compiled = compile(&[language]).unwrap();
    let (module, messages) = &compiled.messages[0];
    assert_eq!(module, "en");
    let ids: Vec<_> = messages.iter().map(|m| (m.id.as_str(), m.line)).collect();
    assert_eq!(ids, [("a", 1), ("b", 5), ("b.t", 6)]);
    let vars = |i: usize| messages[i].variables.iter().cloned().collect::<Vec<_>>();
    assert_eq!(vars(0), ["x", "y"]);
    // Through the reference to `a`.
    assert_eq!(vars(1), ["w", "x", "y"]);
    assert!(compiled.code.contains("pub mod en"));
}
