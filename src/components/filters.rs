//! The active tab's category combobox and the "Show unread only" switch.

use bell_protocol::Category;
use leptos::prelude::*;

use crate::intl::catalog;
use crate::state::Bell;

#[component]
pub fn Filters(
    /// The widget's state.
    bell: Bell,
) -> impl IntoView {
    let t = move |id: &str| catalog(bell.lang.get()).text(id, None);
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
                    aria-label=move || t("category-label")
                    prop:value=move || bell.category.get().map_or("", |c| c.as_str())
                    on:change=on_category
                >
                    <option value="">{move || t("category-all")}</option>
                    {move || {
                        bell.tab
                            .get()
                            .categories()
                            .iter()
                            .map(|c| {
                                let id = format!("category-{}", c.as_str());
                                let selected = move || bell.category.get() == Some(*c);
                                view! {
                                    <option value=c.as_str() selected=selected>
                                        {move || t(&id)}
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
                <span>{move || t("unread-only")}</span>
            </label>
        </div>
    }
}
