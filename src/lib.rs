//! The `<qontak-bell>` widget: a custom element whose open shadow root holds
//! a Leptos (CSR) app — the bell, its badge and the notification panel.
//!
//! `i18n` is plain Rust (its catalog checks run natively with `cargo test`);
//! everything that touches the browser is compiled for wasm only.

pub mod i18n;

pub use bell_protocol as protocol;
