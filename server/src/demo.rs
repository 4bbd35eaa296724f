//! `--demo`: demo users and several days of history, so the bell has
//! something to show on first start. Seeding is idempotent (event ids).

use bell_protocol::Tab;
use serde_json::json;

use crate::AppState;
use crate::clock::{DAY_MS, now_ms};
use crate::ingest;

/// The demo's people: `(id, name)`. The first is the signed-in user of the demo pages.
pub const USERS: &[(&str, &str)] =
    &[("u-1", "Ayu Lestari"), ("u-2", "Budi Santoso"), ("u-3", "Citra Dewi"), ("u-4", "Dimas Pratama")];

/// Seeds a varied history for every demo user: each tab and category, read
/// and unread, from a few minutes to several days ago.
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let now = now_ms();
    let minute = 60_000;
    let samples = [
        (
            5 * minute,
            "u-2",
            json!({"kind": "deal.assigned", "args": {"deal_name": "PT Maju Jaya renewal"}, "link": "/deals/42"}),
        ),
        (
            40 * minute,
            "u-3",
            json!({"kind": "mention", "args": {"entity_type": "task", "entity_name": "Prepare Q4 proposal"}, "link": "/tasks/7"}),
        ),
        (
            2 * 60 * minute,
            "u-4",
            json!({"kind": "conversation.assigned", "args": {"contact_name": "Rina Wijaya", "channel": "whatsapp"}, "link": "/inbox/rooms/311"}),
        ),
        (
            5 * 60 * minute,
            "u-2",
            json!({"kind": "approval.expense.requested", "args": {"expense_name": "Client dinner", "amount": 1250000, "currency": "IDR"}, "link": "/expenses/19"}),
        ),
        (
            DAY_MS + 3 * 60 * minute,
            "u-3",
            json!({"kind": "ticket.status_changed", "args": {"ticket_name": "Login fails on Android", "status": "Resolved"}, "link": "/tickets/88"}),
        ),
        (
            DAY_MS + 9 * 60 * minute,
            "u-4",
            json!({"kind": "export.completed", "args": {"file_name": "deals-november.csv", "rows": 1240}, "link": "/exports/5"}),
        ),
        (
            2 * DAY_MS,
            "u-2",
            json!({"kind": "approval.deal.approved", "args": {"deal_name": "Sinar Abadi expansion"}, "link": "/deals/51"}),
        ),
        (
            3 * DAY_MS,
            "u-3",
            json!({"kind": "contact.blocked", "args": {"contact_name": "+62 812 0000 111"}, "link": "/inbox/contacts/90"}),
        ),
        (
            4 * DAY_MS,
            "u-4",
            json!({"kind": "reminder.due", "args": {"entity_type": "deal", "entity_name": "Nusantara Foods onboarding", "due_at": "2026-11-30T09:00:00Z"}, "link": "/deals/60"}),
        ),
        (
            6 * DAY_MS,
            "u-2",
            json!({"kind": "import.completed", "args": {"file_name": "contacts.xlsx", "rows": 820, "failed_rows": 3}, "link": "/imports/2"}),
        ),
    ];
    let mut rows = Vec::new();
    for (user, _) in USERS {
        for (i, (ago, actor, sample)) in samples.iter().enumerate() {
            if actor == user {
                continue;
            }
            let name = USERS.iter().find(|(id, _)| id == actor).map_or("", |u| u.1);
            let mut body = sample.clone();
            body["id"] = json!(format!("demo-{user}-{i}"));
            body["actor"] = json!({"type": "user", "id": actor, "name": name});
            body["recipients"] = json!([user]);
            let event = ingest::validate(&body, &[], now - ago)?;
            let read = i % 3 == 2;
            rows.push((user.to_string(), event, read));
        }
    }
    // Only on a fresh database: a restarted demo keeps what the user did.
    let counts = state.store.unread_counts(USERS[0].0, now).await?;
    let page = state
        .store
        .page(
            USERS[0].0,
            &crate::store::ListQuery { tab: Tab::General, category: None, unread_only: false, limit: 1, after: None },
            now,
        )
        .await?;
    if counts.total == 0 && page.items.is_empty() {
        state.store.load_rows(&rows).await?;
    }
    Ok(())
}
