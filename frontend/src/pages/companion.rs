//! Features that need the companion server (`inboxlens serve`): SMTP probes and DNSBL
//! look-ups, which a browser cannot do itself (port 25; resolvers refused by blocklists).
//! Shown only when the page is served by it; they run only on an explicit click.

use crate::components::{ErrorBox, FindingsView, findings_of, object_table};
use crate::engine::{self, UiError};
use crate::util;
use serde_json::Value;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum State {
    Idle,
    Running,
    Done(Value),
    Failed(UiError),
}

/// Props of [`DnsblBox`].
#[derive(Properties, PartialEq)]
pub struct DnsblProps {
    /// An IP address or a domain.
    pub query: AttrValue,
}

/// Blocklist look-up of the sending IP (or a domain) through the companion server.
#[component(DnsblBox)]
pub fn dnsbl_box(props: &DnsblProps) -> Html {
    let state = use_state(|| State::Idle);
    let onclick = {
        let state = state.clone();
        let q = props.query.to_string();
        Callback::from(move |_: MouseEvent| {
            state.set(State::Running);
            let state = state.clone();
            let q = q.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let path = format!("/api/dnsbl/{}", js_sys::encode_uri_component(&q).as_string().unwrap_or_default());
                state.set(match engine::companion_json("GET", &path, None).await {
                    Ok(v) => State::Done(v),
                    Err(e) => State::Failed(e),
                });
            });
        })
    };
    html! {
        <section class="panel" aria-labelledby="dnsbl-h">
            <h2 id="dnsbl-h">{"Blocklists (DNSBL)"}</h2>
            <p class="small muted">{format!("Asks the Inboxlens server to look {} up on the configured DNS blocklists. Only the address is sent, not the message.", props.query)}</p>
            <button type="button" {onclick} disabled={*state == State::Running}>{format!("Check {} on blocklists", props.query)}</button>
            {match &*state {
                State::Idle => html! {},
                State::Running => html! { <p><span class="spinner"></span>{" Querying blocklists…"}</p> },
                State::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                State::Done(v) => html! {
                    <>
                        <FindingsView findings={findings_of(v)} />
                        {object_table(util::list(v, "/lists"))}
                    </>
                },
            }}
        </section>
    }
}

/// Props of [`SmtpProbeBox`].
#[derive(Properties, PartialEq)]
pub struct SmtpProps {
    pub domain: AttrValue,
}

/// SMTP probe of a domain's MX hosts through the companion server.
#[component(SmtpProbeBox)]
pub fn smtp_probe_box(props: &SmtpProps) -> Html {
    let state = use_state(|| State::Idle);
    let onclick = {
        let state = state.clone();
        let domain = props.domain.to_string();
        Callback::from(move |_: MouseEvent| {
            state.set(State::Running);
            let state = state.clone();
            let body = serde_json::json!({ "domain": domain }).to_string();
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match engine::companion_json("POST", "/api/probe/smtp", Some(body)).await {
                    Ok(v) => State::Done(v),
                    Err(e) => State::Failed(e),
                });
            });
        })
    };
    html! {
        <section class="panel" aria-labelledby="smtp-h" data-testid="smtp-probe">
            <h2 id="smtp-h">{"SMTP probe"}</h2>
            <p class="small muted">{"The Inboxlens server connects to each MX host (ports 25, 465, 587), reads the banner, tries STARTTLS and checks the certificate. It never sends a message."}</p>
            <button type="button" data-testid="smtp-probe-run" {onclick} disabled={*state == State::Running}>{format!("Probe the mail servers of {}", props.domain)}</button>
            {match &*state {
                State::Idle => html! {},
                State::Running => html! { <p><span class="spinner"></span>{" Probing (slow servers can take up to a minute)…"}</p> },
                State::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                State::Done(v) => {
                    let results = util::list(v, "/results");
                    html! {
                        <div data-testid="smtp-probe-results">
                            <FindingsView findings={findings_of(v)} />
                            {object_table(results)}
                            { for results.iter().filter_map(|r| {
                                let t = util::text(r, "/transcript")?;
                                let head = format!("Transcript {}:{}", util::text(r, "/host").unwrap_or_default(), util::text(r, "/port").unwrap_or_default());
                                Some(html! { <details><summary class="small">{head}</summary><pre>{t}</pre></details> })
                            }) }
                        </div>
                    }
                }
            }}
        </section>
    }
}

/// Props of [`NeedsCompanion`].
#[derive(Properties, PartialEq)]
pub struct NeedsProps {
    pub what: AttrValue,
}

/// Says what a feature needs when the companion server is absent.
#[component(NeedsCompanion)]
pub fn needs_companion(props: &NeedsProps) -> Html {
    html! {
        <div class="notice small">
            <strong>{format!("{}: needs the Inboxlens server. ", props.what)}</strong>
            {"A browser cannot open SMTP connections, query DNS blocklists or fetch MTA-STS policies across origins. Run "}
            <code>{"inboxlens serve"}</code>{" (it serves this same page at http://127.0.0.1:8080) to enable it."}
        </div>
    }
}
