//! The browser entry point: hydrates the server-rendered page, once the wasm chunk of its
//! (lazy) route has arrived.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_lazy(app::App);
}

/// Room for wasm-split in a split build's read-only data. wasm-split (inside cargo-leptos
/// 0.3) moves each chunk's constants out of the main module; when the moved data, re-aligned,
/// comes out even a few bytes longer than the linker's `.rodata`, it warns "Overlong segment"
/// and keeps the whole segment in the main module: a megabyte, mostly chrono-tz's zone tables
/// that only the page chunks use (issue 21: 245 bytes over; main module 394 KB gzip -9, 205 KB
/// with this room). The linker keeps this static (`#[used]`) but no code refers to it, so
/// wasm-split places it in no module and its bytes become the room.
#[cfg(feature = "split")]
#[used]
static SPLIT_DATA_ROOM: [u8; 16 * 1024] = [0xA5; 16 * 1024];
