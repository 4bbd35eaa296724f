//! Browser pop-ups in the panel: asking for permission only here, on the
//! user's click (never on page load); how to re-enable them when blocked;
//! and the notification-sound switch once they are on (the preferences'
//! `sound`, API.md §7).

use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use reactive_graph::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use crate::wire;

use super::dom::{self, Teardown};
use super::refs::Shell;
use crate::popups;
use crate::state::Bell;

pub fn mount(bell: Bell, shell: &Shell, teardown: &mut Teardown) {
    let (enable, blocked, sound_switch) =
        (shell.popups_enable.clone(), shell.popups_blocked.clone(), shell.sound_switch.clone());
    let sound_input: HtmlInputElement = shell.sound.clone().unchecked_into();

    let permission = RwSignal::new(popups::permission());
    bell.sync_prefs(None, None);
    {
        let (enable, sound_input) = (enable.clone(), sound_input.clone());
        dom::bind(move || {
            let permission = permission.get();
            dom::flag(&enable, "hidden", permission != "default");
            dom::flag(&blocked, "hidden", permission != "denied");
            dom::flag(&sound_switch, "hidden", permission != "granted");
            let doc = bell.prefs.get();
            sound_input.set_checked(doc.as_deref().and_then(wire::parse).is_none_or(|d| wire::switch(&d, "", "sound")));
        });
    }

    teardown.on(&enable, "click", move |_| {
        spawn_local(async move {
            let answer = popups::request_permission().await;
            permission.try_set(answer);
        })
    });
    teardown.on(&sound_input.clone(), "change", move |_| {
        bell.sync_prefs(Some(wire::object(&[("sound", sound_input.checked().into())])), None);
    });
}
