-- Read-state changes, kept so a stream client that reconnects (also after a
-- server restart, or to another server process) is told what became read
-- while it was away.
CREATE TABLE read_changes (
    id         BIGSERIAL PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    change     TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX read_changes_by_user ON read_changes (user_id, id);
CREATE INDEX read_changes_by_age ON read_changes (created_at);
