//! The RFC 8998 primitives as rustls traits: SM3 for the transcript and HKDF (through HMAC-SM3),
//! SM4-GCM and SM4-CCM record protection, and ECDHE on curveSM2.

use aes_gcm::aead::{AeadInOut, KeyInit};
use hmac::{Hmac, Mac};
use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, InboundPlainMessage, Iv, MessageDecrypter, MessageEncrypter,
    Nonce, OutboundOpaqueMessage, OutboundPlainMessage, PrefixedPayload, Tls13AeadAlgorithm,
    UnsupportedOperationError, make_tls13_aad,
};
use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup, hash, hmac as rhmac};
use rustls::{ConnectionTrafficSecrets, ContentType, Error, NamedGroup, ProtocolVersion};
use sm2::elliptic_curve::point::AffineCoordinates;
use sm3::{Digest, Sm3};
use sm4::Sm4;

/// curveSM2's code point in `supported_groups` and `key_share` (RFC 8998 §2.2).
pub const CURVE_SM2: u16 = 41;

/// SM3, for the transcript hash and, through HMAC, the key schedule.
pub(super) struct Sm3Hash;

impl hash::Hash for Sm3Hash {
    fn start(&self) -> Box<dyn hash::Context> {
        Box::new(Sm3Context(Sm3::new()))
    }

    fn hash(&self, data: &[u8]) -> hash::Output {
        hash::Output::new(&Sm3::digest(data))
    }

    fn output_len(&self) -> usize {
        32
    }

    fn algorithm(&self) -> hash::HashAlgorithm {
        // TLS 1.2's HashAlgorithm registry has no SM3; only resumption compares this value.
        hash::HashAlgorithm::Unknown(0x07)
    }
}

struct Sm3Context(Sm3);

impl hash::Context for Sm3Context {
    fn fork_finish(&self) -> hash::Output {
        hash::Output::new(&self.0.clone().finalize())
    }

    fn fork(&self) -> Box<dyn hash::Context> {
        Box::new(Sm3Context(self.0.clone()))
    }

    fn finish(self: Box<Self>) -> hash::Output {
        hash::Output::new(&self.0.finalize())
    }

    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

/// HMAC-SM3, from which rustls builds HKDF-SM3.
pub(super) struct HmacSm3;

impl rhmac::Hmac for HmacSm3 {
    fn with_key(&self, key: &[u8]) -> Box<dyn rhmac::Key> {
        Box::new(HmacSm3Key(
            <Hmac<Sm3> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length"),
        ))
    }

    fn hash_output_len(&self) -> usize {
        32
    }
}

struct HmacSm3Key(Hmac<Sm3>);

impl rhmac::Key for HmacSm3Key {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> rhmac::Tag {
        let mut mac = self.0.clone();
        mac.update(first);
        for part in middle {
            mac.update(part);
        }
        mac.update(last);
        rhmac::Tag::new(&mac.finalize().into_bytes())
    }

    fn tag_len(&self) -> usize {
        32
    }
}

/// The two AEADs RFC 8998 pairs with SM4: GCM and CCM, both with 16-byte tags and 12-byte
/// nonces.
#[derive(Clone, Copy)]
pub(super) enum Sm4Aead {
    Gcm,
    Ccm,
}

type Sm4Gcm = aes_gcm::AesGcm<Sm4, aes_gcm::aead::consts::U12>;
type Sm4Ccm = ccm::Ccm<Sm4, ccm::consts::U16, ccm::consts::U12>;

const TAG_LEN: usize = 16;

impl Sm4Aead {
    /// Encrypts `data` in place and appends the tag.
    pub(super) fn seal(
        self,
        key: &[u8; 16],
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut Vec<u8>,
    ) -> bool {
        let nonce = (*nonce).into();
        match self {
            Sm4Aead::Gcm => Sm4Gcm::new(key.into())
                .encrypt_in_place(&nonce, aad, data)
                .is_ok(),
            Sm4Aead::Ccm => Sm4Ccm::new(key.into())
                .encrypt_in_place(&nonce, aad, data)
                .is_ok(),
        }
    }

    /// Checks the tag and decrypts `data` in place (the tag removed).
    pub(super) fn open(
        self,
        key: &[u8; 16],
        nonce: &[u8; 12],
        aad: &[u8],
        data: &mut Vec<u8>,
    ) -> bool {
        let nonce = (*nonce).into();
        match self {
            Sm4Aead::Gcm => Sm4Gcm::new(key.into())
                .decrypt_in_place(&nonce, aad, data)
                .is_ok(),
            Sm4Aead::Ccm => Sm4Ccm::new(key.into())
                .decrypt_in_place(&nonce, aad, data)
                .is_ok(),
        }
    }
}

impl Tls13AeadAlgorithm for Sm4Aead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Sm4Records {
            aead: *self,
            key: sm4_key(&key),
            iv,
        })
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Sm4Records {
            aead: *self,
            key: sm4_key(&key),
            iv,
        })
    }

    fn key_len(&self) -> usize {
        16
    }

    fn extract_keys(
        &self,
        _key: AeadKey,
        _iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        // Kernel TLS offload has no SM4; nothing here asks for the keys.
        Err(UnsupportedOperationError)
    }
}

/// The SM4 key: rustls derives `key_len()` = 16 bytes (a key built outside the key schedule
/// may be longer; its first 16 bytes are used).
fn sm4_key(key: &AeadKey) -> [u8; 16] {
    key.as_ref()[..16]
        .try_into()
        .expect("an AeadKey holds at least 16 bytes")
}

/// One direction's record protection (RFC 8446 §5.2 with SM4).
struct Sm4Records {
    aead: Sm4Aead,
    key: [u8; 16],
    iv: Iv,
}

impl MessageEncrypter for Sm4Records {
    fn encrypt(
        &mut self,
        msg: OutboundPlainMessage<'_>,
        seq: u64,
    ) -> Result<OutboundOpaqueMessage, Error> {
        let total_len = self.encrypted_payload_len(msg.payload.len());
        let mut data = msg.payload.to_vec();
        data.extend_from_slice(&msg.typ.to_array());
        let nonce = Nonce::new(&self.iv, seq);
        if !self
            .aead
            .seal(&self.key, &nonce.0, &make_tls13_aad(total_len), &mut data)
        {
            return Err(Error::EncryptError);
        }
        let mut payload = PrefixedPayload::with_capacity(total_len);
        payload.extend_from_slice(&data);
        Ok(OutboundOpaqueMessage::new(
            ContentType::ApplicationData,
            ProtocolVersion::TLSv1_2,
            payload,
        ))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len + 1 + TAG_LEN
    }
}

impl MessageDecrypter for Sm4Records {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let payload = &mut msg.payload;
        if payload.len() < TAG_LEN {
            return Err(Error::DecryptError);
        }
        let nonce = Nonce::new(&self.iv, seq);
        let aad = make_tls13_aad(payload.len());
        let mut data = payload.to_vec();
        if !self.aead.open(&self.key, &nonce.0, &aad, &mut data) {
            return Err(Error::DecryptError);
        }
        payload.truncate(data.len());
        payload.copy_from_slice(&data);
        msg.into_tls13_unpadded_message()
    }
}

/// ECDHE on curveSM2: uncompressed points in `key_share`, the shared secret is the x
/// coordinate (RFC 8998 §2.2; GmSSL's `sm2_ecdh` does the same).
#[derive(Debug)]
pub(super) struct CurveSm2;

impl SupportedKxGroup for CurveSm2 {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        // A uniformly random scalar: 32 random bytes, drawn again in the rare case they are
        // zero or not below the group order.
        let secret = loop {
            let bytes = crate::random::<32>().map_err(|_| Error::FailedToGetRandomBytes)?;
            if let Ok(secret) = sm2::SecretKey::from_slice(&bytes) {
                break secret;
            }
        };
        let public = secret.public_key().to_sec1_bytes().to_vec();
        Ok(Box::new(Sm2KeyExchange { secret, public }))
    }

    fn name(&self) -> NamedGroup {
        NamedGroup::Unknown(CURVE_SM2)
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        // RFC 8998 defines curveSM2 for TLS 1.3 only.
        version == ProtocolVersion::TLSv1_3
    }
}

struct Sm2KeyExchange {
    secret: sm2::SecretKey,
    public: Vec<u8>,
}

impl ActiveKeyExchange for Sm2KeyExchange {
    fn complete(self: Box<Self>, peer_pub_key: &[u8]) -> Result<SharedSecret, Error> {
        // Only the uncompressed form is allowed (RFC 8446 §4.2.8.2 via RFC 8998).
        if peer_pub_key.first() != Some(&0x04) || peer_pub_key.len() != 65 {
            return Err(Error::from(rustls::PeerMisbehaved::InvalidKeyShare));
        }
        let peer = sm2::PublicKey::from_sec1_bytes(peer_pub_key)
            .map_err(|_| Error::from(rustls::PeerMisbehaved::InvalidKeyShare))?;
        let shared = (peer.to_projective() * *self.secret.to_nonzero_scalar()).to_affine();
        Ok(SharedSecret::from(&shared.x()[..]))
    }

    fn pub_key(&self) -> &[u8] {
        &self.public
    }

    fn group(&self) -> NamedGroup {
        NamedGroup::Unknown(CURVE_SM2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_of_a_curve_sm2_exchange_agree_and_bad_points_are_refused() {
        let a = CurveSm2.start().unwrap();
        let b = CurveSm2.start().unwrap();
        let (a_pub, b_pub) = (a.pub_key().to_vec(), b.pub_key().to_vec());
        assert_eq!(a_pub.len(), 65);
        let a_secret = a.complete(&b_pub).unwrap();
        let b_secret = b.complete(&a_pub).unwrap();
        assert_eq!(a_secret.secret_bytes(), b_secret.secret_bytes());
        assert_eq!(a_secret.secret_bytes().len(), 32);
        let mut off_curve = b_pub.clone();
        off_curve[64] ^= 1;
        assert!(CurveSm2.start().unwrap().complete(&off_curve).is_err());
        let compressed = [&[0x02][..], &b_pub[1..33]].concat();
        assert!(CurveSm2.start().unwrap().complete(&compressed).is_err());
    }

    /// SM4-GCM and SM4-CCM records round-trip, and a flipped bit or a wrong sequence number
    /// fails to open.
    #[test]
    fn records_round_trip_and_tampering_is_caught() {
        for aead in [Sm4Aead::Gcm, Sm4Aead::Ccm] {
            let make = || (AeadKey::from([7u8; 32]), Iv::new([9u8; 12]));
            let (k1, iv1) = make();
            let (k2, iv2) = make();
            let mut sender = aead.encrypter(k1, iv1);
            let plain = OutboundPlainMessage {
                typ: ContentType::ApplicationData,
                version: ProtocolVersion::TLSv1_3,
                payload: rustls::crypto::cipher::OutboundChunks::Single(b"hello"),
            };
            let sealed = sender.encrypt(plain, 3).unwrap().encode();
            let mut receiver = aead.decrypter(k2, iv2);
            let mut wire = sealed.clone();
            let opened = receiver
                .decrypt(
                    InboundOpaqueMessage::new(
                        ContentType::ApplicationData,
                        ProtocolVersion::TLSv1_2,
                        &mut wire[5..],
                    ),
                    3,
                )
                .unwrap();
            assert_eq!(opened.payload, b"hello");
            let mut wrong_seq = sealed.clone();
            assert!(
                receiver
                    .decrypt(
                        InboundOpaqueMessage::new(
                            ContentType::ApplicationData,
                            ProtocolVersion::TLSv1_2,
                            &mut wrong_seq[5..],
                        ),
                        4
                    )
                    .is_err()
            );
            let mut flipped = sealed;
            flipped[7] ^= 1;
            assert!(
                receiver
                    .decrypt(
                        InboundOpaqueMessage::new(
                            ContentType::ApplicationData,
                            ProtocolVersion::TLSv1_2,
                            &mut flipped[5..],
                        ),
                        3
                    )
                    .is_err()
            );
        }
    }
}
