//! Reading a signed PDF without trusting it. The document is read with lopdf (cross-reference
//! tables and streams, object streams, incremental updates); the signatures are then judged
//! on the file's own bytes:
//!
//! - the signature of record is the last approval signature (not a document time-stamp); its
//!   /ByteRange must be `[0 b c d]` with the gap exactly its /Contents hex string, and the
//!   signature (a detached CMS SignedData, or a GB/T 38540 SES_Signature electronic seal)
//!   must verify over exactly the bytes the range covers;
//! - bytes after that range are incremental updates. Long-term signatures (PAdES B-LT/B-LTA)
//!   append validation data (a /DSS) and document time-stamps (/DocTimeStamp, ETSI.RFC3161)
//!   after the signature: those are accepted, anything else that changes an object is a
//!   change after signing. A document time-stamp must cover its own revision.
//!
//! Text is read per page from the content streams, with each font's encoding: predefined CJK
//! CMaps (UniGB-UCS2-H and kin) and Identity-H behind a ToUnicode map alike.

use std::borrow::Cow;
use std::collections::BTreeMap;

use lopdf::{Dictionary, Document, Encoding, LoadOptions, Object, ObjectId};
use tianping_profile::cms;
use tianping_profile::der::{Tlv, ber_to_der, tag};

/// Decompressed bytes accepted per stream (a Flate bomb stops here), and characters of text
/// read per document.
const MAX_STREAM_BYTES: usize = 4 << 20;
const MAX_TEXT_CHARS: usize = 1 << 20;
/// Form XObjects nested deeper than this are not read for text.
const MAX_FORM_DEPTH: usize = 4;

/// A signature that verified over the document as signed.
#[derive(Debug, Clone)]
pub struct VerifiedSignature {
    /// "CMS (adbe.pkcs7.detached)" or "GB/T 38540 electronic seal".
    pub kind: String,
    pub signer_der: Vec<u8>,
    pub digest_algorithm: String,
    /// How many signatures and document time-stamps the document has.
    pub signatures: usize,
    /// The revisions appended after the signature, each described (validation data or a
    /// document time-stamp); empty when the signature covers the whole file.
    pub later_revisions: Vec<String>,
}

/// Reads the document's structure, with bounded decompression.
fn load(pdf: &[u8]) -> Result<Document, String> {
    if !pdf.starts_with(b"%PDF-") {
        return Err("not a PDF (no %PDF- header)".into());
    }
    let options = LoadOptions {
        max_decompressed_size: Some(MAX_STREAM_BYTES),
        ..LoadOptions::default()
    };
    Document::load_mem_with_options(&with_signature_values_marked(pdf), options)
        .map_err(|e| format!("the PDF's structure cannot be read: {e}"))
}

/// lopdf reads a hex string one digit at a time, and a signature's /Contents reserves
/// thousands of digits (8 KiB of a 10 KiB deposit certificate, most of its reading time). So
/// the structure is read from a copy in which each /ByteRange gap that is a hex string holds
/// a short marker instead (no offset moves), followed by the end of its object when that is
/// all that follows the gap, else by a comment to the gap's end. The marker is this
/// process's secret nonce and the gap's start. [`signature_dicts`] takes a /Contents equal to
/// the marker of its own gap as the gap's value, decoded from the file itself: only that gap
/// can hold that marker, so the value is still the dictionary's own /Contents.
fn with_signature_values_marked(pdf: &[u8]) -> Cow<'_, [u8]> {
    static RANGE: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"/ByteRange\s*\[\s*\d{1,15}\s+(\d{1,15})\s+(\d{1,15})\s")
            .expect("valid pattern")
    });
    let mut copy: Option<Vec<u8>> = None;
    for found in RANGE.captures_iter(pdf) {
        let number = |i: usize| {
            std::str::from_utf8(&found[i])
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
        };
        let (Some(b), Some(c)) = (number(1), number(2)) else {
            continue;
        };
        let marker = hex::encode(marker_of(b));
        if hex_gap(pdf, b, c).is_some_and(|inner| inner.len() > marker.len() + 2) {
            let copy = copy.get_or_insert_with(|| pdf.to_vec());
            let closed = b + 1 + marker.len();
            copy[b + 1..closed].copy_from_slice(marker.as_bytes());
            copy[closed] = b'>';
            if let Some(tail) = object_closing(&pdf[c..]) {
                // What closes the object (`>>` and `endobj`, as signers write it after
                // /Contents) moves up behind the marker; lopdf stops at `endobj` and reads
                // the next object at its own offset, so the rest of the gap is never read.
                // Filler that is not whitespace ends lopdf's skip of the space after it.
                copy[closed + 1..closed + 1 + tail].copy_from_slice(&pdf[c..c + tail]);
                copy[closed + 1 + tail..c + tail].fill(b'x');
            } else {
                // A comment to the end of the gap, whose `>` becomes the comment's end of
                // line: lopdf passes over a comment in one scan.
                copy[closed + 1] = b'%';
                copy[closed + 2..c - 1].fill(b' ');
                copy[c - 1] = b'\n';
            }
        }
    }
    copy.map_or(Cow::Borrowed(pdf), Cow::Owned)
}

/// The length of what follows a gap when that is only the end of its object: `>>` once or
/// more and `endobj`, with PDF whitespace (lopdf's set) between.
fn object_closing(after_gap: &[u8]) -> Option<usize> {
    let spaces = |from: usize| {
        after_gap[from..]
            .iter()
            .take_while(|c| b" \t\n\r\0\x0C".contains(c))
            .count()
    };
    let mut at = 0;
    let mut closers = 0;
    loop {
        at += spaces(at);
        if !after_gap[at..].starts_with(b">>") {
            break;
        }
        at += 2;
        closers += 1;
    }
    (closers > 0 && after_gap[at..].starts_with(b"endobj")).then_some(at + b"endobj".len())
}

/// The marker for the gap starting at `b`: a nonce drawn once per process, then `b`.
fn marker_of(b: usize) -> [u8; 24] {
    static NONCE: std::sync::LazyLock<[u8; 16]> = std::sync::LazyLock::new(|| {
        use std::hash::{BuildHasher, Hasher};
        let word = || {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u8(0);
            h.finish().to_be_bytes()
        };
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&word());
        nonce[8..].copy_from_slice(&word());
        nonce
    });
    let mut marker = [0u8; 24];
    marker[..16].copy_from_slice(&*NONCE);
    marker[16..].copy_from_slice(&(b as u64).to_be_bytes());
    marker
}

/// The inside of `pdf[b..c]` when it is delimited as a hex string `<...>`.
fn string_gap(pdf: &[u8], b: usize, c: usize) -> Option<&[u8]> {
    pdf.get(b..c)?.strip_prefix(b"<")?.strip_suffix(b">")
}

/// The inside of `pdf[b..c]` when that is a hex string `<...>`.
fn hex_gap(pdf: &[u8], b: usize, c: usize) -> Option<&[u8]> {
    let inner = string_gap(pdf, b, c)?;
    // 64 bytes at a time without an early exit, which the compiler vectorises: the gap is
    // most of a deposit certificate.
    let is_hex_text = |x: u8| {
        x.wrapping_sub(b'0') < 10 || (x | 0x20).wrapping_sub(b'a') < 6 || x.is_ascii_whitespace()
    };
    inner
        .chunks(64)
        .all(|chunk| chunk.iter().fold(true, |all, &x| all & is_hex_text(x)))
        .then_some(inner)
}

/// The bytes of hex text with whitespace between the digits (the inside of a PDF hex
/// string as signers write it): `None` for any other character or an odd digit count.
/// A table, not the `hex` crate: this decodes a signature's reserved 8 KiB per certificate.
fn decode_hex_text(text: &[u8]) -> Option<Vec<u8>> {
    const NOT_HEX: u8 = 0xFF;
    const SPACE: u8 = 0xFE;
    const TABLE: [u8; 256] = {
        let mut table = [NOT_HEX; 256];
        let mut i = 0;
        while i < 256 {
            let c = i as u8;
            table[i] = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ if c.is_ascii_whitespace() => SPACE,
                _ => NOT_HEX,
            };
            i += 1;
        }
        table
    };
    // Signers write the digits without spaces, and pad the value with zeros to the size
    // they reserved: pairs up to the padding, with one check for the whole run, then zero
    // bytes for the padding.
    if text.len().is_multiple_of(2) {
        let head = &text[..zero_tail_start(text).next_multiple_of(2).min(text.len())];
        let mut flags = 0u8;
        let mut bytes: Vec<u8> = head
            .chunks_exact(2)
            .map(|pair| {
                let (high, low) = (TABLE[usize::from(pair[0])], TABLE[usize::from(pair[1])]);
                flags |= high | low;
                high << 4 | low
            })
            .collect();
        if flags & 0xF0 == 0 {
            bytes.resize(text.len() / 2, 0);
            return Some(bytes);
        }
    }
    let mut bytes = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for &c in text {
        match TABLE[usize::from(c)] {
            NOT_HEX => return None,
            SPACE => {}
            digit => match high.take() {
                Some(h) => bytes.push(h << 4 | digit),
                None => high = Some(digit),
            },
        }
    }
    high.is_none().then_some(bytes)
}

/// Where the run of `0` characters that ends `text` starts, 64 characters at a time
/// without an early exit inside them, which the compiler vectorises.
fn zero_tail_start(text: &[u8]) -> usize {
    let mut end = text.len();
    for chunk in text.rchunks(64) {
        if !chunk.iter().fold(true, |all, &c| all & (c == b'0')) {
            return end - chunk.iter().rev().take_while(|&&c| c == b'0').count();
        }
        end -= chunk.len();
    }
    0
}

/// One signature dictionary: where it is, what its /ByteRange covers, what it holds.
struct SignatureDict {
    id: ObjectId,
    /// `[0, b)` and `[c, c + d)`.
    range: [usize; 4],
    contents: Vec<u8>,
    /// Whether `contents` was decoded from the /ByteRange gap itself (the marked reading),
    /// so that the gap holds exactly /Contents by construction.
    read_from_gap: bool,
    sub_filter: Option<String>,
    /// A document time-stamp (/Type /DocTimeStamp or SubFilter ETSI.RFC3161).
    time_stamp: bool,
}

impl SignatureDict {
    fn end(&self) -> usize {
        self.range[2] + self.range[3]
    }

    /// The bytes the range covers, once the range is shown to be the file's own.
    fn covered(&self, pdf: &[u8]) -> Vec<u8> {
        let [_, b, c, d] = self.range;
        let mut covered = pdf[..b].to_vec();
        covered.extend_from_slice(&pdf[c..c + d]);
        covered
    }
}

fn name_of(dict: &Dictionary, key: &[u8]) -> Option<String> {
    dict.get(key)
        .and_then(Object::as_name)
        .ok()
        .map(|n| String::from_utf8_lossy(n).into_owned())
}

/// Every dictionary in the document that carries a /ByteRange and /Contents: top-level
/// objects and the /V of signature fields. A malformed range is an error, not skipped.
fn signature_dicts(pdf: &[u8], doc: &Document) -> Result<Vec<SignatureDict>, String> {
    let mut found = Vec::new();
    for (id, object) in &doc.objects {
        let Ok(dict) = object.as_dict() else { continue };
        let candidates = [Some(dict), dict.get(b"V").and_then(Object::as_dict).ok()];
        for dict in candidates.into_iter().flatten() {
            if !dict.has(b"ByteRange") {
                continue;
            }
            let range = dict
                .get(b"ByteRange")
                .and_then(Object::as_array)
                .map_err(|_| format!("object {} 0: /ByteRange is not an array", id.0))?;
            let numbers: Vec<usize> = range
                .iter()
                .filter_map(|n| n.as_i64().ok().and_then(|n| usize::try_from(n).ok()))
                .collect();
            let range: [usize; 4] = numbers.try_into().map_err(|_| {
                format!(
                    "object {} 0: /ByteRange does not hold four non-negative integers",
                    id.0
                )
            })?;
            let mut contents = dict
                .get(b"Contents")
                .and_then(Object::as_str)
                .map_err(|_| format!("object {} 0: the signature has no /Contents string", id.0))?
                .to_vec();
            let read_from_gap = contents == marker_of(range[1]);
            if read_from_gap {
                // The value was marked out for reading (with_signature_values_marked), which
                // it only is when the gap is a hex string: its inside is decoded.
                let inner = string_gap(pdf, range[1], range[2]).unwrap_or_default();
                contents = decode_hex_text(inner)
                    .ok_or_else(|| format!("object {} 0: /Contents is not a hex string", id.0))?;
            }
            let sub_filter = name_of(dict, b"SubFilter");
            let time_stamp = name_of(dict, b"Type").as_deref() == Some("DocTimeStamp")
                || sub_filter.as_deref() == Some("ETSI.RFC3161");
            found.push(SignatureDict {
                id: *id,
                range,
                contents,
                read_from_gap,
                sub_filter,
                time_stamp,
            });
        }
    }
    found.sort_by_key(SignatureDict::end);
    Ok(found)
}

/// That the range is `[0 b c d]` inside the file and its gap is exactly the /Contents hex
/// string, so the covered bytes are everything but the signature value.
fn check_range(pdf: &[u8], sig: &SignatureDict) -> Result<(), String> {
    let [a, b, c, d] = sig.range;
    if a != 0 || b >= c || c.checked_add(d).is_none_or(|end| end > pdf.len()) {
        return Err(format!(
            "/ByteRange [{a} {b} {c} {d}] does not describe two ranges inside the {}-byte file",
            pdf.len()
        ));
    }
    if pdf[b] != b'<' || pdf[c - 1] != b'>' {
        return Err("the bytes /ByteRange leaves out are not the signature's /Contents".into());
    }
    if sig.read_from_gap {
        return Ok(()); // /Contents was read from this very gap
    }
    let gap = decode_hex_text(&pdf[b + 1..c - 1])
        .ok_or_else(|| "/Contents is not a hex string".to_string())?;
    if gap != sig.contents {
        return Err("the bytes /ByteRange leaves out are not the signature's /Contents".into());
    }
    Ok(())
}

/// Verifies the document's signature of record over the bytes it covers, and that every
/// revision appended after it adds only validation data or document time-stamps.
pub fn verify(pdf: &[u8]) -> Result<VerifiedSignature, String> {
    LoadedPdf::read(pdf)?.verify()
}

/// A PDF read once, for both its signature and its text (reading is most of the work).
pub struct LoadedPdf<'a> {
    pdf: &'a [u8],
    doc: Document,
}

impl<'a> LoadedPdf<'a> {
    /// Reads the document's structure, with bounded decompression.
    pub fn read(pdf: &'a [u8]) -> Result<LoadedPdf<'a>, String> {
        Ok(LoadedPdf {
            pdf,
            doc: load(pdf)?,
        })
    }

    /// As [`verify`].
    pub fn verify(&self) -> Result<VerifiedSignature, String> {
        verify_document(self.pdf, &self.doc)
    }

    /// As [`printed_text`].
    pub fn printed_text(&self) -> Vec<String> {
        text_of(&self.doc)
    }
}

fn verify_document(pdf: &[u8], doc: &Document) -> Result<VerifiedSignature, String> {
    let signatures = signature_dicts(pdf, doc)?;
    let Some(record) = signatures.iter().rev().find(|s| !s.time_stamp) else {
        return Err(
            "the PDF carries no signature (no signature dictionary with /ByteRange)".into(),
        );
    };
    check_range(pdf, record)?;
    let covered = record.covered(pdf);
    let der = &record.contents;
    let verified = if let Some(seal) = verify_seal(der, &covered)? {
        seal
    } else {
        verify_cms(der, &covered, record.sub_filter.as_deref())?
    };
    let later_revisions = if record.end() < pdf.len() {
        later_revisions(pdf, doc, record, &signatures)?
    } else {
        Vec::new()
    };
    Ok(VerifiedSignature {
        signatures: signatures.len(),
        later_revisions,
        ..verified
    })
}

/// /Contents is zero-padded to its reserved size: the value is the first element, and
/// anything after it but zeros is data no signature covers. A value in BER (as BouncyCastle
/// writes CMS) is returned in DER, with `true`: the encoding is a form, not a finding.
fn unpadded(contents: &[u8]) -> Result<(Cow<'_, [u8]>, bool), String> {
    let (value, used) = match Tlv::read(contents) {
        Ok((value, _)) if tianping_profile::der::is_der(value.raw, 0) => {
            (Cow::Borrowed(value.raw), value.raw.len())
        }
        _ => {
            let (der, used) = ber_to_der(contents).map_err(|e| e.to_string())?;
            (Cow::Owned(der), used)
        }
    };
    let rest = &contents[used..];
    if rest.iter().any(|b| *b != 0) {
        return Err(format!(
            "{} bytes after the signature value are not zero padding",
            rest.len()
        ));
    }
    let ber = matches!(value, Cow::Owned(_));
    Ok((value, ber))
}

fn verify_cms(
    der: &[u8],
    covered: &[u8],
    sub_filter: Option<&str>,
) -> Result<VerifiedSignature, String> {
    match sub_filter {
        Some("adbe.pkcs7.detached" | "ETSI.CAdES.detached") => {}
        Some(other) => {
            return Err(format!(
                "SubFilter /{other} is not a detached CMS signature (adbe.pkcs7.detached or \
                 ETSI.CAdES.detached)"
            ));
        }
        None => return Err("the signature dictionary has no /SubFilter".into()),
    }
    let (der, ber) = unpadded(der).map_err(|e| format!("/Contents: {e}"))?;
    let signed = cms::read(&der).map_err(|e| format!("/Contents: {e}"))?;
    if signed.content.is_some() {
        return Err(
            "the CMS signature encapsulates content instead of signing the PDF bytes".into(),
        );
    }
    let signer = signed
        .verify(covered)
        .map_err(|e| format!("the PDF signature: {e}"))?;
    Ok(VerifiedSignature {
        kind: format!(
            "CMS ({}{})",
            sub_filter.unwrap_or_default(),
            if ber { ", BER-encoded" } else { "" }
        ),
        signer_der: signer.to_vec(),
        digest_algorithm: signed.digest_algorithm.clone(),
        signatures: 1,
        later_revisions: Vec::new(),
    })
}

/// The revisions after the signature of record: each must add only validation data (/DSS,
/// its streams, the catalog's /DSS entry) or document time-stamps (with their invisible
/// signature fields); a time-stamp must verify over its revision. Anything else that
/// changes an object of the signed document is a change after signing.
fn later_revisions(
    pdf: &[u8],
    doc: &Document,
    record: &SignatureDict,
    signatures: &[SignatureDict],
) -> Result<Vec<String>, String> {
    let after_signing = || {
        format!(
            "{} bytes follow the signed range: the document was changed after it was signed \
             (an incremental update the signature does not cover",
            pdf.len() - record.end()
        )
    };
    let signed = load(&pdf[..record.end()]).map_err(|e| format!("{}: {e})", after_signing()))?;
    let changes = changed_objects(&signed, doc);
    if let Some(change) = changes.iter().find_map(|c| c.as_ref().err()) {
        return Err(format!("{}: {change})", after_signing()));
    }
    let mut described: Vec<String> = changes.into_iter().filter_map(Result::ok).collect();
    described.sort();
    described.dedup();
    for stamp in signatures.iter().filter(|s| s.end() > record.end()) {
        if !stamp.time_stamp {
            // Only the last approval signature is the record; a later one would be it.
            continue;
        }
        let what = format!("the document time-stamp (object {} 0)", stamp.id.0);
        check_range(pdf, stamp).map_err(|e| format!("{what}: {e}"))?;
        let (token, _) = unpadded(&stamp.contents).map_err(|e| format!("{what}: {e}"))?;
        match tianping_profile::rfc3161::verify_for(&token, &stamp.covered(pdf)) {
            Ok(ts) => described.push(format!(
                "document time-stamp by {} at {} over {} bytes",
                ts.tsa_subject,
                ts.gen_time,
                stamp.end()
            )),
            Err(e) => {
                return Err(format!(
                    "{what}, appended after the signature, does not verify over its \
                     revision: {e}"
                ));
            }
        }
    }
    if described.is_empty() {
        described.push(format!(
            "{} bytes appended after the signature change no object",
            pdf.len() - record.end()
        ));
    }
    Ok(described)
}

/// Each object the later revisions add or change, described when it is validation data or a
/// document time-stamp's field, an error naming it otherwise.
fn changed_objects(signed: &Document, now: &Document) -> Vec<Result<String, String>> {
    let catalog = now.trailer.get(b"Root").and_then(Object::as_reference).ok();
    let info = now.trailer.get(b"Info").and_then(Object::as_reference).ok();
    let acro_form = now
        .catalog()
        .ok()
        .and_then(|c| c.get(b"AcroForm").and_then(Object::as_reference).ok());
    let mut out = Vec::new();
    for (id, object) in &now.objects {
        let Some(before) = signed.objects.get(id) else {
            continue; // new objects matter only where a changed object refers to them
        };
        if same_object(before, object) {
            continue;
        }
        let (Ok(old), Ok(new)) = (dict_of(before), dict_of(object)) else {
            out.push(Err(format!("object {} 0 was replaced", id.0)));
            continue;
        };
        let result = if Some(*id) == catalog {
            only_keys_differ(old, new, &[b"DSS", b"AcroForm", b"Extensions"])
                .map(|_| "validation data (/DSS) added to the catalog".to_string())
                .and_then(|d| match new.get(b"AcroForm").and_then(Object::as_dict) {
                    Ok(form) => old
                        .get(b"AcroForm")
                        .and_then(Object::as_dict)
                        .map_err(|_| "the catalog gained a form".to_string())
                        .and_then(|before| form_change(now, before, form))
                        .map(|_| d),
                    Err(_) => Ok(d),
                })
        } else if Some(*id) == acro_form {
            form_change(now, old, new).map(|_| "a time-stamp field added to the form".into())
        } else if Some(*id) == info || name_of(new, b"Type").as_deref() == Some("Metadata") {
            Ok("document information updated".to_string())
        } else if name_of(new, b"Type").as_deref() == Some("Page") {
            annotations_change(now, old, new).map(|_| "a time-stamp field added to a page".into())
        } else {
            Err(format!(
                "object {} 0{} was changed",
                id.0,
                name_of(new, b"Type")
                    .map(|t| format!(" (/{t})"))
                    .unwrap_or_default()
            ))
        };
        out.push(result.map_err(|e| format!("object {} 0: {e}", id.0)));
    }
    for id in signed.objects.keys() {
        if !now.objects.contains_key(id) {
            out.push(Err(format!("object {} 0 was removed", id.0)));
        }
    }
    out
}

fn same_object(a: &Object, b: &Object) -> bool {
    match (a, b) {
        (Object::Stream(x), Object::Stream(y)) => x.dict == y.dict && x.content == y.content,
        _ => a == b,
    }
}

fn dict_of(object: &Object) -> Result<&Dictionary, ()> {
    match object {
        Object::Dictionary(d) => Ok(d),
        Object::Stream(s) => Ok(&s.dict),
        _ => Err(()),
    }
}

/// That `old` and `new` differ only in `keys`.
fn only_keys_differ(old: &Dictionary, new: &Dictionary, keys: &[&[u8]]) -> Result<(), String> {
    let names: std::collections::BTreeSet<&Vec<u8>> =
        old.iter().chain(new.iter()).map(|(k, _)| k).collect();
    for key in names {
        if keys.contains(&key.as_slice()) {
            continue;
        }
        if old.get(key).ok() != new.get(key).ok() {
            return Err(format!("/{} changed", String::from_utf8_lossy(key)));
        }
    }
    Ok(())
}

/// A form may gain signature fields (and /SigFlags); nothing else of it may change.
fn form_change(doc: &Document, old: &Dictionary, new: &Dictionary) -> Result<(), String> {
    only_keys_differ(old, new, &[b"Fields", b"SigFlags"])?;
    appended_only(doc, old, new, b"Fields")
}

/// A page may gain invisible signature widgets in /Annots; nothing else of it may change.
fn annotations_change(doc: &Document, old: &Dictionary, new: &Dictionary) -> Result<(), String> {
    only_keys_differ(old, new, &[b"Annots"])?;
    appended_only(doc, old, new, b"Annots")
}

/// The array under `key` keeps its old entries, and each new one is an invisible signature
/// field (a visible widget added after signing can paint over the page).
fn appended_only(
    doc: &Document,
    old: &Dictionary,
    new: &Dictionary,
    key: &[u8],
) -> Result<(), String> {
    let array = |d: &Dictionary| -> Vec<Object> {
        d.get(key)
            .and_then(|o| doc.dereference(o).map(|(_, o)| o))
            .and_then(Object::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (before, after) = (array(old), array(new));
    if !after.starts_with(&before) {
        return Err(format!(
            "/{} lost or reordered entries",
            String::from_utf8_lossy(key)
        ));
    }
    for added in &after[before.len()..] {
        let field = doc
            .dereference(added)
            .ok()
            .and_then(|(_, o)| o.as_dict().ok())
            .ok_or_else(|| {
                format!(
                    "/{} gained an entry that is not a field",
                    String::from_utf8_lossy(key)
                )
            })?;
        if name_of(field, b"FT").as_deref() != Some("Sig") {
            return Err(format!(
                "/{} gained an entry that is not a signature field",
                String::from_utf8_lossy(key)
            ));
        }
        if !invisible(field) {
            return Err("a visible signature widget was added after signing".into());
        }
    }
    Ok(())
}

/// A widget with no area, or flagged hidden (annotation flag bit 2), or with no /Rect.
fn invisible(field: &Dictionary) -> bool {
    let hidden = field
        .get(b"F")
        .and_then(Object::as_i64)
        .is_ok_and(|f| f & 2 != 0);
    let area = field
        .get(b"Rect")
        .and_then(Object::as_array)
        .ok()
        .and_then(|r| {
            let n: Vec<f32> = r.iter().filter_map(|v| v.as_float().ok()).collect();
            (n.len() == 4).then(|| ((n[2] - n[0]) * (n[3] - n[1])).abs())
        });
    hidden || area.is_none_or(|a| a == 0.0)
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
        later_revisions: Vec::new(),
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

/// The text the document shows, one string per printed line (runs at the same height are
/// joined), page by page. A document that cannot be read shows no text.
pub fn printed_text(pdf: &[u8]) -> Vec<String> {
    match load(pdf) {
        Ok(doc) => text_of(&doc),
        Err(_) => Vec::new(),
    }
}

fn text_of(doc: &Document) -> Vec<String> {
    let mut reader = TextReader {
        doc,
        lines: Vec::new(),
        budget: MAX_TEXT_CHARS,
    };
    for page in doc.get_pages().into_values() {
        let fonts = doc.get_page_fonts(page).unwrap_or_default();
        let Ok(content) = doc.get_page_content_with_limit(page, MAX_STREAM_BYTES) else {
            continue;
        };
        let xobjects = page_xobjects(doc, page);
        reader.show_content(&content, &encodings(doc, fonts), &xobjects, 0);
    }
    reader.lines
}

fn encodings<'a>(
    doc: &'a Document,
    fonts: BTreeMap<Vec<u8>, &'a Dictionary>,
) -> BTreeMap<Vec<u8>, Encoding<'a>> {
    fonts
        .into_iter()
        .filter_map(|(name, font)| {
            font.get_font_encoding_with_limit(doc, MAX_STREAM_BYTES)
                .ok()
                .map(|e| (name, e))
        })
        .collect()
}

/// The page's /Resources /XObject entries.
fn page_xobjects(doc: &Document, page: ObjectId) -> BTreeMap<Vec<u8>, ObjectId> {
    let mut found = BTreeMap::new();
    let Ok((direct, inherited)) = doc.get_page_resources(page) else {
        return found;
    };
    let dicts = direct.into_iter().chain(
        inherited
            .iter()
            .filter_map(|id| doc.get_dictionary(*id).ok()),
    );
    for resources in dicts {
        xobjects_of(doc, resources, &mut found);
    }
    found
}

fn xobjects_of(doc: &Document, resources: &Dictionary, into: &mut BTreeMap<Vec<u8>, ObjectId>) {
    let Ok((_, xobjects)) = resources.get(b"XObject").and_then(|o| doc.dereference(o)) else {
        return;
    };
    if let Ok(xobjects) = xobjects.as_dict() {
        for (name, value) in xobjects.iter() {
            if let Ok(id) = value.as_reference() {
                into.entry(name.clone()).or_insert(id);
            }
        }
    }
}

struct TextReader<'d> {
    doc: &'d Document,
    lines: Vec<String>,
    budget: usize,
}

impl TextReader<'_> {
    /// Shows the text of one content stream: a new line wherever the text line moves up or
    /// down; Form XObjects it draws are read with their own fonts.
    fn show_content(
        &mut self,
        content: &[u8],
        encodings: &BTreeMap<Vec<u8>, Encoding<'_>>,
        xobjects: &BTreeMap<Vec<u8>, ObjectId>,
        depth: usize,
    ) {
        let Ok(content) = lopdf::content::Content::decode(content) else {
            return;
        };
        let mut font: Option<&Encoding<'_>> = None;
        let mut y = 0f32;
        let mut leading = 0f32;
        let mut shown_at: Option<f32> = None;
        let number = |o: Option<&Object>| o.and_then(|o| o.as_float().ok()).unwrap_or(0.0);
        for op in &content.operations {
            let operands = &op.operands;
            let strings: Vec<&[u8]> = match op.operator.as_str() {
                "Tf" => {
                    font = operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|n| encodings.get(n));
                    continue;
                }
                "BT" => {
                    y = 0.0;
                    continue;
                }
                "TL" => {
                    leading = number(operands.first());
                    continue;
                }
                "Td" => {
                    y += number(operands.get(1));
                    continue;
                }
                "TD" => {
                    leading = -number(operands.get(1));
                    y += number(operands.get(1));
                    continue;
                }
                "Tm" => {
                    y = number(operands.get(5));
                    continue;
                }
                "T*" => {
                    y -= leading.max(1.0);
                    continue;
                }
                "Tj" => operands.iter().filter_map(|o| o.as_str().ok()).collect(),
                "TJ" => operands
                    .first()
                    .and_then(|o| o.as_array().ok())
                    .map(|parts| parts.iter().filter_map(|o| o.as_str().ok()).collect())
                    .unwrap_or_default(),
                "'" | "\"" => {
                    y -= leading.max(1.0);
                    operands
                        .last()
                        .and_then(|o| o.as_str().ok())
                        .into_iter()
                        .collect()
                }
                "Do" if depth < MAX_FORM_DEPTH => {
                    if let Some(id) = operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|n| xobjects.get(n))
                    {
                        self.show_form(*id, depth + 1);
                        shown_at = None;
                    }
                    continue;
                }
                _ => continue,
            };
            let Some(encoding) = font else { continue };
            let text: String = strings
                .iter()
                .filter_map(|s| Document::decode_text(encoding, s).ok())
                .collect();
            self.push(text, shown_at.is_some_and(|at| (at - y).abs() < 0.5));
            shown_at = Some(y);
        }
    }

    /// A Form XObject's content, with its own resources.
    fn show_form(&mut self, id: ObjectId, depth: usize) {
        let Ok(Object::Stream(form)) = self.doc.get_object(id) else {
            return;
        };
        if name_of(&form.dict, b"Subtype").as_deref() != Some("Form") {
            return;
        }
        let Ok(content) = form.get_plain_content_with_limit(MAX_STREAM_BYTES) else {
            return;
        };
        let resources = form
            .dict
            .get(b"Resources")
            .and_then(|o| self.doc.dereference(o))
            .and_then(|(_, o)| o.as_dict());
        let mut fonts = BTreeMap::new();
        let mut xobjects = BTreeMap::new();
        if let Ok(resources) = resources {
            if let Ok((_, Object::Dictionary(font_dict))) =
                resources.get(b"Font").and_then(|o| self.doc.dereference(o))
            {
                for (name, value) in font_dict.iter() {
                    if let Ok((_, Object::Dictionary(font))) = self.doc.dereference(value) {
                        fonts.insert(name.clone(), font);
                    }
                }
            }
            xobjects_of(self.doc, resources, &mut xobjects);
        }
        let encodings = encodings(self.doc, fonts);
        self.show_content(&content, &encodings, &xobjects, depth);
    }

    /// Adds shown text to the current line, or starts a new one. Two runs on one line that
    /// meet between letters or digits are kept apart by a space.
    fn push(&mut self, mut take: String, same_line: bool) {
        // Within the budget of characters: cut at the first character past it.
        if let Some((end, _)) = take.char_indices().nth(self.budget) {
            take.truncate(end);
        }
        self.budget -= take.chars().count();
        if take.is_empty() {
            return;
        }
        match self.lines.last_mut() {
            Some(line) if same_line => {
                let joins_words = line
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_ascii_alphanumeric())
                    && take.starts_with(|c: char| c.is_ascii_alphanumeric());
                if joins_words {
                    line.push(' ');
                }
                line.push_str(&take);
            }
            _ => self.lines.push(take),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tianping_fixtures::deposit_certificate as fixture;
    use tianping_fixtures::pki::ReferencePki;

    proptest::proptest! {
        // Hex text decodes as the `hex` crate decodes it once whitespace is removed, and is
        // refused where that is refused (odd digit count, a character that is no digit).
        #[test]
        fn hex_text_decodes_as_the_hex_crate_does(text in "[0-9a-fA-F \n\r\tg<]{0,64}") {
            let digits: Vec<u8> =
                text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            proptest::prop_assert_eq!(decode_hex_text(text.as_bytes()), hex::decode(digits).ok());
        }

        // The same for values padded with zeros, as signers reserve space: the padding runs
        // straddle 64-character chunks and pairs, and may be followed by more text.
        #[test]
        fn zero_padded_hex_text_decodes_as_the_hex_crate_does(
            text in "[0-9a-fA-F \ng]{0,40}0{0,150}[0-9a \n]{0,2}"
        ) {
            let digits: Vec<u8> =
                text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            proptest::prop_assert_eq!(decode_hex_text(text.as_bytes()), hex::decode(digits).ok());
        }
    }

    /// Shown text is kept up to the character budget, cut between characters (never inside
    /// a multi-byte one), and two runs on one line are kept apart where they meet in words.
    #[test]
    fn shown_text_stops_at_the_character_budget() {
        let doc = Document::with_version("1.7");
        let mut reader = TextReader {
            doc: &doc,
            lines: Vec::new(),
            budget: 7,
        };
        reader.push("abc".into(), false);
        reader.push("de".into(), true);
        reader.push("电子存证".into(), false);
        reader.push("more".into(), false);
        assert_eq!(reader.lines, ["abc de", "电子"]);
        assert_eq!(reader.budget, 0);
    }

    /// Reading through the marked copy finds the same signature values as reading the file
    /// as it is, and the file itself is never changed.
    #[test]
    fn marked_reading_finds_the_values_an_unmarked_reading_finds() {
        let pki = ReferencePki::generate(&tianping_fixtures::Faults::none());
        let record = fixture::PrintedRecord::of_receipt(&serde_json::json!({
            "evidence_id": "EV-1", "file_hash": "00", "tx_id": "11",
            "tx_time": "2026-12-03T08:00:00+08:00", "block_height": 1,
        }));
        let signed = fixture::signed(&record, &pki.receipt_key, &pki.receipt_cert_der);
        let long_term = fixture::long_term(
            &record,
            (&pki.receipt_key, &pki.receipt_cert_der),
            (&pki.tsa_key, &pki.tsa_cert_der),
            &[&pki.receipt_cert_der],
        );
        // The same certificate with a comment between `>>` and `endobj` (same length): the
        // marker is then followed by a comment, not by the moved end of the object.
        let at = signed
            .windows(10)
            .position(|w| w == b" >>\nendobj")
            .expect("the reference signature dictionary ends after /Contents");
        let mut commented = signed.clone();
        commented[at..at + 10].copy_from_slice(b">>%\nendobj");
        assert!(object_closing(&commented[at..]).is_none());
        // Every object but the signature values, as read.
        let structure = |doc: &Document| {
            let mut objects = doc.objects.clone();
            for object in objects.values_mut() {
                if let Ok(dict) = object.as_dict_mut()
                    && dict.has(b"ByteRange")
                {
                    dict.set("Contents", Object::string_literal(""));
                }
            }
            objects
        };
        for pdf in [&signed, &long_term, &commented] {
            let marked = with_signature_values_marked(pdf);
            assert!(
                matches!(marked, Cow::Owned(_)),
                "the values were marked out"
            );
            assert_eq!(marked.len(), pdf.len(), "no offset moved");
            let plain = Document::load_mem(pdf).unwrap();
            let expected: Vec<Vec<u8>> = signature_dicts(pdf, &plain)
                .unwrap()
                .into_iter()
                .map(|s| s.contents)
                .collect();
            let found: Vec<Vec<u8>> = signature_dicts(pdf, &load(pdf).unwrap())
                .unwrap()
                .into_iter()
                .map(|s| s.contents)
                .collect();
            assert!(!expected.is_empty() && expected.iter().all(|c| c.len() > 100));
            assert_eq!(found, expected);
            assert_eq!(structure(&load(pdf).unwrap()), structure(&plain));
        }
    }
}
