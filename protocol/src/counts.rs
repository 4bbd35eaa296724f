//! Unread counts for the badge and the tab labels.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::kind::{Category, Tab};

/// Every tab and every category is present, zeros included.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadCounts {
    pub total: u64,
    pub tabs: BTreeMap<Tab, TabCounts>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TabCounts {
    pub total: u64,
    pub categories: BTreeMap<Category, u64>,
}

impl UnreadCounts {
    /// All zeros, with every key present.
    pub fn zero() -> Self {
        let tabs = Tab::ALL
            .into_iter()
            .map(|t| {
                let categories = t.categories().iter().map(|c| (*c, 0)).collect();
                (t, TabCounts { total: 0, categories })
            })
            .collect();
        UnreadCounts { total: 0, tabs }
    }

    /// Adds `n` unread to a tab's category (ignores categories not of the tab).
    pub fn add(&mut self, tab: Tab, category: Category, n: u64) {
        if let Some(tc) = self.tabs.get_mut(&tab)
            && let Some(c) = tc.categories.get_mut(&category)
        {
            *c += n;
            tc.total += n;
            self.total += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn zero_counts_name_every_tab_and_category() {
        let mut c = UnreadCounts::zero();
        c.add(Tab::Inbox, Category::Assignment, 2);
        c.add(Tab::Inbox, Category::Deal, 5); // not an inbox category: ignored
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["total"], json!(2));
        assert_eq!(
            v["tabs"]["inbox"],
            json!({"total": 2, "categories": {"assignment": 2, "resolved": 0, "contact": 0}})
        );
        assert_eq!(
            v["tabs"]["general"]["categories"],
            json!({"reminder": 0, "mention": 0, "assignment": 0, "update": 0, "download_upload": 0})
        );
        assert_eq!(v["tabs"]["approval"]["categories"], json!({"deal": 0, "expense": 0}));
    }
}
