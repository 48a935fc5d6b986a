//! The one-shot listener on 127.0.0.1 that receives Schwab's redirect.
//!
//! It accepts exactly one request on the callback's path whose state matches; anything else
//! (a favicon, a wrong path, a stale state) is answered and ignored. It stops after that one
//! request or when its time runs out, whichever comes first.
//!
//! An `https` callback is served over TLS with a self-signed certificate made at start, since
//! Schwab only accepts HTTPS callbacks; an `http` callback (the simulator's) is served plain.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use url::Url;

use super::LoginError;
use super::redirect::{AuthCode, RedirectError, parse_redirect};

/// A bound listener waiting for the redirect.
pub struct Loopback {
    redirect_uri: String,
    addr: SocketAddr,
    code: oneshot::Receiver<AuthCode>,
    stop: watch::Sender<bool>,
    certificate: Option<CertificateDer<'static>>,
}

impl Loopback {
    /// Binds the callback's host and port. A port of 0 binds a free port, and the redirect
    /// URI then names the port actually bound.
    pub async fn bind(callback: &str, state: String) -> Result<Self, LoginError> {
        let url = Url::parse(callback).map_err(|_| LoginError::BadCallback(callback.into()))?;
        let host = url
            .host_str()
            .ok_or_else(|| LoginError::BadCallback(callback.into()))?
            .trim_matches(['[', ']']);
        let port = url.port_or_known_default().unwrap_or(0);
        let listener = TcpListener::bind((host, port))
            .await
            .map_err(|e| LoginError::Bind(format!("{host}:{port}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| LoginError::Bind(e.to_string()))?;
        let redirect_uri = if port == 0 {
            let mut actual = url.clone();
            actual
                .set_port(Some(addr.port()))
                .map_err(|_| LoginError::BadCallback(callback.into()))?;
            let text = actual.to_string();
            // `Url` adds a `/` to an empty path; keep the callback's own spelling.
            if url.path() == "/" && !callback.ends_with('/') {
                text.trim_end_matches('/').to_string()
            } else {
                text
            }
        } else {
            callback.to_string()
        };

        let (acceptor, certificate) = if url.scheme() == "https" {
            let (acceptor, certificate) = self_signed_acceptor(host)?;
            (Some(acceptor), Some(certificate))
        } else {
            (None, None)
        };

        let (code_tx, code_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            redirect_uri: redirect_uri.clone(),
            state,
            sender: Mutex::new(Some(code_tx)),
            stop: stop_tx.clone(),
        });
        tokio::spawn(serve(listener, acceptor, shared, stop_rx));
        Ok(Loopback {
            redirect_uri,
            addr,
            code: code_rx,
            stop: stop_tx,
            certificate,
        })
    }

    /// The exact redirect URI to put in the authorize URL and the token request.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The certificate made for this listener (HTTPS callbacks only), so a test client can
    /// trust exactly it and nothing else.
    pub fn certificate(&self) -> Option<&CertificateDer<'static>> {
        self.certificate.as_ref()
    }

    /// Waits for the one accepted redirect, or gives up after `timeout`.
    pub async fn wait(self, timeout: Duration) -> Result<AuthCode, LoginError> {
        let outcome = tokio::time::timeout(timeout, self.code).await;
        let _ = self.stop.send(true);
        match outcome {
            Ok(Ok(code)) => Ok(code),
            Ok(Err(_)) => Err(LoginError::ListenerClosed),
            Err(_) => Err(LoginError::Timeout(timeout)),
        }
    }
}

struct Shared {
    redirect_uri: String,
    state: String,
    sender: Mutex<Option<oneshot::Sender<AuthCode>>>,
    stop: watch::Sender<bool>,
}

/// A TLS acceptor with a fresh self-signed certificate for `host` (an IP becomes an IP SAN).
fn self_signed_acceptor(host: &str) -> Result<(TlsAcceptor, CertificateDer<'static>), LoginError> {
    let tls_error = |e: String| LoginError::Bind(format!("cannot set up HTTPS: {e}"));
    let made = rcgen::generate_simple_self_signed(vec![host.to_string()])
        .map_err(|e| tls_error(e.to_string()))?;
    let certificate = made.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(made.signing_key.serialize_der()));
    let config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(vec![certificate.clone()], key)
        .map_err(|e| tls_error(e.to_string()))?;
    Ok((TlsAcceptor::from(Arc::new(config)), certificate))
}

async fn serve(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.changed() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let shared = shared.clone();
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| answer(shared.clone(), request));
            let http = hyper::server::conn::http1::Builder::new();
            match acceptor {
                // A browser that rejects the certificate just closes the connection; that is
                // not an error worth more than a debug line.
                Some(acceptor) => match acceptor.accept(stream).await {
                    Ok(tls) => {
                        let _ = http.serve_connection(TokioIo::new(tls), service).await;
                    }
                    Err(e) => tracing::debug!(error = %e, "TLS handshake on the callback failed"),
                },
                None => {
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
            }
        });
        if *stop.borrow() {
            break;
        }
    }
}

async fn answer(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let base = Url::parse(&shared.redirect_uri).ok();
    let full = base
        .and_then(|b| b.join(path_and_query).ok())
        .map(|u| u.to_string())
        .unwrap_or_default();
    let (status, body) = match parse_redirect(&full, &shared.redirect_uri, &shared.state) {
        Ok(code) => {
            let taken = shared.sender.lock().ok().and_then(|mut slot| slot.take());
            match taken {
                Some(sender) => {
                    let _ = sender.send(code);
                    let _ = shared.stop.send(true);
                    (StatusCode::OK, SUCCESS_PAGE)
                }
                None => (StatusCode::CONFLICT, USED_PAGE),
            }
        }
        Err(RedirectError::WrongPlace { .. }) => (StatusCode::NOT_FOUND, NOT_HERE_PAGE),
        Err(RedirectError::StateMismatch) => (StatusCode::BAD_REQUEST, STALE_PAGE),
        Err(_) => (StatusCode::BAD_REQUEST, NO_CODE_PAGE),
    };
    let response = Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Ok(response)
}

// The pages load nothing from elsewhere, so the code in the address bar cannot leak through a
// Referer header.
const SUCCESS_PAGE: &str = "<!doctype html><title>palmtree: logged in</title>\
<h1>palmtree is logged in</h1><p>You can close this tab and go back to the terminal.</p>";
const USED_PAGE: &str = "<!doctype html><title>palmtree</title>\
<p>This login was already completed. Go back to the terminal.</p>";
const NOT_HERE_PAGE: &str = "<!doctype html><title>palmtree</title><p>Nothing here.</p>";
const STALE_PAGE: &str = "<!doctype html><title>palmtree: stale login</title>\
<p>This login link belongs to another attempt. Go back to the terminal and use the newest \
URL palmtree printed.</p>";
const NO_CODE_PAGE: &str = "<!doctype html><title>palmtree: no code</title>\
<p>This address carries no login code. Go back to the terminal.</p>";
