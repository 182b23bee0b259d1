//! A small, strict DER walker: enough to walk CMS, OCSP and RFC 3161 structures without
//! trusting them. Lengths and object identifiers are decoded by RustCrypto's `der` and
//! `const-oid` (canonical forms only); every length is checked against the input, and nothing
//! is allocated per element. Why the structures above it are still read by hand is in the
//! README ("Crates beyond the design card").

/// Why DER bytes cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DerError {
    /// The input ends inside an element.
    #[error("DER ends early")]
    Truncated,
    /// A length is not minimal, indefinite or too large.
    #[error("unsupported DER length form")]
    Length,
    /// An element of another type stands where one was expected.
    #[error("expected {expected}, found tag 0x{found:02x}")]
    Unexpected {
        /// What the reader expected.
        expected: &'static str,
        /// The tag it found.
        found: u8,
    },
    /// The content breaks the type's rules.
    #[error("{0}")]
    Invalid(&'static str),
}

/// Universal tags the readers use.
pub mod tag {
    /// BOOLEAN.
    pub const BOOLEAN: u8 = 0x01;
    /// INTEGER.
    pub const INTEGER: u8 = 0x02;
    /// BIT STRING.
    pub const BIT_STRING: u8 = 0x03;
    /// OCTET STRING.
    pub const OCTET_STRING: u8 = 0x04;
    /// NULL.
    pub const NULL: u8 = 0x05;
    /// OBJECT IDENTIFIER.
    pub const OID: u8 = 0x06;
    /// GeneralizedTime.
    pub const GENERALIZED_TIME: u8 = 0x18;
    /// SEQUENCE.
    pub const SEQUENCE: u8 = 0x30;
    /// SET.
    pub const SET: u8 = 0x31;
    /// `[n]` constructed, context-specific.
    pub const fn context(n: u8) -> u8 {
        0xA0 | n
    }
}

/// One element: its tag, its content and its whole encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag byte.
    pub tag: u8,
    /// The content octets.
    pub content: &'a [u8],
    /// The whole element: tag, length and content.
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The first element of `input` and what follows it.
    pub fn read(input: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), DerError> {
        let (&tag, rest) = input.split_first().ok_or(DerError::Truncated)?;
        if tag & 0x1F == 0x1F {
            return Err(DerError::Invalid("multi-byte tags are not used here"));
        }
        // The length in DER's one canonical form (short when it fits, minimal long form,
        // never indefinite), decoded by the `der` crate.
        use der::{Decode, Reader};
        let mut reader = der::SliceReader::new(rest).map_err(|_| DerError::Length)?;
        let len = der::Length::decode(&mut reader).map_err(|e| match e.kind() {
            der::ErrorKind::Incomplete { .. } => DerError::Truncated,
            _ => DerError::Length,
        })?;
        let len = u32::from(len) as usize;
        let rest = &rest[u32::from(reader.position()) as usize..];
        if rest.len() < len {
            return Err(DerError::Truncated);
        }
        let header = input.len() - rest.len();
        Ok((
            Tlv {
                tag,
                content: &rest[..len],
                raw: &input[..header + len],
            },
            &rest[len..],
        ))
    }

    /// Exactly one element filling `input`.
    pub fn parse(input: &'a [u8]) -> Result<Tlv<'a>, DerError> {
        let (tlv, rest) = Tlv::read(input)?;
        if !rest.is_empty() {
            return Err(DerError::Invalid("trailing bytes after the DER element"));
        }
        Ok(tlv)
    }

    /// This element, if its tag is `tag`; otherwise an error naming `what`.
    pub fn expect(self, tag: u8, what: &'static str) -> Result<Tlv<'a>, DerError> {
        if self.tag == tag {
            Ok(self)
        } else {
            Err(DerError::Unexpected {
                expected: what,
                found: self.tag,
            })
        }
    }

    /// The elements inside a constructed element.
    pub fn children(&self) -> Result<Vec<Tlv<'a>>, DerError> {
        let mut out = Vec::new();
        let mut rest = self.content;
        while !rest.is_empty() {
            let (tlv, r) = Tlv::read(rest)?;
            out.push(tlv);
            rest = r;
        }
        Ok(out)
    }

    /// An INTEGER's magnitude bytes, leading zero removed.
    pub fn unsigned(&self) -> &'a [u8] {
        match self.content {
            [0, rest @ ..] if !rest.is_empty() => rest,
            c => c,
        }
    }

    /// An OBJECT IDENTIFIER in dotted form.
    pub fn oid(&self) -> Result<String, DerError> {
        if self.tag != tag::OID || self.content.is_empty() {
            return Err(DerError::Unexpected {
                expected: "OBJECT IDENTIFIER",
                found: self.tag,
            });
        }
        thread_local! {
            /// OIDs this thread decoded lately: the structures of a package's records repeat
            /// a dozen OIDs each, and formatting the arcs cost more than reading the rest.
            static DECODED: std::cell::RefCell<crate::recent::Recent<Vec<u8>, String>> =
                const { std::cell::RefCell::new(crate::recent::Recent::new(32)) };
        }
        if let Some(dotted) = DECODED.with_borrow(|d| d.find(|content| content == self.content)) {
            return Ok(dotted);
        }
        // X.690 8.19.2: no subidentifier starts with 0x80 (a padded arc). const-oid accepts
        // that, so it is refused here; const-oid decodes the rest and refuses a cut-short arc.
        let mut starts_arc = true;
        for &b in self.content {
            if starts_arc && b == 0x80 {
                return Err(DerError::Invalid("OBJECT IDENTIFIER arc padded with 0x80"));
            }
            starts_arc = b & 0x80 == 0;
        }
        let dotted = const_oid::ObjectIdentifier::from_bytes(self.content)
            .map(|oid| oid.to_string())
            .map_err(|_| DerError::Invalid("malformed OBJECT IDENTIFIER"))?;
        DECODED.with_borrow_mut(|d| d.keep(self.content.to_vec(), dotted.clone()));
        Ok(dotted)
    }
}

/// How deep BER may nest before [`ber_to_der`] refuses it (CMS needs about a dozen levels).
const MAX_BER_DEPTH: usize = 64;

/// The first BER element of `input` re-encoded in DER's length forms, and how many bytes of
/// `input` it took. Signers such as BouncyCastle write CMS in BER (indefinite lengths,
/// segmented OCTET STRINGs); RFC 5652 allows that everywhere but in signed attributes, whose
/// signature is over their DER form anyway. Indefinite and non-minimal lengths become
/// minimal definite ones and a constructed OCTET STRING becomes one primitive string; the
/// strict reader then reads the result. Anything else is left as it was.
pub fn ber_to_der(input: &[u8]) -> Result<(Vec<u8>, usize), DerError> {
    let mut out = Vec::with_capacity(input.len());
    let used = ber_element(input, 0, &mut out)?;
    Ok((out, used))
}

/// Appends the DER form of the BER element at the start of `input`; returns its length.
fn ber_element(input: &[u8], depth: usize, out: &mut Vec<u8>) -> Result<usize, DerError> {
    if depth > MAX_BER_DEPTH {
        return Err(DerError::Invalid("BER nested too deeply"));
    }
    let (&tag, rest) = input.split_first().ok_or(DerError::Truncated)?;
    if tag & 0x1F == 0x1F {
        return Err(DerError::Invalid("multi-byte tags are not used here"));
    }
    let constructed = tag & 0x20 != 0;
    let (&first, mut rest) = rest.split_first().ok_or(DerError::Truncated)?;
    let definite = match first {
        0x80 if constructed => None,
        0x80 => return Err(DerError::Length),
        n if n < 0x80 => Some(n as usize),
        n => {
            let count = usize::from(n & 0x7F);
            if count > 4 || rest.len() < count {
                return Err(if count > 4 {
                    DerError::Length
                } else {
                    DerError::Truncated
                });
            }
            let len = rest[..count]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            rest = &rest[count..];
            Some(len)
        }
    };
    let header = input.len() - rest.len();
    if !constructed {
        let len = definite.ok_or(DerError::Length)?;
        let content = rest.get(..len).ok_or(DerError::Truncated)?;
        out.extend(encode(tag, content));
        return Ok(header + len);
    }
    // The children, converted, then the element around them.
    let mut inner = Vec::new();
    let mut used = 0;
    let body = match definite {
        Some(len) => rest.get(..len).ok_or(DerError::Truncated)?,
        None => rest,
    };
    loop {
        match (definite, &body[used..]) {
            (Some(_), []) => break,
            (None, [0, 0, ..]) => {
                used += 2;
                break;
            }
            (None, []) => return Err(DerError::Truncated),
            (_, remaining) => used += ber_element(remaining, depth + 1, &mut inner)?,
        }
    }
    if tag == 0x24 {
        // A segmented OCTET STRING: DER has only the primitive form.
        let mut joined = Vec::new();
        let mut segments = inner.as_slice();
        while !segments.is_empty() {
            let (segment, after) = Tlv::read(segments)?;
            if segment.tag != tag::OCTET_STRING {
                return Err(DerError::Invalid(
                    "a segmented OCTET STRING holds something else",
                ));
            }
            joined.extend_from_slice(segment.content);
            segments = after;
        }
        out.extend(encode(tag::OCTET_STRING, &joined));
    } else {
        out.extend(encode(tag, &inner));
    }
    Ok(header + used)
}

/// Whether `input` is exactly one element whose lengths, all the way down, are in DER's
/// forms (checked without copying; the common case, so BER costs only those who send it).
pub fn is_der(input: &[u8], depth: usize) -> bool {
    fn elements(mut input: &[u8], depth: usize) -> bool {
        while !input.is_empty() {
            let Ok((tlv, rest)) = Tlv::read(input) else {
                return false;
            };
            // Constructed OCTET STRINGs are BER only; other constructed elements recurse.
            if tlv.tag == 0x24
                || (tlv.tag & 0x20 != 0
                    && (depth >= MAX_BER_DEPTH || !elements(tlv.content, depth + 1)))
            {
                return false;
            }
            input = rest;
        }
        true
    }
    Tlv::parse(input).is_ok() && elements(input, depth)
}

/// `input`, one element, in DER: borrowed when it already is, re-encoded when it is BER
/// ([`ber_to_der`]).
pub fn der_form(input: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, DerError> {
    if is_der(input, 0) {
        return Ok(std::borrow::Cow::Borrowed(input));
    }
    let (der, used) = ber_to_der(input)?;
    if used != input.len() {
        return Err(DerError::Invalid("trailing bytes after the DER element"));
    }
    Ok(if der == input {
        std::borrow::Cow::Borrowed(input)
    } else {
        std::borrow::Cow::Owned(der)
    })
}

/// Encodes a length (definite form).
pub fn length(len: usize) -> Vec<u8> {
    if len < 0x80 {
        vec![len as u8]
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

/// Encodes one element.
pub fn encode(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(length(content.len()));
    out.extend_from_slice(content);
    out
}

/// Encodes an unsigned big-endian number as a minimal INTEGER.
pub fn encode_unsigned(bytes: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    let content = match trimmed.first() {
        None => vec![0],
        Some(b) if b & 0x80 != 0 => [&[0u8][..], &trimmed].concat(),
        Some(_) => trimmed,
    };
    encode(tag::INTEGER, &content)
}

/// Encodes an OID from its dotted form.
pub fn encode_oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse().expect("OID arc"))
        .collect();
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut bytes = vec![(v & 0x7F) as u8];
        v >>= 7;
        while v > 0 {
            bytes.push(0x80 | (v & 0x7F) as u8);
            v >>= 7;
        }
        bytes.reverse();
        body.extend(bytes);
    };
    push(arcs[0] * 40 + arcs[1]);
    for a in &arcs[2..] {
        push(*a);
    }
    encode(tag::OID, &body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ber_indefinite_lengths_and_segmented_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { "ab", "c" },
        //   INTEGER 5 with a non-minimal long-form length }, then zero padding.
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x02,
            0x81, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00,
        ];
        let (der, used) = ber_to_der(&ber).unwrap();
        assert_eq!(used, ber.len() - 2);
        assert_eq!(
            der,
            [0x30, 0x08, 0x04, 0x03, b'a', b'b', b'c', 0x02, 0x01, 0x05]
        );
        assert!(Tlv::parse(&der).is_ok());
        // DER stays as it is.
        assert_eq!(ber_to_der(&der).unwrap(), (der.clone(), der.len()));
    }

    #[test]
    fn hostile_ber_is_refused_not_followed() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], 10_000)
            .flatten()
            .collect();
        assert_eq!(
            ber_to_der(&deep),
            Err(DerError::Invalid("BER nested too deeply"))
        );
        assert_eq!(
            ber_to_der(&[0x30, 0x80, 0x02, 0x01]),
            Err(DerError::Truncated)
        );
        assert_eq!(ber_to_der(&[0x04, 0x80, 0x00, 0x00]), Err(DerError::Length));
        assert_eq!(
            ber_to_der(&[0x30, 0x85, 1, 1, 1, 1, 1]),
            Err(DerError::Length)
        );
        assert_eq!(ber_to_der(&[0x30, 0x05, 0x02]), Err(DerError::Truncated));
    }

    use super::*;

    #[test]
    fn oids_round_trip() {
        for oid in [
            "1.2.840.113549.1.9.16.1.4",
            "1.2.156.10197.1.401",
            "2.16.840.1.101.3.4.2.1",
        ] {
            let der = encode_oid(oid);
            assert_eq!(Tlv::parse(&der).unwrap().oid().unwrap(), oid);
        }
        // Twice over more OIDs than the thread keeps: decoded or remembered, the same.
        let many: Vec<String> = (0..40)
            .map(|i| format!("1.2.156.10197.1.{}", 300 + i))
            .collect();
        for _ in 0..2 {
            for oid in &many {
                assert_eq!(&Tlv::parse(&encode_oid(oid)).unwrap().oid().unwrap(), oid);
            }
        }
    }

    #[test]
    fn lengths_are_checked_against_the_input() {
        assert_eq!(Tlv::read(&[0x30, 0x05, 1, 2]), Err(DerError::Truncated));
        assert_eq!(
            Tlv::read(&[0x30, 0x85, 1, 1, 1, 1, 1]),
            Err(DerError::Length)
        );
        assert_eq!(Tlv::read(&[0x30]), Err(DerError::Truncated));
        let long = encode(tag::OCTET_STRING, &[7u8; 300]);
        let (t, rest) = Tlv::read(&long).unwrap();
        assert_eq!((t.content.len(), rest.len(), t.raw.len()), (300, 0, 304));
    }

    #[test]
    fn only_canonical_lengths_and_object_identifiers_are_read() {
        // OCTET STRING of 5 bytes, length in long form where the short form fits.
        assert_eq!(
            Tlv::parse(&[0x04, 0x81, 0x05, 1, 2, 3, 4, 5]),
            Err(DerError::Length)
        );
        // Long form with a leading zero length octet.
        let mut padded = vec![0x04, 0x82, 0x00, 0x80];
        padded.extend([0u8; 0x80]);
        assert_eq!(Tlv::parse(&padded), Err(DerError::Length));
        // Indefinite length (BER only).
        assert_eq!(Tlv::parse(&[0x30, 0x80, 0, 0]), Err(DerError::Length));
        // A length that runs past the input.
        assert_eq!(Tlv::parse(&[0x04, 0x05, 1]), Err(DerError::Truncated));
        assert_eq!(
            Tlv::parse(&[0x04, 0x05, 1, 2, 3, 4, 5]).unwrap().content,
            &[1, 2, 3, 4, 5]
        );

        let oid = |content: &[u8]| {
            let mut der = vec![tag::OID, content.len() as u8];
            der.extend_from_slice(content);
            Tlv::parse(&der).unwrap().oid()
        };
        assert_eq!(
            oid(&[0x2A, 0x81, 0x1C, 0xCF, 0x55]).unwrap(),
            "1.2.156.10197"
        );
        assert!(oid(&[0x2A, 0x80, 0x01]).is_err(), "an arc padded with 0x80");
        assert!(oid(&[0x2A, 0x81]).is_err(), "an arc cut short");
    }
}
