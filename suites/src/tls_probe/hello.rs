//! ClientHello builders, byte for byte: exactly the versions, suites and extensions a probe
//! means to offer, which no TLS library would send on request.

use super::{RFC8998_SUITES, TLCP_VERSION, Version};

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
    // TLS 1.3 with the international suites and RFC 8998's SM ones: a server that speaks
    // TLS 1.3 with SM only (GmSSL's) speaks TLS 1.3 all the same.
    const MODERN_TLS13: [u16; 5] = [0x1301, 0x1302, 0x1303, 0x00c6, 0x00c7];
    match version {
        Version::Tls13 => MODERN_TLS13.to_vec(),
        Version::Tls12 => [&MODERN_TLS12[..], &LEGACY_SUITES[..]].concat(),
        _ => LEGACY_SUITES.to_vec(),
    }
}

/// A ClientHello for `version` offering exactly `suites`.
pub fn client_hello_offering(version: Version, server_name: &str, suites: &[u16]) -> Vec<u8> {
    let mut exts = Vec::new();
    let tls13 = version == Version::Tls13;
    if version != Version::Ssl3 {
        exts.extend(sni_extension(server_name));
        // TLS 1.3 also offers curveSM2 (41) and sm2sig_sm3 (0x0708), RFC 8998.
        let groups: &[u16] = if tls13 {
            &[0x001d, 0x0017, 0x0018, 0x0029]
        } else {
            &[0x001d, 0x0017, 0x0018]
        };
        exts.extend(ext(0x000a, &list16(groups)));
        exts.extend(ext(0x000b, &[1, 0]));
        let mut schemes = vec![
            0x0403, 0x0503, 0x0804, 0x0805, 0x0401, 0x0501, 0x0201, 0x0203,
        ];
        if tls13 {
            schemes.push(0x0708);
        }
        exts.extend(ext(0x000d, &list16(&schemes)));
        exts.extend(ext(0xff01, &[0]));
    }
    if tls13 {
        exts.extend(ext(0x002b, &[2, 0x03, 0x04]));
        // Key shares for x25519 and curveSM2, so either kind of server can answer at once.
        let mut x25519 = vec![0x00, 0x1d, 0x00, 0x20];
        x25519.extend_from_slice(&tianping_profile::digest::sm3(b"probe x25519 share"));
        let mut shares_body = x25519;
        shares_body.extend(sm2_key_share(b"tls 1.3 version probe share"));
        let mut shares = (shares_body.len() as u16).to_be_bytes().to_vec();
        shares.extend(shares_body);
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

/// A TLS 1.3 ClientHello offering only the RFC 8998 suites, signature scheme sm2sig_sm3
/// (0x0708) and group curveSM2 (41), with an SM2 key share.
pub fn rfc8998_client_hello(server_name: &str) -> Vec<u8> {
    let mut exts = Vec::new();
    exts.extend(sni_extension(server_name));
    exts.extend(ext(0x000a, &list16(&[0x0029])));
    exts.extend(ext(0x000d, &list16(&[0x0708])));
    exts.extend(ext(0x002b, &[2, 0x03, 0x04]));
    let share = sm2_key_share(b"rfc 8998 probe share");
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

/// A curveSM2 (41) KeyShareEntry: a point on the SM2 curve derived from `seed`.
fn sm2_key_share(seed: &[u8]) -> Vec<u8> {
    let key = tianping_profile::sm2sig::signing_key_from_seed(
        tianping_profile::sm2sig::DEFAULT_DIST_ID,
        seed,
    );
    let point = tianping_profile::sm2sig::public_key_bytes(&key);
    let mut share = vec![0x00, 0x29];
    share.extend_from_slice(&(point.len() as u16).to_be_bytes());
    share.extend_from_slice(&point);
    share
}

/// A TLCP ClientHello offering exactly `suites`, without extensions (as GM clients send).
pub fn tlcp_client_hello(suites: &[u16]) -> Vec<u8> {
    let mut body = TLCP_VERSION.to_be_bytes().to_vec();
    body.extend_from_slice(&tianping_profile::digest::sm3(b"tlcp probe random"));
    body.push(0);
    body.extend(list16(suites));
    body.extend_from_slice(&[1, 0]);
    hello_record(TLCP_VERSION, &body)
}
