//! `--demo`: demo users and several days of history, so the bell has
//! something to show on first start. Seeding is idempotent (event ids).

use bell_protocol::Tab;
use serde_json::json;

use crate::AppState;
use crate::clock::{DAY_MS, now_ms};
use crate::ingest;
use crate::store::SeedRow;

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
            if body["kind"].as_str().is_some_and(|k| k.ends_with(".requested")) {
                // Actionable: it can be decided from the bell.
                body["approval_id"] = json!(format!("demo-seed-{user}-{i}"));
            }
            let event = ingest::validate(serde_json::from_value(body)?, &[], now - ago)?;
            let read = i % 3 == 2;
            rows.push(SeedRow { recipient: user.to_string(), event, read });
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
    if counts.total == 0 && page.0.is_empty() {
        state.store.load_rows(&rows).await?;
    }
    Ok(())
}

/// Realistic arguments for every kind, for the demo's "fire an event" control.
pub fn sample_args(spec: &bell_protocol::KindSpec) -> serde_json::Map<String, serde_json::Value> {
    use bell_protocol::ArgType;
    spec.args
        .iter()
        .map(|a| {
            let v = match (a.name, a.ty) {
                (_, ArgType::OneOf(options)) => json!(options[0]),
                (_, ArgType::Timestamp) => json!(crate::clock::rfc3339(now_ms() + DAY_MS)),
                ("rows", _) => json!(1240),
                ("failed_rows", _) => json!(3),
                (_, ArgType::Count) => json!(1),
                (_, ArgType::Number) => json!(1_250_000),
                (_, ArgType::Currency) => json!("IDR"),
                ("deal_name", _) => json!("PT Maju Jaya renewal"),
                ("ticket_name", _) => json!("Login fails on Android"),
                ("task_name", _) => json!("Prepare Q4 proposal"),
                ("item_name", _) => json!("Send the pricing sheet"),
                ("entity_name", _) => json!("Nusantara Foods onboarding"),
                ("status", _) => json!("In progress"),
                ("rule_name", _) => json!("Follow up stale deals"),
                ("file_name", _) => json!("deals-november.csv"),
                ("contact_name", _) => json!("Rina Wijaya"),
                ("channel", _) => json!("whatsapp"),
                ("expense_name", _) => json!("Client dinner"),
                ("preview", _) => json!("Hi, is the promo still on?"),
                (name, _) => json!(format!("Sample {name}")),
            };
            (a.name.to_owned(), v)
        })
        .collect()
}

/// The demo host pages and their helpers, served only with `--demo`.
pub fn routes() -> axum::Router<AppState> {
    use axum::response::{Html, Redirect};
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/", get(|| async { Redirect::to("/demo/crm") }))
        .route("/demo", get(|| async { Redirect::to("/demo/crm") }))
        .route(
            "/demo/{app}",
            get(|State(state): State<AppState>, Path(app): Path<String>| async move {
                match app.as_str() {
                    "chat" | "crm" => Ok(Html(page(&state, &app))),
                    _ => Err(crate::error::AppError::NotFound),
                }
            }),
        )
        .route("/demo/fire", post(fire))
        .route("/demo/approval", post(request_approval))
        .route("/demo/approval/{approval_id}/resolve", post(resolve_on_deal_page))
        .route("/demo/webhook", post(receive_decision).get(received_decisions))
        .route("/demo/presence", get(presence))
        // As a host would: the widget's service worker on the page's origin.
        .route(
            "/bell-sw.js",
            get(|State(state): State<AppState>| async move {
                match tokio::fs::read(state.config.widget_dir.join("bell-sw.js")).await {
                    Ok(body) => Ok(([(axum::http::header::CONTENT_TYPE, "text/javascript")], body)),
                    Err(_) => Err(crate::error::AppError::NotFound),
                }
            }),
        )
}

use axum::extract::{Path, State};

#[derive(serde::Deserialize)]
struct Fire {
    kind: String,
    actor: String,
    recipient: String,
}

/// Sends an event of `kind` from `actor` (a demo user id or `system`) to the
/// signed-in demo user, through the same validation and store as producers.
async fn fire(
    State(state): State<AppState>,
    axum::Json(fire): axum::Json<Fire>,
) -> crate::error::AppResult<axum::Json<serde_json::Value>> {
    let spec = bell_protocol::kind::kind(&fire.kind).ok_or(crate::error::AppError::NotFound)?;
    let actor = match USERS.iter().find(|(id, _)| *id == fire.actor) {
        Some((id, name)) => json!({"type": "user", "id": id, "name": name}),
        None => json!({"type": "system"}),
    };
    let body = json!({
        "id": format!("demo-fire-{}", uuid::Uuid::new_v4()),
        "kind": spec.name,
        "actor": actor,
        "recipients": [fire.recipient],
        "args": sample_args(spec),
        "link": "/demo/crm",
    });
    let ingested = crate::pipeline::accept(&state, crate::body::parse(&body)?).await?;
    // The key of the routing decisions: the notification, or the event for incoming messages.
    let key = ingested
        .stored
        .first()
        .map_or_else(|| body["id"].as_str().unwrap_or_default().to_owned(), |(_, n)| n.id.clone());
    let mut answer = serde_json::to_value(ingested.outcome).unwrap_or_default();
    answer["key"] = json!(key);
    Ok(axum::Json(answer))
}

/// Asks the signed-in demo user and Budi Santoso (co-approver) to approve
/// an expense, as a CRM would: an actionable request (API.md §6).
async fn request_approval(State(state): State<AppState>) -> crate::error::AppResult<axum::Json<serde_json::Value>> {
    let approval_id = format!("demo-apv-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (citra, citra_name) = USERS[2];
    let body = json!({
        "id": format!("demo-request-{approval_id}"),
        "kind": "approval.expense.requested",
        "approval_id": approval_id,
        "actor": {"type": "user", "id": citra, "name": citra_name},
        "recipients": [USERS[0].0, USERS[1].0],
        "args": {"expense_name": "Client dinner at Plataran", "amount": 2_750_000, "currency": "IDR"},
        "link": "/demo/crm",
    });
    crate::pipeline::accept(&state, crate::body::parse(&body)?).await?;
    Ok(axum::Json(json!({"approval_id": approval_id})))
}

/// The CRM decides on its own deal page: the producer's resolution.
async fn resolve_on_deal_page(
    State(state): State<AppState>,
    Path(approval_id): Path<String>,
) -> crate::error::AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let by = bell_protocol::Decider { id: USERS[3].0.into(), name: USERS[3].1.into() };
    let settlement = crate::store::Settlement {
        state: bell_protocol::ApprovalState::Approved,
        decided_by: &by,
        note: Some("Approved on the expense page"),
        source: bell_protocol::DecisionSource::Producer,
        webhook: false,
    };
    let settled = state.store.settle(&approval_id, &settlement, now_ms()).await?;
    let status = match &settled {
        crate::store::Settle::Settled { approvers, .. } => {
            for user in approvers {
                state.hub.wake(user);
            }
            axum::http::StatusCode::OK
        }
        crate::store::Settle::Standing(_) => axum::http::StatusCode::CONFLICT,
        crate::store::Settle::Unknown => return Err(crate::error::AppError::NotFound),
    };
    Ok(status.into_response())
}

/// The deliveries the demo's webhook receiver took, newest first.
static RECEIVED: std::sync::Mutex<Vec<serde_json::Value>> = std::sync::Mutex::new(Vec::new());

/// The demo's own webhook receiver: checks `Bell-Signature` as a producer
/// would (docs/APPROVALS.md) and keeps what it got for the page to show.
async fn receive_decision(headers: axum::http::HeaderMap, body: String) -> axum::http::StatusCode {
    let signature = headers.get("bell-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let t = signature.split(',').find_map(|p| p.strip_prefix("t=")).and_then(|t| t.parse::<u64>().ok());
    let valid = t.is_some_and(|t| crate::webhook::signature(crate::config::DEMO_WEBHOOK_SECRET, t, &body) == signature);
    let Ok(mut decision) = serde_json::from_str::<serde_json::Value>(&body) else {
        return axum::http::StatusCode::BAD_REQUEST;
    };
    decision["signature_valid"] = json!(valid);
    decision["received_at"] = json!(crate::clock::rfc3339(now_ms()));
    let mut received = RECEIVED.lock().unwrap_or_else(|e| e.into_inner());
    // At least once: a retried delivery repeats its `delivery_id`.
    if !received.iter().any(|d| d["delivery_id"] == decision["delivery_id"]) {
        received.insert(0, decision);
        received.truncate(50);
    }
    axum::http::StatusCode::NO_CONTENT
}

async fn received_decisions() -> axum::Json<serde_json::Value> {
    axum::Json(json!(*RECEIVED.lock().unwrap_or_else(|e| e.into_inner())))
}

/// The caller's devices and their presence as routing sees it right now
/// (reports inside `BELL_PRESENCE_TTL_SECS`), for the page's live table.
async fn presence(
    State(state): State<AppState>,
    crate::auth::User(user): crate::auth::User,
) -> crate::error::AppResult<axum::Json<serde_json::Value>> {
    let fresh_since = crate::clock::now_ms() - state.config.presence_ttl.as_millis() as i64;
    let mut inputs = state.store.routing_inputs(&[user.as_str()], fresh_since).await?;
    let (devices, reports) = inputs.remove(&user).unwrap_or_default();
    let rows: Vec<_> = devices
        .iter()
        .map(|d| {
            let on = |app: crate::routing::App| {
                reports.iter().find(|p| p.device_id == d.device_id && p.app == app).map(|p| p.active)
            };
            json!({
                "device_id": d.device_id,
                "platform": d.platform,
                "app": d.app,
                "chat": on(crate::routing::App::Chat),
                "crm": on(crate::routing::App::Crm),
            })
        })
        .collect();
    Ok(axum::Json(json!(rows)))
}

fn page(state: &AppState, app: &str) -> String {
    let (me, my_name) = USERS[0];
    let token = state.auth.issue_named(me, Some(my_name), 12 * 3600);
    let kinds: String =
        bell_protocol::KINDS.iter().map(|k| format!("<option value=\"{0}\">{0}</option>", k.name)).collect();
    let actors: String = USERS[1..]
        .iter()
        .map(|(id, name)| format!("<option value=\"{id}\">{name}</option>"))
        .chain(std::iter::once("<option value=\"system\">system (automatic)</option>".to_owned()))
        .collect();
    let (title, other, other_title) =
        if app == "chat" { ("Qontak Chat", "crm", "CRM") } else { ("Qontak CRM", "chat", "Chat") };
    let ttl = state.config.presence_ttl.as_secs();
    format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8"><link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — notification center demo</title>
<script type="module" src="/widget/bell.js"></script>
<style>
  body {{ margin: 0; font: 15px/1.5 system-ui, sans-serif; background: #f5f7fa; color: #1b1f24; }}
  header {{ display: flex; align-items: center; gap: 16px; padding: 8px 20px; background: #fff; border-bottom: 1px solid #dde1e6; }}
  header h1 {{ font-size: 18px; margin: 0 auto 0 0; }}
  main {{ max-width: 760px; margin: 24px auto; padding: 0 20px; }}
  section {{ background: #fff; border: 1px solid #dde1e6; border-radius: 12px; padding: 16px 20px; margin-bottom: 16px; }}
  table {{ border-collapse: collapse; width: 100%; font-size: 13px; }} th, td {{ text-align: left; padding: 4px 6px; border-bottom: 1px solid #dde1e6; }}
  .phone {{ padding: 8px 0; }} .hint {{ color: #5b6470; font-size: 13px; }}
  label {{ margin-right: 12px; }} button {{ font: inherit; padding: 6px 14px; }}
  @media (prefers-color-scheme: dark) {{ body {{ background: #0f1216; color: #e8ebef; }} header, section {{ background: #16191d; border-color: #2e343b; }} }}
</style>
</head>
<body>
<header>
  <h1>{title}</h1>
  <a href="/demo/{other}">Open {other_title}</a>
  <label>Language <select id="lang"><option value="en">English</option><option value="id">Bahasa Indonesia</option></select></label>
  <qontak-bell token="{token}" app="{app}" sw="/bell-sw.js"></qontak-bell>
</header>
<main>
  <section>
    <h2>Signed in as {my_name}</h2>
    <p>The bell shows {my_name}'s notifications: several days of history are seeded. Open the other app in another
    tab: it is the same bell, with the same notifications, kept in sync live. Turn on browser notifications from
    the panel, switch to another tab, and fire an event: a pop-up appears (chat events skip the tab you are
    active on in Chat).</p>
  </section>
  <section>
    <h2>Fire an event as another user</h2>
    <form id="fire">
      <label>Kind <select name="kind">{kinds}</select></label>
      <label>From <select name="actor">{actors}</select></label>
      <label>To <select name="recipient"><option value="{me}">{my_name} (you)</option><option value="u-2">Budi Santoso</option></select></label>
      <button>Send</button>
    </form>
    <p id="result" role="status"></p>
    <h3>Why did (or didn't) a pop-up or push go out?</h3>
    <table id="routing"><thead><tr><th>device</th><th>platform</th><th>channel</th><th>decision</th><th>reason</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Your notification settings</h2>
    <p>Open the bell's settings (the sliders button in the panel's header). Turn off a category's <b>Browser</b>
    switch, or turn on <b>Quiet hours</b> with a window around now, then fire that kind of event above: the row
    still arrives in the bell, and the routing table says <i>muted by preference</i> or <i>quiet hours</i>. Turn
    off a category's <b>In app</b> switch and it no longer reaches the bell at all. Open the other app in another
    tab: its switches follow every change live.</p>
  </section>
  <section>
    <h2>Approvals decided from the bell</h2>
    <p>Citra asks {my_name} and Budi Santoso to approve an expense. Approve or reject it in the bell (its Approval
    tab): the card settles at once in every tab, for both approvers, and the server tells the CRM through a signed
    webhook. Or let the CRM decide on its own page first: the card settles the same way.</p>
    <button id="request-approval">Request an expense approval</button>
    <button id="resolve-approval" disabled>Approve it on the expense page instead</button>
    <p id="approval-result" role="status"></p>
    <h3>Webhook deliveries the server made</h3>
    <table id="webhook"><caption class="hint">The demo's own receiver checks each <code>Bell-Signature</code>, as a CRM would</caption>
      <thead><tr><th>approval</th><th>decision</th><th>by</th><th>note</th><th>signature</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Devices and presence</h2>
    <p>This browser is device <code id="me-device">…</code>: while this tab is visible and focused it reports being
    active on <b>{app}</b>. Chat events skip the device you are active on in Chat; CRM events always go out.
    Switch to another tab or window and back to watch it change.</p>
    <table id="presence"><caption class="hint">What routing sees now (live; a report counts for {ttl} s)</caption>
      <thead><tr><th>device</th><th>platform</th><th>on Chat</th><th>on CRM</th></tr></thead><tbody></tbody></table>
    <div class="phones">
      <div class="phone" data-platform="android" data-app="chat"><b>Chat Mobile</b> (Android)
        <button data-act="register">Register</button> <label><input type="checkbox" data-act="active"> in the foreground</label></div>
      <div class="phone" data-platform="ios" data-app="crm"><b>CRM Mobile</b> (iOS)
        <button data-act="register">Register</button> <label><input type="checkbox" data-act="active"> in the foreground</label></div>
    </div>
    <p class="hint">Simulated phones register through <code>PUT /v1/devices/&lt;platform&gt;</code> and report through
    <code>PUT /v1/presence</code>, as the apps would. Without an FCM key file the server records their pushes as
    suppressed ("no push gateway is configured").</p>
  </section>
</main>
<script type="module">
  const bell = document.querySelector('qontak-bell');
  bell.setAttribute('api', location.origin);
  const lang = document.getElementById('lang');
  lang.value = localStorage.getItem('demo-lang') || 'en';
  document.documentElement.lang = lang.value;
  lang.addEventListener('change', () => {{
    document.documentElement.lang = lang.value;
    localStorage.setItem('demo-lang', lang.value);
  }});
  document.getElementById('fire').addEventListener('submit', async (e) => {{
    e.preventDefault();
    const body = Object.fromEntries(new FormData(e.target));
    const res = await fetch('/demo/fire', {{ method: 'POST', headers: {{ 'content-type': 'application/json' }}, body: JSON.stringify(body) }});
    const out = await res.json();
    document.getElementById('result').textContent = res.ok
      ? `Sent ${{body.kind}}: stored ${{out.stored}}, suppressed ${{out.suppressed}}.`
      : `Refused: ${{out.error?.message}}`;
    if (res.ok) showRouting(out.key, body.recipient);
  }});
  const token = () => bell.getAttribute('token');
  const api = (path, init = {{}}) => fetch(path, {{ ...init, headers: {{ authorization: `Bearer ${{token()}}`, 'content-type': 'application/json' }} }});
  async function showRouting(key, recipient) {{
    const rows = document.querySelector('#routing tbody');
    rows.innerHTML = '';
    if (recipient !== '{me}') {{ rows.innerHTML = '<tr><td colspan=5>Sent to another user: their devices decide.</td></tr>'; return; }}
    for (let i = 0; i < 40; i++) {{
      const list = await (await api(`/v1/deliveries?notification_id=${{encodeURIComponent(key)}}`)).json();
      if (list.length) {{
        for (const d of list) {{
          const tr = document.createElement('tr');
          for (const v of [d.device_id, d.platform, d.channel, d.decision, d.reason]) {{ const td = document.createElement('td'); td.textContent = v; tr.append(td); }}
          rows.append(tr);
        }}
        return;
      }}
      await new Promise((r) => setTimeout(r, 100));
    }}
    rows.innerHTML = '<tr><td colspan=5>No device is registered yet.</td></tr>';
  }}
  const mine = () => localStorage.getItem('qontak-bell:device-id');
  const state = (v) => v === true ? 'active' : v === false ? 'away' : '—';
  async function showPresence() {{
    document.getElementById('me-device').textContent = mine() || '(registering…)';
    const res = await api('/demo/presence').catch(() => null);
    if (!res?.ok) return;
    const rows = (await res.json()).map((d) => {{
      const tr = document.createElement('tr');
      tr.dataset.device = d.device_id;
      const name = d.device_id === mine() ? `${{d.device_id}} (this browser)` : d.device_id;
      for (const v of [name, d.platform, state(d.chat), state(d.crm)]) {{ const td = document.createElement('td'); td.textContent = v; tr.append(td); }}
      return tr;
    }});
    if (!rows.length) {{ const tr = document.createElement('tr'); tr.innerHTML = '<td colspan=4>No device is registered yet.</td>'; rows.push(tr); }}
    document.querySelector('#presence tbody').replaceChildren(...rows);
  }}
  showPresence();
  setInterval(showPresence, 1000);
  let approvalId = null;
  document.getElementById('request-approval').addEventListener('click', async () => {{
    const out = await (await fetch('/demo/approval', {{ method: 'POST' }})).json();
    approvalId = out.approval_id;
    document.getElementById('resolve-approval').disabled = false;
    document.getElementById('approval-result').textContent = `Requested approval ${{approvalId}} from {my_name} and Budi Santoso.`;
  }});
  document.getElementById('resolve-approval').addEventListener('click', async () => {{
    const res = await fetch(`/demo/approval/${{approvalId}}/resolve`, {{ method: 'POST' }});
    document.getElementById('approval-result').textContent = res.status === 200
      ? `The CRM approved ${{approvalId}} on its own page.` : `${{approvalId}} was already decided.`;
  }});
  async function showWebhook() {{
    const list = await (await fetch('/demo/webhook')).json().catch(() => []);
    const rows = list.map((d) => {{
      const tr = document.createElement('tr');
      for (const v of [d.approval_id, d.decision, d.decided_by?.name, d.note ?? '', d.signature_valid ? 'valid' : 'INVALID']) {{
        const td = document.createElement('td'); td.textContent = v; tr.append(td);
      }}
      return tr;
    }});
    if (!rows.length) {{ const tr = document.createElement('tr'); tr.innerHTML = '<td colspan=5>No decision yet.</td>'; rows.push(tr); }}
    document.querySelector('#webhook tbody').replaceChildren(...rows);
  }}
  showWebhook();
  setInterval(showWebhook, 1000);
  for (const phone of document.querySelectorAll('.phone')) {{
    const {{ platform, app }} = phone.dataset;
    const device_id = `demo-${{platform}}-${{app}}`;
    phone.querySelector('[data-act=register]').addEventListener('click', async (e) => {{
      await api(`/v1/devices/${{platform}}`, {{ method: 'PUT', body: JSON.stringify({{ device_id, app, push_token: `demo-token-${{platform}}` }}) }});
      e.target.textContent = 'Registered';
    }});
    const box = phone.querySelector('[data-act=active]');
    const report = () => api('/v1/presence', {{ method: 'PUT', body: JSON.stringify({{ device_id, platform, app, active: box.checked }}) }});
    box.addEventListener('change', report);
    // Like the app, it keeps reporting while in the foreground (reports expire).
    setInterval(() => {{ if (box.checked) report(); }}, 20000);
  }}
</script>
</body>
</html>"##
    )
}
