//! The inbound test address (`/api/inbound`): a fresh address, its report as the core's
//! [`InboundReport`] (the analyze report plus the SMTP session, blocklists and the domain
//! check), followed over server-sent events with polling as the fallback.

use super::UiError;
use super::companion::{read_json, send};
use futures::StreamExt;
use futures::future::Either;
use inboxlens_core::inbound::InboundReport;
use serde::Deserialize;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

/// Deadline of one request.
const STEP_DEADLINE_MS: u32 = 30_000;
/// Without an event for this long, the page asks once with a plain GET (a proxy may hold
/// events back); the stream stays open.
const SSE_RECHECK_MS: u32 = 20_000;
/// Poll interval when the event stream is not available.
const POLL_MS: u32 = 3_000;

/// `GET /api/inbound`: a fresh address.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct NewAddress {
    /// The token (the address's local part; also the report's key).
    pub(crate) token: String,
    /// `<token>@<domain>`.
    pub(crate) address: String,
    /// When the address and its report are deleted, unix seconds.
    pub(crate) expires_at: i64,
}

/// The 202 answer while no report is there.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub(crate) struct Waiting {
    /// A message arrived and is being analyzed.
    #[serde(default)]
    pub(crate) received: bool,
    /// The test address.
    #[serde(default)]
    pub(crate) address: Option<String>,
}

/// Where a test address stands.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum State {
    /// No report yet.
    Waiting(Waiting),
    /// The report.
    Ready(Rc<InboundReport>),
}

fn path(token: &str) -> String {
    format!("/api/inbound/{}", js_sys::encode_uri_component(token))
}

/// A fresh test address.
pub(crate) async fn new_address() -> Result<NewAddress, UiError> {
    let (_, text) = send("GET", "/api/inbound", None, STEP_DEADLINE_MS).await?;
    read_json("/api/inbound", &text)
}

/// The state of `token` (a 404 is an error: unknown, expired or deleted).
pub(crate) async fn fetch(token: &str) -> Result<State, UiError> {
    let p = path(token);
    let (status, text) = send("GET", &p, None, STEP_DEADLINE_MS).await?;
    if status == 202 {
        return read_json(&p, &text).map(State::Waiting);
    }
    read_json::<InboundReport>(&p, &text).map(|r| State::Ready(Rc::new(r)))
}

/// Deletes the address, its message and its report.
pub(crate) async fn delete(token: &str) -> Result<(), UiError> {
    send("DELETE", &path(token), None, STEP_DEADLINE_MS).await.map(|_| ())
}

/// What the event listeners leave for the watcher (the newest wins).
#[derive(Default)]
struct Slot {
    received: bool,
    report: Option<String>,
    failed: Option<String>,
    gone: bool,
    broken: bool,
}

type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// An open `EventSource` with its listeners; closed when dropped.
struct Events {
    source: web_sys::EventSource,
    listeners: Vec<(&'static str, Listener)>,
}

impl Drop for Events {
    fn drop(&mut self) {
        self.source.close();
        for (name, cb) in &self.listeners {
            let _ = self.source.remove_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
        }
    }
}

/// Waits for the report of `token`: the event stream (`waiting`, `report`, `failed`, `gone`),
/// a plain GET now and then, polling when the stream breaks. `on_received` is told when the
/// message arrived; `alive` says whether the page still wants the answer.
pub(crate) async fn wait_report(
    token: &str,
    on_received: &dyn Fn(),
    alive: &dyn Fn() -> bool,
) -> Result<Rc<InboundReport>, UiError> {
    let stopped = || UiError::new("Stopped", "The page stopped waiting for this test message.");
    let slot = Rc::new(RefCell::new(Slot::default()));
    let (wake, mut woken) = futures::channel::mpsc::channel::<()>(1);
    let mut events = web_sys::EventSource::new(&format!("{}/events", path(token)))
        .ok()
        .map(|source| Events { source, listeners: Vec::new() });
    if let Some(ev) = &mut events {
        for name in ["waiting", "report", "failed", "gone", "error"] {
            let slot = slot.clone();
            let mut wake = wake.clone();
            let cb = Listener::new(move |e: web_sys::Event| {
                let data = e.dyn_ref::<web_sys::MessageEvent>().and_then(|m| m.data().as_string());
                let mut s = slot.borrow_mut();
                match name {
                    "waiting" => s.received |= data.as_deref().is_some_and(|d| d.contains("\"received\":true")),
                    "report" => s.report = data,
                    "failed" => s.failed = Some(data.unwrap_or_default()),
                    "gone" => s.gone = true,
                    _ => s.broken = true,
                }
                let _ = wake.try_send(());
            });
            let _ = ev.source.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            ev.listeners.push((name, cb));
        }
    }
    drop(wake);
    let mut told = false;
    loop {
        if !alive() {
            return Err(stopped());
        }
        let wait_ms = if events.is_some() { SSE_RECHECK_MS } else { POLL_MS };
        let timer = gloo_timers::future::TimeoutFuture::new(wait_ms);
        let by_event = match futures::future::select(woken.next(), timer).await {
            Either::Left((Some(()), _)) => true,
            Either::Left((None, _)) | Either::Right(_) => false,
        };
        if !alive() {
            return Err(stopped());
        }
        let (received, report, failed, gone, broken) = {
            let mut s = slot.borrow_mut();
            (s.received, s.report.take(), s.failed.take(), s.gone, std::mem::take(&mut s.broken))
        };
        if received && !told {
            told = true;
            on_received();
        }
        if let Some(json) = report {
            return read_json::<InboundReport>("report event", &json).map(Rc::new);
        }
        if let Some(json) = failed {
            return Err(UiError::new("The message could not be analyzed", failure_text(&json)));
        }
        if gone {
            return Err(gone_error());
        }
        if broken {
            // EventSource reconnects on its own, but a dead server would spin: poll instead.
            events = None;
        }
        if !by_event || events.is_none() {
            match fetch(token).await? {
                State::Ready(r) => return Ok(r),
                State::Waiting(w) => {
                    if w.received && !told {
                        told = true;
                        on_received();
                    }
                }
            }
        }
    }
}

fn gone_error() -> UiError {
    UiError::new("This test address is gone", "It expired or was deleted; get a new address to test again.")
}

/// The sentence of a `{error: {kind, detail}, inbound}` answer.
fn failure_text(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| {
            v["error"]["detail"].as_str().map(String::from).or_else(|| v["error"]["kind"].as_str().map(String::from))
        })
        .unwrap_or_else(|| "The message that arrived is not an email Inboxlens can read.".into())
}
