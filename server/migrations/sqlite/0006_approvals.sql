-- Approvals decided from the bell (API.md §6). An actionable request's
-- notifications name their approval and carry its JSON as the list shows
-- it (written at ingestion, rewritten when it is settled), so the feed and
-- the stream read it without a join.
ALTER TABLE notifications ADD COLUMN approval_id TEXT;
ALTER TABLE notifications ADD COLUMN approval TEXT;
-- Settling finds every approver's copy (few rows carry an approval).
CREATE INDEX notifications_by_approval ON notifications (approval_id) WHERE approval_id IS NOT NULL;

-- One row per approval request: the truth the first decision wins against
-- (`UPDATE … WHERE state = 'pending'` succeeds once, also across processes).
CREATE TABLE approvals (
    id              TEXT    PRIMARY KEY,
    event_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    decided_by_id   TEXT,
    decided_by_name TEXT,
    decided_at      BIGINT,
    note            TEXT,
    source          TEXT,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX approvals_by_age ON approvals (created_at);

-- Decisions taken in the bell, in the order they were taken (ids become
-- visible in order: an advisory lock on PostgreSQL), for `GET /v1/decisions`
-- and as the webhook's outbox: `next_at` is when to (re)try, NULL once the
-- receiver took it (or when no webhook is configured).
CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT    NOT NULL,
    approval_id TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX decisions_due ON decisions (next_at) WHERE next_at IS NOT NULL;

-- The stream's change log carries approval settlements beside read changes:
-- `event` is the SSE event type its row is sent as.
ALTER TABLE read_changes ADD COLUMN event TEXT NOT NULL DEFAULT 'read';
