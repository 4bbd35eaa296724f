//! The OpenAPI document, generated from the handlers' annotations and the
//! protocol types, served at `/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Qontak Notification Center",
        description = "Ingestion, feed, counts and read state of the bell, approvals decided from it, and preferences per category and channel with quiet hours.",
        version = "1.2.0"
    ),
    modifiers(&Security),
    components(schemas(
        bell_protocol::Notification,
        bell_protocol::Actor,
        bell_protocol::ReadChange,
        bell_protocol::ApprovalChange,
        bell_protocol::DecisionRecord,
        bell_protocol::Switches,
        bell_protocol::SwitchesUpdate
    ))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "user_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        components.add_security_scheme(
            "service_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
