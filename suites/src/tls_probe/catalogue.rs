//! The cipher suites the probes know: every TLS 1.0–1.2 and TLS 1.3 suite with its key
//! exchange and weakness, the RFC 8998 and GM/T (TLCP) suites. Data, not logic.

use super::Version;

/// How a suite agrees on keys: forward secret or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyExchange {
    /// Ephemeral (EC)DHE, or any TLS 1.3 suite.
    Ephemeral,
    /// Static RSA key transport or static (EC)DH: no forward secrecy.
    Static,
    /// Anonymous Diffie-Hellman: no authentication at all.
    Anonymous,
}

/// A cipher suite the prober knows, with what makes it weak, if anything.
#[derive(Debug, Clone, Copy)]
pub struct SuiteInfo {
    pub id: u16,
    pub name: &'static str,
    pub key_exchange: KeyExchange,
    /// NULL, EXPORT, RC4, DES, 3DES or MD5: never acceptable.
    pub weakness: Option<&'static str>,
}

const fn suite(
    id: u16,
    name: &'static str,
    key_exchange: KeyExchange,
    weakness: Option<&'static str>,
) -> SuiteInfo {
    SuiteInfo {
        id,
        name,
        key_exchange,
        weakness,
    }
}

use KeyExchange::{Anonymous, Ephemeral, Static};

/// TLS 1.0–1.2 suites probed one by one: the strong ones in use (AES, ChaCha20, CAMELLIA,
/// ARIA, SEED), the non-forward-secret ones (static RSA, static ECDH), and the broken families
/// (NULL, EXPORT, RC4, DES, 3DES, IDEA, anonymous, MD5).
pub const TLS12_SUITES: &[SuiteInfo] = &[
    suite(
        0xC02B,
        "ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC02C,
        "ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        Ephemeral,
        None,
    ),
    suite(0xC02F, "ECDHE_RSA_WITH_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0xC030, "ECDHE_RSA_WITH_AES_256_GCM_SHA384", Ephemeral, None),
    suite(
        0xCCA8,
        "ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xCCA9,
        "ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        Ephemeral,
        None,
    ),
    suite(0x009E, "DHE_RSA_WITH_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0x009F, "DHE_RSA_WITH_AES_256_GCM_SHA384", Ephemeral, None),
    suite(
        0xCCAA,
        "DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        Ephemeral,
        None,
    ),
    suite(0xC009, "ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0xC00A, "ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(0xC013, "ECDHE_RSA_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0xC014, "ECDHE_RSA_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(
        0xC023,
        "ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC024,
        "ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        Ephemeral,
        None,
    ),
    suite(0xC027, "ECDHE_RSA_WITH_AES_128_CBC_SHA256", Ephemeral, None),
    suite(0xC028, "ECDHE_RSA_WITH_AES_256_CBC_SHA384", Ephemeral, None),
    suite(0x0033, "DHE_RSA_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0x0039, "DHE_RSA_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(0x0067, "DHE_RSA_WITH_AES_128_CBC_SHA256", Ephemeral, None),
    suite(0x006B, "DHE_RSA_WITH_AES_256_CBC_SHA256", Ephemeral, None),
    suite(0x009C, "RSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0x009D, "RSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(0x002F, "RSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0x0035, "RSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0x003C, "RSA_WITH_AES_128_CBC_SHA256", Static, None),
    suite(0x003D, "RSA_WITH_AES_256_CBC_SHA256", Static, None),
    suite(0x000A, "RSA_WITH_3DES_EDE_CBC_SHA", Static, Some("3DES")),
    suite(
        0xC012,
        "ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(
        0x0016,
        "DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(0x0009, "RSA_WITH_DES_CBC_SHA", Static, Some("DES")),
    suite(0x0005, "RSA_WITH_RC4_128_SHA", Static, Some("RC4")),
    suite(0x0004, "RSA_WITH_RC4_128_MD5", Static, Some("RC4 with MD5")),
    suite(0xC011, "ECDHE_RSA_WITH_RC4_128_SHA", Ephemeral, Some("RC4")),
    suite(
        0xC007,
        "ECDHE_ECDSA_WITH_RC4_128_SHA",
        Ephemeral,
        Some("RC4"),
    ),
    suite(0x0003, "RSA_EXPORT_WITH_RC4_40_MD5", Static, Some("EXPORT")),
    suite(
        0x0008,
        "RSA_EXPORT_WITH_DES40_CBC_SHA",
        Static,
        Some("EXPORT"),
    ),
    suite(0x0001, "RSA_WITH_NULL_MD5", Static, Some("NULL encryption")),
    suite(0x0002, "RSA_WITH_NULL_SHA", Static, Some("NULL encryption")),
    suite(
        0x003B,
        "RSA_WITH_NULL_SHA256",
        Static,
        Some("NULL encryption"),
    ),
    suite(
        0xC010,
        "ECDHE_RSA_WITH_NULL_SHA",
        Ephemeral,
        Some("NULL encryption"),
    ),
    suite(
        0x0034,
        "DH_anon_WITH_AES_128_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x00A6,
        "DH_anon_WITH_AES_128_GCM_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC018,
        "ECDH_anon_WITH_AES_128_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x0018,
        "DH_anon_WITH_RC4_128_MD5",
        Anonymous,
        Some("anonymous"),
    ),
    suite(0x0032, "DHE_DSS_WITH_AES_128_CBC_SHA", Ephemeral, None),
    suite(0x0038, "DHE_DSS_WITH_AES_256_CBC_SHA", Ephemeral, None),
    suite(0x0040, "DHE_DSS_WITH_AES_128_CBC_SHA256", Ephemeral, None),
    suite(0x006A, "DHE_DSS_WITH_AES_256_CBC_SHA256", Ephemeral, None),
    suite(0x00A2, "DHE_DSS_WITH_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0x00A3, "DHE_DSS_WITH_AES_256_GCM_SHA384", Ephemeral, None),
    suite(0xC09E, "DHE_RSA_WITH_AES_128_CCM", Ephemeral, None),
    suite(0xC09F, "DHE_RSA_WITH_AES_256_CCM", Ephemeral, None),
    suite(0xC0A2, "DHE_RSA_WITH_AES_128_CCM_8", Ephemeral, None),
    suite(0xC0A3, "DHE_RSA_WITH_AES_256_CCM_8", Ephemeral, None),
    suite(0xC0AC, "ECDHE_ECDSA_WITH_AES_128_CCM", Ephemeral, None),
    suite(0xC0AD, "ECDHE_ECDSA_WITH_AES_256_CCM", Ephemeral, None),
    suite(0xC0AE, "ECDHE_ECDSA_WITH_AES_128_CCM_8", Ephemeral, None),
    suite(0xC0AF, "ECDHE_ECDSA_WITH_AES_256_CCM_8", Ephemeral, None),
    suite(0x0045, "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA", Ephemeral, None),
    suite(0x0088, "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA", Ephemeral, None),
    suite(
        0x00BE,
        "DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0x00C4,
        "DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC072,
        "ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC073,
        "ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        Ephemeral,
        None,
    ),
    suite(
        0xC076,
        "ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC077,
        "ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        Ephemeral,
        None,
    ),
    suite(0xC052, "DHE_RSA_WITH_ARIA_128_GCM_SHA256", Ephemeral, None),
    suite(0xC053, "DHE_RSA_WITH_ARIA_256_GCM_SHA384", Ephemeral, None),
    suite(
        0xC05C,
        "ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC05D,
        "ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        Ephemeral,
        None,
    ),
    suite(
        0xC060,
        "ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        Ephemeral,
        None,
    ),
    suite(
        0xC061,
        "ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        Ephemeral,
        None,
    ),
    suite(0x009A, "DHE_RSA_WITH_SEED_CBC_SHA", Ephemeral, None),
    suite(0x0041, "RSA_WITH_CAMELLIA_128_CBC_SHA", Static, None),
    suite(0x0084, "RSA_WITH_CAMELLIA_256_CBC_SHA", Static, None),
    suite(0x00BA, "RSA_WITH_CAMELLIA_128_CBC_SHA256", Static, None),
    suite(0x00C0, "RSA_WITH_CAMELLIA_256_CBC_SHA256", Static, None),
    suite(0xC050, "RSA_WITH_ARIA_128_GCM_SHA256", Static, None),
    suite(0xC051, "RSA_WITH_ARIA_256_GCM_SHA384", Static, None),
    suite(0x0096, "RSA_WITH_SEED_CBC_SHA", Static, None),
    suite(0xC09C, "RSA_WITH_AES_128_CCM", Static, None),
    suite(0xC09D, "RSA_WITH_AES_256_CCM", Static, None),
    suite(0xC0A0, "RSA_WITH_AES_128_CCM_8", Static, None),
    suite(0xC0A1, "RSA_WITH_AES_256_CCM_8", Static, None),
    suite(0xC004, "ECDH_ECDSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0xC005, "ECDH_ECDSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0xC00E, "ECDH_RSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0xC00F, "ECDH_RSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0xC02D, "ECDH_ECDSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0xC02E, "ECDH_ECDSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(0xC031, "ECDH_RSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0xC032, "ECDH_RSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(
        0x0013,
        "DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(
        0xC008,
        "ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        Ephemeral,
        Some("3DES"),
    ),
    suite(
        0x0007,
        "RSA_WITH_IDEA_CBC_SHA",
        Static,
        Some("IDEA (64-bit block)"),
    ),
    suite(0x0015, "DHE_RSA_WITH_DES_CBC_SHA", Ephemeral, Some("DES")),
    suite(0x0012, "DHE_DSS_WITH_DES_CBC_SHA", Ephemeral, Some("DES")),
    suite(
        0x0006,
        "RSA_EXPORT_WITH_RC2_CBC_40_MD5",
        Static,
        Some("EXPORT"),
    ),
    suite(
        0x0014,
        "DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
        Ephemeral,
        Some("EXPORT"),
    ),
    suite(
        0x0011,
        "DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
        Ephemeral,
        Some("EXPORT"),
    ),
    suite(
        0xC006,
        "ECDHE_ECDSA_WITH_NULL_SHA",
        Ephemeral,
        Some("NULL encryption"),
    ),
    suite(
        0x003A,
        "DH_anon_WITH_AES_256_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x006C,
        "DH_anon_WITH_AES_128_CBC_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x006D,
        "DH_anon_WITH_AES_256_CBC_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x00A7,
        "DH_anon_WITH_AES_256_GCM_SHA384",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x001B,
        "DH_anon_WITH_3DES_EDE_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC015,
        "ECDH_anon_WITH_NULL_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC016,
        "ECDH_anon_WITH_RC4_128_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC017,
        "ECDH_anon_WITH_3DES_EDE_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC019,
        "ECDH_anon_WITH_AES_256_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    // Every other TLS 1.0–1.2 suite SSLyze 6 tries (static DH, DSS-authenticated DHE,
    // CAMELLIA/SEED/ARIA variants, the remaining anonymous and static-ECDH ones), so the
    // enumeration covers at least what SSLyze's does (suites/testdata/sslyze-tls12-suites.txt).
    suite(0xC056, "DHE_DSS_WITH_ARIA_128_GCM_SHA256", Ephemeral, None),
    suite(0xC057, "DHE_DSS_WITH_ARIA_256_GCM_SHA384", Ephemeral, None),
    suite(0x0044, "DHE_DSS_WITH_CAMELLIA_128_CBC_SHA", Ephemeral, None),
    suite(
        0x00BD,
        "DHE_DSS_WITH_CAMELLIA_128_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(0x0087, "DHE_DSS_WITH_CAMELLIA_256_CBC_SHA", Ephemeral, None),
    suite(
        0x00C3,
        "DHE_DSS_WITH_CAMELLIA_256_CBC_SHA256",
        Ephemeral,
        None,
    ),
    suite(0x0099, "DHE_DSS_WITH_SEED_CBC_SHA", Ephemeral, None),
    suite(0x000D, "DH_DSS_WITH_3DES_EDE_CBC_SHA", Static, Some("3DES")),
    suite(0x0030, "DH_DSS_WITH_AES_128_CBC_SHA", Static, None),
    suite(0x003E, "DH_DSS_WITH_AES_128_CBC_SHA256", Static, None),
    suite(0x00A4, "DH_DSS_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0x0036, "DH_DSS_WITH_AES_256_CBC_SHA", Static, None),
    suite(0x0068, "DH_DSS_WITH_AES_256_CBC_SHA256", Static, None),
    suite(0x00A5, "DH_DSS_WITH_AES_256_GCM_SHA384", Static, None),
    suite(0x0042, "DH_DSS_WITH_CAMELLIA_128_CBC_SHA", Static, None),
    suite(0x0085, "DH_DSS_WITH_CAMELLIA_256_CBC_SHA", Static, None),
    suite(0x000C, "DH_DSS_WITH_DES_CBC_SHA", Static, Some("DES")),
    suite(0x0097, "DH_DSS_WITH_SEED_CBC_SHA", Static, None),
    suite(0x0010, "DH_RSA_WITH_3DES_EDE_CBC_SHA", Static, Some("3DES")),
    suite(0x0031, "DH_RSA_WITH_AES_128_CBC_SHA", Static, None),
    suite(0x003F, "DH_RSA_WITH_AES_128_CBC_SHA256", Static, None),
    suite(0x00A0, "DH_RSA_WITH_AES_128_GCM_SHA256", Static, None),
    suite(0x0037, "DH_RSA_WITH_AES_256_CBC_SHA", Static, None),
    suite(0x0069, "DH_RSA_WITH_AES_256_CBC_SHA256", Static, None),
    suite(0x00A1, "DH_RSA_WITH_AES_256_GCM_SHA384", Static, None),
    suite(0x0043, "DH_RSA_WITH_CAMELLIA_128_CBC_SHA", Static, None),
    suite(0x0086, "DH_RSA_WITH_CAMELLIA_256_CBC_SHA", Static, None),
    suite(0x000F, "DH_RSA_WITH_DES_CBC_SHA", Static, Some("DES")),
    suite(0x0098, "DH_RSA_WITH_SEED_CBC_SHA", Static, None),
    suite(
        0x0019,
        "DH_anon_EXPORT_WITH_DES40_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x0017,
        "DH_anon_EXPORT_WITH_RC4_40_MD5",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x0046,
        "DH_anon_WITH_CAMELLIA_128_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x00BF,
        "DH_anon_WITH_CAMELLIA_128_CBC_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x0089,
        "DH_anon_WITH_CAMELLIA_256_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x00C5,
        "DH_anon_WITH_CAMELLIA_256_CBC_SHA256",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x001A,
        "DH_anon_WITH_DES_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0x009B,
        "DH_anon_WITH_SEED_CBC_SHA",
        Anonymous,
        Some("anonymous"),
    ),
    suite(
        0xC003,
        "ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA",
        Static,
        Some("3DES"),
    ),
    suite(0xC025, "ECDH_ECDSA_WITH_AES_128_CBC_SHA256", Static, None),
    suite(0xC026, "ECDH_ECDSA_WITH_AES_256_CBC_SHA384", Static, None),
    suite(
        0xC001,
        "ECDH_ECDSA_WITH_NULL_SHA",
        Static,
        Some("NULL encryption"),
    ),
    suite(0xC002, "ECDH_ECDSA_WITH_RC4_128_SHA", Static, Some("RC4")),
    suite(
        0xC00D,
        "ECDH_RSA_WITH_3DES_EDE_CBC_SHA",
        Static,
        Some("3DES"),
    ),
    suite(0xC029, "ECDH_RSA_WITH_AES_128_CBC_SHA256", Static, None),
    suite(0xC02A, "ECDH_RSA_WITH_AES_256_CBC_SHA384", Static, None),
    suite(
        0xC00B,
        "ECDH_RSA_WITH_NULL_SHA",
        Static,
        Some("NULL encryption"),
    ),
    suite(0xC00C, "ECDH_RSA_WITH_RC4_128_SHA", Static, Some("RC4")),
];

/// TLS 1.3 suites (RFC 8446); the RFC 8998 SM suites are CERT-006's.
pub const TLS13_SUITES: &[SuiteInfo] = &[
    suite(0x1301, "TLS_AES_128_GCM_SHA256", Ephemeral, None),
    suite(0x1302, "TLS_AES_256_GCM_SHA384", Ephemeral, None),
    suite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", Ephemeral, None),
    suite(0x1304, "TLS_AES_128_CCM_SHA256", Ephemeral, None),
    suite(0x1305, "TLS_AES_128_CCM_8_SHA256", Ephemeral, None),
];

/// The suites probed for `version`.
pub fn suites_for(version: Version) -> &'static [SuiteInfo] {
    match version {
        Version::Tls13 => TLS13_SUITES,
        _ => TLS12_SUITES,
    }
}

/// RFC 8998 cipher suites: TLS_SM4_GCM_SM3 and TLS_SM4_CCM_SM3.
pub const RFC8998_SUITES: [u16; 2] = [0x00C6, 0x00C7];

/// The GM cipher suites of GB/T 38636 (TLCP), by code point.
pub const GM_SUITES: [(u16, &str); 4] = [
    (0xE053, "ECC_SM4_GCM_SM3"),
    (0xE013, "ECC_SM4_CBC_SM3"),
    (0xE051, "ECDHE_SM4_GCM_SM3"),
    (0xE011, "ECDHE_SM4_CBC_SM3"),
];

/// TLCP's protocol version (GB/T 38636).
pub const TLCP_VERSION: u16 = 0x0101;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_suite_sslyze_tries_is_in_the_catalogue_once() {
        let listed = include_str!("../../testdata/sslyze-tls12-suites.txt");
        let missing: Vec<&str> = listed
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.trim().trim_start_matches("TLS_"))
            .filter(|name| !TLS12_SUITES.iter().any(|s| s.name == *name))
            .collect();
        assert!(missing.is_empty(), "not in the catalogue: {missing:?}");
        let mut ids: Vec<u16> = TLS12_SUITES.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "a code point is listed twice");
    }

    #[test]
    fn names_and_classes_agree() {
        for s in TLS12_SUITES {
            let (kx, cipher) = s.name.split_once("_WITH_").expect("KX_WITH_CIPHER");
            if kx.contains("anon") {
                assert_eq!(s.key_exchange, Anonymous, "{}", s.name);
                assert!(s.weakness.is_some(), "{}", s.name);
            } else if kx.starts_with("ECDHE") || kx.starts_with("DHE") {
                assert_eq!(s.key_exchange, Ephemeral, "{}", s.name);
            } else {
                assert_eq!(s.key_exchange, Static, "{}", s.name);
            }
            let broken = ["NULL", "RC4", "DES", "EXPORT", "IDEA", "MD5"]
                .iter()
                .any(|w| cipher.contains(w) || kx.contains(w));
            assert_eq!(
                broken || kx.contains("anon"),
                s.weakness.is_some(),
                "{}",
                s.name
            );
        }
    }
}
