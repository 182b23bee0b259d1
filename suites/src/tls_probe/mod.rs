//! Raw TLS protocol probes: a hand-built ClientHello offering exactly one protocol version (or
//! one suite), and a verdict on what the server answered. No TLS library is involved, so the
//! probe sees what the server accepts rather than what a client stack is willing to negotiate.
//!
//! - [`hello`]: ClientHello bytes;
//! - [`reply`]: reading what came back;
//! - [`catalogue`]: the suites known, with their key exchange and weakness;
//! - `transport`: one connection, one hello, the answer read within the client's limits.

pub mod catalogue;
pub mod hello;
pub mod reply;
mod transport;

use tianping_engine::Ctx;

pub use catalogue::*;
pub use hello::*;
use reply::first_flight;
pub use reply::*;
use transport::ReadUntil;

/// Why a probe counts as refused when the server closed the connection without sending
/// anything. Alone it is no evidence: an endpoint that closes every connection this way
/// answers nothing at all (see [`answers_tls`]).
pub const SILENT_CLOSE: &str = "connection closed without a reply";

/// Whether a refusal was a silent close rather than an alert or another version.
pub fn is_silent(result: &ProbeResult) -> bool {
    matches!(result, ProbeResult::Refused(why) if why == SILENT_CLOSE)
}

/// The control for refusals at an endpoint: whether it answers TLS at all. TLS 1.3 and 1.2
/// hellos are offered; a ServerHello or an alert to either is an answer. `Err` says why the
/// endpoint counts as silent, for an inconclusive verdict: a refusal from an endpoint that
/// refuses everything, and says nothing, proves nothing about any version or suite.
pub async fn answers_tls(
    ctx: &Ctx,
    host: &str,
    port: u16,
    server_name: &str,
) -> Result<(), String> {
    let (modern, common) = tokio::join!(
        probe(ctx, host, port, server_name, Version::Tls13),
        probe(ctx, host, port, server_name, Version::Tls12)
    );
    let answered = |r: &ProbeResult| {
        matches!(r, ProbeResult::Accepted) || matches!(r, ProbeResult::Refused(_)) && !is_silent(r)
    };
    if answered(&modern) || answered(&common) {
        Ok(())
    } else {
        Err(format!(
            "{host}:{port} answers no TLS hello (TLS 1.3: {modern:?}; TLS 1.2: {common:?}): \
             nothing there speaks TLS, so a refusal proves nothing"
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl Version {
    pub const ALL: [Version; 5] = [
        Version::Ssl3,
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl3 => "SSL3.0",
            Version::Tls10 => "TLS1.0",
            Version::Tls11 => "TLS1.1",
            Version::Tls12 => "TLS1.2",
            Version::Tls13 => "TLS1.3",
        }
    }

    fn wire(self) -> u16 {
        match self {
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeResult {
    /// The server answered with a ServerHello for this version.
    Accepted,
    /// Alert, close or a ServerHello for another version.
    Refused(String),
    /// Timeout, reset before any answer we can read, or bytes that are not TLS.
    Inconclusive(String),
}

/// Offers `version` with the one suite `suite` and says whether the server accepts it.
pub async fn suite_probe(
    ctx: &Ctx,
    host: &str,
    port: u16,
    server_name: &str,
    version: Version,
    suite: u16,
) -> ProbeResult {
    let hello = client_hello_offering(version, server_name, &[suite]);
    match transport::exchange(ctx, host, port, &hello, ReadUntil::FirstRecord).await {
        Ok(reply) => classify_suite(version, suite, &reply),
        Err(why) => ProbeResult::Inconclusive(why),
    }
}

/// Offers `version` with all of `suites` and returns the one the server chooses (`None`: it
/// refused them all); an unreadable answer is an error saying why.
pub async fn choice_probe(
    ctx: &Ctx,
    host: &str,
    port: u16,
    server_name: &str,
    version: Version,
    suites: &[u16],
) -> Result<Option<u16>, String> {
    let hello = client_hello_offering(version, server_name, suites);
    let reply = transport::exchange(ctx, host, port, &hello, ReadUntil::FirstRecord).await?;
    reply::classify_choice(version, suites, &reply)
}

/// Sends one ClientHello and reads the first record back, within the client's timeouts.
pub async fn probe(
    ctx: &Ctx,
    host: &str,
    port: u16,
    server_name: &str,
    version: Version,
) -> ProbeResult {
    match transport::exchange(
        ctx,
        host,
        port,
        &client_hello(version, server_name),
        ReadUntil::FirstRecord,
    )
    .await
    {
        Ok(reply) => classify(version, &reply),
        Err(why) => ProbeResult::Inconclusive(why),
    }
}

/// Offers only the RFC 8998 suites and judges the answer.
pub async fn rfc8998_probe(ctx: &Ctx, host: &str, port: u16, server_name: &str) -> Rfc8998Result {
    let hello = rfc8998_client_hello(server_name);
    match transport::exchange(ctx, host, port, &hello, ReadUntil::FirstRecord).await {
        Ok(reply) => classify_rfc8998(&reply),
        Err(why) => Rfc8998Result::Inconclusive(why),
    }
}

/// The certificate chain a TLS 1.0–1.2 server sends after its ServerHello, read from the raw
/// handshake: for endpoints the harness's TLS library cannot talk to (TLS 1.0/1.1 only).
pub async fn served_chain(
    ctx: &Ctx,
    host: &str,
    port: u16,
    server_name: &str,
    version: Version,
) -> Result<Vec<Vec<u8>>, String> {
    let reply = transport::exchange(
        ctx,
        host,
        port,
        &client_hello(version, server_name),
        ReadUntil::FirstFlight,
    )
    .await?;
    match first_flight(&reply) {
        Ok(f) if f.version != version.wire() => {
            Err(format!("the server chose version {:#06x}", f.version))
        }
        Ok(f) if f.certificates.is_empty() => {
            Err("the server sent no Certificate message after its ServerHello".into())
        }
        Ok(f) => Ok(f.certificates),
        Err(ProbeResult::Refused(why) | ProbeResult::Inconclusive(why)) => Err(why),
        Err(ProbeResult::Accepted) => Err("no ServerHello".into()),
    }
}

/// Sends a TLCP ClientHello offering `suites` and reads what comes back until the server
/// closes, 64 KiB arrive, or the client's timeout passes.
pub async fn tlcp_probe(ctx: &Ctx, host: &str, port: u16, suites: &[u16]) -> TlcpResult {
    match transport::exchange(
        ctx,
        host,
        port,
        &tlcp_client_hello(suites),
        ReadUntil::FirstFlight,
    )
    .await
    {
        Ok(reply) => classify_tlcp(&reply),
        Err(why) => TlcpResult::Inconclusive(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hello_record_lengths_are_consistent() {
        for v in Version::ALL {
            let hello = client_hello(v, "platform.example.cn");
            let record_len = u16::from_be_bytes([hello[3], hello[4]]) as usize;
            assert_eq!(hello.len(), 5 + record_len, "{v:?}");
            let hs_len = u32::from_be_bytes([0, hello[6], hello[7], hello[8]]) as usize;
            assert_eq!(record_len, 4 + hs_len, "{v:?}");
        }
    }

    #[test]
    fn classification_of_replies() {
        assert_eq!(
            classify(Version::Tls10, &[0x15, 3, 1, 0, 2, 2, 70]),
            ProbeResult::Refused("alert 70".into())
        );
        assert!(matches!(
            classify(Version::Tls10, b""),
            ProbeResult::Refused(_)
        ));
        assert!(matches!(
            classify(Version::Tls10, b"HTTP/1.1 400"),
            ProbeResult::Inconclusive(_)
        ));
        let mut hello = vec![0x16, 3, 1, 0, 42, 0x02, 0, 0, 38, 0x03, 0x01];
        hello.extend([0u8; 32]);
        hello.extend([0, 0xc0, 0x13, 0]);
        assert_eq!(classify(Version::Tls10, &hello), ProbeResult::Accepted);
        assert!(matches!(
            classify(Version::Tls11, &hello),
            ProbeResult::Refused(_)
        ));
    }

    #[test]
    fn tlcp_replies_are_read_across_records_and_garbage_is_not_a_pass() {
        let mut hello = vec![0x01, 0x01];
        hello.extend([7u8; 32]);
        hello.extend([0, 0xE0, 0x53, 0]);
        let msg = |t: u8, body: &[u8]| {
            let mut m = vec![t];
            m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
            m.extend_from_slice(body);
            m
        };
        let mut certs_body = vec![0, 0, 10, 0, 0, 2, 0xaa, 0xbb, 0, 0, 2, 0xcc, 0xdd];
        certs_body[2] = 10;
        let handshake = [msg(0x02, &hello), msg(0x0b, &certs_body)].concat();
        // Split the handshake over two records at an awkward place.
        let (a, b) = handshake.split_at(20);
        let record = |frag: &[u8]| {
            let mut r = vec![0x16, 0x01, 0x01];
            r.extend_from_slice(&(frag.len() as u16).to_be_bytes());
            r.extend_from_slice(frag);
            r
        };
        let reply = [record(a), record(b)].concat();
        assert_eq!(
            classify_tlcp(&reply),
            TlcpResult::Accepted {
                suite: 0xE053,
                certificates: vec![vec![0xaa, 0xbb], vec![0xcc, 0xdd]]
            }
        );
        assert_eq!(
            classify_tlcp(&[0x15, 1, 1, 0, 2, 2, 40]),
            TlcpResult::Refused("alert 40".into())
        );
        assert!(matches!(
            classify_tlcp(b"HTTP/1.1 400 Bad"),
            TlcpResult::Inconclusive(_)
        ));
        assert!(matches!(
            classify_tlcp(&reply[..12]),
            TlcpResult::Inconclusive(_)
        ));
    }
}
