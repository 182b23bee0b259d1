//! Request signatures made by the adapters' SM2 and RSA schemes, verified by OpenSSL: keys
//! OpenSSL generated (PKCS#8 PEM, as a lab would export them) sign through the harness, and
//! OpenSSL checks each signature over the string to sign with the public key alone.

use std::path::Path;
use std::process::Command;

use base64::Engine;
use tianping_engine::adapter::auth::{Secret, SigningInput, SigningKey};
use tianping_engine::adapter::{Adapter, AuthScheme};

fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl not found: run ./scripts/setup.sh");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// An adapter whose requests are signed with `algorithm` over `{method}\n{path}\n{timestamp}`.
fn scheme(algorithm: &str) -> AuthScheme {
    let text = format!(
        r#"
[adapter]
name = "signed-{algorithm}"
[auth]
scheme = "signature"
algorithm = "{algorithm}"
private_key_env = "LAB_PRIVATE_KEY"
timestamp_unit = "ms"
body_digest = "sm3-hex"
signature_encoding = "base64"
string_to_sign = "{{method}}\n{{path}}\n{{timestamp}}\n{{body_digest}}"
[auth.headers]
X-Signature = "{{signature}}"
"#
    );
    Adapter::parse(&text, "test").unwrap().auth
}

/// Signs a request with the PEM key in `dir/key.pem`; returns the string that was signed and
/// the signature.
fn sign(dir: &Path, algorithm: &str) -> (String, Vec<u8>) {
    let key = std::fs::read_to_string(dir.join("key.pem")).unwrap();
    let input = SigningInput {
        method: "POST",
        path: "/v1/evidence",
        query: "",
        body: b"{\"content\":\"x\"}",
        at_ms: 1_764_676_800_123,
        nonce: "",
    };
    let headers = scheme(algorithm)
        .sign(
            SigningKey {
                key_id: "lab",
                secret: Secret::PrivateKey {
                    text: &key,
                    env: "LAB_PRIVATE_KEY",
                },
            },
            &input,
        )
        .unwrap();
    let signature = headers
        .iter()
        .find(|(k, _)| k == "x-signature")
        .map(|(_, v)| base64::engine::general_purpose::STANDARD.decode(v).unwrap())
        .unwrap();
    let signed = format!(
        "POST\n/v1/evidence\n1764676800123\n{}",
        tianping_profile::digest::sm3_hex(b"{\"content\":\"x\"}")
    );
    (signed, signature)
}

#[test]
fn sm2_request_signatures_verify_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "key.pem"]);
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let (signed, signature) = sign(d, "sm2-sm3");
    std::fs::write(d.join("msg"), &signed).unwrap();
    std::fs::write(d.join("sig"), &signature).unwrap();
    let out = openssl(
        d,
        &[
            "pkeyutl",
            "-verify",
            "-pubin",
            "-inkey",
            "pub.pem",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-in",
            "msg",
            "-sigfile",
            "sig",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verified Successfully"));
}

#[test]
fn rsa_request_signatures_verify_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "key.pem",
        ],
    );
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let (signed, signature) = sign(d, "rsa-sha256");
    std::fs::write(d.join("msg"), &signed).unwrap();
    std::fs::write(d.join("sig"), &signature).unwrap();
    let out = openssl(
        d,
        &[
            "dgst",
            "-sha256",
            "-verify",
            "pub.pem",
            "-signature",
            "sig",
            "msg",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Verified OK"));
}
