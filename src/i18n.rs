//! Fluent catalogs: one bundle per language, messages rendered at display
//! time from a kind's message id and its arguments (never stored as text),
//! so a language switch re-renders everything on screen.
//!
//! Numbers and dates reach Fluent already formatted by the browser's `Intl`
//! (see `Formats`); plurals still select on the numeric value.

use std::collections::BTreeSet;

use bell_protocol::Actor;
use bell_protocol::kind::{self, ArgType, KindSpec};
use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use fluent_syntax::ast;
use serde_json::{Map, Value};
use unic_langid::LanguageIdentifier;

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Id,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Id];

    /// `en`, `en-US`, `id`, `id-ID`, `in` … → a language; anything else → None.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "id" | "in" => Some(Lang::Id),
            _ => None,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Id => "id",
        }
    }

    fn sources(self) -> [&'static str; 2] {
        match self {
            Lang::En => [include_str!("../locales/en/kinds.ftl"), include_str!("../locales/en/ui.ftl")],
            Lang::Id => [include_str!("../locales/id/kinds.ftl"), include_str!("../locales/id/ui.ftl")],
        }
    }
}

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
];

/// Arguments the widget adds to every kind's message.
const ACTOR_VARS: [&str; 2] = ["actor", "actor_type"];
/// Arguments folded into another when formatted: `currency` is part of the
/// `amount` Intl formats ("Rp 1.250.000"), so messages need not name it.
const FOLDED_ARGS: [&str; 1] = ["currency"];

/// Locale-aware formatting the browser provides (Intl); plain in native tests.
pub trait Formats {
    fn number(&self, lang: Lang, n: f64) -> String;
    fn currency(&self, lang: Lang, amount: f64, currency: &str) -> String;
    /// An RFC 3339 time in the device's time zone.
    fn date_time(&self, lang: Lang, rfc3339: &str) -> String;
}

/// One language's bundle.
pub struct Catalog {
    pub lang: Lang,
    bundle: FluentBundle<FluentResource>,
}

impl Catalog {
    /// Builds the bundle; `number_formatter` lets the browser group digits.
    pub fn new(
        lang: Lang,
        number_formatter: Option<fn(&FluentValue, &intl_memoizer::IntlLangMemoizer) -> Option<String>>,
    ) -> Catalog {
        let langid: LanguageIdentifier = lang.tag().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new(vec![langid]);
        // No bidi isolation marks: the text is Latin-script either way and
        // the marks break text equality for tests and screen readers.
        bundle.set_use_isolating(false);
        bundle.set_formatter(number_formatter);
        // The tests (`check`) prove every catalog parses, once per id: errors
        // are not formatted here, so their text stays out of the wasm.
        for source in lang.sources() {
            let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
            let _ = bundle.add_resource(resource);
        }
        Catalog { lang, bundle }
    }

    /// A UI message with optional arguments; the id itself when it is missing.
    pub fn text(&self, id: &str, args: Option<&FluentArgs>) -> String {
        let Some(pattern) = self.bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_owned();
        };
        let mut errors = Vec::new();
        self.bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// A UI message with one numeric argument.
    pub fn count(&self, id: &str, name: &'static str, n: u64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, n);
        self.text(id, Some(&args))
    }

    /// A notification's text from its kind, arguments and actor.
    pub fn notification(&self, kind_name: &str, args: &Map<String, Value>, actor: &Actor, fmt: &dyn Formats) -> String {
        let Some(spec) = kind::kind(kind_name) else {
            return kind_name.to_owned();
        };
        let fluent_args = self.kind_args(spec, args, actor, fmt);
        self.text(&spec.message_id(), Some(&fluent_args))
    }

    fn kind_args<'a>(
        &self,
        spec: &KindSpec,
        args: &'a Map<String, Value>,
        actor: &'a Actor,
        fmt: &dyn Formats,
    ) -> FluentArgs<'a> {
        let mut out = FluentArgs::new();
        match actor {
            Actor::User { name, .. } => {
                out.set("actor", name.as_str());
                out.set("actor_type", "user");
            }
            Actor::System => {
                out.set("actor", self.text("actor-system", None));
                out.set("actor_type", "system");
            }
        }
        let currency = args.get("currency").and_then(Value::as_str);
        for a in spec.args {
            let Some(v) = args.get(a.name) else { continue };
            let value: FluentValue = match (a.ty, v) {
                (ArgType::Count, Value::Number(n)) => FluentValue::from(n.as_f64().unwrap_or_default()),
                (ArgType::Number, Value::Number(n)) => {
                    let n = n.as_f64().unwrap_or_default();
                    match currency {
                        Some(c) => fmt.currency(self.lang, n, c).into(),
                        None => fmt.number(self.lang, n).into(),
                    }
                }
                (ArgType::Timestamp, Value::String(s)) => fmt.date_time(self.lang, s).into(),
                (_, Value::String(s)) => s.as_str().into(),
                // The server checks each argument's type; should another
                // shape come, it is shown plainly, never as JSON text.
                (_, Value::Number(n)) => fmt.number(self.lang, n.as_f64().unwrap_or_default()).into(),
                (_, Value::Bool(b)) => if *b { "true" } else { "false" }.into(),
                _ => continue,
            };
            out.set(a.name, value);
        }
        out
    }
}

/// Variables a message (or term) uses, from the parsed catalog.
fn variables(pattern: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, out);
        }
    }
}

fn expression_variables(expression: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, out);
            for v in variants {
                variables(&v.value, out);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, out),
    }
}

fn inline_variables(inline: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
    let call = |args: &ast::CallArguments<&str>, out: &mut BTreeSet<String>| {
        args.positional.iter().for_each(|p| inline_variables(p, out));
        args.named.iter().for_each(|n| inline_variables(&n.value, out));
    };
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => call(arguments, out),
        ast::InlineExpression::TermReference { arguments: Some(arguments), .. } => call(arguments, out),
        ast::InlineExpression::Placeable { expression } => expression_variables(expression, out),
        _ => {}
    }
}

/// Checks catalogs (one language's `.ftl` sources) against the kinds table and
/// `UI_MESSAGES`: every message present, no message or variable too many or
/// too few. Answers the problems found.
pub fn check(lang: &str, sources: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut found: Vec<(String, BTreeSet<String>)> = Vec::new();
    for source in sources {
        let resource = match FluentResource::try_new(source.to_string()) {
            Ok(r) => r,
            Err((_, errors)) => {
                problems.push(format!("{lang}: syntax errors {errors:?}"));
                continue;
            }
        };
        for entry in resource.entries() {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(v) = &m.value {
                    variables(v, &mut vars);
                }
                found.push((m.id.name.to_owned(), vars));
            }
        }
    }
    let mut expected: Vec<(String, BTreeSet<String>, BTreeSet<String>)> = Vec::new();
    for spec in kind::KINDS {
        let required: BTreeSet<String> =
            spec.args.iter().map(|a| a.name).filter(|a| !FOLDED_ARGS.contains(a)).map(str::to_owned).collect();
        let mut allowed = required.clone();
        allowed.extend(spec.args.iter().map(|a| a.name.to_owned()));
        allowed.extend(ACTOR_VARS.iter().map(|v| v.to_string()));
        expected.push((spec.message_id(), required, allowed));
    }
    for (id, vars) in UI_MESSAGES {
        let set: BTreeSet<String> = vars.iter().map(|v| v.to_string()).collect();
        expected.push((id.to_string(), set.clone(), set));
    }
    for (id, required, allowed) in &expected {
        match found.iter().filter(|(f, _)| f == id).collect::<Vec<_>>().as_slice() {
            [] => problems.push(format!("{lang}: message `{id}` is missing")),
            [(_, vars)] => {
                for missing in required.difference(vars) {
                    problems.push(format!("{lang}: `{id}` does not use ${missing}"));
                }
                for extra in vars.difference(allowed) {
                    problems.push(format!("{lang}: `{id}` uses ${extra}, which it is never given"));
                }
            }
            _ => problems.push(format!("{lang}: message `{id}` is defined twice")),
        }
    }
    for (id, _) in &found {
        if !expected.iter().any(|(e, _, _)| e == id) {
            problems.push(format!("{lang}: message `{id}` is not used by the widget"));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Plain;
    impl Formats for Plain {
        fn number(&self, _: Lang, n: f64) -> String {
            n.to_string()
        }
        fn currency(&self, _: Lang, amount: f64, currency: &str) -> String {
            format!("{currency} {amount}")
        }
        fn date_time(&self, _: Lang, s: &str) -> String {
            s.to_owned()
        }
    }

    #[test]
    fn every_catalog_has_every_message_with_exactly_its_variables() {
        for lang in Lang::ALL {
            let problems = check(lang.tag(), &lang.sources());
            assert!(problems.is_empty(), "{problems:#?}");
        }
    }

    #[test]
    fn the_check_catches_a_missing_message_a_missing_variable_and_one_too_many() {
        let [kinds, ui] = Lang::En.sources();
        let without_mention = kinds.replace("mention = ", "mentioned = ");
        let problems = check("en", &[&without_mention, ui]);
        assert!(problems.iter().any(|p| p.contains("`mention` is missing")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("`mentioned` is not used")), "{problems:?}");
        let no_var = ui.replace("time-minutes = { $n }m", "time-minutes = some minutes");
        assert!(check("en", &[kinds, &no_var]).iter().any(|p| p.contains("`time-minutes` does not use $n")));
        let extra = ui.replace("retry = Try again", "retry = Try again { $times }");
        assert!(check("en", &[kinds, &extra]).iter().any(|p| p.contains("`retry` uses $times")));
    }

    #[test]
    fn renders_kinds_in_both_languages_with_plurals_and_the_system_actor() {
        let en = Catalog::new(Lang::En, None);
        let id = Catalog::new(Lang::Id, None);
        let budi = Actor::User { id: "u-1".into(), name: "Budi".into() };
        let deal = json!({"deal_name": "PT Maju"});
        let deal = deal.as_object().unwrap();
        assert_eq!(en.notification("deal.assigned", deal, &budi, &Plain), "Budi assigned you the deal PT Maju");
        assert_eq!(
            en.notification("deal.assigned", deal, &Actor::System, &Plain),
            "The deal PT Maju was automatically assigned to you"
        );
        assert_eq!(id.notification("deal.assigned", deal, &budi, &Plain), "Budi menugaskan deal PT Maju kepada Anda");
        let export = json!({"file_name": "a.csv", "rows": 1});
        assert_eq!(
            en.notification("export.completed", export.as_object().unwrap(), &budi, &Plain),
            "Your export a.csv is ready: 1 row"
        );
        let export = json!({"file_name": "a.csv", "rows": 5});
        assert_eq!(
            en.notification("export.completed", export.as_object().unwrap(), &budi, &Plain),
            "Your export a.csv is ready: 5 rows"
        );
        let expense = json!({"expense_name": "Dinner", "amount": 1250000, "currency": "IDR"});
        assert!(
            id.notification("approval.expense.requested", expense.as_object().unwrap(), &budi, &Plain)
                .contains("(IDR 1250000)")
        );
        let conv = json!({"contact_name": "Rina", "channel": "whatsapp"});
        assert_eq!(
            en.notification("conversation.resolved", conv.as_object().unwrap(), &budi, &Plain),
            "Budi resolved the WhatsApp conversation with Rina"
        );
        assert_eq!(en.count("bell-label", "count", 0), "Notifications");
        assert_eq!(en.count("bell-label", "count", 3), "Notifications, 3 unread");
        assert_eq!(id.count("bell-label", "count", 3), "Notifikasi, 3 belum dibaca");
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("id-ID"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("EN_us"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
    }
}
