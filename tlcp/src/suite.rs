//! The cipher suites this client speaks (GB/T 38636-2020 Table 2), and those it recognises.

/// A TLCP cipher suite this client can complete a handshake with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// ECC key exchange (SM2 encryption of the pre-master secret), SM4-CBC, HMAC-SM3.
    EccSm4CbcSm3,
    /// ECC key exchange, SM4-GCM.
    EccSm4GcmSm3,
    /// ECDHE: the SM2 key exchange protocol between both sides' encryption keys and fresh
    /// ephemeral keys, SM4-CBC, HMAC-SM3. Needs a client certificate pair.
    EcdheSm4CbcSm3,
    /// ECDHE, SM4-GCM.
    EcdheSm4GcmSm3,
}

impl CipherSuite {
    /// Every suite this crate implements, GCM first, ECC before ECDHE. A client without a
    /// certificate pair offers only the ECC ones.
    pub const ALL: [CipherSuite; 4] = [
        CipherSuite::EccSm4GcmSm3,
        CipherSuite::EccSm4CbcSm3,
        CipherSuite::EcdheSm4GcmSm3,
        CipherSuite::EcdheSm4CbcSm3,
    ];

    /// The ECC suites, which need no client certificate.
    pub const ECC: [CipherSuite; 2] = [CipherSuite::EccSm4GcmSm3, CipherSuite::EccSm4CbcSm3];

    /// The suite's code on the wire.
    pub const fn code(self) -> u16 {
        match self {
            CipherSuite::EccSm4CbcSm3 => 0xE013,
            CipherSuite::EccSm4GcmSm3 => 0xE053,
            CipherSuite::EcdheSm4CbcSm3 => 0xE011,
            CipherSuite::EcdheSm4GcmSm3 => 0xE051,
        }
    }

    /// The suite for a code, when this client implements it.
    pub fn from_code(code: u16) -> Option<CipherSuite> {
        CipherSuite::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The suite's name as GB/T 38636 writes it.
    pub const fn name(self) -> &'static str {
        match self {
            CipherSuite::EccSm4CbcSm3 => "ECC_SM4_CBC_SM3",
            CipherSuite::EccSm4GcmSm3 => "ECC_SM4_GCM_SM3",
            CipherSuite::EcdheSm4CbcSm3 => "ECDHE_SM4_CBC_SM3",
            CipherSuite::EcdheSm4GcmSm3 => "ECDHE_SM4_GCM_SM3",
        }
    }

    /// Whether records are protected with SM4-GCM (otherwise SM4-CBC with HMAC-SM3).
    pub const fn is_gcm(self) -> bool {
        matches!(
            self,
            CipherSuite::EccSm4GcmSm3 | CipherSuite::EcdheSm4GcmSm3
        )
    }

    /// Whether the key exchange is ECDHE, which needs the client's certificate pair: each
    /// side's encryption key enters the SM2 key exchange, so the server must ask for it.
    pub const fn is_ecdhe(self) -> bool {
        matches!(
            self,
            CipherSuite::EcdheSm4CbcSm3 | CipherSuite::EcdheSm4GcmSm3
        )
    }
}

impl std::fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({:#06x})", self.name(), self.code())
    }
}
