//! Inline SVG icons (24×24 outline), decorative: always `aria-hidden`.

use bell_protocol::Category;
use leptos::prelude::*;

fn svg(path: &'static str) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
            <path d=path />
        </svg>
    }
}

pub fn bell() -> impl IntoView {
    svg("M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9M10.3 21a1.94 1.94 0 0 0 3.4 0")
}

pub fn check() -> impl IntoView {
    svg("M20 6 9 17l-5-5")
}

pub fn check_all() -> impl IntoView {
    svg("M18 6 7 17l-5-5M22 10l-7.5 7.5L13 16")
}

/// One icon per category, so a glance tells what kind of news it is.
pub fn category(c: Category) -> impl IntoView {
    svg(match c {
        Category::Reminder => "M12 6v6l4 2M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20",
        Category::Mention => "M16 12a4 4 0 1 1-8 0 4 4 0 0 1 8 0v1.5a2.5 2.5 0 0 0 5 0V12a9 9 0 1 0-3.5 7.1",
        Category::Assignment => {
            "M16 21v-2a4 4 0 0 0-4-4H6a4 4 0 0 0-4 4v2M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8M19 8v6M22 11h-6"
        }
        Category::Update => "M21 12a9 9 0 0 1-15 6.7L3 16M3 12a9 9 0 0 1 15-6.7L21 8M21 3v5h-5M3 21v-5h5",
        Category::DownloadUpload => "M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3",
        Category::Resolved => "M22 11.1V12a10 10 0 1 1-5.9-9.1M22 4 12 14l-3-3",
        Category::Contact => "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20M4.9 4.9l14.2 14.2",
        Category::Deal => "M12 2v20M17 5H9.5a3.5 3.5 0 0 0 0 7h5a3.5 3.5 0 0 1 0 7H6",
        Category::Expense => "M2 7h20v12H2zM16 13h2M2 11h20",
    })
}
