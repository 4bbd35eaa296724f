//! Browser pop-ups in the panel: asking for permission only here, on the
//! user's click (never on page load); how to re-enable them when blocked;
//! and the notification-sound setting once they are on.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::popups;
use crate::state::Bell;

#[component]
pub fn PopupSettings(
    /// The widget's state.
    bell: Bell,
) -> impl IntoView {
    let permission = RwSignal::new(popups::permission());
    let sound = RwSignal::new(true);
    let api = bell.api.get_untracked();
    spawn_local(async move {
        if let Ok(s) = api.settings().await {
            sound.try_set(s.sound);
        }
    });
    let ask = move |_| {
        spawn_local(async move {
            let answer = popups::request_permission().await;
            permission.try_set(answer);
        })
    };
    let toggle_sound = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        sound.set(on);
        let api = bell.api.get_untracked();
        spawn_local(async move {
            if api.set_sound(on).await.is_err() {
                sound.try_set(!on);
            }
        });
    };
    view! {
        <div class="popups">
            {move || match permission.get().as_str() {
                "default" => view! {
                    <button type="button" class="popups__enable" on:click=ask>{super::label(bell, "popups-enable")}</button>
                }
                .into_any(),
                "denied" => view! { <p class="popups__hint" role="note">{super::label(bell, "popups-blocked")}</p> }.into_any(),
                "granted" => view! {
                    <label class="filters__switch">
                        <input type="checkbox" role="switch" prop:checked=move || sound.get() on:change=toggle_sound />
                        <span class="filters__track" aria-hidden="true"></span>
                        <span>{super::label(bell, "popups-sound")}</span>
                    </label>
                }
                .into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}
