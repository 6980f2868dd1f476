//! "Explain bounce": a DSN (RFC 3464) or a pasted SMTP reply → the reply code, the
//! enhanced status code's meaning (RFC 3463), the likely cause and the fix. Parsing only.

use crate::components::{CopyButton, ErrorBox, FindingsView, findings_of, generic, object_table};
use crate::engine::{self, UiError};
use crate::util;
use serde_json::Value;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
enum Outcome {
    Idle,
    Done(Rc<Value>),
    Failed(UiError),
}

/// The page.
#[component(BouncePage)]
pub fn bounce_page() -> Html {
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

fn bounce_view(v: &Rc<Value>) -> Html {
    let findings = findings_of(v);
    let code = util::first_text(v, &["/reply_code"]);
    let enhanced = util::first_text(v, &["/enhanced_status"]);
    let meaning = util::at(v, "/status_meaning").map(|m| {
        [util::text(m, "/class"), util::text(m, "/subject"), util::text(m, "/detail")]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    });
    let cause = util::text(v, "/cause").map(|c| util::humanize(&c));
    let explanation = util::text(v, "/explanation");
    let fix = util::text(v, "/fix");
    let provider = util::text(v, "/provider");
    let permanent = util::at(v, "/permanent").and_then(Value::as_bool);
    let export = {
        let v = v.clone();
        Callback::from(move |_: MouseEvent| {
            let _ = util::download("inboxlens-bounce.json", "application/json", &util::pretty(&v));
        })
    };
    html! {
        <div data-testid="bounce-report">
            <section class="panel">
                <h2>{"What the server said"}</h2>
                <dl class="kv">
                    if let Some(c) = code { <dt>{"Reply code"}</dt><dd><strong>{c}</strong></dd> }
                    if let Some(e) = enhanced { <dt>{"Status code"}</dt><dd><strong>{e}</strong></dd> }
                    if let Some(m) = meaning { <dt>{"Meaning"}</dt><dd>{m}</dd> }
                    if let Some(p) = permanent { <dt>{"Kind"}</dt><dd>{if p { "permanent failure: do not retry as is" } else { "temporary: the sender will retry" }}</dd> }
                    if let Some(c) = cause { <dt>{"Likely cause"}</dt><dd><strong>{c}</strong></dd> }
                    if let Some(p) = provider { <dt>{"Provider"}</dt><dd>{p}</dd> }
                </dl>
                if let Some(e) = explanation { <p>{e}</p> }
                if let Some(f) = fix {
                    <div class="fix-head">{"Fix"}<CopyButton text={f.clone()} /></div>
                    <pre>{f}</pre>
                }
                <div class="row"><button type="button" onclick={export}>{"Export JSON"}</button></div>
            </section>
            <section class="panel"><h2>{"Findings"}</h2><FindingsView findings={findings} /></section>
            if util::list(v, "/recipients").len() > 1 {
                <section class="panel"><h2>{"Recipients"}</h2>{object_table(util::list(v, "/recipients"))}</section>
            }
            <section class="panel"><details><summary>{"All details"}</summary>{generic(v, 0)}</details></section>
        </div>
    }
}
