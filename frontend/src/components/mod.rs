//! Building blocks the pages share: copy button, findings grouped by area, the DNS evidence
//! table, the field-by-field rendering of report sections that have no dedicated view, and
//! the error box.

use crate::{util, view};
use inboxlens_core::dns::recorder::DnsEvidence;
use inboxlens_core::findings::{Area, Finding, Severity};
use serde::Serialize;
use serde_json::Value;
use yew::prelude::*;

/// Props of [`CopyButton`].
#[derive(Properties, PartialEq)]
pub(crate) struct CopyProps {
    pub(crate) text: AttrValue,
    #[prop_or(AttrValue::Static("Copy"))]
    pub(crate) label: AttrValue,
}

/// Copies its text to the clipboard and says so.
#[component(CopyButton)]
pub(crate) fn copy_button(props: &CopyProps) -> Html {
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
pub(crate) struct ErrorProps {
    pub(crate) title: AttrValue,
    pub(crate) message: AttrValue,
}

/// A failure said in words, with what to do about it.
#[component(ErrorBox)]
pub(crate) fn error_box(props: &ErrorProps) -> Html {
    html! {
        <div class="error-box" role="alert" data-testid="error">
            <strong>{props.title.clone()}</strong>
            {props.message.clone()}
        </div>
    }
}

/// Props of [`FindingsView`].
#[derive(Properties, PartialEq)]
pub(crate) struct FindingsProps {
    pub(crate) findings: Vec<Finding>,
    /// Open every finding of this severity or worse.
    #[prop_or(Severity::Error)]
    pub(crate) open_from: Severity,
}

/// Findings grouped by area (the core's order), worst first within a group.
#[component(FindingsView)]
pub(crate) fn findings_view(props: &FindingsProps) -> Html {
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
pub(crate) struct DnsProps {
    /// The report's `dns[]` evidence list.
    pub(crate) entries: Vec<DnsEvidence>,
}

/// Every DNS answer the verdicts rest on (name, type, rcode, data, TTL, DNSSEC AD bit).
#[component(DnsTable)]
pub(crate) fn dns_table(props: &DnsProps) -> Html {
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

fn dns_row(e: &DnsEvidence) -> Html {
    let rcode = e.error.clone().or_else(|| e.rcode.clone()).unwrap_or_default();
    let rclass = if e.error.is_some() {
        "res-temperror"
    } else if rcode.eq_ignore_ascii_case("noerror") {
        ""
    } else {
        "res-none"
    };
    html! {
        <tr>
            <td class="wrap mono">{e.name.clone()}</td>
            <td>{e.rtype.to_string()}</td>
            <td class={rclass}>{rcode}</td>
            <td class="wrap mono">
                { for e.records.iter().map(|d| html! { <div>{d}</div> }) }
                if e.records.is_empty() && e.error.is_none() { <span class="muted">{"(no records)"}</span> }
            </td>
            <td>{e.ttl.map(|t| t.to_string()).unwrap_or_default()}</td>
            <td>{if e.ad { "secure (AD)" } else { "—" }}</td>
        </tr>
    }
}

/// Props of [`Kv`].
#[derive(Properties, PartialEq)]
pub(crate) struct KvProps {
    pub(crate) value: Value,
    /// Fields not to show (rendered elsewhere).
    #[prop_or_default]
    pub(crate) skip: Vec<&'static str>,
}

/// A report section's scalar fields as a definition list, labelled in words ([`view::label`]);
/// fields the core adds later show up too. Build the value with [`fields`].
#[component(Kv)]
pub(crate) fn kv(props: &KvProps) -> Html {
    let Some(map) = props.value.as_object() else {
        return html! { <span>{scalar_text(&props.value).unwrap_or_default()}</span> };
    };
    let rows: Vec<(String, String)> = map
        .iter()
        .filter(|(k, _)| !props.skip.contains(&k.as_str()))
        .filter_map(|(k, v)| scalar_text(v).filter(|s| !s.is_empty()).map(|s| (view::label(k), s)))
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
pub(crate) fn result_word(word: &str) -> Html {
    html! { <span class={classes!("word", view::result_class(word))}>{word.to_string()}</span> }
}

/// A typed report part as the field tree [`Kv`] and [`generic`] lay out: the same fields,
/// names and values as the exported JSON.
pub(crate) fn fields<T: Serialize + ?Sized>(part: &T) -> Value {
    serde_json::to_value(part).unwrap_or(Value::Null)
}

/// A scalar as text (strings as-is, numbers printed, booleans yes/no); arrays of scalars
/// joined with ", "; objects give `None`.
pub(crate) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "yes".into() } else { "no".into() }),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let parts: Vec<String> = items.iter().filter_map(scalar_text).collect();
            Some(parts.join(", "))
        }
        _ => None,
    }
}

/// Renders a typed report part the page has no dedicated view for (headers, body,
/// unsubscribe, the DMARC and MTA-STS sections...): its scalar fields labelled in words,
/// then each list of objects as a table and each nested object under its own heading.
pub(crate) fn section_fields<T: Serialize + ?Sized>(part: &T, depth: usize) -> Html {
    generic(&fields(part), depth)
}

/// [`section_fields`] over an already serialized part. Depth-limited.
fn generic(value: &Value, depth: usize) -> Html {
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
                                <h4 class="small">{view::label(k)}</h4>
                                {generic(v, depth + 1)}
                            </div>
                        }) }
                    }
                </>
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object()) => object_table(items),
        other => html! { <span>{scalar_text(other).unwrap_or_default()}</span> },
    }
}

/// A list of typed rows as a table whose columns are their scalar fields (first 8 seen).
pub(crate) fn rows_table<T: Serialize>(rows: &[T]) -> Html {
    let items: Vec<Value> = rows.iter().map(fields).collect();
    object_table(&items)
}

/// A list of serialized objects as a table whose columns are their scalar fields (first 8 seen).
fn object_table(items: &[Value]) -> Html {
    let mut cols: Vec<String> = Vec::new();
    for item in items {
        if let Some(map) = item.as_object() {
            for (k, v) in map {
                if scalar_text(v).is_some() && !cols.contains(k) && cols.len() < 8 {
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
                <thead><tr>{ for cols.iter().map(|c| html! { <th>{view::label(c)}</th> }) }</tr></thead>
                <tbody>
                    { for items.iter().map(|item| html! {
                        <tr>{ for cols.iter().map(|c| {
                            let t = item.get(c.as_str()).and_then(scalar_text).unwrap_or_default();
                            let class = if c == "result" || c == "status" { view::result_class(&t) } else { "wrap".to_string() };
                            html! { <td class={class}>{t}</td> }
                        }) }</tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
