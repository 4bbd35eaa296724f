//! The `<qontak-bell>` widget.
pub use bell_protocol as protocol;
