//! Inboxlens web app: the core compiled to WebAssembly, rendered with Yew.
//! The message never leaves the page; only DNS questions go out (RFC 8484 DoH).
//!
//! Module layering (no cycles): `app` (shell) → `pages` → `components` / `engine` / `ctx`
//! → `view` / `settings` / `util` / `list`; `engine` is the only module that calls the core's
//! checks or the companion server.

mod app;
mod components;
mod ctx;
mod engine;
mod list;
mod pages;
mod settings;
mod util;
mod view;

fn main() {
    util::install_panic_hook();
    util::remove_boot_placeholder();
    yew::Renderer::<app::App>::new().render();
}
