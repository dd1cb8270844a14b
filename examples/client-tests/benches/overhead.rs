//! Client overhead: one `GET /v1/notes/{id}` through the generated Pipedrive client beside a
//! hand-written reqwest call doing the same work (same URL with the API token, same body,
//! decoded into the same `NoteResponse`), against one axum server on loopback, in one run:
//! `cargo bench -p client-tests --bench overhead`. Criterion reports the time per request;
//! throughput is its inverse, so the ratio of the medians is the throughput ratio.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use pipedrive_client::types::NoteResponse;
use pipedrive_client::{Client, RetryPolicy};

const TOKEN: &str = "bench-token";

/// A note as Pipedrive answers it, with the fields a real one has.
fn note_body() -> String {
    serde_json::json!({
        "success": true,
        "data": {
            "id": 1, "user_id": 7, "deal_id": 11, "person_id": 13, "org_id": 17, "lead_id": null,
            "content": "Called back about the renewal; wants a quote by Friday.",
            "add_time": "2024-05-06 10:11:12", "update_time": "2024-05-07 09:08:07",
            "active_flag": true, "pinned_to_deal_flag": false, "pinned_to_person_flag": false,
            "pinned_to_organization_flag": false, "last_update_user_id": 7,
            "organization": {"name": "Acme"}, "person": {"name": "Ada"}, "deal": {"title": "Renewal"},
            "user": {"email": "ada@example.com", "name": "Ada", "icon_url": null, "is_you": true}
        }
    })
    .to_string()
}

async fn serve() -> String {
    let body = note_body();
    let app = axum::Router::new().route(
        "/v1/notes/{id}",
        axum::routing::get(move || {
            let body = body.clone();
            async move { ([(axum::http::header::CONTENT_TYPE, "application/json")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
    let base = runtime.block_on(serve());
    let generated = Client::builder().base_url(format!("{base}/v1")).api_key(TOKEN).retry(RetryPolicy::none()).build().expect("client");
    let http = reqwest::Client::new();
    let url = format!("{base}/v1/notes/1?api_token={TOKEN}");

    let mut group = c.benchmark_group("get_note");
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("hand-written reqwest", |b| {
        b.to_async(&runtime).iter(|| async {
            let response = http.get(&url).send().await.expect("sent");
            assert!(response.status().is_success());
            let bytes = response.bytes().await.expect("body");
            let note: NoteResponse = serde_json::from_slice(&bytes).expect("a note");
            note
        })
    });
    group.bench_function("generated client", |b| {
        b.to_async(&runtime).iter(|| async { generated.get_note(1).send().await.expect("a note") })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
