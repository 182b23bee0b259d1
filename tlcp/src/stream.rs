//! An established TLCP connection, on either end: application data both ways, alerts and
//! close_notify. It implements tokio's `AsyncRead` and `AsyncWrite`, so an HTTP client or
//! server (hyper) runs over it as over any stream.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};

use crate::handshake::{Handshake, alert, alert_error};
use crate::record::{ContentType, Direction, MAX_PLAINTEXT, RawRecord, frame, parse_header};
use crate::{HandshakeInfo, TlcpError};

/// An established TLCP connection.
pub struct TlcpStream<S> {
    io: S,
    read: Direction,
    write: Direction,
    /// Bytes read from the transport that do not yet make a whole record.
    inbound: Vec<u8>,
    /// Application data received and not yet returned, from `pending_at`.
    pending: Vec<u8>,
    pending_at: usize,
    /// Sealed records not yet written to the transport, from `outbound_at`.
    outbound: Vec<u8>,
    outbound_at: usize,
    info: HandshakeInfo,
    read_timeout: Duration,
    peer_closed: bool,
    close_queued: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlcpStream<S> {
    /// The connection a completed handshake leaves.
    pub(crate) fn established(
        hs: Handshake<S>,
        info: HandshakeInfo,
        read_timeout: Duration,
    ) -> Self {
        TlcpStream {
            io: hs.io,
            read: hs.read,
            write: hs.write,
            // Whatever the peer sent after its Finished is already in the handshake buffer
            // only as handshake data, which the handshake refused; records start afresh.
            inbound: Vec::new(),
            pending: Vec::new(),
            pending_at: 0,
            outbound: Vec::new(),
            outbound_at: 0,
            info,
            read_timeout,
            peer_closed: false,
            close_queued: false,
        }
    }

    /// What the handshake established.
    pub fn info(&self) -> &HandshakeInfo {
        &self.info
    }

    /// Sends `data` as application data.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<(), TlcpError> {
        AsyncWriteExt::write_all(self, data)
            .await
            .map_err(from_io)?;
        AsyncWriteExt::flush(self).await.map_err(from_io)
    }

    /// Reads application data into `buf`: 0 once the peer sent close_notify. The end of the
    /// connection without close_notify is [`TlcpError::Truncated`]; no record within the read
    /// timeout is [`TlcpError::Timeout`].
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TlcpError> {
        let limit = self.read_timeout;
        tokio::time::timeout(
            limit,
            std::future::poll_fn(|cx| self.poll_read_data(cx, buf)),
        )
        .await
        .map_err(|_| TlcpError::Timeout(limit.as_secs()))?
    }

    /// Reads until close_notify or the end of the connection, at most `limit` bytes. The flag
    /// says whether the peer closed with close_notify.
    pub async fn read_to_end(&mut self, limit: usize) -> Result<(Vec<u8>, bool), TlcpError> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match self.read(&mut buf).await {
                Ok(0) => return Ok((out, true)),
                Ok(n) => {
                    if out.len() + n > limit {
                        return Err(TlcpError::Protocol(format!(
                            "more than {limit} bytes of application data"
                        )));
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                Err(TlcpError::Truncated) => return Ok((out, false)),
                Err(e) => return Err(e),
            }
        }
    }

    /// Sends close_notify and shuts the transport's write side.
    pub async fn close(&mut self) -> Result<(), TlcpError> {
        AsyncWriteExt::shutdown(self).await.map_err(from_io)
    }

    /// Application data into `buf`, reading and opening records as needed.
    fn poll_read_data(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<Result<usize, TlcpError>> {
        loop {
            if self.pending_at < self.pending.len() {
                let n = buf.len().min(self.pending.len() - self.pending_at);
                buf[..n].copy_from_slice(&self.pending[self.pending_at..self.pending_at + n]);
                self.pending_at += n;
                return Poll::Ready(Ok(n));
            }
            if self.peer_closed || buf.is_empty() {
                return Poll::Ready(Ok(0));
            }
            let Some(RawRecord { kind, fragment }) = ready!(self.poll_record(cx))? else {
                return Poll::Ready(Err(TlcpError::Truncated));
            };
            let plain = self.read.open(kind, &fragment)?;
            match kind {
                ContentType::ApplicationData => {
                    self.pending = plain;
                    self.pending_at = 0;
                }
                ContentType::Alert => match alert_error(&plain) {
                    TlcpError::Alert { description: 0, .. } => self.peer_closed = true,
                    other => return Poll::Ready(Err(other)),
                },
                other => {
                    return Poll::Ready(Err(TlcpError::Protocol(format!(
                        "a {other:?} record after the handshake (renegotiation is not supported)"
                    ))));
                }
            }
        }
    }

    /// The next whole record from the transport; `None` at its end.
    fn poll_record(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<RawRecord>, TlcpError>> {
        loop {
            if self.inbound.len() >= 5 {
                let header: [u8; 5] = self.inbound[..5].try_into().expect("5");
                let (kind, len) = parse_header(&header)?;
                if self.inbound.len() >= 5 + len {
                    let fragment = self.inbound[5..5 + len].to_vec();
                    self.inbound.drain(..5 + len);
                    return Poll::Ready(Ok(Some(RawRecord { kind, fragment })));
                }
            }
            let mut chunk = [0u8; 8 * 1024];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut self.io).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                return Poll::Ready(if self.inbound.is_empty() {
                    Ok(None)
                } else {
                    Err(TlcpError::Protocol(
                        "the connection ended inside a record".into(),
                    ))
                });
            }
            self.inbound.extend_from_slice(read.filled());
        }
    }

    /// Writes out the sealed records not written yet.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.outbound_at < self.outbound.len() {
            let n =
                ready!(Pin::new(&mut self.io).poll_write(cx, &self.outbound[self.outbound_at..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.outbound_at += n;
        }
        self.outbound.clear();
        self.outbound_at = 0;
        Poll::Ready(Ok(()))
    }

    fn queue(&mut self, kind: ContentType, plain: &[u8]) -> io::Result<()> {
        let fragment = self.write.seal(kind, plain).map_err(to_io)?;
        self.outbound.extend_from_slice(&frame(kind, &fragment));
        Ok(())
    }
}

fn to_io(e: TlcpError) -> io::Error {
    match e {
        TlcpError::Io(e) => e,
        TlcpError::Truncated => io::Error::new(io::ErrorKind::UnexpectedEof, e),
        TlcpError::Timeout(_) => io::Error::new(io::ErrorKind::TimedOut, e),
        other => io::Error::new(io::ErrorKind::InvalidData, other),
    }
}

fn from_io(e: io::Error) -> TlcpError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<TlcpError>())
    {
        Some(_) => match e.into_inner().map(|inner| inner.downcast::<TlcpError>()) {
            Some(Ok(tlcp)) => *tlcp,
            _ => TlcpError::Protocol("an error that could not be unwrapped".into()),
        },
        None => TlcpError::Io(e),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for TlcpStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let n = ready!(this.poll_read_data(cx, buf.initialize_unfilled())).map_err(to_io)?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for TlcpStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        // One record at a time: what was sealed before goes out first.
        ready!(this.poll_drain(cx))?;
        let n = data.len().min(MAX_PLAINTEXT);
        this.queue(ContentType::ApplicationData, &data[..n])?;
        // The record is sealed and owed to the transport; pushing it now is an optimisation.
        let _ = this.poll_drain(cx)?;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.close_queued {
            ready!(this.poll_drain(cx))?;
            this.queue(ContentType::Alert, &[1, alert::CLOSE_NOTIFY])?;
            this.close_queued = true;
        }
        ready!(this.poll_drain(cx))?;
        ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}
