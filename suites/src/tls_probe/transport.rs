//! One probe connection: a hello sent, the answer read within the client's timeouts and a byte
//! limit. Every probe goes through the engine's client, so the scope guard and the per-host
//! connection cap apply.

use std::time::Duration;

use tianping_engine::Ctx;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::reply::first_flight;

/// Largest TLS record body (2^14) plus what a record may add for padding and MAC.
const MAX_RECORD_BODY: usize = 16 * 1024 + 256;

/// Most a first flight may take: a long chain fits well within it.
const MAX_FIRST_FLIGHT: usize = 64 * 1024;

/// How much of the answer a probe needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReadUntil {
    /// The first record, whole: enough to classify a ServerHello or an alert. A server that
    /// does not complete it within the timeout has not answered.
    FirstRecord,
    /// Records until the Certificate message is complete, the server closes, or
    /// [`MAX_FIRST_FLIGHT`] bytes arrive. What came before a timeout is kept.
    FirstFlight,
}

impl ReadUntil {
    /// Whether `reply` holds what the probe needs; `FirstRecord` trims it to that record.
    fn complete(self, reply: &mut Vec<u8>) -> bool {
        match self {
            ReadUntil::FirstRecord => {
                if reply.len() < 5 {
                    return false;
                }
                let len =
                    usize::from(u16::from_be_bytes([reply[3], reply[4]])).min(MAX_RECORD_BODY);
                if reply.len() < 5 + len {
                    return false;
                }
                reply.truncate(5 + len);
                true
            }
            ReadUntil::FirstFlight => {
                reply.len() >= MAX_FIRST_FLIGHT
                    || first_flight(reply).is_ok_and(|f| !f.certificates.is_empty())
            }
        }
    }
}

/// Sends `hello` on a new connection and reads the answer as `until` says. A server that closes
/// (or resets) before answering gives an empty reply; `Err` is for a connection that could not
/// be made, a write or read that failed, or no usable answer within the client's timeout.
pub(super) async fn exchange(
    ctx: &Ctx,
    host: &str,
    port: u16,
    hello: &[u8],
    until: ReadUntil,
) -> Result<Vec<u8>, String> {
    let (mut stream, _permit) = ctx
        .http
        .connect_tcp(host, port)
        .await
        .map_err(|e| e.to_string())?;
    let timeout = Duration::from_secs(ctx.config.limits.request_timeout_secs);
    stream
        .write_all(hello)
        .await
        .map_err(|e| format!("write failed: {e}"))?;
    let mut reply = Vec::new();
    let read = async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) => return Ok(()),
                Ok(n) => reply.extend_from_slice(&buf[..n]),
                // A reset is the server's way of refusing; for a first record, only before
                // anything arrived (a reset in the middle of a record is a broken answer).
                Err(e)
                    if e.kind() == std::io::ErrorKind::ConnectionReset
                        && (until == ReadUntil::FirstFlight || reply.is_empty()) =>
                {
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
            if until.complete(&mut reply) {
                return Ok(());
            }
        }
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) if until == ReadUntil::FirstRecord || reply.is_empty() => {
            Err(format!("no reply within {} s", timeout.as_secs()))
        }
        Err(_) | Ok(Ok(())) => Ok(reply),
        Ok(Err(e)) => Err(format!("read failed: {e}")),
    }
}
