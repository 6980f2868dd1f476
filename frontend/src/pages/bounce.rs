//! "Explain bounce": a DSN (RFC 3464) or a pasted SMTP reply → the reply code, the
//! enhanced status code's meaning (RFC 3463), the likely cause and the fix. Parsing only.

use crate::components::{CopyButton, ErrorBox, FindingsView, rows_table, section_fields};
use crate::engine::{self, UiError};
use crate::{util, view};
use inboxlens_core::bounce::BounceReport;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Done(Rc<BounceReport>),
    Failed(UiError),
}

/// The page.
#[component(BouncePage)]
pub(crate) fn bounce_page() -> Html {
    let input = use_state(String::new);
    let outcome = use_state(|| Outcome::Idle);
    let on_input = {
        let input = input.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            input.set(el.value());
        })
    };
    let explain = {
        let input = input.clone();
        let outcome = outcome.clone();
        Callback::from(move |_: MouseEvent| {
            if input.trim().is_empty() {
                outcome.set(Outcome::Failed(UiError::new(
                    "Nothing to explain",
                    "Paste the bounce message you received, or just the server's reply line, e.g. “550 5.7.26 This mail is unauthenticated”.",
                )));
                return;
            }
            let bytes = input.as_bytes().to_vec();
            let outcome = outcome.clone();
            wasm_bindgen_futures::spawn_local(async move {
                outcome.set(match engine::explain_bounce(&bytes).await {
                    Ok(v) => Outcome::Done(Rc::new(v)),
                    Err(e) => Outcome::Failed(e),
                });
            });
        })
    };
    html! {
        <>
            <h1>{"Explain a bounce"}</h1>
            <section class="panel">
                <label for="bounce-input">{"Bounce message or SMTP reply"}</label>
                <textarea id="bounce-input" data-testid="bounce-input" class="mono short" spellcheck="false"
                          placeholder={"550-5.7.26 This mail has been blocked because the sender is unauthenticated.\n550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM."}
                          value={(*input).clone()} oninput={on_input} />
                <div class="row">
                    <button type="button" class="primary" data-testid="explain-bounce" onclick={explain}>{"Explain"}</button>
                </div>
                <p class="small muted">{"Parsed in this page; nothing is sent anywhere."}</p>
            </section>
            {match &*outcome {
                Outcome::Idle => html! {},
                Outcome::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                Outcome::Done(v) => bounce_view(v),
            }}
        </>
    }
}

fn bounce_view(v: &Rc<BounceReport>) -> Html {
    let meaning = v.status_meaning.as_ref().map(|m| {
        [&m.class, &m.subject, &m.detail].into_iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>().join(" · ")
    });
    let cause = view::word(&v.cause);
    let cause = (!cause.is_empty()).then(|| view::label(&cause));
    let json = view::pretty_json(&**v);
    let export = Callback::from(move |_: MouseEvent| {
        let _ = util::download("inboxlens-bounce.json", "application/json", &json);
    });
    html! {
        <div data-testid="bounce-report">
            <section class="panel">
                <h2>{"What the server said"}</h2>
                <dl class="kv">
                    if let Some(c) = v.reply_code { <dt>{"Reply code"}</dt><dd><strong>{c}</strong></dd> }
                    if let Some(e) = &v.enhanced_status { <dt>{"Status code"}</dt><dd><strong>{e}</strong></dd> }
                    if let Some(m) = meaning { <dt>{"Meaning"}</dt><dd>{m}</dd> }
                    if let Some(p) = v.permanent { <dt>{"Kind"}</dt><dd>{if p { "permanent failure: do not retry as is" } else { "temporary: the sender will retry" }}</dd> }
                    if let Some(c) = cause { <dt>{"Likely cause"}</dt><dd><strong>{c}</strong></dd> }
                    if let Some(p) = &v.provider { <dt>{"Provider"}</dt><dd>{p}</dd> }
                </dl>
                if !v.explanation.is_empty() { <p>{v.explanation.clone()}</p> }
                if !v.fix.is_empty() {
                    <div class="fix-head">{"Fix"}<CopyButton text={v.fix.clone()} /></div>
                    <pre>{v.fix.clone()}</pre>
                }
                <div class="row"><button type="button" onclick={export}>{"Export JSON"}</button></div>
            </section>
            <section class="panel"><h2>{"Findings"}</h2><FindingsView findings={v.findings.clone()} /></section>
            if v.recipients.len() > 1 {
                <section class="panel"><h2>{"Recipients"}</h2>{rows_table(&v.recipients)}</section>
            }
            <section class="panel"><details><summary>{"All details"}</summary>{section_fields(&**v, 0)}</details></section>
        </div>
    }
}
