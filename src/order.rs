//! Which answers may still be shown: an answer never undoes something newer
//! the widget has shown since it was asked. Plain Rust, tested natively.
//!
//! - **Pages** belong to a view (tab, category, unread-only): an answer for
//!   a view since left is dropped. One asked before a live change of rows
//!   (a new notification, a read or settled row from the stream) may lack
//!   it or show it stale, and is asked again.
//! - **Counts** and **preferences** (each its own [`Ledger`]) change by this
//!   tab's writes (mark read, read all, decide; a switch turned: shown at
//!   once, before the server answers), by the stream (which pushes counts
//!   after every change, and the preferences document after each of theirs)
//!   and by a `GET`. Each change moves an epoch; a `GET` answer counts only
//!   if the epoch has not moved since it was asked and no write of this tab
//!   is unanswered (the server may have read before or after that write).
//!   Pushed state is the server's when sent, but while a write is unanswered
//!   it may predate it: it waits for the write's answer and is asked again.
//!
//! This orders by cause, not by timing: however late an answer comes, it is
//! dropped exactly when something newer was shown.

/// What to do with an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Apply,
    Drop,
    /// Dropped, and nothing newer covers what it was asked for: ask again.
    AskAgain,
}

/// When a page was asked: its view, and the live row changes seen by then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageAsked {
    view: u32,
    rows: u32,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Order {
    view: u32,
    rows: u32,
    pub counts: Ledger,
    pub prefs: Ledger,
}

/// The order of one piece of server state this tab also changes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ledger {
    epoch: u32,
    /// Writes that change counts sent and not answered.
    writes: u32,
    /// The epoch of the last state the stream pushed.
    pushed: u32,
    /// An answer was dropped because of a write: ask again once writes are answered.
    stale: bool,
}

impl Order {
    /// The view changed: answers for the old one are dropped. The new one's place.
    pub fn new_view(&mut self) -> PageAsked {
        self.view += 1;
        self.page()
    }

    /// A page request of the current view leaves now.
    pub fn page(&self) -> PageAsked {
        PageAsked { view: self.view, rows: self.rows }
    }

    /// The stream changed listed rows (or brought one).
    pub fn rows_changed(&mut self) {
        self.rows += 1;
    }

    pub fn page_answered(&self, asked: PageAsked) -> Answer {
        if asked.view != self.view {
            Answer::Drop
        } else if asked.rows != self.rows {
            Answer::AskAgain
        } else {
            Answer::Apply
        }
    }
}

impl Ledger {
    /// A `GET` leaves: its epoch, for [`Ledger::answered`].
    pub fn asked(&self) -> u32 {
        self.epoch
    }

    /// The widget changed the state itself (a row marked read here).
    pub fn changed(&mut self) {
        self.epoch += 1;
    }

    /// A write that changes the state was sent.
    pub fn write_sent(&mut self) {
        self.writes += 1;
        self.epoch += 1;
    }

    /// A write was answered (or failed): whether counts must be asked again.
    pub fn write_answered(&mut self) -> bool {
        self.writes = self.writes.saturating_sub(1);
        self.epoch += 1;
        self.writes == 0 && std::mem::take(&mut self.stale)
    }

    /// A request whose answer is the whole state leaves: a write (`PUT`)
    /// or a read. Its epoch, for [`Ledger::state_answered`].
    pub fn sent(&mut self, write: bool) -> u32 {
        if write {
            self.write_sent();
        }
        self.epoch
    }

    /// Its answer came: whether to show it, and whether to ask again. A
    /// write's answer is shown when no other write is unanswered (which
    /// could answer later with an older state); a read's as [`Ledger::answered`] says.
    pub fn state_answered(&mut self, write: bool, asked: u32) -> (bool, bool) {
        if write {
            let alone = self.writes == 1;
            self.stale |= !alone;
            return (alone, self.write_answered());
        }
        match self.answered(asked) {
            Answer::Apply => (true, false),
            Answer::AskAgain => (false, true),
            Answer::Drop => (false, false),
        }
    }

    /// The stream pushed the state: whether to show it.
    pub fn pushed(&mut self) -> bool {
        if self.writes > 0 {
            self.stale = true;
            return false;
        }
        self.epoch += 1;
        self.pushed = self.epoch;
        true
    }

    /// The answer to the `GET` that left at `asked` came.
    pub fn answered(&mut self, asked: u32) -> Answer {
        if asked == self.epoch && self.writes == 0 {
            Answer::Apply
        } else if self.pushed > asked {
            // What the stream pushed is newer than this answer and was shown.
            Answer::Drop
        } else if self.writes > 0 {
            self.stale = true;
            Answer::Drop
        } else {
            Answer::AskAgain
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_a_left_view_is_dropped_and_one_older_than_a_live_change_asked_again() {
        let mut o = Order::default();
        let first = o.new_view();
        assert_eq!(o.page_answered(first), Answer::Apply);
        o.rows_changed();
        assert_eq!(o.page_answered(first), Answer::AskAgain);
        let again = o.page();
        o.new_view();
        assert_eq!(o.page_answered(again), Answer::Drop);
    }

    #[test]
    fn a_count_answer_never_undoes_a_newer_change() {
        // Mark read while the count request is in flight: the answer is
        // dropped, and asked again once the write is answered.
        let mut o = Ledger::default();
        let asked = o.asked();
        o.changed();
        o.write_sent();
        assert_eq!(o.answered(asked), Answer::Drop);
        assert!(o.write_answered(), "the dropped answer is asked again after the write");
        let again = o.asked();
        assert_eq!(o.answered(again), Answer::Apply);

        // A request asked while a write is unanswered may predate the write.
        let mut o = Ledger::default();
        o.write_sent();
        let asked = o.asked();
        assert_eq!(o.answered(asked), Answer::Drop);
        assert!(o.write_answered());
        assert!(!o.write_answered(), "asked again once, not on every later write");

        // The stream pushed counts after the request left: they are newer.
        let mut o = Ledger::default();
        let asked = o.asked();
        assert!(o.pushed());
        assert_eq!(o.answered(asked), Answer::Drop);

        // A change here with no write pending (a settled card): ask again.
        let mut o = Ledger::default();
        let asked = o.asked();
        o.changed();
        assert_eq!(o.answered(asked), Answer::AskAgain);

        // Pushed counts during a write may predate it: dropped, asked again.
        let mut o = Ledger::default();
        o.write_sent();
        assert!(!o.pushed());
        assert!(o.write_answered());
        assert!(o.pushed(), "pushed counts after the write are shown");

        // Writes answering with the whole state: shown only when alone.
        let mut o = Ledger::default();
        let asked = o.sent(true);
        assert_eq!(o.state_answered(true, asked), (true, false));
        o.sent(true);
        o.sent(true);
        assert_eq!(o.state_answered(true, asked), (false, false), "another may answer later, older");
        assert_eq!(o.state_answered(true, asked), (true, true), "shown, and asked again");
        let read = o.sent(false);
        assert_eq!(o.state_answered(false, read), (true, false));
        let read = o.sent(false);
        assert!(o.pushed());
        assert_eq!(o.state_answered(false, read), (false, false), "the pushed state is newer");

        // Two writes: asked again only when both are answered.
        let mut o = Ledger::default();
        o.write_sent();
        o.write_sent();
        assert!(!o.pushed());
        assert!(!o.write_answered());
        assert!(o.write_answered());
    }
}
