//! Body and MIME signals: structure, the text/HTML alternative, attachments with
//! risky types, size (Gmail clipping), links, images and active content.
//!
//! mail-parser does the MIME parsing (with its own depth and part limits); this
//! module walks the flat part list it produces with its own caps, and scans HTML
//! with a small, bounded tag/attribute scanner (no DOM, no recursion), so any input
//! yields a report and never a panic.
//!
//! - [`html`]: the HTML scanner;
//! - [`links`]: URL parsing and link classification.

use crate::findings::Finding;
use crate::findings::catalog::content as cat;
use crate::message::headers::truncate;
use crate::verdict::word_enum;
use mail_parser::{Message, MessagePart, PartKind, PartRole};
use serde::{Deserialize, Serialize};

pub mod html;
pub mod links;

pub use html::{HtmlScan, ImageTag, decode_entities, scan_html};
use links::{LinkCollector, text_urls};
pub use links::{UrlParts, displayed_domain, is_ip_host, parse_url};
pub(crate) use links::{host_of, is_scheme};

/// Gmail clips a message whose HTML exceeds about 102 KB ("[Message clipped]").
pub const GMAIL_CLIP_BYTES: usize = 102 * 1024;
/// Messages above this size risk rejection (Outlook.com 20 MB; Gmail and Yahoo 25 MB).
pub const LARGE_MESSAGE_BYTES: usize = 20 * 1024 * 1024;
/// At most this many MIME parts are walked and listed.
pub const MAX_WALK_PARTS: usize = 1000;
/// Nesting deeper than this is flagged (real mail rarely exceeds 5).
pub const MAX_REASONABLE_DEPTH: usize = 16;
/// At most this many bytes of HTML / text are scanned.
const MAX_SCAN_BYTES: usize = 4 * 1024 * 1024;
/// At most this many links are classified.
pub(crate) const MAX_LINKS: usize = 5000;
/// At most this many examples are kept per list in the report.
pub(crate) const MAX_EXAMPLES: usize = 20;
/// Zip archives larger than this (decoded) are not inspected.
const MAX_ZIP_INSPECT: usize = 25 * 1024 * 1024;

/// URL shortener hosts: the real destination is hidden, a classic spam signal.
pub const SHORTENERS: &[&str] = &[
    "bit.ly",
    "bitly.com",
    "tinyurl.com",
    "t.co",
    "goo.gl",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "rebrand.ly",
    "cutt.ly",
    "tiny.cc",
    "shorturl.at",
    "rb.gy",
    "t.ly",
    "v.gd",
    "lnkd.in",
    "bl.ink",
    "soo.gd",
    "clck.ru",
    "s.id",
    "qr.ae",
    "shorte.st",
    "adf.ly",
    "bit.do",
    "mcaf.ee",
    "su.pr",
    "x.co",
    "tr.im",
    "cli.gs",
    "po.st",
    "db.tt",
    "1url.com",
    "u.to",
    "rotf.lol",
    "tiny.one",
    "shrtco.de",
    "short.gy",
];

/// Generic TLDs common enough to recognise a bare domain in anchor text.
pub(crate) const COMMON_TLDS: &[&str] = &[
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io", "app", "dev", "xyz", "online", "site",
    "shop", "store", "top", "club", "live", "email", "cloud", "tech", "pro", "name", "mobi", "bank", "support",
    "services", "security", "link", "click", "page", "news", "blog", "work", "agency", "digital", "money", "finance",
];

/// Extensions that run code when opened (Windows and cross-platform).
const EXECUTABLE_EXT: &[&str] = &[
    "exe",
    "com",
    "scr",
    "pif",
    "msi",
    "msix",
    "msp",
    "bat",
    "cmd",
    "cpl",
    "dll",
    "jar",
    "apk",
    "app",
    "lnk",
    "hta",
    "reg",
    "ps1",
    "psm1",
    "vb",
    "vbs",
    "vbe",
    "js",
    "jse",
    "wsf",
    "wsh",
    "wsc",
    "sct",
    "gadget",
    "inf",
    "scf",
    "application",
    "msc",
    "chm",
    "appx",
    "appxbundle",
    "xll",
    "iqy",
    "slk",
    "url",
    "one",
];
/// Disk images: mounted by a double click, they smuggle executables past filters.
const DISK_IMAGE_EXT: &[&str] = &["iso", "img", "vhd", "vhdx", "dmg", "udf"];
/// HTML attachments: local phishing pages with credential forms.
const HTML_EXT: &[&str] = &["htm", "html", "shtml", "xhtml", "mht", "mhtml", "svg"];
/// Office formats that carry macros.
const MACRO_EXT: &[&str] = &["docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "ppsm", "sldm"];
/// Archive formats (zip is inspected by name).
const ARCHIVE_EXT: &[&str] = &["zip", "rar", "7z", "ace", "arj", "cab", "gz", "tgz", "tar", "bz2", "xz", "lzh", "z"];
/// Content types that are executables whatever the name.
const EXECUTABLE_TYPES: &[&str] = &[
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-dosexec",
    "application/x-executable",
    "application/javascript",
    "application/x-javascript",
    "text/javascript",
    "application/hta",
    "application/x-ms-shortcut",
    "application/x-sh",
    "application/vnd.microsoft.portable-executable",
];

/// One MIME part in the structure tree (flattened, with its depth).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MimeNode {
    /// Part number in document order (mail-parser's part id).
    pub id: u32,
    /// Nesting depth: 0 for the top-level part.
    pub depth: usize,
    /// `type/subtype`, lower case (`text/plain` when absent, RFC 2045 §5.2).
    pub content_type: String,
    /// `attachment` / `inline` when a Content-Disposition is present.
    pub disposition: Option<String>,
    /// The attachment file name, if any.
    pub filename: Option<String>,
    /// Decoded body size in bytes (0 for containers).
    pub size: usize,
    /// How the part is used: `container`, `text_body`, `html_body`, `copied_body`,
    /// `media_body`, `attachment`, `dropped`.
    pub role: String,
    /// mail-parser's damage flags for this part (missing delimiter, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

word_enum! {
    /// Why an attachment is risky: the kinds receivers and filters block or distrust.
    pub enum AttachmentRisk {
        /// Runs code when opened (.exe, .js, ... or an executable Content-Type).
        Executable => "executable",
        /// A disk image (.iso, .img, ...) that mounts on a double click.
        DiskImage => "disk_image",
        /// A local HTML page, the usual carrier of credential-phishing forms.
        Html => "html",
        /// An Office document with macros (.docm, .xlsm, ...).
        Macro => "macro",
        /// A zip that holds a file of one of the risky kinds.
        ArchiveWithExecutable => "archive_with_executable",
        /// The file name hides its extension with a right-to-left override (U+202E).
        RtlOverride => "rtl_override",
    }
}

/// An attachment and its risk.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AttachmentInfo {
    /// The file name (Content-Disposition filename or Content-Type name).
    pub filename: Option<String>,
    /// `type/subtype`, lower case.
    pub content_type: String,
    /// Decoded size in bytes.
    pub size: usize,
    /// Why the attachment is risky; None when nothing risky was found.
    pub risk: Option<AttachmentRisk>,
    /// Why (e.g. the executable's name inside a zip).
    pub detail: Option<String>,
}

/// An anchor whose text shows one domain while its href goes to another.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LinkMismatch {
    /// The visible anchor text.
    pub text: String,
    /// The domain the text shows.
    pub text_domain: String,
    /// Where the link really goes.
    pub href: String,
    /// The host of the href.
    pub href_domain: String,
}

/// Link statistics (HTML anchors, or URLs in the text when there is no HTML).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LinkReport {
    /// http + https links.
    pub count: usize,
    /// https links.
    pub https: usize,
    /// Plain-http links.
    pub http: usize,
    /// mailto: links (not counted in `count`).
    pub mailto: usize,
    /// Distinct link hosts (first [`MAX_EXAMPLES`]).
    pub domains: Vec<String>,
    /// Links through a URL shortener.
    pub shorteners: Vec<String>,
    /// Links to a bare IP address.
    pub ip_literals: Vec<String>,
    /// Links with `user@` before the host (`https://bank.com@evil.example/`).
    pub userinfo: Vec<String>,
    /// Anchor text showing one domain, href going to another.
    pub mismatches: Vec<LinkMismatch>,
    /// `javascript:` URLs.
    pub javascript: usize,
}

/// What the body and MIME structure show.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BodyReport {
    /// Size of the whole raw message in bytes.
    pub total_size: usize,
    /// The MIME tree, flattened in document order (at most [`MAX_WALK_PARTS`]).
    pub parts: Vec<MimeNode>,
    /// Number of parts mail-parser produced.
    pub part_count: usize,
    /// Deepest nesting seen.
    pub max_depth: usize,
    /// The walk stopped at [`MAX_WALK_PARTS`], or mail-parser hit its own limit.
    pub structure_truncated: bool,
    /// Parts with structural damage (missing delimiter, no blank line, ...).
    pub damaged_parts: usize,
    /// A text/plain body part exists.
    pub has_text: bool,
    /// A text/html body part exists.
    pub has_html: bool,
    /// HTML without a text/plain alternative.
    pub html_only: bool,
    /// A multipart/alternative is present.
    pub multipart_alternative: bool,
    /// Bytes of decoded text/plain body.
    pub text_size: usize,
    /// Bytes of decoded HTML body (what Gmail's 102 KB clip measures).
    pub html_size: usize,
    /// Attachments (any depth), with their risk.
    pub attachments: Vec<AttachmentInfo>,
    /// Link statistics.
    pub links: LinkReport,
    /// `<img>` tags in the HTML.
    pub images: usize,
    /// Image parts in the MIME structure (inline or attached).
    pub image_parts: usize,
    /// 1x1 / zero-size / hidden images (open tracking).
    pub tracking_pixels: usize,
    /// Visible text characters (non-whitespace) of the body.
    pub text_chars: usize,
    /// `text_chars / images`, when there are images.
    pub text_chars_per_image: Option<usize>,
    /// `<script>` elements.
    pub scripts: usize,
    /// `<form>` elements.
    pub forms: usize,
}

/// Analyzes the body. `raw_len` is the size of the raw message in bytes.
///
/// Rules: RFC 2046 §5.1.4 (multipart/alternative), M3AAWG Sender BCP and Gmail
/// guidelines (text alternative, links, images), Gmail's 102 KB clip, CISA/Microsoft
/// blocked-attachment lists (risky types).
pub fn check_body(msg: &Message, raw_len: usize) -> (BodyReport, Vec<Finding>) {
    let mut r = BodyReport { total_size: raw_len, ..Default::default() };
    let mut f = Vec::new();

    walk_structure(msg, &mut r);

    // Body lists of the top-level message (nested forwarded messages are not "the body").
    let root = msg.root();
    let mut html_text = String::new();
    for p in root.html_body() {
        if matches!(p.kind(), PartKind::Html) {
            r.has_html = true;
            if let Some(t) = p.text() {
                r.html_size += t.len();
                if html_text.len() < MAX_SCAN_BYTES {
                    html_text.push_str(t.get(..floor(&t, MAX_SCAN_BYTES - html_text.len())).unwrap_or_default());
                    html_text.push('\n');
                }
            }
        }
    }
    let mut plain = String::new();
    for p in root.text_body() {
        if matches!(p.kind(), PartKind::Text) && !matches!(p.role(), PartRole::CopiedBody) {
            r.has_text = true;
            if let Some(t) = p.text() {
                r.text_size += t.len();
                if plain.len() < MAX_SCAN_BYTES {
                    plain.push_str(t.get(..floor(&t, MAX_SCAN_BYTES - plain.len())).unwrap_or_default());
                    plain.push('\n');
                }
            }
        }
    }
    r.html_only = r.has_html && !r.has_text;

    let mut links = LinkCollector::default();
    if r.has_html {
        let st = scan_html(&html_text);
        r.images = st.images.len();
        r.tracking_pixels = st.images.iter().filter(|i| i.tracking).count();
        r.text_chars = st.text_chars;
        r.scripts = st.scripts;
        r.forms = st.forms;
        links.r.javascript += st.js_urls;
        for (href, text) in &st.anchors {
            links.add(href, text.as_deref());
        }
    } else {
        r.text_chars = plain.chars().filter(|c| !c.is_whitespace()).count();
        for url in text_urls(&plain) {
            links.add(&url, None);
        }
    }
    r.links = links.finish();
    r.text_chars_per_image = r.text_chars.checked_div(r.images);

    // --- findings -----------------------------------------------------------------
    if r.structure_truncated || r.max_depth > MAX_REASONABLE_DEPTH {
        f.push(cat::BODY_MIME_TOO_DEEP.emit().detail(format!(
            "{} MIME parts, nesting depth {}{}.",
            r.part_count,
            r.max_depth,
            if r.structure_truncated { " (analysis stopped at a limit)" } else { "" }
        )));
    }
    if r.damaged_parts > 0 {
        let ev: Vec<String> = r
            .parts
            .iter()
            .filter(|p| !p.problems.is_empty())
            .take(5)
            .map(|p| format!("part {} ({}): {}", p.id, p.content_type, p.problems.join(", ")))
            .collect();
        let mut fi =
            cat::BODY_MIME_DAMAGED.emit().detail(format!("{} MIME part(s) are structurally damaged.", r.damaged_parts));
        for e in ev {
            fi = fi.evidence(e);
        }
        f.push(fi);
    }
    if !r.has_html && !r.has_text && r.attachments.is_empty() {
        f.push(cat::BODY_EMPTY.emit());
    } else if r.has_html && !r.has_text && r.text_chars == 0 && r.images == 0 && r.attachments.is_empty() {
        f.push(cat::BODY_EMPTY.emit().detail("The HTML body has no visible text."));
    }
    if r.html_only {
        f.push(cat::BODY_HTML_ONLY.emit().detail(format!("{} bytes of HTML and no text/plain part.", r.html_size)));
    }
    if r.html_size > GMAIL_CLIP_BYTES {
        f.push(
            cat::BODY_GMAIL_CLIP
                .emit()
                .detail(format!("The HTML body is {} KB; Gmail clips above 102 KB.", r.html_size / 1024)),
        );
    }
    if raw_len > LARGE_MESSAGE_BYTES {
        f.push(cat::BODY_TOO_LARGE.emit().detail(format!("The message is {:.1} MB.", raw_len as f64 / 1_048_576.0)));
    }
    for (a, risk) in r.attachments.iter().filter_map(|a| a.risk.map(|risk| (a, risk))) {
        let spec =
            if risk == AttachmentRisk::Macro { &cat::BODY_MACRO_ATTACHMENT } else { &cat::BODY_RISKY_ATTACHMENT };
        f.push(
            spec.emit()
                .detail(format!(
                    "{} ({}, {}): {}",
                    a.filename.as_deref().unwrap_or("(no name)"),
                    a.content_type,
                    risk,
                    a.detail.as_deref().unwrap_or_default()
                ))
                .evidence(format!(
                    "attachment {:?} {} {} bytes",
                    a.filename.as_deref().unwrap_or_default(),
                    a.content_type,
                    a.size
                )),
        );
    }
    if !r.links.shorteners.is_empty() {
        f.push(with_examples(
            cat::BODY_URL_SHORTENER
                .emit()
                .detail(format!("{} link(s) go through a URL shortener.", r.links.shorteners.len())),
            &r.links.shorteners,
        ));
    }
    if !r.links.mismatches.is_empty() {
        let ex: Vec<String> = r
            .links
            .mismatches
            .iter()
            .map(|m| format!("text \"{}\" -> href {}", truncate(&m.text, 80), truncate(&m.href, 120)))
            .collect();
        f.push(with_examples(
            cat::BODY_LINK_TEXT_MISMATCH.emit().detail(format!(
                "{} link(s) show one domain and go to another (first: text {} -> {}).",
                r.links.mismatches.len(),
                r.links.mismatches.first().map(|m| m.text_domain.as_str()).unwrap_or_default(),
                r.links.mismatches.first().map(|m| m.href_domain.as_str()).unwrap_or_default()
            )),
            &ex,
        ));
    }
    if !r.links.ip_literals.is_empty() {
        f.push(with_examples(
            cat::BODY_IP_LINK
                .emit()
                .detail(format!("{} link(s) point to a bare IP address.", r.links.ip_literals.len())),
            &r.links.ip_literals,
        ));
    }
    if !r.links.userinfo.is_empty() {
        f.push(with_examples(
            cat::BODY_USERINFO_LINK.emit().detail("A link hides its real host behind user@ text."),
            &r.links.userinfo,
        ));
    }
    if r.links.http > 0 {
        f.push(
            cat::BODY_INSECURE_LINKS
                .emit()
                .detail(format!("{} of {} links use plain http.", r.links.http, r.links.count)),
        );
    }
    if r.scripts > 0 || r.links.javascript > 0 {
        f.push(
            cat::BODY_JAVASCRIPT
                .emit()
                .detail(format!("{} <script> element(s), {} javascript: URL(s).", r.scripts, r.links.javascript)),
        );
    }
    if r.forms > 0 {
        f.push(cat::BODY_FORM.emit().detail(format!("{} <form> element(s) in the HTML.", r.forms)));
    }
    if r.images > 0 && r.text_chars < 100 {
        f.push(cat::BODY_IMAGE_HEAVY.emit().detail(format!(
            "{} image(s) and only {} characters of text: the message is essentially an image.",
            r.images, r.text_chars
        )));
    } else if r.images >= 5 && r.text_chars_per_image.is_some_and(|c| c < 100) {
        f.push(cat::BODY_IMAGE_HEAVY.emit().detail(format!(
            "{} images for {} characters of text ({} characters per image).",
            r.images,
            r.text_chars,
            r.text_chars_per_image.unwrap_or_default()
        )));
    }
    if r.tracking_pixels > 0 {
        f.push(
            cat::BODY_TRACKING_PIXEL
                .emit()
                .detail(format!("{} tracking pixel(s) (1x1 or hidden images).", r.tracking_pixels)),
        );
    }
    (r, f)
}

fn with_examples(mut fi: Finding, ex: &[String]) -> Finding {
    for e in ex.iter().take(5) {
        fi = fi.evidence(truncate(e, 200));
    }
    fi
}

/// Largest char boundary <= `max` in `s`.
fn floor(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    let mut i = max;
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn content_type_of(p: &MessagePart) -> String {
    match p.content_type() {
        Some(ct) => match ct.subtype() {
            Some(st) => format!("{}/{}", ct.ctype(), st).to_ascii_lowercase(),
            None => ct.ctype().to_ascii_lowercase(),
        },
        None => "text/plain".to_string(),
    }
}

fn role_name(role: PartRole) -> &'static str {
    match role {
        PartRole::Container => "container",
        PartRole::TextBody => "text_body",
        PartRole::HtmlBody => "html_body",
        PartRole::CopiedBody => "copied_body",
        PartRole::MediaBody => "media_body",
        PartRole::Attachment => "attachment",
        PartRole::Dropped => "dropped",
    }
}

/// Walks mail-parser's flat part list (document order, parents before children),
/// computing depths from already-seen parents: no recursion, at most
/// [`MAX_WALK_PARTS`] parts.
fn walk_structure(msg: &Message, r: &mut BodyReport) {
    r.part_count = msg.parts().len();
    r.structure_truncated = r.part_count > MAX_WALK_PARTS;
    let mut depths: Vec<usize> = Vec::with_capacity(r.part_count.min(MAX_WALK_PARTS));
    for p in msg.parts().take(MAX_WALK_PARTS) {
        let parent_depth = match p.parent() {
            Some(parent) => depths.get(parent.id() as usize).map(|d| d + 1),
            None => p.message().container().and_then(|c| depths.get(c.id() as usize)).map(|d| d + 1),
        };
        let depth = parent_depth.unwrap_or(0);
        depths.push(depth);
        r.max_depth = r.max_depth.max(depth);
        let flags = p.flags();
        let problems: Vec<String> = flags.names().map(str::to_string).collect();
        if flags.contains(mail_parser::PartFlags::LIMIT_REACHED) {
            r.structure_truncated = true;
        }
        if !problems.is_empty() {
            r.damaged_parts += 1;
        }
        let content_type = content_type_of(&p);
        let multipart = p.is_multipart();
        if multipart && content_type == "multipart/alternative" {
            r.multipart_alternative = true;
        }
        let size = if multipart || p.is_message() { 0 } else { p.decoded_len() };
        if content_type.starts_with("image/") {
            r.image_parts += 1;
        }
        let filename = p.attachment_name().map(|s| truncate(s, 200));
        let disposition = p.content_disposition().map(|d| d.ctype().to_ascii_lowercase());
        let is_attachment = !multipart
            && (p.is_attachment() || filename.is_some() || disposition.as_deref() == Some("attachment"))
            && !matches!(p.role(), PartRole::TextBody | PartRole::HtmlBody);
        if is_attachment && r.attachments.len() < MAX_WALK_PARTS {
            r.attachments.push(classify_attachment(&p, filename.clone(), &content_type, size, disposition.as_deref()));
        }
        r.parts.push(MimeNode {
            id: p.id(),
            depth,
            content_type,
            disposition,
            filename,
            size,
            role: role_name(p.role()).to_string(),
            problems,
        });
    }
}

fn extension(name: &str) -> Option<String> {
    let n = name.trim().trim_end_matches(['.', ' ', '"']);
    let (_, ext) = n.rsplit_once('.')?;
    if ext.is_empty() || ext.len() > 12 { None } else { Some(ext.to_ascii_lowercase()) }
}

/// The risk of a file name alone: `executable`, `disk_image`, `html`, `macro`.
pub fn risk_of_name(name: &str) -> Option<AttachmentRisk> {
    let ext = extension(name)?;
    let e = ext.as_str();
    if EXECUTABLE_EXT.contains(&e) {
        Some(AttachmentRisk::Executable)
    } else if DISK_IMAGE_EXT.contains(&e) {
        Some(AttachmentRisk::DiskImage)
    } else if HTML_EXT.contains(&e) {
        Some(AttachmentRisk::Html)
    } else if MACRO_EXT.contains(&e) {
        Some(AttachmentRisk::Macro)
    } else {
        None
    }
}

fn classify_attachment(
    p: &MessagePart,
    filename: Option<String>,
    content_type: &str,
    size: usize,
    disposition: Option<&str>,
) -> AttachmentInfo {
    let mut risk: Option<AttachmentRisk> = None;
    let mut detail: Option<String> = None;
    if let Some(name) = filename.as_deref() {
        if name.contains('\u{202E}') {
            risk = Some(AttachmentRisk::RtlOverride);
            detail =
                Some("the file name contains a right-to-left override (U+202E) that disguises its extension".into());
        } else if let Some(k) = risk_of_name(name) {
            risk = Some(k);
            let stem_ext = name.rsplit_once('.').and_then(|(stem, _)| extension(stem));
            detail = Some(match stem_ext {
                Some(inner) if k == AttachmentRisk::Executable && inner.len() <= 4 => {
                    format!("double extension .{inner}.{} disguises an executable", extension(name).unwrap_or_default())
                }
                _ => format!(".{} files {}", extension(name).unwrap_or_default(), risk_text(k)),
            });
        }
    }
    if risk.is_none() && EXECUTABLE_TYPES.contains(&content_type) {
        risk = Some(AttachmentRisk::Executable);
        detail = Some(format!("Content-Type {content_type} is executable code"));
    }
    if risk.is_none() && content_type == "text/html" && disposition == Some("attachment") {
        risk = Some(AttachmentRisk::Html);
        detail = Some(format!(".html files {}", risk_text(AttachmentRisk::Html)));
    }
    let is_zip = content_type.contains("zip") && !content_type.contains("gzip")
        || filename.as_deref().and_then(extension).as_deref() == Some("zip");
    if risk.is_none() && is_zip && size <= MAX_ZIP_INSPECT {
        let data = p.decoded();
        let names = zip_entry_names(&data);
        if let Some(bad) =
            names.iter().find(|n| risk_of_name(n).is_some_and(|k| k != AttachmentRisk::Macro || names.len() == 1))
        {
            risk = Some(AttachmentRisk::ArchiveWithExecutable);
            detail = Some(format!("the zip contains {}", truncate(bad, 120)));
        } else if let Some(inner) =
            names.iter().find(|n| extension(n).is_some_and(|e| ARCHIVE_EXT.contains(&e.as_str())))
        {
            detail = Some(format!("zip nested inside zip ({})", truncate(inner, 120)));
        }
    }
    AttachmentInfo { filename, content_type: content_type.to_string(), size, risk, detail }
}

fn risk_text(kind: AttachmentRisk) -> &'static str {
    match kind {
        AttachmentRisk::Executable => "run code when opened and are blocked by Gmail and Outlook",
        AttachmentRisk::DiskImage => {
            "are disk images that mount on a double click and smuggle executables past filters"
        }
        AttachmentRisk::Html => "open a local web page, the usual carrier of credential-phishing forms",
        AttachmentRisk::Macro => "carry Office macros, a common malware vector",
        AttachmentRisk::ArchiveWithExecutable | AttachmentRisk::RtlOverride => "are risky",
    }
}

/// File names in a zip archive, read from the central directory (`PK\x01\x02`,
/// APPNOTE 4.3.12), falling back to local headers (`PK\x03\x04`). Bounded.
pub fn zip_entry_names(data: &[u8]) -> Vec<String> {
    const MAX_ENTRIES: usize = 2000;
    let mut names = Vec::new();
    for (sig, len_off, name_off) in [(b"PK\x01\x02", 28usize, 46usize), (b"PK\x03\x04", 26, 30)] {
        let mut i = 0usize;
        while i + 4 <= data.len() && names.len() < MAX_ENTRIES {
            let Some(pos) = find(data.get(i..).unwrap_or_default(), sig) else {
                break;
            };
            let at = i + pos;
            let len = data
                .get(at + len_off..at + len_off + 2)
                .map(|b| u16::from_le_bytes([b.first().copied().unwrap_or(0), b.get(1).copied().unwrap_or(0)]) as usize)
                .unwrap_or(0);
            if let Some(name) = data.get(at + name_off..at + name_off + len)
                && !name.is_empty()
            {
                names.push(String::from_utf8_lossy(name).into_owned());
            }
            i = at + 4;
        }
        if !names.is_empty() {
            break;
        }
    }
    names
}

/// The first position of `needle` in `hay`.
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::links::is_shortener;
    use super::*;
    use mail_parser::MessageParser;

    fn run(raw: &str) -> (BodyReport, Vec<Finding>) {
        let msg = MessageParser::new().parse(raw.as_bytes()).unwrap_or_default();
        check_body(&msg, raw.len())
    }

    fn ids(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|x| x.id.as_str()).collect()
    }

    fn alt(text: &str, html: &str) -> String {
        format!(
            "From: a@example.com\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n{html}\r\n--b--\r\n"
        )
    }

    const PROSE: &str =
        "This is a perfectly ordinary message with enough words in it to count as real text for the image ratio rule.";

    #[test]
    fn alternative_is_clean() {
        let (r, f) =
            run(&alt(PROSE, &format!("<p>{PROSE}</p><a href=\"https://www.example.com/x\">www.example.com</a>")));
        assert!(r.has_text && r.has_html && !r.html_only && r.multipart_alternative);
        assert_eq!(r.links.count, 1);
        assert_eq!(r.links.https, 1);
        assert!(f.is_empty(), "{:?}", ids(&f));
        assert_eq!(r.max_depth, 1);
        assert_eq!(r.parts.len(), 3);
    }

    #[test]
    fn html_only_and_links() {
        let html = format!(
            "<html><body><p>{PROSE}</p>\
             <a href=\"https://evil.example.net/login\">https://www.paypal.com/signin</a>\
             <a href='http://bit.ly/abc'>click</a>\
             <a href=http://192.0.2.7/x>here</a>\
             <a href=\"https://www.paypal.com@evil.example.net/\">account</a>\
             <a href=\"javascript:alert(1)\">js</a><form action=x></form>\
             <script>var a = '<a href=\"https://hidden.example\">';</script>\
             <img src=\"https://t.example.com/o.gif\" width=\"1\" height=\"1\"></body></html>"
        );
        let raw = format!("From: a@example.com\r\nContent-Type: text/html\r\n\r\n{html}");
        let (r, f) = run(&raw);
        assert!(r.html_only);
        assert_eq!(r.links.count, 4);
        assert_eq!(r.links.http, 2);
        assert_eq!(r.links.shorteners.len(), 1);
        assert_eq!(r.links.ip_literals.len(), 1);
        assert_eq!(r.links.userinfo.len(), 1);
        assert_eq!(r.links.mismatches.len(), 1);
        assert_eq!(r.links.mismatches[0].text_domain, "www.paypal.com");
        assert_eq!(r.links.mismatches[0].href_domain, "evil.example.net");
        assert_eq!(r.scripts, 1);
        assert_eq!(r.forms, 1);
        assert_eq!(r.tracking_pixels, 1);
        let ids = ids(&f);
        for id in [
            "body.html_only",
            "body.url_shortener",
            "body.link_text_mismatch",
            "body.ip_link",
            "body.userinfo_link",
            "body.insecure_links",
            "body.javascript",
            "body.form",
            "body.tracking_pixel",
        ] {
            assert!(ids.contains(&id), "{id} missing in {ids:?}");
        }
    }

    #[test]
    fn image_heavy_and_clip() {
        let (r, f) = run(&alt("x", "<img src=\"cid:a\"><img src=\"https://cdn.example.com/b.png\" width=600>"));
        assert_eq!(r.images, 2);
        assert_eq!(r.tracking_pixels, 0);
        assert!(ids(&f).contains(&"body.image_heavy"));
        let big = format!("<p>{}</p>", "word ".repeat(25_000));
        let (r, f) = run(&alt(PROSE, &big));
        assert!(r.html_size > GMAIL_CLIP_BYTES);
        assert!(ids(&f).contains(&"body.gmail_clip"));
    }

    #[test]
    fn attachments() {
        let mut zip = Vec::new();
        zip.extend_from_slice(b"PK\x03\x04");
        zip.extend_from_slice(&[0u8; 22]);
        zip.extend_from_slice(&(11u16).to_le_bytes());
        zip.extend_from_slice(&[0u8; 2]);
        zip.extend_from_slice(b"invoice.exe");
        let b64 = base64(&zip);
        let raw = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\n{PROSE}\r\n\
             --m\r\nContent-Type: application/octet-stream; name=\"report.pdf.exe\"\r\nContent-Disposition: attachment; filename=\"report.pdf.exe\"\r\n\r\nMZ\r\n\
             --m\r\nContent-Type: application/vnd.ms-excel.sheet.macroEnabled.12\r\nContent-Disposition: attachment; filename=\"q3.xlsm\"\r\n\r\nxx\r\n\
             --m\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"docs.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{b64}\r\n\
             --m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"fine.pdf\"\r\n\r\n%PDF\r\n--m--\r\n"
        );
        let (r, f) = run(&raw);
        assert_eq!(r.attachments.len(), 4, "{:?}", r.attachments);
        let risk = |n: &str| r.attachments.iter().find(|a| a.filename.as_deref() == Some(n)).and_then(|a| a.risk);
        assert_eq!(risk("report.pdf.exe"), Some(AttachmentRisk::Executable));
        assert_eq!(risk("q3.xlsm"), Some(AttachmentRisk::Macro));
        assert_eq!(risk("docs.zip"), Some(AttachmentRisk::ArchiveWithExecutable));
        assert_eq!(risk("fine.pdf"), None);
        let ids = ids(&f);
        assert_eq!(ids.iter().filter(|i| **i == "body.risky_attachment").count(), 2);
        assert!(ids.contains(&"body.macro_attachment"));
        assert!(!ids.contains(&"body.html_only"));
    }

    #[test]
    fn damaged_empty_and_large() {
        // no close delimiter: the multipart is unterminated
        let raw = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"z\"\r\n\r\n--z\r\nContent-Type: text/plain\r\n\r\nhello there\r\n";
        let (r, f) = run(raw);
        assert!(r.damaged_parts >= 1, "{:?}", r.parts);
        assert!(ids(&f).contains(&"body.mime_damaged"));
        // an HTML body with no visible text, no image, no attachment
        let (_, f) = run("From: a@example.com\r\nContent-Type: text/html\r\n\r\n<html><body>  </body></html>");
        assert!(ids(&f).contains(&"body.empty"));
        // size rule reads raw_len: a small message reported as 30 MB
        let small = alt(PROSE, PROSE);
        let msg = MessageParser::new().parse(small.as_bytes()).unwrap_or_default();
        let (_, f) = check_body(&msg, 30 * 1024 * 1024);
        assert!(ids(&f).contains(&"body.too_large"));
        let (_, f) = check_body(&msg, 1024);
        assert!(!ids(&f).contains(&"body.too_large"));
    }

    #[test]
    fn disguised_and_html_attachments() {
        let raw = format!(
            "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\n{PROSE}\r\n\
             --m\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice\u{202E}fdp.exe\"\r\n\r\nMZ\r\n\
             --m\r\nContent-Type: text/html\r\nContent-Disposition: attachment\r\n\r\n<form action=x></form>\r\n\
             --m\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"setup.iso\"\r\n\r\nxx\r\n--m--\r\n"
        );
        let (r, f) = run(&raw);
        let risks: Vec<Option<AttachmentRisk>> = r.attachments.iter().map(|a| a.risk).collect();
        let expected = [AttachmentRisk::RtlOverride, AttachmentRisk::Html, AttachmentRisk::DiskImage];
        assert_eq!(risks, expected.map(Some));
        assert_eq!(ids(&f).iter().filter(|i| **i == "body.risky_attachment").count(), 3);
        // the attached HTML's form is not part of the body
        assert_eq!(r.forms, 0);
    }

    fn base64(data: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut s = String::new();
        for c in data.chunks(3) {
            let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for k in 0..4 {
                if k <= c.len() {
                    s.push(A[((n >> (18 - 6 * k)) & 63) as usize] as char);
                } else {
                    s.push('=');
                }
            }
        }
        s
    }

    #[test]
    fn nested_100_deep_is_bounded() {
        let depth = 100;
        let mut raw = String::from("From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
        for d in 1..depth {
            raw.push_str(&format!("--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n", d - 1));
        }
        raw.push_str(&format!("--b{}\r\nContent-Type: text/plain\r\n\r\ndeep\r\n", depth - 1));
        for d in (0..depth).rev() {
            raw.push_str(&format!("--b{d}--\r\n"));
        }
        let (r, f) = run(&raw);
        assert!(r.max_depth >= 50, "depth {}", r.max_depth);
        assert!(r.parts.len() <= MAX_WALK_PARTS);
        assert!(ids(&f).contains(&"body.mime_too_deep"));
        // message/rfc822 nesting too
        let mut m = String::from("From: a@example.com\r\nSubject: leaf\r\n\r\nleaf\r\n");
        for _ in 0..100 {
            m = format!("From: a@example.com\r\nContent-Type: message/rfc822\r\n\r\n{m}");
        }
        let (r, _) = run(&m);
        assert!(r.part_count >= 1);
    }

    #[test]
    fn degenerate_inputs() {
        for raw in [
            "",
            "\r\n",
            "x",
            "From: a\n\n<html><a href=",
            "From: a\r\r<img src=1 width=1 height=1>",
            "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n",
        ] {
            let (_r, _f) = run(raw);
        }
        let s = scan_html("<a href=\"x\"<<<img <!-- <a href=z> <script>");
        assert!(s.anchors.len() <= 2);
        assert_eq!(scan_html("a < b and c > d").text_chars, 9);
        assert_eq!(decode_entities("&lt;&#65;&#x42;&amp;&bogus"), "<AB&&bogus");
    }

    #[test]
    fn url_helpers() {
        assert_eq!(
            parse_url("HTTPS://User@Example.COM.:443/x").map(|u| (u.host, u.userinfo)),
            Some(("example.com".into(), true))
        );
        assert!(
            is_ip_host("10.0.0.1") && is_ip_host("[::1]") && is_ip_host("3232235777") && !is_ip_host("example.com")
        );
        assert_eq!(displayed_domain("www.Example.com/path"), Some("www.example.com".into()));
        assert_eq!(displayed_domain("click here"), None);
        assert_eq!(displayed_domain("user@example.com"), None);
        assert_eq!(displayed_domain("v1.2"), None);
        assert_eq!(displayed_domain("report.pdf"), None);
        assert_eq!(displayed_domain("click.here"), None);
        assert_eq!(displayed_domain("PayPal.com"), Some("paypal.com".into()));
        assert_eq!(displayed_domain("bank.de/login"), Some("bank.de".into()));
        assert!(is_shortener("bit.ly") && !is_shortener("notbit.ly"));
        assert_eq!(risk_of_name("setup.ISO"), Some(AttachmentRisk::DiskImage));
        assert_eq!(risk_of_name("page.html"), Some(AttachmentRisk::Html));
        assert_eq!(risk_of_name("photo.jpg"), None);
        assert_eq!(
            text_urls("see https://a.example/x. and http://b.example)"),
            vec!["https://a.example/x", "http://b.example"]
        );
    }
}
