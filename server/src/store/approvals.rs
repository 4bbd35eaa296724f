//! Approvals (API.md §6): claimed at ingestion, settled once by the first
//! decision, and the decisions taken in the bell kept in order for
//! `GET /v1/decisions` and the webhook's outbox.

use bell_protocol::{Approval, ApprovalChange, ApprovalState, Decider, DecisionRecord, DecisionSource};

use super::*;

/// Advisory-lock key that orders decision ids (PostgreSQL).
const DECISION_IDS: i64 = 0x7165_6c6c_0003;

const APPROVAL_COLUMNS: &str = "id, state, decided_by_id, decided_by_name, decided_at, note, source";

/// What a decision or resolution came to.
#[derive(Debug)]
pub enum Settle {
    /// This decision settled it; these approvers' streams have news.
    Settled { approval: Approval, approvers: Vec<String> },
    /// It was settled before: the standing decision, unchanged.
    Standing(Approval),
    /// No such approval.
    Unknown,
}

/// A decision to settle an approval with.
pub struct Settlement<'a> {
    pub state: ApprovalState,
    pub decided_by: &'a Decider,
    pub note: Option<&'a str>,
    pub source: DecisionSource,
    /// Queue it for the decision webhook (a decision taken in the bell, with
    /// a webhook configured).
    pub webhook: bool,
}

/// A decision waiting in the webhook's outbox.
#[derive(Debug)]
pub struct QueuedDecision {
    pub id: i64,
    pub body: String,
    pub attempts: i64,
}

impl Store {
    /// The approval id of one of the user's (retained) notifications, when
    /// it is actionable.
    pub async fn approval_of(&self, user: &str, seq: i64, now: i64) -> anyhow::Result<Option<String>> {
        let select = format!("SELECT approval_id FROM notifications WHERE user_id = $1 AND {RETAINED} AND seq = $4");
        let row = retained(sqlx::query(&select).bind(user), now).bind(seq).fetch_optional(&self.read).await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)))
    }

    /// Settles an approval if it is still pending: the first decision wins
    /// (one `UPDATE … WHERE state = 'pending'` succeeds, also across server
    /// processes). In the same transaction every approver's copy becomes read
    /// and shows the outcome, each approver's streams get a `read` and an
    /// `approval` change, and a decision taken in the bell is logged.
    pub async fn settle(&self, approval_id: &str, s: &Settlement<'_>, now: i64) -> anyhow::Result<Settle> {
        let mut tx = self.write.begin().await?;
        let won = sqlx::query(
            "UPDATE approvals SET state = $2, decided_by_id = $3, decided_by_name = $4, decided_at = $5, note = $6, \
             source = $7 WHERE id = $1 AND state = 'pending' RETURNING event_id, kind",
        )
        .bind(approval_id)
        .bind(s.state.as_str())
        .bind(&s.decided_by.id)
        .bind(&s.decided_by.name)
        .bind(now)
        .bind(s.note)
        .bind(source_str(s.source))
        .fetch_optional(&mut *tx)
        .await?;
        let Some(won) = won else {
            let select = format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = $1");
            let standing = sqlx::query(&select).bind(approval_id).fetch_optional(&mut *tx).await?;
            tx.rollback().await?;
            return Ok(match standing {
                Some(row) => Settle::Standing(approval_from_row(&row)?),
                None => Settle::Unknown,
            });
        };
        let approval = Approval {
            id: approval_id.to_owned(),
            state: s.state,
            decided_by: Some(s.decided_by.clone()),
            decided_at: Some(rfc3339(now)),
            note: s.note.map(str::to_owned),
            source: Some(s.source),
        };
        let json = serde_json::to_string(&approval)?;

        // Nothing is left to act on: read for every approver, with the outcome.
        let became_read: Vec<(String, i64)> = sqlx::query(
            "UPDATE notifications SET read_at = $2 WHERE approval_id = $1 AND read_at IS NULL RETURNING user_id, seq",
        )
        .bind(approval_id)
        .bind(now)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
        let copies: Vec<(String, i64)> =
            sqlx::query("UPDATE notifications SET approval = $2 WHERE approval_id = $1 RETURNING user_id, seq")
                .bind(approval_id)
                .bind(&json)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();

        if s.source == DecisionSource::Bell {
            let record = DecisionRecord {
                delivery_id: uuid::Uuid::new_v4().to_string(),
                approval_id: approval_id.to_owned(),
                event_id: won.get(0),
                kind: won.get(1),
                decision: s.state,
                note: approval.note.clone(),
                decided_by: s.decided_by.clone(),
                decided_at: rfc3339(now),
            };
            order_ids(&mut tx, self.backend, DECISION_IDS).await?;
            sqlx::query(
                "INSERT INTO decisions (delivery_id, approval_id, body, attempts, next_at, created_at) \
                 VALUES ($1, $2, $3, 0, $4, $5)",
            )
            .bind(&record.delivery_id)
            .bind(approval_id)
            .bind(serde_json::to_string(&record)?)
            .bind(s.webhook.then_some(now))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }

        let mut changes: Vec<(&str, &'static str, String)> = Vec::with_capacity(became_read.len() + copies.len());
        for (user, seq) in &became_read {
            changes.push((user, "read", serde_json::to_string(&ReadChange::Ids { ids: vec![seq.to_string()] })?));
        }
        for (user, seq) in &copies {
            let change = ApprovalChange { notification_id: seq.to_string(), approval: approval.clone() };
            changes.push((user, "approval", serde_json::to_string(&change)?));
        }
        read_state::log_changes(&mut tx, self.backend, &changes, now).await?;
        tx.commit().await?;

        let mut approvers: Vec<String> = copies.into_iter().map(|(user, _)| user).collect();
        approvers.sort();
        approvers.dedup();
        Ok(Settle::Settled { approval, approvers })
    }

    /// Decisions taken in the bell after decision `after`, oldest first,
    /// with their positions.
    pub async fn decisions_after(&self, after: i64, limit: u32) -> anyhow::Result<Vec<(i64, DecisionRecord)>> {
        sqlx::query("SELECT id, body FROM decisions WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.read)
            .await?
            .iter()
            .map(|r| Ok((r.get::<i64, _>(0), serde_json::from_str(r.get::<&str, _>(1))?)))
            .collect()
    }

    /// Takes up to `limit` decisions due for the webhook, oldest first. On
    /// PostgreSQL they are leased until `lease_until` so that another
    /// process does not send them meanwhile (a process that dies holding a
    /// lease only delays them); SQLite has one process, hence no lease.
    pub async fn due_decisions(&self, now: i64, lease_until: i64, limit: u32) -> anyhow::Result<Vec<QueuedDecision>> {
        let rows = match self.backend {
            Backend::Sqlite => {
                sqlx::query(
                    "SELECT id, body, attempts FROM decisions WHERE next_at <= $1 ORDER BY next_at, id LIMIT $2",
                )
                .bind(now)
                .bind(i64::from(limit))
                .fetch_all(&self.write)
                .await?
            }
            Backend::Postgres => {
                sqlx::query(
                    "UPDATE decisions SET next_at = $3 WHERE id IN (SELECT id FROM decisions WHERE next_at <= $1 \
                     ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id, body, attempts",
                )
                .bind(now)
                .bind(i64::from(limit))
                .bind(lease_until)
                .fetch_all(&self.write)
                .await?
            }
        };
        let mut due: Vec<QueuedDecision> =
            rows.iter().map(|r| QueuedDecision { id: r.get(0), body: r.get(1), attempts: r.get(2) }).collect();
        due.sort_by_key(|d| d.id);
        Ok(due)
    }

    /// The receiver took these decisions: out of the outbox.
    pub async fn decisions_delivered(&self, ids: &[i64]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut update = Sql::new(self.backend, "UPDATE decisions SET next_at = NULL WHERE id IN ");
        update.push_list(ids.iter().copied());
        update.build().execute(&self.write).await?;
        Ok(())
    }

    /// A delivery failed: try again at `next_at`.
    pub async fn decision_retry(&self, id: i64, next_at: i64) -> anyhow::Result<()> {
        sqlx::query("UPDATE decisions SET attempts = attempts + 1, next_at = $2 WHERE id = $1")
            .bind(id)
            .bind(next_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }
}

/// Claims the approvals of a batch's actionable events (the first event
/// naming an approval id creates it; a later one adds approvers to it) and
/// answers each as it now stands. On PostgreSQL the upsert locks each row
/// until commit, so a decision cannot settle it between this read and the
/// new copies becoming visible.
pub(super) async fn claim_approvals(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    events: &[&ValidEvent],
) -> anyhow::Result<HashMap<String, Approval>> {
    let mut seen = HashSet::new();
    let wanted: Vec<&ValidEvent> =
        events.iter().copied().filter(|ev| ev.approval_id.as_ref().is_some_and(|a| seen.insert(a.as_str()))).collect();
    let mut approvals = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(1000) {
        let mut upsert = Sql::new(backend, "INSERT INTO approvals (id, event_id, kind, state, created_at) ");
        upsert.push_values(chunk, |row, ev| {
            row.push_bind(ev.approval_id.as_deref())
                .push_bind(&ev.id)
                .push_bind(ev.spec.name)
                .push_bind("pending")
                .push_bind(ev.created_at);
        });
        upsert.push(&format!(" ON CONFLICT (id) DO UPDATE SET id = excluded.id RETURNING {APPROVAL_COLUMNS}"));
        for row in upsert.build().fetch_all(&mut **tx).await? {
            let approval = approval_from_row(&row)?;
            approvals.insert(approval.id.clone(), approval);
        }
    }
    Ok(approvals)
}

fn source_str(source: DecisionSource) -> &'static str {
    match source {
        DecisionSource::Bell => "bell",
        DecisionSource::Producer => "producer",
    }
}

fn approval_from_row(row: &AnyRow) -> anyhow::Result<Approval> {
    let state: String = row.get("state");
    let decided_by =
        match (row.get::<Option<String>, _>("decided_by_id"), row.get::<Option<String>, _>("decided_by_name")) {
            (Some(id), Some(name)) => Some(Decider { id, name }),
            _ => None,
        };
    let source = match row.get::<Option<&str>, _>("source") {
        Some("bell") => Some(DecisionSource::Bell),
        Some("producer") => Some(DecisionSource::Producer),
        _ => None,
    };
    Ok(Approval {
        id: row.get("id"),
        state: ApprovalState::parse(&state).with_context(|| format!("stored approval state {state:?}"))?,
        decided_by,
        decided_at: row.get::<Option<i64>, _>("decided_at").map(rfc3339),
        note: row.get("note"),
        source,
    })
}
