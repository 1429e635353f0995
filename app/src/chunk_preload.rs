//! The server names a page's wasm chunks in its `<head>`, so the browser fetches them with
//! the main module instead of after it (a round trip less on a slow connection).
//!
//! Leptos 0.8 does this itself for lazy functions, but it looks its manifest up through the
//! thread's current owner after the page has rendered: when a request's rendering resumed
//! on another worker thread (every `SsrMode::Async` page that waited for the database), the
//! lookup found nothing and the links were left out, about half of the time. Here the server
//! reads the manifest once (a server built with `--features split`) and hands it to every
//! page as context, and each page group adds its own links while its route renders
//! (`app/src/routes.rs`), on whatever thread.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos_meta::Link;

/// The loader the chunks are fetched through (cargo-leptos's name without hashed files).
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";

/// A split build's manifest and where its files are served.
#[derive(Clone, Debug)]
pub struct ChunkManifest {
    /// The URL path of the package directory (`/pkg`).
    pkg_url: Arc<str>,
    /// Lazy function's unique name → its chunk files.
    chunks: Arc<HashMap<String, Vec<String>>>,
}

impl ChunkManifest {
    /// What cargo-leptos writes beside the chunks: each lazy function's unique name
    /// (`{name}_{hash}`) and the chunk files (without `.wasm`) it needs, in loading order.
    pub const FILE_NAME: &str = "__wasm_split_manifest.json";

    /// Reads a manifest's text; `None` if it is not one (the links are an optimisation: a
    /// missing or unreadable manifest leaves them out, as a build without `--split` has none).
    pub fn parse(pkg_url: &str, text: &str) -> Option<Self> {
        let chunks = serde_json::from_str(text).ok()?;
        Some(Self {
            pkg_url: pkg_url.into(),
            chunks: Arc::new(chunks),
        })
    }

    /// The chunk files the lazy function `name` needs (`#[lazy] fn name`, whose manifest key
    /// is `name` followed by `_` and the macro's hash), or none.
    pub fn chunks_of(&self, name: &str) -> &[String] {
        self.chunks
            .iter()
            .find(|(key, _)| {
                key.strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix('_'))
                    .is_some_and(|hash| {
                        !hash.is_empty() && hash.bytes().all(|b| b.is_ascii_digit())
                    })
            })
            .map(|(_, chunks)| chunks.as_slice())
            .unwrap_or_default()
    }

    /// Reads the site's manifest (`{site_root}/{site_pkg_dir}`); `None` without one.
    pub fn read(options: &LeptosOptions) -> Option<Self> {
        let path = std::path::Path::new(options.site_root.as_ref())
            .join(options.site_pkg_dir.as_ref())
            .join(Self::FILE_NAME);
        let text = std::fs::read_to_string(path).ok()?;
        Self::parse(&format!("/{}", options.site_pkg_dir), &text)
    }
}

/// Adds preload links for the chunks of the lazy function `name` to the page's `<head>`, if
/// the server was given a manifest.
pub fn preload_chunks_of(name: &str) {
    let Some(manifest) = use_context::<ChunkManifest>() else {
        return;
    };
    let chunks = manifest.chunks_of(name);
    if chunks.is_empty() {
        return;
    }
    let pkg = &manifest.pkg_url;
    // `to_html` on a meta component registers it with the head instead of rendering it.
    for chunk in chunks {
        _ = view! {
            <Link
                rel="preload"
                href=format!("{pkg}/{chunk}.wasm")
                as_="fetch"
                type_="application/wasm"
                crossorigin=""
            />
        }
        .to_html();
    }
    _ = view! { <Link rel="modulepreload" href=format!("{pkg}/{SPLIT_LOADER}") crossorigin="" /> }
        .to_html();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_finds_its_own_chunks_and_no_other_groups() {
        let manifest = ChunkManifest::parse(
            "/pkg",
            r#"{
                "detail_page_8053953767810698352": ["chunk_5", "split_detail_page_8053953767810698352"],
                "detail_page_extra_1": ["chunk_9"],
                "listing_page_49": ["chunk_6", "split_listing_page_49"]
            }"#,
        )
        .expect("a manifest");
        assert_eq!(
            manifest.chunks_of("detail_page"),
            ["chunk_5", "split_detail_page_8053953767810698352"]
        );
        assert_eq!(
            manifest.chunks_of("listing_page"),
            ["chunk_6", "split_listing_page_49"]
        );
        assert!(manifest.chunks_of("admin_page").is_empty());
        assert!(manifest.chunks_of("detail").is_empty());
        assert!(ChunkManifest::parse("/pkg", "not json").is_none());
    }
}
