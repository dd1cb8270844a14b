//! OAuth against the mock: the authorization URL and page, the code exchange and refresh with
//! client credentials, and the issued access token used as a bearer token.

mod common;

use pipedrive_client::{types as t, Error, OAuth2Client, Secret};
use pipedrive_mock::{Mock, CLIENT_ID, CLIENT_SECRET};

const REDIRECT: &str = "https://app.example/callback";

fn oauth(base: &str) -> OAuth2Client {
    let mut oauth =
        pipedrive_client::oauth2_client(CLIENT_ID, CLIENT_SECRET, Some(REDIRECT.to_owned())).expect("oauth client");
    oauth.authorization_url = format!("{base}/oauth/authorize").parse().expect("url");
    oauth.token_url = format!("{base}/oauth/token").parse().expect("url");
    oauth
}

/// The `code` the authorize page sends the user back with.
fn code_from_page(page: &str, state: &str) -> String {
    let start = page.find("href=\"").expect("a link") + "href=\"".len();
    let end = start + page[start..].find('"').expect("link end");
    let href = page[start..end].replace("&amp;", "&");
    let url: reqwest::Url = href.parse().expect("the link is a URL");
    assert!(href.starts_with(REDIRECT), "{href}");
    let pairs: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    assert!(pairs.contains(&("state".to_owned(), state.to_owned())), "{pairs:?}");
    pairs.into_iter().find(|(key, _)| key == "code").map(|(_, code)| code).expect("a code")
}

#[tokio::test]
async fn authorize_exchange_refresh_and_use_the_token() {
    let running = common::spawn(Mock::new()).await;
    let oauth = oauth(&running.base);
    let http = reqwest::Client::new();

    // The authorization URL the helper builds is served by the mock.
    let url = oauth.authorization_url("state-42", &["contacts:full"]);
    assert_eq!(url.path(), "/oauth/authorize");
    let page = http.get(url).send().await.expect("authorize page");
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap_or_default().starts_with("text/html"));
    let code = code_from_page(&page.text().await.expect("html"), "state-42");

    // The same through the generated operation (on the OAuth server, overridden to the mock).
    let client = running.builder().build().expect("client");
    let page = client.authorize(CLIENT_ID.to_owned(), REDIRECT.to_owned()).state("s-1").send().await.expect("page");
    code_from_page(&page, "s-1");
    // An unknown client gets an error page and no redirect (RFC 6749, 4.1.2.1).
    let unknown = client.authorize("someone".to_owned(), REDIRECT.to_owned()).send().await.expect("page");
    assert!(unknown.contains("invalid_client") && !unknown.contains("href"), "{unknown}");

    // Exchange the code, then call the API with the access token.
    let tokens = oauth.exchange_code(&http, &code).await.expect("tokens");
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, Some(3599));
    let refresh = tokens.refresh_token.clone().expect("a refresh token");
    let api = running.builder().oauth2(tokens.access_token.expose()).build().expect("client");
    let fields = api.get_note_fields().send().await.expect("the access token works");
    assert!(fields.success);
    let collection = api.get_organizations_collection().send().await.expect("the token is the admin's");
    assert!(collection.success);

    // Refresh: a new access token, the old refresh token still valid.
    let refreshed = oauth.refresh(&http, &refresh).await.expect("refreshed");
    assert_ne!(refreshed.access_token.expose(), tokens.access_token.expose());
    let api = running.builder().oauth2(refreshed.access_token.expose()).build().expect("client");
    api.get_note_fields().send().await.expect("the refreshed token works");

    // A refresh token the mock never issued: invalid_grant, as a token error.
    match oauth.refresh(&http, &Secret::new("made-up")).await {
        Err(Error::Api(refusal)) => assert_eq!(refusal.error, "invalid_grant"),
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    // Wrong client credentials: 401.
    let mut wrong = oauth.clone();
    wrong.client_secret = Secret::new("wrong");
    match wrong.refresh(&http, &refresh).await {
        Err(Error::Api(refusal)) => assert_eq!(refusal.error, "unauthorized access"),
        Err(Error::UnexpectedStatus { status, .. }) => assert_eq!(status, 401),
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn the_token_operation_through_the_generated_client() {
    let running = common::spawn(Mock::new()).await;
    let client = running.builder().basic_authentication(CLIENT_ID, CLIENT_SECRET).build().expect("client");
    let issued = client
        .get_tokens()
        .body(t::OauthRefreshTokenRequest { grant_type: Some("authorization_code".to_owned()), refresh_token: None })
        .send()
        .await
        .expect("tokens");
    assert_eq!(issued.token_type.as_deref(), Some("Bearer"));
    assert_eq!(issued.api_domain.as_deref(), Some("http://127.0.0.1"));
    let refresh = issued.refresh_token.clone().expect("refresh token");
    let refreshed = client
        .get_tokens()
        .body(t::OauthRefreshTokenRequest {
            grant_type: Some("refresh_token".to_owned()),
            refresh_token: Some(refresh.clone()),
        })
        .send()
        .await
        .expect("refreshed");
    assert_eq!(refreshed.refresh_token, Some(refresh));
    assert_ne!(refreshed.access_token, issued.access_token);
    let unsupported = client
        .get_tokens()
        .body(t::OauthRefreshTokenRequest { grant_type: Some("password".to_owned()), refresh_token: None })
        .send()
        .await;
    assert_eq!(common::status_of(&unsupported), Some(400), "{unsupported:?}");
}
