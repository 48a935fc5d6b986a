//! The middleware that carries out the fault rules of `faults` on live requests, and drops a
//! connection whenever a response asks for it (`conn::DropConnection`).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use futures_util::stream;
use serde_json::{Value, json};

use super::conn::{ConnKill, DropConnection};
use super::errors;
use super::faults::{Fault, HtmlPage};
use super::{App, UNMATCHED_ROUTE};

/// The most body a fault rewrites; the sim's own bodies are far smaller.
const BODY_LIMIT: usize = 16 * 1024 * 1024;
/// The longest a stalled body waits for the simulator to stop.
const STALL_LIMIT: Duration = Duration::from_secs(600);

/// Marks a response that comes from the edge (an HTML error page), which carries no
/// `Schwab-Client-CorrelId` because the API never saw the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EdgeResponse;

/// Marks an API response that must leave without its `Schwab-Client-CorrelId`
/// ([`Fault::NoCorrelationId`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WithoutCorrelationId;

/// The TD Ameritrade-era throttle text, the only wording on record (the 429 body's exact
/// JSON shape is unknown).
const THROTTLE_MESSAGE: &str = "Individual App's transactions per seconds restriction, please \
                                update to commercial apps for unrestricted tps";

/// Applies the matching fault rules, then drops the connection if the answer asks for it.
pub(crate) async fn inject(State(app): State<App>, request: Request, next: Next) -> Response {
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let path = request.uri().path().to_owned();
    let method = request.method().as_str().to_owned();
    let kill = request
        .extensions()
        .get::<ConnectInfo<ConnKill>>()
        .map(|c| c.0.clone());
    let plan = app.faults().plan(&method, template.as_deref(), &path);
    if !plan.applied.is_empty() {
        let route = template
            .clone()
            .unwrap_or_else(|| UNMATCHED_ROUTE.to_owned());
        let mut state = app.lock();
        for fault in &plan.applied {
            state.stats.count_fault(&route, fault.kind());
        }
    }
    if !plan.latency.is_zero() {
        tokio::time::sleep(plan.latency).await;
    }
    let response = match plan.fault {
        None => next.run(request).await,
        Some(Fault::Latency(_)) => next.run(request).await,
        Some(Fault::DropBeforeProcessing) => dropped(),
        Some(Fault::DropAfterProcessing) => {
            drop(next.run(request).await);
            dropped()
        }
        Some(Fault::Status(code)) => status_answer(code, &path),
        Some(Fault::TooManyRequests { retry_after }) => throttled(retry_after),
        Some(Fault::HtmlError(page)) => html_page(page, &path),
        Some(Fault::TruncatedBody) => truncated(next.run(request).await).await,
        Some(Fault::WrongShape) => wrong_shape(next.run(request).await).await,
        Some(Fault::StalledBody) => stalled(&app, next.run(request).await).await,
        Some(Fault::NoCorrelationId) => {
            let mut response = next.run(request).await;
            response.extensions_mut().insert(WithoutCorrelationId);
            response
        }
    };
    if response.extensions().get::<DropConnection>().is_some() {
        match kill {
            Some(kill) => kill.kill(),
            None => tracing::warn!("no connection handle; answering instead of dropping"),
        }
    }
    response
}

/// A response that is never delivered: its connection is killed before hyper writes it.
fn dropped() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(DropConnection);
    response
}

/// The error body each API family sends for `code`.
fn status_answer(code: u16, path: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let detail = "The simulator was told to fail this request";
    if status == StatusCode::UNAUTHORIZED && !path.starts_with("/v1/oauth/") {
        return errors::client_not_authorized();
    }
    if path.starts_with("/marketdata/") {
        errors::market(status, Some(detail), None)
    } else if path.starts_with("/v1/oauth/") {
        errors::token(status, "server_error", detail)
    } else {
        let reason = status.canonical_reason().unwrap_or("Error");
        errors::trader(status, reason, &[detail])
    }
}

/// A 429 with the throttle text, and `Retry-After` when asked for.
fn throttled(retry_after: Option<u64>) -> Response {
    let mut response = errors::json(
        StatusCode::TOO_MANY_REQUESTS,
        json!({ "error": THROTTLE_MESSAGE }),
    );
    if let Some(secs) = retry_after
        && let Ok(value) = HeaderValue::from_str(&secs.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// An edge error page: Akamai's "Access Denied" or a proxy's 502.
fn html_page(page: HtmlPage, path: &str) -> Response {
    let (status, body) = match page {
        HtmlPage::AccessDenied => {
            let target: String = format!("https://api.schwabapi.com{path}")
                .chars()
                .map(|c| match c {
                    ':' => "&#58;".to_owned(),
                    '/' => "&#47;".to_owned(),
                    '.' => "&#46;".to_owned(),
                    '<' | '>' | '&' | '"' => String::new(),
                    c => c.to_string(),
                })
                .collect();
            let reference = super::ids::random_bytes::<6>()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>();
            let body = format!(
                "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n\
                 <H1>Access Denied</H1>\n \n\
                 You don't have permission to access \"{target}\" on this server.<P>\n\
                 Reference&#32;&#35;18&#46;{reference}\n\
                 <P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;{reference}</P>\n\
                 </BODY>\n</HTML>\n"
            );
            (StatusCode::FORBIDDEN, body)
        }
        HtmlPage::BadGateway => (
            StatusCode::BAD_GATEWAY,
            "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
             <center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
                .to_owned(),
        ),
    };
    let mut response = (status, [(header::CONTENT_TYPE, "text/html")], body).into_response();
    response.extensions_mut().insert(EdgeResponse);
    response
}

/// Splits a response into its head and its whole body.
async fn collect(response: Response) -> (axum::http::response::Parts, Bytes) {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let bytes = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    (parts, bytes)
}

/// The first half of the body; an empty body stays empty.
async fn truncated(response: Response) -> Response {
    let (parts, bytes) = collect(response).await;
    let half = bytes.slice(..bytes.len() / 2);
    Response::from_parts(parts, Body::from(half))
}

/// Valid JSON of the other shape: an array where the endpoint sends an object, an object
/// where it sends an array (or nothing).
async fn wrong_shape(response: Response) -> Response {
    let (mut parts, bytes) = collect(response).await;
    let original: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    let body = if original.is_object() {
        json!([{ "unexpected": "palmtree simulator: an array instead of an object" }])
    } else {
        json!({ "unexpected": "palmtree simulator: an object instead of the expected shape" })
    };
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body.to_string()))
}

/// The head and half the body, then a body that ends only when the simulator stops (as an
/// error, so the message never completes).
async fn stalled(app: &App, response: Response) -> Response {
    let (parts, bytes) = collect(response).await;
    let half = bytes.slice(..bytes.len() / 2);
    let first = (!half.is_empty()).then_some(Ok::<Bytes, std::io::Error>(half));
    let mut closing = app.closing();
    let never = stream::once(async move {
        let _ = tokio::time::timeout(STALL_LIMIT, closing.wait_for(|stop| *stop)).await;
        Err(std::io::Error::other("stalled body abandoned"))
    });
    let body = stream::iter(first).chain(never);
    Response::from_parts(parts, Body::from_stream(body))
}
