//! An established TLCP connection, on either end: application data both ways, alerts and
//! close_notify.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::handshake::{Handshake, alert, alert_error};
use crate::record::{ContentType, Direction, MAX_PLAINTEXT, read_record, write_record};
use crate::{HandshakeInfo, TlcpError};

/// An established TLCP connection.
pub struct TlcpStream<S> {
    io: S,
    read: Direction,
    write: Direction,
    pending: Vec<u8>,
    info: HandshakeInfo,
    read_timeout: Duration,
    peer_closed: bool,
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
            pending: Vec::new(),
            info,
            read_timeout,
            peer_closed: false,
        }
    }

    /// What the handshake established.
    pub fn info(&self) -> &HandshakeInfo {
        &self.info
    }

    /// Sends `data` as application data.
    pub async fn write_all(&mut self, data: &[u8]) -> Result<(), TlcpError> {
        for chunk in data.chunks(MAX_PLAINTEXT) {
            let fragment = self.write.seal(ContentType::ApplicationData, chunk)?;
            write_record(&mut self.io, ContentType::ApplicationData, &fragment).await?;
        }
        self.io.flush().await?;
        Ok(())
    }

    /// Reads application data into `buf`: 0 once the server sent close_notify. The end of the
    /// connection without close_notify is [`TlcpError::Truncated`].
    pub async fn read(&mut self, buf: &mut [u8]) -> Result<usize, TlcpError> {
        loop {
            if !self.pending.is_empty() {
                let n = buf.len().min(self.pending.len());
                buf[..n].copy_from_slice(&self.pending[..n]);
                self.pending.drain(..n);
                return Ok(n);
            }
            if self.peer_closed {
                return Ok(0);
            }
            let secs = self.read_timeout.as_secs();
            let record = tokio::time::timeout(self.read_timeout, read_record(&mut self.io))
                .await
                .map_err(|_| TlcpError::Timeout(secs))??
                .ok_or(TlcpError::Truncated)?;
            let plain = self.read.open(record.kind, &record.fragment)?;
            match record.kind {
                ContentType::ApplicationData => self.pending = plain,
                ContentType::Alert => match alert_error(&plain) {
                    TlcpError::Alert { description: 0, .. } => self.peer_closed = true,
                    other => return Err(other),
                },
                other => {
                    return Err(TlcpError::Protocol(format!(
                        "a {other:?} record after the handshake (renegotiation is not supported)"
                    )));
                }
            }
        }
    }

    /// Reads until close_notify or the end of the connection, at most `limit` bytes. The flag
    /// says whether the server closed with close_notify.
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
        let fragment = self
            .write
            .seal(ContentType::Alert, &[1, alert::CLOSE_NOTIFY])?;
        write_record(&mut self.io, ContentType::Alert, &fragment).await?;
        self.io.shutdown().await?;
        Ok(())
    }

    /// Whether the connection's records are protected (always, once established).
    pub fn is_protected(&self) -> bool {
        self.read.is_protected() && self.write.is_protected()
    }
}
