//! SS-014 — The platform's host exposes only the services the applicant declared: a TCP
//! connect to each port on the scan list (by default the usual risky services: remote shells,
//! file transfer, databases, caches, container and search APIs) must be refused or go
//! unanswered unless the port is the API's, a declared TLS endpoint's, or declared in
//! `target.declared_ports`. Only the API host is scanned (the scope guard allows nothing else),
//! and a connection is closed as soon as it opens.

use futures_util::future::join_all;
use tianping_engine::tls::TlsError;
use tianping_engine::{
    CheckDef, CheckError, CheckMeta, Clause, Ctx, Mode, Provenance, Severity, Suite, Verdict,
};

use super::ss019_tls_versions::endpoints;
use tianping_engine::Operation;

/// What the check is: identity, clauses, severity and weight.
const META: CheckMeta = CheckMeta {
    id: "SS-014",
    suite: Suite::SystemSecurity,
    title_zh: "仅开放必要的服务端口",
    title_en: "Only declared service ports are reachable",
    advice_zh: "关闭未声明的服务端口，仅开放业务必需端口。",
    advice_en: "Close every port not declared, leaving only those the service needs.",
    clauses: &[Clause {
        source: "GB/T 22239-2019 8.1.4.4 a)/b) install only needed components; close unneeded services and ports",
        zh: "GB/T 22239-2019 8.1.4.4 a)/b) 最小安装原则；关闭不需要的系统服务和高危端口",
        provenance: Provenance::Verified,
    }],
    tianping_clause: None,
    severity: Severity::High,
    weight: 3,
    mode: Mode::Remote,
    active: false,
    faults: &["exposed-service-port"],
    thresholds: &[],
};

pub const CHECK: CheckDef = CheckDef::remote(META, |ctx| Box::pin(run(ctx)));

/// Ports scanned when the config names none, with the service usually behind them.
pub const RISKY_PORTS: &[(u16, &str)] = &[
    (21, "FTP"),
    (22, "SSH"),
    (23, "Telnet"),
    (25, "SMTP"),
    (111, "RPC portmapper"),
    (135, "MS RPC"),
    (139, "NetBIOS"),
    (445, "SMB"),
    (1433, "SQL Server"),
    (1521, "Oracle"),
    (2375, "Docker API"),
    (2379, "etcd"),
    (3306, "MySQL"),
    (3389, "RDP"),
    (5432, "PostgreSQL"),
    (5900, "VNC"),
    (5984, "CouchDB"),
    (6379, "Redis"),
    (7001, "WebLogic"),
    (8080, "HTTP alternate"),
    (9200, "Elasticsearch"),
    (10250, "Kubelet"),
    (11211, "Memcached"),
    (27017, "MongoDB"),
];

fn service_name(port: u16) -> &'static str {
    RISKY_PORTS
        .iter()
        .find(|(p, _)| *p == port)
        .map_or("undeclared service", |(_, name)| name)
}

enum PortState {
    Open,
    Closed,
    /// No answer within the connect timeout: filtered, so not reachable either.
    Filtered,
}

async fn try_port(ctx: &Ctx, host: &str, port: u16) -> Result<PortState, CheckError> {
    match ctx.http.connect_tcp(host, port).await {
        Ok(_) => Ok(PortState::Open),
        Err(TlsError::Timeout(_)) => Ok(PortState::Filtered),
        Err(TlsError::Connect { refused: true, .. }) => Ok(PortState::Closed),
        Err(other) => Err(other.into()),
    }
}

async fn run(ctx: &Ctx) -> Result<Verdict, CheckError> {
    // Scan only a host that answers as the platform: a wrong address is not a clean host.
    ctx.call(Operation::Platform).data().await?;
    let host = ctx.api_host();
    let mut declared: Vec<u16> = endpoints(ctx)?
        .into_iter()
        .filter(|(h, _)| *h == host)
        .map(|(_, p)| p)
        .collect();
    declared.extend(&ctx.config.target.declared_ports);
    let scan: Vec<u16> = match &ctx.config.target.scan_ports {
        Some(ports) => ports.clone(),
        None => RISKY_PORTS.iter().map(|(p, _)| *p).collect(),
    };
    let to_try: Vec<u16> = scan.into_iter().filter(|p| !declared.contains(p)).collect();
    let states = join_all(to_try.iter().map(|p| try_port(ctx, &host, *p))).await;
    let mut open = Vec::new();
    let (mut closed, mut filtered) = (0, 0);
    for (port, state) in to_try.iter().zip(states) {
        match state? {
            PortState::Open => open.push(format!(
                "{host}:{port} ({}) accepts connections",
                service_name(*port)
            )),
            PortState::Closed => closed += 1,
            PortState::Filtered => filtered += 1,
        }
    }
    let verdict = Verdict::from_probes(
        to_try.len() as u64,
        &open,
        ("undeclared ports closed", "未声明端口（应关闭）"),
    )
    .with(
        "scanned",
        to_try
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    )
    .with("closed / filtered", format!("{closed} / {filtered}"))
    .with(
        "declared",
        declared
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    );
    if to_try.is_empty() {
        return Ok(Verdict::inconclusive(
            "no port left to scan: every port on the scan list is declared",
        )
        .zh("没有需要扫描的端口：扫描列表中的端口均已声明"));
    }
    Ok(verdict)
}

#[cfg(test)]
mod reference_tests {
    crate::testing::reference_tests!(super::CHECK);
}
