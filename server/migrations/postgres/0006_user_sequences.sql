-- Notification ids are counted per user, so the gap between two of a
-- user's ids says nothing about anyone else's notifications. `seq` is the
-- id clients see; `id` stays the table's own key (page cursors, purges).
-- Existing rows keep their ids (`seq = id`, unique per user and in arrival
-- order); each user's count goes on from the largest. Seqs are taken under
-- the same advisory lock as ids, so they too become visible in order.
ALTER TABLE notifications ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE notifications SET seq = id;
-- The stream now reads "this user's notifications after seq N"; marking
-- one read finds it by (user, seq).
DROP INDEX notifications_by_user;
CREATE INDEX notifications_by_user ON notifications (user_id, seq);

-- The last id handed out to each user: never reused, even after every
-- notification of the user has been purged.
CREATE TABLE user_seqs (
    user_id  TEXT   PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
INSERT INTO user_seqs (user_id, last_seq) SELECT user_id, MAX(id) FROM notifications GROUP BY user_id;
