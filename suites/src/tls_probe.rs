//! Raw TLS protocol probes: a hand-built ClientHello offering exactly one protocol version,
//! and a verdict on what the server answered. No TLS library is involved, so the probe sees
//! what the server accepts rather than what a client stack is willing to negotiate.

use std::time::Duration;

use tianping_engine::Ctx;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

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

fn ext(ty: u16, body: &[u8]) -> Vec<u8> {
    let mut out = ty.to_be_bytes().to_vec();
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn list16(items: &[u16]) -> Vec<u8> {
    let mut out = ((items.len() * 2) as u16).to_be_bytes().to_vec();
    for i in items {
        out.extend_from_slice(&i.to_be_bytes());
    }
    out
}

/// server_name (SNI) for a host name; none for an IP address.
fn sni_extension(server_name: &str) -> Vec<u8> {
    let host = server_name.as_bytes();
    if server_name.parse::<std::net::IpAddr>().is_ok() || host.is_empty() {
        return Vec::new();
    }
    let mut entry = vec![0u8];
    entry.extend_from_slice(&(host.len() as u16).to_be_bytes());
    entry.extend_from_slice(host);
    let mut list = (entry.len() as u16).to_be_bytes().to_vec();
    list.extend(entry);
    ext(0x0000, &list)
}

/// A ClientHello handshake message in one record of `record_version`.
fn hello_record(record_version: u16, body: &[u8]) -> Vec<u8> {
    let mut hs = vec![0x01];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(body);
    let mut record = vec![0x16];
    record.extend_from_slice(&record_version.to_be_bytes());
    record.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    record.extend(hs);
    record
}

/// A ClientHello offering only `version`, with the suites and extensions a server of that
/// version expects (SNI, groups, signature algorithms; for TLS 1.3 supported_versions and an
/// x25519 key share).
pub fn client_hello(version: Version, server_name: &str) -> Vec<u8> {
    client_hello_offering(version, server_name, &default_suites(version))
}

/// The suites a version probe offers: what a server of that version commonly accepts.
fn default_suites(version: Version) -> Vec<u16> {
    const LEGACY_SUITES: [u16; 9] = [
        0xc013, 0xc014, 0xc009, 0xc00a, 0x002f, 0x0035, 0x000a, 0x0005, 0x0004,
    ];
    const MODERN_TLS12: [u16; 8] = [
        0xc02f, 0xc030, 0xc02b, 0xc02c, 0xcca8, 0xcca9, 0x009c, 0x009d,
    ];
    const MODERN_TLS13: [u16; 3] = [0x1301, 0x1302, 0x1303];
    match version {
        Version::Tls13 => MODERN_TLS13.to_vec(),
        Version::Tls12 => [&MODERN_TLS12[..], &LEGACY_SUITES[..]].concat(),
        _ => LEGACY_SUITES.to_vec(),
    }
}

/// A ClientHello for `version` offering exactly `suites`.
pub fn client_hello_offering(version: Version, server_name: &str, suites: &[u16]) -> Vec<u8> {
    let mut exts = Vec::new();
    if version != Version::Ssl3 {
        exts.extend(sni_extension(server_name));
        exts.extend(ext(0x000a, &list16(&[0x001d, 0x0017, 0x0018])));
        exts.extend(ext(0x000b, &[1, 0]));
        exts.extend(ext(
            0x000d,
            &list16(&[
                0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203,
            ]),
        ));
        exts.extend(ext(0xff01, &[0]));
    }
    if version == Version::Tls13 {
        exts.extend(ext(0x002b, &[2, 0x03, 0x04]));
        let mut share = vec![0x00, 0x1d, 0x00, 0x20];
        share.extend_from_slice(&tianping_profile::digest::sm3(b"probe x25519 share"));
        let mut shares = (share.len() as u16).to_be_bytes().to_vec();
        shares.extend(share);
        exts.extend(ext(0x0033, &shares));
        exts.extend(ext(0x002d, &[1, 1]));
    }
    let legacy_version = version.wire().min(0x0303);
    let mut body = legacy_version.to_be_bytes().to_vec();
    body.extend_from_slice(&tianping_profile::digest::sm3(server_name.as_bytes()));
    body.push(32);
    body.extend_from_slice(&tianping_profile::digest::sm3(b"probe session id"));
    body.extend(list16(suites));
    body.extend_from_slice(&[1, 0]);
    if !exts.is_empty() {
        body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
        body.extend(exts);
    }
    let record_version: u16 = if version == Version::Ssl3 {
        0x0300
    } else {
        0x0301
    };
    hello_record(record_version, &body)
}

/// Classifies the first record the server sent back.
pub fn classify(version: Version, reply: &[u8]) -> ProbeResult {
    if reply.is_empty() {
        return ProbeResult::Refused("connection closed without a reply".into());
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
    match classify(version, reply) {
        ProbeResult::Accepted => match server_hello_suite(reply) {
            Some(chosen) if chosen == suite => ProbeResult::Accepted,
            Some(chosen) => ProbeResult::Inconclusive(format!(
                "the server chose suite {chosen:#06x}, which was not offered"
            )),
            None => ProbeResult::Inconclusive("truncated ServerHello".into()),
        },
        other => other,
    }
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
    match first_record(ctx, host, port, &hello).await {
        Ok(reply) => classify_suite(version, suite, &reply),
        Err(why) => ProbeResult::Inconclusive(why),
    }
}

/// How a suite agrees on keys: forward secret or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// Ephemeral (EC)DHE, or any TLS 1.3 suite.
    Ephemeral,
    /// Static RSA key transport or static (EC)DH: no forward secrecy.
    Static,
    /// Anonymous Diffie-Hellman: no authentication at all.
    Anonymous,
}

/// A cipher suite the prober knows, with what makes it weak, if anything.
#[derive(Debug, Clone, Copy)]
pub struct SuiteInfo {
    pub id: u16,
    pub name: &'static str,
    pub key_exchange: KeyExchange,
    /// NULL, EXPORT, RC4, DES, 3DES or MD5: never acceptable.
    pub weakness: Option<&'static str>,
}

const fn suite(
    id: u16,
    name: &'static str,
    key_exchange: KeyExchange,
    weakness: Option<&'static str>,
) -> SuiteInfo {
    SuiteInfo {
        id,
        name,
        key_exchange,
        weakness,
    }
}

use KeyExchange::{Anonymous, Ephemeral, Static};

/// TLS 1.0–1.2 suites probed one by one: the strong ones in use (AES, ChaCha20, CAMELLIA,
/// ARIA, SEED), the non-forward-secret ones (static RSA, static ECDH), and the broken families
/// (NULL, EXPORT, RC4, DES, 3DES, IDEA, anonymous, MD5).
pub const TLS12_SUITES: &[SuiteInfo] = &[
    suite(
        0xC02B,
        "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC02C,
        "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        Ephemeral,
        None,
    ),
    suite(0xC02F, "ECDHE_RSA_WITH_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0xC030, "ECDHE_RSA_WITH_AES_256_GCM_SHA384", Ephemeral, None),
    suite(
        0xCCA8,
        "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xCCA9,
        "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        Ephemeral,
        None,
    ),
    suite(0x009E, "DHE_RSA_WITH_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0x009F, "DHE_RSA_WITH_AES_256_GCM_SHA384", Ephemeral, None),
    suite(
        0xCCAA,
        "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        Ephemeral,
        None,
    ),
    suite(0xC009, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0xC00A, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(0xC013, "ECDHE_RSA_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0xC014, "ECDHE_RSA_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(
        0xC023,
        "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC024,
        "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        Ephemeral,
        None,
    ),
    suite(0xC027, "ECDHE_RSA_WITH_AES_128_CBC_SHA256", Ephemeral, None),
    suite(0xC028, "ECDHE_RSA_WITH_AES_256_CBC_SHA384", Ephemeral, None),
    suite(0x0033, "DHE_RSA_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0x0039, "DHE_RSA_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(0x0067, "DHE_RSA_WITH_AES_128_CBC_SHA256", Ephemeral, None),
    suite(0x006B, "DHE_RSA_WITH_AES_256_CBC_SHA256", Ephemeral, None),
    suite(0x009C, "RSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0x009D, "RSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(0x002F, "RSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0x0035, "RSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0x003C, "RSA_WITH_AES_128_CBC_SHA256", Static, None),
    suite(0x003D, "RSA_WITH_AES_256_CBC_SHA256", Static, None),
    suite(0x000A, "RSA_WITH_3DES_EDE_CBC_SHA", Static, Some("3DES")),
    suite(
        0xC012,
        "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(
        0x0016,
        "DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(0x0009, "RSA_WITH_DES_CBC_SHA", Static, Some("DES")),
    suite(0x0005, "RSA_WITH_RC4_128_SHA", Static, Some("RC4")),
    suite(0x0004, "RSA_WITH_RC4_128_MD5", Static, Some("RC4 with MD5")),
    suite(0xC011, "ECDHE_RSA_WITH_RC4_128_SHA", Ephemeral, Some("RC4")),
    suite(
        0xC007,
        "ECDHE_ECDSA_WITH_RC4_128_SHA",
        Ephemeral,
        Some("RC4"),
    ),
    suite(0x0003, "RSA_EXPORT_WITH_RC4_40_MD5", Static, Some("EXPORT")),
    suite(
        0x0008,
        "RSA_EXPORT_WITH_DES40_CBC_SHA",
        Static,
        Some("EXPORT"),
    ),
    suite(0x0001, "RSA_WITH_NULL_MD5", Static, Some("NULL encryption")),
    suite(0x0002, "RSA_WITH_NULL_SHA", Static, Some("NULL encryption")),
    suite(
        0x003B,
        "RSA_WITH_NULL_SHA256",
        Static,
        Some("NULL encryption"),
    ),
    suite(
        0xC010,
        "ECDHE_RSA_WITH_NULL_SHA",
        Ephemeral,
        Some("NULL encryption"),
    ),
    suite(
        0x0034,
        "DH_anon_WITH_AES_128_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x00A6,
        "DH_anon_WITH_AES_128_GCM_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC018,
        "ECDH_anon_WITH_AES_128_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x0018,
        "DH_anon_WITH_RC4_128_MD5",
        Anonymous,
        Some("anonymous"),
    ),
    suite(0x0032, "DHE_DSS_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0x0038, "DHE_DSS_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(0x0040, "DHE_DSS_WITH_AES_128_CBC_SHA256", Ephemeral, None),
    suite(0x006A, "DHE_DSS_WITH_AES_256_CBC_SHA256", Ephemeral, None),
    suite(0x00A2, "DHE_DSS_WITH_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0x00A3, "DHE_DSS_WITH_AES_256_GCM_SHA384", Ephemeral, None),
    suite(0xC09E, "DHE_RSA_WITH_AES_128_CCM", Ephemeral, None),
    suite(0xC09F, "DHE_RSA_WITH_AES_256_CCM", Ephemeral, None),
    suite(0xC0A2, "DHE_RSA_WITH_AES_128_CCM_8", Ephemeral, None),
    suite(0xC0A3, "DHE_RSA_WITH_AES_256_CCM_8", Ephemeral, None),
    suite(0xC0AC, "ECDHE_ECDSA_WITH_AES_128_CCM", Ephemeral, None),
    suite(0xC0AD, "ECDHE_ECDSA_WITH_AES_256_CCM", Ephemeral, None),
    suite(0xC0AE, "ECDHE_ECDSA_WITH_AES_128_CCM_8", Ephemeral, None),
    suite(0xC0AF, "ECDHE_ECDSA_WITH_AES_256_CCM_8", Ephemeral, None),
    suite(0x0045, "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", Ephemeral, None),
    suite(0x0088, "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", Ephemeral, None),
    suite(
        0x00BE,
        "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0x00C4,
        "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC072,
        "ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC073,
        "ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        Ephemeral,
        None,
    ),
    suite(
        0xC076,
        "ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC077,
        "ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        Ephemeral,
        None,
    ),
    suite(0xC052, "DHE_RSA_WITH_ARIA_128_GCM_SHA256", Ephemeral, None),
    suite(0xC053, "DHE_RSA_WITH_ARIA_256_GCM_SHA384", Ephemeral, None),
    suite(
        0xC05C,
        "ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC05D,
        "ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        Ephemeral,
        None,
    ),
    suite(
        0xC060,
        "ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC061,
        "ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        Ephemeral,
        None,
    ),
    suite(0x009A, "DHE_RSA_WITH_SEED_CBC_SHA", Ephemeral, None),
    suite(0x0041, "RSA_WITH_CAMELLIA_128_CBC_SHA", Static, None),
    suite(0x0084, "RSA_WITH_CAMELLIA_256_CBC_SHA", Static, None),
    suite(0x00BA, "RSA_WITH_CAMELLIA_128_CBC_SHA256", Static, None),
    suite(0x00C0, "RSA_WITH_CAMELLIA_256_CBC_SHA256", Static, None),
    suite(0xC050, "RSA_WITH_ARIA_128_GCM_SHA256", Static, None),
    suite(0xC051, "RSA_WITH_ARIA_256_GCM_SHA384", Static, None),
    suite(0x0096, "RSA_WITH_SEED_CBC_SHA", Static, None),
    suite(0xC09C, "RSA_WITH_AES_128_CCM", Static, None),
    suite(0xC09D, "RSA_WITH_AES_256_CCM", Static, None),
    suite(0xC0A0, "RSA_WITH_AES_128_CCM_8", Static, None),
    suite(0xC0A1, "RSA_WITH_AES_256_CCM_8", Static, None),
    suite(0xC004, "ECDH_ECDSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0xC005, "ECDH_ECDSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0xC00E, "ECDH_RSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0xC00F, "ECDH_RSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0xC02D, "ECDH_ECDSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0xC02E, "ECDH_ECDSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(0xC031, "ECDH_RSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0xC032, "ECDH_RSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(
        0x0013,
        "DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(
        0xC008,
        "ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(
        0x0007,
        "RSA_WITH_IDEA_CBC_SHA",
        Static,
        Some("IDEA (64-bit block)"),
    ),
    suite(0x0015, "DHE_RSA_WITH_DES_CBC_SHA", Ephemeral, Some("DES")),
    suite(0x0012, "DHE_DSS_WITH_DES_CBC_SHA", Ephemeral, Some("DES")),
    suite(
        0x0006,
        "RSA_EXPORT_WITH_RC2_CBC_40_MD5",
        Static,
        Some("EXPORT"),
    ),
    suite(
        0x0014,
        "DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
        Ephemeral,
        Some("EXPORT"),
    ),
    suite(
        0x0011,
        "DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
        Ephemeral,
        Some("EXPORT"),
    ),
    suite(
        0xC006,
        "ECDHE_ECDSA_WITH_NULL_SHA",
        Ephemeral,
        Some("NULL encryption"),
    ),
    suite(
        0x003A,
        "DH_anon_WITH_AES_256_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x006C,
        "DH_anon_WITH_AES_128_CBC_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x006D,
        "DH_anon_WITH_AES_256_CBC_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x00A7,
        "DH_anon_WITH_AES_256_GCM_SHA384",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x001B,
        "DH_anon_WITH_3DES_EDE_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC015,
        "ECDH_anon_WITH_NULL_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC016,
        "ECDH_anon_WITH_RC4_128_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC017,
        "ECDH_anon_WITH_3DES_EDE_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC019,
        "ECDH_anon_WITH_AES_256_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
];

/// TLS 1.3 suites (RFC 8446); the RFC 8998 SM suites are CERT-006's.
pub const TLS13_SUITES: &[SuiteInfo] = &[
    suite(0x1301, "TLS_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0x1302, "TLS_AES_256_GCM_SHA384", Ephemeral, None),
    suite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", Ephemeral, None),
    suite(0x1304, "TLS_AES_128_CCM_SHA256", Ephemeral, None),
    suite(0x1305, "TLS_AES_128_CCM_8_SHA256", Ephemeral, None),
];

/// The suites probed for `version`.
pub fn suites_for(version: Version) -> &'static [SuiteInfo] {
    match version {
        Version::Tls13 => TLS13_SUITES,
        _ => TLS12_SUITES,
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

/// Sends one ClientHello and reads the first record back, within the client's timeouts.
pub async fn probe(
    ctx: &Ctx,
    host: &str,
    port: u16,
    server_name: &str,
    version: Version,
) -> ProbeResult {
    match first_record(ctx, host, port, &client_hello(version, server_name)).await {
        Ok(reply) => classify(version, &reply),
        Err(why) => ProbeResult::Inconclusive(why),
    }
}

/// Sends `hello` on a new connection and returns the first record the server sends back
/// (empty when it closes first); `Err` for no answer in time or a broken connection.
async fn first_record(ctx: &Ctx, host: &str, port: u16, hello: &[u8]) -> Result<Vec<u8>, String> {
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
    let mut reply = vec![0u8; 5];
    let read = async {
        let mut got = 0;
        while got < 5 {
            match stream.read(&mut reply[got..]).await {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if got == 0 && e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => return Err(e),
            }
        }
        reply.truncate(got);
        if got == 5 {
            let len = (u16::from_be_bytes([reply[3], reply[4]]) as usize).min(16 * 1024 + 256);
            let mut body = vec![0u8; len];
            let mut filled = 0;
            while filled < len {
                match stream.read(&mut body[filled..]).await {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) => return Err(e),
                }
            }
            reply.extend_from_slice(&body[..filled]);
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) => Err(format!("no reply within {} s", timeout.as_secs())),
        Ok(Err(e)) => Err(format!("read failed: {e}")),
        Ok(Ok(())) => Ok(reply),
    }
}

/// RFC 8998 cipher suites: TLS_SM4_GCM_SM3 and TLS_SM4_CCM_SM3.
pub const RFC8998_SUITES: [u16; 2] = [0x00C6, 0x00C7];

/// A TLS 1.3 ClientHello offering only the RFC 8998 suites, signature scheme sm2sig_sm3
/// (0x0708) and group curveSM2 (41), with an SM2 key share.
pub fn rfc8998_client_hello(server_name: &str) -> Vec<u8> {
    let mut exts = Vec::new();
    exts.extend(sni_extension(server_name));
    exts.extend(ext(0x000a, &list16(&[0x0029])));
    exts.extend(ext(0x000d, &list16(&[0x0708])));
    exts.extend(ext(0x002b, &[2, 0x03, 0x04]));
    let key = tianping_profile::sm2sig::signing_key_from_seed(
        tianping_profile::sm2sig::DEFAULT_DIST_ID,
        b"rfc 8998 probe share",
    );
    let point = tianping_profile::sm2sig::public_key_bytes(&key);
    let mut share = vec![0x00, 0x29];
    share.extend_from_slice(&(point.len() as u16).to_be_bytes());
    share.extend_from_slice(&point);
    let mut shares = (share.len() as u16).to_be_bytes().to_vec();
    shares.extend(share);
    exts.extend(ext(0x0033, &shares));
    exts.extend(ext(0x002d, &[1, 1]));
    let mut body = 0x0303u16.to_be_bytes().to_vec();
    body.extend_from_slice(&tianping_profile::digest::sm3(b"rfc 8998 probe random"));
    body.push(32);
    body.extend_from_slice(&tianping_profile::digest::sm3(b"probe session id"));
    body.extend(list16(&RFC8998_SUITES));
    body.extend_from_slice(&[1, 0]);
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend(exts);
    hello_record(0x0301, &body)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rfc8998Result {
    /// TLS 1.3 with one of the offered SM suites.
    Accepted(u16),
    /// An alert, or the connection closed: a refusal.
    Refused(String),
    /// A ServerHello that breaks the protocol (a suite or version the client never offered).
    Violation(String),
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
                Rfc8998Result::Violation(format!(
                    "the server chose suite {suite:#06x}, which the client did not offer"
                ))
            } else if !server_hello_selects_tls13(reply) {
                Rfc8998Result::Violation(
                    "the server chose an SM suite outside TLS 1.3, which the client did not offer"
                        .into(),
                )
            } else {
                Rfc8998Result::Accepted(suite)
            }
        }
        Some(b) => Rfc8998Result::Inconclusive(format!(
            "reply is not a TLS handshake or alert (first byte {b:#04x})"
        )),
    }
}

/// Offers only the RFC 8998 suites and judges the answer.
pub async fn rfc8998_probe(ctx: &Ctx, host: &str, port: u16, server_name: &str) -> Rfc8998Result {
    match first_record(ctx, host, port, &rfc8998_client_hello(server_name)).await {
        Ok(reply) => classify_rfc8998(&reply),
        Err(why) => Rfc8998Result::Inconclusive(why),
    }
}

/// The GM cipher suites of GB/T 38636 (TLCP), by code point.
pub const GM_SUITES: [(u16, &str); 4] = [
    (0xE053, "ECC_SM4_GCM_SM3"),
    (0xE013, "ECC_SM4_CBC_SM3"),
    (0xE051, "ECDHE_SM4_GCM_SM3"),
    (0xE011, "ECDHE_SM4_CBC_SM3"),
];

/// TLCP's protocol version (GB/T 38636).
pub const TLCP_VERSION: u16 = 0x0101;

/// A TLCP ClientHello offering exactly `suites`, without extensions (as GM clients send).
pub fn tlcp_client_hello(suites: &[u16]) -> Vec<u8> {
    let mut body = TLCP_VERSION.to_be_bytes().to_vec();
    body.extend_from_slice(&tianping_profile::digest::sm3(b"tlcp probe random"));
    body.push(0);
    body.extend(list16(suites));
    body.extend_from_slice(&[1, 0]);
    hello_record(TLCP_VERSION, &body)
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
struct FirstFlight {
    version: u16,
    suite: u16,
    certificates: Vec<Vec<u8>>,
}

/// Reads the ServerHello and Certificate messages out of `reply`. `Err` says why there is no
/// ServerHello: a refusal (alert, close) or something that is not a handshake.
fn first_flight(reply: &[u8]) -> Result<FirstFlight, ProbeResult> {
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
        return Err(ProbeResult::Refused(
            "connection closed without a reply".into(),
        ));
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

/// Sends `hello` and reads what comes back until a complete Certificate message arrives, the
/// server closes, 64 KiB arrive, or the client's timeout passes. `Err` when nothing came.
async fn read_first_flight(
    ctx: &Ctx,
    host: &str,
    port: u16,
    hello: &[u8],
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
        while reply.len() < 64 * 1024 {
            match stream.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => reply.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => return Err(e),
            }
            // A complete Certificate message is all a probe needs.
            if first_flight(&reply).is_ok_and(|f| !f.certificates.is_empty()) {
                break;
            }
        }
        Ok(())
    };
    match tokio::time::timeout(timeout, read).await {
        Err(_) if reply.is_empty() => Err(format!("no reply within {} s", timeout.as_secs())),
        Err(_) | Ok(Ok(())) => Ok(reply),
        Ok(Err(e)) => Err(format!("read failed: {e}")),
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
    let reply = read_first_flight(ctx, host, port, &client_hello(version, server_name)).await?;
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
    match read_first_flight(ctx, host, port, &tlcp_client_hello(suites)).await {
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
