//! OAuth as Schwab runs it: authorize redirect, token endpoint, and the bearer check on every
//! API path. Checked like the real service: Basic client auth, exact redirect URI, single-use
//! codes that die after 30 s, PKCE when challenged, 30-minute access tokens, and a 7-day
//! refresh deadline that refreshing never extends.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use url::Url;

use super::errors;
use super::ids;
use super::{App, DEMO_APP_KEY, DEMO_APP_SECRET};

/// How long an authorization code may wait before the exchange. Schwab's exact value is not
/// documented; community clients say to paste the URL within about 30 seconds.
const CODE_LIFETIME: TimeDelta = TimeDelta::seconds(30);
/// Access tokens last 30 minutes (`expires_in` 1800).
const ACCESS_LIFETIME: TimeDelta = TimeDelta::seconds(1800);
/// Refresh tokens last 7 days from the code exchange that created them.
const REFRESH_LIFETIME: TimeDelta = TimeDelta::days(7);
/// Used and expired codes are forgotten after this long, to bound memory.
const CODE_MEMORY: TimeDelta = TimeDelta::minutes(10);

#[derive(Debug, Clone, PartialEq, Eq)]
enum ChallengeMethod {
    S256,
    Plain,
}

/// What the token endpoint must check a code against.
#[derive(Debug, Clone)]
struct CodeGrant {
    redirect_uri: String,
    challenge: Option<(String, ChallengeMethod)>,
    issued_at: DateTime<Utc>,
    used: bool,
}

/// Codes, tokens and the registered callbacks.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    pub callbacks: Vec<String>,
    codes: HashMap<String, CodeGrant>,
    /// Access token to its expiry.
    access: HashMap<String, DateTime<Utc>>,
    /// Refresh token to its expiry, fixed at the code exchange.
    refresh: HashMap<String, DateTime<Utc>>,
}

impl OAuthState {
    pub(crate) fn new(callbacks: Vec<String>) -> Self {
        Self {
            callbacks,
            ..Self::default()
        }
    }

    /// Whether `token` is a live access token at `now`.
    pub(crate) fn access_valid(&self, token: &str, now: DateTime<Utc>) -> bool {
        self.access.get(token).is_some_and(|&expires| now < expires)
    }

    fn prune(&mut self, now: DateTime<Utc>) {
        self.codes.retain(|_, c| now - c.issued_at < CODE_MEMORY);
        self.access.retain(|_, &mut expires| now < expires);
        self.refresh.retain(|_, &mut expires| now < expires);
    }

    /// A new access token for the token response body.
    fn issue_access(&mut self, now: DateTime<Utc>) -> String {
        let token = ids::access_token();
        self.access.insert(token.clone(), now + ACCESS_LIFETIME);
        token
    }
}

/// `GET /v1/oauth/authorize`: checks the app key and the redirect URI, then redirects with a
/// fresh code.
///
/// A wrong client or an unregistered redirect URI gets an HTML error page (400) and never a
/// redirect: sending the code to an address the app did not register would leak it.
pub(crate) async fn authorize(
    State(app): State<App>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(client_id) = query.get("client_id") else {
        return errors::authorize_page("The request has no client_id (the app key).");
    };
    if client_id != DEMO_APP_KEY {
        return errors::authorize_page("The client_id is not the app key of a registered app.");
    }
    let Some(redirect_uri) = query.get("redirect_uri") else {
        return errors::authorize_page("The request has no redirect_uri.");
    };
    if let Some(kind) = query.get("response_type")
        && kind != "code"
    {
        return errors::authorize_page("response_type must be \"code\".");
    }
    let challenge = match query.get("code_challenge") {
        None => None,
        Some(c) => match query.get("code_challenge_method").map(String::as_str) {
            Some("S256") => Some((c.clone(), ChallengeMethod::S256)),
            Some("plain") | None => Some((c.clone(), ChallengeMethod::Plain)),
            Some(_) => {
                return errors::authorize_page("code_challenge_method must be S256 or plain.");
            }
        },
    };

    let now = app.now();
    let mut state = app.lock();
    if !state.oauth.callbacks.iter().any(|c| c == redirect_uri) {
        let problem = format!(
            "The redirect_uri {redirect_uri} is not registered for this app. It must match a \
             registered callback exactly, including case, port and any trailing slash."
        );
        return errors::authorize_page(&problem);
    }
    let Ok(mut location) = Url::parse(redirect_uri) else {
        return errors::authorize_page("The registered redirect_uri is not a valid URL.");
    };

    // The real API shows Schwab's login and consent pages here; the demo approves at once.
    let code = ids::auth_code();
    {
        let mut pairs = location.query_pairs_mut();
        pairs
            .append_pair("code", &code)
            .append_pair("session", &ids::uuid_v4());
        if let Some(s) = query.get("state") {
            pairs.append_pair("state", s);
        }
    }
    state.oauth.prune(now);
    let grant = CodeGrant {
        redirect_uri: redirect_uri.clone(),
        challenge,
        issued_at: now,
        used: false,
    };
    state.oauth.codes.insert(code, grant);
    (
        StatusCode::FOUND,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}

/// Whether the request carries `Basic base64(app_key:app_secret)` for the demo app.
fn client_authenticated(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, encoded)) = value.trim().split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let encoded = encoded.trim();
    let Ok(decoded) = STANDARD
        .decode(encoded)
        .or_else(|_| STANDARD_NO_PAD.decode(encoded))
    else {
        return false;
    };
    let expected = format!("{DEMO_APP_KEY}:{DEMO_APP_SECRET}");
    decoded == expected.as_bytes()
}

fn invalid_request(detail: &str) -> Response {
    errors::token(StatusCode::BAD_REQUEST, "invalid_request", detail)
}

fn invalid_grant(detail: &str) -> Response {
    errors::token(StatusCode::BAD_REQUEST, "invalid_grant", detail)
}

/// `POST /v1/oauth/token` (form body): `authorization_code` and `refresh_token` grants.
pub(crate) async fn token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    if !client_authenticated(&headers) {
        let detail = "Client authentication failed: send Authorization: Basic \
                      base64(app_key:app_secret)";
        return errors::token(StatusCode::UNAUTHORIZED, "invalid_client", detail);
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let Some(grant_type) = form.get("grant_type") else {
        return invalid_request("grant_type is missing");
    };
    match grant_type.as_str() {
        "authorization_code" => exchange_code(&app, &form),
        "refresh_token" => refresh(&app, &form),
        other => errors::token(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            &format!("grant_type {other} is not supported"),
        ),
    }
}

/// Checks a PKCE verifier against the challenge sent to authorize.
fn verifier_matches(challenge: &str, method: &ChallengeMethod, verifier: &str) -> bool {
    match method {
        ChallengeMethod::S256 => {
            URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
        }
        ChallengeMethod::Plain => verifier == challenge,
    }
}

/// The authorization-code grant.
///
/// A known code is spent by the first exchange attempt that presents it, whether or not that
/// attempt succeeds, so a replayed or retried code always fails.
fn exchange_code(app: &App, form: &HashMap<String, String>) -> Response {
    let Some(code) = form.get("code") else {
        return invalid_request("code is missing");
    };
    let Some(redirect_uri) = form.get("redirect_uri") else {
        return invalid_request("redirect_uri is missing");
    };
    let now = app.now();
    let mut state = app.lock();
    let Some(grant) = state.oauth.codes.get_mut(code) else {
        if code.ends_with("%40") {
            return invalid_grant(
                "authorization code is unknown: it must be percent-decoded \
                                  (ending in @, not %40)",
            );
        }
        return invalid_grant("authorization code is unknown");
    };
    if grant.used {
        return invalid_grant("authorization code has already been used");
    }
    grant.used = true;
    let grant = grant.clone();
    if now - grant.issued_at >= CODE_LIFETIME {
        return invalid_grant("authorization code has expired");
    }
    if &grant.redirect_uri != redirect_uri {
        return invalid_grant("redirect_uri does not match the one sent to authorize");
    }
    if let Some((challenge, method)) = &grant.challenge {
        let Some(verifier) = form.get("code_verifier") else {
            return invalid_grant("code_verifier is missing but authorize had a code_challenge");
        };
        if !verifier_matches(challenge, method, verifier) {
            return invalid_grant("PKCE code_verifier does not match the code_challenge");
        }
    }

    state.oauth.prune(now);
    let access = state.oauth.issue_access(now);
    let refresh = ids::refresh_token();
    state
        .oauth
        .refresh
        .insert(refresh.clone(), now + REFRESH_LIFETIME);
    state.stats.count_grant("authorization_code");
    token_body(&access, &refresh, now)
}

/// The refresh grant: a new access token and the same refresh token, until the refresh
/// token's fixed deadline.
fn refresh(app: &App, form: &HashMap<String, String>) -> Response {
    let Some(refresh) = form.get("refresh_token") else {
        return invalid_request("refresh_token is missing");
    };
    let now = app.now();
    let mut state = app.lock();
    let live = state
        .oauth
        .refresh
        .get(refresh)
        .is_some_and(|&expires| now < expires);
    if !live {
        return errors::refresh_token_invalid();
    }
    let access = state.oauth.issue_access(now);
    state.stats.count_grant("refresh_token");
    token_body(&access, refresh, now)
}

fn token_body(access: &str, refresh: &str, now: DateTime<Utc>) -> Response {
    let body = json!({
        "expires_in": ACCESS_LIFETIME.num_seconds(),
        "token_type": "Bearer",
        "scope": "api",
        "refresh_token": refresh,
        "access_token": access,
        "id_token": ids::id_token(now.timestamp()),
    });
    let mut response = errors::json(StatusCode::OK, body);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Middleware for every API path: a live `Bearer` access token or the 401 body.
pub(crate) async fn require_bearer(
    State(app): State<App>,
    request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim().to_owned());
    let now = app.now();
    let allowed = token.is_some_and(|t| app.lock().oauth.access_valid(&t, now));
    if !allowed {
        return errors::client_not_authorized();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s256_matches_the_rfc_7636_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(verifier_matches(
            challenge,
            &ChallengeMethod::S256,
            verifier
        ));
        assert!(!verifier_matches(
            challenge,
            &ChallengeMethod::S256,
            "wrong"
        ));
        assert!(verifier_matches("abc", &ChallengeMethod::Plain, "abc"));
    }
}
