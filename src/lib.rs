//! The `<qontak-bell>` widget: a custom element whose open shadow root holds
//! a Leptos (CSR) app — the bell, its badge and the notification panel.
//!
//! `i18n` is plain Rust (its catalog checks run natively with `cargo test`);
//! everything that touches the browser is compiled for wasm only.

pub mod counts;
pub mod i18n;

#[cfg(target_arch = "wasm32")]
mod api;
#[cfg(target_arch = "wasm32")]
mod components;
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
mod wire;

pub use bell_protocol as protocol;
#[cfg(target_arch = "wasm32")]
pub use element::{BellHandle, mount};
