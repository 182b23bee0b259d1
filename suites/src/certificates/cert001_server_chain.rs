//! CERT-001 — The certificate chain the API endpoint serves is valid now, chains to a trust
//! anchor the lab accepts, and names the host the harness connected to.

use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{ServerName, UnixTime};
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use crate::common;

pub const CHECK: CheckDef = CheckDef {
    meta: CheckMeta {
        id: "CERT-001",
        suite: Suite::Certificates,
        title_zh: "服务器证书链有效且主机名匹配",
        title_en: "Server certificate chain is valid and matches the host name",
        clauses: &[
            Clause {
                source: "电子签名法 Arts. 16–17: licensed electronic certification providers",
                provenance: Provenance::Known,
            },
            Clause {
                source: "RFC 5280 path validation; RFC 6125 host name matching",
                provenance: Provenance::Known,
            },
        ],
        tianping_clause: None,
        severity: Severity::High,
        weight: 4,
        mode: Mode::Remote,
        active: false,
        fault: "hostname-mismatch",
    },
    run: |ctx| Box::pin(run(ctx)),
    package: None,
};

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    if ctx.trust_roots.is_empty() {
        return Ok(Verdict::inconclusive(
            "no trust anchors configured (target.trust_roots)",
        ));
    }
    let host = ctx.api_host();
    let peer = ctx.http.peer_tls(&host, ctx.api_port(), &host).await?;
    let (leaf, intermediates) = peer
        .chain
        .split_first()
        .ok_or_else(|| CheckError::protocol("server presented no certificate"))?;
    let mut roots = rustls::RootCertStore::empty();
    for root in &ctx.trust_roots {
        roots
            .add(root.clone())
            .map_err(|e| CheckError::Config(format!("trust root rejected: {e}")))?;
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        tianping_engine::tls::provider(),
    )
    .build()
    .map_err(|e| CheckError::Config(format!("cannot build verifier: {e}")))?;
    let name = ServerName::try_from(host.clone())
        .map_err(|_| CheckError::Config(format!("`{host}` is not a valid server name")))?;
    let outcome = verifier.verify_server_cert(leaf, intermediates, &name, &[], UnixTime::now());
    let verdict = match outcome {
        Ok(_) => Verdict::pass(format!(
            "chain of {} certificate(s) validates for `{host}`",
            peer.chain.len()
        )),
        Err(e) => Verdict::fail(format!("chain does not validate for `{host}`: {e}")),
    };
    let mut verdict = verdict.with(
        "negotiated",
        format!("{} {}", peer.protocol, peer.cipher_suite),
    );
    for (i, cert) in peer.chain.iter().enumerate() {
        verdict = verdict.with(
            format!("certificate {i}"),
            common::describe_certificate(cert),
        );
    }
    Ok(verdict)
}
