//! The browser's `Intl` and `Date`: numbers, currencies and date-times in the
//! active language and the device's time zone (no time-zone database ships
//! with the widget).

use std::cell::RefCell;

use js_sys::{Array, Date, Function, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::i18n::{Catalog, Formats, Lang, NumberOptions, Plural};

// A handful of entries each (two languages, a few styles): a list searched
// in order is as fast as a map here, and keeps a map type out of the wasm.
thread_local! {
    static FORMATTERS: RefCell<Vec<((Style, Lang), Function)>> = const { RefCell::new(Vec::new()) };
}

/// The messages of a language, formatted by the browser.
pub fn catalog(lang: Lang) -> Catalog {
    Catalog { lang, formats: &Browser }
}

/// The formats the widget uses; with the language, the key of a cached formatter.
#[derive(Clone, PartialEq, Eq)]
enum Style {
    Number(NumberOptions),
    /// `Intl.PluralRules` (its `select`, not a format).
    Plural(NumberOptions),
    /// A currency, with its fraction digits when the widget fixes them.
    Currency(String, Option<u8>),
    /// Medium date and short time, in the device's time zone.
    DateTime,
}

/// `Intl.NumberFormat` / `Intl.DateTimeFormat` `format`, built once per style and language.
fn format_with(style: Style, lang: Lang, value: &JsValue) -> String {
    let format = FORMATTERS.with(|f| {
        let key = (style, lang);
        if let Some((_, format)) = f.borrow().iter().find(|(k, _)| *k == key) {
            return format.clone();
        }
        let (style, lang) = &key;
        let format = {
            let locales = Array::of1(&JsValue::from_str(lang.tag()));
            let options = Object::new();
            let set = |k: &str, v: &str| {
                let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from_str(v));
            };
            let number = |o: &NumberOptions| {
                let put = |k: &str, v: Option<u8>| {
                    if let Some(v) = v {
                        let _ = Reflect::set(&options, &JsValue::from_str(k), &JsValue::from(v));
                    }
                };
                put("minimumIntegerDigits", o.min_integer);
                put("minimumFractionDigits", o.min_fraction);
                put("maximumFractionDigits", o.max_fraction);
                put("minimumSignificantDigits", o.min_significant);
                put("maximumSignificantDigits", o.max_significant);
                if !o.grouping {
                    let _ = Reflect::set(&options, &JsValue::from_str("useGrouping"), &JsValue::FALSE);
                }
                if o.ordinal {
                    set("type", "ordinal");
                }
            };
            let (formatter, method): (Object, &str) = match &style {
                Style::Number(o) => {
                    number(o);
                    (js_sys::Intl::NumberFormat::new(&locales, &options).into(), "format")
                }
                Style::Plural(o) => {
                    number(o);
                    (js_sys::Intl::PluralRules::new(&locales, &options).into(), "select")
                }
                Style::Currency(code, digits) => {
                    set("style", "currency");
                    set("currency", code);
                    number(&NumberOptions { min_fraction: *digits, max_fraction: *digits, ..NumberOptions::DEFAULT });
                    (js_sys::Intl::NumberFormat::new(&locales, &options).into(), "format")
                }
                Style::DateTime => {
                    set("dateStyle", "medium");
                    set("timeStyle", "short");
                    (js_sys::Intl::DateTimeFormat::new(&locales, &options).into(), "format")
                }
            };
            // (Never missing; were it so, calling `undefined` fails and formats as "".)
            let method = Function::from(Reflect::get(&formatter, &JsValue::from_str(method)).unwrap_or_default());
            method.bind0(&formatter)
        };
        f.borrow_mut().push((key.clone(), format.clone()));
        format
    });
    format.call1(&JsValue::NULL, value).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

/// The browser's `Intl` for the catalogs.
pub struct Browser;

impl Formats for Browser {
    fn plural(&self, lang: Lang, n: f64, options: &NumberOptions) -> Plural {
        let category = format_with(Style::Plural(*options), lang, &JsValue::from_f64(n));
        Plural::from_name(&category).unwrap_or(Plural::Other)
    }

    fn number(&self, lang: Lang, n: f64, options: &NumberOptions, out: &mut String) {
        // English and Indonesian both write whole numbers below 1,000 as
        // plain digits. Not asking `Intl` for those keeps the browser from
        // loading its locale data before a number needs it: that took 18 ms
        // of a cold start, for the count in the bell's label.
        if *options == NumberOptions::DEFAULT && n.fract() == 0.0 && n.abs() < 1000.0 {
            out.push_str(&(n as i64).to_string());
        } else {
            out.push_str(&format_with(Style::Number(*options), lang, &JsValue::from_f64(n)));
        }
    }

    fn currency(&self, lang: Lang, amount: f64, currency: &str) -> String {
        // Rupiah are written without decimals, but engines' Intl data
        // disagree on IDR's digits (Chromium 0, Firefox and WebKit 2): fixed
        // here, with two digits only when the amount has a fraction.
        let digits = (currency == "IDR").then_some(if amount.fract() == 0.0 { 0 } else { 2 });
        format_with(Style::Currency(currency.to_owned(), digits), lang, &JsValue::from_f64(amount))
    }

    fn date_time(&self, lang: Lang, rfc3339: &str) -> String {
        full_time(lang, parse_time(rfc3339))
    }
}

/// `2026-11-24T08:15:00Z` → epoch milliseconds (NaN when unreadable).
pub fn parse_time(rfc3339: &str) -> f64 {
    Date::parse(rfc3339)
}

pub fn now() -> f64 {
    Date::now()
}

/// The full local date and time, for the hover title.
pub fn full_time(lang: Lang, ms: f64) -> String {
    format_with(Style::DateTime, lang, &JsValue::from_f64(ms))
}

/// The calendar day of `ms` in the device's time zone, as `yyyymmdd`.
pub fn local_day(ms: f64) -> u32 {
    let d = Date::new(&JsValue::from_f64(ms));
    d.get_full_year() * 10_000 + (d.get_month() + 1) * 100 + d.get_date()
}

/// Milliseconds from `ms` to the next local midnight.
pub fn until_next_midnight(ms: f64) -> f64 {
    let d = Date::new(&JsValue::from_f64(ms));
    let next = Date::new_with_year_month_day(d.get_full_year(), d.get_month() as i32, d.get_date() as i32 + 1);
    (next.get_time() - ms).max(0.0)
}

/// How long ago `ms` was, as shown: `(message, n)`, e.g. `("time-hours", 2)`.
/// Cheap to compute, so a list re-formats a row's time only when this changes.
pub fn age(ms: f64, now: f64) -> (&'static str, u64) {
    let minutes = ((now - ms) / 60_000.0).floor().max(0.0) as u64;
    match minutes {
        0 => ("time-now", 0),
        1..=59 => ("time-minutes", minutes),
        60..=1439 => ("time-hours", minutes / 60),
        _ => ("time-days", minutes / 1440),
    }
}

/// An [`age`]: "now", "5m", "2h", "3d" in the active language.
pub fn relative(lang: Lang, (message, n): (&'static str, u64)) -> String {
    catalog(lang).count(message, "n", n)
}

/// The device's IANA time zone (`Asia/Jakarta`), for quiet hours.
pub fn time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
    crate::wire::string(&options, "timeZone").unwrap_or_else(|| "UTC".into())
}
