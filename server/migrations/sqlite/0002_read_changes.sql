-- Read-state changes, kept so a stream client that reconnects (also after a
-- server restart) is told what became read while it was away. Notifications
-- themselves need no such log: their ids already grow in arrival order.
CREATE TABLE read_changes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    TEXT    NOT NULL,
    change     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX read_changes_by_user ON read_changes (user_id, id);
