//! The compiled messages against fluent-bundle, the reference
//! implementation: the semantics fixture in two languages with different
//! plural rules, and every message of the widget's catalogs with arguments
//! that reach each of their variants. Both sides format numbers the way
//! fluent-bundle does without a formatter, so only the resolving differs.

use std::collections::BTreeMap;

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use intl_pluralrules::operands::PluralOperands;
use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};

#[allow(dead_code, unused_variables, clippy::all)]
mod semantics {
    include!(concat!(env!("OUT_DIR"), "/semantics.rs"));
}

#[allow(dead_code, unused_variables, clippy::all)]
mod catalogs {
    include!(concat!(env!("OUT_DIR"), "/catalogs.rs"));
}

use semantics::Plural;

/// A test argument.
#[derive(Clone, Debug)]
enum Arg {
    Str(String),
    Num(f64),
}

/// Arguments, and the language's plural rules as fluent-bundle applies them.
struct Scope {
    lang: &'static str,
    args: Vec<(String, Arg)>,
}

impl Scope {
    fn new(lang: &'static str, args: &[(&str, Arg)]) -> Scope {
        Scope { lang, args: args.iter().map(|(k, v)| (k.to_string(), v.clone())).collect() }
    }

    fn fluent_args(&self) -> FluentArgs<'_> {
        let mut out = FluentArgs::new();
        for (k, v) in &self.args {
            match v {
                Arg::Str(s) => out.set(k.as_str(), s.as_str()),
                Arg::Num(n) => out.set(k.as_str(), *n),
            }
        }
        out
    }

    fn plural_category(&self, n: f64, ordinal: bool, min_fraction: Option<u8>) -> PluralCategory {
        let kind = if ordinal { PluralRuleType::ORDINAL } else { PluralRuleType::CARDINAL };
        let rules = PluralRules::create(self.lang.parse::<unic_langid::LanguageIdentifier>().unwrap(), kind).unwrap();
        let mut operands = PluralOperands::try_from(n).unwrap();
        if let Some(mfd) = min_fraction.map(usize::from)
            && mfd > operands.v
        {
            operands.f *= 10_u64.pow((mfd - operands.v) as u32);
            operands.v = mfd;
        }
        rules.select(operands).unwrap()
    }

    fn formatted(n: f64, min_fraction: Option<u8>) -> String {
        let mut val = n.to_string();
        if let Some(minfd) = min_fraction.map(usize::from) {
            match val.find('.') {
                Some(pos) => {
                    let missing = minfd.saturating_sub(val.len() - pos - 1);
                    val.push_str(&"0".repeat(missing));
                }
                None => val = format!("{val}.{}", "0".repeat(minfd)),
            }
        }
        val
    }
}

fn plural(c: PluralCategory) -> Plural {
    match c {
        PluralCategory::ZERO => Plural::Zero,
        PluralCategory::ONE => Plural::One,
        PluralCategory::TWO => Plural::Two,
        PluralCategory::FEW => Plural::Few,
        PluralCategory::MANY => Plural::Many,
        PluralCategory::OTHER => Plural::Other,
    }
}

/// The same scope for both generated modules (each has its own runtime types).
macro_rules! scope_impl {
    ($m:ident) => {
        impl $m::Scope for Scope {
            fn arg(&self, name: &str) -> $m::Value<'_> {
                match self.args.iter().find(|(k, _)| k == name) {
                    Some((_, Arg::Str(s))) => $m::Value::Str(s.as_str().into()),
                    Some((_, Arg::Num(n))) => $m::Value::num(*n),
                    None => $m::Value::None,
                }
            }
            fn plural(&self, n: f64, options: &$m::NumberOptions) -> $m::Plural {
                let p = plural(self.plural_category(n, options.ordinal, options.min_fraction));
                $m::Plural::from_name(&format!("{p:?}").to_lowercase()).unwrap()
            }
            fn number(&self, n: f64, options: &$m::NumberOptions, out: &mut String) {
                out.push_str(&Scope::formatted(n, options.min_fraction));
            }
        }
    };
}
scope_impl!(semantics);
scope_impl!(catalogs);

fn reference(lang: &str, sources: &[String], id: &str, scope: &Scope) -> String {
    let mut bundle = FluentBundle::new(vec![lang.parse().unwrap()]);
    bundle.set_use_isolating(false);
    bundle.add_builtins().unwrap();
    for s in sources {
        bundle.add_resource(FluentResource::try_new(s.clone()).unwrap()).unwrap();
    }
    let (message, attribute) = id.split_once('.').map_or((id, None), |(m, a)| (m, Some(a)));
    let m = bundle.get_message(message).unwrap_or_else(|| panic!("{id} is not in the reference bundle"));
    let pattern = match attribute {
        Some(a) => m.get_attribute(a).unwrap().value(),
        None => m.value().unwrap(),
    };
    let args = scope.fluent_args();
    let mut errors = Vec::new();
    bundle.format_pattern(pattern, Some(&args), &mut errors).into_owned()
}

fn fixture() -> Vec<String> {
    vec![include_str!("fixtures/semantics.ftl").to_owned()]
}

fn compiled(lang: &'static str, id: &str, args: &[(&str, Arg)]) -> String {
    let scope = Scope::new(lang, args);
    let mut out = String::new();
    let found = match lang {
        "en" => semantics::en::format(id, &scope, &mut out),
        _ => semantics::pl::format(id, &scope, &mut out),
    };
    assert!(found, "{id} was not compiled");
    let expected = reference(lang, &fixture(), id, &scope);
    assert_eq!(out, expected, "{lang} {id} {args:?}: compiled vs fluent-bundle");
    out
}

fn s(v: &str) -> Arg {
    Arg::Str(v.to_owned())
}

fn n(v: f64) -> Arg {
    Arg::Num(v)
}

#[test]
fn text_variables_and_literals() {
    assert_eq!(compiled("en", "plain", &[]), "Just text, with “quotes” and \\ backslash");
    assert_eq!(compiled("en", "variable", &[("name", s("Ayu"))]), "Hello, Ayu!");
    assert_eq!(compiled("en", "two-variables", &[("first", s("a")), ("second", n(2.0))]), "a and 2");
    assert_eq!(compiled("en", "string-literal", &[]), "{braces} and A😀 and \"\\");
    assert_eq!(compiled("en", "number-literal", &[]), "1.50 and -3 and 42");
    assert_eq!(compiled("en", "number-variable", &[("n", n(1.25))]), "You have 1.25 points");
    assert_eq!(compiled("en", "multiline", &[("name", s("x"))]), "First line\nsecond line\n  indented x");
}

#[test]
fn selectors_on_strings_plurals_and_exact_numbers() {
    assert_eq!(compiled("en", "select-string", &[("gender", s("female"))]), "She replied");
    assert_eq!(compiled("en", "select-string", &[("gender", s("robot"))]), "They replied");
    assert_eq!(compiled("en", "select-plural", &[("count", n(1.0))]), "One file");
    assert_eq!(compiled("en", "select-plural", &[("count", n(7.0))]), "7 files");
    // A string "one" is not the number one.
    assert_eq!(compiled("en", "select-plural", &[("count", s("one"))]), "One file");
    assert_eq!(compiled("en", "select-exact", &[("count", n(0.0))]), "No files");
    assert_eq!(compiled("en", "select-exact", &[("count", n(1.0))]), "Exactly one");
    // Polish: few (2–4), many (5–21), and the exact key before the category.
    assert_eq!(compiled("pl", "select-exact", &[("count", n(1.0))]), "Exactly one");
    assert_eq!(compiled("pl", "select-exact", &[("count", n(3.0))]), "A few files");
    assert_eq!(compiled("pl", "select-exact", &[("count", n(5.0))]), "Many files");
    assert_eq!(compiled("pl", "select-exact", &[("count", n(1.5))]), "1.5 files");
    assert_eq!(compiled("en", "default-in-middle", &[("x", s("c"))]), "C");
    assert_eq!(compiled("en", "default-in-middle", &[("x", s("zzz"))]), "B");
    assert_eq!(compiled("en", "nested", &[("a", s("x")), ("b", s("y"))]), "x-y");
    assert_eq!(compiled("en", "nested", &[("a", s("x")), ("b", s("q"))]), "x-z");
    assert_eq!(compiled("en", "nested", &[("a", s("w")), ("b", s("q"))]), "other q");
    assert_eq!(compiled("en", "number-key-string-value", &[("s", s("1"))]), "other");
}

#[test]
fn terms_attributes_and_references() {
    assert_eq!(compiled("en", "term", &[]), "Qontak is here");
    assert_eq!(compiled("en", "term-attribute-selector", &[]), "She works");
    assert_eq!(compiled("en", "term-arguments", &[]), "The thing's and the thing");
    assert_eq!(compiled("en", "term-number-argument", &[]), "one item, 3 items");
    assert_eq!(compiled("pl", "term-number-argument", &[]), "one item, 3 items");
    // A term sees only its own arguments, never the message's.
    assert_eq!(compiled("en", "term-variable-unseen", &[("case", s("genitive"))]), "thing thing");
    assert_eq!(
        compiled("en", "message-reference", &[("name", s("Ayu"))]),
        "Just text, with “quotes” and \\ backslash / Hello, Ayu!"
    );
    assert_eq!(compiled("en", "attributes", &[]), "Value");
    assert_eq!(compiled("en", "attributes.title", &[("name", s("Ayu"))]), "Title for Ayu");
    assert_eq!(compiled("en", "attributes.aria", &[("name", s("Ayu"))]), "Title for Ayu!");
    assert_eq!(compiled("en", "attribute-reference", &[("name", s("B"))]), "Title for B");
    assert_eq!(compiled("en", "only-attributes.label", &[]), "Label");
}

#[test]
fn number_function_and_missing_arguments() {
    assert_eq!(compiled("en", "number-function", &[("n", n(3.0))]), "3.00");
    // One with a decimal shown is "other" in English.
    assert_eq!(compiled("en", "number-function-select", &[("n", n(1.0))]), "other");
    assert_eq!(compiled("en", "ordinal", &[("n", n(1.0))]), "1st");
    assert_eq!(compiled("en", "ordinal", &[("n", n(22.0))]), "22nd");
    assert_eq!(compiled("en", "ordinal", &[("n", n(13.0))]), "13th");
    assert_eq!(compiled("en", "missing-variable", &[]), "Hi {$nobody} and NUMBER()");
    assert_eq!(compiled("en", "select-missing", &[]), "default");
}

#[test]
fn unknown_ids_are_not_found() {
    let scope = Scope::new("en", &[]);
    let mut out = String::new();
    assert!(!semantics::en::format("no-such-message", &scope, &mut out));
    assert!(!semantics::en::format("only-attributes", &scope, &mut out));
    assert!(out.is_empty());
}

/// Values for a selector's keys: each key, and one that matches none.
fn samples(keys: &[fluent_compiler::Key]) -> Vec<Arg> {
    let mut out = Vec::new();
    let mut numeric = false;
    for k in keys {
        match k {
            fluent_compiler::Key::Name(name) if fluent_compiler_plural(name) => numeric = true,
            fluent_compiler::Key::Name(name) => out.push(s(name)),
            fluent_compiler::Key::Number(v) => {
                numeric = true;
                out.push(n(v.parse().unwrap()));
            }
        }
    }
    if numeric {
        out.extend([0.0, 1.0, 2.0, 3.0, 5.0, 11.0, 21.0, 1.5, 1000.0].map(n));
    }
    out.push(s("something-else"));
    out
}

fn fluent_compiler_plural(name: &str) -> bool {
    ["zero", "one", "two", "few", "many", "other"].contains(&name)
}

#[test]
fn every_catalog_message_renders_as_fluent_bundle_renders_it() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../locales");
    let mut checked = 0;
    for lang in ["en", "id"] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(lang))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        paths.sort();
        let sources: Vec<fluent_compiler::Source> = paths
            .iter()
            .map(|p| fluent_compiler::Source {
                path: p.display().to_string(),
                text: std::fs::read_to_string(p).unwrap(),
            })
            .collect();
        let texts: Vec<String> = sources.iter().map(|s| s.text.clone()).collect();
        let compiled = fluent_compiler::compile(&[fluent_compiler::Language { module: lang.into(), sources }]).unwrap();
        for message in &compiled.messages[0].1 {
            // Every combination of the selectors' samples; other variables get a text.
            let mut combinations: Vec<Vec<(String, Arg)>> = vec![Vec::new()];
            for (variable, keys) in &message.selectors {
                let keys: Vec<_> = keys.iter().cloned().collect();
                combinations = combinations
                    .into_iter()
                    .flat_map(|c| {
                        samples(&keys).into_iter().map(move |v| {
                            let mut c = c.clone();
                            c.push((variable.clone(), v));
                            c
                        })
                    })
                    .collect();
            }
            let plain: BTreeMap<_, _> = message
                .variables
                .iter()
                .filter(|v| !message.selectors.contains_key(*v))
                .map(|v| (v.clone(), s(&format!("<{v}>"))))
                .collect();
            for combination in combinations {
                let mut args: Vec<(String, Arg)> = plain.clone().into_iter().collect();
                args.extend(combination);
                let scope = Scope { lang, args };
                let mut out = String::new();
                let found = match lang {
                    "en" => catalogs::en::format(&message.id, &scope, &mut out),
                    _ => catalogs::id::format(&message.id, &scope, &mut out),
                };
                assert!(found, "{lang} {}", message.id);
                assert_eq!(out, reference(lang, &texts, &message.id, &scope), "{lang} {} {:?}", message.id, scope.args);
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} renderings were compared");
}
