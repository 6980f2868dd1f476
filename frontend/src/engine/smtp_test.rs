//! `POST /api/smtp-test` (issue 12): the SMTP submission tester runs on the companion server
//! (a browser cannot open SMTP connections); its answer is the core's [`SubmissionReport`],
//! the same value `inboxlens smtp-test --json` prints.

use super::UiError;
use super::companion::{read_json, send};
use inboxlens_core::smtp::submission::SubmissionReport;
use serde::Serialize;

/// The route.
const PATH: &str = "/api/smtp-test";
/// Longest the test may take: a silent port costs the server's greeting deadline, a login
/// after failed ones can be delayed by the server (Dovecot: up to 15 s), and up to three logins
/// run one after the other.
const DEADLINE_MS: u32 = 180_000;

/// What the form sends. The password is only in this request's body (never in the URL, never
/// stored by the page).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct SmtpTestRequest {
    /// The server.
    pub(crate) host: String,
    /// `auto` or a port number.
    pub(crate) port: String,
    /// `auto`, `implicit`, `starttls` or `none`.
    pub(crate) security: String,
    /// User name (empty: no login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<String>,
    /// Password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) password: Option<String>,
    /// Test send recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) send_to: Option<String>,
}

/// Runs the test on the companion server.
pub(crate) async fn run(req: &SmtpTestRequest) -> Result<SubmissionReport, UiError> {
    let body = serde_json::to_string(req).map_err(|e| UiError::new("The request could not be built", e.to_string()))?;
    let body = Some((wasm_bindgen::JsValue::from_str(&body), "application/json"));
    let (_, text) = send("POST", PATH, body, DEADLINE_MS).await?;
    read_json(PATH, &text)
}
