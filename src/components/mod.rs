//! The widget's view, one component per file.

mod bell;
mod filters;
mod icons;
mod item;
mod list;
mod tabs;

pub use bell::BellRoot;
