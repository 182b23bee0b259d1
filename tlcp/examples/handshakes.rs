//! Times full TLCP handshakes, each with one GET answered, against a server:
//! `handshakes HOST:PORT N [gcm|cbc]`. Prints the handshakes per second and the mean time of
//! one, for BENCHMARKS.md (`scripts/bench-tlcp.sh` runs it beside GmSSL's own client).

use std::time::Instant;

use tianping_tlcp::{CipherSuite, ClientConfig, connect};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(n)) = (args.next(), args.next()) else {
        return Err("usage: handshakes HOST:PORT N [gcm|cbc]".into());
    };
    let n: u32 = n.parse()?;
    let suite = match args.next().as_deref() {
        Some("cbc") => CipherSuite::EccSm4CbcSm3,
        _ => CipherSuite::EccSm4GcmSm3,
    };
    let config = ClientConfig {
        suites: vec![suite],
        ..Default::default()
    };
    let started = Instant::now();
    for _ in 0..n {
        let tcp = tokio::net::TcpStream::connect(&addr).await?;
        tcp.set_nodelay(true)?;
        let mut tlcp = connect(tcp, &config).await?;
        // As GmSSL's client does with -get: one request, the answer read to the end.
        tlcp.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await?;
        tlcp.read_to_end(1 << 20).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "tianping-tlcp {}: {n} handshakes in {secs:.2} s, {:.1}/s, {:.2} ms each",
        suite.name(),
        f64::from(n) / secs,
        secs * 1000.0 / f64::from(n)
    );
    Ok(())
}
