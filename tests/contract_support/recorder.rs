//! A recording reverse proxy in front of one Prism, so every exchange is kept with the
//! violations Prism found in it, whoever sent the request (palmtree's client, which shows no
//! headers to its caller, or a raw request).
//!
//! Prism reports violations in an `sl-violations` header, a JSON array cut off at 8 KB with
//! a "Too many violations!" prefix. An account with five positions overflows it, so a cut-off
//! list of a GET is completed by sending the same request once more through a sibling Prism
//! run with `--errors`, whose 500 answer lists every response violation in its body. The
//! caller always gets the first, untouched answer.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::prism::{Mode, Prism};
use super::{Spec, match_template};

/// Prism's marker for a header list it cut short.
const TRUNCATED: &str = "Too many violations!";
const BODY_LIMIT: usize = 32 * 1024 * 1024;

/// One problem Prism (or the harness itself) found in an exchange.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Violation {
    /// Starts with `request` or `response`, then `body`, `query`, `header`, …, then the path
    /// into the JSON, e.g. `response.body.securitiesAccount.initialBalances.isInCall`.
    pub location: Vec<String>,
    pub code: String,
    pub message: String,
}

impl Violation {
    fn from_json(value: &Value) -> Option<Violation> {
        let location = value["location"]
            .as_array()?
            .iter()
            .map(|part| match part {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        Some(Violation {
            location,
            code: match &value["code"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            message: value["message"].as_str().unwrap_or_default().to_owned(),
        })
    }

    /// A problem the harness found itself (code `harness`), which no known difference covers.
    pub fn harness(location: &[&str], message: impl Into<String>) -> Violation {
        Violation {
            location: location.iter().map(|s| (*s).to_owned()).collect(),
            code: "harness".to_owned(),
            message: message.into(),
        }
    }

    pub fn is_request(&self) -> bool {
        self.location.first().map(String::as_str) == Some("request")
    }

    pub fn dotted(&self) -> String {
        self.location.join(".")
    }
}

/// One request and its answer as they passed through Prism.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub spec: Spec,
    /// What the test was checking when the request went out ("accounts with positions").
    pub case: String,
    pub method: String,
    /// Path and query below the spec's server URL, as sent.
    pub path: String,
    /// `GET /accounts/{accountNumber}`; `None` when no operation of the spec matches.
    pub operation: Option<String>,
    pub request_body: Option<Value>,
    pub status: u16,
    pub response_body: Option<Value>,
    pub violations: Vec<Violation>,
    /// Whether the list was completed by the `--errors` sibling.
    pub replayed: bool,
}

impl Exchange {
    /// The query parameter's raw value(s), joined by `&` if repeated.
    pub fn query_value(&self, name: &str) -> Option<String> {
        let (_, query) = self.path.split_once('?')?;
        let values: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .collect();
        (!values.is_empty()).then(|| values.join("&"))
    }

    pub fn describe(&self) -> String {
        format!(
            "{} {} {} [{}] -> {}",
            self.spec.label(),
            self.method,
            self.path,
            self.case,
            self.status
        )
    }
}

/// Where a cut-off list of violations is completed: a Prism with `--errors` started on first
/// need against the same upstream.
#[derive(Clone, Debug)]
pub struct Completion {
    pub bin: PathBuf,
    pub upstream: String,
}

pub struct RecorderOptions {
    pub spec: Spec,
    /// The Prism this recorder forwards to.
    pub prism: String,
    /// Whether every answer must carry `Schwab-Client-CorrelId` (true for the simulator's
    /// answers; API.md §2: every trader response has one, and support asks for it).
    pub check_correlation: bool,
    pub completion: Option<Completion>,
}

struct Shared {
    options: RecorderOptions,
    operations: Vec<(String, String)>,
    http: reqwest::Client,
    sibling: tokio::sync::Mutex<Option<Prism>>,
    case: Mutex<String>,
    exchanges: Mutex<Vec<Exchange>>,
}

/// A running recorder; stops (with its sibling Prism, if one was started) when dropped.
pub struct Recorder {
    shared: Arc<Shared>,
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Recorder {
    pub async fn start(options: RecorderOptions) -> Recorder {
        let operations = options.spec.operations();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        let shared = Arc::new(Shared {
            options,
            operations,
            http,
            sibling: tokio::sync::Mutex::new(None),
            case: Mutex::new("unlabelled".to_owned()),
            exchanges: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().expect("an address");
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Recorder { shared, addr, task }
    }

    /// The base URL to give the client in place of the API's own.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn spec(&self) -> Spec {
        self.shared.options.spec
    }

    /// Labels the exchanges that follow, until the next label.
    pub fn case(&self, label: impl Into<String>) {
        *lock(&self.shared.case) = label.into();
    }

    pub fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.shared.exchanges).clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
        if let Ok(mut sibling) = self.shared.sibling.try_lock() {
            sibling.take();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What came back from one forwarded request.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Bytes,
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Answer, String> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = http.request(method, format!("{base}{path}"));
    for (name, value) in headers {
        let skip = ["host", "content-length", "connection", "transfer-encoding"];
        if !skip.contains(&name.as_str()) {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    if !body.is_empty() {
        request = request.body(body.clone());
    }
    let response = request.send().await.map_err(|e| format!("{e}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(|e| format!("{e}"))?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, BODY_LIMIT)
        .await
        .unwrap_or_default();
    let method = parts.method.as_str().to_owned();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let bare = path.split('?').next().unwrap_or_default();
    let options = &shared.options;
    let mut exchange = Exchange {
        spec: options.spec,
        case: lock(&shared.case).clone(),
        method: method.clone(),
        path: path.clone(),
        operation: match_template(&shared.operations, &method, bare)
            .map(|t| format!("{method} {t}")),
        request_body: serde_json::from_slice(&body).ok(),
        status: 0,
        response_body: None,
        violations: Vec::new(),
        replayed: false,
    };
    if exchange.operation.is_none() {
        exchange.violations.push(Violation::harness(
            &["request", "path"],
            format!("no operation of the {} spec matches", options.spec.label()),
        ));
    }
    let answer = match send(
        &shared.http,
        &options.prism,
        &method,
        &path,
        &parts.headers,
        &body,
    )
    .await
    {
        Ok(answer) => answer,
        Err(e) => {
            exchange.violations.push(Violation::harness(
                &["response"],
                format!("Prism did not answer: {e}"),
            ));
            lock(&shared.exchanges).push(exchange);
            return plain(
                StatusCode::BAD_GATEWAY,
                "the contract recorder got no answer",
            );
        }
    };
    exchange.status = answer.status;
    exchange.response_body = serde_json::from_slice(&answer.body).ok();
    let header = answer
        .headers
        .get("sl-violations")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    if let Some(cut) = header.strip_prefix(TRUNCATED) {
        let (listed, complete) = lenient_list(cut);
        let requests: Vec<Violation> = listed.iter().filter(|v| v.is_request()).cloned().collect();
        let reached_responses = listed.iter().any(|v| !v.is_request());
        if !complete && !reached_responses {
            exchange.violations.push(Violation::harness(
                &["request"],
                "Prism cut the list of request violations short",
            ));
        }
        exchange.violations.extend(requests);
        match complete_responses(&shared, &method, &path, &parts.headers, &body).await {
            Ok(responses) => exchange.violations.extend(responses),
            Err(why) => exchange
                .violations
                .push(Violation::harness(&["response"], why)),
        }
        exchange.replayed = true;
    } else if !header.is_empty() {
        match serde_json::from_str::<Vec<Value>>(&header) {
            Ok(list) => exchange
                .violations
                .extend(list.iter().filter_map(Violation::from_json)),
            Err(e) => exchange.violations.push(Violation::harness(
                &["response", "header", "sl-violations"],
                format!("unreadable: {e}"),
            )),
        }
    }
    if options.check_correlation && !answer.headers.contains_key("schwab-client-correlid") {
        exchange.violations.push(Violation::harness(
            &["response", "header", "Schwab-Client-CorrelId"],
            "the answer has no Schwab-Client-CorrelId header (API.md §2: every response carries \
             one)",
        ));
    }
    exchange.violations.sort();
    exchange.violations.dedup();
    lock(&shared.exchanges).push(exchange);
    reply(answer)
}

/// The complete entries of a list Prism cut short, and whether it was in fact complete.
fn lenient_list(text: &str) -> (Vec<Violation>, bool) {
    let mut out = Vec::new();
    let Some(mut rest) = text.trim_start().strip_prefix('[') else {
        return (out, false);
    };
    loop {
        rest = rest.trim_start_matches([',', ' ', '\n']);
        if rest.starts_with(']') {
            return (out, true);
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        match stream.next() {
            Some(Ok(value)) => {
                out.extend(Violation::from_json(&value));
                rest = &rest[stream.byte_offset()..];
            }
            _ => return (out, false),
        }
    }
}

/// Every response violation of a GET, from the `--errors` sibling's 500 body.
async fn complete_responses(
    shared: &Shared,
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Vec<Violation>, String> {
    if method != "GET" {
        return Err(format!(
            "Prism cut the violations of a {method} short, and only a GET may be sent twice"
        ));
    }
    let Some(completion) = &shared.options.completion else {
        return Err("Prism cut the violations short and nothing can complete them".into());
    };
    let base = {
        let mut sibling = shared.sibling.lock().await;
        if sibling.is_none() {
            let mode = Mode::Proxy {
                upstream: completion.upstream.clone(),
                errors: true,
            };
            *sibling = Some(Prism::start(&completion.bin, shared.options.spec, &mode).await);
        }
        sibling.as_ref().map(Prism::base_url).unwrap_or_default()
    };
    let answer = send(&shared.http, &base, method, path, headers, body).await?;
    let problem: Value = serde_json::from_slice(&answer.body).unwrap_or(Value::Null);
    let is_violations = problem["type"]
        .as_str()
        .is_some_and(|t| t.ends_with("#VIOLATIONS"));
    if !is_violations {
        return Err(format!(
            "the --errors replay answered {} without a list of violations",
            answer.status
        ));
    }
    Ok(problem["validation"]
        .as_array()
        .map(|list| list.iter().filter_map(Violation::from_json).collect())
        .unwrap_or_default())
}

fn reply(answer: Answer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let skip = [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
    ];
    for (name, value) in &answer.headers {
        if skip.contains(&name.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    response
}
