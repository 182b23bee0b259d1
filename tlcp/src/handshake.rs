//! What both ends of a handshake share: handshake messages framed and reassembled across
//! records, the transcript Finished hashes, ChangeCipherSpec and alerts.

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use crate::TlcpError;
use crate::codec::put_u24;
use crate::record::{ContentType, Direction, MAX_PLAINTEXT, frame, read_record};

/// Handshake message types (RFC 5246 §7.4, as TLCP keeps them).
pub(crate) mod msg {
    pub const HELLO_REQUEST: u8 = 0;
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const CERTIFICATE: u8 = 11;
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    pub const CERTIFICATE_REQUEST: u8 = 13;
    pub const SERVER_HELLO_DONE: u8 = 14;
    pub const CERTIFICATE_VERIFY: u8 = 15;
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    pub const FINISHED: u8 = 20;
}

/// Alert descriptions this crate sends.
pub(crate) mod alert {
    pub const CLOSE_NOTIFY: u8 = 0;
    pub const UNEXPECTED_MESSAGE: u8 = 10;
    pub const BAD_RECORD_MAC: u8 = 20;
    pub const HANDSHAKE_FAILURE: u8 = 40;
    pub const BAD_CERTIFICATE: u8 = 42;
    pub const ILLEGAL_PARAMETER: u8 = 47;
    pub const DECODE_ERROR: u8 = 50;
    pub const DECRYPT_ERROR: u8 = 51;
}

/// `step` within `limit`, or a timeout.
pub(crate) async fn within<T>(
    limit: std::time::Duration,
    step: impl std::future::Future<Output = Result<T, TlcpError>>,
) -> Result<T, TlcpError> {
    tokio::time::timeout(limit, step)
        .await
        .unwrap_or(Err(TlcpError::Timeout(limit.as_secs())))
}

/// The alert that tells the peer why this end gave up, where one applies.
pub(crate) fn alert_for(e: &TlcpError) -> Option<u8> {
    Some(match e {
        TlcpError::Decode(_) => alert::DECODE_ERROR,
        TlcpError::Protocol(_) => alert::UNEXPECTED_MESSAGE,
        TlcpError::UnofferedSuite(_) => alert::ILLEGAL_PARAMETER,
        TlcpError::NoCommonSuite => alert::HANDSHAKE_FAILURE,
        TlcpError::Certificate(_) | TlcpError::ClientCertificate(_) => alert::BAD_CERTIFICATE,
        TlcpError::BadClientCertificateVerify => alert::DECRYPT_ERROR,
        TlcpError::BadKeyExchangeSignature(_) | TlcpError::BadFinished => alert::DECRYPT_ERROR,
        TlcpError::BadKeyExchange(_) => alert::DECRYPT_ERROR,
        TlcpError::BadRecordMac => alert::BAD_RECORD_MAC,
        TlcpError::Timeout(_) => alert::HANDSHAKE_FAILURE,
        TlcpError::Io(_)
        | TlcpError::Closed(_)
        | TlcpError::Alert { .. }
        | TlcpError::KeyExchangeNotDecrypted(_)
        | TlcpError::Truncated => {
            return None;
        }
    })
}

/// An alert record's body, as the error it is.
pub(crate) fn alert_error(body: &[u8]) -> TlcpError {
    match body {
        [level, description] => TlcpError::Alert {
            fatal: *level == 2,
            description: *description,
        },
        _ => TlcpError::Decode("alert"),
    }
}

pub(crate) struct Handshake<S> {
    pub(crate) io: S,
    pub(crate) read: Direction,
    pub(crate) write: Direction,
    /// Every handshake message so far, as Finished hashes them.
    pub(crate) transcript: Vec<u8>,
    /// Handshake bytes received and not yet taken as a whole message.
    pub(crate) buffer: Vec<u8>,
    pub(crate) max_message: usize,
    /// Records of this side's flight not yet written: a flight goes out in one write, so no
    /// record waits on the peer's delayed acknowledgement (Nagle).
    pub(crate) outgoing: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Handshake<S> {
    /// A handshake over `io`, unprotected so far.
    pub(crate) fn new(io: S, max_message: usize) -> Self {
        Handshake {
            io,
            read: Direction::plain(),
            write: Direction::plain(),
            transcript: Vec::new(),
            buffer: Vec::new(),
            max_message,
            outgoing: Vec::new(),
        }
    }

    /// Sends one handshake message and adds it to the transcript.
    pub(crate) async fn send(&mut self, kind: u8, body: &[u8]) -> Result<(), TlcpError> {
        let mut message = vec![kind];
        put_u24(&mut message, body.len());
        message.extend_from_slice(body);
        self.transcript.extend_from_slice(&message);
        for chunk in message.chunks(MAX_PLAINTEXT) {
            let fragment = self.write.seal(ContentType::Handshake, chunk)?;
            self.outgoing
                .extend_from_slice(&frame(ContentType::Handshake, &fragment));
        }
        Ok(())
    }

    /// The next handshake message, which must be of `kind`.
    pub(crate) async fn expect(
        &mut self,
        kind: u8,
        what: &'static str,
    ) -> Result<Vec<u8>, TlcpError> {
        let (got, body) = self.next_message(what).await?;
        if got != kind {
            return Err(unexpected(got, what));
        }
        Ok(body)
    }

    /// The next whole handshake message (type, body), reassembled across records. A
    /// HelloRequest is skipped, as RFC 5246 §7.4.1.1 asks during a handshake.
    pub(crate) async fn next_message(
        &mut self,
        what: &'static str,
    ) -> Result<(u8, Vec<u8>), TlcpError> {
        loop {
            if self.buffer.len() >= 4 {
                let len = usize::from(self.buffer[1]) << 16
                    | usize::from(self.buffer[2]) << 8
                    | usize::from(self.buffer[3]);
                if len > self.max_message {
                    return Err(TlcpError::Protocol(format!(
                        "a {len}-byte handshake message, over the limit of {}",
                        self.max_message
                    )));
                }
                if self.buffer.len() >= 4 + len {
                    let message: Vec<u8> = self.buffer.drain(..4 + len).collect();
                    if message[0] == msg::HELLO_REQUEST {
                        continue;
                    }
                    self.transcript.extend_from_slice(&message);
                    return Ok((message[0], message[4..].to_vec()));
                }
            }
            self.flush().await?;
            let record = read_record(&mut self.io)
                .await?
                .ok_or(TlcpError::Closed(what))?;
            let plain = self.read.open(record.kind, &record.fragment)?;
            match record.kind {
                ContentType::Handshake if plain.is_empty() => {
                    return Err(TlcpError::Protocol("an empty handshake record".into()));
                }
                ContentType::Handshake => self.buffer.extend_from_slice(&plain),
                ContentType::Alert => return Err(alert_error(&plain)),
                other => {
                    return Err(TlcpError::Protocol(format!(
                        "a {other:?} record where the {what} was expected"
                    )));
                }
            }
        }
    }

    /// The peer's ChangeCipherSpec, on a message boundary.
    pub(crate) async fn expect_change_cipher_spec(&mut self) -> Result<(), TlcpError> {
        if !self.buffer.is_empty() {
            return Err(TlcpError::Protocol(
                "ChangeCipherSpec inside a handshake message".into(),
            ));
        }
        self.flush().await?;
        let record = read_record(&mut self.io)
            .await?
            .ok_or(TlcpError::Closed("ChangeCipherSpec"))?;
        let plain = self.read.open(record.kind, &record.fragment)?;
        match record.kind {
            ContentType::ChangeCipherSpec if plain == [1] => Ok(()),
            ContentType::ChangeCipherSpec => Err(TlcpError::Decode("ChangeCipherSpec")),
            ContentType::Alert => Err(alert_error(&plain)),
            other => Err(TlcpError::Protocol(format!(
                "a {other:?} record where ChangeCipherSpec was expected"
            ))),
        }
    }

    pub(crate) async fn send_alert(&mut self, description: u8) -> Result<(), TlcpError> {
        let fragment = self.write.seal(ContentType::Alert, &[2, description])?;
        self.outgoing
            .extend_from_slice(&frame(ContentType::Alert, &fragment));
        self.flush().await?;
        Ok(())
    }

    /// After a handshake that failed, tells the peer why with an alert, briefly and best
    /// effort: the error is what the caller needs.
    pub(crate) async fn alert_on_error<T>(&mut self, outcome: &Result<T, TlcpError>) {
        if let Err(e) = outcome
            && let Some(code) = alert_for(e)
        {
            let brief = std::time::Duration::from_secs(1);
            let _ = tokio::time::timeout(brief, self.send_alert(code)).await;
        }
    }

    /// Writes this side's flight so far in one write.
    pub(crate) async fn flush(&mut self) -> Result<(), TlcpError> {
        if !self.outgoing.is_empty() {
            let flight = std::mem::take(&mut self.outgoing);
            self.io.write_all(&flight).await?;
        }
        self.io.flush().await?;
        Ok(())
    }

    /// Sends ChangeCipherSpec under the current protection.
    pub(crate) async fn send_change_cipher_spec(&mut self) -> Result<(), TlcpError> {
        let ccs = self.write.seal(ContentType::ChangeCipherSpec, &[1])?;
        self.outgoing
            .extend_from_slice(&frame(ContentType::ChangeCipherSpec, &ccs));
        Ok(())
    }
}

pub(crate) fn unexpected(kind: u8, what: &str) -> TlcpError {
    TlcpError::Protocol(format!(
        "handshake message type {kind} where the {what} was expected"
    ))
}
