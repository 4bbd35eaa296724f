-- Producers' event ids, kept for idempotency (a retry changes nothing) and
-- with the original outcome so a duplicate answers the same counts. The
-- primary key makes idempotency hold across server processes too.
CREATE TABLE events (
    id          TEXT    PRIMARY KEY,
    received_at BIGINT  NOT NULL,
    stored      INTEGER NOT NULL,
    suppressed  INTEGER NOT NULL
);
CREATE INDEX events_by_age ON events (received_at);

-- One row per recipient: each has its own read state. Times are epoch
-- milliseconds. Ids come from one sequence, in arrival order (writers take
-- an advisory lock, see store.rs), so read-all's `up_to` and stream
-- positions can compare them.
--
-- Partitioned by `created_at` (see retention.rs): expired partitions are
-- dropped whole; rows outside every partition land in the default one.
CREATE SEQUENCE notifications_id_seq AS BIGINT;
CREATE TABLE notifications (
    id          BIGINT  NOT NULL DEFAULT nextval('notifications_id_seq'),
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
    read_at     BIGINT,
    PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);
CREATE TABLE notifications_default PARTITION OF notifications DEFAULT;

-- The same few indexes as on SQLite (each index keyed by user is a random
-- write per ingested row).
CREATE INDEX notifications_by_tab ON notifications (user_id, tab, created_at, id, category);
CREATE INDEX notifications_unread ON notifications (user_id, tab, created_at, id, category) WHERE read_at IS NULL;
CREATE INDEX notifications_by_age ON notifications (tab, created_at);
