//! NTP timestamps (RFC 5905 §6): seconds since 1900 and a 32-bit fraction, as SNTP carries
//! them. Shared by the harness's clock check and the test SNTP server.

/// Seconds from the NTP era (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET_SECS: i64 = 2_208_988_800;

/// The 64-bit NTP timestamp of epoch milliseconds.
pub fn from_unix_ms(ms: i64) -> [u8; 8] {
    let secs = (ms.div_euclid(1000) + NTP_UNIX_OFFSET_SECS) as u32;
    let frac = ((ms.rem_euclid(1000) << 32) / 1000) as u32;
    let mut out = [0u8; 8];
    out[..4].copy_from_slice(&secs.to_be_bytes());
    out[4..].copy_from_slice(&frac.to_be_bytes());
    out
}

/// Epoch milliseconds of a 64-bit NTP timestamp (the first 8 bytes of `bytes`).
pub fn to_unix_ms(bytes: &[u8; 8]) -> i64 {
    let secs = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as i64;
    let frac = u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as i64;
    (secs - NTP_UNIX_OFFSET_SECS) * 1000 + ((frac * 1000) >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_round_trip_to_the_millisecond() {
        for ms in [0, 1_764_676_800_123, 1_764_676_800_999] {
            assert!((to_unix_ms(&from_unix_ms(ms)) - ms).abs() <= 1, "{ms}");
        }
        // The Unix epoch is NTP second 2,208,988,800.
        assert_eq!(from_unix_ms(0)[..4], 2_208_988_800u32.to_be_bytes());
    }
}
