//! Request body limits for the routes whose handlers read the body themselves: server
//! functions (`/rpc/...`) get the same limit as the API.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

use crate::api::error::ApiError;
use crate::api::MAX_REQUEST_BYTES;

/// Refuses a server-function call whose declared body is over the limit (413), and cuts off
/// one that sends more than it declared or declared nothing.
pub async fn limit_rpc_body(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/rpc/") {
        return next.run(request).await;
    }
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_REQUEST_BYTES as u64) {
        return ApiError::TooLarge(MAX_REQUEST_BYTES).into_response();
    }
    let (parts, body) = request.into_parts();
    let limited = Body::new(Limited::new(body, MAX_REQUEST_BYTES));
    next.run(Request::from_parts(parts, limited)).await
}
