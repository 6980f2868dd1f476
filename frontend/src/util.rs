//! Browser plumbing shared by the pages: storage, clipboard, downloads, the theme,
//! the panic hook, and small helpers to read the core's serialized reports.
//!
//! The pages render the core's report *as serialized* (the same JSON that the CLI's
//! `--json` and the page's "Export JSON" give), so what is shown and what is exported
//! can never disagree, and the UI never re-derives a verdict.

use serde_json::Value;
use wasm_bindgen::JsCast;

/// localStorage key of the DoH endpoint the user chose.
pub const KEY_DOH: &str = "inboxlens.doh";
/// localStorage key of the theme the user chose (`dark` / `light`; absent = follow the OS).
pub const KEY_THEME: &str = "inboxlens.theme";

/// The window; every browser this app runs in has one.
pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// Reads a remembered setting. Storage can be disabled (private mode): then nothing is remembered.
pub fn storage_get(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Remembers a setting (best effort: a refused write only means it is not remembered).
pub fn storage_set(key: &str, value: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.set_item(key, value);
    }
}

/// Forgets a setting.
pub fn storage_remove(key: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.remove_item(key);
    }
}

/// Unix seconds from the browser clock: the core reads no clock, the shell passes `now`.
pub fn now_secs() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 { (ms / 1000.0) as u64 } else { 0 }
}

/// Milliseconds since page load, for the "analysed in N ms" note.
pub fn perf_now() -> f64 {
    window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or(0.0)
}

/// Copies text to the clipboard (async Clipboard API; needs a secure context or localhost).
pub fn copy_to_clipboard(text: &str) -> bool {
    match window() {
        Some(w) => {
            let _ = w.navigator().clipboard().write_text(text);
            true
        }
        None => false,
    }
}

/// Offers `text` as a file download (the report never goes to a server: a local blob URL).
pub fn download(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
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
pub fn apply_theme(theme: Option<&str>) {
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
pub fn prefers_dark() -> bool {
    window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .map(|m| m.matches())
        .unwrap_or(false)
}

/// Shows a person-readable message instead of a blank page when the app panics.
/// The wasm module cannot continue after a panic, so the message offers a reload.
pub fn install_panic_hook() {
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
pub fn remove_boot_placeholder() {
    if let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        el.remove();
    }
}

// ---- reading serialized reports ----

/// The value at a JSON pointer (`/auth/spf/result`), if present and not null.
pub fn at<'a>(v: &'a Value, ptr: &str) -> Option<&'a Value> {
    v.pointer(ptr).filter(|x| !x.is_null())
}

/// A scalar at a JSON pointer, as text (strings as-is, numbers and booleans printed).
pub fn text(v: &Value, ptr: &str) -> Option<String> {
    at(v, ptr).and_then(scalar_text)
}

/// A scalar as text; arrays of scalars joined with ", "; objects give `None`.
pub fn scalar_text(v: &Value) -> Option<String> {
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

/// The array at a JSON pointer (empty when absent).
pub fn list<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    at(v, ptr).and_then(|x| x.as_array()).map(|a| a.as_slice()).unwrap_or(&[])
}

/// The first of several fields that is present, as text (report fields that the core may name either way).
pub fn first_text(v: &Value, ptrs: &[&str]) -> Option<String> {
    ptrs.iter().find_map(|p| text(v, p))
}

/// A CSS class for an RFC result word (`pass`, `fail`, ...).
pub fn result_class(word: &str) -> String {
    let w = word.split_whitespace().next().unwrap_or("none").to_ascii_lowercase();
    format!("res-{w}")
}

/// "snake_case_name" -> "Snake case name" for generic field labels.
pub fn humanize(key: &str) -> String {
    let s = key.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Pretty JSON for export (never fails on a `Value`).
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| "{}".to_string())
}

/// A file name part from a domain or subject: letters, digits, dots and dashes only.
pub fn file_safe(s: &str) -> String {
    let out: String =
        s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).take(60).collect();
    if out.is_empty() { "report".into() } else { out }
}
