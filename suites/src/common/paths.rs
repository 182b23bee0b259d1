//! Profile endpoints (docs/profile.md §4).

pub const PLATFORM: &str = "/api/v1/platform";
pub const LOGIN: &str = "/api/v1/auth/login";
pub const REGISTER: &str = "/api/v1/auth/register";
pub const AUDIT: &str = "/api/v1/audit";
pub const SESSION: &str = "/api/v1/auth/session";
pub const LOGOUT: &str = "/api/v1/auth/logout";
pub const EVIDENCE: &str = "/api/v1/evidence";
pub const CHAIN_HEAD: &str = "/api/v1/chain/head";
pub const ACCOUNT_CERTIFICATE: &str = "/api/v1/account/certificate";

pub fn evidence(id: &str) -> String {
    format!("{EVIDENCE}/{}", urlencode(id))
}
pub fn verify(id: &str) -> String {
    format!("{EVIDENCE}/{}/verify", urlencode(id))
}
pub fn block(height: u64) -> String {
    format!("/api/v1/chain/blocks/{height}")
}
pub fn tx(tx_id: &str) -> String {
    format!("/api/v1/chain/tx/{}", urlencode(tx_id))
}
pub fn tx_proof(tx_id: &str) -> String {
    format!("/api/v1/chain/tx/{}/proof", urlencode(tx_id))
}

/// Ids come from the platform: never let one add path segments or a query.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
