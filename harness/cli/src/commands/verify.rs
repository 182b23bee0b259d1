//! `verify`: a sealed run folder checked offline.

use std::path::PathBuf;

use tianping_engine::model::exit;

use super::{Failure, config_error};

#[derive(clap::Args)]
/// Arguments of the command.
pub struct Args {
    /// The run folder (evidence bundle).
    bundle: PathBuf,
    /// The lab's public key (hex) the bundle must be signed with.
    #[arg(long)]
    signer: Option<String>,
    #[arg(long)]
    json: bool,
}

/// Prints what was found; exits 1 unless the bundle is intact, and 2 when it is intact but no
/// expected signer was given: anyone can re-seal a changed folder with a key of their own, so
/// an intact seal proves nothing until the signer is the lab's.
pub fn run(args: Args) -> Result<i32, Failure> {
    let v = tianping_reports::bundle::verify(&args.bundle, args.signer.as_deref())
        .map_err(config_error)?;
    if args.json {
        tianping_harness::outln!(
            "{}",
            serde_json::to_string_pretty(&v).expect("verification serializes")
        );
    } else {
        tianping_harness::outln!(
            "signature: {} (signer {} key {})",
            if v.signature_valid {
                "valid"
            } else {
                "INVALID"
            },
            v.signer_kind,
            v.signer_public_key
        );
        if let Some(t) = &v.timestamp {
            tianping_harness::outln!(
                "time-stamp: {} by {} (token signature valid; TSA certificate SHA-256 {}; the lab decides whether it trusts this TSA)",
                t.gen_time,
                t.tsa_subject,
                t.tsa_certificate_sha256
            );
        }
        for (what, list) in [
            ("added", &v.added),
            ("removed", &v.removed),
            ("changed", &v.changed),
        ] {
            for f in list.iter() {
                tianping_harness::outln!("{what}: {f}");
            }
        }
        for p in &v.problems {
            tianping_harness::outln!("problem: {p}");
        }
        for w in &v.warnings {
            tianping_harness::outln!("warning: {w}");
        }
        tianping_harness::outln!(
            "{}",
            if v.ok() {
                "bundle intact"
            } else {
                "bundle NOT intact"
            }
        );
    }
    if v.ok() && args.signer.is_none() {
        eprintln!(
            "SIGNER NOT ESTABLISHED: the seal is intact, but it was made by key {} and nothing \
             says that key is the lab's. Anyone can change a run folder and re-seal it with a \
             new key. Verify with --signer <the lab's public key, from its report or records>.",
            v.signer_public_key
        );
        return Ok(exit::INCONCLUSIVE);
    }
    Ok(if v.ok() { 0 } else { exit::NONCONFORMITY })
}
