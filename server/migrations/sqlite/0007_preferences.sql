-- Preferences per category and channel, and quiet hours (API.md §7): one
-- row per user who changed anything, holding only what differs from the
-- default as JSON (`{"off": ["general.update.browser"], "quiet_hours": …}`),
-- keys by name so a new kind or category needs no migration. `sound` stays
-- in `settings`.
CREATE TABLE preferences (
    user_id    TEXT   PRIMARY KEY,
    prefs      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
