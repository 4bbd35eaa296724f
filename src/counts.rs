//! Unread counts as the widget keeps them: fixed arrays by tab and by a
//! category's place in its tab, so no map type is compiled into the wasm
//! (the wire's `UnreadCounts` uses `BTreeMap`s; `wire::counts` reads it).

use bell_protocol::{Category, Tab};

/// The most categories a tab has (General's five).
const MOST: usize = 5;

/// Only the per-category counts are kept; tab and overall totals are their sums.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    categories: [[u64; MOST]; 3],
}

fn slot(tab: Tab, category: Category) -> Option<(usize, usize)> {
    let t = Tab::ALL.iter().position(|x| *x == tab)?;
    let c = tab.categories().iter().position(|x| *x == category)?;
    Some((t, c))
}

impl Counts {
    /// Adds `n` unread to a tab's category (ignores categories not of the tab).
    pub fn add(&mut self, tab: Tab, category: Category, n: u64) {
        if let Some((t, c)) = slot(tab, category) {
            self.categories[t][c] += n;
        }
    }

    /// One fewer unread (one was marked read here), never below zero.
    pub fn take_one(&mut self, tab: Tab, category: Category) {
        if let Some((t, c)) = slot(tab, category)
            && self.categories[t][c] > 0
        {
            self.categories[t][c] -= 1;
        }
    }

    pub fn total(&self) -> u64 {
        self.categories.iter().flatten().sum()
    }

    pub fn tab(&self, tab: Tab) -> u64 {
        let t = Tab::ALL.iter().position(|x| *x == tab).unwrap_or_default();
        self.categories[t].iter().sum()
    }

    pub fn category(&self, tab: Tab, category: Category) -> u64 {
        slot(tab, category).map_or(0, |(t, c)| self.categories[t][c])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tab_fits_and_totals_follow() {
        assert!(Tab::ALL.iter().all(|t| t.categories().len() <= MOST));
        let mut c = Counts::default();
        c.add(Tab::General, Category::Assignment, 2);
        c.add(Tab::Inbox, Category::Assignment, 3);
        c.add(Tab::Inbox, Category::Deal, 7); // not an Inbox category: ignored
        assert_eq!((c.total(), c.tab(Tab::General), c.tab(Tab::Inbox)), (5, 2, 3));
        assert_eq!(c.category(Tab::Inbox, Category::Assignment), 3, "assignment counts per tab");
        c.take_one(Tab::General, Category::Assignment);
        c.take_one(Tab::Approval, Category::Deal); // none: stays at zero
        assert_eq!((c.total(), c.tab(Tab::General), c.category(Tab::Approval, Category::Deal)), (4, 1, 0));
    }
}
