//! How a page's data reaches the browser: every resource is serialized into the page as JSON
//! and read back with the same JSON decoder the server functions' answers use, so the wasm
//! carries one decoder per type instead of two (issue 21). `clippy.toml` refuses
//! `Resource::new`, which would bring the second one back.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// JSON, decoded from bytes like a server function's answer (Leptos' default resource codec
/// decodes from `&str`: a second instantiation of every type's decoder).
#[derive(Debug, Clone, Copy)]
pub struct PageJson;

impl<T: Serialize> Encoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, serde_json::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for PageJson {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(value: &str) -> Result<T, serde_json::Error> {
        serde_json::from_slice(value.as_bytes())
    }
}

/// A resource of page data: loaded on the server, serialized into the page, read back by
/// the browser as it hydrates.
pub type PageData<T> = Resource<T, PageJson>;

/// A [`PageData`] resource: `fetcher` runs whenever `source` changes (`Resource::new` with
/// [`PageJson`]).
#[track_caller]
pub fn page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> PageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}
