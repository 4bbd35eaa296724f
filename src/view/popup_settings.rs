//! Browser pop-ups in the panel: asking for permission only here, on the
//! user's click (never on page load); how to re-enable them when blocked;
//! and the notification-sound setting once they are on.

use reactive_graph::prelude::*;
use reactive_graph::signal::RwSignal;
use reactive_graph::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

use super::dom::{self, Teardown};
use super::refs::Shell;
use crate::popups;
use crate::state::Bell;

pub fn mount(bell: Bell, shell: &Shell, teardown: &mut Teardown) {
    let (enable, blocked, sound_switch) =
        (shell.popups_enable.clone(), shell.popups_blocked.clone(), shell.sound_switch.clone());
    let sound_input: HtmlInputElement = shell.sound.clone().unchecked_into();

    let permission = RwSignal::new(popups::permission());
    let sound = RwSignal::new(true);
    let api = bell.api.get_untracked();
    spawn_local(async move {
        if let Ok(s) = api.settings().await {
            sound.try_set(s.sound);
        }
    });
    {
        let (enable, sound_input) = (enable.clone(), sound_input.clone());
        dom::bind(move || {
            let permission = permission.get();
            dom::flag(&enable, "hidden", permission != "default");
            dom::flag(&blocked, "hidden", permission != "denied");
            dom::flag(&sound_switch, "hidden", permission != "granted");
            sound_input.set_checked(sound.get());
        });
    }

    teardown.on(&enable, "click", move |_| {
        spawn_local(async move {
            let answer = popups::request_permission().await;
            permission.try_set(answer);
        })
    });
    teardown.on(&sound_input.clone(), "change", move |_| {
        let on = sound_input.checked();
        sound.set(on);
        let api = bell.api.get_untracked();
        spawn_local(async move {
            if api.set_sound(on).await.is_err() {
                sound.try_set(!on);
            }
        });
    });
}
