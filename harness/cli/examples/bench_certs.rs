//! Certificate-check throughput on a corpus (BENCHMARKS.md, issue 5).
//!
//! `cargo run --release -p tianping-harness --example bench_certs -- generate DIR [N]` writes N
//! certificates (two thirds SM2 leaves under an SM2 root, one third ECDSA P-256 server leaves
//! under an ECDSA root) as DER files into DIR, and the roots into DIR/roots.
//! `... -- measure DIR` evaluates every certificate on its own, as a linter would, with all
//! certificate checks (SM2 signature verification included) and prints certificates per second.
//! `scripts/bench-pkilint.py DIR` lints the same files with pkilint for comparison.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tianping_engine::certset::{CertRole, CertSet};
use tianping_fixtures::pki::{self, KU_SIGNING, Sm2CertSpec};
use tianping_profile::sm2sig;

fn generate(dir: &Path, n: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("roots"))?;
    let root_key = sm2sig::signing_key_from_seed(sm2sig::DEFAULT_DIST_ID, b"bench-root");
    let root_cn = "Bench SM2 Root";
    let root = pki::sm2_root(root_cn, &root_key);
    std::fs::write(dir.join("roots/sm2-root.der"), &root)?;
    let ec_root_key = rcgen::KeyPair::generate().expect("P-256 key");
    let mut ec_root_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ec_root_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Bench ECDSA Root");
    ec_root_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ec_root = ec_root_params.self_signed(&ec_root_key).expect("root");
    std::fs::write(dir.join("roots/ecdsa-root.der"), ec_root.der())?;
    let issuer = rcgen::Issuer::new(ec_root_params, ec_root_key);
    for i in 0..n {
        let der = if i % 3 == 2 {
            let key = rcgen::KeyPair::generate().expect("P-256 key");
            let mut params =
                rcgen::CertificateParams::new(vec![format!("host{i}.example.cn")]).expect("SAN");
            let now = time::OffsetDateTime::now_utc();
            params.not_before = now - time::Duration::days(1);
            params.not_after = now + time::Duration::days(397);
            params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
            params
                .signed_by(&key, &issuer)
                .expect("leaf")
                .der()
                .to_vec()
        } else {
            let key = sm2sig::signing_key_from_seed(
                sm2sig::DEFAULT_DIST_ID,
                format!("bench-{i}").as_bytes(),
            );
            pki::sm2_certificate(
                &Sm2CertSpec {
                    subject_cn: &format!("Bench signer {i}"),
                    holder: None,
                    serial: i as u64 + 2,
                    public_key: &sm2sig::public_key_bytes(&key),
                    is_ca: false,
                    key_usage: Some(KU_SIGNING),
                    extended_key_usage: &[],
                    crl_url: None,
                    ocsp_url: None,
                    dns_names: &[],
                    omit_basic_constraints: false,
                    valid_days: None,
                },
                root_cn,
                &root_key,
            )
        };
        std::fs::write(dir.join(format!("cert-{i:05}.der")), der)?;
    }
    Ok(())
}

fn measure(dir: &Path) -> Result<(), String> {
    let files: Vec<PathBuf> = {
        let mut f: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "der"))
            .collect();
        f.sort();
        f
    };
    let roots: Vec<PathBuf> = std::fs::read_dir(dir.join("roots"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let trust: Vec<Vec<u8>> = tianping_harness::evaluate::read_certificate_files(&roots)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    let certs =
        tianping_harness::evaluate::read_certificate_files(&files).map_err(|e| e.to_string())?;
    let registry = tianping_suites::registry();
    // Revocation (CERT-007) needs the CRLs, which a linter comparison leaves out.
    let checks: Vec<_> = registry
        .iter()
        .filter(|c| c.certs.is_some() && c.meta.id != "CERT-007")
        .collect();
    let config = tianping_engine::Config::default();
    // Each certificate on its own; the corpus split over `threads` workers.
    let judge_all = |part: &[(String, Vec<u8>)]| -> usize {
        let mut failed = 0;
        for (source, der) in part.iter().cloned() {
            let mut set = CertSet {
                trust_roots: trust.clone(),
                ..CertSet::default()
            };
            let role = CertRole::infer_for(&der, None);
            set.push(der, role, source);
            let results = tianping_engine::runner::run_cert_checks(&set, &checks, &config);
            failed += results.iter().filter(|r| r.outcome.key() == "fail").count();
        }
        failed
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, cores] {
        let start = Instant::now();
        let chunk = certs.len().div_ceil(threads).max(1);
        let failed: usize = std::thread::scope(|s| {
            let workers: Vec<_> = certs
                .chunks(chunk)
                .map(|part| s.spawn(move || judge_all(part)))
                .collect();
            workers.into_iter().map(|w| w.join().expect("worker")).sum()
        });
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{} certificates, {} checks each, {threads} thread(s), {secs:.2} s: {:.0} certificates/s ({failed} failed checks)",
            certs.len(),
            checks.len(),
            certs.len() as f64 / secs
        );
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["generate", dir] => generate(Path::new(dir), 3000).map_err(|e| e.to_string()),
        ["generate", dir, n] => match n.parse() {
            Ok(n) => generate(Path::new(dir), n).map_err(|e| e.to_string()),
            Err(_) => Err(format!("not a number: {n}")),
        },
        ["measure", dir] => measure(Path::new(dir)),
        _ => Err("usage: bench_certs generate DIR [N] | bench_certs measure DIR".into()),
    };
    if let Err(e) = result {
        eprintln!("bench_certs: {e}");
        std::process::exit(64);
    }
}
