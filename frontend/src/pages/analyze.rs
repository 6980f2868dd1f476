//! "Analyze message": paste, drop or pick an `.eml`, or load the bundled sample; the core
//! analyses it here in the page (only DNS questions leave it) and the report is rendered.

use crate::components::{
    CopyButton, DnsTable, ErrorBox, FindingsView, Kv, fields, result_word, rows_table, section_fields,
};
use crate::ctx::AppCtx;
use crate::engine::{self, Overrides, UiError};
use crate::pages::companion::{DnsblBox, NeedsCompanion};
use crate::settings::Companion;
use crate::util;
use crate::view::{self, word};
use inboxlens_core::analyze::{MessageReport, UpstreamSection};
use inboxlens_core::auth::dmarc::DmarcVerdict;
use inboxlens_core::findings::Severity;
use inboxlens_core::message::bulk::ChecklistItem;
use inboxlens_core::message::envelope::Envelope;
use inboxlens_core::message::hops::Hop;
use std::rc::Rc;
use yew::prelude::*;

/// The bundled sample (the core's: a newsletter from shop.example, analyzed with its own
/// zone — see `inboxlens_core::sample`).
use inboxlens_core::sample::SAMPLE_MESSAGE as SAMPLE;

/// Largest message the page accepts (the companion's analyze limit is the same 25 MB).
const MAX_MESSAGE: usize = 25 * 1024 * 1024;

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Running,
    Done { report: Rc<MessageReport>, elapsed_ms: f64 },
    Failed(UiError),
}

/// The page.
#[component(AnalyzePage)]
pub(crate) fn analyze_page() -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let input = use_state(String::new);
    // Bytes of a dropped or picked file, analysed exactly as they are (a textarea would
    // turn CRLF into LF); cleared as soon as the text is edited.
    let file = use_state(|| None::<(String, Rc<Vec<u8>>)>);
    let overrides = use_state(Overrides::default);
    let outcome = use_state(|| Outcome::Idle);
    let drag_over = use_state(|| false);
    let probing = ctx.settings.companion == Companion::Probing;

    let run = {
        let outcome = outcome.clone();
        let overrides = overrides.clone();
        let doh = ctx.settings.doh.clone();
        Callback::from(move |raw: Rc<Vec<u8>>| {
            if raw.iter().all(|b| b.is_ascii_whitespace()) {
                outcome.set(Outcome::Failed(UiError::new(
                    "Nothing to analyse",
                    "Paste a complete message (headers and body, e.g. “Show original” in Gmail), drop an .eml file, or load the sample.",
                )));
                return;
            }
            if raw.len() > MAX_MESSAGE {
                outcome.set(Outcome::Failed(UiError::new(
                    "Message too large",
                    "This message is over 25 MB; no mail system would accept it. Remove attachments and try again.",
                )));
                return;
            }
            outcome.set(Outcome::Running);
            let outcome = outcome.clone();
            let doh = doh.clone();
            let ov = (*overrides).clone();
            wasm_bindgen_futures::spawn_local(async move {
                let start = util::perf_now();
                let result = engine::analyze(&raw, &doh, &ov).await;
                let elapsed_ms = util::perf_now() - start;
                outcome.set(match result {
                    Ok(report) => Outcome::Done { report: Rc::new(report), elapsed_ms },
                    Err(e) => Outcome::Failed(e),
                });
            });
        })
    };

    let on_input = {
        let input = input.clone();
        let file = file.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            input.set(el.value());
            file.set(None);
        })
    };

    let analyze_click = {
        let run = run.clone();
        let input = input.clone();
        let file = file.clone();
        Callback::from(move |_: MouseEvent| match &*file {
            Some((_, bytes)) => run.emit(bytes.clone()),
            None => run.emit(Rc::new(engine::textarea_to_wire(&input))),
        })
    };

    let load_sample = {
        let run = run.clone();
        let input = input.clone();
        let file = file.clone();
        Callback::from(move |_: MouseEvent| {
            input.set(String::from_utf8_lossy(SAMPLE).replace("\r\n", "\n"));
            let bytes = Rc::new(SAMPLE.to_vec());
            file.set(Some(("sample.eml".into(), bytes.clone())));
            run.emit(bytes);
        })
    };

    let accept_file = {
        let input = input.clone();
        let file = file.clone();
        let outcome = outcome.clone();
        Callback::from(move |f: web_sys::File| {
            let input = input.clone();
            let file = file.clone();
            let outcome = outcome.clone();
            let name = f.name();
            if f.size() > MAX_MESSAGE as f64 {
                outcome.set(Outcome::Failed(UiError::new(
                    "File too large",
                    "This file is over 25 MB; an email message that size would not be delivered anyway.",
                )));
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(f.array_buffer()).await {
                    Ok(buf) => {
                        let bytes = js_sys::Uint8Array::new(&buf).to_vec();
                        input.set(String::from_utf8_lossy(&bytes).replace("\r\n", "\n"));
                        file.set(Some((name, Rc::new(bytes))));
                        outcome.set(Outcome::Idle);
                    }
                    Err(_) => outcome.set(Outcome::Failed(UiError::new(
                        "Could not read the file",
                        "The browser refused to read this file. Save the message as an .eml file and try again.",
                    ))),
                }
            });
        })
    };

    let on_pick = {
        let accept_file = accept_file.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            if let Some(f) = el.files().and_then(|l| l.get(0)) {
                accept_file.emit(f);
            }
            el.set_value("");
        })
    };
    let on_drop = {
        let accept_file = accept_file.clone();
        let drag_over = drag_over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            drag_over.set(false);
            if let Some(f) = e.data_transfer().and_then(|d| d.files()).and_then(|l| l.get(0)) {
                accept_file.emit(f);
            }
        })
    };
    let on_drag_over = {
        let drag_over = drag_over.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if !*drag_over {
                drag_over.set(true);
            }
        })
    };
    let on_drag_leave = {
        let drag_over = drag_over.clone();
        Callback::from(move |_: DragEvent| drag_over.set(false))
    };

    let ov_input = |field: &'static str| {
        let overrides = overrides.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            let mut ov = (*overrides).clone();
            let v = el.value().trim().to_string();
            let v = if v.is_empty() { None } else { Some(v) };
            match field {
                "ip" => ov.ip = v,
                "helo" => ov.helo = v,
                _ => ov.mail_from = v,
            }
            overrides.set(ov);
        })
    };

    let running = *outcome == Outcome::Running;
    let file_note = (*file).as_ref().map(|(name, bytes)| format!("{name} · {} bytes, analysed as loaded", bytes.len()));

    html! {
        <>
            <h1>{"Analyze a message"}</h1>
            <section class="panel" aria-labelledby="msg-h">
                <h2 id="msg-h" class="sr-only">{"Message"}</h2>
                <label for="message-input">{"Raw message (all headers and the body)"}</label>
                <div class={classes!("dropzone", (*drag_over).then_some("over"))}
                     ondrop={on_drop} ondragover={on_drag_over} ondragleave={on_drag_leave}>
                    <textarea id="message-input" data-testid="message-input" class="mono" spellcheck="false"
                              placeholder="Paste the original message here (in Gmail: ⋮ → Show original), or drop an .eml file."
                              value={(*input).clone()} oninput={on_input} />
                </div>
                if let Some(note) = file_note { <p class="small muted">{note}</p> }
                <div class="row">
                    <button type="button" class="primary" data-testid="analyze" onclick={analyze_click}
                            disabled={running || probing}>
                        {if running { "Analysing…" } else { "Analyze" }}
                    </button>
                    <button type="button" data-testid="load-sample" onclick={load_sample} disabled={running || probing}>{"Load sample"}</button>
                    <input id="eml-file" class="sr-only" type="file" accept=".eml,.msg,.txt,message/rfc822,text/plain" onchange={on_pick} />
                    <label class="button file-button" for="eml-file">{"Open .eml…"}</label>
                </div>
                <details>
                    <summary class="small">{"Envelope overrides (when the Received headers do not show the sending server)"}</summary>
                    <div class="grid2">
                        <div><label for="ov-ip">{"Client IP"}</label><input id="ov-ip" type="text" placeholder="203.0.113.5" oninput={ov_input("ip")} /></div>
                        <div><label for="ov-helo">{"HELO name"}</label><input id="ov-helo" type="text" placeholder="mail.example.com" oninput={ov_input("helo")} /></div>
                        <div><label for="ov-from">{"MAIL FROM"}</label><input id="ov-from" type="text" placeholder="bounce@example.com" oninput={ov_input("mail_from")} /></div>
                    </div>
                </details>
                <p class="small muted">{"The message is analysed by WebAssembly in this page. It is not uploaded: only DNS questions (names such as s1._domainkey.example.com) go to the resolver below."}</p>
            </section>
            {match &*outcome {
                Outcome::Idle => html! {},
                Outcome::Running => html! { <p aria-live="polite"><span class="spinner"></span>{" Analysing and asking DNS…"}</p> },
                Outcome::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                Outcome::Done { report, elapsed_ms } => html! { <Report report={report.clone()} elapsed_ms={*elapsed_ms} /> },
            }}
        </>
    }
}

/// Props of [`Report`].
#[derive(Properties, PartialEq)]
pub(crate) struct ReportProps {
    /// The core's report.
    pub(crate) report: Rc<MessageReport>,
    /// How long the analysis took in the page.
    pub(crate) elapsed_ms: f64,
}

/// The message report.
#[component(Report)]
pub(crate) fn report_view(props: &ReportProps) -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let r = &*props.report;
    let findings = r.findings.clone();
    let score = Some(r.score);
    let json = view::pretty_json(r);
    let export = {
        let json = json.clone();
        Callback::from(move |_: MouseEvent| {
            let _ = util::download("inboxlens-report.json", "application/json", &json);
        })
    };
    let dns = r.dns.clone();
    let dns_failures = dns.iter().filter(|e| e.error.is_some()).count();
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.iter().filter(|f| f.severity == Severity::Warning).count();
    let spf_word = word(&r.auth.spf.result);
    let dmarc_word = word(&r.auth.dmarc.result);
    let arc_word = word(&r.auth.arc.result);

    html! {
        <div data-testid="report">
            <section class="panel" aria-labelledby="sum-h">
                <h2 id="sum-h">{"Summary"}</h2>
                if dns_failures > 0 && dns_failures == dns.len() {
                    <div class="error-box" role="alert" data-testid="dns-failure">
                        <strong>{"The DNS resolver could not be reached"}</strong>
                        {format!("All {dns_failures} DNS questions to {} failed, so every check that needs DNS is “temperror”. Check the DoH endpoint below (it must allow cross-origin requests), or run `inboxlens serve` and use its /dns-query.", ctx.settings.doh)}
                    </div>
                } else if dns_failures > 0 {
                    <div class="notice" role="status">{format!("{dns_failures} of {} DNS questions failed (timeout or transport error); verdicts that depend on them are temporary errors, not “record missing”.", dns.len())}</div>
                }
                <div class="summary">
                    <div class={classes!("score", view::score_class(score))} data-testid="score" aria-label="Score out of 10">
                        <span class="num">{format!("{:.1}", r.score)}</span>
                        <span class="of">{"/ 10"}</span>
                    </div>
                    <div>
                        <div class="verdicts">
                            {verdict("SPF", "verdict-spf", &spf_word)}
                            {verdict("DKIM", "verdict-dkim", &dkim_words(r))}
                            {verdict("DMARC", "verdict-dmarc", &dmarc_word)}
                            {verdict("ARC", "verdict-arc", &arc_word)}
                        </div>
                        <p class="small muted">
                            {format!("{errors} error(s), {warnings} warning(s), {} finding(s) in all · analysed in {:.0} ms, {} DNS questions", findings.len(), props.elapsed_ms, dns.len())}
                        </p>
                        <div class="row">
                            <button type="button" onclick={export}>{"Export JSON"}</button>
                            <CopyButton text={json} label="Copy JSON" />
                        </div>
                    </div>
                </div>
            </section>

            <section class="panel" aria-labelledby="find-h">
                <h2 id="find-h">{"Findings"}</h2>
                <FindingsView findings={findings} />
            </section>

            <section class="panel" aria-labelledby="auth-h">
                <h2 id="auth-h">{"Authentication"}</h2>
                {auth_panel(r)}
            </section>

            <section class="panel" aria-labelledby="up-h">
                <h2 id="up-h">{"Upstream vs fresh verdicts"}</h2>
                <p class="small muted">{"What the receiving servers wrote in Authentication-Results when the message was delivered, next to what the checks say now. A difference usually means a key was rotated or a record changed since delivery."}</p>
                {upstream_view(&r.upstream, r)}
            </section>

            <section class="panel" aria-labelledby="env-h">
                <h2 id="env-h">{"Envelope and delivery path"}</h2>
                {envelope_view(&r.envelope)}
                {hops_view(&r.hops)}
            </section>

            if !r.bulk_sender.is_empty() {
                <section class="panel" aria-labelledby="bulk-h">
                    <h2 id="bulk-h">{"Bulk-sender checklist (Gmail / Yahoo 2024, Microsoft 2025)"}</h2>
                    {bulk_view(&r.bulk_sender)}
                </section>
            }

            <div class="grid2">
                <section class="panel" aria-labelledby="hdr-h"><h2 id="hdr-h">{"Headers"}</h2>{section_fields(&r.headers, 0)}</section>
                <section class="panel" aria-labelledby="unsub-h"><h2 id="unsub-h">{"Unsubscribe"}</h2>{section_fields(&r.unsubscribe, 0)}</section>
            </div>
            <section class="panel" aria-labelledby="body-h"><h2 id="body-h">{"Content"}</h2>{section_fields(&r.body, 0)}</section>
            if let Some(ip) = r.envelope.client_ip.clone() {
                {match &ctx.settings.companion {
                    Companion::Present(c) if c.has("dnsbl") => html! { <DnsblBox query={ip} /> },
                    Companion::Present(_) => html! {},
                    _ => html! { <NeedsCompanion what={format!("Blocklist (DNSBL) check of {ip}")} /> },
                }}
            }

            <section class="panel" aria-labelledby="dns-h">
                <details>
                    <summary><h2 id="dns-h" style="display:inline">{format!("DNS evidence ({})", dns.len())}</h2></summary>
                    <p class="small muted">{"Every answer the verdicts rest on. Export the JSON to replay this report offline."}</p>
                    <DnsTable entries={dns} />
                </details>
            </section>
        </div>
    }
}

fn verdict(label: &'static str, testid: &'static str, word: &str) -> Html {
    let word = if word.is_empty() { "none" } else { word };
    html! {
        <div class="verdict" data-testid={testid}>
            <span class="label">{label}</span>{" "}
            {result_word(word)}
        </div>
    }
}

/// The DKIM results of every signature, in header order (`none` when the message is unsigned,
/// RFC 8601 §2.7.1). Each signature's own result, as the core computed it.
fn dkim_words(r: &MessageReport) -> String {
    if r.auth.dkim.is_empty() {
        return "none".into();
    }
    let words: Vec<String> = r
        .auth
        .dkim
        .iter()
        .map(|s| {
            let res = word(&s.result);
            if s.domain.is_empty() { res } else { format!("{res} ({})", s.domain) }
        })
        .collect();
    words.join(", ")
}

fn auth_panel(r: &MessageReport) -> Html {
    let dkim = &r.auth.dkim;
    html! {
        <>
            <div class="grid2">
                <div>
                    <h3>{"SPF "}{result_word(&word(&r.auth.spf.result))}</h3>
                    <Kv value={fields(&r.auth.spf)} skip={vec!["result"]} />
                </div>
                <div>
                    <h3>{"DMARC "}{result_word(&word(&r.auth.dmarc.result))}</h3>
                    <Kv value={fields(&r.auth.dmarc)} skip={vec!["result", "alignment"]} />
                    {alignment_view(&r.auth.dmarc)}
                </div>
            </div>
            <h3>{format!("DKIM signatures ({})", dkim.len())}</h3>
            if dkim.is_empty() {
                <p class="muted">{"The message carries no DKIM-Signature header. Sign outgoing mail (RFC 6376); bulk senders must (Gmail/Yahoo 2024)."}</p>
            } else {
                { for dkim.iter().enumerate().map(|(i, s)| html! {
                    <div class="verdict" style="margin:.4rem 0">
                        <strong>{format!("#{} ", i + 1)}</strong>
                        {result_word(&word(&s.result))}
                        {format!(" d={} s={}", s.domain, s.selector)}
                        if let Some(f) = &s.failure {
                            <p class="res-fail">
                                {view::label(&word(&f.kind))}
                                {if f.likely_cause.is_empty() { String::new() } else { format!(": {}", f.likely_cause) }}
                            </p>
                        }
                        <Kv value={fields(s)} skip={vec!["result", "domain", "selector", "key_record"]} />
                        if let Some(k) = &s.key_record { <pre class="small">{k}</pre> }
                    </div>
                }) }
            }
            <h3>{"ARC "}{result_word(&word(&r.auth.arc.result))}</h3>
            {section_fields(&r.auth.arc, 1)}
        </>
    }
}

/// DMARC identifier alignment (RFC 7489 §3.1): each identifier against the From domain.
fn alignment_view(d: &DmarcVerdict) -> Html {
    rows_table(&d.alignment)
}

fn upstream_view(up: &UpstreamSection, r: &MessageReport) -> Html {
    let v = &up.verdicts;
    let up_dkim: Vec<String> = v.dkim.iter().map(|(domain, result)| format!("{} ({domain})", word(result))).collect();
    let row = |method: &str, upstream: Option<String>, fresh: String| {
        let u = upstream.filter(|u| !u.is_empty()).unwrap_or_else(|| "—".into());
        let f = if fresh.is_empty() { "none".to_string() } else { fresh };
        html! {
            <tr>
                <td>{method.to_string()}</td>
                <td class={view::result_class(&u)}>{u.clone()}</td>
                <td class={view::result_class(&f)}>{f.clone()}</td>
            </tr>
        }
    };
    html! {
        <>
            if let Some(id) = &v.trusted_authserv_id {
                <p class="small">{format!("Trusted Authentication-Results from {id} (the receiving server, RFC 8601 §5).")}</p>
            } else {
                <p class="small muted">{"No Authentication-Results header from a receiving server: nothing to compare."}</p>
            }
            <div class="table-wrap">
                <table>
                    <thead><tr><th>{"Method"}</th><th>{"At delivery"}</th><th>{"Now"}</th></tr></thead>
                    <tbody>
                        {row("SPF", view::opt_word(&v.spf), word(&r.auth.spf.result))}
                        {row("DKIM", (!up_dkim.is_empty()).then(|| up_dkim.join(", ")), dkim_words(r))}
                        {row("DMARC", view::opt_word(&v.dmarc), word(&r.auth.dmarc.result))}
                        {row("ARC", view::opt_word(&v.arc), word(&r.auth.arc.result))}
                    </tbody>
                </table>
            </div>
            { for up.drift.iter().map(|d| html! {
                <div class="notice">
                    <strong>{format!("{} changed: {} → {}", word(&d.method).to_uppercase(), word(&d.upstream), word(&d.fresh))}</strong>
                    {" "}{d.explanation.clone()}
                </div>
            }) }
        </>
    }
}

fn envelope_view(e: &Envelope) -> Html {
    let shown = |v: &Option<String>| match v.as_deref() {
        Some("") => "<> (null sender)".to_string(),
        Some(v) => v.to_string(),
        None => "not found".into(),
    };
    let rows = [
        ("Client IP", shown(&e.client_ip), e.source.client_ip.clone()),
        ("HELO", shown(&e.helo), e.source.helo.clone()),
        ("MAIL FROM", shown(&e.mail_from), e.source.mail_from.clone()),
    ];
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"Envelope"}</th><th>{"Value"}</th><th>{"Taken from"}</th></tr></thead>
                <tbody>
                    { for rows.into_iter().map(|(label, value, source)| html! {
                        <tr>
                            <td>{label}</td>
                            <td class="wrap mono">{value}</td>
                            <td class="small muted">{source}</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn hops_view(hops: &[Hop]) -> Html {
    if hops.is_empty() {
        return html! { <p class="muted">{"No Received headers: the message has not passed through a mail server yet."}</p> };
    }
    html! {
        <>
            <h3>{format!("Hops ({}), first server first", hops.len())}</h3>
            <ol class="hops">
                { for hops.iter().map(|h| {
                    let from = h.from.clone().unwrap_or_else(|| "?".into());
                    let by = h.by.clone().unwrap_or_else(|| "?".into());
                    html! {
                        <li>
                            <div><strong>{from}</strong>{h.from_ip.as_ref().map(|i| format!(" [{i}]")).unwrap_or_default()}{" → "}<strong>{by}</strong></div>
                            <div class="small muted">
                                {h.with.as_ref().map(|w| format!("with {w} · ")).unwrap_or_default()}
                                {match &h.tls_version { Some(t) => format!("TLS {t} · "), None => "no TLS recorded · ".into() }}
                                {h.date_text.clone().unwrap_or_default()}
                                if let Some(d) = h.delay_seconds {
                                    {" · "}<span class={classes!("delay", (d.abs() > 300).then_some("slow"))}>{format_delay(d)}</span>
                                }
                            </div>
                        </li>
                    }
                }) }
            </ol>
        </>
    }
}

fn format_delay(secs: i64) -> String {
    if secs < 0 {
        format!("{}s before the previous hop (clock skew)", -secs)
    } else if secs < 120 {
        format!("+{secs}s")
    } else if secs < 7200 {
        format!("+{}m {}s", secs / 60, secs % 60)
    } else {
        format!("+{}h {}m", secs / 3600, (secs % 3600) / 60)
    }
}

fn bulk_view(items: &[ChecklistItem]) -> Html {
    html! {
        <ul class="checklist">
            { for items.iter().map(|it| {
                let status = word(&it.status);
                let status = if status.is_empty() { "unknown".to_string() } else { status };
                let badge = view::checklist_badge(&status);
                html! {
                    <li>
                        <span><span class={classes!("badge", badge)}>{status.replace('_', " ")}</span></span>
                        <span>
                            <strong>{it.requirement.clone()}</strong>
                            if !it.source.is_empty() { <span class="small muted">{format!(" · {}", it.source)}</span> }
                            if !it.detail.is_empty() { <div class="small">{it.detail.clone()}</div> }
                        </span>
                    </li>
                }
            }) }
        </ul>
    }
}
