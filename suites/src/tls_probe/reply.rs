//! Readers of what a server sent back: the first record, a ServerHello's version and suite,
//! and a first flight (ServerHello and Certificate across records), for TLS and TLCP. They
//! never panic on arbitrary bytes and never call an answer they cannot read an acceptance.

use super::{ProbeResult, RFC8998_SUITES, TLCP_VERSION, Version};

/// Classifies the first record the server sent back.
pub fn classify(version: Version, reply: &[u8]) -> ProbeResult {
    if reply.is_empty() {
        return ProbeResult::Refused(super::SILENT_CLOSE.into());
    }
    if reply.len() < 5 {
        return ProbeResult::Inconclusive(format!("short reply of {} bytes", reply.len()));
    }
    match reply[0] {
        0x15 => {
            let desc = reply.get(6).copied().unwrap_or(0);
            ProbeResult::Refused(format!("alert {desc}"))
        }
        0x16 if reply.get(5) == Some(&0x02) => {
            let Some(v) = reply.get(9..11) else {
                return ProbeResult::Inconclusive("truncated ServerHello".into());
            };
            let mut negotiated = u16::from_be_bytes([v[0], v[1]]);
            if negotiated == 0x0303 && server_hello_selects_tls13(reply) {
                negotiated = 0x0304;
            }
            if negotiated == version.wire() {
                ProbeResult::Accepted
            } else {
                ProbeResult::Refused(format!("server chose version {negotiated:#06x}"))
            }
        }
        _ => ProbeResult::Inconclusive(format!(
            "reply is not a TLS handshake or alert (first byte {:#04x})",
            reply[0]
        )),
    }
}

/// The cipher suite a ServerHello record selects.
fn server_hello_suite(reply: &[u8]) -> Option<u16> {
    // record(5) hs(4) version(2) random(32) sid_len(1)+sid, suite(2)
    let sid_len = *reply.get(43)? as usize;
    let at = 44 + sid_len;
    Some(u16::from_be_bytes([*reply.get(at)?, *reply.get(at + 1)?]))
}

/// Classifies the answer to a hello that offered `version` and the single suite `suite`.
pub fn classify_suite(version: Version, suite: u16, reply: &[u8]) -> ProbeResult {
    match classify_choice(version, &[suite], reply) {
        Ok(Some(_)) => ProbeResult::Accepted,
        Ok(None) => match classify(version, reply) {
            ProbeResult::Accepted => ProbeResult::Refused("no suite chosen".into()),
            other => other,
        },
        Err(why) => ProbeResult::Inconclusive(why),
    }
}

/// Which of the `offered` suites the server chose at `version`: `Ok(Some(suite))`, or
/// `Ok(None)` when it refused (an alert, a close, another version); an answer that cannot be
/// read, or a suite it was not offered, is an error saying so.
pub fn classify_choice(
    version: Version,
    offered: &[u16],
    reply: &[u8],
) -> Result<Option<u16>, String> {
    match classify(version, reply) {
        ProbeResult::Accepted => match server_hello_suite(reply) {
            Some(chosen) if offered.contains(&chosen) => Ok(Some(chosen)),
            Some(chosen) => Err(format!(
                "the server chose suite {chosen:#06x}, which was not offered"
            )),
            None => Err("truncated ServerHello".into()),
        },
        ProbeResult::Refused(_) => Ok(None),
        ProbeResult::Inconclusive(why) => Err(why),
    }
}

fn server_hello_selects_tls13(reply: &[u8]) -> bool {
    // record(5) hs(4) version(2) random(32) sid_len(1)+sid, suite(2), compression(1), exts
    let Some(&sid_len) = reply.get(43) else {
        return false;
    };
    let mut i = 44 + sid_len as usize + 3;
    if reply.len() < i + 2 {
        return false;
    }
    i += 2;
    while i + 4 <= reply.len() {
        let ty = u16::from_be_bytes([reply[i], reply[i + 1]]);
        let len = u16::from_be_bytes([reply[i + 2], reply[i + 3]]) as usize;
        if ty == 0x002b && len == 2 && reply.get(i + 4..i + 6) == Some(&[0x03, 0x04]) {
            return true;
        }
        i += 4 + len;
    }
    false
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rfc8998Result {
    /// TLS 1.3 with one of the offered SM suites.
    Accepted(u16),
    /// An alert, or the connection closed: a refusal.
    Refused(String),
    /// A ServerHello that breaks the protocol (a suite or version the client never offered).
    Violation(tianping_engine::Problem),
    Inconclusive(String),
}

/// Judges the first record a server sent back to the RFC 8998 ClientHello.
pub fn classify_rfc8998(reply: &[u8]) -> Rfc8998Result {
    match reply.first() {
        None => Rfc8998Result::Refused("connection closed without an alert".into()),
        Some(0x15) => {
            Rfc8998Result::Refused(format!("alert {}", reply.get(6).copied().unwrap_or(0)))
        }
        Some(0x16) if reply.get(5) == Some(&0x02) => {
            let Some(&sid_len) = reply.get(43) else {
                return Rfc8998Result::Inconclusive("truncated ServerHello".into());
            };
            let at = 44 + sid_len as usize;
            let Some(suite) = reply
                .get(at..at + 2)
                .map(|s| u16::from_be_bytes([s[0], s[1]]))
            else {
                return Rfc8998Result::Inconclusive("truncated ServerHello".into());
            };
            if !RFC8998_SUITES.contains(&suite) {
                Rfc8998Result::Violation(tianping_engine::Problem::new(
                    format!("the server chose suite {suite:#06x}, which the client did not offer"),
                    format!("服务器选择了客户端未提供的密码套件 {suite:#06x}"),
                ))
            } else if !server_hello_selects_tls13(reply) {
                Rfc8998Result::Violation(tianping_engine::Problem::new(
                    "the server chose an SM suite outside TLS 1.3, which the client did not offer",
                    "服务器在 TLS 1.3 之外选择了国密套件，客户端并未提供此组合",
                ))
            } else {
                Rfc8998Result::Accepted(suite)
            }
        }
        Some(b) => Rfc8998Result::Inconclusive(format!(
            "reply is not a TLS handshake or alert (first byte {b:#04x})"
        )),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlcpResult {
    /// A TLCP ServerHello selecting `suite`, and the certificates that followed (signing
    /// certificate first, encryption certificate second, per GB/T 38636).
    Accepted {
        suite: u16,
        certificates: Vec<Vec<u8>>,
    },
    Refused(String),
    Inconclusive(String),
}

/// Handshake messages (type, body) in `bytes`, as far as they are complete.
fn handshake_messages(bytes: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= bytes.len() {
        let len = u32::from_be_bytes([0, bytes[i + 1], bytes[i + 2], bytes[i + 3]]) as usize;
        let Some(body) = bytes.get(i + 4..i + 4 + len) else {
            break;
        };
        out.push((bytes[i], body));
        i += 4 + len;
    }
    out
}

/// The DER certificates of a Certificate message body (3-byte lengths throughout).
fn certificate_list(body: &[u8]) -> Option<Vec<Vec<u8>>> {
    let total = u32::from_be_bytes([0, *body.first()?, *body.get(1)?, *body.get(2)?]) as usize;
    let mut list = body.get(3..3 + total)?;
    let mut certs = Vec::new();
    while list.len() >= 3 {
        let len = u32::from_be_bytes([0, list[0], list[1], list[2]]) as usize;
        certs.push(list.get(3..3 + len)?.to_vec());
        list = &list[3 + len..];
    }
    Some(certs)
}

/// What a server's first flight (TLS ≤ 1.2 or TLCP) showed, records of any split.
pub(super) struct FirstFlight {
    /// Version the ServerHello chose.
    pub(super) version: u16,
    /// Suite the ServerHello chose.
    pub(super) suite: u16,
    /// Certificates of the Certificate message, leaf first; empty when none came.
    pub(super) certificates: Vec<Vec<u8>>,
}

/// Reads the ServerHello and Certificate messages out of `reply`. `Err` says why there is no
/// ServerHello: a refusal (alert, close) or something that is not a handshake.
pub(super) fn first_flight(reply: &[u8]) -> Result<FirstFlight, ProbeResult> {
    let mut handshake = Vec::new();
    let mut rest = reply;
    while rest.len() >= 5 {
        let len = u16::from_be_bytes([rest[3], rest[4]]) as usize;
        let Some(fragment) = rest.get(5..5 + len) else {
            break;
        };
        match rest[0] {
            0x15 if handshake.is_empty() => {
                return Err(ProbeResult::Refused(format!(
                    "alert {}",
                    fragment.get(1).copied().unwrap_or(0)
                )));
            }
            0x16 => handshake.extend_from_slice(fragment),
            _ => {}
        }
        rest = &rest[5 + len..];
    }
    if reply.is_empty() {
        return Err(ProbeResult::Refused(super::SILENT_CLOSE.into()));
    }
    if handshake.is_empty() {
        return Err(ProbeResult::Inconclusive(format!(
            "reply is not a handshake or alert (first byte {:#04x})",
            reply[0]
        )));
    }
    let messages = handshake_messages(&handshake);
    let Some((_, hello)) = messages.iter().find(|(t, _)| *t == 0x02) else {
        return Err(ProbeResult::Inconclusive("no complete ServerHello".into()));
    };
    let version = hello.get(..2).map(|v| u16::from_be_bytes([v[0], v[1]]));
    let sid_len = hello.get(34).copied().unwrap_or(0) as usize;
    let suite = hello
        .get(35 + sid_len..37 + sid_len)
        .map(|s| u16::from_be_bytes([s[0], s[1]]));
    let (Some(version), Some(suite)) = (version, suite) else {
        return Err(ProbeResult::Inconclusive("truncated ServerHello".into()));
    };
    let certificates = messages
        .iter()
        .find(|(t, _)| *t == 0x0b)
        .and_then(|(_, body)| certificate_list(body))
        .unwrap_or_default();
    Ok(FirstFlight {
        version,
        suite,
        certificates,
    })
}

/// Judges what a server sent back to a TLCP ClientHello: records of any split.
pub fn classify_tlcp(reply: &[u8]) -> TlcpResult {
    match first_flight(reply) {
        Err(ProbeResult::Refused(why)) => TlcpResult::Refused(why),
        Err(ProbeResult::Inconclusive(why)) => TlcpResult::Inconclusive(why),
        Err(ProbeResult::Accepted) => TlcpResult::Inconclusive("no ServerHello".into()),
        Ok(f) if f.version != TLCP_VERSION => {
            TlcpResult::Refused(format!("server chose version {:#06x}", f.version))
        }
        Ok(f) => TlcpResult::Accepted {
            suite: f.suite,
            certificates: f.certificates,
        },
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::collection::vec;
    use proptest::prelude::*;

    /// A record header of a handshake or alert, then random bytes: past the first checks.
    fn record_like() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            vec(any::<u8>(), 0..2048),
            (
                prop_oneof![Just(0x15u8), Just(0x16u8)],
                any::<u16>(),
                vec(any::<u8>(), 0..1024)
            )
                .prop_map(|(kind, version, body)| {
                    let mut out = vec![kind];
                    out.extend(version.to_be_bytes());
                    out.extend((body.len() as u16).to_be_bytes());
                    out.extend(body);
                    out
                }),
        ]
    }

    proptest! {
        #[test]
        fn the_reply_readers_never_panic(reply in record_like(), suite in any::<u16>()) {
            for version in Version::ALL {
                let _ = classify(version, &reply);
                let _ = classify_suite(version, suite, &reply);
            }
            let _ = classify_rfc8998(&reply);
            let _ = classify_tlcp(&reply);
            let _ = first_flight(&reply);
        }
    }
}
