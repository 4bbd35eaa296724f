-- Producers' event ids, kept for idempotency (a retry changes nothing) and
-- with the original outcome so a duplicate answers the same counts.
CREATE TABLE events (
    id          TEXT    PRIMARY KEY,
    received_at BIGINT  NOT NULL,
    stored      INTEGER NOT NULL,
    suppressed  INTEGER NOT NULL
);
CREATE INDEX events_by_age ON events (received_at);

-- One row per recipient: each has its own read state. Times are epoch
-- milliseconds (portable to PostgreSQL's BIGINT). AUTOINCREMENT so ids never
-- repeat after deletes: read-all's `up_to` compares them as arrival order.
CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    tab         TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    actor_type  TEXT    NOT NULL,
    actor_id    TEXT,
    actor_name  TEXT,
    args        TEXT    NOT NULL,
    link        TEXT,
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT
);

-- A tab's pages, newest first (and "All" of a tab).
CREATE INDEX notifications_by_tab ON notifications (user_id, tab, created_at, id);
-- A category's pages.
CREATE INDEX notifications_by_category ON notifications (user_id, tab, category, created_at, id);
-- Only unread rows: unread counts, "Show unread only" and read-all touch
-- nothing that is already read.
CREATE INDEX notifications_unread ON notifications (user_id, tab, category, created_at, id) WHERE read_at IS NULL;
-- The retention purge, per tab.
CREATE INDEX notifications_by_age ON notifications (tab, created_at);
