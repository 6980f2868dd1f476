//! Inboxlens web app: the core compiled to WebAssembly, rendered with Yew.
//! The message never leaves the page; only DNS questions go out (RFC 8484 DoH).

mod app;
mod components;
mod domain_glue;
mod engine;
mod pages;
mod settings;
mod util;

fn main() {
    util::install_panic_hook();
    util::remove_boot_placeholder();
    yew::Renderer::<app::App>::new().render();
}
