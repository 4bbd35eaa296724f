//! The active tab's category combobox and the "Show unread only" switch.

use bell_protocol::Category;
use leptos::prelude::*;

use crate::state::Bell;

/// The catalog message naming a category.
fn category_message(c: Category) -> &'static str {
    match c {
        Category::Reminder => "category-reminder",
        Category::Mention => "category-mention",
        Category::Assignment => "category-assignment",
        Category::Update => "category-update",
        Category::DownloadUpload => "category-download_upload",
        Category::Resolved => "category-resolved",
        Category::Contact => "category-contact",
        Category::Deal => "category-deal",
        Category::Expense => "category-expense",
    }
}

#[component]
pub fn Filters(
    /// The widget's state.
    bell: Bell,
) -> impl IntoView {
    let on_category = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        bell.category.set(Category::parse(&value));
        bell.load_first_page();
    };
    let on_unread = move |ev: leptos::ev::Event| {
        bell.unread_only.set(event_target_checked(&ev));
        bell.load_first_page();
    };
    view! {
        <div class="filters">
            <label class="filters__category">
                <select
                    aria-label=super::label(bell, "category-label")
                    prop:value=move || bell.category.get().map_or("", |c| c.as_str())
                    on:change=on_category
                >
                    <option value="">{super::label(bell, "category-all")}</option>
                    {move || {
                        bell.tab
                            .get()
                            .categories()
                            .iter()
                            .map(|c| {
                                let selected = move || bell.category.get() == Some(*c);
                                view! {
                                    <option value=c.as_str() selected=selected>
                                        {super::label(bell, category_message(*c))}
                                    </option>
                                }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
            <label class="filters__switch">
                <input type="checkbox" role="switch" prop:checked=move || bell.unread_only.get() on:change=on_unread />
                <span class="filters__track" aria-hidden="true"></span>
                <span>{super::label(bell, "unread-only")}</span>
            </label>
        </div>
    }
}
