//! "Analyze message": paste, drop or pick an `.eml`, or load the bundled sample; the core
//! analyses it here in the page (only DNS questions leave it) and the report is rendered.

use crate::app::AppCtx;
use crate::components::{
    CopyButton, DnsTable, ErrorBox, FindingsView, Kv, findings_of, generic, object_table, result_word,
};
use crate::engine::{self, Overrides, UiError};
use crate::settings::Companion;
use crate::util;
use serde_json::Value;
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
    Done { report: Rc<Value>, elapsed_ms: f64 },
    Failed(UiError),
}

/// The page.
#[component(AnalyzePage)]
pub fn analyze_page() -> Html {
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
pub struct ReportProps {
    pub report: Rc<Value>,
    pub elapsed_ms: f64,
}

/// The message report.
#[component(Report)]
pub fn report_view(props: &ReportProps) -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let r = &*props.report;
    let findings = findings_of(r);
    let score = util::at(r, "/score").and_then(Value::as_f64);
    let export = {
        let report = props.report.clone();
        Callback::from(move |_: MouseEvent| {
            let _ = util::download("inboxlens-report.json", "application/json", &util::pretty(&report));
        })
    };
    let dns = util::list(r, "/dns").to_vec();
    let dns_failures = dns.iter().filter(|e| util::at(e, "/error").is_some()).count();
    let errors = findings.iter().filter(|f| f.severity == inboxlens_core::findings::Severity::Error).count();
    let warnings = findings.iter().filter(|f| f.severity == inboxlens_core::findings::Severity::Warning).count();

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
                    <div class={classes!("score", score_class(score))} data-testid="score" aria-label="Score out of 10">
                        <span class="num">{score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "–".into())}</span>
                        <span class="of">{"/ 10"}</span>
                    </div>
                    <div>
                        <div class="verdicts">
                            {verdict("SPF", "verdict-spf", util::text(r, "/auth/spf/result"))}
                            {verdict("DKIM", "verdict-dkim", dkim_words(r))}
                            {verdict("DMARC", "verdict-dmarc", util::text(r, "/auth/dmarc/result"))}
                            {verdict("ARC", "verdict-arc", util::text(r, "/auth/arc/result"))}
                        </div>
                        <p class="small muted">
                            {format!("{errors} error(s), {warnings} warning(s), {} finding(s) in all · analysed in {:.0} ms, {} DNS questions", findings.len(), props.elapsed_ms, dns.len())}
                        </p>
                        <div class="row">
                            <button type="button" onclick={export}>{"Export JSON"}</button>
                            <CopyButton text={util::pretty(r)} label="Copy JSON" />
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

            if let Some(up) = util::at(r, "/upstream") {
                <section class="panel" aria-labelledby="up-h">
                    <h2 id="up-h">{"Upstream vs fresh verdicts"}</h2>
                    <p class="small muted">{"What the receiving servers wrote in Authentication-Results when the message was delivered, next to what the checks say now. A difference usually means a key was rotated or a record changed since delivery."}</p>
                    {upstream_view(up, r)}
                </section>
            }

            <section class="panel" aria-labelledby="env-h">
                <h2 id="env-h">{"Envelope and delivery path"}</h2>
                {envelope_view(r)}
                {hops_view(util::list(r, "/hops"))}
            </section>

            if !util::list(r, "/bulk_sender").is_empty() {
                <section class="panel" aria-labelledby="bulk-h">
                    <h2 id="bulk-h">{"Bulk-sender checklist (Gmail / Yahoo 2024, Microsoft 2025)"}</h2>
                    {bulk_view(util::list(r, "/bulk_sender"))}
                </section>
            }

            <div class="grid2">
                if let Some(h) = util::at(r, "/headers") {
                    <section class="panel" aria-labelledby="hdr-h"><h2 id="hdr-h">{"Headers"}</h2>{generic(h, 0)}</section>
                }
                if let Some(u) = util::at(r, "/unsubscribe") {
                    <section class="panel" aria-labelledby="unsub-h"><h2 id="unsub-h">{"Unsubscribe"}</h2>{generic(u, 0)}</section>
                }
            </div>
            if let Some(b) = util::at(r, "/body") {
                <section class="panel" aria-labelledby="body-h"><h2 id="body-h">{"Content"}</h2>{generic(b, 0)}</section>
            }
            if let Some(ip) = util::text(r, "/envelope/client_ip") {
                {match &ctx.settings.companion {
                    Companion::Present(c) if c.has("dnsbl") => html! { <crate::pages::companion::DnsblBox query={ip} /> },
                    Companion::Present(_) => html! {},
                    _ => html! { <crate::pages::companion::NeedsCompanion what={format!("Blocklist (DNSBL) check of {ip}")} /> },
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

fn score_class(score: Option<f64>) -> &'static str {
    match score {
        Some(s) if s >= 8.0 => "good",
        Some(s) if s >= 5.0 => "fair",
        Some(_) => "poor",
        None => "",
    }
}

fn verdict(label: &'static str, testid: &'static str, word: Option<String>) -> Html {
    let word = word.unwrap_or_else(|| "none".to_string());
    html! {
        <div class="verdict" data-testid={testid}>
            <span class="label">{label}</span>{" "}
            {result_word(&word)}
        </div>
    }
}

/// The DKIM results of every signature, in header order (`none` when the message is unsigned,
/// RFC 8601 §2.7.1). Each signature's own result, as the core computed it.
fn dkim_words(r: &Value) -> Option<String> {
    let sigs = util::list(r, "/auth/dkim");
    if sigs.is_empty() {
        return Some("none".into());
    }
    let words: Vec<String> = sigs
        .iter()
        .map(|s| {
            let res = util::text(s, "/result").unwrap_or_else(|| "none".into());
            match util::text(s, "/domain") {
                Some(d) => format!("{res} ({d})"),
                None => res,
            }
        })
        .collect();
    Some(words.join(", "))
}

fn auth_panel(r: &Value) -> Html {
    let spf = util::at(r, "/auth/spf");
    let dmarc = util::at(r, "/auth/dmarc");
    let arc = util::at(r, "/auth/arc");
    let dkim = util::list(r, "/auth/dkim");
    html! {
        <>
            <div class="grid2">
                <div>
                    <h3>{"SPF "}{result_word(&util::text(r, "/auth/spf/result").unwrap_or_else(|| "none".into()))}</h3>
                    if let Some(s) = spf { <Kv value={s.clone()} skip={vec!["result"]} /> }
                </div>
                <div>
                    <h3>{"DMARC "}{result_word(&util::text(r, "/auth/dmarc/result").unwrap_or_else(|| "none".into()))}</h3>
                    if let Some(d) = dmarc {
                        <Kv value={d.clone()} skip={vec!["result", "alignment"]} />
                        {alignment_view(d)}
                    }
                </div>
            </div>
            <h3>{format!("DKIM signatures ({})", dkim.len())}</h3>
            if dkim.is_empty() {
                <p class="muted">{"The message carries no DKIM-Signature header. Sign outgoing mail (RFC 6376); bulk senders must (Gmail/Yahoo 2024)."}</p>
            } else {
                { for dkim.iter().enumerate().map(|(i, s)| html! {
                    <div class="verdict" style="margin:.4rem 0">
                        <strong>{format!("#{} ", i + 1)}</strong>
                        {result_word(&util::text(s, "/result").unwrap_or_else(|| "none".into()))}
                        {format!(" d={} s={}", util::text(s, "/domain").unwrap_or_default(), util::text(s, "/selector").unwrap_or_default())}
                        if let Some(f) = util::at(s, "/failure") {
                            <p class="res-fail">
                                {util::text(f, "/kind").map(|k| util::humanize(&k)).unwrap_or_default()}
                                {util::text(f, "/likely_cause").map(|c| format!(": {c}")).unwrap_or_default()}
                            </p>
                        }
                        <Kv value={s.clone()} skip={vec!["result", "domain", "selector", "key_record"]} />
                        if let Some(k) = util::text(s, "/key_record") { <pre class="small">{k}</pre> }
                    </div>
                }) }
            }
            <h3>{"ARC "}{result_word(&util::text(r, "/auth/arc/result").unwrap_or_else(|| "none".into()))}</h3>
            if let Some(a) = arc { {generic(a, 1)} }
        </>
    }
}

/// DMARC identifier alignment (RFC 7489 §3.1): each identifier against the From domain.
fn alignment_view(d: &Value) -> Html {
    match util::at(d, "/alignment") {
        Some(Value::Array(items)) => object_table(items),
        Some(other @ Value::Object(_)) => generic(other, 1),
        _ => html! {},
    }
}

fn upstream_view(up: &Value, r: &Value) -> Html {
    let v = util::at(up, "/verdicts").unwrap_or(up);
    let up_dkim: Vec<String> = util::list(v, "/dkim")
        .iter()
        .map(|pair| match pair {
            Value::Array(p) => format!(
                "{} ({})",
                p.get(1).and_then(util::scalar_text).unwrap_or_default(),
                p.first().and_then(util::scalar_text).unwrap_or_default()
            ),
            other => util::scalar_text(other).unwrap_or_default(),
        })
        .collect();
    let row = |method: &str, upstream: Option<String>, fresh: Option<String>| {
        let u = upstream.unwrap_or_else(|| "—".into());
        let f = fresh.unwrap_or_else(|| "none".into());
        html! {
            <tr>
                <td>{method.to_string()}</td>
                <td class={util::result_class(&u)}>{u.clone()}</td>
                <td class={util::result_class(&f)}>{f.clone()}</td>
            </tr>
        }
    };
    let drift = util::list(up, "/drift");
    html! {
        <>
            if let Some(id) = util::text(v, "/trusted_authserv_id") {
                <p class="small">{format!("Trusted Authentication-Results from {id} (the receiving server, RFC 8601 §5).")}</p>
            } else {
                <p class="small muted">{"No Authentication-Results header from a receiving server: nothing to compare."}</p>
            }
            <div class="table-wrap">
                <table>
                    <thead><tr><th>{"Method"}</th><th>{"At delivery"}</th><th>{"Now"}</th></tr></thead>
                    <tbody>
                        {row("SPF", util::text(v, "/spf"), util::text(r, "/auth/spf/result"))}
                        {row("DKIM", (!up_dkim.is_empty()).then(|| up_dkim.join(", ")), dkim_words(r))}
                        {row("DMARC", util::text(v, "/dmarc"), util::text(r, "/auth/dmarc/result"))}
                        {row("ARC", util::text(v, "/arc"), util::text(r, "/auth/arc/result"))}
                    </tbody>
                </table>
            </div>
            { for drift.iter().map(|d| html! {
                <div class="notice">
                    <strong>{format!("{} changed: {} → {}", util::text(d, "/method").unwrap_or_default().to_uppercase(), util::text(d, "/upstream").unwrap_or_default(), util::text(d, "/fresh").unwrap_or_default())}</strong>
                    {" "}{util::text(d, "/explanation").unwrap_or_default()}
                </div>
            }) }
        </>
    }
}

fn envelope_view(r: &Value) -> Html {
    let rows = [("Client IP", "client_ip"), ("HELO", "helo"), ("MAIL FROM", "mail_from")];
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"Envelope"}</th><th>{"Value"}</th><th>{"Taken from"}</th></tr></thead>
                <tbody>
                    { for rows.iter().map(|(label, key)| {
                        let value = match util::at(r, &format!("/envelope/{key}")) {
                            Some(Value::String(s)) if s.is_empty() => "<> (null sender)".to_string(),
                            Some(v) => util::scalar_text(v).unwrap_or_default(),
                            None => "not found".into(),
                        };
                        html! {
                            <tr>
                                <td>{*label}</td>
                                <td class="wrap mono">{value}</td>
                                <td class="small muted">{util::text(r, &format!("/envelope/source/{key}")).unwrap_or_default()}</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

fn hops_view(hops: &[Value]) -> Html {
    if hops.is_empty() {
        return html! { <p class="muted">{"No Received headers: the message has not passed through a mail server yet."}</p> };
    }
    html! {
        <>
            <h3>{format!("Hops ({}), first server first", hops.len())}</h3>
            <ol class="hops">
                { for hops.iter().map(|h| {
                    let from = util::first_text(h, &["/from", "/from_host", "/from_name"]).unwrap_or_else(|| "?".into());
                    let by = util::first_text(h, &["/by", "/by_host"]).unwrap_or_else(|| "?".into());
                    let ip = util::first_text(h, &["/from_ip", "/client_ip"]);
                    let with = util::first_text(h, &["/with", "/protocol"]);
                    let tls = util::first_text(h, &["/tls_version", "/tls", "/tls/version"]);
                    let when = util::first_text(h, &["/date_text", "/date"]);
                    let delay = util::at(h, "/delay_seconds").or_else(|| util::at(h, "/delay")).and_then(Value::as_i64);
                    html! {
                        <li>
                            <div><strong>{from}</strong>{ip.map(|i| format!(" [{i}]")).unwrap_or_default()}{" → "}<strong>{by}</strong></div>
                            <div class="small muted">
                                {with.map(|w| format!("with {w} · ")).unwrap_or_default()}
                                {match tls { Some(t) => format!("TLS {t} · "), None => "no TLS recorded · ".into() }}
                                {when.unwrap_or_default()}
                                if let Some(d) = delay {
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

fn bulk_view(items: &[Value]) -> Html {
    html! {
        <ul class="checklist">
            { for items.iter().map(|it| {
                let status = util::first_text(it, &["/status", "/result", "/state"]).unwrap_or_else(|| "unknown".into());
                let title = util::first_text(it, &["/requirement", "/title", "/id"]).unwrap_or_default();
                let detail = util::first_text(it, &["/detail", "/explanation", "/note"]);
                let who = util::first_text(it, &["/source", "/providers"]);
                let badge = match status.as_str() {
                    "pass" | "ok" | "met" | "yes" => "ok",
                    "fail" | "missing" | "not_met" | "no" => "error",
                    "warn" | "warning" | "partial" => "warning",
                    _ => "neutral",
                };
                html! {
                    <li>
                        <span><span class={classes!("badge", badge)}>{status.replace('_', " ")}</span></span>
                        <span>
                            <strong>{title}</strong>
                            if let Some(w) = who { <span class="small muted">{format!(" · {w}")}</span> }
                            if let Some(d) = detail { <div class="small">{d}</div> }
                        </span>
                    </li>
                }
            }) }
        </ul>
    }
}
