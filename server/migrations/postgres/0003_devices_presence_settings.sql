-- A user's devices: one per platform (a browser, an Android and an iOS phone);
-- registering another of a platform replaces the old one.
CREATE TABLE devices (
    user_id    TEXT   NOT NULL,
    platform   TEXT   NOT NULL,
    device_id  TEXT   NOT NULL,
    app        TEXT,
    push_token TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, platform)
);

-- The last presence report of each device and app; older than the TTL, it
-- no longer counts (a crashed tab does not stay "active").
CREATE TABLE presence (
    user_id     TEXT    NOT NULL,
    device_id   TEXT    NOT NULL,
    platform    TEXT    NOT NULL,
    app         TEXT    NOT NULL,
    active      INTEGER NOT NULL,
    reported_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, device_id, app)
);

-- Every routing decision: which device got (or did not get) a pop-up or a
-- push for a notification, and why. `notification_id` is the notification's
-- id, or the producer's event id for incoming messages (never stored).
CREATE TABLE deliveries (
    id              BIGSERIAL PRIMARY KEY,
    user_id         TEXT    NOT NULL,
    notification_id TEXT    NOT NULL,
    device_id       TEXT    NOT NULL,
    platform        TEXT    NOT NULL,
    channel         TEXT    NOT NULL,
    decision        TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL
);
CREATE INDEX deliveries_by_notification ON deliveries (user_id, notification_id);
CREATE INDEX deliveries_by_age ON deliveries (created_at);

CREATE TABLE settings (
    user_id TEXT    PRIMARY KEY,
    sound   INTEGER NOT NULL
);
