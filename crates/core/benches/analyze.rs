//! Message-analysis throughput with DNS from a zone (no network): the bundled sample
//! (DKIM-valid) and a tampered copy (body-hash mismatch, with failure forensics).
//! `cargo bench -p inboxlens-core --bench analyze`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use inboxlens_core::analyze::{AnalyzeOptions, analyze_message};
use inboxlens_core::dns::Resolver;
use inboxlens_core::dns::zone::ZoneResolver;
use inboxlens_core::sample::{SAMPLE_MESSAGE, SAMPLE_RECEIVED_AT, SAMPLE_ZONE};
use std::hint::black_box;
use std::sync::Arc;

fn bench(c: &mut Criterion) {
    let zone: Arc<dyn Resolver> = Arc::new(ZoneResolver::from_zone_text(SAMPLE_ZONE, None).expect("sample zone"));
    let opts = AnalyzeOptions::at(SAMPLE_RECEIVED_AT + 60);
    let tampered = String::from_utf8_lossy(SAMPLE_MESSAGE).replace("three new notebooks", "three cheap notebooks");
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut group = c.benchmark_group("analyze_message");
    group.throughput(Throughput::Elements(1));
    group.bench_function("sample_dkim_pass", |b| {
        b.iter(|| rt.block_on(analyze_message(black_box(SAMPLE_MESSAGE), zone.clone(), &opts)).expect("report"))
    });
    group.bench_function("tampered_body_hash_mismatch", |b| {
        b.iter(|| rt.block_on(analyze_message(black_box(tampered.as_bytes()), zone.clone(), &opts)).expect("report"))
    });
    group.bench_function("sample_report_to_json", |b| {
        let report = rt.block_on(analyze_message(SAMPLE_MESSAGE, zone.clone(), &opts)).expect("report");
        b.iter(|| serde_json::to_vec(black_box(&report)).expect("json"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
