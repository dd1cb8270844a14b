//! Credentials and where they go. The generator emits the spec's security schemes as
//! static [`SecurityScheme`] data and each operation's requirements as a list of
//! alternatives; [`Credentials`] holds what the caller configured, keyed by scheme name.
//! Also the OAuth2 authorization-code helpers. Secrets never appear in `Debug` output.

use ::std::collections::BTreeMap;
use ::std::fmt;

/// A secret string whose `Debug` and `Display` print `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself; call only where it is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

impl<'de> ::serde::Deserialize<'de> for Secret {
    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Serialises the plain value: persisting a token is deliberate; logging uses `Debug`.
impl ::serde::Serialize for Secret {
    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    Query,
    Header,
    Cookie,
}

/// The kind of a security scheme, as the spec declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    /// `type: apiKey`, sent as `parameter` in `location`.
    ApiKey { location: ApiKeyLocation, parameter: &'static str },
    /// `type: http, scheme: bearer`, and `oauth2` / `openIdConnect` (their tokens are bearer tokens).
    Bearer,
    /// `type: http, scheme: basic`.
    Basic,
}

/// One entry of the spec's `components.securitySchemes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    pub name: &'static str,
    pub kind: SchemeKind,
}

/// An operation's `security`: alternatives, each a list of scheme names that must all be
/// satisfied. An empty list means "no security"; an empty alternative means "anonymous is
/// allowed".
pub type SecurityRequirements = &'static [&'static [&'static str]];

/// One configured credential.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    ApiKey(Secret),
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

impl Credential {
    pub fn api_key(key: impl Into<String>) -> Self {
        Credential::ApiKey(Secret::new(key))
    }

    pub fn bearer(token: impl Into<String>) -> Self {
        Credential::Bearer(Secret::new(token))
    }

    pub fn basic(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credential::Basic { username: username.into(), password: Secret::new(password) }
    }

    fn fits(&self, kind: &SchemeKind) -> bool {
        matches!(
            (self, kind),
            (Credential::ApiKey(_), SchemeKind::ApiKey { .. })
                | (Credential::Bearer(_), SchemeKind::Bearer)
                | (Credential::Basic { .. }, SchemeKind::Basic)
        )
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::ApiKey(_) => f.write_str("ApiKey(***)"),
            Credential::Bearer(_) => f.write_str("Bearer(***)"),
            Credential::Basic { username, .. } => write!(f, "Basic {{ username: {username:?}, password: *** }}"),
        }
    }
}

/// The credentials a client holds, keyed by security scheme name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    by_scheme: BTreeMap<String, Credential>,
}

impl Credentials {
    pub fn new() -> Self {
        Credentials::default()
    }

    /// Adds (or replaces) the credential for `scheme`.
    pub fn with(mut self, scheme: impl Into<String>, credential: Credential) -> Self {
        self.by_scheme.insert(scheme.into(), credential);
        self
    }

    pub fn set(&mut self, scheme: impl Into<String>, credential: Credential) {
        self.by_scheme.insert(scheme.into(), credential);
    }

    pub fn remove(&mut self, scheme: &str) -> Option<Credential> {
        self.by_scheme.remove(scheme)
    }

    pub fn get(&self, scheme: &str) -> Option<&Credential> {
        self.by_scheme.get(scheme)
    }

    /// Picks the first alternative of `requirements` that the held credentials satisfy and
    /// returns what to send. No requirements, or an empty alternative reached before any
    /// satisfiable one, means sending nothing. Err names the schemes that would do.
    ///
    /// Bearer schemes (OAuth2, OpenID Connect, HTTP bearer) travel in the one
    /// `Authorization` header, so several in one alternative (`{Oauth2: [..], Oauth2c: [..]}`)
    /// are satisfied by one token: the first one held for any of them.
    pub fn select(
        &self,
        requirements: &[&[&str]],
        schemes: &[SecurityScheme],
    ) -> Result<Vec<(SecurityScheme, &Credential)>, String> {
        if requirements.is_empty() {
            return Ok(Vec::new());
        }
        'alternatives: for alternative in requirements {
            let scheme_of = |name: &str| schemes.iter().find(|scheme| scheme.name == name);
            let token = alternative.iter().find_map(|name| {
                let held = self.by_scheme.get(*name)?;
                (scheme_of(name)?.kind == SchemeKind::Bearer && held.fits(&SchemeKind::Bearer)).then_some(held)
            });
            let mut chosen = Vec::with_capacity(alternative.len());
            for scheme_name in alternative.iter() {
                let Some(scheme) = scheme_of(scheme_name) else {
                    continue 'alternatives;
                };
                let held = match scheme.kind {
                    SchemeKind::Bearer => token,
                    _ => self.by_scheme.get(*scheme_name).filter(|credential| credential.fits(&scheme.kind)),
                };
                match held {
                    Some(credential) => chosen.push((*scheme, credential)),
                    None => continue 'alternatives,
                }
            }
            return Ok(chosen);
        }
        let wanted: Vec<String> = requirements.iter().map(|alternative| alternative.join(" + ")).collect();
        Err(format!("the operation needs credentials for one of: {}; none are configured", wanted.join(", ")))
    }
}

/// Where the selected credentials go on one request: extra query pairs and headers
/// (headers marked sensitive so that `Debug` of the request hides them).
#[derive(Default)]
pub struct Placement {
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(::reqwest::header::HeaderName, ::reqwest::header::HeaderValue)>,
    /// `(name, value)` of cookie API keys, joined into the request's one `Cookie` header.
    pub cookies: Vec<(&'static str, String)>,
}

impl Placement {
    /// Places the selected credentials; Err when a secret cannot be a header value.
    pub fn from_selection(selection: &[(SecurityScheme, &Credential)]) -> Result<Self, String> {
        use ::base64::Engine as _;
        use ::reqwest::header::{HeaderName, AUTHORIZATION};
        let mut placement = Placement::default();
        // One `Authorization: Bearer` header, however many bearer schemes the selection has
        // (`select` gives them one token).
        let mut bearer_placed = false;
        for (scheme, credential) in selection {
            match (scheme.kind, credential) {
                (SchemeKind::ApiKey { location, parameter }, Credential::ApiKey(key)) => match location {
                    ApiKeyLocation::Query => placement.query.push((parameter, key.expose().to_owned())),
                    ApiKeyLocation::Header => {
                        let name = HeaderName::from_bytes(parameter.as_bytes())
                            .map_err(|_| format!("security scheme `{}` names an invalid header `{parameter}`", scheme.name))?;
                        placement.headers.push((name, sensitive_header(scheme.name, key.expose())?));
                    }
                    ApiKeyLocation::Cookie => placement.cookies.push((parameter, key.expose().to_owned())),
                },
                (SchemeKind::Bearer, Credential::Bearer(_)) if bearer_placed => {}
                (SchemeKind::Bearer, Credential::Bearer(token)) => {
                    let value = format!("Bearer {}", token.expose());
                    placement.headers.push((AUTHORIZATION, sensitive_header(scheme.name, &value)?));
                    bearer_placed = true;
                }
                (SchemeKind::Basic, Credential::Basic { username, password }) => {
                    let pair = format!("{username}:{}", password.expose());
                    let value = format!("Basic {}", ::base64::engine::general_purpose::STANDARD.encode(pair));
                    placement.headers.push((AUTHORIZATION, sensitive_header(scheme.name, &value)?));
                }
                _ => return Err(format!("the credential for `{}` does not fit its scheme", scheme.name)),
            }
        }
        Ok(placement)
    }
}

impl Placement {
    /// The `Cookie` header for a request whose cookie parameters are `given` (`a=b; c=d`):
    /// the credentials' cookies are added unless a parameter already has their name.
    pub fn cookie_header(&self, given: Option<&str>) -> Result<Option<::reqwest::header::HeaderValue>, String> {
        let given_names: Vec<&str> =
            given.into_iter().flat_map(|line| line.split("; ")).filter_map(|pair| pair.split('=').next()).collect();
        let mut pairs: Vec<String> = given.map(str::to_owned).into_iter().collect();
        pairs.extend(
            self.cookies
                .iter()
                .filter(|(name, _)| !given_names.contains(name))
                .map(|(name, value)| format!("{name}={value}")),
        );
        if pairs.len() == usize::from(given.is_some()) {
            return Ok(None);
        }
        sensitive_header("cookie", &pairs.join("; ")).map(Some)
    }
}

fn sensitive_header(scheme: &str, value: &str) -> Result<::reqwest::header::HeaderValue, String> {
    let mut header = ::reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| format!("the credential for `{scheme}` contains characters not allowed in a header"))?;
    header.set_sensitive(true);
    Ok(header)
}

/// An OAuth2 authorization-code client: builds the authorization URL, exchanges codes and
/// refreshes tokens at the token URL with HTTP basic client authentication.
#[derive(Clone)]
pub struct OAuth2Client {
    pub client_id: String,
    pub client_secret: Secret,
    pub authorization_url: ::reqwest::Url,
    pub token_url: ::reqwest::Url,
    pub redirect_uri: Option<String>,
}

impl fmt::Debug for OAuth2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuth2Client")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authorization_url", &self.authorization_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// A token endpoint's answer (RFC 6749, section 5.1); unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, ::serde::Deserialize, ::serde::Serialize)]
pub struct TokenResponse {
    pub access_token: Secret,
    pub token_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_seconds")]
    pub expires_in: Option<u64>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, ::serde_json::Value>,
}

/// A token endpoint's error answer (RFC 6749, section 5.2).
#[derive(Debug, Clone, PartialEq, ::serde::Deserialize)]
pub struct TokenError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(flatten)]
    pub extra: BTreeMap<String, ::serde_json::Value>,
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token endpoint refused the request: {}", self.error)?;
        if let Some(description) = &self.error_description {
            write!(f, " ({description})")?;
        }
        Ok(())
    }
}

/// Accepts `expires_in` as a number or a numeric string; some providers send the latter.
fn lenient_seconds<'de, D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    use ::serde::Deserialize as _;
    match Option::<::serde_json::Value>::deserialize(deserializer)? {
        None | Some(::serde_json::Value::Null) => Ok(None),
        Some(::serde_json::Value::Number(number)) => Ok(number.as_u64()),
        Some(::serde_json::Value::String(text)) => Ok(text.trim().parse().ok()),
        Some(_) => Err(::serde::de::Error::custom("expires_in must be a number of seconds")),
    }
}

const TOKEN_OPERATION: &str = "oauth2_token";

impl OAuth2Client {
    /// The URL to send the user to: `response_type=code`, client id, redirect URI, state and
    /// space-separated scopes added to the authorization URL's existing query.
    pub fn authorization_url(&self, state: &str, scopes: &[&str]) -> ::reqwest::Url {
        let mut url = self.authorization_url.clone();
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("response_type", "code");
            query.append_pair("client_id", &self.client_id);
            if let Some(redirect_uri) = &self.redirect_uri {
                query.append_pair("redirect_uri", redirect_uri);
            }
            query.append_pair("state", state);
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(" "));
            }
        }
        url
    }

    /// Exchanges an authorization code for tokens (`grant_type=authorization_code`).
    pub async fn exchange_code(
        &self,
        http: &::reqwest::Client,
        code: &str,
    ) -> Result<TokenResponse, super::error::Error<TokenError>> {
        let mut form = vec![("grant_type", "authorization_code"), ("code", code)];
        if let Some(redirect_uri) = &self.redirect_uri {
            form.push(("redirect_uri", redirect_uri));
        }
        self.token_request(http, &form).await
    }

    /// Gets a new access token with a refresh token (`grant_type=refresh_token`).
    pub async fn refresh(
        &self,
        http: &::reqwest::Client,
        refresh_token: &Secret,
    ) -> Result<TokenResponse, super::error::Error<TokenError>> {
        let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token.expose())];
        self.token_request(http, &form).await
    }

    async fn token_request(
        &self,
        http: &::reqwest::Client,
        form: &[(&str, &str)],
    ) -> Result<TokenResponse, super::error::Error<TokenError>> {
        use super::error::{decode_json, Error};
        use ::tracing::Instrument as _;
        let span = ::tracing::info_span!("http.request", operation = TOKEN_OPERATION, method = "POST", status = ::tracing::field::Empty);
        let request = http
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .header(::reqwest::header::ACCEPT, "application/json")
            .header(::reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(super::params::form_text(&form.iter().copied().collect::<::std::collections::BTreeMap<&str, &str>>(), &[]).map_err(|message| Error::InvalidRequest { operation: TOKEN_OPERATION, message })?);
        let mut response = request
            .send()
            .instrument(span.clone())
            .await
            .map_err(|error| Error::from_reqwest(TOKEN_OPERATION, error))?;
        let status = response.status();
        span.record("status", status.as_u16());
        let headers = ::std::mem::take(response.headers_mut());
        let limit = super::client::DEFAULT_MAX_RESPONSE_BYTES;
        let body = super::client::read_bounded(&mut response, limit).await.map_err(|read| match read {
            super::client::Read::TooLarge(_) => Error::ResponseTooLarge { operation: TOKEN_OPERATION, status, limit },
            super::client::Read::Transport(error) => Error::from_reqwest(TOKEN_OPERATION, error),
        })?;
        let request_id_headers = super::error::REQUEST_ID_HEADERS;
        if status.is_success() {
            decode_json(TOKEN_OPERATION, &body)
        } else if status.is_client_error() {
            match decode_json::<TokenError, TokenError>(TOKEN_OPERATION, &body) {
                Ok(refusal) => Err(Error::Api(Box::new(super::client::Response::new(status, headers, refusal, request_id_headers)))),
                Err(_) => Err(Error::UnexpectedStatus { operation: TOKEN_OPERATION, status, headers: Box::new(headers), body, request_id_headers }),
            }
        } else {
            Err(Error::UnexpectedStatus { operation: TOKEN_OPERATION, status, headers: Box::new(headers), body, request_id_headers })
        }
    }
}
