//! Wire types shared by the `<qontak-bell>` widget and `bell-server`.
//!
//! Both sides compile against these types, so the HTTP contract of
//! `shared/API.md` is checked by the compiler. serde only: this crate builds
//! for wasm and native alike. The `openapi` feature adds schema derives for
//! the server's generated OpenAPI document.

pub mod approval;
pub mod counts;
pub mod error;
pub mod event;
pub mod kind;
pub mod notification;
pub mod preferences;
pub mod query;
pub mod stream;

pub use approval::{
    Approval, ApprovalAnswer, ApprovalChange, ApprovalState, Decider, Decision, DecisionPage, DecisionRecord,
    DecisionRequest, DecisionSource, Outcome, Resolution,
};
pub use counts::{TabCounts, UnreadCounts};
pub use error::{ErrorBody, ErrorDetail};
pub use event::{IngestOutcome, NewEvent};
pub use kind::{ArgSpec, ArgType, Category, KINDS, KindSpec, Tab};
pub use notification::{Actor, Notification};
pub use preferences::{Channel, Day, Preferences, PreferencesUpdate, QuietHours, Switches, SwitchesUpdate, Topic};
pub use query::{Page, ReadAll, ReadAllOutcome, Settings};
pub use stream::{ReadChange, StreamPosition};
