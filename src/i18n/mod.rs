//! The widget's languages. Catalogs are Fluent (`locales/<lang>/*.ftl`),
//! compiled to Rust at build time by `fluent-compiler` and checked there
//! against the kinds table and the UI (`check`): the browser runs the
//! compiled messages, no Fluent parser or resolver. Messages are rendered at
//! display time from a kind's message id and its arguments (never stored as
//! text), so a language switch re-renders everything on screen.
//!
//! Plural categories, numbers and dates come from the platform (`Formats`:
//! the browser's `Intl` in the widget). Placeables carry no bidi isolation
//! marks (U+2068/U+2069): both languages are left-to-right, the marks would
//! reach screen readers and copied text, and the widget never had them.

#[cfg(test)]
mod check;

use std::borrow::Cow;

use bell_protocol::Actor;
use bell_protocol::kind::{self, ArgType};
use serde_json::{Map, Value as Json};

#[allow(dead_code, unused_variables, clippy::all)]
mod compiled {
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

pub use compiled::{NumberOptions, Plural};
use compiled::{Scope, Value};

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    En,
    Id,
}

impl Lang {
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
}

/// What the platform provides in a language: plural rules, and formats for
/// numbers, currencies and dates (the browser's `Intl`; plain in tests).
pub trait Formats {
    fn plural(&self, lang: Lang, n: f64, options: &NumberOptions) -> Plural;
    fn number(&self, lang: Lang, n: f64, options: &NumberOptions, out: &mut String);
    fn currency(&self, lang: Lang, amount: f64, currency: &str) -> String;
    /// An RFC 3339 time in the device's time zone.
    fn date_time(&self, lang: Lang, rfc3339: &str) -> String;
}

/// One language's messages, formatted with the platform's `Formats`.
#[derive(Clone, Copy)]
pub struct Catalog {
    pub lang: Lang,
    pub formats: &'static dyn Formats,
}

/// A message's arguments, in a language.
struct Args<'a> {
    catalog: Catalog,
    list: Vec<(&'a str, Value<'a>)>,
}

impl Scope for Args<'_> {
    fn arg(&self, name: &str) -> Value<'_> {
        self.list.iter().find(|(k, _)| *k == name).map_or(Value::None, |(_, v)| v.clone())
    }

    fn plural(&self, n: f64, options: &NumberOptions) -> Plural {
        self.catalog.formats.plural(self.catalog.lang, n, options)
    }

    fn number(&self, n: f64, options: &NumberOptions, out: &mut String) {
        self.catalog.formats.number(self.catalog.lang, n, options, out)
    }
}

impl Catalog {
    fn format(&self, id: &str, args: &Args<'_>) -> String {
        let mut out = String::new();
        let found = match self.lang {
            Lang::En => compiled::en::format(id, args, &mut out),
            Lang::Id => compiled::id::format(id, args, &mut out),
        };
        if found { out } else { id.to_owned() }
    }

    /// A UI message without arguments; the id itself when it is missing.
    pub fn text(&self, id: &str) -> String {
        self.format(id, &Args { catalog: *self, list: Vec::new() })
    }

    /// A UI message with one numeric argument.
    pub fn count(&self, id: &str, name: &'static str, n: u64) -> String {
        self.format(id, &Args { catalog: *self, list: vec![(name, Value::num(n as f64))] })
    }

    /// A notification's text from its kind, arguments and actor.
    pub fn notification(&self, kind_name: &str, args: &Map<String, Json>, actor: &Actor) -> String {
        let Some(spec) = kind::kind(kind_name) else {
            return kind_name.to_owned();
        };
        let mut list = Vec::with_capacity(spec.args.len() + 2);
        match actor {
            Actor::User { name, .. } => {
                list.push(("actor", Value::Str(Cow::Borrowed(name.as_str()))));
                list.push(("actor_type", Value::Str(Cow::Borrowed("user"))));
            }
            Actor::System => {
                list.push(("actor", Value::Str(Cow::Owned(self.text("actor-system")))));
                list.push(("actor_type", Value::Str(Cow::Borrowed("system"))));
            }
        }
        let (lang, formats) = (self.lang, self.formats);
        let currency = args.get("currency").and_then(Json::as_str);
        for a in spec.args {
            let Some(v) = args.get(a.name) else { continue };
            let value = match (a.ty, v) {
                (ArgType::Number, Json::Number(n)) => {
                    let n = n.as_f64().unwrap_or_default();
                    match currency {
                        Some(c) => Value::Str(Cow::Owned(formats.currency(lang, n, c))),
                        None => Value::num(n),
                    }
                }
                (ArgType::Timestamp, Json::String(s)) => Value::Str(Cow::Owned(formats.date_time(lang, s))),
                (_, Json::String(s)) => Value::Str(Cow::Borrowed(s.as_str())),
                // Counts select plurals on their value. The server checks each
                // argument's type; should another shape come, it is shown
                // plainly, never as JSON text.
                (_, Json::Number(n)) => Value::num(n.as_f64().unwrap_or_default()),
                (_, Json::Bool(b)) => Value::Str(Cow::Borrowed(if *b { "true" } else { "false" })),
                _ => continue,
            };
            list.push((a.name, value));
        }
        self.format(&spec.message_id(), &Args { catalog: *self, list })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// English and Indonesian plural rules for whole numbers; digits as Rust writes them.
    struct Plain;
    impl Formats for Plain {
        fn plural(&self, lang: Lang, n: f64, options: &NumberOptions) -> Plural {
            match lang {
                Lang::En if n == 1.0 && options.min_fraction.unwrap_or(0) == 0 => Plural::One,
                _ => Plural::Other,
            }
        }
        fn number(&self, _: Lang, n: f64, _: &NumberOptions, out: &mut String) {
            out.push_str(&n.to_string());
        }
        fn currency(&self, _: Lang, amount: f64, currency: &str) -> String {
            format!("{currency} {amount}")
        }
        fn date_time(&self, _: Lang, s: &str) -> String {
            s.to_owned()
        }
    }

    fn catalog(lang: Lang) -> Catalog {
        Catalog { lang, formats: &Plain }
    }

    #[test]
    fn renders_kinds_in_both_languages_with_plurals_and_the_system_actor() {
        let (en, id) = (catalog(Lang::En), catalog(Lang::Id));
        let budi = Actor::User { id: "u-1".into(), name: "Budi".into() };
        let deal = json!({"deal_name": "PT Maju"});
        let deal = deal.as_object().unwrap();
        assert_eq!(en.notification("deal.assigned", deal, &budi), "Budi assigned you the deal PT Maju");
        assert_eq!(
            en.notification("deal.assigned", deal, &Actor::System),
            "The deal PT Maju was automatically assigned to you"
        );
        assert_eq!(id.notification("deal.assigned", deal, &budi), "Budi menugaskan deal PT Maju kepada Anda");
        let export = |rows: u64| json!({"file_name": "a.csv", "rows": rows});
        assert_eq!(
            en.notification("export.completed", export(1).as_object().unwrap(), &budi),
            "Your export a.csv is ready: 1 row"
        );
        assert_eq!(
            en.notification("export.completed", export(5).as_object().unwrap(), &budi),
            "Your export a.csv is ready: 5 rows"
        );
        let expense = json!({"expense_name": "Dinner", "amount": 1250000, "currency": "IDR"});
        assert!(
            id.notification("approval.expense.requested", expense.as_object().unwrap(), &budi)
                .contains("(IDR 1250000)")
        );
        let conv = json!({"contact_name": "Rina", "channel": "whatsapp"});
        assert_eq!(
            en.notification("conversation.resolved", conv.as_object().unwrap(), &budi),
            "Budi resolved the WhatsApp conversation with Rina"
        );
        assert_eq!(en.count("bell-label", "count", 0), "Notifications");
        assert_eq!(en.count("bell-label", "count", 3), "Notifications, 3 unread");
        assert_eq!(id.count("bell-label", "count", 3), "Notifikasi, 3 belum dibaca");
        assert_eq!(en.text("no-such-message"), "no-such-message");
        assert_eq!(en.notification("no.such.kind", deal, &budi), "no.such.kind");
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("id-ID"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("EN_us"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
    }
}
