//! The one table of notification kinds.
//!
//! A kind fixes its tab, its category, the arguments a producer must send and
//! whether it is an assignment (self-assignments are suppressed). The server
//! validates events with this table and the widget renders with it; adding a
//! kind is one row here plus its Fluent message in each catalog.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A tab of the bell panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    General,
    Inbox,
    Approval,
}

impl Tab {
    /// In the order the panel shows them.
    pub const ALL: [Tab; 3] = [Tab::General, Tab::Inbox, Tab::Approval];

    pub const fn as_str(self) -> &'static str {
        match self {
            Tab::General => "general",
            Tab::Inbox => "inbox",
            Tab::Approval => "approval",
        }
    }

    pub fn parse(s: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The categories of this tab's filter, in display order.
    pub const fn categories(self) -> &'static [Category] {
        use Category::*;
        match self {
            Tab::General => &[Reminder, Mention, Assignment, Update, DownloadUpload],
            Tab::Inbox => &[Assignment, Resolved, Contact],
            Tab::Approval => &[Deal, Expense],
        }
    }

    /// How long a notification of this tab is kept and shown (SPEC §2).
    pub const fn retention_days(self) -> i64 {
        match self {
            Tab::Inbox => 7,
            Tab::General | Tab::Approval => 90,
        }
    }

    pub fn has_category(self, category: Category) -> bool {
        self.categories().contains(&category)
    }
}

/// A category (filter value) within a tab. `assignment` exists in two tabs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Reminder,
    Mention,
    Assignment,
    Update,
    DownloadUpload,
    Resolved,
    Contact,
    Deal,
    Expense,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Reminder,
        Category::Mention,
        Category::Assignment,
        Category::Update,
        Category::DownloadUpload,
        Category::Resolved,
        Category::Contact,
        Category::Deal,
        Category::Expense,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Category::Reminder => "reminder",
            Category::Mention => "mention",
            Category::Assignment => "assignment",
            Category::Update => "update",
            Category::DownloadUpload => "download_upload",
            Category::Resolved => "resolved",
            Category::Contact => "contact",
            Category::Deal => "deal",
            Category::Expense => "expense",
        }
    }

    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// The type a producer's argument must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    /// Non-empty text, rendered as text (never HTML).
    Text,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
    /// An RFC 3339 date-time string.
    Timestamp,
    /// A JSON integer ≥ 0.
    Count,
    /// A JSON number.
    Number,
    /// An ISO 4217 code: three upper-case letters.
    Currency,
}

/// Longest text argument accepted, in characters.
pub const MAX_TEXT_ARG: usize = 500;

impl ArgType {
    /// Checks a value against this type; the error says what was expected.
    pub fn check(self, value: &Value) -> Result<(), String> {
        match (self, value) {
            (ArgType::Text, Value::String(s)) => {
                if s.trim().is_empty() {
                    Err("must be non-empty text".into())
                } else if s.chars().count() > MAX_TEXT_ARG {
                    Err(format!("must be at most {MAX_TEXT_ARG} characters"))
                } else {
                    Ok(())
                }
            }
            (ArgType::OneOf(allowed), Value::String(s)) if allowed.contains(&s.as_str()) => Ok(()),
            (ArgType::OneOf(allowed), _) => Err(format!("must be one of: {}", allowed.join(", "))),
            (ArgType::Timestamp, Value::String(s)) if is_rfc3339(s) => Ok(()),
            (ArgType::Timestamp, _) => Err("must be an RFC 3339 date-time string".into()),
            (ArgType::Count, Value::Number(n)) if n.is_u64() => Ok(()),
            (ArgType::Count, _) => Err("must be a whole number ≥ 0".into()),
            (ArgType::Number, Value::Number(_)) => Ok(()),
            (ArgType::Number, _) => Err("must be a number".into()),
            (ArgType::Currency, Value::String(s)) if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) => {
                Ok(())
            }
            (ArgType::Currency, _) => Err("must be an ISO 4217 currency code such as IDR".into()),
            (ArgType::Text, _) => Err("must be a string".into()),
        }
    }
}

/// A light shape check of `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`; the server
/// parses timestamps fully where it needs their value.
fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if b.len() < 20 || !digits(0..4) || b[4] != b'-' || !digits(5..7) || b[7] != b'-' || !digits(8..10) {
        return false;
    }
    if !matches!(b[10], b'T' | b't')
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()),
        _ => false,
    }
}

/// One required argument of a kind.
#[derive(Clone, Copy, Debug)]
pub struct ArgSpec {
    pub name: &'static str,
    pub ty: ArgType,
}

/// One row of the kinds table.
#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    pub name: &'static str,
    /// Where it is listed; `None` for kinds that are never stored (incoming messages).
    pub placement: Option<(Tab, Category)>,
    pub args: &'static [ArgSpec],
    /// Assignment kinds are suppressed for a recipient who is the actor.
    pub assignment: bool,
}

impl KindSpec {
    /// An approval request, which an `approval_id` makes actionable (API.md §6).
    pub fn is_approval_request(&self) -> bool {
        self.name.starts_with("approval.") && self.name.ends_with(".requested")
    }

    /// The Fluent message id: the kind with `.` turned into `-`.
    pub fn message_id(&self) -> String {
        self.name.replace('.', "-")
    }

    pub fn tab(&self) -> Option<Tab> {
        self.placement.map(|(t, _)| t)
    }

    pub fn arg(&self, name: &str) -> Option<&'static ArgSpec> {
        self.args.iter().find(|a| a.name == name)
    }
}

/// Looks a kind up by its wire name.
pub fn kind(name: &str) -> Option<&'static KindSpec> {
    KINDS.iter().find(|k| k.name == name)
}

const fn arg(name: &'static str, ty: ArgType) -> ArgSpec {
    ArgSpec { name, ty }
}

const fn row(name: &'static str, tab: Tab, category: Category, args: &'static [ArgSpec]) -> KindSpec {
    KindSpec { name, placement: Some((tab, category)), args, assignment: false }
}

const fn assignment(name: &'static str, tab: Tab, args: &'static [ArgSpec]) -> KindSpec {
    KindSpec { name, placement: Some((tab, Category::Assignment)), args, assignment: true }
}

use ArgType::{Count, Currency, Number, OneOf, Text, Timestamp};
use Category as C;

const REMINDER_ENTITIES: &[&str] = &["deal", "ticket", "task"];
const MENTION_ENTITIES: &[&str] = &["deal", "ticket", "task", "comment"];
const AUTOMATION_ENTITIES: &[&str] = &["deal", "ticket", "task", "contact", "company"];
const DEAL: &[ArgSpec] = &[arg("deal_name", Text)];
const TICKET: &[ArgSpec] = &[arg("ticket_name", Text)];
const TASK: &[ArgSpec] = &[arg("task_name", Text)];
const FILE: &[ArgSpec] = &[arg("file_name", Text)];
const CONTACT: &[ArgSpec] = &[arg("contact_name", Text)];
const CONVERSATION: &[ArgSpec] = &[arg("contact_name", Text), arg("channel", Text)];
const EXPENSE: &[ArgSpec] = &[arg("expense_name", Text), arg("amount", Number), arg("currency", Currency)];

/// Every kind the server accepts (API.md §4).
pub static KINDS: &[KindSpec] = &[
    row(
        "reminder.due",
        Tab::General,
        C::Reminder,
        &[arg("entity_type", OneOf(REMINDER_ENTITIES)), arg("entity_name", Text), arg("due_at", Timestamp)],
    ),
    row("mention", Tab::General, C::Mention, &[arg("entity_type", OneOf(MENTION_ENTITIES)), arg("entity_name", Text)]),
    assignment("deal.assigned", Tab::General, DEAL),
    assignment("ticket.assigned", Tab::General, TICKET),
    assignment("task.assigned", Tab::General, TASK),
    assignment("task.checklist_assigned", Tab::General, &[arg("task_name", Text), arg("item_name", Text)]),
    row("ticket.status_changed", Tab::General, C::Update, &[arg("ticket_name", Text), arg("status", Text)]),
    row("task.status_changed", Tab::General, C::Update, &[arg("task_name", Text), arg("status", Text)]),
    row(
        "automation.triggered",
        Tab::General,
        C::Update,
        &[arg("rule_name", Text), arg("entity_type", OneOf(AUTOMATION_ENTITIES)), arg("entity_name", Text)],
    ),
    row("export.completed", Tab::General, C::DownloadUpload, &[arg("file_name", Text), arg("rows", Count)]),
    row("export.failed", Tab::General, C::DownloadUpload, FILE),
    row(
        "import.completed",
        Tab::General,
        C::DownloadUpload,
        &[arg("file_name", Text), arg("rows", Count), arg("failed_rows", Count)],
    ),
    row("import.failed", Tab::General, C::DownloadUpload, FILE),
    assignment("conversation.assigned", Tab::Inbox, CONVERSATION),
    row("conversation.resolved", Tab::Inbox, C::Resolved, CONVERSATION),
    row("contact.blocked", Tab::Inbox, C::Contact, CONTACT),
    row("contact.unblocked", Tab::Inbox, C::Contact, CONTACT),
    row("approval.deal.requested", Tab::Approval, C::Deal, DEAL),
    row("approval.deal.approved", Tab::Approval, C::Deal, DEAL),
    row("approval.deal.rejected", Tab::Approval, C::Deal, DEAL),
    row("approval.expense.requested", Tab::Approval, C::Expense, EXPENSE),
    row("approval.expense.approved", Tab::Approval, C::Expense, EXPENSE),
    row("approval.expense.rejected", Tab::Approval, C::Expense, EXPENSE),
    KindSpec {
        name: "message.incoming",
        placement: None,
        args: &[arg("contact_name", Text), arg("channel", Text), arg("preview", Text)],
        assignment: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_is_placed_in_a_category_of_its_tab() {
        for k in KINDS {
            if let Some((tab, category)) = k.placement {
                assert!(tab.has_category(category), "{} is in {:?}/{:?}", k.name, tab, category);
            }
        }
    }

    #[test]
    fn kind_names_are_unique_and_assignment_kinds_are_in_assignment_categories() {
        let mut names: Vec<_> = KINDS.iter().map(|k| k.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
        for k in KINDS.iter().filter(|k| k.assignment) {
            assert_eq!(k.placement.map(|p| p.1), Some(Category::Assignment), "{}", k.name);
        }
        assert_eq!(KINDS.iter().filter(|k| k.assignment).count(), 5);
    }

    #[test]
    fn every_category_belongs_to_some_tab_and_wire_names_round_trip() {
        for c in Category::ALL {
            assert!(Tab::ALL.iter().any(|t| t.has_category(c)), "{c:?}");
            assert_eq!(Category::parse(c.as_str()), Some(c));
            assert_eq!(serde_json::to_value(c).unwrap(), json!(c.as_str()));
        }
        for t in Tab::ALL {
            assert_eq!(Tab::parse(t.as_str()), Some(t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
    }

    #[test]
    fn message_ids_follow_the_kind_name() {
        assert_eq!(kind("deal.assigned").unwrap().message_id(), "deal-assigned");
        assert_eq!(kind("approval.expense.rejected").unwrap().message_id(), "approval-expense-rejected");
        assert!(kind("deal.unknown").is_none());
    }

    #[test]
    fn arg_types_accept_and_reject() {
        assert!(Text.check(&json!("PT Maju")).is_ok());
        assert!(Text.check(&json!("  ")).is_err());
        assert!(Text.check(&json!(3)).is_err());
        assert!(Text.check(&json!("x".repeat(MAX_TEXT_ARG + 1))).is_err());
        assert!(OneOf(REMINDER_ENTITIES).check(&json!("deal")).is_ok());
        assert!(OneOf(REMINDER_ENTITIES).check(&json!("comment")).is_err());
        for ok in ["2026-11-24T08:15:00Z", "2026-11-24T08:15:00.123+07:00", "2026-11-24t08:15:00z"] {
            assert!(Timestamp.check(&json!(ok)).is_ok(), "{ok}");
        }
        for bad in ["2026-11-24", "2026-11-24T08:15:00", "2026-11-24T08:15:00.Z", "yesterday"] {
            assert!(Timestamp.check(&json!(bad)).is_err(), "{bad}");
        }
        assert!(Count.check(&json!(12)).is_ok());
        assert!(Count.check(&json!(-1)).is_err());
        assert!(Count.check(&json!(1.5)).is_err());
        assert!(Count.check(&json!("12")).is_err());
        assert!(Number.check(&json!(1.5)).is_ok());
        assert!(Number.check(&json!("1.5")).is_err());
        assert!(Currency.check(&json!("IDR")).is_ok());
        assert!(Currency.check(&json!("idr")).is_err());
    }
}
