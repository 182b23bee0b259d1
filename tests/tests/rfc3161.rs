//! The RFC 3161 reader against an independent TSA: `openssl ts -reply` answers the harness's
//! own requests, with ECDSA and RSA keys.

use tianping_fixtures::openssl_tsa::{EC_P256, OpensslTsa, RSA_2048};
use tianping_profile::der::encode;
use tianping_profile::rfc3161::{self, oid};

#[test]
fn tokens_from_openssl_verify_and_any_change_is_caught() {
    for key in [EC_P256, RSA_2048] {
        let dir = tempfile::tempdir().unwrap();
        let tsa = OpensslTsa::make(dir.path(), key).unwrap();
        let data = b"manifest bytes";
        let digest = tianping_profile::digest::sha256(data);
        let request = rfc3161::request(oid::SHA256, &digest, &[0x9a, 1, 2, 3, 4, 5, 6, 7]);
        let response = tsa.reply(&request).unwrap();
        let token = rfc3161::token_of_response(&response).unwrap();
        let ts = rfc3161::verify_for(&token, data).unwrap();
        assert_eq!(ts.policy, "1.2.3.4.1");
        assert_eq!(ts.nonce_hex.as_deref(), Some("9a01020304050607"));
        assert_eq!(ts.imprint_hex, hex::encode(digest));
        assert!(
            ts.tsa_subject.contains("OpenSSL Test TSA"),
            "{}",
            ts.tsa_subject
        );
        assert!(
            ts.gen_time.ends_with('Z') && ts.gen_time.len() >= 15,
            "{}",
            ts.gen_time
        );

        // Other data: the imprint does not match.
        let err = rfc3161::verify_for(&token, b"other bytes").unwrap_err();
        assert!(err.to_string().contains("imprint"), "{err}");
        // One changed byte of the signed TSTInfo (its serial number) or of the signature.
        let serial_at = token
            .windows(ts.serial_hex.len() / 2)
            .position(|w| hex::encode(w) == ts.serial_hex)
            .unwrap();
        let mut altered = token.clone();
        altered[serial_at] ^= 0x01;
        assert!(rfc3161::verify_for(&altered, data).is_err());
        let mut altered = token.clone();
        let last = altered.len() - 3;
        altered[last] ^= 0x01;
        assert!(rfc3161::verify_for(&altered, data).is_err());
        // Truncated input is an error, never a panic.
        for cut in [0, 1, 10, token.len() / 2, token.len() - 1] {
            assert!(rfc3161::verify_token(&token[..cut]).is_err());
        }
    }
}

#[test]
fn a_refusal_is_reported_with_its_status() {
    // PKIStatus 2 (rejection) with a status string, as a TSA sends for a bad request.
    let text = encode(0x0C, b"unsupported algorithm");
    let status = encode(0x30, &[encode(0x02, &[2]), encode(0x30, &text)].concat());
    let response = encode(0x30, &status);
    let err = rfc3161::token_of_response(&response).unwrap_err();
    assert!(
        err.to_string().contains("PKIStatus 2")
            && err.to_string().contains("unsupported algorithm"),
        "{err}"
    );
}

/// `der` with every constructed element in BER's indefinite-length form, as BouncyCastle
/// writes CMS: primitive contents (the TSTInfo's bytes among them) stay as they are.
fn indefinite(der: &[u8]) -> Vec<u8> {
    use tianping_profile::der::Tlv;
    let mut out = Vec::new();
    let mut rest = der;
    while !rest.is_empty() {
        let (tlv, after) = Tlv::read(rest).unwrap();
        if tlv.tag & 0x20 != 0 {
            out.extend([tlv.tag, 0x80]);
            out.extend(indefinite(tlv.content));
            out.extend([0, 0]);
        } else {
            out.extend_from_slice(tlv.raw);
        }
        rest = after;
    }
    out
}

#[test]
fn a_token_and_a_response_in_ber_are_read_as_their_der_form() {
    let dir = tempfile::tempdir().unwrap();
    let tsa = OpensslTsa::make(dir.path(), EC_P256).unwrap();
    let data = b"manifest bytes";
    let request = rfc3161::request(oid::SHA256, &tianping_profile::digest::sha256(data), &[7]);
    let response = tsa.reply(&request).unwrap();
    let der_token = rfc3161::token_of_response(&response).unwrap();
    let ber_response = indefinite(&response);
    assert_ne!(ber_response, response);
    let token = rfc3161::token_of_response(&ber_response).unwrap();
    assert_eq!(token, der_token, "the token comes back in DER");
    let ber_token = indefinite(&der_token);
    let ts = rfc3161::verify_for(&ber_token, data).unwrap();
    assert_eq!(ts.nonce_hex.as_deref(), Some("07"));
    // A change still shows: one bit of the signature, in the BER form.
    let signature_tail = &der_token[der_token.len() - 8..];
    let at = ber_token
        .windows(8)
        .position(|w| w == signature_tail)
        .unwrap();
    let mut altered = ber_token.clone();
    altered[at + 4] ^= 0x01;
    assert!(rfc3161::verify_for(&altered, data).is_err());
}
