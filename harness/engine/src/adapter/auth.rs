//! Request authentication as a scheme the adapter chooses and parameterises. Checks that
//! probe authentication ask the scheme to sign badly (a stale time, a reused nonce, another
//! secret, another body); they never build headers themselves.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};

use super::template::{self, TemplateError};

/// What makes a request's signature: a MAC under a shared secret, or a signature under the
/// account's private key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MacAlgorithm {
    /// HMAC over SM3 (GB/T 32905).
    HmacSm3,
    /// HMAC over SHA-256.
    HmacSha256,
    /// SM2 signature with SM3 (GB/T 32918, with a distinguishing ID), DER.
    Sm2Sm3,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (SHA256withRSA).
    RsaSha256,
}

impl MacAlgorithm {
    /// Whether the algorithm signs with a private key rather than a shared secret.
    pub fn is_asymmetric(self) -> bool {
        matches!(self, MacAlgorithm::Sm2Sm3 | MacAlgorithm::RsaSha256)
    }
}

/// Why a request cannot be signed.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// A template cannot be filled.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The private key cannot be used; never shows the key.
    #[error("the private key in {env} cannot be used: {why}")]
    Key {
        /// The environment variable that holds it.
        env: String,
        /// Why (no key material).
        why: &'static str,
    },
}

/// The secret a request is signed with.
#[derive(Clone, Copy)]
pub enum Secret<'a> {
    /// An HMAC key.
    Shared(&'a [u8]),
    /// A private key (PEM, or for SM2 also 64 hex characters), and the variable it came from.
    PrivateKey {
        /// The key text.
        text: &'a str,
        /// The environment variable that held it, for messages.
        env: &'a str,
    },
    /// A key that is not the account's: for probes that must be refused.
    NotTheAccounts,
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

/// Signed requests: an algorithm (an HMAC, or SM2 / RSA under the account's private key), header
/// names, a timestamp unit, the string to sign as a template, and the signature's encoding.
/// tp-profile-1 is one member.
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
    /// For SM2 and RSA: the environment variable holding the lab account's private key.
    #[serde(default)]
    pub private_key_env: Option<String>,
    /// For SM2 and RSA: the environment variable holding the second account's private key.
    #[serde(default)]
    pub second_private_key_env: Option<String>,
    /// For SM2: the distinguishing ID (default 1234567812345678, GB/T 35276).
    #[serde(default)]
    pub distinguishing_id: Option<String>,
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
    /// A signature over a declared string to sign: an HMAC, or SM2 / RSA (`scheme =
    /// "signature"` reads the same).
    #[serde(alias = "signature")]
    Hmac(HmacScheme),
    /// Bearer tokens from an OAuth2 client-credentials endpoint (RFC 6749 §4.4).
    Bearer(BearerScheme),
    /// No request authentication at all (a platform that relies on something else, e.g.
    /// network controls): checks that probe it find nothing to probe.
    None,
}

/// How the client's credentials go to the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// `client_id` and `client_secret` in the form body.
    #[default]
    Body,
    /// HTTP Basic with the id and secret (RFC 6749 §2.3.1).
    Basic,
}

/// Where bearer tokens come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenSource {
    /// An OAuth2 token endpoint, client credentials grant (RFC 6749 §4.4).
    #[default]
    ClientCredentials,
    /// The adapter's `login` operation, with the account's key id and secret as user name
    /// and password; the token is the answer's `session_token` field.
    Login,
}

/// Bearer tokens: the API key id and secret are an OAuth2 client's (exchanged for a token at
/// `token_path`) or a login's; each request carries the token. Requests carry no time and
/// their bodies are not signed, so the replay and altered-body probes have nothing to probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BearerScheme {
    /// Where tokens come from.
    #[serde(default)]
    pub token_from: TokenSource,
    /// Path of the token endpoint under the base URL (client credentials only).
    #[serde(default)]
    pub token_path: Option<String>,
    /// How the client authenticates to it.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// The scope asked for, if the platform needs one.
    #[serde(default)]
    pub scope: Option<String>,
    /// Header that carries the token (default `authorization`).
    #[serde(default = "default_bearer_header")]
    pub header: String,
    /// Its value, a template over `{token}` (default `Bearer {token}`).
    #[serde(default = "default_bearer_value")]
    pub value: String,
}

fn default_bearer_header() -> String {
    "authorization".into()
}

fn default_bearer_value() -> String {
    "Bearer {token}".into()
}

impl BearerScheme {
    /// The header that carries `token`.
    pub fn header_for(&self, token: &str) -> Result<(String, String), TemplateError> {
        let value = template::render(
            &self.value,
            |n| (n == "token").then(|| token.to_string()),
            &["token"],
        )?;
        Ok((self.header.to_ascii_lowercase(), value))
    }
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
    pub secret: Secret<'a>,
}

impl HmacScheme {
    /// Checks that an asymmetric algorithm names its key and an HMAC does not.
    fn validate_keys(&self) -> Result<(), String> {
        match (self.algorithm.is_asymmetric(), &self.private_key_env) {
            (true, None) => Err(
                "auth.private_key_env must name the environment variable holding the private key"
                    .into(),
            ),
            (false, Some(_)) => Err(
                "auth.private_key_env is for sm2-sm3 and rsa-sha256; an HMAC uses the API secret"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

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

    /// The signature bytes of `message`.
    fn mac(&self, secret: Secret<'_>, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let env = match secret {
            Secret::PrivateKey { env, .. } => env.to_string(),
            _ => String::new(),
        };
        let bad = |why: &'static str| SignError::Key {
            env: env.clone(),
            why,
        };
        match self.algorithm {
            MacAlgorithm::HmacSm3 => {
                let mut mac = hmac::Hmac::<sm3::Sm3>::new_from_slice(shared(secret))
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                Ok(mac.finalize().into_bytes().to_vec())
            }
            MacAlgorithm::HmacSha256 => {
                let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(shared(secret))
                    .expect("HMAC accepts keys of any length");
                mac.update(message);
                Ok(mac.finalize().into_bytes().to_vec())
            }
            MacAlgorithm::Sm2Sm3 => {
                let id = self
                    .distinguishing_id
                    .as_deref()
                    .unwrap_or(tianping_profile::sm2sig::DEFAULT_DIST_ID);
                let key = match secret {
                    Secret::PrivateKey { text, .. } => sm2_key(id, text).ok_or_else(|| {
                        bad("not an SM2 private key (64 hex characters, or PKCS#8 PEM)")
                    })?,
                    _ => tianping_profile::sm2sig::signing_key_from_seed(id, WRONG_SECRET),
                };
                Ok(tianping_profile::sm2sig::sign_der(&key, message))
            }
            MacAlgorithm::RsaSha256 => {
                use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
                let key = match secret {
                    Secret::PrivateKey { text, .. } => {
                        let der = private_key_der(text)
                            .ok_or_else(|| bad("no PKCS#8 PEM block (PRIVATE KEY)"))?;
                        RsaKeyPair::from_pkcs8(&der)
                            .map_err(|_| bad("not a usable RSA key (PKCS#8)"))?
                    }
                    _ => RsaKeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                        .map_err(|_| bad("could not make a probe key"))?,
                };
                let mut signature = vec![0; key.public_modulus_len()];
                key.sign(
                    &RSA_PKCS1_SHA256,
                    &aws_lc_rs::rand::SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(|_| bad("signing failed"))?;
                Ok(signature)
            }
        }
    }

    /// The headers that authenticate `input` under `key`.
    pub fn sign(
        &self,
        key: SigningKey<'_>,
        input: &SigningInput<'_>,
    ) -> Result<Vec<(String, String)>, SignError> {
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
        let mac = self.mac(key.secret, to_sign.as_bytes())?;
        let signature = match self.signature_encoding {
            SignatureEncoding::Hex => hex::encode(&mac),
            SignatureEncoding::HexUpper => hex::encode_upper(&mac),
            SignatureEncoding::Base64 => B64.encode(&mac),
        };
        let headers: Result<Vec<(String, String)>, TemplateError> = self
            .headers
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
            .collect();
        Ok(headers?)
    }
}

/// A secret no lab uses: requests signed with it must be refused.
const WRONG_SECRET: &[u8] = b"not the lab's secret: tianping-harness probe";

/// The HMAC key of `secret`: the account's, or for a probe one no lab uses.
fn shared(secret: Secret<'_>) -> &[u8] {
    match secret {
        Secret::Shared(key) => key,
        _ => WRONG_SECRET,
    }
}

/// The DER of the first PKCS#8 `PRIVATE KEY` block in `text`.
fn private_key_der(text: &str) -> Option<Vec<u8>> {
    tianping_profile::pem::blocks(text, "PRIVATE KEY")
        .ok()?
        .into_iter()
        .next()
}

/// An SM2 private key from 64 hex characters or a PKCS#8 PEM block.
fn sm2_key(id: &str, text: &str) -> Option<sm2::dsa::SigningKey> {
    let text = text.trim();
    let secret = match hex::decode(text) {
        Ok(bytes) if bytes.len() == 32 => bytes,
        _ => {
            use sm2::pkcs8::DecodePrivateKey;
            let key = sm2::SecretKey::from_pkcs8_der(&private_key_der(text)?).ok()?;
            key.to_bytes().to_vec()
        }
    };
    tianping_profile::sm2sig::signing_key_from_bytes(id, &secret).ok()
}

impl AuthScheme {
    /// Checks the scheme's templates and keys.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            AuthScheme::Hmac(h) => {
                h.validate_keys()?;
                h.validate().map_err(|e| format!("auth: {e}"))
            }
            AuthScheme::Bearer(b) => {
                match (b.token_from, &b.token_path) {
                    (TokenSource::ClientCredentials, Some(p)) if p.starts_with('/') => {}
                    (TokenSource::ClientCredentials, Some(p)) => {
                        return Err(format!(
                            "auth.token_path `{p}` must be a path under the base URL"
                        ));
                    }
                    (TokenSource::ClientCredentials, None) => {
                        return Err(
                            "auth.token_path must name the token endpoint (or set token_from = \"login\")"
                                .into(),
                        );
                    }
                    (TokenSource::Login, Some(_)) => {
                        return Err(
                            "auth.token_path is for client credentials; with token_from = \"login\" the token comes from the login operation"
                                .into(),
                        );
                    }
                    (TokenSource::Login, None) => {}
                }
                let names = template::placeholders(&b.value).map_err(|e| e.to_string())?;
                template::check_known(&b.value, &names, &["token"]).map_err(|e| e.to_string())
            }
            AuthScheme::None => Ok(()),
        }
    }

    /// Whether request bodies are covered by the authentication (the altered-body probe has
    /// something to probe).
    pub fn signs_body(&self) -> bool {
        match self {
            AuthScheme::Hmac(h) => {
                h.body_digest != BodyDigest::None
                    && (h.string_to_sign.contains("{body_digest}")
                        || h.headers.values().any(|v| v.contains("{body_digest}")))
            }
            _ => false,
        }
    }

    /// Whether requests name the key they are signed with (the unknown-key probe has
    /// something to probe).
    pub fn names_key(&self) -> bool {
        match self {
            AuthScheme::Hmac(h) => {
                h.string_to_sign.contains("{key_id}")
                    || h.headers.values().any(|v| v.contains("{key_id}"))
            }
            _ => false,
        }
    }

    /// The environment variable holding the second account's (or the lab account's) private
    /// key, for schemes that sign with one.
    pub fn private_key_env(&self, second: bool) -> Option<&str> {
        match self {
            AuthScheme::Hmac(h) if h.algorithm.is_asymmetric() => {
                if second {
                    h.second_private_key_env.as_deref()
                } else {
                    h.private_key_env.as_deref()
                }
            }
            _ => None,
        }
    }

    /// Whether requests carry a time the platform can judge (replay and clock-window probes
    /// need one).
    pub fn has_timestamp(&self) -> bool {
        match self {
            AuthScheme::Hmac(h) => h.headers.values().any(|t| t.contains("{timestamp}")),
            AuthScheme::Bearer(_) | AuthScheme::None => false,
        }
    }

    /// Whether requests carry a nonce the platform can remember.
    pub fn has_nonce(&self) -> bool {
        match self {
            AuthScheme::Hmac(h) => h.string_to_sign.contains("{nonce}"),
            AuthScheme::Bearer(_) | AuthScheme::None => false,
        }
    }

    /// The clock window the platform declares, if any.
    pub fn window_secs(&self) -> Option<i64> {
        match self {
            AuthScheme::Hmac(h) => h.window_secs,
            AuthScheme::Bearer(_) | AuthScheme::None => None,
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
            AuthScheme::Bearer(b) => vec![b.header.to_ascii_lowercase()],
            AuthScheme::None => Vec::new(),
        }
    }

    /// The headers that authenticate `input` under `key`; none for [`AuthScheme::None`].
    pub fn sign(
        &self,
        key: SigningKey<'_>,
        input: &SigningInput<'_>,
    ) -> Result<Vec<(String, String)>, SignError> {
        match self {
            AuthScheme::Hmac(h) => h.sign(key, input),
            // The token is fetched and attached by the caller, which holds the connection.
            AuthScheme::Bearer(_) | AuthScheme::None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp_profile_1() -> HmacScheme {
        match super::super::Adapter::tp_profile_1().auth {
            AuthScheme::Hmac(h) => h,
            _ => panic!("tp-profile-1 signs requests"),
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
            secret: Secret::Shared(b"s3cret"),
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
            private_key_env: None,
            second_private_key_env: None,
            distinguishing_id: None,
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
                    secret: Secret::Shared(b"Jefe"),
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

    /// A scheme signing `{method} {path}` with `algorithm`, base64.
    fn asymmetric(algorithm: MacAlgorithm) -> HmacScheme {
        HmacScheme {
            algorithm,
            timestamp_unit: TimeUnit::Seconds,
            body_digest: BodyDigest::None,
            signature_encoding: SignatureEncoding::Base64,
            string_to_sign: "{method} {path}".into(),
            headers: [("x-sig".to_string(), "{signature}".to_string())]
                .into_iter()
                .collect(),
            window_secs: None,
            private_key_env: Some("TP_TEST_KEY".into()),
            second_private_key_env: None,
            distinguishing_id: None,
        }
    }

    fn input() -> SigningInput<'static> {
        SigningInput {
            method: "POST",
            path: "/v1/deposit",
            query: "",
            body: b"{}",
            at_ms: 1_700_000_000_000,
            nonce: "n",
        }
    }

    fn signature_of(headers: &[(String, String)]) -> Vec<u8> {
        B64.decode(&headers.iter().find(|(k, _)| k == "x-sig").unwrap().1)
            .unwrap()
    }

    #[test]
    fn sm2_signed_requests_verify_under_the_accounts_public_key() {
        let secret = [7u8; 32];
        let text = hex::encode(secret);
        let scheme = asymmetric(MacAlgorithm::Sm2Sm3);
        let key = SigningKey {
            key_id: "k",
            secret: Secret::PrivateKey {
                text: &text,
                env: "TP_TEST_KEY",
            },
        };
        let signature = signature_of(&scheme.sign(key, &input()).unwrap());
        let signer = tianping_profile::sm2sig::signing_key_from_bytes(
            tianping_profile::sm2sig::DEFAULT_DIST_ID,
            &secret,
        )
        .unwrap();
        let public = tianping_profile::sm2sig::public_key_bytes(&signer);
        assert!(
            tianping_profile::sm2sig::verify(
                &public,
                tianping_profile::sm2sig::DEFAULT_DIST_ID,
                b"POST /v1/deposit",
                &signature
            )
            .is_ok()
        );
        // A probe's key is not the account's: its signature does not verify.
        let probe = SigningKey {
            key_id: "k",
            secret: Secret::NotTheAccounts,
        };
        let forged = signature_of(&scheme.sign(probe, &input()).unwrap());
        assert!(
            tianping_profile::sm2sig::verify(
                &public,
                tianping_profile::sm2sig::DEFAULT_DIST_ID,
                b"POST /v1/deposit",
                &forged
            )
            .is_err()
        );
    }

    #[test]
    fn rsa_signed_requests_verify_under_the_accounts_public_key() {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let der = pair.as_der().unwrap();
        let pem = tianping_profile::pem::encode("PRIVATE KEY", der.as_ref());
        let scheme = asymmetric(MacAlgorithm::RsaSha256);
        let key = SigningKey {
            key_id: "k",
            secret: Secret::PrivateKey {
                text: &pem,
                env: "TP_TEST_KEY",
            },
        };
        let signature = signature_of(&scheme.sign(key, &input()).unwrap());
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, pair.public_key().as_ref())
            .verify(b"POST /v1/deposit", &signature)
            .unwrap();
    }

    #[test]
    fn a_bad_private_key_is_named_by_its_variable_never_shown() {
        let scheme = asymmetric(MacAlgorithm::Sm2Sm3);
        let key = SigningKey {
            key_id: "k",
            secret: Secret::PrivateKey {
                text: "secret-material-that-is-not-a-key",
                env: "TP_TEST_KEY",
            },
        };
        let err = scheme.sign(key, &input()).unwrap_err().to_string();
        assert!(err.contains("TP_TEST_KEY"), "{err}");
        assert!(!err.contains("secret-material"), "{err}");
    }

    #[test]
    fn asymmetric_schemes_name_their_key_and_hmacs_do_not() {
        let mut scheme = asymmetric(MacAlgorithm::Sm2Sm3);
        assert!(AuthScheme::Hmac(scheme.clone()).validate().is_ok());
        scheme.private_key_env = None;
        assert!(AuthScheme::Hmac(scheme.clone()).validate().is_err());
        let mut hmac = tp_profile_1();
        hmac.private_key_env = Some("X".into());
        assert!(AuthScheme::Hmac(hmac).validate().is_err());
    }

    #[test]
    fn a_template_naming_an_unknown_value_is_refused() {
        let mut scheme = tp_profile_1();
        scheme.string_to_sign = "{method}\n{secret}".into();
        assert!(scheme.validate().is_err());
    }
}
