//! The one PEM reader (RFC 7468) of the harness: certificates, CRLs and anything else that
//! arrives as PEM goes through [`blocks`]. The `pem` crate does the decoding; this module
//! picks the blocks of one label, refuses a block that is begun but never ended (the crate
//! would skip it silently), and keeps the error typed.

/// Why PEM text cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// A block's framing or base64 is broken.
    #[error("malformed PEM: {0}")]
    Malformed(String),
    /// A `BEGIN` line of this label has no matching `END` line.
    #[error("a PEM {0} block is begun but never ended")]
    Unterminated(String),
}

/// The contents (DER) of every block labelled `label` in `text`, in order. Text around the
/// blocks and blocks of other labels are ignored.
pub fn blocks(text: &str, label: &str) -> Result<Vec<Vec<u8>>, PemError> {
    let parsed = pem::parse_many(text).map_err(|e| PemError::Malformed(e.to_string()))?;
    let found: Vec<Vec<u8>> = parsed
        .into_iter()
        .filter(|p| p.tag() == label)
        .map(pem::Pem::into_contents)
        .collect();
    let begun = text.matches(&format!("-----BEGIN {label}-----")).count();
    if begun > found.len() {
        return Err(PemError::Unterminated(label.to_string()));
    }
    Ok(found)
}

/// The certificates (DER) of every `CERTIFICATE` block in `text`.
pub fn certificates(text: &str) -> Result<Vec<Vec<u8>>, PemError> {
    blocks(text, "CERTIFICATE")
}

/// `der` as one PEM block labelled `label`, with LF line endings.
pub fn encode(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_of_one_label_are_read_in_order_and_the_rest_ignored() {
        let text = format!(
            "subject=CN=leaf\n{}{}\ntrailing words\n{}",
            encode("CERTIFICATE", b"first"),
            encode("X509 CRL", b"a crl"),
            encode("CERTIFICATE", b"second")
        );
        assert_eq!(
            certificates(&text).unwrap(),
            [b"first".to_vec(), b"second".to_vec()]
        );
        assert_eq!(blocks(&text, "X509 CRL").unwrap(), [b"a crl".to_vec()]);
        assert!(blocks(&text, "PRIVATE KEY").unwrap().is_empty());
    }

    #[test]
    fn broken_blocks_are_errors_not_silently_skipped() {
        let unterminated = "-----BEGIN CERTIFICATE-----\nAAAA\n";
        assert_eq!(
            certificates(unterminated),
            Err(PemError::Unterminated("CERTIFICATE".into()))
        );
        let bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            certificates(bad_base64),
            Err(PemError::Malformed(_))
        ));
    }
}
