//! "Verify list" (issue 11): mailbox verification and list cleaning through the companion
//! server. Up to [`DIRECT_MAX`] pasted addresses are verified in one request and shown row by
//! row; longer lists and uploaded files run as a job on the server, with a progress bar, and end
//! with the cleaned CSV. The rows are the core's [`VerifyResult`]s: verdict, reason and detail
//! are the server's (the core's `verify::judge`), never decided here.

use crate::components::ErrorBox;
use crate::ctx::AppCtx;
use crate::engine::UiError;
use crate::engine::verify::{self as api, Counts, DIRECT_MAX, JobInput, JobStatus, PREVIEW_ROWS};
use crate::list::{self, AddressList};
use crate::settings::Companion;
use crate::view;
use inboxlens_core::verify::model::{Verdict, VerifyResult};
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Where a finished run's cleaned CSV comes from.
#[derive(Clone, Debug, PartialEq)]
enum Download {
    /// Written in the page from the pasted rows and their results.
    Local(Rc<String>),
    /// The job's `result.csv` on the server.
    Server(String),
}

/// A finished run.
#[derive(Clone, Debug, PartialEq)]
struct Finished {
    /// The results shown (all of a direct run; the first [`PREVIEW_ROWS`] of a job).
    rows: Rc<Vec<VerifyResult>>,
    /// Addresses per verdict (all of them).
    counts: Counts,
    /// The cleaned CSV.
    download: Download,
    /// Why not every row is shown, when not.
    note: Option<UiError>,
}

#[derive(Clone, Debug, PartialEq)]
enum Run {
    Idle,
    /// A direct verification of this many addresses is under way.
    Direct(usize),
    /// A job is being started (`None`) or followed.
    Job(Option<JobStatus>),
    Done(Rc<Finished>),
    Failed(UiError),
}

/// The page.
#[component(VerifyPage)]
pub(crate) fn verify_page() -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let input = use_state(String::new);
    let column = use_state(String::new);
    // A picked or dropped file: sent to the job API as it is on disk.
    let file = use_state(|| None::<web_sys::File>);
    let run = use_state(|| Run::Idle);
    let drag_over = use_state(|| false);
    // Bumped by every run and when the page goes away: older runs' answers are dropped.
    let generation = use_mut_ref(|| 0u64);
    {
        let generation = generation.clone();
        use_effect_with((), move |_| move || *generation.borrow_mut() += 1);
    }

    let on_input = {
        let input = input.clone();
        let file = file.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlTextAreaElement = e.target_unchecked_into();
            input.set(el.value());
            file.set(None);
        })
    };
    let on_column = {
        let column = column.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            column.set(el.value());
        })
    };
    let accept_file = {
        let file = file.clone();
        let run = run.clone();
        Callback::from(move |f: web_sys::File| {
            file.set(Some(f));
            run.set(Run::Idle);
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
    let clear_file = {
        let file = file.clone();
        Callback::from(move |_: MouseEvent| file.set(None))
    };

    let verify = {
        let input = input.clone();
        let column = column.clone();
        let file = file.clone();
        let run = run.clone();
        let generation = generation.clone();
        let companion = ctx.settings.companion.clone();
        Callback::from(move |_: MouseEvent| {
            if companion == Companion::Absent {
                run.set(Run::Failed(needs_server_error()));
                return;
            }
            let col = Some(column.trim().to_string()).filter(|c| !c.is_empty());
            let gen_now = {
                let mut g = generation.borrow_mut();
                *g += 1;
                *g
            };
            let alive = {
                let generation = generation.clone();
                move || *generation.borrow() == gen_now
            };
            if let Some(f) = &*file {
                start_job(run.clone(), JobInput::File(f.clone()), col, Rc::new(alive));
                return;
            }
            let text = (*input).clone();
            let parsed = match list::parse(&text, col.as_deref()) {
                Ok(l) => l,
                Err(e) => {
                    run.set(Run::Failed(UiError::new("This list cannot be read", e.message())));
                    return;
                }
            };
            if parsed.rows.is_empty() {
                run.set(Run::Failed(UiError::new(
                    "Nothing to verify",
                    "Paste addresses, one per line (or a CSV with an email column), or upload a .csv / .txt file.",
                )));
                return;
            }
            if parsed.rows.len() <= DIRECT_MAX {
                verify_direct(run.clone(), parsed, Rc::new(alive));
            } else {
                let csv = parsed.is_csv();
                start_job(run.clone(), JobInput::Text { text, csv }, col, Rc::new(alive));
            }
        })
    };

    // Stops following the job and deletes it on the server (it stops verifying).
    let stop = {
        let run = run.clone();
        let generation = generation.clone();
        Callback::from(move |id: String| {
            *generation.borrow_mut() += 1;
            let run = run.clone();
            wasm_bindgen_futures::spawn_local(async move {
                run.set(Run::Failed(match api::delete_job(&id).await {
                    Ok(()) => UiError::new("Stopped", format!("Job {id} was cancelled on the server: its list and partial results are deleted; its status stays (state cancelled) until it expires.")),
                    Err(e) => UiError::new(
                        "The job could not be deleted",
                        format!("{} This page stopped following it; the server drops it when it expires.", e.message),
                    ),
                }));
            });
        })
    };

    let busy = matches!(&*run, Run::Direct(_) | Run::Job(_));
    let file_note = (*file).as_ref().map(|f| {
        format!(
            "{} · {} — runs as a job on the server (the text box is not used; editing it drops the file).",
            f.name(),
            human_size(f.size())
        )
    });

    html! {
        <>
            <h1>{"Verify a list"}</h1>
            {companion_note(&ctx.settings.companion)}
            <section class="panel" aria-labelledby="verify-in-h">
                <h2 id="verify-in-h" class="sr-only">{"Addresses"}</h2>
                <label for="verify-input">{"Addresses, one per line — or a CSV with a header row"}</label>
                <div class={classes!("dropzone", (*drag_over).then_some("over"))}
                     ondrop={on_drop} ondragover={on_drag_over} ondragleave={on_drag_leave}>
                    <textarea id="verify-input" data-testid="verify-input" class="mono" spellcheck="false"
                              placeholder={"jane@example.com\nsales@example.org\n\nor a CSV:\nname,email\nJane,jane@example.com"}
                              value={(*input).clone()} oninput={on_input} />
                </div>
                if let Some(note) = file_note {
                    <p class="small muted" data-testid="verify-file-note">
                        {note}
                        <button type="button" class="link" onclick={clear_file}>{"Remove file"}</button>
                    </p>
                }
                <div class="row">
                    <button type="button" class="primary" data-testid="verify" onclick={verify} disabled={busy}>
                        {if busy { "Verifying…" } else { "Verify" }}
                    </button>
                    <input id="verify-file" data-testid="verify-file" class="sr-only" type="file"
                           accept=".csv,.tsv,.txt,text/csv,text/plain" onchange={on_pick} />
                    <label class="button file-button" for="verify-file">{"Upload CSV / TXT…"}</label>
                    <label class="inline" for="verify-column">{"Address column"}</label>
                    <input id="verify-column" data-testid="verify-column" type="text" class="column-name"
                           placeholder="auto: email, e-mail, address…" value={(*column).clone()} oninput={on_column}
                           spellcheck="false" autocomplete="off" />
                </div>
                <p class="small muted">
                    {format!("Up to {DIRECT_MAX} addresses are checked at once and listed here. Longer lists and uploaded files run as a job on the server with a progress bar and end with a cleaned CSV. ")}
                    {"The addresses go to the Inboxlens server that serves this page; it looks up each domain's mail servers and asks them about the mailbox (RCPT TO). No message is sent."}
                </p>
            </section>
            {match &*run {
                Run::Idle => html! {},
                Run::Direct(n) => html! {
                    <p aria-live="polite" data-testid="verify-running">
                        <span class="spinner"></span>
                        {format!(" Verifying {n} address{}… Greylisting servers can make this take a few minutes.", if *n == 1 { "" } else { "es" })}
                    </p>
                },
                Run::Job(status) => job_progress(status.as_ref(), stop),
                Run::Failed(e) => html! { <ErrorBox title={e.title.clone()} message={e.message.clone()} /> },
                Run::Done(f) => html! { <Results finished={f.clone()} /> },
            }}
        </>
    }
}

/// Verifies a short list in one request.
fn verify_direct(run: UseStateHandle<Run>, parsed: AddressList, alive: Rc<dyn Fn() -> bool>) {
    run.set(Run::Direct(parsed.rows.len()));
    wasm_bindgen_futures::spawn_local(async move {
        let outcome = api::verify_addresses(parsed.addresses()).await;
        if !alive() {
            return;
        }
        run.set(match outcome {
            Ok(answer) => {
                let csv = api::cleaned_csv(&parsed, &answer.results);
                let note = (answer.smtp == Some(false)).then(|| {
                    UiError::new(
                        "The mailboxes were not asked.",
                        "This Inboxlens server verifies without SMTP (its verify.smtp setting is off): syntax and mail domains are checked, mailboxes are “not checked”.",
                    )
                });
                Run::Done(Rc::new(Finished {
                    counts: Counts::of(&answer.results),
                    rows: Rc::new(answer.results),
                    download: Download::Local(Rc::new(csv)),
                    note,
                }))
            }
            Err(e) => Run::Failed(e),
        });
    });
}

/// Starts a job, follows it to its end and reads its cleaned CSV back for the table.
fn start_job(run: UseStateHandle<Run>, input: JobInput, column: Option<String>, alive: Rc<dyn Fn() -> bool>) {
    run.set(Run::Job(None));
    wasm_bindgen_futures::spawn_local(async move {
        let started = api::start_job(&input, column.as_deref()).await;
        if !alive() {
            return;
        }
        let status = match started {
            Ok(s) => s,
            Err(e) => return run.set(Run::Failed(e)),
        };
        run.set(Run::Job(Some(status.clone())));
        // the newest status, so a repeated event does not repaint
        let last = RefCell::new(Some(status.clone()));
        let on_update = {
            let run = run.clone();
            let alive = alive.clone();
            move |s: &JobStatus| {
                if alive() && last.borrow().as_ref() != Some(s) {
                    *last.borrow_mut() = Some(s.clone());
                    run.set(Run::Job(Some(s.clone())));
                }
            }
        };
        let ended = api::watch_job(&status.id, &on_update, &*alive).await;
        if !alive() {
            return;
        }
        let end = match ended {
            Ok(s) => s,
            Err(e) => return run.set(Run::Failed(e)),
        };
        let (rows, note) = match api::job_results(&end.id, column.as_deref()).await {
            Ok(rows) => {
                let total = end.total.unwrap_or(end.done).max(end.counts.total());
                let note = (rows.len() as u64) < total && rows.len() >= PREVIEW_ROWS;
                let note = note.then(|| {
                    UiError::new(
                        format!("The first {} of {total} rows are shown", rows.len()),
                        "Download the cleaned CSV for all of them.",
                    )
                });
                (rows, note)
            }
            Err(e) => (Vec::new(), Some(e)),
        };
        if !alive() {
            return;
        }
        run.set(Run::Done(Rc::new(Finished {
            rows: Rc::new(rows),
            counts: end.counts,
            download: Download::Server(api::result_url(&end.id)),
            note,
        })));
    });
}

fn needs_server_error() -> UiError {
    UiError::new(
        "Verifying mailboxes needs the Inboxlens server",
        "This page is not served by it. Start it with scripts/run.sh (or `inboxlens serve`) and open http://127.0.0.1:8080/#/verify.",
    )
}

/// What the page can do with the companion it has (or has not).
fn companion_note(companion: &Companion) -> Html {
    match companion {
        Companion::Probing => html! {
            <p class="small muted"><span class="spinner"></span>{" Looking for the Inboxlens server…"}</p>
        },
        Companion::Absent => html! {
            <div class="notice" role="status" data-testid="verify-needs-server">
                <strong>{"Verifying mailboxes needs the Inboxlens server. "}</strong>
                {"No Inboxlens server serves this page, and a browser cannot open SMTP connections (port 25) to ask mail servers about a mailbox. Start it from a checkout with "}
                <code>{"scripts/run.sh"}</code>
                {" (it builds this app and serves it at http://127.0.0.1:8080; or run "}<code>{"inboxlens serve"}</code>
                {"), then open "}<code>{"http://127.0.0.1:8080/#/verify"}</code>{"."}
            </div>
        },
        Companion::Present(caps) if !caps.features.is_empty() && !caps.has("verify") => html! {
            <div class="notice small" role="status">
                {format!("This Inboxlens server does not announce mailbox verification (it offers: {}); it may be older than this page.", caps.features.join(", "))}
            </div>
        },
        Companion::Present(_) => html! {},
    }
}

/// The progress bar of a running job.
fn job_progress(status: Option<&JobStatus>, stop: Callback<String>) -> Html {
    let Some(s) = status else {
        return html! {
            <p aria-live="polite" data-testid="verify-running"><span class="spinner"></span>{" Sending the list to the server…"}</p>
        };
    };
    let text = match s.total {
        _ if s.state == "queued" => {
            "Queued: the server starts the job when one of its running slots is free…".to_string()
        }
        Some(t) if t > 0 => format!("{} of {t} addresses checked", s.done),
        _ => format!("{} addresses checked; reading the list…", s.done),
    };
    let on_stop = {
        let id = s.id.clone();
        Callback::from(move |_: MouseEvent| stop.emit(id.clone()))
    };
    html! {
        <section class="panel" data-testid="verify-job" data-job-id={s.id.clone()} data-state={s.state.clone()}>
            <h2>{"Verifying"}</h2>
            <label for="verify-progress-bar">{text}</label>
            if let Some(t) = s.total.filter(|t| *t > 0) {
                <progress id="verify-progress-bar" class="job" data-testid="verify-progress" max={t.to_string()} value={s.done.to_string()}></progress>
            } else {
                <progress id="verify-progress-bar" class="job" data-testid="verify-progress"></progress>
            }
            <p class="small muted">
                { for view::VERDICTS.iter().map(|v| format!("{} {} · ", v.as_str(), s.counts.get(*v))) }
                {format!("job {} ({})", s.id, s.state)}
            </p>
            <button type="button" data-testid="verify-stop" onclick={on_stop}>{"Stop and delete the job"}</button>
        </section>
    }
}

/// Props of [`Results`].
#[derive(Properties, PartialEq)]
struct ResultsProps {
    finished: Rc<Finished>,
}

/// Summary, verdict filters, the cleaned-CSV download and the table.
#[component(Results)]
fn results(props: &ResultsProps) -> Html {
    // which verdicts are shown, in view::VERDICTS order
    let shown = use_state(|| [true; 4]);
    let f = &props.finished;
    let total = f.counts.total();
    let toggle = |i: usize| {
        let shown = shown.clone();
        Callback::from(move |_: MouseEvent| {
            let mut next = *shown;
            next[i] = !next[i];
            shown.set(next);
        })
    };
    let visible = |v: Verdict| view::VERDICTS.iter().position(|x| *x == v).is_some_and(|i| shown[i]);
    let rows: Vec<&VerifyResult> = f.rows.iter().filter(|r| visible(r.verdict)).collect();
    html! {
        <section class="panel" data-testid="verify-results" aria-labelledby="verify-out-h">
            <h2 id="verify-out-h">{"Results"}</h2>
            <div class="verify-summary" data-testid="verify-summary" data-total={total.to_string()} aria-live="polite">
                <span class="total">{format!("{total} address{}:", if total == 1 { "" } else { "es" })}</span>
                { for view::VERDICTS.iter().map(|v| {
                    let n = f.counts.get(*v);
                    html! {
                        <span class="count" data-verdict={v.as_str()} data-count={n.to_string()}
                              title={view::verdict_advice(*v)}>
                            <span class={classes!("badge", view::verdict_badge(*v))}>{v.as_str()}</span>
                            <strong>{n}</strong>
                        </span>
                    }
                }) }
            </div>
            <div class="row">
                <span class="small muted">{"Show:"}</span>
                <div class="filters" role="group" aria-label="Show verdicts">
                    { for view::VERDICTS.iter().enumerate().map(|(i, v)| html! {
                        <button type="button" data-testid={format!("verify-filter-{}", v.as_str())}
                                data-verdict={v.as_str()} aria-pressed={shown[i].to_string()} onclick={toggle(i)}>
                            {format!("{} ({})", v.as_str(), f.counts.get(*v))}
                        </button>
                    }) }
                </div>
                <span class="spacer"></span>
                <DownloadLink download={f.download.clone()} />
            </div>
            if let Some(n) = &f.note { <div class="notice small"><strong>{n.title.clone()}</strong>{" "}{n.message.clone()}</div> }
            if !f.rows.is_empty() {
                <div class="table-wrap">
                    <table class="verify-table">
                        <thead><tr><th>{"Address"}</th><th>{"Verdict"}</th><th>{"Reason"}</th><th>{"Detail"}</th><th>{"MX"}</th><th>{"Flags"}</th></tr></thead>
                        <tbody>{ for rows.into_iter().map(result_row) }</tbody>
                    </table>
                </div>
                if f.rows.iter().all(|r| !visible(r.verdict)) {
                    <p class="muted">{"Every verdict is filtered out: switch one on above."}</p>
                }
            }
        </section>
    }
}

fn result_row(r: &VerifyResult) -> Html {
    let flags: Vec<(&str, &str)> = [
        (r.role, "role", "A role address (postmaster, info, sales…): a team, not a person."),
        (r.free, "free", "A free mailbox provider."),
        (r.disposable, "disposable", "A disposable (throw-away) mailbox domain."),
        (
            r.catch_all == Some(true),
            "catch-all",
            "The domain accepts any local part: the mailbox itself cannot be confirmed.",
        ),
    ]
    .into_iter()
    .filter_map(|(on, name, why)| on.then_some((name, why)))
    .collect();
    let normalized = r.normalized.as_ref().filter(|n| **n != r.address);
    // the deciding reply as the server wrote it (the detail cites it in words)
    let smtp = r.smtp.as_ref().map(|s| match &s.enhanced_code {
        Some(e) => format!("{} {e} {}", s.code, s.reply),
        None => format!("{} {}", s.code, s.reply),
    });
    html! {
        <tr data-testid="verify-row" data-verdict={r.verdict.as_str()} data-reason={r.reason.as_str()} data-address={r.address.clone()}>
            <td class="wrap mono">
                {r.address.clone()}
                if let Some(n) = normalized { <div class="small muted">{format!("→ {n}")}</div> }
            </td>
            <td><span class={classes!("badge", view::verdict_badge(r.verdict))} title={view::verdict_advice(r.verdict)}>{r.verdict.as_str()}</span></td>
            <td title={r.reason.as_str()}>{view::reason_label(r.reason)}</td>
            <td class="wrap" title={smtp}>{r.detail.clone()}</td>
            <td class="wrap mono">{r.mx.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{ for flags.into_iter().map(|(name, why)| html! { <span class={classes!("flag", name)} title={why}>{name}</span> }) }</td>
        </tr>
    }
}

/// Props of [`DownloadLink`].
#[derive(Properties, PartialEq)]
struct DownloadProps {
    download: Download,
}

/// The "Download cleaned CSV" link: the job's `result.csv`, or a blob URL of the CSV written
/// in the page (revoked when the results change or the page goes).
#[component(DownloadLink)]
fn download_link(props: &DownloadProps) -> Html {
    let blob_url = use_state(|| None::<String>);
    {
        let blob_url = blob_url.clone();
        use_effect_with(props.download.clone(), move |d| {
            let url = match d {
                Download::Local(csv) => blob_url_of(csv),
                Download::Server(_) => None,
            };
            blob_url.set(url.clone());
            move || {
                if let Some(u) = url {
                    let _ = web_sys::Url::revoke_object_url(&u);
                }
            }
        });
    }
    let href = match &props.download {
        Download::Server(u) => Some(u.clone()),
        Download::Local(_) => (*blob_url).clone(),
    };
    match href {
        Some(href) => html! {
            <a class="button" data-testid="verify-download" href={href} download="inboxlens-verified.csv">{"Download cleaned CSV"}</a>
        },
        None => html! {},
    }
}

/// A blob URL holding a CSV (the list never goes to a server for this).
fn blob_url_of(csv: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(csv));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/csv;charset=utf-8");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

fn human_size(bytes: f64) -> String {
    if bytes < 1024.0 {
        format!("{bytes} bytes")
    } else if bytes < 1024.0 * 1024.0 {
        format!("{:.1} KB", bytes / 1024.0)
    } else {
        format!("{:.1} MB", bytes / 1024.0 / 1024.0)
    }
}
