//! A field bound to its signal: what typing or choosing in it does, and whether an option is
//! the chosen one. (What a field shows needs no function: a signal is a property's value,
//! `prop:value=signal`.)
//!
//! These are functions rather than closures written at each field because a closure's type is
//! its own, and every type a view holds is compiled into the page's wasm once more; one
//! function makes one type for every field it binds (issue 21: the form's weight).

use leptos::prelude::*;

/// What typing in (or choosing from) a field does: its signal takes the field's value.
pub fn takes(text: RwSignal<String>) -> impl Fn(leptos::ev::Event) + Copy + Send + Sync + 'static {
    move |event| text.set(event_target_value(&event))
}

/// What checking or unchecking a box does: its signal takes whether it is checked.
pub fn ticks(flag: RwSignal<bool>) -> impl Fn(leptos::ev::Event) + Copy + Send + Sync + 'static {
    move |event| flag.set(event_target_checked(&event))
}

/// Whether an option is the one `choice` holds.
pub fn is_chosen<T: PartialEq + Send + Sync + 'static>(
    choice: RwSignal<T>,
    option: T,
) -> impl Fn() -> bool + Send + Sync + 'static {
    move || choice.with(|chosen| *chosen == option)
}

/// What choosing an option does: `choice` takes what `read` makes of its value.
pub fn chooses<T: Send + Sync + 'static>(
    choice: RwSignal<T>,
    read: fn(&str) -> T,
) -> impl Fn(leptos::ev::Event) + Copy + Send + Sync + 'static {
    move |event| choice.set(read(&event_target_value(&event)))
}
