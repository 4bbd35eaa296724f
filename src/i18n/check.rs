//! The catalogs checked against the program at build time (`build.rs`
//! includes this file; its tests run natively): every kind of the protocol
//! table and every UI message present in each language, no message the
//! widget never shows, no variable a message is never given, every variable
//! a kind carries used, and every message the markup names defined.

use std::collections::BTreeSet;

use bell_protocol::kind;
use fluent_compiler::Message;

/// Every UI message and the variables it takes.
pub const UI_MESSAGES: &[(&str, &[&str])] = &[
    ("bell-label", &["count"]),
    ("panel-title", &[]),
    ("tab-general", &[]),
    ("tab-inbox", &[]),
    ("tab-approval", &[]),
    ("tab-unread", &["count"]),
    ("category-label", &[]),
    ("category-all", &[]),
    ("category-reminder", &[]),
    ("category-mention", &[]),
    ("category-assignment", &[]),
    ("category-update", &[]),
    ("category-download_upload", &[]),
    ("category-resolved", &[]),
    ("category-contact", &[]),
    ("category-deal", &[]),
    ("category-expense", &[]),
    ("unread-only", &[]),
    ("mark-all-read", &[]),
    ("mark-read", &[]),
    ("close", &[]),
    ("section-today", &[]),
    ("section-older", &[]),
    ("loading", &[]),
    ("loading-more", &[]),
    ("empty-title", &[]),
    ("empty-body", &[]),
    ("error-title", &[]),
    ("retry", &[]),
    ("offline", &[]),
    ("actor-system", &[]),
    ("popups-enable", &[]),
    ("popups-blocked", &[]),
    ("popups-sound", &[]),
    ("time-now", &[]),
    ("time-minutes", &["n"]),
    ("time-hours", &["n"]),
    ("time-days", &["n"]),
    ("approve", &[]),
    ("reject", &[]),
    ("reject-note", &[]),
    ("cancel", &[]),
    ("approval-decided", &["state", "name", "when"]),
    ("approval-waiting", &[]),
    ("approval-failed", &[]),
    ("settings", &[]),
    ("back", &[]),
    ("channel-bell", &[]),
    ("channel-browser", &[]),
    ("channel-push", &[]),
    ("prefs-chat", &[]),
    ("prefs-incoming", &[]),
    ("prefs-error", &[]),
    ("quiet-hours", &[]),
    ("quiet-from", &[]),
    ("quiet-to", &[]),
    ("quiet-days", &[]),
    ("quiet-zone", &[]),
    ("day-mon", &[]),
    ("day-tue", &[]),
    ("day-wed", &[]),
    ("day-thu", &[]),
    ("day-fri", &[]),
    ("day-sat", &[]),
    ("day-sun", &[]),
];

/// Arguments the widget adds to every kind's message.
pub const ACTOR_VARS: [&str; 2] = ["actor", "actor_type"];
/// Arguments folded into another when formatted: `currency` is part of the
/// `amount` Intl formats ("Rp 1.250.000"), so messages need not name it.
pub const FOLDED_ARGS: [&str; 1] = ["currency"];

/// A message the widget expects: where it belongs, what it must and may read.
struct Expected {
    id: String,
    /// `kinds.ftl` or `ui.ftl`.
    file: &'static str,
    required: BTreeSet<String>,
    allowed: BTreeSet<String>,
}

fn expected() -> Vec<Expected> {
    let mut out = Vec::new();
    for spec in kind::KINDS {
        let required: BTreeSet<String> =
            spec.args.iter().map(|a| a.name).filter(|a| !FOLDED_ARGS.contains(a)).map(str::to_owned).collect();
        let mut allowed = required.clone();
        allowed.extend(spec.args.iter().map(|a| a.name.to_owned()));
        allowed.extend(ACTOR_VARS.iter().map(|v| v.to_string()));
        out.push(Expected { id: spec.message_id(), file: "kinds.ftl", required, allowed });
    }
    for (id, vars) in UI_MESSAGES {
        let set: BTreeSet<String> = vars.iter().map(|v| v.to_string()).collect();
        out.push(Expected { id: id.to_string(), file: "ui.ftl", required: set.clone(), allowed: set });
    }
    out
}

/// The problems of the compiled catalogs (`(language, messages)`, as the
/// compiler reports them) and of the markup's message names, each naming
/// the language, the file and the message.
pub fn check(catalogs: &[(String, Vec<Message>)], markup_ids: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    let expected = expected();
    for (lang, messages) in catalogs {
        for e in &expected {
            match messages.iter().find(|m| m.id == e.id) {
                None => {
                    let elsewhere: Vec<&str> = catalogs
                        .iter()
                        .filter(|(l, ms)| l != lang && ms.iter().any(|m| m.id == e.id))
                        .map(|(l, _)| l.as_str())
                        .collect();
                    let also = if elsewhere.is_empty() {
                        String::new()
                    } else {
                        format!(" (it is in {})", elsewhere.join(", "))
                    };
                    problems.push(format!("locales/{lang}/{}: message `{}` is missing{also}", e.file, e.id));
                }
                Some(m) => {
                    for missing in e.required.difference(&m.variables) {
                        problems.push(format!("{}:{}: {lang}: `{}` does not use ${missing}", m.path, m.line, m.id));
                    }
                    for extra in m.variables.difference(&e.allowed) {
                        let what =
                            if e.file == "kinds.ftl" { "its kind does not carry it" } else { "it is never given" };
                        problems.push(format!("{}:{}: {lang}: `{}` uses ${extra}, but {what}", m.path, m.line, m.id));
                    }
                }
            }
        }
        for m in messages {
            if !expected.iter().any(|e| e.id == m.id) {
                let what = if m.path.ends_with("kinds.ftl") {
                    "no kind has this message"
                } else {
                    "the widget never shows it"
                };
                problems.push(format!("{}:{}: {lang}: message `{}`: {what}", m.path, m.line, m.id));
            }
        }
    }
    for id in markup_ids {
        if !UI_MESSAGES.iter().any(|(ui, _)| ui == id) {
            problems.push(format!("src/view/shell.html: names message `{id}`, which is not a UI message"));
        }
    }
    problems
}

/// The message names of the markup's `data-l10n` and `data-l10n-label` attributes.
pub fn markup_ids(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attribute in ["data-l10n=\"", "data-l10n-label=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            out.push(rest[..rest.find('"').unwrap_or(rest.len())].to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A change to one catalog file: language, file, and the new text from the old.
    type Edit<'a> = (&'a str, &'a str, &'a dyn Fn(String) -> String);

    /// The widget's catalogs, with `edit` applied.
    fn catalogs(edit: Option<Edit<'_>>) -> Result<Vec<(String, Vec<Message>)>, String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut languages = Vec::new();
        for lang in ["en", "id"] {
            let mut sources = Vec::new();
            for file in ["kinds.ftl", "ui.ftl"] {
                let path = format!("locales/{lang}/{file}");
                let mut text = std::fs::read_to_string(root.join(&path)).unwrap();
                if let Some((l, f, edit)) = edit
                    && (l, f) == (lang, file)
                {
                    text = edit(text);
                }
                sources.push(fluent_compiler::Source { path, text });
            }
            languages.push(fluent_compiler::Language { module: lang.into(), sources });
        }
        fluent_compiler::compile(&languages)
            .map(|c| c.messages)
            .map_err(|e| e.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    }

    fn problems(lang: &str, file: &str, edit: &dyn Fn(String) -> String) -> Vec<String> {
        check(&catalogs(Some((lang, file, edit))).unwrap(), &[])
    }

    fn assert_problem(found: &[String], expected: &str) {
        assert!(found.iter().any(|p| p.contains(expected)), "{expected:?} not in {found:#?}");
    }

    #[test]
    fn the_catalogs_and_the_markup_have_no_problems() {
        let shell = include_str!("../view/shell.html");
        let ids = markup_ids(shell);
        assert!(ids.contains(&"mark-all-read".to_owned()) && ids.contains(&"category-label".to_owned()));
        assert_eq!(check(&catalogs(None).unwrap(), &ids), Vec::<String>::new());
    }

    #[test]
    fn a_message_missing_in_one_language_is_named_with_its_file() {
        let found = problems("id", "kinds.ftl", &|t| t.replace("mention = ", "sebutan = "));
        assert_problem(&found, "locales/id/kinds.ftl: message `mention` is missing (it is in en)");
        assert_problem(&found, "locales/id/kinds.ftl:14: id: message `sebutan`: no kind has this message");
    }

    #[test]
    fn a_variable_the_kind_does_not_carry() {
        let found = problems("en", "kinds.ftl", &|t| {
            t.replace("contact-blocked = { $actor }", "contact-blocked = { $actor } { $reason }")
        });
        assert_problem(&found, "locales/en/kinds.ftl:");
        assert_problem(&found, "en: `contact-blocked` uses $reason, but its kind does not carry it");
    }

    #[test]
    fn a_variable_the_kind_carries_but_the_message_drops() {
        let found =
            problems("id", "ui.ftl", &|t| t.replace("time-minutes = { $n } mnt", "time-minutes = beberapa mnt"));
        assert_problem(&found, "locales/id/ui.ftl:");
        assert_problem(&found, "id: `time-minutes` does not use $n");
    }

    #[test]
    fn a_ui_message_nothing_shows_and_a_markup_name_nothing_defines() {
        let found = problems("en", "ui.ftl", &|t| t + "stray = Stray\n");
        // Appended: on the line after the file's last.
        let line = std::fs::read_to_string("locales/en/ui.ftl").unwrap().lines().count() + 1;
        assert_problem(&found, &format!("locales/en/ui.ftl:{line}: en: message `stray`: the widget never shows it"));
        let found = check(&catalogs(None).unwrap(), &["mark-al-read".to_owned()]);
        assert_problem(&found, "src/view/shell.html: names message `mark-al-read`");
    }

    #[test]
    fn unsupported_syntax_stops_the_compiler_with_its_line() {
        let edit: &dyn Fn(String) -> String = &|t| t.replace("retry = Try again", "retry = { DATETIME($now) }");
        let error = catalogs(Some(("en", "ui.ftl", edit))).unwrap_err();
        assert!(error.contains("locales/en/ui.ftl:") && error.contains("`DATETIME` is not supported"), "{error}");
    }
}
