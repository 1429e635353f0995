//! Parts of a page that only show data, rendered to HTML by the server function that reads
//! the data (issue 21): the browser receives the markup, so its wasm carries neither the
//! part's view code nor a decoder for its data, and the part reads the same with or without
//! JavaScript. What the browser still does to such a part, [`show_in_browser`] does: each
//! `<time datetime>` in it is read on the viewer's clock, as [`LocalTime`] reads it.
//!
//! A page embeds its resources' data so the browser can hydrate without asking again; the
//! markup of a part is already in the page, so the page data codec
//! ([`crate::page_data::PagePostcard`]) embeds it empty, and hydration keeps what the server
//! wrote (an `inner_html` hydrating from the server leaves the element's children as they
//! are).
//!
//! [`LocalTime`]: crate::components::time::LocalTime

use std::cell::Cell;

use leptos::prelude::*;
use serde::{Deserialize, Serialize, Serializer};

/// Markup a server function rendered from a view. Empty in a page's embedded data: the
/// element that shows it already holds it (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct ServerHtml(String);

impl ServerHtml {
    /// `view` rendered to HTML, its signals and effects dropped afterwards. Text and
    /// attributes are escaped as in any server-rendered page.
    #[cfg(feature = "ssr")]
    pub fn render<V: IntoView>(view: impl FnOnce() -> V) -> Self {
        let owner = Owner::new();
        let html = owner.with(|| view().to_html());
        owner.cleanup();
        Self(html)
    }

    /// The markup (empty when it came with the page as served).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

thread_local! {
    /// Set while a page's embedded data is encoded: parts are written empty there.
    static EMBEDDING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `encode` (the page data codec's, [`crate::page_data::PagePostcard`]) with every
/// [`ServerHtml`] written empty: the page already holds the markup.
pub(crate) fn leaving_markup_out<T>(encode: impl FnOnce() -> T) -> T {
    /// Clears the flag however `encode` ends.
    struct Embedding;
    impl Drop for Embedding {
        fn drop(&mut self) {
            EMBEDDING.with(|embedding| embedding.set(false));
        }
    }
    EMBEDDING.with(|embedding| embedding.set(true));
    let _embedding = Embedding;
    encode()
}

impl Serialize for ServerHtml {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if EMBEDDING.with(Cell::get) {
            serializer.serialize_str("")
        } else {
            serializer.serialize_str(&self.0)
        }
    }
}

/// The markup in a `<div>`, its times read on the viewer's clock in the browser.
#[component]
pub fn ServerPart(html: ServerHtml) -> impl IntoView {
    view! { <div inner_html=html.0 use:show_in_browser /> }
}

/// What the browser adds to a part the server rendered: each `<time datetime>` in it shows
/// the viewer's local time (its title keeps the server's reading), and each
/// `<span class="countdown" data-at="…">` (milliseconds since the epoch) counts down on the
/// page's clock. Runs once the markup is in place: when the part is hydrated and whenever
/// new markup replaces it.
pub fn show_in_browser(part: leptos::web_sys::Element) {
    #[cfg(feature = "hydrate")]
    {
        use chrono::DateTime;

        use crate::components::time::{local_text, now, relative};

        let times = part.get_elements_by_tag_name("time");
        for index in 0..times.length() {
            let Some(time) = times.item(index) else {
                continue;
            };
            let millis = time
                .get_attribute("datetime")
                .map(|datetime| js_sys::Date::parse(&datetime))
                .filter(|millis| millis.is_finite());
            if let Some(at) = millis.and_then(|ms| DateTime::from_timestamp_millis(ms as i64)) {
                time.set_text_content(Some(&local_text(at)));
            }
        }
        let spans = part.get_elements_by_class_name("countdown");
        let countdowns: Vec<_> = (0..spans.length())
            .filter_map(|index| spans.item(index))
            .filter_map(|span| {
                let at = span.get_attribute("data-at")?.parse::<i64>().ok()?;
                Some((span, DateTime::from_timestamp_millis(at)?))
            })
            .collect();
        if !countdowns.is_empty() {
            // Owned by the part's view: dropped with it when new markup comes.
            Effect::new(move |_| {
                let now = now();
                for (span, at) in &countdowns {
                    span.set_text_content(Some(&relative(*at - now)));
                }
            });
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = part;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_travels_whole_and_is_embedded_empty() {
        let part = (ServerHtml("<p>one &amp; two</p>".into()), Some(7_i64));
        let answered: (ServerHtml, Option<i64>) =
            postcard::from_bytes(&postcard::to_allocvec(&part).unwrap()).unwrap();
        assert_eq!(answered, part);
        use crate::page_data::PagePostcard;
        use leptos::server::codee::{Decoder, Encoder};
        let embedded: (ServerHtml, Option<i64>) =
            PagePostcard::decode(&PagePostcard::encode(&part).unwrap()).unwrap();
        assert_eq!(embedded, (ServerHtml::default(), Some(7)));
        // And answering again after embedding writes the markup again.
        let again: (ServerHtml, Option<i64>) =
            postcard::from_bytes(&postcard::to_allocvec(&part).unwrap()).unwrap();
        assert_eq!(again.0.as_str(), "<p>one &amp; two</p>");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_rendered_part_escapes_what_it_shows() {
        let name = "<script>alert(1)</script>".to_owned();
        let html = ServerHtml::render(move || view! { <p title=name.clone()>{name.clone()}</p> });
        assert!(!html.as_str().contains("<script>"), "{}", html.as_str());
        assert!(
            html.as_str().contains("&lt;script&gt;"),
            "{}",
            html.as_str()
        );
    }
}
