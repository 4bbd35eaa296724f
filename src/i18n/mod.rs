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

#[allow(dead_code, unused_variables, clippy::all)]
mod compiled {
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

pub use compiled::{NumberOptions, Plural};
use compiled::{Scope, Value};

/// A producer's argument as the widget keeps it (the server has checked
/// its type against the kinds table).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Text(String),
    Number(f64),
    Flag(bool),
}

/// A notification's arguments by name.
pub type Args = Vec<(String, Arg)>;

fn arg<'a>(args: &'a Args, name: &str) -> Option<&'a Arg> {
    args.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

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
struct Scoped<'a> {
    catalog: Catalog,
    list: Vec<(&'a str, Value<'a>)>,
}

impl Scope for Scoped<'_> {
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
    fn format(&self, id: &str, args: &Scoped<'_>) -> String {
        let mut out = String::new();
        let found = match self.lang {
            Lang::En => compiled::en::format(id, args, &mut out),
            Lang::Id => compiled::id::format(id, args, &mut out),
        };
        if found { out } else { id.to_owned() }
    }

    /// A UI message without arguments; the id itself when it is missing.
    pub fn text(&self, id: &str) -> String {
        self.format(id, &Scoped { catalog: *self, list: Vec::new() })
    }

    /// A UI message with one numeric argument.
    pub fn count(&self, id: &str, name: &'static str, n: u64) -> String {
        self.format(id, &Scoped { catalog: *self, list: vec![(name, Value::num(n as f64))] })
    }

    /// A UI message with text arguments.
    pub fn with(&self, id: &str, args: &[(&'static str, &str)]) -> String {
        let list = args.iter().map(|(k, v)| (*k, Value::Str(Cow::Borrowed(*v)))).collect();
        self.format(id, &Scoped { catalog: *self, list })
    }

    /// A notification's text from its kind, arguments and actor.
    pub fn notification(&self, kind_name: &str, args: &Args, actor: &Actor) -> String {
        let Some(spec) = kind::kind(kind_name) else {
            return kind_name.to_owned();
        };
        let mut list = Vec::with_capacity(spec.args.len() + 2);
        match actor {
            Actor::User { name, .. } => {
                list.push(("actor", Value::Str(Cow::Borrowed(name.as_str()))));
                list.push(("actor_type", Value::Str(Cow::Borrowed("user"))));
            }
            Actor::System {} => {
                list.push(("actor", Value::Str(Cow::Owned(self.text("actor-system")))));
                list.push(("actor_type", Value::Str(Cow::Borrowed("system"))));
            }
        }
        let (lang, formats) = (self.lang, self.formats);
        let currency = match arg(args, "currency") {
            Some(Arg::Text(c)) => Some(c.as_str()),
            _ => None,
        };
        for a in spec.args {
            let Some(v) = arg(args, a.name) else { continue };
            let value = match (a.ty, v) {
                (ArgType::Number, Arg::Number(n)) => match currency {
                    Some(c) => Value::Str(Cow::Owned(formats.currency(lang, *n, c))),
                    None => Value::num(*n),
                },
                (ArgType::Timestamp, Arg::Text(s)) => Value::Str(Cow::Owned(formats.date_time(lang, s))),
                (_, Arg::Text(s)) => Value::Str(Cow::Borrowed(s.as_str())),
                // Counts select plurals on their value. Should another shape
                // come, it is shown plainly.
                (_, Arg::Number(n)) => Value::num(*n),
                (_, Arg::Flag(b)) => Value::Str(Cow::Borrowed(if *b { "true" } else { "false" })),
            };
            list.push((a.name, value));
        }
        self.format(&spec.message_id(), &Scoped { catalog: *self, list })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn text(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }

    fn args(list: &[(&str, Arg)]) -> Args {
        list.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn catalog(lang: Lang) -> Catalog {
        Catalog { lang, formats: &Plain }
    }

    #[test]
    fn renders_kinds_in_both_languages_with_plurals_and_the_system_actor() {
        let (en, id) = (catalog(Lang::En), catalog(Lang::Id));
        let budi = Actor::User { id: "u-1".into(), name: "Budi".into() };
        let deal = &args(&[("deal_name", text("PT Maju"))]);
        assert_eq!(en.notification("deal.assigned", deal, &budi), "Budi assigned you the deal PT Maju");
        assert_eq!(
            en.notification("deal.assigned", deal, &Actor::System {}),
            "The deal PT Maju was automatically assigned to you"
        );
        assert_eq!(id.notification("deal.assigned", deal, &budi), "Budi menugaskan deal PT Maju kepada Anda");
        let export = |rows: f64| args(&[("file_name", text("a.csv")), ("rows", Arg::Number(rows))]);
        assert_eq!(en.notification("export.completed", &export(1.0), &budi), "Your export a.csv is ready: 1 row");
        assert_eq!(en.notification("export.completed", &export(5.0), &budi), "Your export a.csv is ready: 5 rows");
        let expense =
            args(&[("expense_name", text("Dinner")), ("amount", Arg::Number(1250000.0)), ("currency", text("IDR"))]);
        assert!(id.notification("approval.expense.requested", &expense, &budi).contains("(IDR 1250000)"));
        let conv = args(&[("contact_name", text("Rina")), ("channel", text("whatsapp"))]);
        assert_eq!(
            en.notification("conversation.resolved", &conv, &budi),
            "Budi resolved the WhatsApp conversation with Rina"
        );
        assert_eq!(en.count("bell-label", "count", 0), "Notifications");
        assert_eq!(en.count("bell-label", "count", 3), "Notifications, 3 unread");
        assert_eq!(id.count("bell-label", "count", 3), "Notifikasi, 3 belum dibaca");
        assert_eq!(en.text("no-such-message"), "no-such-message");
        let decided = |c: &Catalog, state| {
            c.with("approval-decided", &[("state", state), ("name", "Ayu Lestari"), ("when", "5m")])
        };
        assert_eq!(decided(&en, "approved"), "Approved by Ayu Lestari · 5m");
        assert_eq!(decided(&en, "rejected"), "Rejected by Ayu Lestari · 5m");
        assert_eq!(decided(&id, "approved"), "Disetujui oleh Ayu Lestari · 5m");
        assert_eq!(decided(&id, "rejected"), "Ditolak oleh Ayu Lestari · 5m");
        assert_eq!(en.notification("no.such.kind", deal, &budi), "no.such.kind");
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("id-ID"), Some(Lang::Id));
        assert_eq!(Lang::from_tag("EN_us"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
    }
}
