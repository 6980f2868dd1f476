//! The one error shape of the API: `{"error": "<a sentence a person understands>"}` with the
//! right HTTP status (and `Retry-After` for 429/503).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An API error.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Message for a person.
    pub message: String,
    /// Seconds until a retry makes sense (429, 503).
    pub retry_after: Option<u64>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status and message.
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into(), retry_after: None }
    }
    /// 400.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 429 with Retry-After.
    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: format!("too many requests from your address; try again in {retry_after} s"),
            retry_after: Some(retry_after),
        }
    }
    /// 503 when a concurrency cap stays full.
    pub(crate) fn busy(what: &str) -> Self {
        ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!("the server is busy with other {what} requests; try again in a few seconds"),
            retry_after: Some(5),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body { error: &self.message, status: self.status.as_u16(), retry_after: self.retry_after };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

/// Maps an axum body rejection (too large, unreadable) to a JSON error.
pub(crate) fn body_rejection(r: axum::extract::rejection::BytesRejection, limit: usize) -> ApiError {
    let status = r.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(status, format!("the request body is larger than the limit of {limit} bytes"))
    } else {
        ApiError::new(status, format!("could not read the request body: {}", r.body_text()))
    }
}
