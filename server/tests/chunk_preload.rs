//! Issue 21, goal 3: every page names its group's wasm chunks in its `<head>`, on every
//! request, however many worker threads its rendering crossed. Leptos's own links were left
//! out of about half of the pages that waited for the database (`app::chunk_preload`).

mod support;

use std::time::Duration;

use app::chunk_preload::ChunkManifest;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sqlx::PgPool;
use tower::ServiceExt;

/// A manifest as cargo-leptos writes it for the four page groups.
const MANIFEST: &str = r#"{
    "writing_page_11": ["chunk_11", "split_writing_page_11"],
    "listing_page_22": ["chunk_22", "split_listing_page_22"],
    "detail_page_33": ["chunk_33", "split_detail_page_33"],
    "admin_page_44": ["chunk_44", "split_admin_page_44"]
}"#;

#[sqlx::test(migrations = "../migrations")]
async fn every_page_names_its_own_chunks_on_every_request(pool: PgPool) {
    let body = serde_json::json!({"name": "nightly", "schedule": {"cron": "0 3 * * *"},
                                  "target": {"url": "https://hooks.test/x"}});
    let id = support::create_schedule(&pool, body).await;

    let mut state = support::state(pool.clone(), "hooks.test", None);
    state.chunks = Some(ChunkManifest::parse("/pkg", MANIFEST).expect("a manifest"));
    let router = server::app(state);

    let pages = [
        (format!("/schedules/{id}"), "detail_page_33"),
        ("/".to_owned(), "listing_page_22"),
        ("/timeline".to_owned(), "listing_page_22"),
        ("/dead-letters".to_owned(), "listing_page_22"),
        ("/schedules/new".to_owned(), "writing_page_11"),
        (format!("/schedules/{id}/edit"), "writing_page_11"),
        ("/import".to_owned(), "writing_page_11"),
        ("/executors".to_owned(), "admin_page_44"),
        ("/audit".to_owned(), "admin_page_44"),
    ];
    let mut tasks = Vec::new();
    for worker in 0..4 {
        let (router, pages) = (router.clone(), pages.clone());
        tasks.push(async move {
            for round in 0..10 {
                for (path, group) in &pages {
                    let request = Request::get(path.as_str()).body(Body::empty()).unwrap();
                    let response = tokio::time::timeout(
                        Duration::from_secs(20),
                        router.clone().oneshot(request),
                    )
                    .await
                    .expect("the page renders")
                    .unwrap();
                    assert_eq!(response.status(), StatusCode::OK, "{path}");
                    let html = support::body_text(response).await;
                    let head = &html[..html.find("</head>").expect("a head")];
                    let chunk = &group[group.len() - 2..];
                    let links = preload_links(head);
                    let mut expected = vec![
                        format!("/pkg/chunk_{chunk}.wasm"),
                        format!("/pkg/split_{group}.wasm"),
                    ];
                    expected.sort();
                    assert_eq!(
                        links, expected,
                        "worker {worker}, round {round}: {path} preloads its own group's \
                         chunks, and only those: {head}"
                    );
                    assert!(
                        links_with_rel(head, "modulepreload")
                            .contains(&"/pkg/__wasm_split.______________________.js".to_owned()),
                        "{path} preloads the chunk loader: {head}"
                    );
                }
            }
        });
    }
    support::on_worker_threads(4, tasks).await;
}

/// The wasm files `head` preloads but the main module, sorted.
fn preload_links(head: &str) -> Vec<String> {
    let mut links: Vec<String> = links_with_rel(head, "preload")
        .into_iter()
        .filter(|href| href.ends_with(".wasm") && href != "/pkg/scheduleman.wasm")
        .collect();
    links.sort();
    links
}

/// The `href` of every `<link rel="{rel}">` in `head`, whatever the attributes' order.
fn links_with_rel(head: &str, rel: &str) -> Vec<String> {
    let rel = format!("rel=\"{rel}\"");
    head.split("<link ")
        .skip(1)
        .map(|tag| &tag[..tag.find('>').unwrap_or(tag.len())])
        .filter(|tag| tag.contains(&rel))
        .filter_map(|tag| tag.split("href=\"").nth(1)?.split('"').next())
        .map(str::to_owned)
        .collect()
}
