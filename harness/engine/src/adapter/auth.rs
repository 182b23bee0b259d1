//! Request authentication as a scheme the adapter chooses and parameterises. Checks that
//! probe authentication ask the scheme to sign badly (a stale time, a reused nonce, another
//! secret, another body); they never build headers themselves.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};

use super::template::{self, TemplateError};

/// The MAC of an HMAC scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MacAlgorithm {
    /// HMAC over SM3 (GB/T 32905).
    HmacSm3,
    /// HMAC over SHA-256.
    HmacSha256,
}

/// How the body is digested for the string to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BodyDigest {
    /// SM3, lower-case hex.
    Sm3Hex,
    /// SHA-256, lower-case hex.
    Sha256Hex,
    /// SHA-256, base64.
    Sha256Base64,
    /// MD5, lower-case hex.
    Md5Hex,
    /// MD5, base64 (as `Content-MD5`).
    Md5Base64,
    /// No body digest.
    None,
}

/// How the signature bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureEncoding {
    /// Lower-case hex.
    Hex,
    /// Upper-case hex.
    HexUpper,
    /// Base64.
    Base64,
}

/// The unit of the request timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeUnit {
    /// Seconds since the Unix epoch.
    #[serde(rename = "s")]
    Seconds,
    /// Milliseconds since the Unix epoch.
    #[serde(rename = "ms")]
    Millis,
}

/// The HMAC family: a digest, header names, a timestamp unit, the string to sign as a
/// template, and the signature's encoding. tp-profile-1 is one member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HmacScheme {
    /// The MAC.
    pub algorithm: MacAlgorithm,
    /// Unit of `{timestamp}`.
    pub timestamp_unit: TimeUnit,
    /// How `{body_digest}` is computed.
    pub body_digest: BodyDigest,
    /// How `{signature}` is written.
    pub signature_encoding: SignatureEncoding,
    /// The string to sign; see [`SIGNING_NAMES`].
    pub string_to_sign: String,
    /// Headers sent with each request: name → template over [`SIGNING_NAMES`] and
    /// `{signature}`.
    pub headers: BTreeMap<String, String>,
    /// The clock window the platform declares, in seconds, if any: freshness probes stamp
    /// requests inside and outside it.
    #[serde(default)]
    pub window_secs: Option<i64>,
}

/// Names a string to sign may use.
pub const SIGNING_NAMES: [&str; 8] = [
    "method",
    "path",
    "path_only",
    "query",
    "timestamp",
    "nonce",
    "body_digest",
    "key_id",
];

/// Request authentication, as the adapter's `[auth]` declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "kebab-case")]
pub enum AuthScheme {
    /// An HMAC over a declared string to sign.
    Hmac(HmacScheme),
    /// No request authentication at all (a platform that relies on something else, e.g.
    /// network controls): checks that probe it find nothing to probe.
    None,
}

/// What is signed: one request as it will be sent.
#[derive(Debug, Clone)]
pub struct SigningInput<'a> {
    /// HTTP method.
    pub method: &'a str,
    /// Path, as sent.
    pub path: &'a str,
    /// Query string without `?`, as sent; empty when there is none.
    pub query: &'a str,
    /// Body bytes.
    pub body: &'a [u8],
    /// The request time, in milliseconds since the epoch.
    pub at_ms: i64,
    /// A nonce.
    pub nonce: &'a str,
}

/// The key an account signs with.
#[derive(Clone, Copy)]
pub struct SigningKey<'a> {
    /// Key id sent with the request.
    pub key_id: &'a str,
    /// The secret.
    pub secret: &'a [u8],
}

impl HmacScheme {
    /// Checks the templates.
    pub fn validate(&self) -> Result<(), TemplateError> {
        let names = template::placeholders(&self.string_to_sign)?;
        template::check_known(&self.string_to_sign, &names, &SIGNING_NAMES)?;
        let mut header_names: Vec<&str> = SIGNING_NAMES.to_vec();
        header_names.push("signature");
        for (name, value) in &self.headers {
            template::check_known(name, &template::placeholders(name)?, &[])?;
            template::check_known(value, &template::placeholders(value)?, &header_names)?;
        }
        Ok(())
    }

    fn body_digest(&self, body: &[u8]) -> String {
        use sha2::Digest;
        match self.body_digest {
            BodyDigest::Sm3Hex => hex::encode(sm3::Sm3::digest(body)),
            BodyDigest::Sha256Hex => hex::encode(sha2::Sha256::digest(body)),
            BodyDigest::Sha256Base64 => B64.encode(sha2::Sha256::digest(body)),
            BodyDigest::Md5Hex => hex::encode(md5::Md5::digest(body)),
            BodyDigest::Md5Base64 => B64.encode(md5::Md5::digest(body)),
            BodyDigest::None => String::new(),
        }
    }

    fn mac(&self, secret: &[u8], message: &[u8]) -> Vec<u8> {
        match self.algorithm {
            MacAlgorithm::HmacSm3 => {
                let mut mac = hmac::Hmac::<sm3::Sm3>::new_from_slice(secret)
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
            MacAlgorithm::HmacSha256 => {
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret)
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                mac.finalize().into_bytes().to_vec()
            }
        }
    }

    /// The headers that authenticate `input` under `key`.
    pub fn sign(
        &self,
        key: SigningKey<'_>,
        input: &SigningInput<'_>,
    ) -> Result<Vec<(String, String)>, TemplateError> {
        let timestamp = match self.timestamp_unit {
            TimeUnit::Seconds => input.at_ms.div_euclid(1000).to_string(),
            TimeUnit::Millis => input.at_ms.to_string(),
        };
        let path = if input.query.is_empty() {
            input.path.to_string()
        } else {
            format!("{}?{}", input.path, input.query)
        };
        let body_digest = self.body_digest(input.body);
        let value = |name: &str| -> Option<String> {
            Some(match name {
                "method" => input.method.to_string(),
                "path" => path.clone(),
                "path_only" => input.path.to_string(),
                "query" => input.query.to_string(),
                "timestamp" => timestamp.clone(),
                "nonce" => input.nonce.to_string(),
                "body_digest" => body_digest.clone(),
                "key_id" => key.key_id.to_string(),
                _ => return None,
            })
        };
        let to_sign = template::render(&self.string_to_sign, value, &SIGNING_NAMES)?;
        let mac = self.mac(key.secret, to_sign.as_bytes());
        let signature = match self.signature_encoding {
            SignatureEncoding::Hex => hex::encode(&mac),
            SignatureEncoding::HexUpper => hex::encode_upper(&mac),
            SignatureEncoding::Base64 => B64.encode(&mac),
        };
        self.headers
            .iter()
            .map(|(name, t)| {
                let v = template::render(
                    t,
                    |n| {
                        if n == "signature" {
                            Some(signature.clone())
                        } else {
                            value(n)
                        }
                    },
                    &SIGNING_NAMES,
                )?;
                Ok((name.to_ascii_lowercase(), v))
            })
            .collect()
    }
}

impl AuthScheme {
    /// Checks the scheme's templates.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            AuthScheme::Hmac(h) => h.validate().map_err(|e| format!("auth: {e}")),
            AuthScheme::None => Ok(()),
        }
    }

    /// Whether requests carry a time the platform can judge (replay and clock-window probes
    /// need one).
    pub fn has_timestamp(&self) -> bool {
        match self {
            AuthScheme::Hmac(h) => h.headers.values().any(|t| t.contains("{timestamp}")),
            AuthScheme::None => false,
        }
    }

    /// Whether requests carry a nonce the platform can remember.
    pub fn has_nonce(&self) -> bool {
        match self {
            AuthScheme::Hmac(h) => h.string_to_sign.contains("{nonce}"),
            AuthScheme::None => false,
        }
    }

    /// The clock window the platform declares, if any.
    pub fn window_secs(&self) -> Option<i64> {
        match self {
            AuthScheme::Hmac(h) => h.window_secs,
            AuthScheme::None => None,
        }
    }

    /// Names of the headers that carry secrets-derived values, masked in evidence.
    pub fn signature_headers(&self) -> Vec<String> {
        match self {
            AuthScheme::Hmac(h) => h
                .headers
                .iter()
                .filter(|(_, t)| t.contains("{signature}"))
                .map(|(n, _)| n.to_ascii_lowercase())
                .collect(),
            AuthScheme::None => Vec::new(),
        }
    }

    /// The headers that authenticate `input` under `key`; none for [`AuthScheme::None`].
    pub fn sign(
        &self,
        key: SigningKey<'_>,
        input: &SigningInput<'_>,
    ) -> Result<Vec<(String, String)>, TemplateError> {
        match self {
            AuthScheme::Hmac(h) => h.sign(key, input),
            AuthScheme::None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp_profile_1() -> HmacScheme {
        match super::super::Adapter::tp_profile_1().auth {
            AuthScheme::Hmac(h) => h,
            AuthScheme::None => panic!("tp-profile-1 signs requests"),
        }
    }

    #[test]
    fn the_profile_scheme_is_the_profile_string_to_sign_under_hmac_sm3() {
        let input = SigningInput {
            method: "POST",
            path: "/api/v1/evidence",
            query: "a=1",
            body: b"{}",
            at_ms: 1_700_000_000_999,
            nonce: "n1",
        };
        let key = SigningKey {
            key_id: "k",
            secret: b"s3cret",
        };
        let headers = tp_profile_1().sign(key, &input).unwrap();
        let expected = tianping_profile::canonical::request_string_to_sign(
            "POST",
            "/api/v1/evidence?a=1",
            "1700000000",
            "n1",
            b"{}",
        )
        .unwrap();
        let mac = hex::encode(tianping_profile::hmac::hmac_sm3(b"s3cret", &expected));
        let find = |n: &str| headers.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(find("x-tp-signature"), mac);
        assert_eq!(find("x-tp-timestamp"), "1700000000");
        assert_eq!(find("x-tp-key-id"), "k");
    }

    #[test]
    fn an_hmac_sha256_scheme_matches_a_known_vector() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let scheme = HmacScheme {
            algorithm: MacAlgorithm::HmacSha256,
            timestamp_unit: TimeUnit::Millis,
            body_digest: BodyDigest::Md5Base64,
            signature_encoding: SignatureEncoding::Hex,
            string_to_sign: "what do ya want for nothing?".into(),
            headers: [
                ("X-Sign".to_string(), "{signature}".to_string()),
                ("X-Ts".to_string(), "{timestamp}".to_string()),
            ]
            .into_iter()
            .collect(),
            window_secs: None,
        };
        let input = SigningInput {
            method: "GET",
            path: "/",
            query: "",
            body: b"",
            at_ms: 1_700_000_000_999,
            nonce: "",
        };
        let headers = scheme
            .sign(
                SigningKey {
                    key_id: "",
                    secret: b"Jefe",
                },
                &input,
            )
            .unwrap();
        assert_eq!(
            headers,
            vec![
                (
                    "x-sign".to_string(),
                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843".to_string()
                ),
                ("x-ts".to_string(), "1700000000999".to_string()),
            ]
        );
    }

    #[test]
    fn body_digests_match_known_values() {
        let mut scheme = tp_profile_1();
        scheme.body_digest = BodyDigest::Md5Hex;
        assert_eq!(scheme.body_digest(b""), "d41d8cd98f00b204e9800998ecf8427e");
        scheme.body_digest = BodyDigest::Md5Base64;
        assert_eq!(scheme.body_digest(b""), "1B2M2Y8AsgTpgAmY7PhCfg==");
        scheme.body_digest = BodyDigest::Sha256Hex;
        assert_eq!(
            scheme.body_digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_template_naming_an_unknown_value_is_refused() {
        let mut scheme = tp_profile_1();
        scheme.string_to_sign = "{method}\n{secret}".into();
        assert!(scheme.validate().is_err());
    }
}
