//! Times full handshakes, each with one GET answered, against a server:
//! `handshakes HOST:PORT N [gcm|cbc|rfc8998]`: TLCP with ECC_SM4_GCM_SM3 (the default) or
//! ECC_SM4_CBC_SM3, or TLS 1.3 with RFC 8998's TLS_SM4_GCM_SM3. Prints the handshakes per
//! second and the mean time of one, for BENCHMARKS.md (`scripts/bench-tlcp.sh` runs it beside
//! GmSSL's own clients).

use std::time::{Duration, Instant};

use tianping_tlcp::{CipherSuite, ClientConfig, connect, rfc8998};

const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(n)) = (args.next(), args.next()) else {
        return Err("usage: handshakes HOST:PORT N [gcm|cbc|rfc8998]".into());
    };
    let n: u32 = n.parse()?;
    let mode = args.next().unwrap_or_else(|| "gcm".into());
    let started = Instant::now();
    for _ in 0..n {
        let tcp = tokio::net::TcpStream::connect(&addr).await?;
        tcp.set_nodelay(true)?;
        // As GmSSL's clients do with -get: one request, the answer read to the end.
        if mode == "rfc8998" {
            let (mut tls, _) = rfc8998::connect(tcp, "localhost", &[], Duration::from_secs(10))
                .await
                .map_err(|e| format!("RFC 8998 handshake: {e}"))?;
            tls.write_all(REQUEST).await?;
            tls.read_to_end(1 << 20).await?;
        } else {
            let suite = if mode == "cbc" {
                CipherSuite::EccSm4CbcSm3
            } else {
                CipherSuite::EccSm4GcmSm3
            };
            let config = ClientConfig {
                suites: vec![suite],
                ..Default::default()
            };
            let mut tlcp = connect(tcp, &config).await?;
            tlcp.write_all(REQUEST).await?;
            tlcp.read_to_end(1 << 20).await?;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let name = match mode.as_str() {
        "rfc8998" => "TLS_SM4_GCM_SM3 (RFC 8998)",
        "cbc" => CipherSuite::EccSm4CbcSm3.name(),
        _ => CipherSuite::EccSm4GcmSm3.name(),
    };
    println!(
        "tianping-tlcp {name}: {n} handshakes in {secs:.2} s, {:.1}/s, {:.2} ms each",
        f64::from(n) / secs,
        secs * 1000.0 / f64::from(n)
    );
    Ok(())
}
