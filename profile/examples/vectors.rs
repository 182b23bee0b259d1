//! Prints the test vectors quoted in docs/profile.md, so the document can be checked against
//! the code: `cargo run -p tianping-profile --example vectors`.

use tianping_profile::{canonical, digest, hmac, merkle};

fn main() {
    println!("SM3(\"abc\") = {}", digest::sm3_hex(b"abc"));
    let to_sign = canonical::request_string_to_sign(
        "POST",
        "/api/v1/evidence",
        "1767225600",
        "0123456789abcdef0123456789abcdef",
        b"{}",
    )
    .unwrap();
    println!("string to sign:\n{}", String::from_utf8_lossy(&to_sign));
    println!(
        "HMAC-SM3(key=\"lab-secret\") = {}",
        hex::encode(hmac::hmac_sm3(b"lab-secret", &to_sign))
    );
    let ids: Vec<[u8; 32]> = (1u8..=3).map(|i| [i; 32]).collect();
    println!(
        "Merkle root of tx ids 0x01…01, 0x02…02, 0x03…03 = {}",
        hex::encode(merkle::root(&ids))
    );
    println!(
        "Merkle root of no tx ids = {}",
        hex::encode(merkle::root::<[u8; 32]>(&[]))
    );
    println!(
        "block hash (height 1, prev 00…00, root 11…11, ts 1767225600000) = {}",
        hex::encode(canonical::block_hash(
            1,
            &[0; 32],
            &[0x11; 32],
            1_767_225_600_000
        ))
    );
    let tx = canonical::TxFields {
        evidence_id: "EV1",
        file_hash: &digest::sm3_hex(b"abc"),
        business_type: "copyright",
        depositor_digest: &digest::sm3_hex(b"person\nname\nid"),
        submitted_at: "2026-01-01T00:00:00.000Z",
    };
    println!(
        "tx bytes:\n{}",
        String::from_utf8_lossy(&canonical::tx_bytes(&tx).unwrap())
    );
    println!("tx_id = {}", hex::encode(canonical::tx_id(&tx).unwrap()));
}
