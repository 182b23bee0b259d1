//! Steps many checks share: profile endpoints, a signed deposit, platform metadata, blocks,
//! certificates from PEM. Checks call these instead of repeating them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use tianping_engine::Method;
use tianping_engine::http::Exchange;
use tianping_engine::{CheckError, Ctx};

/// Profile endpoints (docs/profile.md §4).
pub mod paths {
    pub const PLATFORM: &str = "/api/v1/platform";
    pub const LOGIN: &str = "/api/v1/auth/login";
    pub const SESSION: &str = "/api/v1/auth/session";
    pub const LOGOUT: &str = "/api/v1/auth/logout";
    pub const EVIDENCE: &str = "/api/v1/evidence";
    pub const CHAIN_HEAD: &str = "/api/v1/chain/head";

    pub fn evidence(id: &str) -> String {
        format!("{EVIDENCE}/{}", urlencode(id))
    }
    pub fn verify(id: &str) -> String {
        format!("{EVIDENCE}/{}/verify", urlencode(id))
    }
    pub fn block(height: u64) -> String {
        format!("/api/v1/chain/blocks/{height}")
    }
    pub fn tx(tx_id: &str) -> String {
        format!("/api/v1/chain/tx/{}", urlencode(tx_id))
    }
    pub fn tx_proof(tx_id: &str) -> String {
        format!("/api/v1/chain/tx/{}/proof", urlencode(tx_id))
    }

    /// Ids come from the platform: never let one add path segments or a query.
    fn urlencode(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }
}

/// Content the harness deposits: unique per call so platforms cannot deduplicate it.
pub fn lab_content(ctx: &Ctx, purpose: &str) -> Vec<u8> {
    format!("天平链接入测评 tianping-harness {purpose} {}", ctx.nonce()).into_bytes()
}

/// The deposit request body for `content`, with the lab's test depositor.
pub fn deposit_body(ctx: &Ctx, content: &[u8]) -> Value {
    let d = &ctx.config.deposit;
    json!({
        "content_base64": B64.encode(content),
        "business_type": d.business_type,
        "depositor": {"type": d.depositor_type, "name": d.depositor_name, "id_number": d.depositor_id_number},
    })
}

/// Deposits `content` and returns the exchange and the receipt; a refusal is inconclusive
/// for the caller, since the check needed a receipt to judge anything.
pub async fn deposit(ctx: &Ctx, content: &[u8]) -> Result<(Exchange, Value), CheckError> {
    let ex = ctx
        .signed(
            Method::POST,
            paths::EVIDENCE,
            Some(&deposit_body(ctx, content)),
        )
        .await?;
    tianping_engine::context::expect_success(&ex)?;
    let receipt = ex.json()?;
    Ok((ex, receipt))
}

/// Platform metadata. When none of its core fields is where the field map points, that is a
/// configuration problem, reported as such (inconclusive) rather than as findings.
pub async fn platform_info(ctx: &Ctx) -> Result<Value, CheckError> {
    let (ex, info) = ctx.get_json(paths::PLATFORM).await?;
    const CORE: [&str; 4] = [
        "platform_hash_algorithm",
        "platform_signature_algorithm",
        "platform_signing_certificate",
        "platform_business_types",
    ];
    if CORE.iter().all(|f| ctx.fields.get(&info, f).is_none()) {
        return Err(CheckError::Field {
            field: "platform metadata".into(),
            detail: format!(
                "none of its fields is at its configured pointer; check [fields] in the config. Response: {}",
                ex.excerpt()
            ),
        });
    }
    Ok(info)
}

pub fn hex32(ctx: &Ctx, doc: &Value, field: &str) -> Result<[u8; 32], CheckError> {
    let s = ctx.fields.str(doc, field)?;
    tianping_profile::digest::parse_digest_hex(s).ok_or_else(|| CheckError::Field {
        field: field.into(),
        detail: format!("`{s}` is not 64 lowercase hex characters"),
    })
}

/// A block as the chain checks need it.
pub struct BlockView {
    pub height: u64,
    pub hash: [u8; 32],
    pub prev_hash: [u8; 32],
    pub tx_root: [u8; 32],
    pub timestamp_ms: i64,
    pub tx_ids: Vec<[u8; 32]>,
    pub signature: Vec<u8>,
}

/// The transaction ids a block document lists.
pub fn tx_ids_of(
    fields: &tianping_engine::fields::FieldMap,
    block: &Value,
) -> Result<Vec<[u8; 32]>, CheckError> {
    match fields.get(block, "block_tx_ids") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(tianping_profile::digest::parse_digest_hex)
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| CheckError::Field {
                field: "block_tx_ids".into(),
                detail: "not a list of 64-hex ids".into(),
            }),
        _ => Err(CheckError::Field {
            field: "block_tx_ids".into(),
            detail: "absent or not a list".into(),
        }),
    }
}

/// Reads a block document into a [`BlockView`].
pub fn block_view(
    fields: &tianping_engine::fields::FieldMap,
    b: &Value,
) -> Result<BlockView, CheckError> {
    let hash = |field: &str| -> Result<[u8; 32], CheckError> {
        let s = fields.str(b, field)?;
        tianping_profile::digest::parse_digest_hex(s).ok_or_else(|| CheckError::Field {
            field: field.into(),
            detail: format!("`{s}` is not 64 lowercase hex characters"),
        })
    };
    let signature = fields
        .opt_str(b, "block_signature")?
        .map(|s| B64.decode(s).unwrap_or_default())
        .unwrap_or_default();
    Ok(BlockView {
        height: fields.u64(b, "block_number")?,
        hash: hash("block_own_hash")?,
        prev_hash: hash("block_prev_hash")?,
        tx_root: hash("block_tx_root")?,
        timestamp_ms: fields.i64(b, "block_timestamp_ms")?,
        tx_ids: tx_ids_of(fields, b)?,
        signature,
    })
}

pub async fn fetch_block(ctx: &Ctx, height: u64) -> Result<BlockView, CheckError> {
    let (_, b) = ctx.get_json(&paths::block(height)).await?;
    block_view(&ctx.fields, &b)
}

/// Heights of the newest `n` blocks (lab threshold `blocks_to_sample`), oldest first.
pub async fn newest_heights(ctx: &Ctx, n: u64) -> Result<Vec<u64>, CheckError> {
    let (_, head) = ctx.get_json(paths::CHAIN_HEAD).await?;
    let top = ctx.fields.u64(&head, "block_number")?;
    let first = (top + 1).saturating_sub(n.max(1));
    Ok((first..=top).collect())
}

/// Decodes every PEM CERTIFICATE block in `text` into DER.
pub fn pem_certificates(text: &str) -> Result<Vec<Vec<u8>>, CheckError> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let after = &rest[start + 27..];
        let end = after
            .find("-----END CERTIFICATE-----")
            .ok_or_else(|| CheckError::protocol("unterminated PEM certificate"))?;
        let b64: String = after[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push(
            B64.decode(b64)
                .map_err(|e| CheckError::protocol(format!("PEM certificate is not base64: {e}")))?,
        );
        rest = &after[end..];
    }
    Ok(out)
}

/// The platform's published SM2 certificates: (role, DER), CA certificates last.
pub async fn platform_sm2_certificates(ctx: &Ctx) -> Result<Vec<(String, Vec<u8>)>, CheckError> {
    let info = platform_info(ctx).await?;
    let mut certs = Vec::new();
    for (role, field) in [
        ("receipt signing", "platform_signing_certificate"),
        ("TSA", "platform_tsa_certificate"),
    ] {
        if let Some(pem) = ctx.fields.opt_str(&info, field)? {
            certs.extend(
                pem_certificates(pem)?
                    .into_iter()
                    .map(|d| (role.to_string(), d)),
            );
        }
    }
    if let Some(Value::Array(cas)) = ctx.fields.get(&info, "platform_ca_certificates") {
        for pem in cas.iter().filter_map(Value::as_str) {
            certs.extend(
                pem_certificates(pem)?
                    .into_iter()
                    .map(|d| ("CA".to_string(), d)),
            );
        }
    }
    if certs.is_empty() {
        return Err(CheckError::Field {
            field: "platform_signing_certificate".into(),
            detail: "the platform publishes no certificates".into(),
        });
    }
    Ok(certs)
}

/// Subject, serial and SHA-256/SM3 fingerprints: how every finding names a certificate.
pub fn describe_certificate(der: &[u8]) -> String {
    let fp_sha = tianping_profile::digest::sha256_hex(der);
    let fp_sm3 = tianping_profile::digest::sm3_hex(der);
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => format!(
            "subject \"{}\", serial {}, SHA-256 {fp_sha}, SM3 {fp_sm3}",
            c.subject(),
            c.raw_serial_as_string()
        ),
        Err(_) => format!("unparseable certificate, SHA-256 {fp_sha}, SM3 {fp_sm3}"),
    }
}

/// Sends a signed deposit with an arbitrary body, without requiring success: for checks that
/// expect the platform to refuse.
pub async fn deposit_raw(ctx: &Ctx, body: &Value) -> Result<Exchange, CheckError> {
    ctx.signed(Method::POST, paths::EVIDENCE, Some(body)).await
}

/// A refusal: a 4xx answer, or a 2xx whose body carries no transaction id.
pub fn refused(ctx: &Ctx, ex: &Exchange) -> bool {
    (400..500).contains(&ex.status)
        || (ex.is_success()
            && ex
                .json()
                .ok()
                .and_then(|v| ctx.fields.get(&v, "tx_id").cloned())
                .is_none())
}

/// Unmasked personal data in any string of a JSON document: 18-character resident IDs with a
/// valid GB 11643 check character and 11-digit mainland mobile numbers. Values are split at
/// non-alphanumeric characters and a token must match whole, so hex digests and base64
/// signatures (long tokens) never match by accident.
pub fn personal_data_tokens(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    collect_personal_data(doc, &mut found);
    found
}

fn collect_personal_data(doc: &Value, found: &mut Vec<String>) {
    match doc {
        Value::String(s) => {
            for token in s.split(|c: char| !c.is_ascii_alphanumeric()) {
                if is_resident_id(token) {
                    found.push(format!("resident ID {}", mask(token)));
                } else if is_mobile(token) {
                    found.push(format!("mobile number {}", mask(token)));
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_personal_data(v, found)),
        Value::Object(map) => map.values().for_each(|v| collect_personal_data(v, found)),
        _ => {}
    }
}

pub fn is_resident_id(token: &str) -> bool {
    let b = token.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| (d - b'0') as u32 * w)
        .sum();
    b"10X98765432"[(sum % 11) as usize] == b[17].to_ascii_uppercase()
}

fn is_mobile(token: &str) -> bool {
    let b = token.as_bytes();
    b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
}

/// Evidence never repeats the personal data it found: first 3 and last 2 characters only.
fn mask(token: &str) -> String {
    format!("{}…{}", &token[..3], &token[token.len() - 2..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_unmasked_ids_and_mobiles_but_not_digests() {
        let doc = json!({
            "depositor": {"id_number": "11010519491231002X", "phone": "13800138000"},
            "masked": "110105********002X",
            "hash": "1101051949123100211010519491231002x66c7f0f462eeedd9d1f2d46bdc10e4e2",
            "path": "/a/11010519491231002X/b",
        });
        let found = personal_data_tokens(&doc);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(
            found.iter().all(|f| !f.contains("11010519491231002X")),
            "evidence masks what it found"
        );
    }

    #[test]
    fn an_id_with_a_wrong_check_character_is_not_counted_as_an_id() {
        assert!(is_resident_id("11010519491231002X"));
        assert!(!is_resident_id("110105194912310021"));
    }
}
