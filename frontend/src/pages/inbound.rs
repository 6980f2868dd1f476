//! "Send a test email" (issue 12, mail-tester's workflow): the companion hands out a fresh
//! address (`GET /api/inbound`), the page shows it with a copy button and waits for the
//! message (server-sent events), then renders the report with the analyze page's
//! [`Report`] plus the SMTP session that delivered it. The page's link (`#/inbound/<token>`)
//! shows the report for as long as the server keeps it; the delete button removes it.

use crate::components::{CopyButton, ErrorBox};
use crate::ctx::{Route, set_hash};
use crate::engine::UiError;
use crate::engine::inbound::{self, State};
use crate::pages::analyze::Report;
use inboxlens_core::inbound::{InboundReport, InboundSession};
use std::cell::Cell;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`InboundPage`].
#[derive(Properties, PartialEq)]
pub(crate) struct InboundProps {
    /// The token of the route (`#/inbound/<token>`); `None`: make a new address.
    pub(crate) token: Option<String>,
}

#[derive(Clone, PartialEq)]
enum Phase {
    /// Asking for an address or the token's state.
    Loading,
    /// The address is shown; no report yet (`received`: the message is being analyzed).
    Waiting {
        address: String,
        received: bool,
    },
    /// The report.
    Ready(Rc<InboundReport>),
    /// Deleted by the user.
    Deleted,
    Failed(UiError),
}

/// The page.
#[component(InboundPage)]
pub(crate) fn inbound_page(props: &InboundProps) -> Html {
    let phase = use_state(|| Phase::Loading);
    let expires = use_state(|| None::<i64>);
    // Each run of the effect gets a generation; an older waiter sees it is no longer wanted.
    let generation = use_mut_ref(|| Rc::new(Cell::new(0u32)));
    {
        let phase = phase.clone();
        let expires = expires.clone();
        let generation = generation.borrow().clone();
        use_effect_with(props.token.clone(), move |token| {
            let mine = generation.get().wrapping_add(1);
            generation.set(mine);
            let token = token.clone();
            let gen2 = generation.clone();
            phase.set(Phase::Loading);
            wasm_bindgen_futures::spawn_local(async move {
                let alive = move || gen2.get() == mine;
                let Some(token) = token else {
                    // A fresh address; its link becomes the page's URL (and the effect runs again).
                    match inbound::new_address().await {
                        Ok(a) => {
                            expires.set(Some(a.expires_at));
                            phase.set(Phase::Waiting { address: a.address, received: false });
                            set_hash(&Route::Inbound(Some(a.token)));
                        }
                        Err(e) => phase.set(Phase::Failed(e)),
                    }
                    return;
                };
                match inbound::fetch(&token).await {
                    Ok(State::Ready(r)) => {
                        phase.set(Phase::Ready(r));
                        return;
                    }
                    Ok(State::Waiting(w)) => {
                        let address = w.address.clone().unwrap_or_default();
                        phase.set(Phase::Waiting { address, received: w.received });
                    }
                    Err(e) => {
                        phase.set(Phase::Failed(e));
                        return;
                    }
                }
                let on_received = {
                    let phase = phase.clone();
                    move || {
                        if let Phase::Waiting { address, .. } = &*phase {
                            phase.set(Phase::Waiting { address: address.clone(), received: true });
                        }
                    }
                };
                let result = inbound::wait_report(&token, &on_received, &alive).await;
                if !alive() {
                    return;
                }
                match result {
                    Ok(r) => phase.set(Phase::Ready(r)),
                    Err(e) => phase.set(Phase::Failed(e)),
                }
            });
            move || generation.set(generation.get().wrapping_add(1))
        });
    }

    let delete = {
        let phase = phase.clone();
        let token = props.token.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(token) = token.clone() else { return };
            let phase = phase.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match inbound::delete(&token).await {
                    Ok(()) => phase.set(Phase::Deleted),
                    Err(e) => phase.set(Phase::Failed(e)),
                }
            });
        })
    };
    let new_address = Callback::from(move |_: MouseEvent| set_hash(&Route::Inbound(None)));

    let link = props.token.as_ref().map(|t| Route::Inbound(Some(t.clone())).to_hash());
    let link_row = match (&link, &*phase) {
        (Some(l), Phase::Waiting { .. } | Phase::Ready(_)) => {
            let until = expires.map(|e| format!(" until {}", date_text(e))).unwrap_or_default();
            let full = crate::util::window()
                .and_then(|w| w.location().href().ok())
                .map(|h| h.split('#').next().unwrap_or("").to_string() + l)
                .unwrap_or_else(|| l.clone());
            html! {
                <p class="small" data-testid="inbound-link-row">
                    {"The report stays at "}
                    <a href={l.clone()} data-testid="inbound-link">{full.clone()}</a>
                    {format!("{until} (anyone with the link can read it). ")}
                    <CopyButton text={full} label="Copy link" />
                    {" "}
                    <button type="button" class="danger" data-testid="inbound-delete" onclick={delete.clone()}>{"Delete now"}</button>
                </p>
            }
        }
        _ => html! {},
    };

    html! {
        <>
            <h1>{"Send a test email"}</h1>
            <section class="panel" aria-labelledby="inbound-h">
                <h2 id="inbound-h" class="sr-only">{"Test address"}</h2>
                <p>{"Send a message to this address from the mail system you want to test (your mail client, newsletter tool or server). Inboxlens receives it, checks how it was sent (the sending server's address, reverse DNS, TLS, blocklists) and analyzes it: SPF, DKIM, DMARC, headers, content."}</p>
                {match &*phase {
                    Phase::Loading => html! { <p aria-live="polite"><span class="spinner"></span>{" Getting a test address…"}</p> },
                    Phase::Waiting { address, received } => html! {
                        <>
                            <div class="row inbound-address">
                                <code class="mono big" data-testid="inbound-address">{address.clone()}</code>
                                <CopyButton text={address.clone()} label="Copy address" />
                            </div>
                            <p aria-live="polite" data-testid="inbound-waiting">
                                <span class="spinner"></span>
                                {if *received { " Your message arrived: analyzing it…" } else { " Waiting for your message…" }}
                            </p>
                        </>
                    },
                    Phase::Ready(r) => html! {
                        <div class="row inbound-address">
                            <code class="mono" data-testid="inbound-address">{r.inbound.rcpt.clone()}</code>
                        </div>
                    },
                    Phase::Deleted => html! {
                        <p data-testid="inbound-deleted">{"Deleted: the address, the message and its report are gone."}</p>
                    },
                    Phase::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                }}
                {link_row}
                if matches!(&*phase, Phase::Ready(_) | Phase::Deleted | Phase::Failed(_)) {
                    <div class="row">
                        <button type="button" class="primary" data-testid="inbound-new" onclick={new_address}>{"New test address"}</button>
                    </div>
                }
                <p class="small muted">{"The message you send is stored on the Inboxlens server that serves this page until the address expires (or you delete it). Send nothing confidential."}</p>
            </section>
            if let Phase::Ready(r) = &*phase {
                {session_view(&r.inbound)}
                <Report report={Rc::new(r.report.clone())} elapsed_ms={0.0} />
            }
        </>
    }
}

/// The SMTP session that delivered the message.
fn session_view(s: &InboundSession) -> Html {
    let tls = match (&s.tls_version, &s.tls_cipher) {
        (Some(v), Some(c)) => format!("{v} ({c})"),
        (Some(v), None) => v.clone(),
        _ => "none (clear text)".into(),
    };
    let ptr = match (&s.client_ptr, s.client_fcrdns) {
        (Some(p), Some(true)) => format!("{p} (forward-confirmed)"),
        (Some(p), Some(false)) => format!("{p} (does not resolve back)"),
        (Some(p), None) => p.clone(),
        (None, _) if !s.client_public => "not looked up (private address)".into(),
        (None, _) => "none".into(),
    };
    let mail_from = if s.mail_from.is_empty() { "<> (null sender)".to_string() } else { s.mail_from.clone() };
    let rows = [
        ("Sending server", s.client_ip.clone()),
        ("Reverse DNS", ptr),
        ("HELO", s.helo.clone()),
        ("MAIL FROM", mail_from),
        ("To", s.rcpt.clone()),
        ("TLS", tls),
        ("Received", date_text(s.received_at)),
    ];
    html! {
        <section class="panel" aria-labelledby="session-h" data-testid="inbound-session">
            <h2 id="session-h">{"How it was delivered"}</h2>
            <dl class="kv">
                { for rows.into_iter().map(|(k, v)| html! { <><dt>{k}</dt><dd>{v}</dd></> }) }
            </dl>
        </section>
    }
}

/// A unix time as the browser's local date and time.
fn date_text(unix: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix as f64 * 1000.0));
    d.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED).as_string().unwrap_or_default()
}
