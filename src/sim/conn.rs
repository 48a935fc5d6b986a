//! The simulator's TCP connections, wrapped so a request can kill its own connection.
//!
//! A dropped connection has to look dropped to the client: no status line, no headers, the
//! socket reset. Axum gives handlers no socket, so the listener hands every connection a
//! [`ConnKill`] switch (reachable from a request as `ConnectInfo<ConnKill>`); once it is
//! thrown, the stream refuses every read and write, so hyper fails writing the response and
//! closes the socket, which `SO_LINGER = 0` turns into a reset.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A marker a handler puts in its response's extensions to have the connection dropped
/// instead of answered (the order-accepted-then-dropped switch uses it).
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The kill switch of one connection; clones share it.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnKill(Arc<AtomicBool>);

impl ConnKill {
    /// Throws the switch: from now on the connection fails every read and write.
    pub(crate) fn kill(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn killed(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Connected<IncomingStream<'_, SimListener>> for ConnKill {
    fn connect_info(stream: IncomingStream<'_, SimListener>) -> Self {
        stream.io().kill.clone()
    }
}

/// The loopback listener, handing out killable streams.
pub(crate) struct SimListener {
    inner: TcpListener,
}

impl SimListener {
    pub(crate) fn new(inner: TcpListener) -> Self {
        Self { inner }
    }
}

impl Listener for SimListener {
    type Io = SimStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    let _ = stream.set_nodelay(true);
                    let io = SimStream {
                        inner: stream,
                        kill: ConnKill::default(),
                    };
                    return (io, addr);
                }
                // Accept errors (a reset before accept, too many open files) are transient on
                // loopback; a short pause keeps a persistent one from spinning the CPU.
                Err(error) => {
                    tracing::debug!(%error, "simulator accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream that fails every operation once its [`ConnKill`] is thrown.
pub(crate) struct SimStream {
    inner: TcpStream,
    kill: ConnKill,
}

impl SimStream {
    /// The error a killed stream reports, after arranging for a reset on close.
    fn dead(&self) -> io::Error {
        let _ = self.inner.set_zero_linger();
        io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "connection dropped by fault injection",
        )
    }
}

impl AsyncRead for SimStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.killed() {
            return Poll::Ready(Err(this.dead()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for SimStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.kill.killed() {
            return Poll::Ready(Err(this.dead()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.killed() {
            return Poll::Ready(Err(this.dead()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.kill.killed() {
            return Poll::Ready(Err(this.dead()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
