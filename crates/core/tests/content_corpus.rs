//! Content-side checks (headers, List-Unsubscribe, body/MIME, bulk checklist) on
//! real messages from the public corpora in `../shared/corpora`, plus generated
//! hostile inputs (CR-only, LF-only, no headers, headers only, MIME nested 100 deep).

mod support;

use inboxlens_core::findings::Finding;
use inboxlens_core::message::body::{self, BodyReport};
use inboxlens_core::message::bulk::{self, BulkInput};
use inboxlens_core::message::headers::{self, HeaderReport};
use inboxlens_core::message::unsubscribe::{self, UnsubscribeReport};
use mail_parser::{HeaderName, MessageParser};
use support::{corpora, read};

/// Analysis time for every test: 2025-11-23T00:00:00Z.
const NOW: i64 = 1_763_856_000;

struct Analysis {
    headers: HeaderReport,
    unsub: UnsubscribeReport,
    body: BodyReport,
    findings: Vec<Finding>,
}

impl Analysis {
    fn ids(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.id.as_str()).collect()
    }
    fn has(&self, id: &str) -> bool {
        self.findings.iter().any(|f| f.id == id)
    }
}

fn analyze(raw: &[u8], dkim_h: &[Vec<String>]) -> Analysis {
    let msg = MessageParser::new().parse(raw).unwrap_or_default();
    let (headers, mut findings) = headers::check_headers(&msg, raw, NOW);
    let (unsub, uf) = unsubscribe::check_unsubscribe(&msg, dkim_h);
    let (body, bf) = body::check_body(&msg, raw.len());
    findings.extend(uf);
    findings.extend(bf);
    Analysis { headers, unsub, body, findings }
}

/// The `h=` lists of the DKIM-Signature fields of a message (lower case).
fn dkim_h_lists(raw: &[u8]) -> Vec<Vec<String>> {
    let msg = MessageParser::new().parse(raw).unwrap_or_default();
    msg.headers()
        .all(HeaderName::DkimSignature)
        .filter_map(|h| {
            let v = String::from_utf8_lossy(h.raw_value()).replace(['\r', '\n', ' ', '\t'], "");
            v.split(';')
                .find_map(|t| t.strip_prefix("h="))
                .map(|list| list.split(':').map(|s| s.to_ascii_lowercase()).collect())
        })
        .collect()
}

#[test]
fn nodemailer_spam_is_html_only_with_http_links() {
    let Some(root) = corpora() else { return };
    let raw = read(&root, "nodemailer-mailparser/spam.eml");
    let a = analyze(&raw, &[]);
    let from = a.headers.from.clone().expect("From");
    assert_eq!(from.domain.as_deref(), Some("guide-des-vins-de-bourgogne.fr"));
    assert_eq!(from.display_name.as_deref(), Some("Matilda Klein"));
    assert_eq!(a.headers.subject.as_deref(), Some("123.042 Euro pro Jahr GRARANTIERT von einer Bank! KOSTENLOS"));
    // Date: Tue, 24 Nov 2015 02:35:26 +0200 = 2015-11-24T00:35:26Z
    assert_eq!(a.headers.date_unix, Some(1_448_325_326));
    assert_eq!(a.headers.message_id_domain.as_deref(), Some("guide-des-vins-de-bourgogne.fr"));
    assert!(a.headers.message_id_ok && a.headers.rfc5322_ok);
    // Content-Type: text/html at the root, no text alternative
    assert!(a.body.html_only && !a.body.has_text);
    assert_eq!(a.body.part_count, 1);
    // two anchors, both http://www.geheimesgeld.ru/...
    assert_eq!(a.body.links.count, 2);
    assert_eq!(a.body.links.http, 2);
    assert_eq!(a.body.links.domains, vec!["www.geheimesgeld.ru".to_string()]);
    assert!(a.body.links.mismatches.is_empty());
    for id in ["body.html_only", "body.insecure_links", "unsubscribe.missing", "headers.date_old"] {
        assert!(a.has(id), "{id} missing in {:?}", a.ids());
    }
    assert!(!a.has("headers.from_missing"));
}

#[test]
fn nodemailer_nested_structure() {
    let Some(root) = corpora() else { return };
    let raw = read(&root, "nodemailer-mailparser/nested.eml");
    let a = analyze(&raw, &[]);
    // mixed > related > alternative > (plain, html); mixed > alternative > (plain, html)
    assert_eq!(a.body.part_count, 8);
    assert_eq!(a.body.max_depth, 3);
    let types: Vec<&str> = a.body.parts.iter().map(|p| p.content_type.as_str()).collect();
    assert_eq!(
        types,
        vec![
            "multipart/mixed",
            "multipart/related",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "multipart/alternative",
            "text/plain",
            "text/html",
        ]
    );
    assert!(a.body.has_text && a.body.has_html && a.body.multipart_alternative && !a.body.html_only);
    assert!(a.body.attachments.is_empty());
    // only "From: u@example.com" and Content-Type: no Date, Message-ID, Subject, MIME-Version
    assert_eq!(a.headers.header_count, 2);
    for id in [
        "headers.date_missing",
        "headers.message_id_missing",
        "headers.subject_missing",
        "headers.mime_version_missing",
    ] {
        assert!(a.has(id), "{id} missing in {:?}", a.ids());
    }
    assert!(!a.ids().iter().any(|i| i.starts_with("body.")), "{:?}", a.ids());
}

#[test]
fn nodemailer_mixed_has_no_from() {
    let Some(root) = corpora() else { return };
    let raw = read(&root, "nodemailer-mailparser/mixed.eml");
    let a = analyze(&raw, &[]);
    assert!(a.headers.from.is_none());
    assert_eq!(a.headers.from_fields, 0);
    assert!(a.has("headers.from_missing"));
    assert!(!a.headers.rfc5322_ok);
    assert_eq!(a.body.part_count, 5);
    assert_eq!(a.body.parts.last().map(|p| (p.content_type.as_str(), p.depth)), Some(("text/plain", 1)));
    assert!(a.body.has_text && a.body.has_html);
}

#[test]
fn spamassassin_gtube_and_newsletter() {
    let Some(root) = corpora() else { return };
    let gtube = analyze(&read(&root, "spamassassin/sample-spam.txt"), &[]);
    assert_eq!(gtube.headers.subject.as_deref(), Some("Test spam mail (GTUBE)"));
    assert_eq!(gtube.headers.message_id.as_deref(), Some("<GTUBE1.1010101@example.net>"));
    assert_eq!(gtube.headers.message_id_domain.as_deref(), Some("example.net"));
    assert!(gtube.headers.rfc5322_ok);
    assert!(gtube.body.has_text && !gtube.body.has_html && !gtube.body.html_only);
    assert_eq!(gtube.body.links.count, 0);
    // only the age of the 2003 Date is remarkable in the headers
    let header_ids: Vec<&str> = gtube.ids().into_iter().filter(|i| i.starts_with("headers.")).collect();
    assert_eq!(header_ids, vec!["headers.date_old"]);

    let ham = analyze(&read(&root, "spamassassin/sample-nonspam.txt"), &[]);
    assert_eq!(ham.headers.from.as_ref().and_then(|f| f.domain.as_deref()), Some("world.std.com"));
    assert_eq!(ham.headers.sender.as_ref().and_then(|s| s.address.as_deref()), Some("tbtf-approval@world.std.com"));
    assert_eq!(ham.headers.reply_to.first().and_then(|r| r.domain.as_deref()), Some("europe.std.com"));
    // europe.std.com and world.std.com share std.com: no Reply-To remark
    assert!(!ham.has("headers.reply_to_domain_differs"));
    assert_eq!(ham.headers.message_id_domain.as_deref(), Some("[208.192.102.193]"));
    assert_eq!(ham.headers.date_unix, Some(987_800_398));
    // 18 http:// URLs in the plain-text newsletter, none https
    assert_eq!(ham.body.links.count, 18);
    assert_eq!(ham.body.links.http, 18);
    assert!(ham.body.links.domains.contains(&"tbtf.com".to_string()));
    assert!(ham.has("body.insecure_links"));
}

#[test]
fn mailauth_message3_one_click_unsubscribe() {
    let Some(root) = corpora() else { return };
    let raw = read(&root, "mailauth/fixtures/message3.eml");
    let h_lists = dkim_h_lists(&raw);
    // d=cronweekly.ma.ttias.be and d=eu.mailgun.org both sign the two fields
    assert_eq!(h_lists.len(), 2, "two DKIM-Signature fields");
    assert!(h_lists.iter().all(|h| h.contains(&"list-unsubscribe-post".to_string())), "{h_lists:?}");
    let a = analyze(&raw, &h_lists);
    assert!(a.unsub.present && a.unsub.has_https && !a.unsub.has_mailto && !a.unsub.has_http);
    assert_eq!(a.unsub.uris.len(), 1);
    assert_eq!(a.unsub.uris[0].host.as_deref(), Some("newsletter.ma.ttias.be"));
    assert_eq!(a.unsub.post_value.as_deref(), Some("List-Unsubscribe=One-Click"));
    assert!(a.unsub.post_valid && a.unsub.one_click && a.unsub.dkim_covers_both && a.unsub.one_click_compliant);
    assert!(!a.ids().iter().any(|i| i.starts_with("unsubscribe.")), "{:?}", a.ids());

    // Without a passing signature RFC 8058 §4 is not met.
    let unsigned = analyze(&raw, &[]);
    assert!(unsigned.unsub.one_click && !unsigned.unsub.one_click_compliant);
    assert!(unsigned.has("unsubscribe.not_dkim_covered"));
    // A signature covering only List-Unsubscribe is not enough either.
    let partial = analyze(&raw, &[vec!["from".into(), "list-unsubscribe".into()]]);
    assert!(partial.has("unsubscribe.not_dkim_covered"));

    // Body: text + HTML alternative, 23 https anchors, no http, under the clip size.
    assert!(a.body.has_text && a.body.has_html && a.body.multipart_alternative);
    assert_eq!(a.body.links.count, 23);
    assert_eq!(a.body.links.https, 23);
    assert_eq!(a.body.links.http, 0);
    assert!(a.body.html_size < body::GMAIL_CLIP_BYTES);
    assert!(!a.ids().iter().any(|i| i.starts_with("body.")), "{:?}", a.ids());
    assert_eq!(a.headers.from.as_ref().and_then(|f| f.domain.as_deref()), Some("ttias.be"));
    assert_eq!(a.headers.sender.as_ref().and_then(|f| f.domain.as_deref()), Some("cronweekly.ma.ttias.be"));

    // The checklist derived from these facts marks unsubscribe items as passing.
    let (items, findings) = bulk::bulk_checklist(&BulkInput {
        from_domain: headers::from_domain(&MessageParser::new().parse(&raw).unwrap_or_default()),
        one_click_unsubscribe: a.unsub.one_click_compliant,
        list_unsubscribe_present: a.unsub.present,
        message_id_ok: a.headers.message_id_ok,
        rfc5322_ok: a.headers.rfc5322_ok,
        ..Default::default()
    });
    let status = |id: &str| items.iter().find(|i| i.id == id).map(|i| i.status.as_str()).unwrap_or_default();
    assert_eq!(status("one_click_unsubscribe"), "pass");
    assert_eq!(status("list_unsubscribe"), "pass");
    assert_eq!(status("message_id"), "pass");
    assert_eq!(status("spam_rate"), "not_visible");
    assert!(!findings.iter().any(|f| f.id == "bulk.no_one_click"));
}

#[test]
fn stalwart_eml_every_file_analyzes() {
    let Some(root) = corpora() else { return };
    let dir = root.join("stalwart-mail-parser/resources/eml");
    let mut files = Vec::new();
    for sub in ["legacy", "malformed", "rfc", "thirdparty"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd.flatten() {
            if e.path().extension().is_some_and(|x| x == "eml") {
                files.push(e.path());
            }
        }
    }
    files.sort();
    assert!(files.len() >= 100, "expected the 107 stalwart .eml files, found {}", files.len());
    let mut with_findings = 0usize;
    for f in &files {
        let raw = std::fs::read(f).unwrap_or_default();
        let a = analyze(&raw, &[]);
        // every finding is a catalog entry
        for fi in &a.findings {
            assert!(
                inboxlens_core::findings::catalog::by_id(&fi.id).is_some(),
                "{}: {} not in catalog",
                f.display(),
                fi.id
            );
        }
        assert!(a.body.parts.len() <= body::MAX_WALK_PARTS);
        let _ = inboxlens_core::bounce::explain_bounce(&raw);
        if !a.findings.is_empty() {
            with_findings += 1;
        }
    }
    eprintln!("stalwart eml: {} files analyzed, {} with findings", files.len(), with_findings);

    // thirdparty/016: "HTML + embedded image" = multipart/related, HTML only, one cid: image
    let a = analyze(&read(&dir, "thirdparty/016.eml"), &[]);
    assert!(a.body.html_only);
    assert_eq!(a.body.images, 1);
    assert_eq!(a.body.image_parts, 1);
    assert!(a.has("body.html_only") && a.has("body.image_heavy"));
    assert_eq!(a.body.tracking_pixels, 0);

    // legacy/030: Netscape message with two PNGs and a text file attached, none risky
    let a = analyze(&read(&dir, "legacy/030.eml"), &[]);
    let names: Vec<&str> = a.body.attachments.iter().filter_map(|x| x.filename.as_deref()).collect();
    assert_eq!(names, vec!["blueball.png", "greenball.png", "hareandtoroise.txt"]);
    assert!(a.body.attachments.iter().all(|x| x.risk.is_none()));
    assert!(!a.has("body.risky_attachment"));

    // rfc/008: a message/rfc822 attachment named attached_email.eml
    let a = analyze(&read(&dir, "rfc/008.eml"), &[]);
    assert!(
        a.body
            .attachments
            .iter()
            .any(|x| x.filename.as_deref() == Some("attached_email.eml") && x.content_type == "message/rfc822")
    );
}

#[test]
fn line_ending_variants_and_degenerate_messages() {
    let crlf = "From: Ann <ann@example.com>\r\nTo: bob@example.org\r\nSubject: Hello\r\nDate: Sat, 22 Nov 2025 23:50:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\nHello Bob\r\n";
    let lf = crlf.replace("\r\n", "\n");
    let cr = crlf.replace("\r\n", "\r");
    let a = analyze(crlf.as_bytes(), &[]);
    assert!(a.headers.rfc5322_ok, "{:?}", a.ids());
    let b = analyze(lf.as_bytes(), &[]);
    assert_eq!(b.headers.from, a.headers.from);
    assert_eq!(b.headers.subject.as_deref(), Some("Hello"));
    assert!(b.headers.rfc5322_ok);
    // CR-only: whatever mail-parser makes of it, a report comes back
    let c = analyze(cr.as_bytes(), &[]);
    assert!(c.headers.longest_line <= cr.len());

    // No headers at all
    let n = analyze(b"\r\njust a body\r\n", &[]);
    assert!(n.has("headers.none") || n.has("headers.from_missing"), "{:?}", n.ids());
    // Headers only, no blank line, no body
    let h = analyze(b"From: a@example.com\r\nSubject: only headers\r\n", &[]);
    assert_eq!(h.headers.subject.as_deref(), Some("only headers"));
    assert!(h.has("body.empty") || h.body.text_chars == 0);
    // Empty input and garbage
    let e = analyze(b"", &[]);
    assert!(e.has("headers.none"));
    let g = analyze(&[0xff, 0x00, b'<', b'a', 0x80, b'\r', b':', b'\n'], &[]);
    let _ = g.ids();
}

#[test]
fn mime_nested_100_deep() {
    // multipart nesting
    let depth = 100;
    let mut raw = String::from(
        "From: a@example.com\r\nDate: Sat, 22 Nov 2025 23:50:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n",
    );
    for d in 1..depth {
        raw.push_str(&format!("--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{d}\"\r\n\r\n", d - 1));
    }
    raw.push_str(&format!("--b{}\r\nContent-Type: text/html\r\n\r\n<a href=\"https://bit.ly/x\">x</a>\r\n", depth - 1));
    for d in (0..depth).rev() {
        raw.push_str(&format!("--b{d}--\r\n"));
    }
    let a = analyze(raw.as_bytes(), &[]);
    assert!(a.body.max_depth >= 50 && a.body.max_depth <= depth, "depth {}", a.body.max_depth);
    assert!(a.has("body.mime_too_deep"), "{:?}", a.ids());
    assert!(a.body.parts.len() <= body::MAX_WALK_PARTS);

    // message/rfc822 nesting
    let mut m = String::from("From: leaf@example.com\r\nSubject: leaf\r\n\r\nleaf\r\n");
    for i in 0..depth {
        m = format!("From: n{i}@example.com\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n{m}");
    }
    let b = analyze(m.as_bytes(), &[]);
    assert_eq!(b.headers.from.as_ref().and_then(|f| f.address.as_deref()), Some("n99@example.com"));
    assert!(b.body.part_count >= 2);
    let r = inboxlens_core::bounce::explain_bounce(m.as_bytes());
    assert!(!r.recognised);
}

#[test]
fn truncated_and_corrupted_corpus_messages_never_panic() {
    let Some(root) = corpora() else { return };
    let files = [
        "nodemailer-mailparser/spam.eml",
        "nodemailer-mailparser/nested.eml",
        "nodemailer-mailparser/delivery-status.eml",
        "mailauth/fixtures/message3.eml",
        "stalwart-mail-parser/resources/eml/legacy/030.eml",
    ];
    const NOISE: &[u8] = b"\r\n-=<>\":;@\x00\xff";
    let mut seed: u64 = 0x5eed;
    let mut runs = 0usize;
    for rel in files {
        let raw = read(&root, rel);
        // truncations
        let step = (raw.len() / 60).max(1);
        for cut in (0..raw.len()).step_by(step) {
            let part = raw.get(..cut).unwrap_or_default();
            let a = analyze(part, &[vec!["list-unsubscribe".into()]]);
            assert!(a.body.parts.len() <= body::MAX_WALK_PARTS);
            let _ = inboxlens_core::bounce::explain_bounce(part);
            runs += 1;
        }
        // byte corruption: 40 variants with 1% of the bytes replaced by MIME-significant ones
        for _ in 0..40 {
            let mut m = raw.clone();
            for _ in 0..(m.len() / 100).max(1) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let idx = (seed >> 33) as usize % m.len().max(1);
                let b = NOISE[(seed >> 20) as usize % NOISE.len()];
                if let Some(x) = m.get_mut(idx) {
                    *x = b;
                }
            }
            let _ = analyze(&m, &[]);
            let _ = inboxlens_core::bounce::explain_bounce(&m);
            runs += 1;
        }
    }
    eprintln!("{runs} truncated/corrupted variants analyzed");
    assert!(runs > 300);
}
