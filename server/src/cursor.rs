//! Opaque page cursors.
//!
//! A cursor holds the `(created_at, id)` of the last item shown and the
//! highest id that existed when the first page was read. Later pages continue
//! strictly below the last item and ignore anything newer than that snapshot,
//! so pages never repeat or skip an item while notifications keep arriving
//! (new ones reach the widget through the stream instead).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: i64,
    pub snapshot: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1.{}.{}.{}", self.created_at, self.id, self.snapshot))
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
        let mut parts = raw.strip_prefix("v1.")?.split('.');
        let mut next = || parts.next()?.parse::<i64>().ok();
        let cursor = Cursor { created_at: next()?, id: next()?, snapshot: next()? };
        (parts.next().is_none() && cursor.id > 0 && cursor.snapshot >= cursor.id).then_some(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let c = Cursor { created_at: 1_700_000_000_123, id: 42, snapshot: 99 };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("v1.1.2")), None);
        assert_eq!(Cursor::decode(&URL_SAFE_NO_PAD.encode("v1.1.5.3")), None);
    }
}
