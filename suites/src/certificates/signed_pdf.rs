//! Reading a signed PDF without trusting it: the last signature's /ByteRange must cover the
//! whole file except its own /Contents, the signature (a detached CMS SignedData, or a
//! GB/T 38540 SES_Signature electronic seal) must verify over exactly those bytes, and the
//! text the page prints is extracted for comparison with the record it certifies.
//!
//! Text extraction reads the strings shown by Tj, TJ, ' and " in every content stream
//! (uncompressed or FlateDecode). Strings in CID fonts are read as UCS-2 (UniGB-UCS2-H and
//! similar encodings); glyph-id encodings behind a ToUnicode map are not mapped, and the
//! caller reports that the printed fields could not be read rather than guessing.

use std::io::Read;

use tianping_profile::cms;
use tianping_profile::der::{Tlv, tag};

/// Decompressed bytes accepted per stream and per document (a Flate bomb stops here).
const MAX_STREAM_BYTES: u64 = 4 << 20;
const MAX_TEXT_BYTES: u64 = 16 << 20;

/// A signature that verified over the whole document.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// "CMS (adbe.pkcs7.detached)" or "GB/T 38540 electronic seal".
    pub kind: String,
    pub signer_der: Vec<u8>,
    pub digest_algorithm: String,
    /// How many signatures the document has (each revision may add one).
    pub signatures: usize,
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return Vec::new();
    }
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

fn find_from(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn skip_space(pdf: &[u8], mut at: usize) -> usize {
    while at < pdf.len() && pdf[at].is_ascii_whitespace() {
        at += 1;
    }
    at
}

/// `[a b c d]` after a /ByteRange key.
fn byte_range(pdf: &[u8], key_at: usize) -> Result<[usize; 4], String> {
    let mut at = skip_space(pdf, key_at + "/ByteRange".len());
    if pdf.get(at) != Some(&b'[') {
        return Err("/ByteRange is not an array".into());
    }
    at += 1;
    let mut values = [0usize; 4];
    for v in &mut values {
        at = skip_space(pdf, at);
        let start = at;
        while at < pdf.len() && pdf[at].is_ascii_digit() {
            at += 1;
        }
        *v = std::str::from_utf8(&pdf[start..at])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("/ByteRange does not hold four non-negative integers")?;
    }
    if pdf.get(skip_space(pdf, at)) != Some(&b']') {
        return Err("/ByteRange holds more than four numbers".into());
    }
    Ok(values)
}

/// The name after `key` inside `dict`, e.g. `/SubFilter /adbe.pkcs7.detached`.
fn name_value(dict: &[u8], key: &[u8]) -> Option<String> {
    let at = find_from(dict, 0, key)? + key.len();
    let at = skip_space(dict, at);
    if dict.get(at) != Some(&b'/') {
        return None;
    }
    let end = dict[at + 1..]
        .iter()
        .position(|b| b.is_ascii_whitespace() || b"/<>[]()".contains(b))
        .map_or(dict.len(), |p| p + at + 1);
    Some(String::from_utf8_lossy(&dict[at + 1..end]).into_owned())
}

/// Verifies the document's last signature and that it covers every byte of the file.
pub fn verify(pdf: &[u8]) -> Result<VerifiedSignature, String> {
    if !pdf.starts_with(b"%PDF-") {
        return Err("not a PDF (no %PDF- header)".into());
    }
    let ranges = find_all(pdf, b"/ByteRange");
    let Some(&last) = ranges.last() else {
        return Err("the PDF carries no signature (no /ByteRange)".into());
    };
    let [a, b, c, d] = byte_range(pdf, last)?;
    if a != 0 || b >= c || c.checked_add(d).is_none_or(|end| end > pdf.len()) {
        return Err(format!(
            "/ByteRange [{a} {b} {c} {d}] does not describe two ranges inside the {}-byte file",
            pdf.len()
        ));
    }
    if c + d < pdf.len() {
        return Err(format!(
            "{} bytes follow the signed range: the document was changed after it was signed \
             (an incremental update the signature does not cover)",
            pdf.len() - c - d
        ));
    }
    // The gap must be exactly the hex string of this signature's /Contents.
    let before = pdf[..b].trim_ascii_end();
    if !before.ends_with(b"/Contents") || pdf[b] != b'<' || pdf[c - 1] != b'>' {
        return Err("the bytes /ByteRange leaves out are not the signature's /Contents".into());
    }
    let hex_text: Vec<u8> = pdf[b + 1..c - 1]
        .iter()
        .copied()
        .filter(|x| !x.is_ascii_whitespace())
        .collect();
    let der = hex::decode(&hex_text).map_err(|_| "/Contents is not a hex string".to_string())?;
    let mut covered = pdf[..b].to_vec();
    covered.extend_from_slice(&pdf[c..c + d]);
    let dict_start = pdf[..last]
        .windows(3)
        .rposition(|w| w == b"obj")
        .unwrap_or(0);
    let dict_end = find_from(pdf, c, b"endobj").unwrap_or(pdf.len());
    let dict = &pdf[dict_start..dict_end];
    let sub_filter = name_value(dict, b"/SubFilter");
    let signatures = ranges.len();
    if let Some(seal) = verify_seal(&der, &covered)? {
        return Ok(VerifiedSignature { signatures, ..seal });
    }
    match sub_filter.as_deref() {
        Some("adbe.pkcs7.detached" | "ETSI.CAdES.detached") => {}
        Some(other) => {
            return Err(format!(
                "SubFilter /{other} is not a detached CMS signature (adbe.pkcs7.detached or \
                 ETSI.CAdES.detached)"
            ));
        }
        None => return Err("the signature dictionary has no /SubFilter".into()),
    }
    let signed = cms::read(&der).map_err(|e| format!("/Contents: {e}"))?;
    if signed.content.is_some() {
        return Err(
            "the CMS signature encapsulates content instead of signing the PDF bytes".into(),
        );
    }
    let signer = signed
        .verify(&covered)
        .map_err(|e| format!("the PDF signature: {e}"))?;
    Ok(VerifiedSignature {
        kind: format!("CMS ({})", sub_filter.unwrap_or_default()),
        signer_der: signer.to_vec(),
        digest_algorithm: signed.digest_algorithm.clone(),
        signatures,
    })
}

/// A GB/T 38540-2020 SES_Signature: `SEQUENCE { toSign TBS_Sign, cert OCTET STRING,
/// signatureAlgID OID, signature BIT STRING, timeStamp [0] OPTIONAL }`, where TBS_Sign is
/// `SEQUENCE { version, eseal SESeal, timeInfo, dataHash BIT STRING, propertyInfo, … }` and
/// the seal itself, `SESeal { esealInfo, cert, signAlgID, signedValue }`, is signed by its
/// maker. `Ok(None)` when the bytes are not shaped as a seal (the caller reads them as CMS).
fn verify_seal(der: &[u8], covered: &[u8]) -> Result<Option<VerifiedSignature>, String> {
    let Some((to_sign, signer, algorithm, signature)) = signed_quad(der) else {
        return Ok(None);
    };
    if algorithm != cms::oid::SM3_WITH_SM2 {
        return Err(format!(
            "the electronic seal is signed with {algorithm}, not SM3withSM2 (1.2.156.10197.1.501)"
        ));
    }
    let tbs = Tlv::parse(to_sign.raw)
        .and_then(|t| t.children())
        .map_err(|e| format!("seal TBS_Sign: {e}"))?;
    let data_hash = tbs
        .get(3)
        .filter(|t| t.tag == tag::BIT_STRING)
        .and_then(|t| t.content.split_first())
        .map(|(_, bits)| bits)
        .ok_or("the seal's TBS_Sign has no dataHash")?;
    if data_hash != tianping_profile::digest::sm3(covered) {
        return Err("the seal's dataHash is not the SM3 of the signed bytes: altered".into());
    }
    check_signed(signer, to_sign.raw, signature, "the signer's signature")?;
    let eseal = tbs.get(1).ok_or("the seal's TBS_Sign has no eseal")?;
    let (seal_info, maker, maker_alg, maker_signature) =
        signed_quad(eseal.raw).ok_or("the eseal is not a SESeal")?;
    if maker_alg != cms::oid::SM3_WITH_SM2 {
        return Err(format!(
            "the seal maker signed with {maker_alg}, not SM3withSM2"
        ));
    }
    check_signed(
        maker,
        seal_info.raw,
        maker_signature,
        "the seal maker's signature",
    )?;
    Ok(Some(VerifiedSignature {
        kind: "GB/T 38540 electronic seal".into(),
        signer_der: signer.to_vec(),
        digest_algorithm: cms::oid::SM3.into(),
        signatures: 1,
    }))
}

/// `SEQUENCE { tbs, cert OCTET STRING, algorithm OID, signature BIT STRING, … }`, the shape
/// of both SES_Signature and SESeal.
fn signed_quad(der: &[u8]) -> Option<(Tlv<'_>, &[u8], String, &[u8])> {
    let (outer, rest) = Tlv::read(der).ok()?;
    if outer.tag != tag::SEQUENCE || rest.iter().any(|b| *b != 0) {
        return None;
    }
    let parts = outer.children().ok()?;
    let tbs = *parts.first().filter(|t| t.tag == tag::SEQUENCE)?;
    let cert = parts.get(1).filter(|t| t.tag == tag::OCTET_STRING)?.content;
    let algorithm = parts.get(2).filter(|t| t.tag == tag::OID)?.oid().ok()?;
    let signature = parts
        .get(3)
        .filter(|t| t.tag == tag::BIT_STRING)?
        .content
        .split_first()?
        .1;
    Some((tbs, cert, algorithm, signature))
}

fn check_signed(
    cert_der: &[u8],
    message: &[u8],
    signature: &[u8],
    what: &str,
) -> Result<(), String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| format!("{what}: the certificate does not parse: {e}"))?;
    cms::verify_signature(&cert, cms::oid::SM3, message, signature)
        .map_err(|e| format!("{what}: {e}"))
}

/// The text the document shows, one string per text-showing operator, in stream order.
pub fn printed_text(pdf: &[u8]) -> Vec<String> {
    let mut texts = Vec::new();
    let mut budget = MAX_TEXT_BYTES;
    for at in find_all(pdf, b"stream") {
        // `endstream` contains `stream`; only a keyword after a dictionary opens a stream.
        if at >= 3 && &pdf[at - 3..at] == b"end" {
            continue;
        }
        let dict_start = pdf[..at].windows(3).rposition(|w| w == b"obj").unwrap_or(0);
        let dict = &pdf[dict_start..at];
        if !dict.trim_ascii_end().ends_with(b">>") || find_from(dict, 0, b"/Image").is_some() {
            continue;
        }
        let mut start = at + "stream".len();
        if pdf.get(start) == Some(&b'\r') {
            start += 1;
        }
        if pdf.get(start) == Some(&b'\n') {
            start += 1;
        }
        let Some(end) = find_from(pdf, start, b"endstream") else {
            continue;
        };
        let raw = &pdf[start..end];
        let data = if find_from(dict, 0, b"/FlateDecode").is_some() {
            let mut out = Vec::new();
            let limit = MAX_STREAM_BYTES.min(budget);
            if flate2::read::ZlibDecoder::new(raw)
                .take(limit)
                .read_to_end(&mut out)
                .is_err()
            {
                continue;
            }
            out
        } else if find_from(dict, 0, b"/Filter").is_some() {
            continue; // other filters hold images or fonts, not page text
        } else {
            raw.to_vec()
        };
        budget = budget.saturating_sub(data.len() as u64);
        texts.extend(shown_strings(&data));
        if budget == 0 {
            break;
        }
    }
    texts
}

/// Strings shown by the text operators of one content stream.
fn shown_strings(ops: &[u8]) -> Vec<String> {
    let mut shown = Vec::new();
    let mut operands: Vec<(Vec<u8>, bool)> = Vec::new();
    let mut i = 0;
    while i < ops.len() {
        match ops[i] {
            b'(' => {
                let (s, next) = literal_string(ops, i);
                operands.push((s, false));
                i = next;
            }
            b'<' if ops.get(i + 1) != Some(&b'<') => {
                let end = find_from(ops, i, b">").unwrap_or(ops.len());
                let mut digits: Vec<u8> = ops[i + 1..end]
                    .iter()
                    .copied()
                    .filter(u8::is_ascii_hexdigit)
                    .collect();
                if digits.len() % 2 == 1 {
                    digits.push(b'0');
                }
                operands.push((hex::decode(&digits).unwrap_or_default(), true));
                i = end + 1;
            }
            b'%' => {
                while i < ops.len() && ops[i] != b'\n' && ops[i] != b'\r' {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'\'' || c == b'"' => {
                let start = i;
                while i < ops.len() && (ops[i].is_ascii_alphanumeric() || b"'\"*".contains(&ops[i]))
                {
                    i += 1;
                }
                let op = &ops[start..i];
                if matches!(op, b"Tj" | b"TJ" | b"'" | b"\"") && !operands.is_empty() {
                    shown.push(
                        operands
                            .iter()
                            .map(|(s, hex)| decode_text(s, *hex))
                            .collect(),
                    );
                }
                operands.clear();
            }
            _ => i += 1,
        }
    }
    shown
}

/// A literal string starting at `open` (the `(`): its bytes and the index after its `)`.
fn literal_string(ops: &[u8], open: usize) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = open;
    while i < ops.len() {
        let c = ops[i];
        match c {
            b'(' => {
                if depth > 0 {
                    out.push(c);
                }
                depth += 1;
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return (out, i + 1);
                }
                out.push(c);
            }
            b'\\' => {
                i += 1;
                match ops.get(i) {
                    Some(b'n') => out.push(b'\n'),
                    Some(b'r') => out.push(b'\r'),
                    Some(b't') => out.push(b'\t'),
                    Some(b'b') => out.push(8),
                    Some(b'f') => out.push(12),
                    Some(d @ b'0'..=b'7') => {
                        let mut v = (*d - b'0') as u32;
                        for _ in 0..2 {
                            match ops.get(i + 1) {
                                Some(d @ b'0'..=b'7') => {
                                    v = v * 8 + (*d - b'0') as u32;
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push(v as u8);
                    }
                    Some(b'\r' | b'\n') => {} // line continuation
                    Some(other) => out.push(*other),
                    None => {}
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    (out, ops.len())
}

/// Printable ASCII as itself; UTF-16BE with a BOM, or hex strings of 2-byte codes, as UCS-2.
fn decode_text(bytes: &[u8], hex_string: bool) -> String {
    let utf16 = |b: &[u8]| {
        let units: Vec<u16> = b
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16(&units).ok()
    };
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest).unwrap_or_default();
    }
    if bytes
        .iter()
        .all(|b| (0x20..0x7F).contains(b) || b"\t\n\r".contains(b))
    {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    if hex_string
        && bytes.len().is_multiple_of(2)
        && let Some(text) = utf16(bytes).filter(|t| !t.chars().any(char::is_control))
    {
        return text;
    }
    String::from_utf8_lossy(bytes).into_owned()
}
