//! Building blocks the pages share: copy button, findings grouped by area, the DNS evidence
//! table, generic key/value rendering of report sections, and the error box.

use crate::util;
use inboxlens_core::findings::{Area, Finding, Severity};
use serde_json::Value;
use yew::prelude::*;

/// Props of [`CopyButton`].
#[derive(Properties, PartialEq)]
pub struct CopyProps {
    pub text: AttrValue,
    #[prop_or(AttrValue::Static("Copy"))]
    pub label: AttrValue,
}

/// Copies its text to the clipboard and says so.
#[component(CopyButton)]
pub fn copy_button(props: &CopyProps) -> Html {
    let copied = use_state(|| false);
    let onclick = {
        let text = props.text.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| copied.set(util::copy_to_clipboard(&text)))
    };
    html! {
        <button type="button" class="copy" {onclick} aria-live="polite">
            {if *copied { AttrValue::Static("Copied ✓") } else { props.label.clone() }}
        </button>
    }
}

/// Props of [`ErrorBox`].
#[derive(Properties, PartialEq)]
pub struct ErrorProps {
    pub title: AttrValue,
    pub message: AttrValue,
}

/// A failure said in words, with what to do about it.
#[component(ErrorBox)]
pub fn error_box(props: &ErrorProps) -> Html {
    html! {
        <div class="error-box" role="alert" data-testid="error">
            <strong>{props.title.clone()}</strong>
            {props.message.clone()}
        </div>
    }
}

/// Reads `findings[]` of a serialized report with the core's own type.
pub fn findings_of(report: &Value) -> Vec<Finding> {
    util::list(report, "/findings").iter().filter_map(|f| serde_json::from_value::<Finding>(f.clone()).ok()).collect()
}

/// Props of [`FindingsView`].
#[derive(Properties, PartialEq)]
pub struct FindingsProps {
    pub findings: Vec<Finding>,
    /// Open every finding of this severity or worse.
    #[prop_or(Severity::Error)]
    pub open_from: Severity,
}

/// Findings grouped by area (the core's order), worst first within a group.
#[component(FindingsView)]
pub fn findings_view(props: &FindingsProps) -> Html {
    if props.findings.is_empty() {
        return html! { <p class="muted">{"No findings: nothing to fix here."}</p> };
    }
    let mut areas: Vec<Area> = props.findings.iter().map(|f| f.area).collect();
    areas.sort();
    areas.dedup();
    html! {
        <div>
            { for areas.into_iter().map(|area| {
                let mut items: Vec<&Finding> = props.findings.iter().filter(|f| f.area == area).collect();
                items.sort_by_key(|f| std::cmp::Reverse(f.severity));
                let worst = items.first().map(|f| f.severity).unwrap_or(Severity::Info);
                html! {
                    <section class="area-group">
                        <h3>{area.title()}<span class={classes!("badge", worst.as_str())}>{items.len()}</span></h3>
                        { for items.into_iter().map(|f| finding_item(f, f.severity >= props.open_from)) }
                    </section>
                }
            }) }
        </div>
    }
}

fn finding_item(f: &Finding, open: bool) -> Html {
    html! {
        <details class={classes!("finding", f.severity.as_str())} data-testid="finding" data-finding-id={f.id.clone()}
                 data-severity={f.severity.as_str()} {open}>
            <summary>
                <span class={classes!("badge", f.severity.as_str())}>{f.severity.as_str()}</span>
                <span class="title">{&f.title}</span>
                <code class="fid">{&f.id}</code>
            </summary>
            <div class="body">
                <p>{&f.explanation}</p>
                if let Some(d) = &f.detail { <p><strong>{"Seen here: "}</strong>{d}</p> }
                <div class="fix-head">{"Fix"}<CopyButton text={f.fix.clone()} /></div>
                <pre>{&f.fix}</pre>
                if !f.evidence.is_empty() {
                    <details>
                        <summary class="small">{format!("Evidence ({})", f.evidence.len())}</summary>
                        { for f.evidence.iter().map(|e| html! { <pre>{e}</pre> }) }
                    </details>
                }
                if !f.reference.is_empty() { <p class="small muted">{"Reference: "}{&f.reference}</p> }
            </div>
        </details>
    }
}

/// Props of [`DnsTable`].
#[derive(Properties, PartialEq)]
pub struct DnsProps {
    /// The report's `dns[]` evidence list.
    pub entries: Vec<Value>,
}

/// Every DNS answer the verdicts rest on (name, type, rcode, data, TTL, DNSSEC AD bit).
#[component(DnsTable)]
pub fn dns_table(props: &DnsProps) -> Html {
    if props.entries.is_empty() {
        return html! { <p class="muted">{"No DNS queries were needed."}</p> };
    }
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr><th>{"Name"}</th><th>{"Type"}</th><th>{"Answer"}</th><th>{"Data"}</th><th>{"TTL"}</th><th>{"DNSSEC"}</th></tr></thead>
                <tbody>
                    { for props.entries.iter().map(dns_row) }
                </tbody>
            </table>
        </div>
    }
}

fn dns_row(e: &Value) -> Html {
    // Evidence rows are the core's `dns::recorder::DnsEvidence`:
    // {name, type, rcode, records: [zone-file lines], ttl, ad, error}.
    let name = util::text(e, "/name").unwrap_or_default();
    let rtype = util::first_text(e, &["/type", "/rtype"]).unwrap_or_default();
    let error = util::text(e, "/error");
    let rcode = error.clone().or_else(|| util::text(e, "/rcode")).unwrap_or_default();
    let records: Vec<String> = util::list(e, "/records").iter().map(record_text).collect();
    let ttl = util::text(e, "/ttl");
    let ad = util::at(e, "/ad").and_then(Value::as_bool).unwrap_or(false);
    let rclass = if error.is_some() {
        "res-temperror"
    } else if rcode.eq_ignore_ascii_case("noerror") {
        ""
    } else {
        "res-none"
    };
    html! {
        <tr>
            <td class="wrap mono">{name}</td>
            <td>{rtype}</td>
            <td class={rclass}>{rcode}</td>
            <td class="wrap mono">
                { for records.iter().map(|d| html! { <div>{d}</div> }) }
                if records.is_empty() && error.is_none() { <span class="muted">{"(no records)"}</span> }
            </td>
            <td>{ttl.unwrap_or_default()}</td>
            <td>{if ad { "secure (AD)" } else { "—" }}</td>
        </tr>
    }
}

/// A record of the evidence list in presentation form, using the core's own printer.
pub fn record_text(r: &Value) -> String {
    if let Value::String(line) = r {
        return line.clone();
    }
    if let Some(data) = r.get("data")
        && let Ok(rd) = serde_json::from_value::<inboxlens_core::dns::RecordData>(data.clone())
    {
        return rd.to_presentation();
    }
    util::first_text(r, &["/text", "/data", "/value"]).unwrap_or_else(|| r.to_string())
}

/// Props of [`Kv`].
#[derive(Properties, PartialEq)]
pub struct KvProps {
    pub value: Value,
    /// Fields not to show (rendered elsewhere).
    #[prop_or_default]
    pub skip: Vec<&'static str>,
}

/// A report section's scalar fields as a definition list (fields the core may add later show up too).
#[component(Kv)]
pub fn kv(props: &KvProps) -> Html {
    let Some(map) = props.value.as_object() else {
        return html! { <span>{util::scalar_text(&props.value).unwrap_or_default()}</span> };
    };
    let rows: Vec<(String, String)> = map
        .iter()
        .filter(|(k, _)| !props.skip.contains(&k.as_str()))
        .filter_map(|(k, v)| util::scalar_text(v).filter(|s| !s.is_empty()).map(|s| (util::humanize(k), s)))
        .collect();
    if rows.is_empty() {
        return html! {};
    }
    html! {
        <dl class="kv">
            { for rows.into_iter().map(|(k, v)| html! { <><dt>{k}</dt><dd>{v}</dd></> }) }
        </dl>
    }
}

/// A result word with its colour.
pub fn result_word(word: &str) -> Html {
    html! { <span class={classes!("word", util::result_class(word))}>{word.to_string()}</span> }
}

/// Renders a report section the page has no dedicated view for: its scalar fields, then
/// each list of objects as a table and each nested object under its own heading.
/// Depth-limited; used for sections the core may extend (headers, body, unsubscribe...).
pub fn generic(value: &Value, depth: usize) -> Html {
    match value {
        Value::Object(map) => {
            let nested: Vec<(&String, &Value)> = map
                .iter()
                .filter(|(_, v)| v.is_object() || v.as_array().is_some_and(|a| a.iter().any(|i| i.is_object())))
                .collect();
            html! {
                <>
                    <Kv value={value.clone()} />
                    if depth < 3 {
                        { for nested.into_iter().map(|(k, v)| html! {
                            <div>
                                <h4 class="small">{util::humanize(k)}</h4>
                                {generic(v, depth + 1)}
                            </div>
                        }) }
                    }
                </>
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object()) => object_table(items),
        other => html! { <span>{util::scalar_text(other).unwrap_or_default()}</span> },
    }
}

/// A list of objects as a table whose columns are their scalar fields (first 8 seen).
pub fn object_table(items: &[Value]) -> Html {
    let mut cols: Vec<String> = Vec::new();
    for item in items {
        if let Some(map) = item.as_object() {
            for (k, v) in map {
                if util::scalar_text(v).is_some() && !cols.contains(k) && cols.len() < 8 {
                    cols.push(k.clone());
                }
            }
        }
    }
    if cols.is_empty() {
        return html! {};
    }
    html! {
        <div class="table-wrap">
            <table>
                <thead><tr>{ for cols.iter().map(|c| html! { <th>{util::humanize(c)}</th> }) }</tr></thead>
                <tbody>
                    { for items.iter().map(|item| html! {
                        <tr>{ for cols.iter().map(|c| {
                            let t = item.get(c.as_str()).and_then(util::scalar_text).unwrap_or_default();
                            let class = if c == "result" || c == "status" { util::result_class(&t) } else { "wrap".to_string() };
                            html! { <td class={class}>{t}</td> }
                        }) }</tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
