//! Page cursors (sealed before they leave the server: `seal.rs`).
//!
//! A cursor holds the `(created_at, id)` of the last item shown and the
//! highest id that existed when the first page was read. Later pages continue
//! strictly below the last item and ignore anything newer than that snapshot,
//! so pages never repeat or skip an item while notifications keep arriving
//! (new ones reach the widget through the stream instead).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::seal::Seal;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: i64,
    pub snapshot: i64,
}

impl Cursor {
    /// The cursor as a client gets it.
    pub fn seal(&self, seal: &Seal) -> String {
        seal.seal(&self.text())
    }

    /// A cursor a client sent back: sealed, or (from before sealing) plain.
    pub fn open(s: &str, seal: &Seal) -> Option<Cursor> {
        match seal.open(s) {
            Some(text) => Cursor::from_text(&text),
            None => Cursor::decode(s),
        }
    }

    fn text(&self) -> String {
        format!("v1.{}.{}.{}", self.created_at, self.id, self.snapshot)
    }

    /// The unsealed form of before.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.text())
    }

    pub fn decode(s: &str) -> Option<Cursor> {
        Cursor::from_text(&String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?)
    }

    fn from_text(raw: &str) -> Option<Cursor> {
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
        let seal = Seal::new("k");
        let sealed = c.seal(&seal);
        assert_eq!(Cursor::open(&sealed, &seal), Some(c));
        assert!(!String::from_utf8_lossy(&URL_SAFE_NO_PAD.decode(&sealed).unwrap()).contains("99"));
        assert_eq!(Cursor::open(&c.encode(), &seal), Some(c), "a cursor from before sealing");
        assert_eq!(Cursor::open(&sealed, &Seal::new("other")), None);
    }
}
