//! Who gets a pop-up or a push for a notification (SPEC §5), decided on the
//! server at ingestion from the user's devices and fresh presence reports,
//! and recorded per device so "why did I (not) get a pop-up?" has an answer.

use serde::{Deserialize, Serialize};

/// A registered device of a user (at most one per platform).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub device_id: String,
    pub platform: Platform,
    /// Which Qontak app a phone runs; `None` for a browser (it serves both).
    pub app: Option<App>,
    pub push_token: Option<String>,
}

/// A presence report still inside its TTL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    pub device_id: String,
    pub app: App,
    pub active: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Web,
    Android,
    Ios,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum App {
    Chat,
    Crm,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Browser,
    Push,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Web => "web",
            Platform::Android => "android",
            Platform::Ios => "ios",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        [Platform::Web, Platform::Android, Platform::Ios].into_iter().find(|p| p.as_str() == s)
    }
}

impl App {
    pub fn as_str(self) -> &'static str {
        match self {
            App::Chat => "chat",
            App::Crm => "crm",
        }
    }

    pub fn parse(s: &str) -> Option<App> {
        [App::Chat, App::Crm].into_iter().find(|a| a.as_str() == s)
    }
}

/// One device's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub device_id: String,
    pub platform: Platform,
    pub channel: Channel,
    pub sent: bool,
    pub reason: &'static str,
}

/// Routes one notification. `chat` is true for chat events (Inbox kinds and
/// incoming messages), false for CRM events (General and Approval).
pub fn route(chat: bool, devices: &[Device], presence: &[Presence]) -> Vec<Decision> {
    let active_on_chat =
        |device: &str| presence.iter().any(|p| p.device_id == device && p.app == App::Chat && p.active);
    devices
        .iter()
        .map(|d| {
            let channel = if d.platform == Platform::Web { Channel::Browser } else { Channel::Push };
            let (sent, reason) = match (d.platform, d.app) {
                (Platform::Android | Platform::Ios, Some(App::Crm)) if chat => {
                    (false, "CRM Mobile gets only CRM notifications")
                }
                (Platform::Android | Platform::Ios, Some(App::Chat)) if !chat => {
                    (false, "Chat Mobile gets only chat notifications")
                }
                (Platform::Android | Platform::Ios, None) => (false, "the phone has not said which app it runs"),
                _ if chat && active_on_chat(&d.device_id) => (false, "the user is active on chat on this device"),
                _ if channel == Channel::Push && d.push_token.is_none() => (false, "no push token registered"),
                _ if chat => (true, "the user is not active on chat on this device"),
                _ => (true, "CRM notifications always go to web and CRM Mobile"),
            };
            Decision { device_id: d.device_id.clone(), platform: d.platform, channel, sent, reason }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn web() -> Device {
        Device { device_id: "browser-1".into(), platform: Platform::Web, app: None, push_token: None }
    }
    fn phone(platform: Platform, app: App) -> Device {
        Device {
            device_id: format!("{}-{}", platform.as_str(), app.as_str()),
            platform,
            app: Some(app),
            push_token: Some("tok".into()),
        }
    }
    fn active(device: &str, app: App) -> Presence {
        Presence { device_id: device.into(), app, active: true }
    }
    fn sent(decisions: &[Decision]) -> Vec<(&str, bool)> {
        decisions.iter().map(|d| (d.device_id.as_str(), d.sent)).collect()
    }

    #[test]
    fn chat_events_skip_the_device_active_on_chat() {
        let devices = [web(), phone(Platform::Android, App::Chat)];
        // Active only on Chat Web → mobile push only.
        let d = route(true, &devices, &[active("browser-1", App::Chat)]);
        assert_eq!(sent(&d), [("browser-1", false), ("android-chat", true)]);
        assert_eq!(d[0].reason, "the user is active on chat on this device");
        // Active only on Chat Mobile → browser only.
        let d = route(true, &devices, &[active("android-chat", App::Chat)]);
        assert_eq!(sent(&d), [("browser-1", true), ("android-chat", false)]);
        // Active nowhere → both.
        assert_eq!(sent(&route(true, &devices, &[])), [("browser-1", true), ("android-chat", true)]);
        // Active on CRM in the browser is not active on chat.
        assert_eq!(
            sent(&route(true, &devices, &[active("browser-1", App::Crm)])),
            [("browser-1", true), ("android-chat", true)]
        );
        // An inactive report counts as not active.
        let idle = Presence { device_id: "browser-1".into(), app: App::Chat, active: false };
        assert_eq!(sent(&route(true, &devices, &[idle])), [("browser-1", true), ("android-chat", true)]);
    }

    #[test]
    fn crm_events_always_go_to_web_and_crm_mobile_only() {
        let devices = [web(), phone(Platform::Ios, App::Crm), phone(Platform::Android, App::Chat)];
        let everywhere = [active("browser-1", App::Chat), active("browser-1", App::Crm), active("ios-crm", App::Crm)];
        let d = route(false, &devices, &everywhere);
        assert_eq!(sent(&d), [("browser-1", true), ("ios-crm", true), ("android-chat", false)]);
        assert_eq!(d[2].reason, "Chat Mobile gets only chat notifications");
        assert_eq!((d[0].channel, d[1].channel), (Channel::Browser, Channel::Push));
    }

    #[test]
    fn chat_never_goes_to_crm_mobile_and_push_needs_a_token() {
        let mut crm = phone(Platform::Ios, App::Crm);
        assert_eq!(sent(&route(true, &[crm.clone()], &[])), [("ios-crm", false)]);
        crm.push_token = None;
        let d = route(false, &[crm], &[]);
        assert_eq!((d[0].sent, d[0].reason), (false, "no push token registered"));
    }
}
