//! Browser plumbing shared by the pages: storage, clipboard, downloads, the theme and
//! the panic hook.

use wasm_bindgen::JsCast;

/// localStorage key of the DoH endpoint the user chose.
pub(crate) const KEY_DOH: &str = "inboxlens.doh";
/// localStorage key of the theme the user chose (`dark` / `light`; absent = follow the OS).
pub(crate) const KEY_THEME: &str = "inboxlens.theme";

/// The window; every browser this app runs in has one.
pub(crate) fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Reads a remembered setting. Storage can be disabled (private mode): then nothing is remembered.
pub(crate) fn storage_get(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Remembers a setting (best effort: a refused write only means it is not remembered).
pub(crate) fn storage_set(key: &str, value: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.set_item(key, value);
    }
}

/// Forgets a setting.
pub(crate) fn storage_remove(key: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.remove_item(key);
    }
}

/// Unix seconds from the browser clock: the core reads no clock, the shell passes `now`.
pub(crate) fn now_secs() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 { (ms / 1000.0) as u64 } else { 0 }
}

/// Milliseconds since page load, for the "analysed in N ms" note.
pub(crate) fn perf_now() -> f64 {
    window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Copies text to the clipboard (async Clipboard API; needs a secure context or localhost).
pub(crate) fn copy_to_clipboard(text: &str) -> bool {
    match window() {
        Some(w) => {
            let _ = w.navigator().clipboard().write_text(text);
            true
        }
        None => false,
    }
}

/// Offers `text` as a file download (the report never goes to a server: a local blob URL).
pub(crate) fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let w = window().ok_or("no window")?;
    let doc = w.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|_| "cannot build the file")?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| "cannot build the file")?;
    let a: web_sys::HtmlAnchorElement =
        doc.create_element("a").map_err(|_| "no anchor")?.dyn_into().map_err(|_| "no anchor")?;
    a.set_href(&url);
    a.set_download(file_name);
    if let Some(body) = doc.body() {
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The theme: `None` follows `prefers-color-scheme`, `Some("dark" | "light")` is the user's choice.
pub(crate) fn apply_theme(theme: Option<&str>) {
    let Some(root) = window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
        return;
    };
    match theme {
        Some(t) => {
            let _ = root.set_attribute("data-theme", t);
        }
        None => {
            let _ = root.remove_attribute("data-theme");
        }
    }
}

/// Whether the OS asks for a dark theme.
pub(crate) fn prefers_dark() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// Shows a person-readable message instead of a blank page when the app panics.
/// The wasm module cannot continue after a panic, so the message offers a reload.
pub(crate) fn install_panic_hook() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let detail = info.to_string();
        web_sys::console::error_1(&format!("Inboxlens internal error: {detail}").into());
        let Some(doc) = window().and_then(|w| w.document()) else {
            return;
        };
        let Some(body) = doc.body() else { return };
        if let Ok(div) = doc.create_element("div") {
            let _ = div.set_attribute("class", "error-box");
            let _ = div.set_attribute("role", "alert");
            div.set_inner_html(
                "<strong>Inboxlens hit an internal error and stopped.</strong>\
                 Your message was not sent anywhere. Reload the page to start again; \
                 if it happens again with the same input, please report it with the detail below.",
            );
            if let Ok(pre) = doc.create_element("pre") {
                pre.set_text_content(Some(&detail));
                let _ = div.append_child(&pre);
            }
            let _ = body.insert_before(&div, body.first_child().as_ref());
        }
    }));
}

/// Removes the static "Loading…" placeholder once the app runs.
pub(crate) fn remove_boot_placeholder() {
    if let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        el.remove();
    }
}

/// A file name part from a domain or subject: letters, digits, dots and dashes only.
pub(crate) fn file_safe(s: &str) -> String {
    let out: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).take(60).collect();
    if out.is_empty() { "report".into() } else { out }
}
