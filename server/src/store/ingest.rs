//! Ingestion: the writer task's group commit, and the rows an event stores.

use bell_protocol::Approval;

use super::approvals::claim_approvals;
use super::*;

/// Events committed together at most (group commit).
pub(super) const MAX_INGEST_BATCH: usize = 256;

pub(super) struct IngestJob {
    event: ValidEvent,
    now: i64,
    reply: oneshot::Sender<anyhow::Result<Ingested>>,
}

/// The outcome of an ingested event, with the rows it stored (for the stream).
#[derive(Debug)]
pub struct Ingested {
    pub outcome: IngestOutcome,
    pub stored: Vec<(String, Notification)>,
}

/// A notification to bulk-load: its recipient's copy of an event, read (at
/// its creation time) or not.
pub struct SeedRow {
    pub recipient: String,
    pub event: ValidEvent,
    pub read: bool,
}

impl Store {
    /// Stores one event for all its recipients, or nothing when its id was
    /// seen before. Events arriving together are committed in one
    /// transaction (group commit): one WAL write for many events.
    pub async fn ingest(&self, event: ValidEvent, now: i64) -> anyhow::Result<Ingested> {
        let (reply, answer) = oneshot::channel();
        self.ingest_queue
            .send(IngestJob { event, now, reply })
            .await
            .map_err(|_| anyhow::anyhow!("the ingest writer has stopped"))?;
        answer.await.map_err(|_| anyhow::anyhow!("the ingest writer dropped a job"))?
    }

    /// Bulk-loads rows in one transaction, for demo data and benchmarks.
    pub async fn load_rows(&self, rows: &[SeedRow]) -> anyhow::Result<()> {
        let events: Vec<(&ValidEvent, i64)> = rows.iter().map(|r| (&r.event, r.event.created_at)).collect();
        let targets: Vec<Target> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i, r.recipient.as_str(), r.read.then_some(r.event.created_at)))
            .collect();
        let mut tx = self.write.begin().await?;
        let approvals =
            claim_approvals(&mut tx, self.backend, &rows.iter().map(|r| &r.event).collect::<Vec<_>>()).await?;
        order_ids(&mut tx, self.backend, NOTIFICATION_IDS).await?;
        let seqs = take_seqs(&mut tx, self.backend, &targets).await?;
        for (chunk, seqs) in targets.chunks(ROWS_PER_INSERT).zip(seqs.chunks(ROWS_PER_INSERT)) {
            insert_rows(&mut tx, self.backend, &events, chunk, seqs, &approvals).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Takes whatever events are waiting (never waiting for more) and commits
/// them together. If a batch fails, each of its events is retried alone so one
/// bad event cannot fail the others.
pub(super) async fn ingest_loop(
    pool: AnyPool,
    backend: Backend,
    mut jobs: mpsc::Receiver<IngestJob>,
    commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    let committed = || commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut batch = Vec::with_capacity(MAX_INGEST_BATCH);
    while jobs.recv_many(&mut batch, MAX_INGEST_BATCH).await > 0 {
        let events: Vec<(&ValidEvent, i64)> = batch.iter().map(|j| (&j.event, j.now)).collect();
        match ingest_batch(&pool, backend, &events).await {
            Ok(results) => {
                committed();
                for (job, result) in batch.drain(..).zip(results) {
                    let _ = job.reply.send(Ok(result));
                }
            }
            Err(e) if batch.len() == 1 => {
                let _ = batch.pop().expect("one job").reply.send(Err(e));
            }
            Err(_) => {
                for job in batch.drain(..) {
                    let result = ingest_batch(&pool, backend, &[(&job.event, job.now)]).await;
                    if result.is_ok() {
                        committed();
                    }
                    let _ = job.reply.send(result.map(|mut r| r.remove(0)));
                }
            }
        }
    }
}

/// Most notification rows in one INSERT (12 parameters each, well under
/// SQLite's limit of 32,766).
pub(super) const ROWS_PER_INSERT: usize = 1000;

/// Ingests a batch in one transaction with one multi-row INSERT per table,
/// answering each event's outcome in order.
pub(super) async fn ingest_batch(
    pool: &AnyPool,
    backend: Backend,
    events: &[(&ValidEvent, i64)],
) -> anyhow::Result<Vec<Ingested>> {
    let plans: Vec<(Vec<&str>, u32)> = events.iter().map(|(ev, _)| ev.stored_recipients()).collect();
    let mut tx = pool.begin().await?;

    // Claim the event ids; the ones already known come back missing.
    let mut insert = Sql::new(backend, "INSERT INTO events (id, received_at, stored, suppressed) ");
    insert.push_values(events.iter().zip(&plans), |row, ((ev, now), (recipients, suppressed))| {
        row.push_bind(&ev.id).push_bind(*now).push_bind(recipients.len() as i64).push_bind(i64::from(*suppressed));
    });
    insert.push(" ON CONFLICT (id) DO NOTHING RETURNING id");
    let mut claimed: HashSet<String> =
        insert.build_query_scalar::<String>().fetch_all(&mut *tx).await?.into_iter().collect();

    // Fresh events store their rows; the first of several with one id wins.
    let mut fresh = vec![false; events.len()];
    for (i, (ev, _)) in events.iter().enumerate() {
        fresh[i] = claimed.remove(&ev.id);
    }
    let fresh_events: Vec<&ValidEvent> =
        events.iter().zip(&fresh).filter(|(_, f)| **f).map(|((ev, _), _)| *ev).collect();
    let approvals = claim_approvals(&mut tx, backend, &fresh_events).await?;
    // A copy of an approval that was settled before it arrived has nothing to act on.
    let read_at = |i: usize| {
        let (ev, now) = events[i];
        let approval = ev.approval_id.as_ref().and_then(|a| approvals.get(a));
        approval.filter(|a| a.state != bell_protocol::ApprovalState::Pending).map(|_| now)
    };
    let rows: Vec<Target> = plans
        .iter()
        .enumerate()
        .filter(|(i, _)| fresh[*i])
        .flat_map(|(i, (recipients, _))| recipients.iter().map(move |r| (i, *r, read_at(i))))
        .collect();
    let mut stored: Vec<Vec<(String, Notification)>> = events.iter().map(|_| Vec::new()).collect();
    let mut seqs = Vec::new();
    if !rows.is_empty() {
        order_ids(&mut tx, backend, NOTIFICATION_IDS).await?;
        seqs = take_seqs(&mut tx, backend, &rows).await?;
    }
    for (chunk, seqs) in rows.chunks(ROWS_PER_INSERT).zip(seqs.chunks(ROWS_PER_INSERT)) {
        for (i, user, n) in insert_rows(&mut tx, backend, events, chunk, seqs, &approvals).await? {
            stored[i].push((user, n));
        }
    }

    // Repeated ids answer the counts of their first arrival.
    let repeated: Vec<&str> =
        events.iter().zip(&fresh).filter(|(_, f)| !**f).map(|((ev, _), _)| ev.id.as_str()).collect();
    let mut earlier: HashMap<String, (u32, u32)> = HashMap::new();
    if !repeated.is_empty() {
        let mut query = Sql::new(backend, "SELECT id, stored, suppressed FROM events WHERE id IN ");
        query.push_list(repeated.iter().copied());
        for row in query.build().fetch_all(&mut *tx).await? {
            earlier.insert(row.get(0), (row.get::<i64, _>(1) as u32, row.get::<i64, _>(2) as u32));
        }
    }
    tx.commit().await?;

    let results = events
        .iter()
        .zip(plans)
        .zip(stored)
        .zip(fresh)
        .map(|((((ev, _), (_, suppressed)), stored), fresh)| {
            if fresh {
                let outcome = IngestOutcome { stored: stored.len() as u32, suppressed, duplicate: false };
                Ingested { outcome, stored }
            } else {
                let (stored, suppressed) = earlier.get(&ev.id).copied().unwrap_or_default();
                Ingested { outcome: IngestOutcome { stored, suppressed, duplicate: true }, stored: Vec::new() }
            }
        })
        .collect();
    Ok(results)
}

/// One row to insert: the index of its event, the recipient, and `read_at`.
pub(super) type Target<'a> = (usize, &'a str, Option<i64>);

/// Most users whose counters move in one statement (2 parameters each).
const USERS_PER_UPSERT: usize = 1000;

/// Hands out each row's id in its recipient's own sequence, in row order:
/// ids count per user, so they say nothing about other users' notifications.
/// Called under the [`NOTIFICATION_IDS`] lock, so they become visible in order.
pub(super) async fn take_seqs(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[Target<'_>],
) -> anyhow::Result<Vec<i64>> {
    let mut wanted: Vec<(&str, i64)> = Vec::new();
    let mut slot: HashMap<&str, usize> = HashMap::new();
    for (_, user, _) in rows {
        let i = *slot.entry(user).or_insert_with(|| {
            wanted.push((user, 0));
            wanted.len() - 1
        });
        wanted[i].1 += 1;
    }
    // Each user's first id of this batch: the counter's new value less its count.
    let mut next: HashMap<String, i64> = HashMap::with_capacity(wanted.len());
    for chunk in wanted.chunks(USERS_PER_UPSERT) {
        let mut upsert = Sql::new(backend, "INSERT INTO user_seqs (user_id, last_seq) ");
        upsert.push_values(chunk, |row, (user, n)| {
            row.push_bind(*user).push_bind(*n);
        });
        upsert.push(
            " ON CONFLICT (user_id) DO UPDATE SET last_seq = user_seqs.last_seq + excluded.last_seq \
             RETURNING user_id, last_seq",
        );
        for row in upsert.build().fetch_all(&mut **tx).await? {
            let user: String = row.get(0);
            let count = wanted[slot[user.as_str()]].1;
            next.insert(user, row.get::<i64, _>(1) - count + 1);
        }
    }
    rows.iter()
        .map(|(_, user, _)| {
            let seq = next.get_mut(*user).context("a user's counter did not come back")?;
            *seq += 1;
            Ok(*seq - 1)
        })
        .collect()
}

/// Inserts rows in one statement, each with its id (`seqs`, in row order);
/// answers each stored notification with the index of its event and its recipient.
pub(super) async fn insert_rows(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    events: &[(&ValidEvent, i64)],
    rows: &[Target<'_>],
    seqs: &[i64],
    approvals: &HashMap<String, Approval>,
) -> anyhow::Result<Vec<(usize, String, Notification)>> {
    let columns: Vec<EventColumns> =
        events.iter().map(|(ev, _)| EventColumns::of(ev, approvals)).collect::<Result<_, _>>()?;
    let mut insert = Sql::new(
        backend,
        "INSERT INTO notifications \
         (user_id, seq, event_id, kind, tab, category, actor_type, actor_id, actor_name, args, link, created_at, read_at, \
          approval_id, approval) ",
    );
    insert.push_values(rows.iter().zip(seqs), |row, ((i, user, read_at), seq)| {
        let (ev, c) = (events[*i].0, &columns[*i]);
        row.push_bind(*user)
            .push_bind(*seq)
            .push_bind(&ev.id)
            .push_bind(ev.spec.name)
            .push_bind(c.tab.as_str())
            .push_bind(c.category.as_str())
            .push_bind(c.actor_type)
            .push_bind(ev.actor.user_id())
            .push_bind(c.actor_name.as_deref())
            .push_bind(&c.args)
            .push_bind(ev.link.as_deref())
            .push_bind(ev.created_at)
            .push_bind(*read_at)
            .push_bind(ev.approval_id.as_deref())
            .push_bind(c.approval.as_ref().map(|(_, json)| json.as_str()));
    });
    insert.push(" RETURNING seq, user_id");
    let returned = insert.build().fetch_all(&mut **tx).await?;
    // RETURNING's row order is not promised: match rows by (user, seq).
    let index: HashMap<(&str, i64), (usize, Option<i64>)> =
        rows.iter().zip(seqs).map(|((i, u, read_at), seq)| ((*u, *seq), (*i, *read_at))).collect();
    returned
        .iter()
        .map(|r| {
            let (seq, user): (i64, &str) = (r.get(0), r.get(1));
            let (i, read_at) = *index.get(&(user, seq)).context("RETURNING gave an unknown row")?;
            Ok((i, user.to_owned(), notification_of(events[i].0, seq, &columns[i], read_at)))
        })
        .collect()
}

/// The stored form of an event's shared columns.
pub(super) struct EventColumns {
    tab: Tab,
    category: Category,
    actor_type: &'static str,
    actor_name: Option<String>,
    args: String,
    /// The approval as it stands, and as stored (actionable requests only).
    approval: Option<(Approval, String)>,
}

impl EventColumns {
    fn of(ev: &ValidEvent, approvals: &HashMap<String, Approval>) -> anyhow::Result<EventColumns> {
        let (tab, category) = ev.spec.placement.context("only placed kinds are stored")?;
        let (actor_type, actor_name) = match &ev.actor {
            Actor::User { name, .. } => ("user", Some(name.clone())),
            Actor::System {} => ("system", None),
        };
        let approval = match &ev.approval_id {
            Some(id) => {
                let approval = approvals.get(id).context("an approval was not claimed")?;
                Some((approval.clone(), serde_json::to_string(approval)?))
            }
            None => None,
        };
        Ok(EventColumns { tab, category, actor_type, actor_name, args: serde_json::to_string(&ev.args)?, approval })
    }
}

pub(super) fn notification_of(ev: &ValidEvent, seq: i64, c: &EventColumns, read_at: Option<i64>) -> Notification {
    Notification {
        id: seq.to_string(),
        kind: ev.spec.name.to_owned(),
        tab: c.tab,
        category: c.category,
        actor: ev.actor.clone(),
        args: ev.args.clone(),
        link: ev.link.clone(),
        created_at: rfc3339(ev.created_at),
        read_at: read_at.map(rfc3339),
        approval: c.approval.as_ref().map(|(a, _)| a.clone()),
    }
}
