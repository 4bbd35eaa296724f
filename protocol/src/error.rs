//! The body of every 4xx/5xx answer (API.md §3).

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable snake_case code, e.g. `missing_field`.
    pub code: String,
    /// A sentence for the developer reading it.
    pub message: String,
    /// The offending field as a dotted path (`args.deal_name`, `recipients.1`), if any.
    pub field: Option<String>,
}
