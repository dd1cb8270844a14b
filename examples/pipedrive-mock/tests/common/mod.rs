//! Serving the mock on an ephemeral loopback port for the end-to-end tests.

#![allow(dead_code)]

use std::sync::Arc;

use pipedrive_client::{Client, RetryPolicy};
use pipedrive_mock::Mock;

/// A running mock; shuts down when dropped.
pub struct Running {
    /// `http://127.0.0.1:PORT` (the API is under `/v1`, OAuth at the root).
    pub base: String,
    pub mock: Arc<Mock>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl Running {
    /// A client for the API with `token` as `api_token` and no retries.
    pub fn client(&self, token: &str) -> Client {
        self.builder().api_key(token).build().expect("client builds")
    }

    /// A builder pointed at the mock (API base and OAuth server), without credentials.
    pub fn builder(&self) -> pipedrive_client::ClientBuilder {
        Client::builder()
            .base_url(format!("{}/v1", self.base))
            .server_override("https://oauth.pipedrive.com", &self.base)
            .expect("a valid URL")
            .retry(RetryPolicy::none())
    }

    pub fn admin(&self) -> Client {
        self.client(pipedrive_mock::ADMIN_API_TOKEN)
    }
}

/// Serves `mock` behind `wrap` (a function adding layers to the mock's router).
pub async fn spawn_with(mock: Mock, wrap: impl FnOnce(axum::Router) -> axum::Router) -> Running {
    let mock = Arc::new(mock);
    let router = wrap(pipedrive_mock::router(mock.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let base = format!("http://{}", listener.local_addr().expect("an address"));
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(pipedrive_server::runtime::app::serve(listener, router, async move {
        let _ = receiver.await;
    }));
    Running { base, mock, shutdown: Some(sender) }
}

pub async fn spawn(mock: Mock) -> Running {
    spawn_with(mock, |router| router).await
}

/// The HTTP status of a failed call, documented or not.
pub fn status_of<T: std::fmt::Debug, E: std::fmt::Display + std::fmt::Debug>(
    result: &Result<T, pipedrive_client::Error<E>>,
) -> Option<u16> {
    result.as_ref().err().and_then(pipedrive_client::Error::status).map(|status| status.as_u16())
}
