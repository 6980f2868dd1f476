//! `POST /api/analyze` of the real server (`inboxlens serve --offline --zone sample.zone`)
//! answers the bundled sample with exactly the JSON of the golden file the core pins
//! (`crates/core/tests/golden/analyze_sample.json`, see `crates/core/tests/json_contract.rs`):
//! same keys, same order, same values. The HTTP body is compact JSON; it is compared with
//! the golden file rendered compact, and its pretty form with the golden file itself (the
//! readable diff on a mismatch). The golden file is blessed by the core's test only.

#[path = "../../crates/core/tests/support/golden.rs"]
mod golden;
mod serve_support;

use inboxlens_core::sample::SAMPLE_RECEIVED_AT;
use serve_support::{Server, client};
use std::path::PathBuf;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[tokio::test]
async fn api_analyze_answers_the_golden_report() {
    let zone = repo_root().join("crates/core/assets/sample.zone");
    let zone = zone.display().to_string();
    let srv = Server::start("", &["--offline", "--zone", &zone]);
    let raw = std::fs::read(repo_root().join("crates/core/assets/sample.eml")).expect("sample.eml");
    // As of one minute after the sample was received: what `analyze --sample` uses.
    let url = srv.url(&format!("/api/analyze?now={}", SAMPLE_RECEIVED_AT + 60));
    let r = client().post(url).body(raw).send().await.expect("POST /api/analyze");
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.expect("body");

    let path = golden::golden_dir().join("analyze_sample.json");
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; create it with INBOXLENS_BLESS=1 cargo test -p inboxlens-core --test json_contract",
            path.display()
        )
    });
    let tree = golden::parse(&body).unwrap_or_else(|e| panic!("the answer is not JSON ({e}): {body}"));
    // Pretty form of the answer, key order kept: the readable comparison (and the allow-list).
    if let Err(diff) = golden::compare(&want, &(golden::render(&tree) + "\n")) {
        panic!("/api/analyze differs from {}:\n{diff}", path.display());
    }
    // And byte for byte in serde_json's compact form, unless only allowed keys were added.
    let want_compact = golden::render_compact(&golden::parse(&want).expect("golden JSON"));
    if body != want_compact {
        assert_eq!(
            golden::without_allowed(&(golden::render(&tree) + "\n")) + "\n",
            want,
            "/api/analyze differs from the golden file beyond allowed additions"
        );
    }
}
