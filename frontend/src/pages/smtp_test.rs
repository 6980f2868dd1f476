//! "Test SMTP settings" (issue 12): the submission tester through the companion server. The
//! form takes host, port, security, user and password; the answer is the core's
//! [`SubmissionReport`] — the matrix of port × security rows, the recommended setting and every
//! failure explained with its source — rendered here, never judged here.

use crate::components::{ErrorBox, FindingsView};
use crate::ctx::AppCtx;
use crate::engine::UiError;
use crate::engine::smtp_test::{self as api, SmtpTestRequest};
use crate::settings::Companion;
use inboxlens_core::smtp::submission::{SubmissionReport, SubmissionResult};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Clone, Debug, PartialEq)]
enum Run {
    Idle,
    Running,
    Done(Rc<SubmissionReport>),
    Failed(UiError),
}

fn input_value(e: &InputEvent) -> String {
    let el: web_sys::HtmlInputElement = e.target_unchecked_into();
    el.value()
}

fn select_value(e: &Event) -> String {
    let el: web_sys::HtmlSelectElement = e.target_unchecked_into();
    el.value()
}

/// The page.
#[component(SmtpTestPage)]
pub(crate) fn smtp_test_page() -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let host = use_state(String::new);
    let port = use_state(|| "auto".to_string());
    let security = use_state(|| "auto".to_string());
    let user = use_state(String::new);
    let password = use_state(String::new);
    let send_to = use_state(String::new);
    let run = use_state(|| Run::Idle);
    // Bumped by every run and when the page goes away: older answers are dropped.
    let generation = use_mut_ref(|| 0u64);
    {
        let generation = generation.clone();
        use_effect_with((), move |_| move || *generation.borrow_mut() += 1);
    }
    let text = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: InputEvent| s.set(input_value(&e)))
    };
    let choice = |s: &UseStateHandle<String>| {
        let s = s.clone();
        Callback::from(move |e: Event| s.set(select_value(&e)))
    };

    let start = {
        let (host, port, security, user, password, send_to) =
            (host.clone(), port.clone(), security.clone(), user.clone(), password.clone(), send_to.clone());
        let run = run.clone();
        let generation = generation.clone();
        let companion = ctx.settings.companion.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if companion == Companion::Absent {
                run.set(Run::Failed(UiError::new(
                    "Testing SMTP settings needs the Inboxlens server",
                    "A browser cannot open SMTP connections. Start it with scripts/run.sh (or `inboxlens serve`) and open http://127.0.0.1:8080/#/smtp-test.",
                )));
                return;
            }
            let h = host.trim().to_string();
            if h.is_empty() {
                run.set(Run::Failed(UiError::new(
                    "Which server?",
                    "Type the SMTP server's name, e.g. smtp.example.com.",
                )));
                return;
            }
            let u = Some(user.trim().to_string()).filter(|u| !u.is_empty());
            let p = Some((*password).clone()).filter(|p| !p.is_empty());
            if u.is_some() != p.is_some() {
                run.set(Run::Failed(UiError::new(
                    "User and password go together",
                    "Give both to test a login, or neither to test only the connections.",
                )));
                return;
            }
            let req = SmtpTestRequest {
                host: h,
                port: (*port).clone(),
                security: (*security).clone(),
                user: u,
                password: p,
                send_to: Some(send_to.trim().to_string()).filter(|s| !s.is_empty()),
            };
            let gen_now = {
                let mut g = generation.borrow_mut();
                *g += 1;
                *g
            };
            let generation = generation.clone();
            let run = run.clone();
            run.set(Run::Running);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api::run(&req).await;
                if *generation.borrow() != gen_now {
                    return;
                }
                run.set(match outcome {
                    Ok(report) => Run::Done(Rc::new(report)),
                    Err(e) => Run::Failed(e),
                });
            });
        })
    };

    let busy = matches!(*run, Run::Running);
    html! {
        <>
            <h1>{"Test SMTP settings"}</h1>
            <section class="panel" aria-labelledby="smtp-test-in-h">
                <h2 id="smtp-test-in-h" class="sr-only">{"Server and account"}</h2>
                <form onsubmit={start} data-testid="smtp-test-form" autocomplete="off">
                    <div class="smtp-form">
                        <label for="smtp-test-host">{"SMTP server"}
                            <input id="smtp-test-host" data-testid="smtp-test-host" type="text" placeholder="smtp.example.com"
                                   value={(*host).clone()} oninput={text(&host)} spellcheck="false" />
                        </label>
                        <label for="smtp-test-port">{"Port"}
                            <select id="smtp-test-port" data-testid="smtp-test-port" onchange={choice(&port)}>
                                { for ["auto", "587", "465", "2525", "25"].iter().map(|p| html! {
                                    <option value={*p} selected={*port == *p}>{if *p == "auto" { "auto (all)" } else { p }}</option>
                                }) }
                            </select>
                        </label>
                        <label for="smtp-test-security">{"Security"}
                            <select id="smtp-test-security" data-testid="smtp-test-security" onchange={choice(&security)}>
                                { for [("auto", "auto (all)"), ("starttls", "STARTTLS"), ("implicit", "SSL/TLS (implicit)"), ("none", "none")].iter().map(|(v, l)| html! {
                                    <option value={*v} selected={*security == *v}>{*l}</option>
                                }) }
                            </select>
                        </label>
                        <label for="smtp-test-user">{"User"}
                            <input id="smtp-test-user" data-testid="smtp-test-user" type="text" placeholder="you@example.com (optional)"
                                   value={(*user).clone()} oninput={text(&user)} spellcheck="false" autocomplete="off" />
                        </label>
                        <label for="smtp-test-password">{"Password"}
                            <input id="smtp-test-password" data-testid="smtp-test-password" type="password"
                                   value={(*password).clone()} oninput={text(&password)} autocomplete="new-password" />
                        </label>
                        <label for="smtp-test-send-to">{"Send a test message to"}
                            <input id="smtp-test-send-to" data-testid="smtp-test-send-to" type="email" placeholder="optional"
                                   value={(*send_to).clone()} oninput={text(&send_to)} spellcheck="false" />
                        </label>
                    </div>
                    <div class="row">
                        <button type="submit" class="primary" data-testid="smtp-test-run" disabled={busy}>
                            {if busy { "Testing…" } else { "Test" }}
                        </button>
                    </div>
                </form>
                <p class="small muted">
                    {"Every port (25, 465, 587, 2525) × security (implicit TLS, STARTTLS, none) is tried at once. With a user and password, the login is tried first on the best combination alone (a wrong password is one failed attempt), then on the others once accepted — only over TLS to a certificate that names the server; the password goes to the Inboxlens server for this test only and is never stored, logged or shown (transcripts say AUTH PLAIN <redacted>)."}
                </p>
            </section>
            {match &*run {
                Run::Idle => html! {},
                Run::Running => html! {
                    <p aria-live="polite" data-testid="smtp-test-running"><span class="spinner"></span>{" Testing… a port that stays silent takes up to the server's greeting deadline."}</p>
                },
                Run::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                Run::Done(r) => report_view(r),
            }}
        </>
    }
}

fn cell(v: Option<&str>) -> String {
    v.map(str::to_string).unwrap_or_else(|| "—".into())
}

fn cert_text(r: &SubmissionResult) -> (String, &'static str) {
    match &r.cert {
        None => ("—".into(), ""),
        Some(c) if c.trusted && c.hostname_match => ("trusted".into(), "ok"),
        Some(c) if !c.hostname_match => ("name mismatch".into(), "error"),
        Some(c) => {
            (c.trust_error.clone().map(|_| "untrusted".to_string()).unwrap_or_else(|| "untrusted".into()), "error")
        }
    }
}

fn login_text(r: &SubmissionResult, requested: bool) -> (String, &'static str) {
    let l = &r.login;
    let code =
        [l.code.map(|c| c.to_string()), l.enhanced_code.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
    if l.ok {
        (format!("ok {code}"), "ok")
    } else if l.attempted && !code.is_empty() {
        (format!("refused {code}"), "error")
    } else if l.attempted {
        ("no answer".into(), "warning")
    } else if !code.is_empty() {
        (format!("in clear: {code}"), "warning")
    } else if requested && r.usable {
        ("not tried (one login per test)".into(), "")
    } else {
        ("—".into(), "")
    }
}

fn report_view(r: &SubmissionReport) -> Html {
    html! {
        <section class="panel" data-testid="smtp-test-report" aria-labelledby="smtp-test-out-h">
            <h2 id="smtp-test-out-h">{format!("{}{}", r.host, r.ip.as_ref().filter(|ip| **ip != r.host).map(|ip| format!(" ({ip})")).unwrap_or_default())}</h2>
            {match &r.recommended {
                Some(rec) => html! {
                    <div class="notice" role="status" data-testid="smtp-test-recommended" data-port={rec.port.to_string()}
                         data-security={rec.security.as_str()} data-auth={rec.auth.clone()}>
                        <span class="badge ok">{"recommended"}</span>{" "}<strong>{rec.text.clone()}</strong>
                    </div>
                },
                None => html! {
                    <div class="notice" role="status" data-testid="smtp-test-recommended" data-port="">
                        <span class="badge error">{"nothing works"}</span>
                        {" No combination connects with TLS and offers a login"}
                        {if r.login_requested { " that accepted these credentials" } else { "" }}
                        {": see why below."}
                    </div>
                },
            }}
            if let Some(s) = &r.send {
                <p data-testid="smtp-test-send" data-accepted={s.accepted.to_string()}>
                    <span class={classes!("badge", if s.accepted { "ok" } else { "error" })}>{if s.accepted { "test sent" } else { "test not sent" }}</span>
                    {format!(" to {}: {}", s.to, s.reply.clone().or_else(|| s.explanation.clone()).unwrap_or_default())}
                </p>
            }
            <div class="table-wrap">
                <table class="verify-table" data-testid="smtp-test-matrix">
                    <thead><tr>
                        <th>{"Port"}</th><th>{"Security"}</th><th>{"Connected"}</th><th>{"TLS"}</th><th>{"Certificate"}</th>
                        <th>{"AUTH before TLS"}</th><th>{"AUTH"}</th><th>{"Login"}</th><th>{"Why not"}</th>
                    </tr></thead>
                    <tbody>{ for r.results.iter().map(|row| matrix_row(row, r.login_requested)) }</tbody>
                </table>
            </div>
            <h3>{"Findings"}</h3>
            <FindingsView findings={r.findings.clone()} />
        </section>
    }
}

fn matrix_row(r: &SubmissionResult, requested: bool) -> Html {
    let (cert, cert_class) = cert_text(r);
    let (login, login_class) = login_text(r, requested);
    let why = r.login.explanation.clone().or_else(|| r.explanation.clone());
    let why_id = r.failure.or(r.login.failure).map(|f| f.as_str().replace('_', " "));
    let reply = r.login.reply.clone();
    html! {
        <tr data-testid="smtp-test-row" data-port={r.port.to_string()} data-security={r.security.as_str()}
            data-usable={r.usable.to_string()} data-failure={r.failure.or(r.login.failure).map(|f| f.as_str()).unwrap_or("")}>
            <td>{r.port}</td>
            <td>{r.security.label()}</td>
            <td>{if r.connected { "yes" } else { "no" }}</td>
            <td>{cell(r.tls_version.as_deref())}</td>
            <td><span class={classes!("badge", cert_class)} title={r.cert.as_ref().map(|c| c.sans.join(", "))}>{cert}</span></td>
            <td class="mono">{if r.auth_mechanisms_before_tls.is_empty() { "—".to_string() } else { r.auth_mechanisms_before_tls.join(" ") }}</td>
            <td class="mono">{if r.auth_mechanisms.is_empty() { "—".to_string() } else { r.auth_mechanisms.join(" ") }}</td>
            <td><span class={classes!("badge", login_class)} title={reply}>{login}</span></td>
            <td class="wrap small" title={why}>{why_id.unwrap_or_default()}</td>
        </tr>
    }
}
