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

-- Few indexes on purpose: every index keyed by user is a random write per
-- ingested row. Category is the last column so a category filter is checked
-- inside the index without visiting the table.
-- A tab's pages, newest first, for "All" and for one category.
CREATE INDEX notifications_by_tab ON notifications (user_id, tab, created_at, id, category);
-- Only unread rows: unread counts, "Show unread only" and read-all touch
-- nothing that is already read.
CREATE INDEX notifications_unread ON notifications (user_id, tab, created_at, id, category) WHERE read_at IS NULL;
-- The retention purge, per tab (append-only: new rows land on its last page).
CREATE INDEX notifications_by_age ON notifications (tab, created_at);
