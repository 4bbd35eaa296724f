// The runtime of compiled catalogs: copied verbatim at the top of every
// generated file, so the code a catalog compiles to needs nothing else.
// The caller implements `Scope`: where arguments come from, and how its
// platform selects plural categories and formats numbers (in a browser,
// `Intl.PluralRules` and `Intl.NumberFormat`).

use std::borrow::Cow;

/// A CLDR plural category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    Zero,
    One,
    Two,
    Few,
    Many,
    Other,
}

impl Plural {
    /// `"one"` → `One`; anything that is not a category name → `None`.
    pub fn from_name(name: &str) -> Option<Plural> {
        Some(match name {
            "zero" => Plural::Zero,
            "one" => Plural::One,
            "two" => Plural::Two,
            "few" => Plural::Few,
            "many" => Plural::Many,
            "other" => Plural::Other,
            _ => return None,
        })
    }
}

/// The options `NUMBER()` can set (Fluent's names in comments). A number
/// literal's decimals set `min_fraction` (`1.50` keeps two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NumberOptions {
    /// `type: "ordinal"` (plural selection by ordinal rules).
    pub ordinal: bool,
    /// `useGrouping` (`"false"` turns it off).
    pub grouping: bool,
    /// `minimumIntegerDigits`
    pub min_integer: Option<u8>,
    /// `minimumFractionDigits`
    pub min_fraction: Option<u8>,
    /// `maximumFractionDigits`
    pub max_fraction: Option<u8>,
    /// `minimumSignificantDigits`
    pub min_significant: Option<u8>,
    /// `maximumSignificantDigits`
    pub max_significant: Option<u8>,
}

impl NumberOptions {
    pub const DEFAULT: NumberOptions = NumberOptions {
        ordinal: false,
        grouping: true,
        min_integer: None,
        min_fraction: None,
        max_fraction: None,
        min_significant: None,
        max_significant: None,
    };

    /// A number literal's options: its decimals are kept.
    pub const fn literal(decimals: Option<u8>) -> NumberOptions {
        NumberOptions { min_fraction: decimals, ..NumberOptions::DEFAULT }
    }
}

/// A value a placeable shows or a selector selects on.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Num(f64, NumberOptions),
    /// A missing argument (or a function given one): selectors take their
    /// default variant, placeables show the reference, e.g. `{$name}`.
    None,
}

impl<'a> Value<'a> {
    pub fn num(n: f64) -> Value<'a> {
        Value::Num(n, NumberOptions::DEFAULT)
    }
}

/// Where a message's arguments come from, and the platform's plural rules
/// and number formatting in the catalog's language.
pub trait Scope {
    /// The argument `name` (`Value::None` when there is none).
    fn arg(&self, name: &str) -> Value<'_>;
    /// The plural category of `n` (cardinal, or ordinal when `options` say so).
    fn plural(&self, n: f64, options: &NumberOptions) -> Plural;
    /// Appends `n` formatted with `options`.
    fn number(&self, n: f64, options: &NumberOptions, out: &mut String);
}

/// Appends text. (Not inlined: a catalog makes hundreds of these calls,
/// and each inlined `push_str` would be several times larger.)
#[inline(never)]
pub fn t(o: &mut String, text: &str) {
    o.push_str(text);
}

/// Appends the argument `name`, or `{$name}` when there is none.
#[inline(never)]
pub fn var(s: &dyn Scope, name: &str, o: &mut String) {
    match s.arg(name) {
        Value::None => {
            o.push_str("{$");
            o.push_str(name);
            o.push('}');
        }
        v => put(s, v, "", o),
    }
}

/// Appends a value; `missing` when there is none (what Fluent shows for an
/// unresolved reference).
pub fn put(s: &dyn Scope, v: Value<'_>, missing: &str, out: &mut String) {
    match v {
        Value::Str(text) => out.push_str(&text),
        Value::Num(n, options) => s.number(n, &options, out),
        Value::None => out.push_str(missing),
    }
}

/// Whether a variant's identifier key matches: the same string, or a
/// number of that plural category.
pub fn is(s: &dyn Scope, v: &Value<'_>, key: &str) -> bool {
    match v {
        Value::Str(text) => text == key,
        Value::Num(n, options) => Plural::from_name(key).is_some_and(|p| s.plural(*n, options) == p),
        Value::None => false,
    }
}

/// Whether a variant's number key (`[0]`) matches: the same number.
pub fn is_num(v: &Value<'_>, key: f64) -> bool {
    matches!(v, Value::Num(n, _) if *n == key)
}

/// `NUMBER(value, …)`: the number with `set` applied to its options; not a
/// number → `None`.
pub fn number<'a>(v: Value<'a>, set: fn(&mut NumberOptions)) -> Value<'a> {
    match v {
        Value::Num(n, mut options) => {
            set(&mut options);
            Value::Num(n, options)
        }
        _ => Value::None,
    }
}

/// A pattern written to a string, as a value (a message or term used as a selector).
pub fn text<'a>(s: &dyn Scope, write: impl FnOnce(&dyn Scope, &mut String)) -> Value<'a> {
    let mut out = String::new();
    write(s, &mut out);
    Value::Str(Cow::Owned(out))
}
