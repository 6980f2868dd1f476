//! The app shell: hash router (`#/`, `#/domain/example.com`, `#/bounce`, `#/verify`, `#/inbound`), header with the
//! theme toggle, and the DNS settings bar shared by every page.

use crate::ctx::{AppCtx, Route};
use crate::pages::smtp_test::SmtpTestPage;
use crate::pages::{
    analyze::AnalyzePage, bounce::BouncePage, domain::DomainPage, inbound::InboundPage, verify::VerifyPage,
};
use crate::settings::{self, Companion, DohSource, Settings};
use crate::util;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

/// The root component.
#[component(App)]
pub(crate) fn app() -> Html {
    let route =
        use_state(|| Route::from_hash(&util::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()));
    let settings = use_state(Settings::initial);
    let theme = use_state(|| util::storage_get(util::KEY_THEME));

    // Follow the fragment (back/forward, shared links, nav clicks).
    {
        let route = route.clone();
        use_effect_with((), move |_| {
            let cb = Closure::<dyn Fn()>::new(move || {
                let hash = util::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
                route.set(Route::from_hash(&hash));
            });
            let w = util::window();
            if let Some(w) = &w {
                let _ = w.add_event_listener_with_callback("hashchange", cb.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = w {
                    let _ = w.remove_event_listener_with_callback("hashchange", cb.as_ref().unchecked_ref());
                }
                drop(cb);
            }
        });
    }

    // Is the page served by the companion server?
    {
        let settings = settings.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let companion = settings::probe_companion().await;
                settings.set(settings.with_companion(companion));
            });
        });
    }

    {
        let theme = theme.clone();
        use_effect_with((*theme).clone(), move |t| util::apply_theme(t.as_deref()));
    }

    let toggle_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let dark_now = match theme.as_deref() {
                Some("dark") => true,
                Some("light") => false,
                _ => util::prefers_dark(),
            };
            let next = if dark_now { "light" } else { "dark" };
            util::storage_set(util::KEY_THEME, next);
            theme.set(Some(next.to_string()));
        })
    };
    let dark_now = match theme.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => util::prefers_dark(),
    };

    let ctx = AppCtx {
        settings: (*settings).clone(),
        set_settings: {
            let settings = settings.clone();
            Callback::from(move |s: Settings| settings.set(s))
        },
    };

    let nav_link = |r: Route, label: &'static str| {
        let current = std::mem::discriminant(&*route) == std::mem::discriminant(&r);
        let href = match &r {
            Route::Domain(_) => "#/domain".to_string(),
            Route::Inbound(_) => "#/inbound".to_string(),
            other => other.to_hash(),
        };
        html! {
            <a href={href} aria-current={if current { Some("page") } else { None }}>{label}</a>
        }
    };

    // What leaves the browser on this page.
    let privacy = match *route {
        Route::Verify => {
            "Addresses you verify go to the Inboxlens server that serves this page, which asks their mail servers; nothing else leaves your browser."
        }
        Route::Inbound(_) => {
            "The test message you send is received and kept by the Inboxlens server that serves this page until its address expires."
        }
        Route::SmtpTest => {
            "The server name and the credentials you test go to the Inboxlens server that serves this page, which connects to that SMTP server; the password is never stored or logged."
        }
        _ => "Runs in your browser: messages never leave it; only DNS questions go out.",
    };
    let page = match (*route).clone() {
        Route::Analyze => html! { <AnalyzePage /> },
        Route::Domain(d) => html! { <DomainPage initial={d} /> },
        Route::Bounce => html! { <BouncePage /> },
        Route::Verify => html! { <VerifyPage /> },
        Route::Inbound(t) => html! { <InboundPage token={t} /> },
        Route::SmtpTest => html! { <SmtpTestPage /> },
    };
    // The test address needs a companion with an inbound receiver (or an open page of it).
    let has_inbound =
        matches!(&settings.companion, Companion::Present(c) if c.has("inbound")) || matches!(*route, Route::Inbound(_));

    html! {
        <ContextProvider<AppCtx> context={ctx.clone()}>
            <a class="skip" href="#main">{"Skip to content"}</a>
            <header class="top">
                <a class="brand" href="#/">{"Inbox"}<span>{"lens"}</span></a>
                <nav aria-label="Pages">
                    {nav_link(Route::Analyze, "Analyze message")}
                    {nav_link(Route::Domain(None), "Check domain")}
                    {nav_link(Route::Bounce, "Explain bounce")}
                    {nav_link(Route::Verify, "Verify list")}
                    if has_inbound { {nav_link(Route::Inbound(None), "Send a test email")} }
                    {nav_link(Route::SmtpTest, "Test SMTP settings")}
                </nav>
                <span class="spacer"></span>
                <button type="button" class="theme" onclick={toggle_theme} aria-pressed={dark_now.to_string()}
                        title="Switch between dark and light">
                    {if dark_now { "☀ Light" } else { "☾ Dark" }}
                </button>
            </header>
            <p class="privacy-note">{privacy}</p>
            <main id="main" tabindex="-1">
                {page}
                <DnsSettings />
            </main>
            <footer>
                {"Inboxlens: email deliverability analysis. Verdicts follow RFC 7208 (SPF), RFC 6376 (DKIM), RFC 9989/7489 (DMARC), RFC 8617 (ARC)."}
            </footer>
        </ContextProvider<AppCtx>>
    }
}

/// The DoH endpoint box and what the companion server offers.
#[component(DnsSettings)]
fn dns_settings() -> Html {
    let Some(ctx) = use_context::<AppCtx>() else {
        return html! {};
    };
    let draft = use_state(|| ctx.settings.doh.clone());
    let error = use_state(|| None::<String>);
    {
        // Show the effective endpoint when it changes underneath (companion probe finished).
        let draft = draft.clone();
        use_effect_with(ctx.settings.doh.clone(), move |doh| draft.set(doh.clone()));
    }
    let on_input = {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let el: web_sys::HtmlInputElement = e.target_unchecked_into();
            draft.set(el.value());
        })
    };
    let save = {
        let ctx = ctx.clone();
        let draft = draft.clone();
        let error = error.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match settings::check_endpoint(&draft) {
                Ok(()) => {
                    error.set(None);
                    ctx.set_settings.emit(ctx.settings.with_user_doh(&draft));
                }
                Err(msg) => error.set(Some(msg)),
            }
        })
    };
    let reset = {
        let ctx = ctx.clone();
        Callback::from(move |_: MouseEvent| ctx.set_settings.emit(ctx.settings.with_user_doh("")))
    };
    let source = match ctx.settings.source {
        DohSource::User => "your choice, remembered in this browser",
        DohSource::Companion => "the Inboxlens server that serves this page",
        DohSource::Public => "a public DNS-over-HTTPS resolver (default when no Inboxlens server is present)",
    };
    let companion = match &ctx.settings.companion {
        Companion::Probing => {
            html! { <p class="small muted"><span class="spinner"></span>{" Looking for the Inboxlens server…"}</p> }
        }
        Companion::Absent => html! {
            <p class="small muted">
                {"No Inboxlens server behind this page, so SMTP probes, blocklist (DNSBL) checks and MTA-STS policy fetches are off: a browser cannot open port 25 or fetch across origins. Run "}
                <code>{"inboxlens serve"}</code>{" and open the address it prints to get them."}
            </p>
        },
        Companion::Present(caps) => html! {
            <p class="small muted">
                {"Served by the Inboxlens server: SMTP probes, blocklist checks and MTA-STS fetches are available"}
                {if caps.features.is_empty() { String::new() } else { format!(" (features: {})", caps.features.join(", ")) }}
                {"."}
            </p>
        },
    };
    html! {
        <section class="panel" aria-labelledby="dns-settings-h">
            <h2 id="dns-settings-h">{"DNS resolver"}</h2>
            <form onsubmit={save}>
                <label for="doh-endpoint">{"DNS-over-HTTPS endpoint (RFC 8484)"}</label>
                <div class="row">
                    <input id="doh-endpoint" class="grow mono" type="url" data-testid="doh-endpoint" value={(*draft).clone()}
                           oninput={on_input} spellcheck="false" autocomplete="off" />
                    <button type="submit">{"Use"}</button>
                    <button type="button" onclick={reset}>{"Default"}</button>
                </div>
            </form>
            if let Some(msg) = &*error { <div class="error-box" role="alert">{msg}</div> }
            <p class="small muted">{format!("Now using {} — {}.", ctx.settings.doh, source)}</p>
            {companion}
        </section>
    }
}
