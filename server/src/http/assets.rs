//! The web app, embedded in the binary (one file to deploy). The Trunk output `dist/` at the
//! repository root is compiled in (release builds; debug builds read it from disk). When it
//! was missing at build time, `/` explains how to build it instead of failing.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

/// The Trunk build output.
#[derive(RustEmbed)]
#[folder = "../dist/"]
#[allow_missing = true]
pub(crate) struct WebApp;

/// Shown at `/` when no web app was embedded.
pub(crate) const NO_WEBAPP_HTML: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inboxlens companion server</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem">
<h1>Inboxlens companion server</h1>
<p>The API is running, but this binary was built without the web app.</p>
<p>To embed it, build the web app first, then rebuild the server:</p>
<pre>trunk build --release --offline   # writes dist/ at the repository root
cargo build --release -p inboxlens</pre>
<p>API: <a href="/api/capabilities">/api/capabilities</a>, <a href="/api/openapi.json">/api/openapi.json</a>,
DoH: <code>/dns-query</code>, health: <a href="/healthz">/healthz</a>.</p>
</body></html>
"#;

/// Extensions of files Trunk emits: a request for a missing one is a 404, not an app route.
const ASSET_EXTENSIONS: [&str; 16] = [
    "js", "mjs", "css", "wasm", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "woff", "woff2", "txt",
    "json",
];

/// Whether an `index.html` was embedded.
pub(crate) fn has_webapp() -> bool {
    WebApp::get("index.html").is_some()
}

/// Serves an embedded file, falling back to `index.html` for client-side routes.
pub(crate) async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    if let Some(file) = WebApp::get(path) {
        return file_response(path, file.data.into_owned());
    }
    // A missing file with a static-asset extension is a 404; anything else (including
    // `/domain/example.com`) is a client-side route of the app.
    let ext = path.rsplit('/').next().and_then(|last| last.rsplit_once('.')).map(|(_, e)| e.to_ascii_lowercase());
    if ext.as_deref().is_some_and(|e| ASSET_EXTENSIONS.contains(&e)) && path != "index.html" {
        return (
            StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"error": format!("no such file: /{path}"), "status": 404})),
        )
            .into_response();
    }
    match WebApp::get("index.html") {
        Some(index) => file_response("index.html", index.data.into_owned()),
        None => {
            let mut r = Html(NO_WEBAPP_HTML).into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
    }
}

fn file_response(path: &str, data: Vec<u8>) -> Response {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut resp = Response::new(Body::from(data));
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    // Trunk hashes asset names; index.html must always be revalidated.
    let cache = if path == "index.html" { "no-cache" } else { "public, max-age=31536000, immutable" };
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}
