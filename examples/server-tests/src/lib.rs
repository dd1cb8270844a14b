//! A small implementation of the generated server's `Api` trait, served on loopback by the
//! tests in `tests/` and by the throughput benchmark (`src/bin/bench_server.rs`).
//!
//! Credentials it accepts: API token `good-token` (user 1, an admin) and `user-token`
//! (user 2), bearer token `good-bearer` (user 1), basic `client:secret` (the OAuth app).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use pipedrive_server::types::{ErrorResponse, Note, NoteResponse, NotesListResponse, OAuthToken};
use pipedrive_server::{
    AddNoteParams, AddNoteResponse, ApiError, AuthorizeParams, AuthorizeResponse, Credential, Credentials,
    GetNoteParams, GetNoteResponse, GetNotesParams, GetNotesResponse, GetOrganizationsCollectionParams,
    GetOrganizationsCollectionResponse, GetTokensParams, GetTokensResponse,
};

/// Who called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    User { id: i64, admin: bool },
    App { client_id: String },
}

/// Notes in memory, and the last parsed request of some operations for tests to inspect.
#[derive(Debug, Default)]
pub struct TestApi {
    notes: Mutex<BTreeMap<i64, Note>>,
    next_id: AtomicI64,
    pub last_get_notes: Mutex<Option<GetNotesParams>>,
    pub last_tokens: Mutex<Option<GetTokensParams>>,
    pub last_operation: Mutex<Option<&'static str>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl pipedrive_server::Api for TestApi {
    type Principal = Principal;

    async fn authenticate(&self, credentials: Credentials, operation: &'static str) -> Result<Principal, ApiError> {
        *lock(&self.last_operation) = Some(operation);
        match credentials.presented.first().map(|(_, credential)| credential) {
            Some(Credential::ApiKey(key)) if key.expose() == "good-token" => Ok(Principal::User { id: 1, admin: true }),
            Some(Credential::ApiKey(key)) if key.expose() == "user-token" => Ok(Principal::User { id: 2, admin: false }),
            Some(Credential::Bearer(token)) if token.expose() == "good-bearer" => Ok(Principal::User { id: 1, admin: true }),
            Some(Credential::Basic { username, password }) if username == "client" && password.expose() == "secret" => {
                Ok(Principal::App { client_id: username.clone() })
            }
            _ => Err(ApiError::unauthorized("the credentials are not valid", "Bearer")),
        }
    }

    async fn get_notes(&self, _principal: Principal, request: GetNotesParams) -> Result<GetNotesResponse, ApiError> {
        let notes: Vec<Note> = lock(&self.notes)
            .values()
            .filter(|note| request.user_id.is_none_or(|user| note.user_id == Some(user)))
            .cloned()
            .collect();
        *lock(&self.last_get_notes) = Some(request);
        Ok(GetNotesResponse::Ok(NotesListResponse { success: true, data: Some(notes).into(), additional_data: None }))
    }

    async fn add_note(&self, principal: Principal, request: AddNoteParams) -> Result<AddNoteResponse, ApiError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let user_id = match principal {
            Principal::User { id, .. } => Some(id),
            Principal::App { .. } => None,
        };
        let note = Note {
            id: Some(id),
            content: Some(request.body.content),
            org_id: request.body.org_id,
            lead_id: request.body.lead_id,
            user_id: request.body.user_id.or(user_id),
            ..Note::default()
        };
        lock(&self.notes).insert(id, note.clone());
        Ok(AddNoteResponse::Ok(NoteResponse { success: true, data: Some(note) }))
    }

    async fn get_note(&self, _principal: Principal, request: GetNoteParams) -> Result<GetNoteResponse, ApiError> {
        if request.id == 13 {
            panic!("note 13 is unlucky");
        }
        match lock(&self.notes).get(&request.id) {
            Some(note) => Ok(GetNoteResponse::Ok(NoteResponse { success: true, data: Some(note.clone()) })),
            None => Err(ApiError::not_found(format!("note {} not found", request.id))),
        }
    }

    async fn get_organizations_collection(
        &self,
        principal: Principal,
        _request: GetOrganizationsCollectionParams,
    ) -> Result<GetOrganizationsCollectionResponse, ApiError> {
        match principal {
            Principal::User { admin: true, .. } => Err(ApiError::not_implemented("getOrganizationsCollection")),
            _ => Ok(GetOrganizationsCollectionResponse::Forbidden(ErrorResponse {
                success: Some(false),
                error: Some("only admins may list the collection".to_owned()),
                ..ErrorResponse::default()
            })),
        }
    }

    async fn authorize(&self, request: AuthorizeParams) -> Result<AuthorizeResponse, ApiError> {
        Ok(AuthorizeResponse::Ok(format!("<p>authorize {}</p>", request.client_id)))
    }

    async fn get_tokens(&self, principal: Principal, request: GetTokensParams) -> Result<GetTokensResponse, ApiError> {
        let Principal::App { client_id } = principal else {
            return Err(ApiError::forbidden("only the app may exchange tokens"));
        };
        *lock(&self.last_tokens) = Some(request);
        Ok(GetTokensResponse::Ok(OAuthToken {
            access_token: Some(format!("access-for-{client_id}")),
            token_type: Some("Bearer".to_owned()),
            ..OAuthToken::default()
        }))
    }
}

/// A running server on an ephemeral loopback port.
pub struct Running {
    pub base: String,
    pub api: Arc<TestApi>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Running {
    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// Serves the generated router with [`TestApi`] and `config` on 127.0.0.1.
pub async fn spawn(config: pipedrive_server::RouterConfig) -> std::io::Result<Running> {
    let api = Arc::new(TestApi::default());
    let router = pipedrive_server::router_with(api.clone(), &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(pipedrive_server::runtime::app::serve(listener, router, async move {
        let _ = receiver.await;
    }));
    Ok(Running { base, api, shutdown: Some(sender) })
}
