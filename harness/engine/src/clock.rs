//! The harness's own clock, checked against the lab's NTP source. Checks that compare a
//! platform's time with "now" (DC-009, BC-016) judge against standard time only when the
//! harness knows its own offset: measured here with one SNTP exchange (RFC 4330), corrected
//! for, and the measurement's uncertainty (half the round trip) added to their tolerance.

use std::time::Duration;

use tianping_profile::ntp;
use tokio::net::UdpSocket;

/// Why the harness's clock could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The server name does not resolve or no socket could be opened.
    #[error("NTP source {server}: {detail}")]
    Network {
        /// The configured server.
        server: String,
        /// What failed.
        detail: String,
    },
    /// No answer within the timeout.
    #[error("NTP source {server} did not answer within {secs} s")]
    Timeout {
        /// The configured server.
        server: String,
        /// The timeout that passed.
        secs: u64,
    },
    /// The answer is not a usable SNTP server reply.
    #[error("NTP source {server} answered something unusable: {detail}")]
    BadReply {
        /// The configured server.
        server: String,
        /// What was wrong.
        detail: String,
    },
}

/// One measurement of the harness's clock against an NTP source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockCheck {
    /// Standard time minus the harness's clock, in milliseconds.
    pub offset_ms: i64,
    /// Half the exchange's round trip: how far the offset may be off, in milliseconds.
    pub uncertainty_ms: i64,
}

impl ClockCheck {
    /// Standard time now, in epoch milliseconds, by the harness's clock corrected.
    pub fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis() + self.offset_ms
    }
}

/// How the harness knows the time, for the checks that judge a platform's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeReference {
    /// No NTP source configured: the harness's own clock, unchecked.
    Unchecked,
    /// Checked against `source`.
    Checked {
        /// The NTP server.
        source: String,
        /// The measurement.
        check: ClockCheck,
    },
}

impl TimeReference {
    /// Standard time now, in epoch milliseconds, as well as the harness knows it.
    pub fn now_ms(&self) -> i64 {
        match self {
            TimeReference::Unchecked => chrono::Utc::now().timestamp_millis(),
            TimeReference::Checked { check, .. } => check.now_ms(),
        }
    }

    /// How far [`TimeReference::now_ms`] may be off beyond the platform's own error, in ms.
    pub fn uncertainty_ms(&self) -> i64 {
        match self {
            TimeReference::Unchecked => 0,
            TimeReference::Checked { check, .. } => check.uncertainty_ms,
        }
    }

    /// The reference in words, for evidence.
    pub fn describe(&self) -> String {
        match self {
            TimeReference::Unchecked => {
                "the harness's own clock, not checked against NTP (set [lab] ntp_server)".into()
            }
            TimeReference::Checked { source, check } => format!(
                "the harness's clock checked against NTP source {source}: offset {:+} ms (±{} ms), corrected for",
                check.offset_ms, check.uncertainty_ms
            ),
        }
    }
}

/// Measures the harness's clock against `server` (`host:port`, port 123 when absent) with one
/// SNTP exchange.
pub async fn check_against(server: &str, timeout: Duration) -> Result<ClockCheck, ClockError> {
    let address = if server
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        server.to_string()
    } else {
        format!("{server}:123")
    };
    let network = |e: std::io::Error| ClockError::Network {
        server: server.to_string(),
        detail: e.to_string(),
    };
    let socket = UdpSocket::bind("0.0.0.0:0").await.map_err(network)?;
    socket.connect(&address).await.map_err(network)?;
    // LI 0, version 4, mode 3 (client); the transmit time is ours, echoed as "originate".
    let mut request = [0u8; 48];
    request[0] = 0b00_100_011;
    let t1 = chrono::Utc::now().timestamp_millis();
    request[40..48].copy_from_slice(&ntp::from_unix_ms(t1));
    socket.send(&request).await.map_err(network)?;
    let mut reply = [0u8; 68];
    let n = tokio::time::timeout(timeout, socket.recv(&mut reply))
        .await
        .map_err(|_| ClockError::Timeout {
            server: server.to_string(),
            secs: timeout.as_secs(),
        })?
        .map_err(network)?;
    let t4 = chrono::Utc::now().timestamp_millis();
    let bad = |detail: &str| ClockError::BadReply {
        server: server.to_string(),
        detail: detail.to_string(),
    };
    if n < 48 {
        return Err(bad("shorter than an NTP packet"));
    }
    if reply[0] & 0b111 != 4 {
        return Err(bad("not a server reply (mode 4)"));
    }
    if reply[0] >> 6 == 3 || reply[1] == 0 {
        return Err(bad("the server is not synchronised (alarm or stratum 0)"));
    }
    if reply[24..32] != request[40..48] {
        return Err(bad("the reply does not echo this request"));
    }
    let stamp = |at: usize| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&reply[at..at + 8]);
        ntp::to_unix_ms(&bytes)
    };
    let (t2, t3) = (stamp(32), stamp(40));
    Ok(ClockCheck {
        offset_ms: ((t2 - t1) + (t3 - t4)) / 2,
        uncertainty_ms: (((t4 - t1) - (t3 - t2)).max(0) + 1) / 2,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_offset_to_a_skewed_source_is_measured() {
        let port = tianping_fixtures::sntp::serve(5_000).await.unwrap();
        let check = check_against(&format!("127.0.0.1:{port}"), Duration::from_secs(2))
            .await
            .unwrap();
        assert!((check.offset_ms - 5_000).abs() < 50, "{check:?}");
        assert!(check.uncertainty_ms < 50, "{check:?}");
    }

    #[tokio::test]
    async fn a_silent_source_times_out_with_a_clear_error() {
        let silent = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let err = check_against(&format!("127.0.0.1:{port}"), Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(matches!(err, ClockError::Timeout { .. }), "{err}");
    }
}
