//! The server's JSON, read with the browser's `JSON.parse` into the protocol
//! types, and request bodies written with `JSON.stringify`: the wasm carries
//! no JSON parser or printer of its own. (serde_json's and the derived
//! deserializers were the largest part of the download after Leptos; see
//! docs/BENCHMARKS.md.) A reader answers `None` for a shape it does not know,
//! which callers treat as a failed response.

use bell_protocol::{Actor, ApprovalState, Category, ReadChange, Tab};
use js_sys::{Array, JSON, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use crate::counts::Counts;
use crate::feed::{Approval, Notification};
use crate::i18n::{Arg, Args};

/// `bell_protocol::Page` as the widget reads it.
pub struct Page {
    pub items: Vec<Notification>,
    pub next_cursor: Option<String>,
}

pub fn parse(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// `{"k": v, …}` as JSON text.
pub fn object(fields: &[(&str, JsValue)]) -> String {
    text(&value(fields))
}

/// `{"k": v, …}`, to nest in another.
pub fn value(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// A value as JSON text.
pub fn text(v: &JsValue) -> String {
    JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_default()
}

pub fn get(o: &JsValue, key: &str) -> JsValue {
    if !o.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(o, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn string(o: &JsValue, key: &str) -> Option<String> {
    get(o, key).as_string()
}

fn list(o: &JsValue, key: &str) -> Option<Array> {
    get(o, key).dyn_into::<Array>().ok()
}

/// A producer's arguments: an object's text, number and boolean members
/// (the only kinds of argument the kinds table has).
fn map(v: &JsValue) -> Args {
    let mut args = Vec::new();
    if let Some(o) = v.dyn_ref::<Object>() {
        for entry in Object::entries(o).iter() {
            let pair: Array = entry.unchecked_into();
            let (Some(key), value) = (pair.get(0).as_string(), pair.get(1)) else { continue };
            let arg = if let Some(s) = value.as_string() {
                Arg::Text(s)
            } else if let Some(n) = value.as_f64() {
                Arg::Number(n)
            } else if let Some(b) = value.as_bool() {
                Arg::Flag(b)
            } else {
                continue;
            };
            args.push((key, arg));
        }
    }
    args
}

pub fn actor(v: &JsValue) -> Option<Actor> {
    match string(v, "type")?.as_str() {
        "user" => Some(Actor::User { id: string(v, "id")?, name: string(v, "name")? }),
        "system" => Some(Actor::System {}),
        _ => None,
    }
}

/// A producer's arguments (an object; anything else is none).
pub fn args(v: &JsValue) -> Args {
    map(&get(v, "args"))
}

pub fn notification(v: &JsValue) -> Option<Notification> {
    Some(Notification {
        id: string(v, "id")?,
        kind: string(v, "kind")?,
        tab: Tab::parse(&string(v, "tab")?)?,
        category: Category::parse(&string(v, "category")?)?,
        actor: actor(&get(v, "actor"))?,
        args: args(v),
        link: string(v, "link"),
        created_at: string(v, "created_at")?,
        read_at: string(v, "read_at"),
        approval: approval_of(&get(v, "approval")),
    })
}

/// An approval object, as far as a card shows it; `None` for `null` or a
/// shape it does not know.
pub fn approval_of(v: &JsValue) -> Option<Approval> {
    Some(Approval {
        state: ApprovalState::parse(&string(v, "state")?)?,
        by: string(&get(v, "decided_by"), "name"),
        at: string(v, "decided_at"),
        note: string(v, "note"),
    })
}

/// The stream's `approval` event: a notification id and its approval.
pub fn approval_change(v: &JsValue) -> Option<(String, Approval)> {
    Some((string(v, "notification_id")?, approval_of(&get(v, "approval"))?))
}

pub fn page(v: &JsValue) -> Option<Page> {
    let items = list(v, "items")?.iter().map(|i| notification(&i)).collect::<Option<Vec<_>>>()?;
    Some(Page { items, next_cursor: string(v, "next_cursor") })
}

/// Every tab and category of the protocol table, as the server sends them all.
pub fn counts(v: &JsValue) -> Option<Counts> {
    let mut counts = Counts::default();
    let tabs = get(v, "tabs");
    for tab in Tab::ALL {
        let categories = get(&get(&tabs, tab.as_str()), "categories");
        for category in tab.categories() {
            let n = get(&categories, category.as_str()).as_f64()?;
            counts.add(tab, *category, n as u64);
        }
    }
    Some(counts)
}

pub fn read_change(v: &JsValue) -> Option<ReadChange> {
    match string(v, "scope")?.as_str() {
        "ids" => Some(ReadChange::Ids { ids: list(v, "ids")?.iter().filter_map(|i| i.as_string()).collect() }),
        "all" => Some(ReadChange::All {
            tab: Tab::parse(&string(v, "tab")?)?,
            category: string(v, "category").and_then(|c| Category::parse(&c)),
            up_to: string(v, "up_to"),
        }),
        _ => None,
    }
}

/// A switch of the preferences document (`channels.<key>.<channel>`, or
/// `sound` with an empty key): on unless it says off.
pub fn switch(doc: &JsValue, key: &str, channel: &str) -> bool {
    let at = if key.is_empty() { doc.clone() } else { get(&get(doc, "channels"), key) };
    get(&at, channel).as_bool() != Some(false)
}

pub fn number(v: &JsValue, key: &str) -> Option<f64> {
    get(v, key).as_f64()
}

/// The protocol's own JSON (serde, as the server writes it) read back by
/// these readers: a rename on the protocol side fails here, not in a user's
/// browser. (`cargo xtask test` runs them in wasm under Node.)
#[cfg(test)]
mod tests {
    use bell_protocol::{Page as WirePage, UnreadCounts};
    use serde_json::json;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn read(value: &impl serde::Serialize) -> JsValue {
        parse(&serde_json::to_string(value).unwrap()).unwrap()
    }

    fn notification_json(actor: Actor) -> bell_protocol::Notification {
        let args = json!({"deal_name": "PT Maju", "rows": 1240, "urgent": true});
        bell_protocol::Notification {
            id: "42".into(),
            kind: "deal.assigned".into(),
            tab: Tab::General,
            category: Category::Assignment,
            actor,
            args: args.as_object().unwrap().clone(),
            link: Some("/deals/42".into()),
            created_at: "2026-11-24T08:15:00Z".into(),
            read_at: None,
            approval: None,
        }
    }

    #[wasm_bindgen_test]
    fn a_notification_and_a_page() {
        let budi = Actor::User { id: "u-1".into(), name: "Budi".into() };
        let n = notification(&read(&notification_json(budi.clone()))).expect("a notification");
        assert_eq!(
            (n.id.as_str(), n.kind.as_str(), n.tab, n.category),
            ("42", "deal.assigned", Tab::General, Category::Assignment)
        );
        assert_eq!(n.actor, budi);
        assert_eq!(n.link.as_deref(), Some("/deals/42"));
        assert_eq!(n.created_at, "2026-11-24T08:15:00Z");
        assert_eq!(n.read_at, None);
        let arg = |k: &str| n.args.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone());
        assert_eq!(arg("deal_name"), Some(Arg::Text("PT Maju".into())));
        assert_eq!(arg("rows"), Some(Arg::Number(1240.0)));
        assert_eq!(arg("urgent"), Some(Arg::Flag(true)));
        let system = notification(&read(&notification_json(Actor::System {}))).expect("a system notification");
        assert_eq!(system.actor, Actor::System {});

        let page = WirePage { items: vec![notification_json(Actor::System {})], next_cursor: Some("c1".into()) };
        let read_page = super::page(&read(&page)).expect("a page");
        assert_eq!((read_page.items.len(), read_page.next_cursor.as_deref()), (1, Some("c1")));
    }

    #[wasm_bindgen_test]
    fn counts_read_changes_and_preferences() {
        let mut c = UnreadCounts::zero();
        c.add(Tab::Inbox, Category::Resolved, 3);
        c.add(Tab::Approval, Category::Expense, 2);
        let counts = counts(&read(&c)).expect("counts");
        assert_eq!(
            (counts.total(), counts.tab(Tab::Inbox), counts.category(Tab::Approval, Category::Expense)),
            (5, 3, 2)
        );

        let ids = ReadChange::Ids { ids: vec!["1".into(), "2".into()] };
        assert_eq!(read_change(&read(&ids)), Some(ids));
        let all = ReadChange::All { tab: Tab::General, category: Some(Category::Mention), up_to: Some("9".into()) };
        assert_eq!(read_change(&read(&all)), Some(all));
        let everything = ReadChange::All { tab: Tab::Inbox, category: None, up_to: None };
        assert_eq!(read_change(&read(&everything)), Some(everything));

        let mut prefs = bell_protocol::Preferences { channels: Default::default(), quiet_hours: None, sound: false };
        let on = bell_protocol::Switches { bell: Some(true), browser: false, push: true };
        prefs.channels.insert("general.update".into(), on);
        let doc = read(&prefs);
        assert!(switch(&doc, "general.update", "bell") && switch(&doc, "general.update", "push"));
        assert!(!switch(&doc, "general.update", "browser"));
        assert!(!switch(&doc, "", "sound"));
    }

    #[wasm_bindgen_test]
    fn approvals_in_the_list_and_on_the_stream() {
        let budi = Actor::User { id: "u-1".into(), name: "Budi".into() };
        use bell_protocol::{Decider, DecisionSource};
        let mut wire = notification_json(budi);
        assert_eq!(notification(&read(&wire)).unwrap().approval, None);
        wire.approval = Some(bell_protocol::Approval::pending("apv-9"));
        let pending = Approval { state: ApprovalState::Pending, by: None, at: None, note: None };
        assert_eq!(notification(&read(&wire)).unwrap().approval, Some(pending));
        let decided = bell_protocol::Approval {
            id: "apv-9".into(),
            state: ApprovalState::Rejected,
            decided_by: Some(Decider { id: "u-2".into(), name: "Ayu Lestari".into() }),
            decided_at: Some("2026-12-02T08:00:00Z".into()),
            note: Some("<b>no</b>".into()),
            source: Some(DecisionSource::Producer),
        };
        let change = bell_protocol::ApprovalChange { notification_id: "42".into(), approval: decided };
        let shown = Approval {
            state: ApprovalState::Rejected,
            by: Some("Ayu Lestari".into()),
            at: Some("2026-12-02T08:00:00Z".into()),
            note: Some("<b>no</b>".into()),
        };
        assert_eq!(approval_change(&read(&change)), Some(("42".into(), shown)));
        assert_eq!(approval_change(&read(&json!({"notification_id": "1", "approval": null}))), None);
    }

    #[wasm_bindgen_test]
    fn a_shape_it_does_not_know_is_none() {
        assert!(notification(&read(&json!({"id": "1"}))).is_none());
        assert!(read_change(&read(&json!({"scope": "some"}))).is_none());
        assert!(counts(&read(&json!({"total": 1}))).is_none());
    }
}
