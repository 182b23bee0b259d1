//! Certificate checks offline (`tianping-harness certs`): the same findings as the live run on
//! the same certificates, and the right verdicts on certificates OpenSSL made.

use std::path::{Path, PathBuf};
use std::process::Command;

use tianping_engine::Config;
use tianping_engine::certset::{CertRole, CertSet};
use tianping_engine::runner;
use tianping_fixtures::{Fault, Faults};
use tianping_harness::evaluate;

fn loopback_config() -> tianping_engine::Config {
    let mut config = tianping_engine::Config::default();
    config.limits.requests_per_second = 1000.0;
    config
}

fn pem(der: &[u8]) -> String {
    tianping_fixtures::pki::pem("CERTIFICATE", der)
}

/// The certificate checks' outcomes, by ID.
fn outcomes(results: &[tianping_engine::CheckResult]) -> Vec<(String, String)> {
    results
        .iter()
        .filter(|r| r.id.starts_with("CERT-"))
        .map(|r| (r.id.clone(), r.outcome.key().to_string()))
        .collect()
}

/// Writes what the live target shows to files the way a lab would save them (one file for
/// the whole chain in a shuffled order, one per published certificate) and evaluates those.
fn offline_outcomes(set: &CertSet, crl_files: &[PathBuf], dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    let chain: Vec<&tianping_engine::certset::SourcedCert> = set
        .certs
        .iter()
        .filter(|c| c.source.starts_with("TLS"))
        .rev()
        .collect();
    let chain_file = dir.join("served-chain.pem");
    std::fs::write(
        &chain_file,
        chain.iter().map(|c| pem(&c.der)).collect::<String>(),
    )
    .unwrap();
    files.push(chain_file);
    for (i, c) in set
        .certs
        .iter()
        .filter(|c| !c.source.starts_with("TLS"))
        .enumerate()
    {
        let f = dir.join(format!("published-{i}.der"));
        std::fs::write(&f, &c.der).unwrap();
        files.push(f);
    }
    let mut offline = offline_set(&files, set.trust_roots.clone(), set.host.clone());
    offline.crls = evaluate::read_crl_files(crl_files).unwrap();
    judge(&offline)
}

/// The certificate set `certs` builds from these files.
fn offline_set(files: &[PathBuf], trust_roots: Vec<Vec<u8>>, host: Option<String>) -> CertSet {
    let mut set = CertSet {
        host,
        trust_roots,
        ..CertSet::default()
    };
    for (source, der) in evaluate::read_certificate_files(files).unwrap() {
        let role = CertRole::infer_for(&der, set.host.as_deref());
        set.push(der, role, source);
    }
    set
}

/// The verdicts on `leaf` and `ca` with `ca` trusted, for host localhost, after `add`
/// supplies revocation data.
fn judge_leaf_under_ca(
    leaf: &Path,
    ca: &Path,
    add: impl FnOnce(&mut CertSet),
) -> Vec<(String, String)> {
    let roots = evaluate::read_certificate_files(&[ca.to_path_buf()])
        .unwrap()
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let mut set = offline_set(
        &[leaf.to_path_buf(), ca.to_path_buf()],
        roots,
        Some("localhost".into()),
    );
    add(&mut set);
    judge(&set)
}

/// What the certificate checks decide on a set, by check ID.
fn judge(set: &CertSet) -> Vec<(String, String)> {
    let registry = tianping_suites::registry();
    let checks: Vec<_> = registry.iter().filter(|c| c.certs.is_some()).collect();
    outcomes(&runner::run_cert_checks(set, &checks, &Config::default()))
}

/// Faults in how certificates are presented, not in the certificates: a run over files cannot
/// see them, and is not expected to.
const PRESENTATION_ONLY: [&str; 1] = ["tlcp-certificates-swapped"];

#[tokio::test]
async fn certificate_files_get_the_same_findings_as_the_live_run() {
    let registry = tianping_suites::registry();
    let cert_checks: Vec<_> = registry
        .iter()
        .filter(|c| c.meta.id.starts_with("CERT-") && c.certs.is_some())
        .collect();
    let cert_faults: Vec<Option<Fault>> = std::iter::once(None)
        .chain(
            cert_checks
                .iter()
                .flat_map(|c| c.meta.faults)
                // The order a server presents its TLCP pair in exists only on the wire:
                // files carry no order to judge.
                .filter(|f| !PRESENTATION_ONLY.contains(f))
                .map(|f| Some(Fault::from_name(f).expect("named fault"))),
        )
        .collect();
    for fault in cert_faults {
        let faults = match fault {
            Some(f) => Faults::parse(&[f.name()]).unwrap(),
            None => Faults::none(),
        };
        let embedded = tianping_target::reference::start(loopback_config(), faults)
            .await
            .unwrap();
        let ctx = std::sync::Arc::new(embedded.context().unwrap());
        let live = runner::run_checks(ctx.clone(), &cert_checks, Vec::new(), |_, _, _| {}).await;
        // The CRLs the platform publishes, saved as files the way a lab would.
        let dir = tempfile::tempdir().unwrap();
        let mut crl_files = Vec::new();
        for path in [
            tianping_fixtures::pki::TLS_CRL_PATH,
            tianping_fixtures::pki::SM2_CRL_PATH,
        ] {
            let crl = ctx.get(path).await.unwrap();
            let file = dir.path().join(path.trim_start_matches("/pki/"));
            std::fs::write(&file, &crl.body).unwrap();
            crl_files.push(file);
        }
        let set = tianping_suites::common::live_certificates(
            &ctx,
            tianping_suites::common::CertSources::ServedAndPublished,
        )
        .await
        .unwrap();
        embedded.stop().await;
        let offline = offline_outcomes(&set, &crl_files, dir.path());
        assert_eq!(
            outcomes(&live),
            offline,
            "fault {fault:?}: live and offline findings differ"
        );
        let failed: Vec<&str> = offline
            .iter()
            .filter(|(_, o)| o == "fail")
            .map(|(id, _)| id.as_str())
            .collect();
        match fault {
            None => assert!(failed.is_empty(), "{offline:?}"),
            Some(f) => {
                let catcher = cert_checks
                    .iter()
                    .find(|c| c.meta.catches(f.name()))
                    .unwrap();
                assert_eq!(failed, vec![catcher.meta.id], "fault {}", f.name());
            }
        }
    }
}

// ---------------------------------------------------------------- OpenSSL-made certificates

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl not found: run ./scripts/setup.sh");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const SERVER_EXTENSIONS: &str = "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n";

/// A self-signed CA and a server leaf for `localhost`, made by OpenSSL with the key type,
/// leaf validity in days and digest given.
fn openssl_chain(dir: &Path, key: &[&str], leaf_days: &str, digest: &str) -> (PathBuf, PathBuf) {
    openssl_issue(
        dir,
        key,
        leaf_days,
        digest,
        "/CN=localhost",
        SERVER_EXTENSIONS,
    )
}

/// A self-signed CA and a leaf with `subject` and `extensions` (an OpenSSL extfile).
fn openssl_issue(
    dir: &Path,
    key: &[&str],
    leaf_days: &str,
    digest: &str,
    subject: &str,
    extensions: &str,
) -> (PathBuf, PathBuf) {
    let mut genpkey = vec!["genpkey", "-out", "ca.key"];
    genpkey.extend_from_slice(key);
    openssl(dir, &genpkey);
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "3650",
            "-subj",
            "/CN=OpenSSL Test CA",
            digest,
        ],
    );
    let mut genpkey = vec!["genpkey", "-out", "leaf.key"];
    genpkey.extend_from_slice(key);
    openssl(dir, &genpkey);
    openssl(
        dir,
        &[
            "req", "-new", "-key", "leaf.key", "-out", "leaf.csr", "-utf8", "-subj", subject,
        ],
    );
    std::fs::write(dir.join("leaf.ext"), extensions).unwrap();
    openssl(
        dir,
        &[
            "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-out",
            "leaf.pem", "-days", leaf_days, "-extfile", "leaf.ext", digest,
        ],
    );
    (dir.join("leaf.pem"), dir.join("ca.pem"))
}

fn certs_run(files: &[PathBuf], trust: &Path, host: &str) -> Vec<(String, String)> {
    let roots = evaluate::read_certificate_files(&[trust.to_path_buf()])
        .unwrap()
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    judge(&offline_set(files, roots, Some(host.to_string())))
}

fn outcome_of<'a>(outcomes: &'a [(String, String)], id: &str) -> &'a str {
    &outcomes.iter().find(|(i, _)| i == id).unwrap().1
}

/// A certificate for the host with serverAuth that also claims CA:TRUE is the server's, and
/// fails as one; a host named by no certificate given leaves CERT-001 open, not passed.
#[test]
fn a_server_certificate_claiming_to_be_a_ca_is_judged_as_the_servers() {
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..];
    let dir = tempfile::tempdir().unwrap();
    let (leaf, ca) = openssl_issue(
        dir.path(),
        ec,
        "400",
        "-sha256",
        "/CN=localhost",
        &SERVER_EXTENSIONS.replace("CA:FALSE", "CA:TRUE"),
    );
    let leaf_only = certs_run(std::slice::from_ref(&leaf), &ca, "localhost");
    assert_eq!(outcome_of(&leaf_only, "CERT-001"), "fail", "{leaf_only:?}");
    // A server certificate given for another host is the server's, and fails for this one.
    let sound_dir = dir.path().join("sound");
    std::fs::create_dir(&sound_dir).unwrap();
    let (sound, ca) = openssl_chain(&sound_dir, ec, "400", "-sha256");
    let elsewhere = certs_run(&[sound, ca.clone()], &ca, "evidence.example.cn");
    assert_eq!(outcome_of(&elsewhere, "CERT-001"), "fail", "{elsewhere:?}");
}

/// The two-year lifetime is a TLS rule: a five-year time-stamping certificate is sound.
#[test]
fn a_long_lived_tsa_certificate_is_not_held_to_the_tls_lifetime() {
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..];
    let dir = tempfile::tempdir().unwrap();
    let (leaf, ca) = openssl_issue(
        dir.path(),
        ec,
        "1826",
        "-sha256",
        "/CN=Test TSA",
        "extendedKeyUsage=critical,timeStamping\nkeyUsage=critical,digitalSignature,nonRepudiation\nbasicConstraints=critical,CA:FALSE\n",
    );
    let tsa = certs_run(&[leaf, ca.clone()], &ca, "localhost");
    assert_eq!(outcome_of(&tsa, "CERT-008"), "pass", "{tsa:?}");
}

#[test]
fn openssl_made_chains_get_the_right_verdicts() {
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..];
    // A sound ECDSA chain: valid path for localhost, 400 days, SHA-256.
    let dir = tempfile::tempdir().unwrap();
    let (leaf, ca) = openssl_chain(dir.path(), ec, "400", "-sha256");
    let good = certs_run(&[leaf.clone(), ca.clone()], &ca, "localhost");
    for id in ["CERT-001", "CERT-008", "CERT-012"] {
        assert_eq!(outcome_of(&good, id), "pass", "{id}: {good:?}");
    }
    assert_eq!(outcome_of(&good, "CERT-002"), "not_applicable");
    // The same chain for another host name.
    let other = certs_run(&[leaf.clone(), ca.clone()], &ca, "evidence.example.cn");
    assert_eq!(outcome_of(&other, "CERT-001"), "fail");
    // Issued for ten days: expires within the 30-day minimum.
    let dir = tempfile::tempdir().unwrap();
    let (leaf, ca) = openssl_chain(dir.path(), ec, "10", "-sha256");
    let short = certs_run(&[leaf, ca.clone()], &ca, "localhost");
    assert_eq!(outcome_of(&short, "CERT-008"), "fail");
    assert_eq!(outcome_of(&short, "CERT-001"), "pass");
    // Issued for three years: over the two-year leaf lifetime.
    let dir = tempfile::tempdir().unwrap();
    let (leaf, ca) = openssl_chain(dir.path(), ec, "1100", "-sha256");
    assert_eq!(
        outcome_of(
            &certs_run(&[leaf, ca.clone()], &ca, "localhost"),
            "CERT-008"
        ),
        "fail"
    );
    // SHA-1 signatures and a 1024-bit RSA key.
    let dir = tempfile::tempdir().unwrap();
    let rsa1024 = &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"][..];
    let (leaf, ca) = openssl_chain(dir.path(), rsa1024, "400", "-sha1");
    let weak = certs_run(&[leaf, ca.clone()], &ca, "localhost");
    assert_eq!(outcome_of(&weak, "CERT-012"), "fail", "{weak:?}");
}

#[test]
fn openssl_made_depositor_certificates_are_judged_on_their_subject_and_issuer() {
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..];
    let client = "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:FALSE\n";
    let verdict = |subject: &str| {
        let dir = tempfile::tempdir().unwrap();
        let (leaf, ca) = openssl_issue(dir.path(), ec, "400", "-sha256", subject, client);
        let outcomes = certs_run(&[leaf.clone(), ca.clone()], &ca, "localhost");
        // The same certificate under someone else's root has no acceptable issuer.
        let other = tempfile::tempdir().unwrap();
        let (_, other_ca) = openssl_chain(other.path(), ec, "400", "-sha256");
        let elsewhere = certs_run(&[leaf, ca], &other_ca, "localhost");
        (
            outcome_of(&outcomes, "CERT-011").to_string(),
            outcome_of(&elsewhere, "CERT-011").to_string(),
        )
    };
    let organisation = "/C=CN/O=某某科技有限公司/serialNumber=91350100M000100Y43/CN=api-client";
    assert_eq!(verdict(organisation), ("pass".into(), "fail".into()));
    let person = "/C=CN/CN=张三/OU=110105********002X";
    assert_eq!(verdict(person).0, "pass");
    for not_real_name in [
        "/C=CN/O=某某科技有限公司/CN=api-client",
        "/C=CN/O=某某科技有限公司/serialNumber=91350100M000100Y44/CN=api-client",
        "/C=CN/CN=张三/serialNumber=11010519491231002X",
    ] {
        assert_eq!(verdict(not_real_name).0, "fail", "{not_real_name}");
    }
}

#[test]
fn the_committed_openssl_sm2_certificates_are_judged_as_their_readme_says() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../suites/testdata/openssl-sm2");
    let root = data.join("root.pem");
    let good = certs_run(
        &[data.join("leaf-default-id.pem"), root.clone()],
        &root,
        "localhost",
    );
    assert_eq!(outcome_of(&good, "CERT-002"), "pass", "{good:?}");
    assert_eq!(outcome_of(&good, "CERT-003"), "pass", "{good:?}");
    assert_eq!(
        outcome_of(&good, "CERT-001"),
        "not_applicable",
        "no server certificate"
    );
    let empty_id = certs_run(
        &[data.join("leaf-empty-id.pem"), root.clone()],
        &root,
        "localhost",
    );
    assert_eq!(outcome_of(&empty_id, "CERT-003"), "fail");
    assert_eq!(outcome_of(&empty_id, "CERT-002"), "pass");
    let no_ku = certs_run(&[data.join("leaf-no-keyusage.pem")], &root, "localhost");
    assert_eq!(outcome_of(&no_ku, "CERT-002"), "fail");
    // The issuer may come from the trust anchors alone.
    assert_eq!(outcome_of(&no_ku, "CERT-003"), "pass");
}

#[test]
fn a_file_that_is_not_a_certificate_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pem");
    std::fs::write(
        &junk,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let err = evaluate::read_certificate_files(std::slice::from_ref(&junk)).unwrap_err();
    assert!(err.to_string().contains("junk.pem"), "{err}");
    std::fs::write(&junk, [0x30, 0x82, 0xff]).unwrap();
    assert!(evaluate::read_certificate_files(&[junk]).is_err());
}

#[test]
fn an_openssl_crl_decides_revocation() {
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..];
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (leaf, ca) = openssl_chain(d, ec, "400", "-sha256");
    // The leaf as made has no distribution point: a failure, whatever CRL is given.
    let no_pointer = certs_run(&[leaf.clone(), ca.clone()], &ca, "localhost");
    assert_eq!(outcome_of(&no_pointer, "CERT-007"), "fail");
    // Re-issue it with a distribution point, then let OpenSSL's CA revoke it or not.
    std::fs::write(
        d.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\ncrlDistributionPoints=URI:http://localhost/ca.crl\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-out",
            "leaf.pem", "-days", "400", "-extfile", "leaf.ext", "-sha256",
        ],
    );
    std::fs::write(d.join("index.txt"), "").unwrap();
    std::fs::write(d.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n",
    )
    .unwrap();
    let gencrl = |out: &str| {
        openssl(
            d,
            &[
                "ca", "-config", "ca.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.pem",
                "-out", out,
            ],
        )
    };
    gencrl("clean.crl");
    openssl(
        d,
        &[
            "ca",
            "-config",
            "ca.cnf",
            "-revoke",
            "leaf.pem",
            "-keyfile",
            "ca.key",
            "-cert",
            "ca.pem",
            "-crl_reason",
            "keyCompromise",
        ],
    );
    gencrl("revoked.crl");
    let with_crl = |crl: &str| {
        judge_leaf_under_ca(&leaf, &ca, |set| {
            set.crls = evaluate::read_crl_files(&[d.join(crl)]).unwrap()
        })
    };
    assert_eq!(outcome_of(&with_crl("clean.crl"), "CERT-007"), "pass");
    assert_eq!(outcome_of(&with_crl("revoked.crl"), "CERT-007"), "fail");
    // Without any CRL the status is unknown: inconclusive, never a pass.
    let unknown = certs_run(&[leaf.clone(), ca.clone()], &ca, "localhost");
    assert_eq!(outcome_of(&unknown, "CERT-007"), "inconclusive");
}

#[test]
fn an_openssl_ocsp_answer_decides_revocation() {
    let ec = &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"][..];
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let extensions =
        format!("{SERVER_EXTENSIONS}authorityInfoAccess=OCSP;URI:http://localhost/ocsp\n");
    let (leaf, ca) = openssl_issue(d, ec, "400", "-sha256", "/CN=localhost", &extensions);
    std::fs::write(d.join("index.txt"), "").unwrap();
    std::fs::write(
        d.join("ca.cnf"),
        "[ca]\ndefault_ca = test\n[test]\ndatabase = index.txt\ndefault_md = sha256\n",
    )
    .unwrap();
    let ca_args = ["-config", "ca.cnf", "-keyfile", "ca.key", "-cert", "ca.pem"];
    let ocsp_run = |index_args: &[&str], out: &str| {
        let mut args = vec!["ca"];
        args.extend_from_slice(&ca_args);
        args.extend_from_slice(index_args);
        if !index_args.is_empty() {
            openssl(d, &args);
        }
        openssl(
            d,
            &[
                "ocsp",
                "-issuer",
                "ca.pem",
                "-cert",
                "leaf.pem",
                "-no_nonce",
                "-reqout",
                "req.der",
            ],
        );
        openssl(
            d,
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-rsigner",
                "ca.pem",
                "-rkey",
                "ca.key",
                "-CA",
                "ca.pem",
                "-reqin",
                "req.der",
                "-respout",
                out,
                "-ndays",
                "1",
            ],
        );
    };
    ocsp_run(&[], "unknown.der");
    ocsp_run(&["-valid", "leaf.pem"], "good.der");
    ocsp_run(
        &["-revoke", "leaf.pem", "-crl_reason", "keyCompromise"],
        "revoked.der",
    );
    let with_answer = |file: &str| {
        judge_leaf_under_ca(&leaf, &ca, |set| {
            set.ocsp_responses = evaluate::read_ocsp_files(&[d.join(file)]).unwrap()
        })
    };
    assert_eq!(outcome_of(&with_answer("good.der"), "CERT-007"), "pass");
    assert_eq!(outcome_of(&with_answer("revoked.der"), "CERT-007"), "fail");
    assert_eq!(
        outcome_of(&with_answer("unknown.der"), "CERT-007"),
        "inconclusive"
    );
    // A CRL is not an OCSP answer: a clear error.
    assert!(evaluate::read_ocsp_files(std::slice::from_ref(&ca)).is_err());
}

/// The deposit certificate PDF with a detached CMS signature OpenSSL made (`openssl cms
/// -sign`), not our own CMS writer: CERT-009's reader verifies it, and refuses it once a
/// signed byte changes. OpenSSL 3.0 cannot write SM2 CMS, so ECDSA P-256 and RSA stand in.
#[test]
fn an_openssl_cms_signature_on_the_deposit_certificate_verifies() {
    use tianping_fixtures::deposit_certificate::{self as fixture, PrintedRecord};
    use tianping_suites::certificates::signed_pdf;
    let record = PrintedRecord {
        evidence_id: "EV-openssl".into(),
        file_hash: tianping_profile::digest::sm3_hex(b"deposit"),
        tx_id: tianping_profile::digest::sm3_hex(b"tx"),
        block_height: 1,
        tx_time: "2026-11-22T08:30:00Z".into(),
    };
    for (key, digest, digest_oid) in [
        ("ec:P-256", "sha256", "2.16.840.1.101.3.4.2.1"),
        ("rsa:2048", "sha384", "2.16.840.1.101.3.4.2.2"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let key_opt = key.replace("ec:", "ec -pkeyopt ec_paramgen_curve:");
        let mut args: Vec<&str> = vec!["req", "-x509", "-nodes", "-newkey"];
        args.extend(key_opt.split(' '));
        args.extend([
            "-subj",
            "/CN=openssl pdf signer",
            "-days",
            "2",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ]);
        openssl(dir.path(), &args);
        let pdf = fixture::signed_with(&record, "adbe.pkcs7.detached", |covered| {
            std::fs::write(dir.path().join("covered.bin"), covered).unwrap();
            openssl(
                dir.path(),
                &[
                    "cms",
                    "-sign",
                    "-binary",
                    "-md",
                    digest,
                    "-in",
                    "covered.bin",
                    "-signer",
                    "cert.pem",
                    "-inkey",
                    "key.pem",
                    "-outform",
                    "DER",
                    "-out",
                    "sig.der",
                ],
            );
            std::fs::read(dir.path().join("sig.der")).unwrap()
        });
        let cert_pem = std::fs::read_to_string(dir.path().join("cert.pem")).unwrap();
        let cert_der = tianping_suites::common::pem_certificates(&cert_pem)
            .unwrap()
            .remove(0);
        let verified = signed_pdf::verify(&pdf).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_eq!(verified.signer_der, cert_der, "{key}");
        assert_eq!(verified.digest_algorithm, digest_oid, "{key}");
        // The date the signature dictionary records is covered too.
        let mut changed = pdf.clone();
        let at = changed.windows(4).position(|w| w == b"/M (").unwrap() + 6;
        changed[at] = if changed[at] == b'9' { b'8' } else { b'9' };
        let refused = signed_pdf::verify(&changed).unwrap_err();
        assert!(refused.contains("messageDigest"), "{key}: {refused}");
    }
}
