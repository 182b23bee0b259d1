//! A small, strict DER reader: enough to walk CMS and RFC 3161 structures without trusting
//! them. Every length is checked against the input; nothing is allocated per element.

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
        let (&first, rest) = rest.split_first().ok_or(DerError::Truncated)?;
        let (len, rest) = if first < 0x80 {
            (first as usize, rest)
        } else {
            let n = (first & 0x7F) as usize;
            if n == 0 || n > 4 || rest.len() < n {
                return Err(DerError::Length);
            }
            let len = rest[..n].iter().fold(0usize, |a, b| (a << 8) | *b as usize);
            (len, &rest[n..])
        };
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
        let mut arcs: Vec<u64> = Vec::new();
        let mut value: u64 = 0;
        for &b in self.content {
            value = value
                .checked_mul(128)
                .ok_or(DerError::Invalid("OID arc too large"))?
                | (b & 0x7F) as u64;
            if b & 0x80 == 0 {
                if arcs.is_empty() {
                    let first = (value / 40).min(2);
                    arcs.push(first);
                    arcs.push(value - first * 40);
                } else {
                    arcs.push(value);
                }
                value = 0;
            }
        }
        Ok(arcs
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join("."))
    }
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
}
