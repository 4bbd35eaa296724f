-- Mobile pushes waiting to leave through the gateway. A row stays until the
-- gateway took it (or refused it for good), so nothing is lost while the
-- gateway is down; `next_at` spaces out retries.
CREATE TABLE push_outbox (
    id         BIGSERIAL PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    device_id  TEXT    NOT NULL,
    push_token TEXT    NOT NULL,
    payload    TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);
CREATE INDEX push_outbox_due ON push_outbox (next_at);
