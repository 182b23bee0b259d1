//! The exact byte strings that are hashed or signed. Text forms are `name=value` lines in a
//! fixed order after a type tag; values may not contain a newline, so no two different
//! records share an encoding. Binary forms (block header) are fixed-width big-endian.

use crate::digest::sm3;

/// A field holds a line break, which would make the canonical bytes ambiguous; names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{0}` contains a line break and cannot be encoded canonically")]
pub struct LineBreakInField(pub &'static str);

fn lines(tag: &str, fields: &[(&'static str, &str)]) -> Result<Vec<u8>, LineBreakInField> {
    let mut out = String::with_capacity(256);
    out.push_str(tag);
    out.push('\n');
    for (name, value) in fields {
        if value.contains(['\n', '\r']) {
            return Err(LineBreakInField(name));
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
        out.push('\n');
    }
    Ok(out.into_bytes())
}

/// The receipt fields covered by the platform's SM2 receipt signature, in signing order.
/// Absent optional fields are signed as empty values.
pub const RECEIPT_SIGNED_FIELDS: [&str; 11] = [
    "evidence_id",
    "file_hash",
    "hash_algorithm",
    "business_type",
    "tx_id",
    "block_height",
    "block_hash",
    "tx_time",
    "tianping_tx",
    "timestamp_tsa",
    "organization",
];

/// Bytes the platform signs for a receipt: `values` in [`RECEIPT_SIGNED_FIELDS`] order.
pub fn receipt_signing_bytes(values: &[&str; 11]) -> Result<Vec<u8>, LineBreakInField> {
    let fields: Vec<(&'static str, &str)> = RECEIPT_SIGNED_FIELDS
        .iter()
        .copied()
        .zip(values.iter().copied())
        .collect();
    lines("tp-receipt-v1", &fields)
}

/// A deposit transaction as it is hashed into its id.
pub struct TxFields<'a> {
    /// The deposit's evidence id.
    pub evidence_id: &'a str,
    /// SM3 of the original, lower-case hex.
    pub file_hash: &'a str,
    /// Business type of the deposit.
    pub business_type: &'a str,
    /// SM3 of the depositor's identity record: the chain carries no personal data.
    pub depositor_digest: &'a str,
    /// When the deposit was submitted (RFC 3339).
    pub submitted_at: &'a str,
}

/// The canonical bytes of a deposit transaction (profile §5), which its hash and signature cover.
pub fn tx_bytes(tx: &TxFields<'_>) -> Result<Vec<u8>, LineBreakInField> {
    lines(
        "tp-tx-v1",
        &[
            ("evidence_id", tx.evidence_id),
            ("file_hash", tx.file_hash),
            ("business_type", tx.business_type),
            ("depositor_digest", tx.depositor_digest),
            ("submitted_at", tx.submitted_at),
        ],
    )
}

/// Transaction id: SM3 over [`tx_bytes`].
pub fn tx_id(tx: &TxFields<'_>) -> Result<[u8; 32], LineBreakInField> {
    Ok(sm3(&tx_bytes(tx)?))
}

/// Block header: height (u64 BE) || prev_hash (32) || tx_root (32) || timestamp_ms (i64 BE).
pub fn block_header_bytes(
    height: u64,
    prev_hash: &[u8; 32],
    tx_root: &[u8; 32],
    timestamp_ms: i64,
) -> [u8; 80] {
    let mut out = [0u8; 80];
    out[..8].copy_from_slice(&height.to_be_bytes());
    out[8..40].copy_from_slice(prev_hash);
    out[40..72].copy_from_slice(tx_root);
    out[72..].copy_from_slice(&timestamp_ms.to_be_bytes());
    out
}

/// Block hash: SM3 over [`block_header_bytes`]. The node's SM2 signature covers this hash.
pub fn block_hash(
    height: u64,
    prev_hash: &[u8; 32],
    tx_root: &[u8; 32],
    timestamp_ms: i64,
) -> [u8; 32] {
    sm3(&block_header_bytes(
        height,
        prev_hash,
        tx_root,
        timestamp_ms,
    ))
}

/// The string an API client authenticates with HMAC-SM3 (see docs/profile.md §3).
pub fn request_string_to_sign(
    method: &str,
    path_and_query: &str,
    timestamp: &str,
    nonce: &str,
    body: &[u8],
) -> Result<Vec<u8>, LineBreakInField> {
    let body_digest = crate::digest::sm3_hex(body);
    lines(
        "TP-HMAC-SM3",
        &[
            ("method", method),
            ("path", path_and_query),
            ("timestamp", timestamp),
            ("nonce", nonce),
            ("body_sm3", &body_digest),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_bytes_are_tagged_ordered_lines() {
        let values = [
            "e1",
            "h",
            "SM3",
            "copyright",
            "t",
            "7",
            "b",
            "2026-01-01T00:00:00Z",
            "tp",
            "tok",
            "",
        ];
        let bytes = receipt_signing_bytes(&values).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("tp-receipt-v1\nevidence_id=e1\nfile_hash=h\n"));
        assert!(text.ends_with("timestamp_tsa=tok\norganization=\n"));
    }

    #[test]
    fn a_line_break_cannot_smuggle_a_second_field() {
        let mut values = [""; 11];
        values[0] = "e1\nfile_hash=forged";
        assert_eq!(
            receipt_signing_bytes(&values),
            Err(LineBreakInField("evidence_id"))
        );
    }

    #[test]
    fn block_header_layout_is_fixed_width() {
        let h = block_header_bytes(1, &[2; 32], &[3; 32], 4);
        assert_eq!(&h[..8], &[0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(h[8], 2);
        assert_eq!(h[40], 3);
        assert_eq!(&h[72..], &[0, 0, 0, 0, 0, 0, 0, 4]);
    }
}
