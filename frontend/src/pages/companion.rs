//! Features that need the companion server (`inboxlens serve`): SMTP probes and DNSBL
//! look-ups, which a browser cannot do itself (port 25; resolvers refused by blocklists).
//! Shown only when the page is served by it; they run only on an explicit click.

use crate::components::{ErrorBox, FindingsView};
use crate::engine::UiError;
use crate::engine::companion::{self, DnsblReport, SmtpProbeReport};
use crate::view;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum State<T> {
    Idle,
    Running,
    Done(T),
    Failed(UiError),
}

/// Props of [`DnsblBox`].
#[derive(Properties, PartialEq)]
pub(crate) struct DnsblProps {
    /// An IP address or a domain.
    pub(crate) query: AttrValue,
}

/// Blocklist look-up of the sending IP (or a domain) through the companion server.
#[component(DnsblBox)]
pub(crate) fn dnsbl_box(props: &DnsblProps) -> Html {
    let state = use_state(|| State::<DnsblReport>::Idle);
    let onclick = {
        let state = state.clone();
        let q = props.query.to_string();
        Callback::from(move |_: MouseEvent| {
            state.set(State::Running);
            let state = state.clone();
            let q = q.clone();
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match companion::dnsbl(&q).await {
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
                        <FindingsView findings={v.findings.clone()} />
                        {dnsbl_table(v)}
                    </>
                },
            }}
        </section>
    }
}

/// Props of [`SmtpProbeBox`].
#[derive(Properties, PartialEq)]
pub(crate) struct SmtpProps {
    pub(crate) domain: AttrValue,
}

/// SMTP probe of a domain's MX hosts through the companion server.
#[component(SmtpProbeBox)]
pub(crate) fn smtp_probe_box(props: &SmtpProps) -> Html {
    let state = use_state(|| State::<SmtpProbeReport>::Idle);
    let onclick = {
        let state = state.clone();
        let domain = props.domain.to_string();
        Callback::from(move |_: MouseEvent| {
            state.set(State::Running);
            let state = state.clone();
            let domain = domain.clone();
            wasm_bindgen_futures::spawn_local(async move {
                state.set(match companion::probe_smtp(&domain).await {
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
                State::Done(v) => html! {
                    <div data-testid="smtp-probe-results">
                        <FindingsView findings={v.findings.clone()} />
                        {smtp_table(v)}
                        { for v.results.iter().filter(|r| !r.transcript.is_empty()).map(|r| html! {
                            <details>
                                <summary class="small">{format!("Transcript {}:{}", r.host, r.port)}</summary>
                                <pre>{r.transcript.join("\n")}</pre>
                            </details>
                        }) }
                    </div>
                },
            }}
        </section>
    }
}

/// One row per blocklist: its zone, the answer, the return codes and what they mean.
fn dnsbl_table(v: &DnsblReport) -> Html {
    if v.lists.is_empty() {
        return html! { <p class="muted">{format!("No blocklists are configured to check {}.", v.query)}</p> };
    }
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"List"}</th><th>{"Status"}</th><th>{"Return codes"}</th><th>{"Meaning"}</th><th>{"Reason given (TXT)"}</th></tr></thead>
                <tbody>
                    { for v.lists.iter().map(|l| {
                        let status = view::word(&l.status);
                        html! {
                            <tr>
                                <td class="wrap mono">{l.zone.clone()}</td>
                                <td class={view::result_class(&status)}>{status.replace('_', " ")}</td>
                                <td class="wrap mono">{l.codes.join(", ")}</td>
                                <td class="wrap">{l.meaning.clone().unwrap_or_default()}</td>
                                <td class="wrap">{l.txt.join(" ")}</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// One row per SMTP session: host, address, port, TLS and the verdict with its reason.
fn smtp_table(v: &SmtpProbeReport) -> Html {
    if v.results.is_empty() {
        return html! { <p class="muted">{"No mail server was probed."}</p> };
    }
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"Host"}</th><th>{"Address"}</th><th>{"Port"}</th><th>{"Connected"}</th><th>{"STARTTLS"}</th><th>{"TLS"}</th><th>{"Verdict"}</th><th>{"Why"}</th></tr></thead>
                <tbody>
                    { for v.results.iter().map(|r| {
                        let verdict = view::word(&r.verdict);
                        let why = match (&r.error, r.verdict_reason.is_empty()) {
                            (Some(e), true) => e.clone(),
                            (Some(e), false) => format!("{} ({e})", r.verdict_reason),
                            (None, _) => r.verdict_reason.clone(),
                        };
                        html! {
                            <tr>
                                <td class="wrap mono">{r.host.clone()}</td>
                                <td class="wrap mono">{r.ip.clone()}</td>
                                <td>{r.port}</td>
                                <td>{yes_no(r.connected)}</td>
                                <td>{yes_no(r.starttls)}</td>
                                <td>{r.tls_version.clone().unwrap_or_else(|| "—".into())}</td>
                                <td class={view::result_class(&verdict)}>{verdict.clone()}</td>
                                <td class="wrap">{why}</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            { for v.results.iter().filter_map(|r| r.banner.as_ref().map(|b| html! {
                <p class="small muted mono wrap">{format!("{}:{} banner: {b}", r.host, r.port)}</p>
            })) }
        </div>
    }
}

/// Props of [`NeedsCompanion`].
#[derive(Properties, PartialEq)]
pub(crate) struct NeedsProps {
    pub(crate) what: AttrValue,
}

/// Says what a feature needs when the companion server is absent.
#[component(NeedsCompanion)]
pub(crate) fn needs_companion(props: &NeedsProps) -> Html {
    html! {
        <div class="notice small">
            <strong>{format!("{}: needs the Inboxlens server. ", props.what)}</strong>
            {"A browser cannot open SMTP connections, query DNS blocklists or fetch MTA-STS policies across origins. Run "}
            <code>{"inboxlens serve"}</code>{" (it serves this same page at http://127.0.0.1:8080) to enable it."}
        </div>
    }
}
