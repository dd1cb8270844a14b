//! The throughput benchmark's two servers, side by side in one process on one worker thread:
//! the generated router with a trivial implementation of `GET /notes/{id}` and `POST /notes`,
//! and a hand-written axum router doing the same work (API token check, id parse, JSON body
//! decode with the required-field check, the same JSON answers) behind the same standard
//! tower-http layers (trace span, panic catching, timeout, body limit). `bench/run.sh` drives both
//! with wrk. Prints `generated=ADDR handwritten=ADDR` and serves until killed.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use pipedrive_server::types::{Note, NoteResponse, NotesCreateNoteRequest};
use pipedrive_server::{
    AddNoteParams, AddNoteResponse, ApiError, Credential, Credentials, GetNoteParams, GetNoteResponse, RouterConfig,
};

const TOKEN: &str = "bench-token";

fn note(id: i64, content: String) -> NoteResponse {
    NoteResponse { success: true, data: Some(Note { id: Some(id), content: Some(content), ..Note::default() }) }
}

struct Generated;

impl pipedrive_server::Api for Generated {
    type Principal = ();

    async fn authenticate(&self, credentials: Credentials, _operation: &'static str) -> Result<(), ApiError> {
        match credentials.presented.first() {
            Some((_, Credential::ApiKey(key))) if key.expose() == TOKEN => Ok(()),
            _ => Err(ApiError::unauthorized("the credentials are not valid", "ApiKey")),
        }
    }

    async fn get_note(&self, _principal: (), request: GetNoteParams) -> Result<GetNoteResponse, ApiError> {
        Ok(GetNoteResponse::Ok(note(request.id, "hello".to_owned())))
    }

    async fn add_note(&self, _principal: (), request: AddNoteParams) -> Result<AddNoteResponse, ApiError> {
        Ok(AddNoteResponse::Ok(note(1, request.body.content)))
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({"success": false, "error": message}))).into_response()
}

fn authorized(query: Option<&str>) -> bool {
    query.map(|query| form_pairs(query).any(|(key, value)| key == "api_token" && value == TOKEN)).unwrap_or(false)
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap_or_default().into_iter()
}

async fn hand_get_note(Path(id): Path<String>, RawQuery(query): RawQuery) -> Response {
    if !authorized(query.as_deref()) {
        return error(StatusCode::UNAUTHORIZED, "the credentials are not valid");
    }
    match id.parse::<i64>() {
        Ok(id) => Json(note(id, "hello".to_owned())).into_response(),
        Err(_) => error(StatusCode::BAD_REQUEST, "`id` must be an integer"),
    }
}

async fn hand_add_note(
    RawQuery(query): RawQuery,
    body: Result<Json<NotesCreateNoteRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !authorized(query.as_deref()) {
        return error(StatusCode::UNAUTHORIZED, "the credentials are not valid");
    }
    match body {
        Ok(Json(body)) => Json(note(1, body.content)).into_response(),
        Err(rejection) => error(rejection.status(), &rejection.body_text()),
    }
}

fn main() -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(async {
        let generated = pipedrive_server::router_with(Arc::new(Generated), &RouterConfig::default());
        // The same standard layers the generated router has: trace span, panic catching,
        // timeout, body limit (what a production axum service stacks anyway).
        let handwritten = Router::new()
            .route("/v1/notes/{id}", get(hand_get_note))
            .route("/v1/notes", axum::routing::post(hand_add_note))
            .layer(tower_http::limit::RequestBodyLimitLayer::new(1024 * 1024))
            .layer(tower_http::timeout::TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                Duration::from_secs(30),
            ))
            .layer(tower_http::catch_panic::CatchPanicLayer::new())
            .layer(tower_http::trace::TraceLayer::new_for_http());
        let generated_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let handwritten_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("generated={} handwritten={}", generated_listener.local_addr()?, handwritten_listener.local_addr()?);
        let generated = tokio::spawn(async move { axum::serve(generated_listener, generated).await });
        let handwritten = tokio::spawn(async move { axum::serve(handwritten_listener, handwritten).await });
        let _ = tokio::join!(generated, handwritten);
        Ok(())
    })
}
