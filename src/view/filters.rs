//! The active tab's category combobox and the "Show unread only" switch.

use bell_protocol::Category;
use reactive_graph::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlInputElement, HtmlSelectElement};

use super::dom::{self, Teardown};
use super::refs::Shell;
use crate::intl::catalog;
use crate::state::Bell;

pub fn mount(bell: Bell, shell: &Shell, teardown: &mut Teardown) {
    let select: HtmlSelectElement = shell.category.clone().unchecked_into();
    let unread: HtmlInputElement = shell.unread_only.clone().unchecked_into();

    // The options are the active tab's categories, named in the active
    // language, with the active one selected.
    {
        let select = select.clone();
        dom::bind(move || {
            let catalog = catalog(bell.lang.get());
            select.set_text_content(None);
            for (value, id) in std::iter::once(("", "category-all".to_owned()))
                .chain(bell.tab.get().categories().iter().map(|c| (c.as_str(), format!("category-{}", c.as_str()))))
            {
                let option = dom::create("option");
                dom::set_attr(&option, "value", value);
                dom::set_text(&option, &catalog.text(&id));
                let _ = select.append_child(&option);
            }
            select.set_value(bell.category.get().map_or("", |c| c.as_str()));
        });
    }
    {
        let unread = unread.clone();
        dom::bind(move || unread.set_checked(bell.unread_only.get()));
    }

    teardown.on(&select.clone(), "change", move |_| {
        bell.category.set(Category::parse(&select.value()));
        bell.load_first_page();
    });
    teardown.on(&unread.clone(), "change", move |_| {
        bell.unread_only.set(unread.checked());
        bell.load_first_page();
    });
}
