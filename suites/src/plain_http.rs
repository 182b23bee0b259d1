//! One plain-HTTP/1.1 request over a raw TCP connection, for SS-007's question "does this port
//! serve the API in clear?". The harness's HTTP client speaks HTTPS only to the target; this
//! asks one request of an in-scope host and port and reads only the status line and headers,
//! within the request timeout and a size cap, whatever the other end does.

use std::time::Duration;

use tianping_engine::tls::TlsError;
use tianping_engine::{CheckError, Ctx};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The most of an answer's head the harness reads.
const HEAD_LIMIT: usize = 16 * 1024;

/// What a plain-HTTP request to a port met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlainAnswer {
    /// No HTTP answer: nothing listens, no answer in time, the connection closed, or what came
    /// back is not HTTP. Says which.
    NotServed(String),
    /// An HTTP answer.
    Http {
        status: u16,
        location: Option<String>,
    },
}

/// Sends `POST path` with a JSON `body` in clear to `host:port` and reads the answer's head.
pub async fn post(
    ctx: &Ctx,
    host: &str,
    port: u16,
    path: &str,
    body: &[u8],
) -> Result<PlainAnswer, CheckError> {
    let (mut stream, _permit) = match ctx.http.connect_tcp(host, port).await {
        Ok(connected) => connected,
        Err(TlsError::Connect {
            refused: true,
            addr,
            ..
        }) => {
            return Ok(PlainAnswer::NotServed(format!(
                "{addr}: connection refused"
            )));
        }
        Err(TlsError::Timeout(t)) => {
            return Ok(PlainAnswer::NotServed(format!(
                "{host}:{port}: no answer to the connection attempt within {t:?}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let host_header = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host_header}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    let timeout = Duration::from_secs(ctx.config.limits.request_timeout_secs);
    let exchange = async {
        // A peer that closes before taking the request still may have answered.
        let _ = stream.write_all(&request).await;
        let mut head = Vec::new();
        let mut buf = [0u8; 2048];
        while head.len() < HEAD_LIMIT && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        head
    };
    let head = match tokio::time::timeout(timeout, exchange).await {
        Ok(head) => head,
        Err(_) => {
            return Ok(PlainAnswer::NotServed(format!(
                "{host}:{port}: no complete HTTP answer within {timeout:?}"
            )));
        }
    };
    Ok(parse_head(&head).unwrap_or_else(|| {
        PlainAnswer::NotServed(if head.is_empty() {
            format!("{host}:{port}: closed without answering")
        } else if matches!(head[0], 0x15 | 0x16) {
            format!("{host}:{port}: answered in TLS, not in clear")
        } else {
            format!(
                "{host}:{port}: answered {} bytes that are not an HTTP response",
                head.len()
            )
        })
    }))
}

/// The status and `Location` of an HTTP/1.x response head, if `head` is one.
fn parse_head(head: &[u8]) -> Option<PlainAnswer> {
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let text = std::str::from_utf8(&head[..end]).ok()?;
    let mut lines = text.split("\r\n");
    let mut status_line = lines.next()?.splitn(3, ' ');
    if !status_line.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = status_line.next()?.parse().ok()?;
    if !(100..=599).contains(&status) {
        return None;
    }
    let location = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    });
    Some(PlainAnswer::Http { status, location })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_and_anything_else_is_not_an_answer() {
        assert_eq!(
            parse_head(b"HTTP/1.1 308 Permanent Redirect\r\nlocation: https://h/x\r\n\r\n"),
            Some(PlainAnswer::Http {
                status: 308,
                location: Some("https://h/x".into())
            })
        );
        assert_eq!(
            parse_head(b"HTTP/1.0 400 Bad Request\r\n\r\n"),
            Some(PlainAnswer::Http {
                status: 400,
                location: None
            })
        );
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\n"), None, "no end of head");
        assert_eq!(parse_head(b"\x15\x03\x03\x00\x02\x02\x46\r\n\r\n"), None);
        assert_eq!(parse_head(b"HTTP/1.1 999 Odd\r\n\r\n"), None);
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
    }
}
