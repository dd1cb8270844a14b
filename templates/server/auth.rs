//! Credential extraction as an operation's security requirements say: API keys from the
//! query, a header or a cookie, bearer tokens and basic credentials from `Authorization`.
//! The result is handed to the implementation's `authenticate` hook; missing or malformed
//! credentials answer 401 in the envelope. Secrets never reach `Debug` output or logs.

use ::std::fmt;

use ::axum::http::{header, HeaderMap};

use super::envelope::ApiError;
use super::extract::{cookie_value, QueryParams};

/// A secret whose `Debug` prints `***`; read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where an API key travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKeyLocation {
    Query,
    Header,
    Cookie,
}

/// The kind of a security scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemeKind {
    ApiKey { location: ApiKeyLocation, parameter: &'static str },
    /// `http`/`bearer`, `oauth2` and `openIdConnect`.
    Bearer,
    Basic,
}

/// One entry of `components.securitySchemes`, emitted as static data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityScheme {
    pub name: &'static str,
    pub kind: SchemeKind,
}

/// A credential as presented by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    ApiKey(Secret),
    Bearer(Secret),
    Basic { username: String, password: Secret },
}

/// The credentials satisfying one alternative of the operation's requirements, with the
/// scheme each one was presented for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Credentials {
    pub presented: Vec<(&'static str, Credential)>,
}

impl Credentials {
    /// The credential presented for `scheme`.
    pub fn get(&self, scheme: &str) -> Option<&Credential> {
        self.presented.iter().find(|(name, _)| *name == scheme).map(|(_, credential)| credential)
    }

    /// True for an operation that allows anonymous access and got no credentials.
    pub fn is_anonymous(&self) -> bool {
        self.presented.is_empty()
    }
}

enum Found {
    Present(Credential),
    Missing,
    Malformed(String),
}

fn authorization<'a>(headers: &'a HeaderMap, scheme: &str) -> Result<Option<&'a str>, String> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let text = value.to_str().map_err(|_| "the Authorization header is not visible ASCII".to_owned())?;
    let (given_scheme, rest) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
    if !given_scheme.eq_ignore_ascii_case(scheme) {
        return Ok(None);
    }
    let rest = rest.trim();
    if rest.is_empty() {
        return Err(format!("the Authorization header names {scheme} but carries no credentials"));
    }
    Ok(Some(rest))
}

fn find(scheme: &SecurityScheme, headers: &HeaderMap, query: &QueryParams) -> Found {
    use ::base64::Engine as _;
    match scheme.kind {
        SchemeKind::ApiKey { location, parameter } => {
            let value = match location {
                ApiKeyLocation::Query => query.get(parameter),
                ApiKeyLocation::Header => headers.get(parameter).and_then(|value| value.to_str().ok()),
                ApiKeyLocation::Cookie => cookie_value(headers, parameter),
            };
            match value {
                Some(value) if !value.is_empty() => Found::Present(Credential::ApiKey(Secret::new(value))),
                _ => Found::Missing,
            }
        }
        SchemeKind::Bearer => match authorization(headers, "Bearer") {
            Ok(Some(token)) => Found::Present(Credential::Bearer(Secret::new(token))),
            Ok(None) => Found::Missing,
            Err(message) => Found::Malformed(message),
        },
        SchemeKind::Basic => match authorization(headers, "Basic") {
            Ok(Some(encoded)) => {
                let decoded = ::base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok());
                match decoded.as_deref().and_then(|pair| pair.split_once(':')) {
                    Some((username, password)) => Found::Present(Credential::Basic {
                        username: username.to_owned(),
                        password: Secret::new(password),
                    }),
                    None => Found::Malformed("the Basic credentials are not base64 of `user:password`".to_owned()),
                }
            }
            Ok(None) => Found::Missing,
            Err(message) => Found::Malformed(message),
        },
    }
}

fn describe(scheme: &SecurityScheme) -> String {
    match scheme.kind {
        SchemeKind::ApiKey { location: ApiKeyLocation::Query, parameter } => format!("query parameter `{parameter}`"),
        SchemeKind::ApiKey { location: ApiKeyLocation::Header, parameter } => format!("header `{parameter}`"),
        SchemeKind::ApiKey { location: ApiKeyLocation::Cookie, parameter } => format!("cookie `{parameter}`"),
        SchemeKind::Bearer => "an `Authorization: Bearer` header".to_owned(),
        SchemeKind::Basic => "an `Authorization: Basic` header".to_owned(),
    }
}

/// Extracts the credentials of the first satisfied alternative of `requirements` (see the
/// client's `SecurityRequirements`: alternatives of scheme names; an empty alternative
/// allows anonymous access). Err is a 401 naming what to send, or what was malformed.
pub fn extract_credentials(
    requirements: &[&[&str]],
    schemes: &[SecurityScheme],
    headers: &HeaderMap,
    query: &QueryParams,
) -> Result<Credentials, ApiError> {
    if requirements.is_empty() {
        return Ok(Credentials::default());
    }
    let mut malformed = None;
    let mut anonymous_allowed = false;
    'alternatives: for alternative in requirements {
        if alternative.is_empty() {
            anonymous_allowed = true;
            continue;
        }
        let mut presented = Vec::with_capacity(alternative.len());
        for name in alternative.iter() {
            let Some(scheme) = schemes.iter().find(|scheme| scheme.name == *name) else {
                continue 'alternatives;
            };
            match find(scheme, headers, query) {
                Found::Present(credential) => presented.push((scheme.name, credential)),
                Found::Missing => continue 'alternatives,
                Found::Malformed(message) => {
                    malformed.get_or_insert(message);
                    continue 'alternatives;
                }
            }
        }
        return Ok(Credentials { presented });
    }
    let challenge = challenge_for(requirements, schemes);
    if let Some(message) = malformed {
        return Err(ApiError::unauthorized(message, challenge));
    }
    if anonymous_allowed {
        return Ok(Credentials::default());
    }
    let wanted: Vec<String> = requirements
        .iter()
        .map(|alternative| {
            let parts: Vec<String> = alternative
                .iter()
                .filter_map(|name| schemes.iter().find(|scheme| scheme.name == *name))
                .map(describe)
                .collect();
            parts.join(" and ")
        })
        .collect();
    Err(ApiError::unauthorized(format!("authentication is required: send {}", wanted.join(" or ")), challenge))
}

fn challenge_for(requirements: &[&[&str]], schemes: &[SecurityScheme]) -> &'static str {
    let kinds = requirements.iter().flat_map(|alternative| alternative.iter()).filter_map(|name| {
        schemes.iter().find(|scheme| scheme.name == *name).map(|scheme| scheme.kind)
    });
    let mut challenge = "ApiKey";
    for kind in kinds {
        match kind {
            SchemeKind::Bearer => return "Bearer",
            SchemeKind::Basic => challenge = "Basic",
            SchemeKind::ApiKey { .. } => {}
        }
    }
    challenge
}
