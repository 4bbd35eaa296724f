//! The `<qontak-bell>` widget: a custom element whose open shadow root holds
//! the bell, its badge and the notification panel, kept up to date by
//! Leptos's reactive graph (`state` holds the signals, `view` the DOM).
//!
//! `counts`, `feed`, `order` and `i18n` are plain Rust (their tests run natively with
//! `cargo test`); everything that touches the browser is compiled for wasm only.

pub mod counts;
pub mod feed;
pub mod i18n;
pub mod order;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod element;
#[cfg(target_arch = "wasm32")]
mod intl;
#[cfg(target_arch = "wasm32")]
mod popups;
#[cfg(target_arch = "wasm32")]
mod presence;
#[cfg(target_arch = "wasm32")]
mod realtime;
#[cfg(target_arch = "wasm32")]
mod state;
#[cfg(target_arch = "wasm32")]
mod view;
#[cfg(target_arch = "wasm32")]
mod wire;

pub use bell_protocol as protocol;
#[cfg(target_arch = "wasm32")]
pub use element::{BellHandle, mount};
