//! "Check domain": every email DNS check of a domain through DoH, sections filling in as
//! their answers return; the SPF include tree; the records to publish; and a what-if box
//! whose zone-file lines are laid over live DNS before anything is published.
//! Shareable as `#/domain/example.com` (nothing private goes into the URL).

use crate::app::{AppCtx, Route, set_hash};
use crate::components::{CopyButton, DnsTable, ErrorBox, FindingsView, findings_of, generic, result_word};
use crate::engine::{self, DomainInput, UiError};
use crate::pages::companion::{NeedsCompanion, SmtpProbeBox};
use crate::settings::Companion;
use crate::util;
use serde_json::Value;
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`DomainPage`].
#[derive(Properties, PartialEq)]
pub struct DomainProps {
    /// The domain from a shared URL (`#/domain/example.com`): checked on arrival.
    pub initial: Option<String>,
}

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Running,
    Done(Rc<Value>),
    Failed(UiError),
}

/// Live progress: sections as they complete.
#[derive(Clone, PartialEq, Default)]
struct Live {
    run: u32,
    sections: Vec<Value>,
}

enum LiveAction {
    Start(u32),
    Section(u32, Value),
}

impl Reducible for Live {
    type Action = LiveAction;
    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        match action {
            LiveAction::Start(run) => Rc::new(Live { run, sections: Vec::new() }),
            LiveAction::Section(run, s) if run == self.run => {
                let mut next = (*self).clone();
                next.sections.push(s);
                Rc::new(next)
            }
            LiveAction::Section(..) => self,
        }
    }
}

/// The page.
#[component(DomainPage)]
pub fn domain_page(props: &DomainProps) -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let domain = use_state(|| props.initial.clone().unwrap_or_default());
    let selectors = use_state(String::new);
    let parked = use_state(|| false);
    let whatif = use_state(String::new);
    let outcome = use_state(|| Outcome::Idle);
    let live = use_reducer(Live::default);
    let run_counter = use_mut_ref(|| 0u32);
    let last_checked = use_mut_ref(|| None::<String>);
    let checked_whatif = use_state(|| false);
    let probing = ctx.settings.companion == Companion::Probing;

    let run = {
        let outcome = outcome.clone();
        let live = live.clone();
        let run_counter = run_counter.clone();
        let last_checked = last_checked.clone();
        let selectors = selectors.clone();
        let parked = parked.clone();
        let whatif = whatif.clone();
        let checked_whatif = checked_whatif.clone();
        let doh = ctx.settings.doh.clone();
        let companion_mta_sts = matches!(&ctx.settings.companion, Companion::Present(c) if c.has("mta_sts"));
        Callback::from(move |name: String| {
            let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
            if let Err(msg) = engine::check_domain_name(&name) {
                outcome.set(Outcome::Failed(msg));
                return;
            }
            *last_checked.borrow_mut() = Some(name.clone());
            set_hash(&Route::Domain(Some(name.clone())));
            let run_id = {
                let mut c = run_counter.borrow_mut();
                *c += 1;
                *c
            };
            live.dispatch(LiveAction::Start(run_id));
            outcome.set(Outcome::Running);
            checked_whatif.set(!whatif.trim().is_empty());
            let input = DomainInput {
                domain: name,
                selectors: selectors
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                parked: *parked,
                whatif: (*whatif).clone(),
            };
            let outcome = outcome.clone();
            let live = live.clone();
            let doh = doh.clone();
            let run_counter = run_counter.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let on_section = {
                    let live = live.clone();
                    move |s: Value| live.dispatch(LiveAction::Section(run_id, s))
                };
                let result = engine::check_domain(&input, &doh, companion_mta_sts, on_section).await;
                if *run_counter.borrow() != run_id {
                    return; // a newer check replaced this one
                }
                outcome.set(match result {
                    Ok(v) => Outcome::Done(Rc::new(v)),
                    Err(e) => Outcome::Failed(e),
                });
            });
        })
    };

    // A shared link: check the domain once DNS settings are known.
    {
        let run = run.clone();
        let domain = domain.clone();
        let last_checked = last_checked.clone();
        use_effect_with((props.initial.clone(), probing), move |(initial, probing)| {
            if let Some(d) = initial
                && !*probing
                && last_checked.borrow().as_deref() != Some(d.as_str())
            {
                domain.set(d.clone());
                run.emit(d.clone());
            }
        });
    }

    let on_submit = {
        let run = run.clone();
        let domain = domain.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            run.emit((*domain).clone());
        })
    };
    let text_setter = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            state.set(el.value());
        })
    };
    let on_whatif = {
        let whatif = whatif.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            whatif.set(el.value());
        })
    };
    let on_parked = {
        let parked = parked.clone();
        Callback::from(move |e: Event| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            parked.set(el.checked());
        })
    };
    let running = *outcome == Outcome::Running;
    let current = last_checked.borrow().clone().unwrap_or_default();

    html! {
        <>
            <h1>{"Check a domain"}</h1>
            <section class="panel" aria-labelledby="dom-h">
                <h2 id="dom-h" class="sr-only">{"Domain"}</h2>
                <form onsubmit={on_submit}>
                    <label for="domain-input">{"Domain that sends mail"}</label>
                    <div class="row">
                        <input id="domain-input" class="grow" type="text" data-testid="domain-input" placeholder="example.com"
                               value={(*domain).clone()} oninput={text_setter(&domain)} autocomplete="off" spellcheck="false"
                               autocapitalize="none" inputmode="url" />
                        <button type="submit" class="primary" data-testid="check-domain" disabled={running || probing}>
                            {if running { "Checking…" } else { "Check" }}
                        </button>
                    </div>
                    <div class="grid2">
                        <div>
                            <label for="selectors">{"DKIM selectors (optional)"}</label>
                            <input id="selectors" type="text" placeholder="s1, google, selector1" value={(*selectors).clone()}
                                   oninput={text_setter(&selectors)} spellcheck="false" />
                            <p class="small muted">{"Without selectors, a list of common ones is tried; finding none proves nothing."}</p>
                        </div>
                        <div>
                            <label><input type="checkbox" checked={*parked} onchange={on_parked} />{" Parked domain (sends no mail)"}</label>
                            <p class="small muted">{"Checks the no-mail profile: v=spf1 -all, DMARC p=reject, null MX (RFC 7505)."}</p>
                        </div>
                    </div>
                    <div>
                        <label for="whatif-input">{"What if I published… (optional zone-file lines, laid over live DNS for the check; nothing is published)"}</label>
                        <textarea id="whatif-input" class="mono short" data-testid="whatif-input" spellcheck="false"
                                  placeholder={"@ 300 IN TXT \"v=spf1 include:_spf.example.net -all\"\n_dmarc 300 IN TXT \"v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com\""}
                                  value={(*whatif).clone()} oninput={on_whatif} />
                        <p class="small muted">{"RFC 1035 master-file syntax; relative names are under the domain above. These answers replace the live ones of the same name and type during the check."}</p>
                    </div>
                </form>
            </section>
            {match &*outcome {
                Outcome::Idle => html! {},
                Outcome::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                Outcome::Running => html! { <LiveSections sections={live.sections.clone()} /> },
                Outcome::Done(report) => html! {
                    <>
                        if *checked_whatif {
                            <div class="notice" role="status">{"Checked with your what-if records laid over live DNS. Nothing was published."}</div>
                        }
                        <DomainReport report={report.clone()} />
                        {match &ctx.settings.companion {
                            Companion::Present(c) if c.has("smtp_probe") => html! { <SmtpProbeBox domain={current.clone()} /> },
                            Companion::Present(_) => html! {},
                            _ => html! { <NeedsCompanion what="SMTP probe of the MX hosts and the MTA-STS policy fetch" /> },
                        }}
                    </>
                },
            }}
        </>
    }
}

/// Props of [`LiveSections`].
#[derive(Properties, PartialEq)]
struct LiveProps {
    sections: Vec<Value>,
}

/// The core's sections in display order (`domain::Section`), shown pending until they arrive.
const SECTIONS: [&str; 9] = ["spf", "dmarc", "dkim", "mx", "mta_sts", "tls_rpt", "bimi", "dnssec", "dane"];

/// Every section: the ones whose answers are in (with their findings), the rest still waiting.
#[component(LiveSections)]
fn live_sections(props: &LiveProps) -> Html {
    let arrived = |key: &str| props.sections.iter().find(|s| util::text(s, "/section").as_deref() == Some(key));
    html! {
        <section class="panel" aria-live="polite" aria-busy="true" data-testid="live-sections">
            <h2><span class="spinner"></span>{format!(" Checking… {} of {} sections done", props.sections.len(), SECTIONS.len())}</h2>
            { for SECTIONS.iter().map(|key| {
                let name = section_name(&serde_json::json!({ "section": key }));
                match arrived(key) {
                    Some(s) => {
                        let findings = findings_of(s);
                        let worst = findings.iter().map(|f| f.severity).max();
                        let (badge, label) = match worst {
                            Some(inboxlens_core::findings::Severity::Error) => ("error", "problems"),
                            Some(inboxlens_core::findings::Severity::Warning) => ("warning", "warnings"),
                            _ => ("ok", "done"),
                        };
                        html! {
                            <details class="finding info" data-section={key.to_string()}>
                                <summary>
                                    <span class={classes!("badge", badge)}>{label}</span>
                                    <span class="title">{name}</span>
                                    <span class="fid">{format!("{} findings", findings.len())}</span>
                                </summary>
                                <div class="body">
                                    { for findings.iter().map(|f| html! { <div class="small"><span class={classes!("badge", f.severity.as_str())}>{f.severity.as_str()}</span>{" "}{&f.title}</div> }) }
                                </div>
                            </details>
                        }
                    }
                    None => html! {
                        <div class="finding" style="padding:.5rem .7rem" data-pending={key.to_string()}>
                            <span class="spinner"></span>{" "}<span class="title">{name}</span>
                            <span class="small muted">{" waiting for DNS answers…"}</span>
                        </div>
                    },
                }
            }) }
        </section>
    }
}

fn section_name(s: &Value) -> String {
    util::first_text(s, &["/section", "/name", "/kind", "/id", "/title"])
        .map(|n| match n.as_str() {
            "spf" => "SPF".to_string(),
            "dmarc" => "DMARC".into(),
            "dkim" => "DKIM keys".into(),
            "mx" => "MX".into(),
            "mta_sts" => "MTA-STS".into(),
            "tls_rpt" => "TLS-RPT".into(),
            "bimi" => "BIMI".into(),
            "dnssec" => "DNSSEC".into(),
            "dane" => "DANE".into(),
            other => util::humanize(other),
        })
        .unwrap_or_else(|| "Section".into())
}

/// Props of [`DomainReport`].
#[derive(Properties, PartialEq)]
pub struct DomainReportProps {
    pub report: Rc<Value>,
}

/// The finished domain report.
#[component(DomainReport)]
pub fn domain_report(props: &DomainReportProps) -> Html {
    let r = &*props.report;
    let findings = findings_of(r);
    let domain = util::text(r, "/domain").unwrap_or_default();
    let score = util::at(r, "/score").and_then(Value::as_f64);
    let export = {
        let report = props.report.clone();
        let name = format!("inboxlens-{}.json", util::file_safe(&domain));
        Callback::from(move |_: MouseEvent| {
            let _ = util::download(&name, "application/json", &util::pretty(&report));
        })
    };
    let fixes = records_to_publish(r, &findings);
    let dns = util::list(r, "/dns").to_vec();
    let spf_records = util::list(r, "/spf/records");
    html! {
        <div data-testid="domain-report">
            <section class="panel" aria-labelledby="dsum-h">
                <h2 id="dsum-h">{domain.clone()}</h2>
                <div class="summary">
                    <div class={classes!("score", score.map(|s| if s >= 8.0 { "good" } else if s >= 5.0 { "fair" } else { "poor" }))} data-testid="score">
                        <span class="num">{score.map(|s| format!("{s:.1}")).unwrap_or_else(|| "–".into())}</span>
                        <span class="of">{"/ 10"}</span>
                    </div>
                    <div>
                        <dl class="kv">
                            <dt>{"SPF"}</dt><dd class="mono">{ for spf_records.iter().filter_map(util::scalar_text).map(|t| html! { <div>{t}</div> }) }
                                if spf_records.is_empty() { <span class="muted">{"no record"}</span> }</dd>
                            <dt>{"SPF lookups"}</dt><dd>{format!("{} of {} · void {} of {}", util::text(r, "/spf/lookups").unwrap_or_else(|| "?".into()), inboxlens_core::auth::spf::limits::MAX_DNS_TERMS, util::text(r, "/spf/void_lookups").unwrap_or_else(|| "?".into()), inboxlens_core::auth::spf::limits::MAX_VOID_LOOKUPS)}</dd>
                            <dt>{"DMARC"}</dt><dd class="mono">{util::text(r, "/dmarc/record").unwrap_or_else(|| "no record".into())}</dd>
                            <dt>{"Policy"}</dt><dd>{util::text(r, "/dmarc/policy").unwrap_or_else(|| "none".into())}</dd>
                            <dt>{"DNSSEC"}</dt><dd>{util::first_text(r, &["/dnssec/status", "/dnssec/state", "/dnssec"]).unwrap_or_else(|| "?".into())}</dd>
                        </dl>
                        <div class="row">
                            <button type="button" onclick={export}>{"Export JSON"}</button>
                            <CopyButton text={util::pretty(r)} label="Copy JSON" />
                            <CopyButton text={share_url(&domain)} label="Copy link to this check" />
                        </div>
                    </div>
                </div>
            </section>

            if !fixes.is_empty() {
                <section class="panel" aria-labelledby="fix-h">
                    <h2 id="fix-h">{"Records to publish"}</h2>
                    <p class="small muted">{"Corrected records, ready to paste into your DNS. Try them first in the what-if box above."}</p>
                    { for fixes.iter().map(|(title, rec)| html! {
                        <div>
                            <div class="fix-head"><span>{title.clone()}</span><CopyButton text={rec.clone()} /></div>
                            <pre>{rec.clone()}</pre>
                        </div>
                    }) }
                </section>
            }

            <section class="panel" aria-labelledby="dfind-h">
                <h2 id="dfind-h">{"Findings"}</h2>
                <FindingsView findings={findings} />
            </section>

            if let Some(tree) = util::at(r, "/spf/tree") {
                <section class="panel" aria-labelledby="tree-h">
                    <h2 id="tree-h">{"SPF include tree"}</h2>
                    <p class="small muted">{"Each node's DNS lookups (RFC 7208 §4.6.4: include, a, mx, ptr, exists, redirect; MX and PTR sub-lookups included) and the running total against the limit of 10."}</p>
                    <SpfTree tree={tree.clone()} />
                </section>
            }

            <div class="grid2">
                <section class="panel" aria-labelledby="mx-h">
                    <h2 id="mx-h">{"MX"}</h2>
                    {mx_view(util::list(r, "/mx"))}
                </section>
                <section class="panel" aria-labelledby="dkim-h">
                    <h2 id="dkim-h">{"DKIM keys"}</h2>
                    if util::list(r, "/dkim").is_empty() {
                        <p class="muted">{"No key found at the selectors tried. That proves nothing: selectors cannot be listed; give yours above."}</p>
                    } else {
                        {dkim_keys_view(util::list(r, "/dkim"))}
                    }
                </section>
            </div>
            if let Some(d) = util::at(r, "/dmarc") {
                <section class="panel" aria-labelledby="ddmarc-h">
                    <h2 id="ddmarc-h">{"DMARC "}{result_word(&util::text(r, "/dmarc/policy").unwrap_or_else(|| "none".into()))}</h2>
                    {generic(d, 0)}
                </section>
            }
            { for ["mta_sts", "tls_rpt", "bimi", "dnssec", "dane"].iter().filter_map(|k| {
                let v = util::at(r, &format!("/{k}"))?;
                if !v.is_object() && !v.is_array() { return None; }
                Some(html! {
                    <section class="panel">
                        <h2>{section_name(&serde_json::json!({"section": k}))}</h2>
                        {generic(v, 0)}
                    </section>
                })
            }) }
            <section class="panel" aria-labelledby="ddns-h">
                <details>
                    <summary><h2 id="ddns-h" style="display:inline">{format!("DNS evidence ({})", dns.len())}</h2></summary>
                    <DnsTable entries={dns} />
                </details>
            </section>
        </div>
    }
}

fn share_url(domain: &str) -> String {
    let base = util::window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default();
    format!("{base}{}", Route::Domain(Some(domain.to_string())).to_hash())
}

/// The corrected records the core wrote: the flattened SPF record when the published one
/// is over a limit, the corrected DMARC record, and every finding's fix that is a record.
fn records_to_publish(r: &Value, findings: &[inboxlens_core::findings::Finding]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |title: String, rec: String| {
        if !rec.trim().is_empty() && !out.iter().any(|(_, r)| r.trim() == rec.trim()) {
            out.push((title, rec));
        }
    };
    for rec in util::list(r, "/spf/flattened/records") {
        if let Some(line) = util::text(rec, "/zone_line") {
            push("SPF, flattened to fit 10 lookups".into(), line);
        }
    }
    // Every zone-file line a finding's fix gives (prose lines around them are left out).
    for f in findings.iter().filter(|f| f.severity >= inboxlens_core::findings::Severity::Warning) {
        let lines: Vec<&str> = f.fix.lines().map(str::trim).filter(|l| l.contains(" IN ")).collect();
        if !lines.is_empty() {
            push(f.title.clone(), lines.join("\n"));
        }
    }
    out
}

/// DKIM keys found at the selectors: type, size and flags, then the record itself.
fn dkim_keys_view(keys: &[Value]) -> Html {
    html! {
        <>
            { for keys.iter().map(|k| {
                let status = util::text(k, "/status").unwrap_or_default();
                let kt = util::text(k, "/key_type").unwrap_or_else(|| "?".into());
                let bits = util::text(k, "/key_bits").map(|b| format!(" {b} bits")).unwrap_or_default();
                let flag = |p: &str| util::at(k, p).and_then(Value::as_bool).unwrap_or(false);
                html! {
                    <div class="verdict" style="margin:.4rem 0">
                        <strong class="mono">{util::text(k, "/selector").unwrap_or_default()}</strong>
                        {" "}<span class={util::result_class(&status)}>{status.clone()}</span>
                        {format!(" · {kt}{bits}")}
                        if flag("/testing") { {" "}<span class="badge warning">{"t=y testing"}</span> }
                        if flag("/revoked") { {" "}<span class="badge error">{"revoked"}</span> }
                        { for util::list(k, "/problems").iter().filter_map(util::scalar_text).map(|p| html! { <div class="small res-fail">{p}</div> }) }
                        if let Some(rec) = util::text(k, "/record") {
                            <details><summary class="small">{util::text(k, "/name").unwrap_or_else(|| "record".into())}</summary><pre class="small">{rec}</pre></details>
                        }
                    </div>
                }
            }) }
        </>
    }
}

fn mx_view(mx: &[Value]) -> Html {
    if mx.is_empty() {
        return html! { <p class="muted">{"No MX records: mail goes to the domain's A/AAAA address (RFC 5321 §5.1), if any."}</p> };
    }
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"Pref"}</th><th>{"Host"}</th><th>{"Addresses"}</th></tr></thead>
                <tbody>
                    { for mx.iter().map(|m| {
                        let addrs = util::list(m, "/addresses");
                        html! {
                            <tr>
                                <td>{util::text(m, "/preference").unwrap_or_default()}</td>
                                <td class="wrap mono">{util::text(m, "/host").unwrap_or_default()}</td>
                                <td class="wrap mono">
                                    { for addrs.iter().filter_map(util::scalar_text).map(|a| {
                                        let rev = util::list(m, "/reverse").iter().find(|rv| util::text(rv, "/address").as_deref() == Some(a.as_str()));
                                        let ptr = rev.and_then(|rv| util::text(rv, "/ptr")).filter(|p| !p.is_empty());
                                        let fcrdns = rev.and_then(|rv| util::at(rv, "/fcrdns")).and_then(Value::as_bool);
                                        html! {
                                            <div>
                                                {a.clone()}
                                                <span class="small muted">{format!(" PTR {}", ptr.unwrap_or_else(|| "none".into()))}</span>
                                                {" "}
                                                if let Some(ok) = fcrdns {
                                                    <span class={classes!("badge", if ok { "ok" } else { "warning" })}>{if ok { "FCrDNS ok" } else { "FCrDNS fails" }}</span>
                                                }
                                            </div>
                                        }
                                    }) }
                                    if addrs.is_empty() {
                                        <span class={util::result_class(&util::text(m, "/status").unwrap_or_else(|| "fail".into()))}>
                                            {util::text(m, "/error").or_else(|| util::text(m, "/status")).unwrap_or_else(|| "does not resolve".into())}
                                        </span>
                                    }
                                    if let Some(c) = util::text(m, "/cname") { <div class="small res-fail">{format!("CNAME → {c} (RFC 2181 §10.3 forbids)")}</div> }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// Props of [`SpfTree`].
#[derive(Properties, PartialEq)]
pub struct TreeProps {
    /// The core's `spf.tree` node.
    pub tree: Value,
}

/// The SPF include tree, collapsible (native `<details>`: keyboard accessible): each record
/// with its terms, what each term cost in DNS lookups (RFC 7208 §4.6.4) and the running
/// total in evaluation order, as the core counted them.
#[component(SpfTree)]
pub fn spf_tree(props: &TreeProps) -> Html {
    html! { <ul class="tree root">{spf_node(&props.tree, 0)}</ul> }
}

fn spf_node(n: &Value, depth: usize) -> Html {
    let domain = util::text(n, "/domain").unwrap_or_default();
    let status = util::text(n, "/status").unwrap_or_default();
    let lookups = util::text(n, "/lookups").unwrap_or_else(|| "0".into());
    let total = util::at(n, "/total").and_then(Value::as_u64).unwrap_or(0);
    let voids = util::at(n, "/total_void").and_then(Value::as_u64).unwrap_or(0);
    let terms = util::list(n, "/terms");
    let head = html! {
        <span class="tree-node">
            <strong class="mono">{domain}</strong>
            if status != "ok" { <span class={classes!("small", util::result_class(&status))}>{status.clone()}</span> }
            <span class="count">{format!("{lookups} lookup(s) here")}</span>
            <span class={classes!("count", "total", (total > 10).then_some("over"))}>{format!("total {total}/10")}</span>
            if voids > 0 { <span class={classes!("count", "total", (voids > 2).then_some("over"))}>{format!("void {voids}/2")}</span> }
        </span>
    };
    html! {
        <li>
            <details open={depth < 2}>
                <summary>{head}</summary>
                if let Some(rec) = util::text(n, "/record") { <div class="small mono muted">{rec}</div> }
                if let Some(e) = util::text(n, "/error") { <div class="small res-fail">{e}</div> }
                <ul class="tree">
                    { for terms.iter().map(|t| spf_term(t, depth)) }
                </ul>
            </details>
        </li>
    }
}

fn spf_term(t: &Value, depth: usize) -> Html {
    let term = util::text(t, "/term").unwrap_or_default();
    let lookups = util::at(t, "/lookups").and_then(Value::as_u64).unwrap_or(0);
    let sub = util::at(t, "/sub_lookups").and_then(Value::as_u64).unwrap_or(0);
    let running = util::at(t, "/running_total").and_then(Value::as_u64).unwrap_or(0);
    let void = util::at(t, "/void").and_then(Value::as_bool).unwrap_or(false);
    let addresses = util::list(t, "/addresses");
    let cost = if lookups == 0 {
        html! { <span class="count">{"no lookup"}</span> }
    } else {
        html! {
            <>
                <span class="count">{format!("+{lookups}{}", if sub > 0 { format!(" (+{sub} address lookups)") } else { String::new() })}</span>
                <span class={classes!("count", "total", (running > 10).then_some("over"))}>{format!("→ {running}")}</span>
            </>
        }
    };
    html! {
        <>
            <li>
                <span class="tree-node">
                    <code>{term}</code>
                    {cost}
                    if void { <span class="badge warning">{"void"}</span> }
                    if let Some(e) = util::text(t, "/error") { <span class="small res-fail">{e}</span> }
                </span>
                if !addresses.is_empty() && addresses.len() <= 8 {
                    <div class="small muted mono">{addresses.iter().filter_map(util::scalar_text).collect::<Vec<_>>().join(" ")}</div>
                } else if !addresses.is_empty() {
                    <div class="small muted">{format!("{} addresses", addresses.len())}</div>
                }
                if let Some(node) = util::at(t, "/node").filter(|_| depth < 12) { <ul class="tree">{spf_node(node, depth + 1)}</ul> }
            </li>
        </>
    }
}
