//! DKIM verification against public corpora, every key served from a `ZoneResolver`
//! (the real DNS seam), clocks pinned:
//!
//! - Mail::DKIM `v=1` messages (`mail-dkim-perl/corpus`, `FAKE_DNS.dat`,
//!   `verifier-expected.json`): its pass / fail / invalid vocabulary is compared with
//!   ours as pass → a cryptographically valid signature (`signature_valid == Some(true)`;
//!   the result may still be `policy` under RFC 8301 for rsa-sha1 or keys under 1024
//!   bits), fail → `fail`, invalid → any of neutral / permerror / temperror / policy.
//! - stalwart `dkim/` resources with the clock at 1667843664 (005 has an `x=` already past
//!   on the real clock: only the as-of-`now` re-verification makes it pass);
//! - RFC 8463 Ed25519 vectors (dkimpy `rfc6376.signed.msg`, mailauth `dkim-ec/signed.eml`).

mod support;

use inboxlens_core::auth::{AuthVerdicts, verify_auth};
use inboxlens_core::dns::RecordData;
use inboxlens_core::dns::zone::ZoneResolver;
use std::path::{Path, PathBuf};
use support::{corpora, crlf, dns_and_message, fake_dns, no_spf, txt, txt_zone};

/// Verification time for Mail::DKIM (its newest signatures are from 2023; ignore_7's
/// x= is in 2007).
const MAIL_DKIM_NOW: u64 = 1_700_000_000;
/// The clock stalwart's own tests pin.
const STALWART_NOW: u64 = 1_667_843_664;
/// Floor of agreeing Mail::DKIM v=1 cases.
const MAIL_DKIM_FLOOR: usize = 26;
/// Where our RFC 6376 reading differs from Mail::DKIM's expectation.
const MAIL_DKIM_DISPUTES: &[(&str, &str)] = &[
    ("corpus/badkey_8.txt", "key g= tag: RFC 6376 removed g= (RFC 4871 only); dkimpy passes it too"),
    ("corpus/badkey_9.txt", "key g= tag: RFC 6376 removed g= (RFC 4871 only); dkimpy passes it too"),
    ("corpus/badkey_12.txt", "key g= tag: RFC 6376 removed g= (RFC 4871 only); dkimpy passes it too"),
    ("corpus/badkey_13.txt", "key g= tag: RFC 6376 removed g= (RFC 4871 only); dkimpy passes it too"),
];

async fn verify(raw: &[u8], zone: &ZoneResolver, now: u64) -> AuthVerdicts {
    let v = verify_auth(raw, zone, "", &no_spf(), now).await;
    assert_eq!(v.unprefetched_lookups, 0, "a lookup escaped the prefetch");
    v
}

#[tokio::test]
async fn mail_dkim_v1_messages() {
    let Some(root) = corpora() else { return };
    let base = root.join("mail-dkim-perl");
    let zone = fake_dns(&std::fs::read_to_string(base.join("FAKE_DNS.dat")).expect("FAKE_DNS.dat"));
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(base.join("verifier-expected.json")).expect("expected json"))
            .expect("json");
    let mut total = 0;
    let mut agreed = 0;
    let mut misses = Vec::new();
    for case in expected["cases"].as_array().expect("cases") {
        if case["rfc6376_era"].as_bool() != Some(true) {
            continue;
        }
        let file = case["file"].as_str().unwrap_or_default();
        let want = case["expected"].as_str().unwrap_or_default();
        let raw = std::fs::read(base.join(file)).expect("message");
        let v = verify(&raw, &zone, MAIL_DKIM_NOW).await;
        let Some(d) = v.dkim.first() else {
            misses.push(format!("{file}: no DKIM verdict"));
            total += 1;
            continue;
        };
        let ok = match want {
            "pass" => d.signature_valid == Some(true) && (d.result == "pass" || d.result == "policy"),
            "fail" => d.result == "fail",
            _ => {
                matches!(d.result.as_str(), "neutral" | "permerror" | "temperror")
                    || (d.result == "policy" && d.signature_valid != Some(true))
            }
        };
        total += 1;
        if ok {
            agreed += 1;
        } else {
            misses.push(format!(
                "{file}: Mail::DKIM {want}, Inboxlens {} {:?} ({:?})",
                d.result, d.signature_valid, d.failure
            ));
        }
    }
    println!("Mail::DKIM v=1 corpus: {agreed}/{total} agree");
    for m in &misses {
        match MAIL_DKIM_DISPUTES.iter().find(|(f, _)| m.starts_with(&format!("{f}:"))) {
            Some((_, why)) => println!("  known dispute {m} — {why}"),
            None => println!("  MISS {m}"),
        }
    }
    assert!(total >= 30, "expected the 30 v=1 messages, found {total}");
    assert!(agreed >= MAIL_DKIM_FLOOR, "Mail::DKIM agreement regressed: {agreed}/{total}");
}

#[tokio::test]
async fn mail_dkim_failure_forensics() {
    let Some(root) = corpora() else { return };
    let base = root.join("mail-dkim-perl");
    let zone = fake_dns(&std::fs::read_to_string(base.join("FAKE_DNS.dat")).expect("FAKE_DNS.dat"));
    let kind =
        |v: &AuthVerdicts| v.dkim.first().and_then(|d| d.failure.clone()).map(|f| f.kind.as_str()).unwrap_or_default();
    let read = |f: &str| std::fs::read(base.join("corpus").join(f)).expect("message");

    // Key problems win over the (also broken) body hash: RFC 6376 §6.1.2 before §6.1.3.
    let v = verify(&read("badkey5_ed25519.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "key_missing", "empty TXT record: {:?}", v.dkim);
    let mut revoked = ZoneResolver::new();
    revoked.add_record("2023-05-ed25519._domainkey.wander.science", 300, txt("v=DKIM1; k=ed25519; p="));
    let v = verify(&read("goodkey_ed25519.txt"), &revoked, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "key_revoked", "{:?}", v.dkim);
    assert!(v.findings.iter().any(|f| f.id == "dkim.key_revoked"));

    let v = verify(&read("badkey4_ed25519.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "key_missing", "{:?}", v.dkim);
    assert_eq!(v.dkim.first().map(|d| d.result.as_str()), Some("permerror"));

    // q=http offers no dns/txt retrieval.
    let v = verify(&read("ignore_5.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "syntax", "{:?}", v.dkim);

    let v = verify(&read("badkey_14.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(v.dkim.first().map(|d| d.result.as_str()), Some("temperror"), "timeout must be temperror");
    let v = verify(&read("badkey_15.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(v.dkim.first().map(|d| d.result.as_str()), Some("temperror"), "SERVFAIL must be temperror");

    let v = verify(&read("badkey3_ed25519.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "body_hash_mismatch", "{:?}", v.dkim);
    let v = verify(&read("badkey2_ed25519.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "signature_mismatch", "{:?}", v.dkim);

    let v = verify(&read("goodkey_ed25519.txt"), &zone, MAIL_DKIM_NOW).await;
    let d = v.dkim.first().expect("verdict");
    assert_eq!((d.result.as_str(), d.key_type.as_deref(), d.key_bits), ("pass", Some("ed25519"), Some(256)));

    // Expired as of the pinned clock: neutral, but the signature itself checks out.
    let v = verify(&read("ignore_7.txt"), &zone, MAIL_DKIM_NOW).await;
    assert_eq!(kind(&v), "expired", "{:?}", v.dkim);
    assert!(v.findings.iter().any(|f| f.id == "dkim.expired"));
    // The same message judged as of a moment before x=: our own verification runs.
    let x = v.dkim.first().and_then(|d| d.expiration).expect("x=");
    let t = v.dkim.first().and_then(|d| d.timestamp).unwrap_or(x - 1);
    let before = verify(&read("ignore_7.txt"), &zone, t.max(x - 60)).await;
    let d = before.dkim.first().expect("verdict");
    assert_eq!(d.signature_valid, Some(true), "{d:?}");
    assert!(d.failure.as_ref().is_none_or(|f| f.kind != "expired"), "{d:?}");

    // A footer appended to a good message is found as such.
    let mut raw = read("goodkey_ed25519.txt");
    raw.extend_from_slice(b"--\r\nSent through the list. Unsubscribe: https://lists.example/u\r\n");
    let v = verify(&raw, &zone, MAIL_DKIM_NOW).await;
    let f = v.dkim.first().and_then(|d| d.failure.clone()).expect("failure");
    assert_eq!(f.kind, "body_hash_mismatch");
    assert!(f.likely_cause.contains("footer"), "{}", f.likely_cause);
    // LF-only line endings are recognised.
    let lf: Vec<u8> = read("goodkey_ed25519.txt").into_iter().filter(|b| *b != b'\r').collect();
    let v = verify(&lf, &zone, MAIL_DKIM_NOW).await;
    if let Some(f) = v.dkim.first().and_then(|d| d.failure.clone()) {
        assert!(f.likely_cause.contains("line"), "{}", f.likely_cause);
    }
}

/// stalwart resources: DNS lines (`name value`), a blank line, the message (LF).
fn stalwart(path: &Path) -> (ZoneResolver, Vec<u8>) {
    dns_and_message(&std::fs::read_to_string(path).expect("resource"))
}

#[tokio::test]
async fn stalwart_dkim_resources() {
    let Some(root) = corpora() else { return };
    let dir = root.join("stalwart-mail-auth/resources/dkim");
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(&dir).expect("dir").filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let mut total = 0;
    let mut passed = 0;
    for f in &files {
        let (zone, raw) = stalwart(f);
        let v = verify(&raw, &zone, STALWART_NOW).await;
        total += 1;
        let valid = v.dkim.iter().all(|d| d.signature_valid == Some(true)) && !v.dkim.is_empty();
        if valid {
            passed += 1;
        } else {
            println!(
                "  MISS {}: {:?}",
                f.display(),
                v.dkim.iter().map(|d| (&d.result, &d.failure)).collect::<Vec<_>>()
            );
        }
        for d in &v.dkim {
            assert!(d.key_bits.is_some(), "{}: key size of {}", f.display(), d.domain);
        }
    }
    println!("stalwart dkim/: {passed}/{total} files with every signature valid at {STALWART_NOW}");
    assert_eq!(passed, total);
}

#[tokio::test]
async fn rfc8463_ed25519_vectors() {
    let Some(root) = corpora() else { return };
    // Keys of RFC 8463 Appendix A (brisbane ed25519, test rsa), as mailauth ships them.
    let dns: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("mailauth/dkim-ec/dns.json")).expect("dns.json"))
            .expect("json");
    let mut zone = ZoneResolver::new();
    for (name, types) in dns.as_object().expect("object") {
        for rec in types["TXT"].as_array().into_iter().flatten() {
            let strings: Vec<Vec<u8>> = rec
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s.as_str())
                .map(|s| s.as_bytes().to_vec())
                .collect();
            zone.add_record(name, 300, RecordData::Txt { strings });
        }
    }
    let mut total = 0;
    let mut passed = 0;
    for file in ["mailauth/dkim-ec/signed.eml", "dkimpy/data/rfc6376.signed.msg"] {
        let raw = crlf(&std::fs::read(root.join(file)).expect("message"));
        let v = verify(&raw, &zone, 1_600_000_000).await;
        let algs: Vec<&str> = v.dkim.iter().map(|d| d.algorithm.as_str()).collect();
        assert!(algs.contains(&"ed25519-sha256"), "{file}: {algs:?}");
        for d in &v.dkim {
            total += 1;
            if d.result == "pass" {
                passed += 1;
            } else {
                println!("  MISS {file} {} {}: {} {:?}", d.domain, d.algorithm, d.result, d.failure);
            }
            if d.algorithm == "ed25519-sha256" {
                assert_eq!((d.key_type.as_deref(), d.key_bits), (Some("ed25519"), Some(256)));
            }
        }
    }
    println!("RFC 8463 vectors: {passed}/{total} signatures pass");
    assert_eq!(passed, total);
}

/// RFC 8463 §A.2 Ed25519 key (seed and public key), wrapped as PKCS#8 v1 (RFC 8410 §7).
fn rfc8463_signer_key() -> mail_auth::crypto::Ed25519Key {
    let seed =
        inboxlens_core::auth::dkim::key::base64_decode("nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=").expect("seed");
    let mut der = vec![0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    der.extend_from_slice(&seed);
    mail_auth::crypto::Ed25519Key::from_pkcs8_der(&der).expect("pkcs8")
}

fn rfc8463_zone() -> ZoneResolver {
    txt_zone([
        (
            "brisbane._domainkey.football.example.com",
            "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
        ),
        ("_dmarc.football.example.com", "v=DMARC1; p=reject"),
    ])
}

/// Signs `message` with mail-auth's own signer; returns header + message.
fn sign(message: &[u8], headers: &[&str], body_length: bool, expiration: Option<u64>) -> Vec<u8> {
    use mail_auth::headers::HeaderWriter;
    let mut signer = mail_auth::dkim::DkimSigner::from_key(rfc8463_signer_key())
        .domain("football.example.com")
        .selector("brisbane")
        .headers(headers.iter().map(|h| h.to_string()))
        .body_length(body_length);
    if let Some(x) = expiration {
        signer = signer.expiration(std::time::Duration::from_secs(x));
    }
    let sig = signer.sign(message).expect("sign");
    let mut out = sig.to_header().into_bytes();
    out.extend_from_slice(message);
    out
}

const PLAIN: &[u8] = b"From: Joe SixPack <joe@football.example.com>\r\nTo: Suzie Q <suzie@shopping.example.net>\r\nSubject: Is dinner ready?\r\nDate: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\nMessage-ID: <20030712040037.46341.5F8J@football.example.com>\r\n\r\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n";

#[tokio::test]
async fn body_length_tag_is_verified_and_reported() {
    let zone = rfc8463_zone();
    let mut raw = sign(PLAIN, &["From", "From", "To", "Subject", "Date", "Message-ID"], true, None);
    raw.extend_from_slice(b"P.S. appended after signing\r\n");
    let v = verify_auth(&raw, &zone, "", &no_spf(), 2_000_000_000).await;
    let d = v.dkim.first().expect("verdict");
    assert_eq!(d.result, "pass", "l= signatures are verified over the signed prefix: {d:?}");
    assert!(d.body_length.is_some());
    let f = v.findings.iter().find(|f| f.id == "dkim.body_length_tag").expect("l= finding");
    assert!(f.detail.as_deref().is_some_and(|t| t.contains("unsigned") && t.contains("RFC 6376 §6.1.3")), "{f:?}");
    assert_eq!(v.dmarc.result, "pass");
    assert!(d.aligned_with_from);
}

#[tokio::test]
async fn expiry_timestamps_and_rewrites_are_judged_as_of_now() {
    let zone = rfc8463_zone();
    let raw = sign(PLAIN, &["From", "To", "Subject", "Date"], false, Some(3_600));
    let first = verify_auth(&raw, &zone, "", &no_spf(), 0).await;
    let t = first.dkim.first().and_then(|d| d.timestamp).expect("t=");
    let x = first.dkim.first().and_then(|d| d.expiration).expect("x=");
    assert_eq!(x, t + 3_600);
    // Before the signature was made (beyond the grace): set aside, signature still valid.
    let d = first.dkim.first().expect("verdict");
    assert_eq!(d.failure.as_ref().map(|f| f.kind.as_str()), Some("future_timestamp"), "{d:?}");
    assert_eq!(d.signature_valid, Some(true));
    // Within the validity window.
    let v = verify_auth(&raw, &zone, "", &no_spf(), t + 60).await;
    assert_eq!(v.dkim.first().map(|d| d.result.as_str()), Some("pass"));
    // After x=: expired, but the signature itself is good.
    let v = verify_auth(&raw, &zone, "", &no_spf(), x + 1).await;
    let d = v.dkim.first().expect("verdict");
    assert_eq!((d.result.as_str(), d.signature_valid), ("neutral", Some(true)));
    assert_eq!(d.failure.as_ref().map(|f| f.kind.as_str()), Some("expired"));
    assert_eq!(v.dmarc.result, "fail", "an expired signature does not count for DMARC");
    // h= without Message-ID and From signed once: not oversigned.
    let f = v.findings.iter().find(|f| f.id == "dkim.headers_not_covered").expect("coverage finding");
    assert!(f.detail.as_deref().is_some_and(|t| t.contains("oversigned")), "{f:?}");
    // A list tag in the Subject breaks the header signature, and says so.
    let text = String::from_utf8(raw.clone()).expect("ascii");
    let tagged = text.replace("Subject: Is dinner ready?", "Subject: [football] Is dinner ready?").into_bytes();
    let v = verify_auth(&tagged, &zone, "", &no_spf(), t + 60).await;
    let fail = v.dkim.first().and_then(|d| d.failure.clone()).expect("failure");
    assert_eq!(fail.kind, "signature_mismatch");
    assert!(fail.likely_cause.contains("Subject"), "{}", fail.likely_cause);
    assert!(v.findings.iter().any(|f| f.id == "dkim.signature_mismatch"));
}
