//! "Check domain": every email DNS check of a domain through DoH, sections filling in as
//! their answers return; the SPF include tree; the records to publish; and a what-if box
//! whose zone-file lines are laid over live DNS before anything is published.
//! Shareable as `#/domain/example.com` (nothing private goes into the URL).

use crate::components::{CopyButton, DnsTable, ErrorBox, FindingsView, result_word, section_fields};
use crate::ctx::{AppCtx, Route, set_hash};
use crate::engine::{self, DomainInput, UiError};
use crate::pages::companion::{NeedsCompanion, SmtpProbeBox};
use crate::settings::Companion;
use crate::util;
use crate::view::{self, SPF_LOOKUP_LIMIT, SPF_VOID_LIMIT, word};
use inboxlens_core::domain::dkim_keys::DkimKey;
use inboxlens_core::domain::mx::MxHost;
use inboxlens_core::domain::spf::{SpfNode, SpfTerm};
use inboxlens_core::domain::{DomainReport, Section, SectionUpdate};
use inboxlens_core::findings::{Finding, Severity};
use std::rc::Rc;
use yew::prelude::*;

/// Props of [`DomainPage`].
#[derive(Properties, PartialEq)]
pub(crate) struct DomainProps {
    /// The domain from a shared URL (`#/domain/example.com`): checked on arrival.
    pub(crate) initial: Option<String>,
}

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Running,
    Done(Rc<DomainReport>),
    Failed(UiError),
}

/// Live progress: sections as they complete.
#[derive(Clone, PartialEq, Default)]
struct Live {
    run: u32,
    sections: Vec<SectionUpdate>,
}

enum LiveAction {
    Start(u32),
    Section(u32, SectionUpdate),
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
pub(crate) fn domain_page(props: &DomainProps) -> Html {
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
                    move |s: SectionUpdate| live.dispatch(LiveAction::Section(run_id, s))
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
                        <DomainReportView report={report.clone()} />
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
    sections: Vec<SectionUpdate>,
}

/// The core's sections in display order (`domain::Section`), shown pending until they arrive.
const SECTIONS: [Section; 9] = [
    Section::Spf,
    Section::Dmarc,
    Section::Dkim,
    Section::Mx,
    Section::MtaSts,
    Section::TlsRpt,
    Section::Bimi,
    Section::Dnssec,
    Section::Dane,
];

/// Every section: the ones whose answers are in (with their findings), the rest still waiting.
#[component(LiveSections)]
fn live_sections(props: &LiveProps) -> Html {
    let arrived = |section: Section| props.sections.iter().find(|s| s.data.section() == section);
    html! {
        <section class="panel" aria-live="polite" aria-busy="true" data-testid="live-sections">
            <h2><span class="spinner"></span>{format!(" Checking… {} of {} sections done", props.sections.len(), SECTIONS.len())}</h2>
            { for SECTIONS.iter().map(|&section| {
                let name = view::section_title(section);
                let key = view::section_key(section);
                match arrived(section) {
                    Some(s) => {
                        let findings = &s.findings;
                        let worst = findings.iter().map(|f| f.severity).max();
                        let (badge, label) = match worst {
                            Some(Severity::Error) => ("error", "problems"),
                            Some(Severity::Warning) => ("warning", "warnings"),
                            _ => ("ok", "done"),
                        };
                        html! {
                            <details class="finding info" data-section={key}>
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
                        <div class="finding" style="padding:.5rem .7rem" data-pending={key}>
                            <span class="spinner"></span>{" "}<span class="title">{name}</span>
                            <span class="small muted">{" waiting for DNS answers…"}</span>
                        </div>
                    },
                }
            }) }
        </section>
    }
}

/// Props of [`DomainReportView`].
#[derive(Properties, PartialEq)]
pub(crate) struct DomainReportProps {
    /// The core's report.
    pub(crate) report: Rc<DomainReport>,
}

/// The finished domain report.
#[component(DomainReportView)]
pub(crate) fn domain_report(props: &DomainReportProps) -> Html {
    let r = &*props.report;
    let findings = r.findings.clone();
    let domain = r.domain.clone();
    let json = view::pretty_json(r);
    let export = {
        let json = json.clone();
        let name = format!("inboxlens-{}.json", util::file_safe(&domain));
        Callback::from(move |_: MouseEvent| {
            let _ = util::download(&name, "application/json", &json);
        })
    };
    let fixes = records_to_publish(r);
    let dns = r.dns.clone();
    let spf_records = &r.spf.records;
    let policy = view::opt_word(&r.dmarc.policy).unwrap_or_else(|| "none".into());
    let dnssec = word(&r.dnssec.status);
    html! {
        <div data-testid="domain-report">
            <section class="panel" aria-labelledby="dsum-h">
                <h2 id="dsum-h">{domain.clone()}</h2>
                <div class="summary">
                    <div class={classes!("score", view::score_class(Some(r.score)))} data-testid="score">
                        <span class="num">{format!("{:.1}", r.score)}</span>
                        <span class="of">{"/ 10"}</span>
                    </div>
                    <div>
                        <dl class="kv">
                            <dt>{"SPF"}</dt><dd class="mono">{ for spf_records.iter().map(|t| html! { <div>{t}</div> }) }
                                if spf_records.is_empty() { <span class="muted">{"no record"}</span> }</dd>
                            <dt>{"SPF lookups"}</dt><dd>{format!("{} of {SPF_LOOKUP_LIMIT} · void {} of {SPF_VOID_LIMIT}", r.spf.lookups, r.spf.void_lookups)}</dd>
                            <dt>{"DMARC"}</dt><dd class="mono">{r.dmarc.record.clone().unwrap_or_else(|| "no record".into())}</dd>
                            <dt>{"Policy"}</dt><dd>{policy.clone()}</dd>
                            <dt>{"DNSSEC"}</dt><dd>{if dnssec.is_empty() { "?".to_string() } else { dnssec }}</dd>
                        </dl>
                        <div class="row">
                            <button type="button" onclick={export}>{"Export JSON"}</button>
                            <CopyButton text={json} label="Copy JSON" />
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

            if let Some(tree) = &r.spf.tree {
                <section class="panel" aria-labelledby="tree-h">
                    <h2 id="tree-h">{"SPF include tree"}</h2>
                    <p class="small muted">{format!("Each node's DNS lookups (RFC 7208 §4.6.4: include, a, mx, ptr, exists, redirect; MX and PTR sub-lookups included) and the running total against the limit of {SPF_LOOKUP_LIMIT}.")}</p>
                    <SpfTree tree={Rc::new(tree.clone())} />
                </section>
            }

            <div class="grid2">
                <section class="panel" aria-labelledby="mx-h">
                    <h2 id="mx-h">{"MX"}</h2>
                    {mx_view(&r.mx)}
                </section>
                <section class="panel" aria-labelledby="dkim-h">
                    <h2 id="dkim-h">{"DKIM keys"}</h2>
                    if r.dkim.is_empty() {
                        <p class="muted">{"No key found at the selectors tried. That proves nothing: selectors cannot be listed; give yours above."}</p>
                    } else {
                        {dkim_keys_view(&r.dkim)}
                    }
                </section>
            </div>
            <section class="panel" aria-labelledby="ddmarc-h">
                <h2 id="ddmarc-h">{"DMARC "}{result_word(&policy)}</h2>
                {section_fields(&r.dmarc, 0)}
            </section>
            <section class="panel"><h2>{view::section_title(Section::MtaSts)}</h2>{section_fields(&r.mta_sts, 0)}</section>
            <section class="panel"><h2>{view::section_title(Section::TlsRpt)}</h2>{section_fields(&r.tls_rpt, 0)}</section>
            <section class="panel"><h2>{view::section_title(Section::Bimi)}</h2>{section_fields(&r.bimi, 0)}</section>
            <section class="panel"><h2>{view::section_title(Section::Dnssec)}</h2>{section_fields(&r.dnssec, 0)}</section>
            <section class="panel"><h2>{view::section_title(Section::Dane)}</h2>{section_fields(&r.dane, 0)}</section>
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
/// is over a limit, then the records each warning or error finding asks to publish
/// (`Finding::publish`), as zone-file lines; each record once.
fn records_to_publish(r: &DomainReport) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut push = |title: String, rec: String| {
        if !rec.trim().is_empty() && !out.iter().any(|(_, r)| r.trim() == rec.trim()) {
            out.push((title, rec));
        }
    };
    for rec in r.spf.flattened.iter().flat_map(|f| &f.records) {
        push(format!("SPF, flattened to fit {SPF_LOOKUP_LIMIT} lookups"), rec.zone_line.clone());
    }
    for f in r.findings.iter().filter(|f: &&Finding| f.severity >= Severity::Warning && !f.publish.is_empty()) {
        let lines: Vec<String> = f.publish.iter().map(|p| p.zone_line()).collect();
        push(f.title.clone(), lines.join("\n"));
    }
    out
}

/// DKIM keys found at the selectors: type, size and flags, then the record itself.
fn dkim_keys_view(keys: &[DkimKey]) -> Html {
    html! {
        <>
            { for keys.iter().map(|k| {
                let status = word(&k.status);
                let kt = view::opt_word(&k.key_type).unwrap_or_else(|| "?".into());
                let bits = k.key_bits.map(|b| format!(" {b} bits")).unwrap_or_default();
                html! {
                    <div class="verdict" style="margin:.4rem 0">
                        <strong class="mono">{k.selector.clone()}</strong>
                        {" "}<span class={view::result_class(&status)}>{status.clone()}</span>
                        {format!(" · {kt}{bits}")}
                        if k.testing { {" "}<span class="badge warning">{"t=y testing"}</span> }
                        if k.revoked { {" "}<span class="badge error">{"revoked"}</span> }
                        { for k.problems.iter().map(|p| html! { <div class="small res-fail">{p}</div> }) }
                        if let Some(rec) = &k.record {
                            <details><summary class="small">{k.name.clone()}</summary><pre class="small">{rec}</pre></details>
                        }
                    </div>
                }
            }) }
        </>
    }
}

fn mx_view(mx: &[MxHost]) -> Html {
    if mx.is_empty() {
        return html! { <p class="muted">{"No MX records: mail goes to the domain's A/AAAA address (RFC 5321 §5.1), if any."}</p> };
    }
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"Pref"}</th><th>{"Host"}</th><th>{"Addresses"}</th></tr></thead>
                <tbody>
                    { for mx.iter().map(|m| {
                        let status = word(&m.status);
                        html! {
                            <tr>
                                <td>{m.preference}</td>
                                <td class="wrap mono">{m.host.clone()}</td>
                                <td class="wrap mono">
                                    { for m.addresses.iter().map(|a| {
                                        let rev = m.reverse.iter().find(|rv| &rv.address == a);
                                        let ptr = rev.map(|rv| rv.ptr.join(", ")).filter(|p| !p.is_empty());
                                        let fcrdns = rev.and_then(|rv| rv.fcrdns);
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
                                    if m.addresses.is_empty() {
                                        <span class={view::result_class(if status.is_empty() { "fail" } else { &status })}>
                                            {m.error.clone().or_else(|| (!status.is_empty()).then(|| status.clone())).unwrap_or_else(|| "does not resolve".into())}
                                        </span>
                                    }
                                    if let Some(c) = &m.cname { <div class="small res-fail">{format!("CNAME → {c} (RFC 2181 §10.3 forbids)")}</div> }
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
pub(crate) struct TreeProps {
    /// The core's SPF include tree (`spf.tree`).
    pub(crate) tree: Rc<SpfNode>,
}

/// The SPF include tree, collapsible (native `<details>`: keyboard accessible): each record
/// with its terms, what each term cost in DNS lookups (RFC 7208 §4.6.4) and the running
/// total in evaluation order, as the core counted them.
#[component(SpfTree)]
pub(crate) fn spf_tree(props: &TreeProps) -> Html {
    html! { <ul class="tree root">{spf_node(&props.tree, 0)}</ul> }
}

fn spf_node(n: &SpfNode, depth: usize) -> Html {
    let status = word(&n.status);
    let total = u64::from(n.total);
    let voids = u64::from(n.total_void);
    let head = html! {
        <span class="tree-node">
            <strong class="mono">{n.domain.clone()}</strong>
            if !view::is(&n.status, "ok") { <span class={classes!("small", view::result_class(&status))}>{status.clone()}</span> }
            <span class="count">{format!("{} lookup(s) here", n.lookups)}</span>
            <span class={classes!("count", "total", (total > SPF_LOOKUP_LIMIT).then_some("over"))}>{format!("total {total}/{SPF_LOOKUP_LIMIT}")}</span>
            if voids > 0 { <span class={classes!("count", "total", (voids > SPF_VOID_LIMIT).then_some("over"))}>{format!("void {voids}/{SPF_VOID_LIMIT}")}</span> }
        </span>
    };
    html! {
        <li>
            <details open={depth < 2}>
                <summary>{head}</summary>
                if let Some(rec) = &n.record { <div class="small mono muted">{rec}</div> }
                if let Some(e) = &n.error { <div class="small res-fail">{e}</div> }
                <ul class="tree">
                    { for n.terms.iter().map(|t| spf_term(t, depth)) }
                </ul>
            </details>
        </li>
    }
}

fn spf_term(t: &SpfTerm, depth: usize) -> Html {
    let running = u64::from(t.running_total);
    let cost = if t.lookups == 0 {
        html! { <span class="count">{"no lookup"}</span> }
    } else {
        html! {
            <>
                <span class="count">{format!("+{}{}", t.lookups, if t.sub_lookups > 0 { format!(" (+{} address lookups)", t.sub_lookups) } else { String::new() })}</span>
                <span class={classes!("count", "total", (running > SPF_LOOKUP_LIMIT).then_some("over"))}>{format!("→ {running}")}</span>
            </>
        }
    };
    html! {
        <>
            <li>
                <span class="tree-node">
                    <code>{t.term.clone()}</code>
                    {cost}
                    if t.void { <span class="badge warning">{"void"}</span> }
                    if let Some(e) = &t.error { <span class="small res-fail">{e}</span> }
                </span>
                if !t.addresses.is_empty() && t.addresses.len() <= 8 {
                    <div class="small muted mono">{t.addresses.join(" ")}</div>
                } else if !t.addresses.is_empty() {
                    <div class="small muted">{format!("{} addresses", t.addresses.len())}</div>
                }
                if let Some(node) = t.node.as_deref().filter(|_| depth < 12) { <ul class="tree">{spf_node(node, depth + 1)}</ul> }
            </li>
        </>
    }
}
