//! The record layer (GB/T 38636-2020 §6.3): framing, and SM4-CBC with HMAC-SM3 (MAC, then
//! encrypt, explicit IV) or SM4-GCM (RFC 5288 style nonce) protection per direction.

use aes_gcm::aead::{Aead, Payload};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sm3::Sm3;
use sm4::Sm4;
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::TlcpError;

/// TLCP's protocol version on the wire.
pub const VERSION: u16 = 0x0101;
/// The largest plaintext fragment a record may carry.
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// The largest protected fragment: plaintext plus the expansion either protection adds.
pub const MAX_FRAGMENT: usize = MAX_PLAINTEXT + 2048;

/// Record content types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentType {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
}

impl ContentType {
    fn from_byte(b: u8) -> Option<ContentType> {
        Some(match b {
            20 => ContentType::ChangeCipherSpec,
            21 => ContentType::Alert,
            22 => ContentType::Handshake,
            23 => ContentType::ApplicationData,
            _ => return None,
        })
    }
}

type HmacSm3 = Hmac<Sm3>;
type Sm4Gcm = aes_gcm::AesGcm<Sm4, aes_gcm::aead::consts::U12>;

/// How one direction's records are protected.
pub(crate) enum Protection {
    /// Before ChangeCipherSpec.
    Plain,
    /// SM4-CBC with HMAC-SM3, MAC then encrypt, a random explicit IV per record.
    Cbc { mac_key: [u8; 32], key: [u8; 16] },
    /// SM4-GCM: nonce = fixed IV (4) + explicit nonce (8, the sequence number).
    Gcm { key: [u8; 16], fixed_iv: [u8; 4] },
}

/// One direction's protection and sequence number.
pub(crate) struct Direction {
    protection: Protection,
    seq: u64,
}

impl Direction {
    pub(crate) fn plain() -> Self {
        Direction {
            protection: Protection::Plain,
            seq: 0,
        }
    }

    /// Switches to `protection` (at ChangeCipherSpec): the sequence number restarts.
    pub(crate) fn protect(&mut self, protection: Protection) {
        self.protection = protection;
        self.seq = 0;
    }

    fn next_seq(&mut self) -> Result<[u8; 8], TlcpError> {
        let seq = self.seq.to_be_bytes();
        self.seq = self
            .seq
            .checked_add(1)
            .ok_or(TlcpError::Protocol("sequence number would wrap".into()))?;
        Ok(seq)
    }

    /// The header fields a MAC or AEAD covers: sequence number, type, version, length.
    fn covered(seq: &[u8; 8], kind: ContentType, len: usize) -> [u8; 13] {
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(seq);
        aad[8] = kind as u8;
        aad[9..11].copy_from_slice(&VERSION.to_be_bytes());
        aad[11..].copy_from_slice(&(len as u16).to_be_bytes());
        aad
    }

    /// The fragment that carries `plain` as a `kind` record.
    pub(crate) fn seal(&mut self, kind: ContentType, plain: &[u8]) -> Result<Vec<u8>, TlcpError> {
        if plain.len() > MAX_PLAINTEXT {
            return Err(TlcpError::Protocol(
                "record plaintext over 2^14 bytes".into(),
            ));
        }
        if let Protection::Plain = self.protection {
            return Ok(plain.to_vec());
        }
        let seq = self.next_seq()?;
        let covered = Self::covered(&seq, kind, plain.len());
        match &self.protection {
            Protection::Plain => unreachable!("handled above"),
            Protection::Cbc { mac_key, key } => {
                let mut mac = <HmacSm3 as KeyInit>::new_from_slice(mac_key).expect("any key");
                mac.update(&covered);
                mac.update(plain);
                let mut data = plain.to_vec();
                data.extend_from_slice(&mac.finalize().into_bytes());
                let pad = 15 - data.len() % 16;
                data.extend(std::iter::repeat_n(pad as u8, pad + 1));
                let iv = crate::random::<16>()?;
                let encrypted = cbc::Encryptor::<Sm4>::new(key.into(), &iv.into())
                    .encrypt_padded_vec::<NoPadding>(&data);
                Ok([&iv[..], &encrypted].concat())
            }
            Protection::Gcm { key, fixed_iv } => {
                let nonce: [u8; 12] = [&fixed_iv[..], &seq].concat().try_into().expect("12");
                let sealed = Sm4Gcm::new(key.into())
                    .encrypt(
                        (&nonce).into(),
                        Payload {
                            msg: plain,
                            aad: &covered,
                        },
                    )
                    .map_err(|_| TlcpError::Protocol("SM4-GCM sealing failed".into()))?;
                Ok([&seq[..], &sealed].concat())
            }
        }
    }

    /// The plaintext of a received `kind` record's fragment; a MAC, tag or padding that does
    /// not verify is `bad_record_mac`.
    pub(crate) fn open(
        &mut self,
        kind: ContentType,
        fragment: &[u8],
    ) -> Result<Vec<u8>, TlcpError> {
        if let Protection::Plain = self.protection {
            return Ok(fragment.to_vec());
        }
        let seq = self.next_seq()?;
        match &self.protection {
            Protection::Plain => unreachable!("handled above"),
            Protection::Cbc { mac_key, key } => {
                // IV, at least one block holding the MAC, whole blocks.
                if fragment.len() < 16 + 48 || !fragment.len().is_multiple_of(16) {
                    return Err(TlcpError::BadRecordMac);
                }
                let (iv, body) = fragment.split_at(16);
                let iv: [u8; 16] = iv.try_into().expect("16");
                let data = cbc::Decryptor::<Sm4>::new(key.into(), &iv.into())
                    .decrypt_padded_vec::<NoPadding>(body)
                    .map_err(|_| TlcpError::BadRecordMac)?;
                let pad = usize::from(*data.last().expect("non-empty"));
                if pad + 1 + 32 > data.len()
                    || !data[data.len() - pad - 1..]
                        .iter()
                        .all(|b| usize::from(*b) == pad)
                {
                    return Err(TlcpError::BadRecordMac);
                }
                let content_len = data.len() - pad - 1 - 32;
                let (content, rest) = data.split_at(content_len);
                let received_mac = &rest[..32];
                let mut mac = <HmacSm3 as KeyInit>::new_from_slice(mac_key).expect("any key");
                mac.update(&Self::covered(&seq, kind, content_len));
                mac.update(content);
                mac.verify_slice(received_mac)
                    .map_err(|_| TlcpError::BadRecordMac)?;
                Ok(content.to_vec())
            }
            Protection::Gcm { key, fixed_iv } => {
                if fragment.len() < 8 + 16 {
                    return Err(TlcpError::BadRecordMac);
                }
                let (explicit, sealed) = fragment.split_at(8);
                let nonce: [u8; 12] = [&fixed_iv[..], explicit].concat().try_into().expect("12");
                let covered = Self::covered(&seq, kind, sealed.len() - 16);
                Sm4Gcm::new(key.into())
                    .decrypt(
                        (&nonce).into(),
                        Payload {
                            msg: sealed,
                            aad: &covered,
                        },
                    )
                    .map_err(|_| TlcpError::BadRecordMac)
            }
        }
    }
}

/// One record as read from the wire (fragment still protected).
pub(crate) struct RawRecord {
    pub kind: ContentType,
    pub fragment: Vec<u8>,
}

/// The type and fragment length a record header announces: an unknown type, a version other
/// than TLCP's, or a fragment over the limit is an error before the fragment is read.
pub(crate) fn parse_header(header: &[u8; 5]) -> Result<(ContentType, usize), TlcpError> {
    let kind = ContentType::from_byte(header[0])
        .ok_or_else(|| TlcpError::Protocol(format!("record of unknown type {}", header[0])))?;
    let version = u16::from_be_bytes([header[1], header[2]]);
    if version != VERSION {
        return Err(TlcpError::Protocol(format!(
            "record version {version:#06x}, not TLCP's 0x0101"
        )));
    }
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    if len > MAX_FRAGMENT {
        return Err(TlcpError::Protocol(format!(
            "record of {len} bytes, over the limit of {MAX_FRAGMENT}"
        )));
    }
    Ok((kind, len))
}

/// Reads a record header: `None` when the stream ends before one starts; a stream that ends
/// inside it is an error.
pub(crate) async fn read_header<S: AsyncRead + Unpin>(
    io: &mut S,
) -> std::io::Result<Option<[u8; 5]>> {
    let mut header = [0u8; 5];
    match io.read_exact(&mut header[..1]).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    io.read_exact(&mut header[1..]).await?;
    Ok(Some(header))
}

/// Reads one record (see [`parse_header`]); `None` at the end of the stream.
pub(crate) async fn read_record<S: AsyncRead + Unpin>(
    io: &mut S,
) -> Result<Option<RawRecord>, TlcpError> {
    let Some(header) = read_header(io).await? else {
        return Ok(None);
    };
    let (kind, len) = parse_header(&header)?;
    let mut fragment = vec![0u8; len];
    io.read_exact(&mut fragment).await?;
    Ok(Some(RawRecord { kind, fragment }))
}

/// A record's bytes on the wire: header and (already protected) fragment.
pub(crate) fn frame(kind: ContentType, fragment: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + fragment.len());
    out.push(kind as u8);
    out.extend_from_slice(&VERSION.to_be_bytes());
    out.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    out.extend_from_slice(fragment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(gcm: bool) -> (Direction, Direction) {
        let make = || {
            if gcm {
                Protection::Gcm {
                    key: [7; 16],
                    fixed_iv: [1, 2, 3, 4],
                }
            } else {
                Protection::Cbc {
                    mac_key: [9; 32],
                    key: [7; 16],
                }
            }
        };
        let (mut a, mut b) = (Direction::plain(), Direction::plain());
        a.protect(make());
        b.protect(make());
        (a, b)
    }

    #[test]
    fn sealed_records_open_and_a_flipped_bit_is_bad_record_mac() {
        for gcm in [false, true] {
            let (mut sender, mut receiver) = pair(gcm);
            for len in [0, 1, 15, 16, 17, 100, MAX_PLAINTEXT] {
                let plain = vec![0x5a; len];
                let sealed = sender.seal(ContentType::ApplicationData, &plain).unwrap();
                assert_eq!(
                    receiver
                        .open(ContentType::ApplicationData, &sealed)
                        .unwrap(),
                    plain,
                    "gcm {gcm}, {len} bytes"
                );
            }
            let mut sealed = sender.seal(ContentType::ApplicationData, b"hello").unwrap();
            let last = sealed.len() - 1;
            sealed[last] ^= 1;
            assert!(matches!(
                receiver.open(ContentType::ApplicationData, &sealed),
                Err(TlcpError::BadRecordMac)
            ));
        }
    }

    /// The sequence number and the content type are covered: a record replayed, or presented
    /// as another type, does not open.
    #[test]
    fn replayed_or_retyped_records_do_not_open() {
        for gcm in [false, true] {
            let (mut sender, mut receiver) = pair(gcm);
            let first = sender.seal(ContentType::ApplicationData, b"one").unwrap();
            receiver.open(ContentType::ApplicationData, &first).unwrap();
            assert!(receiver.open(ContentType::ApplicationData, &first).is_err());
            let (mut sender, mut receiver) = pair(gcm);
            let sealed = sender.seal(ContentType::ApplicationData, b"one").unwrap();
            assert!(receiver.open(ContentType::Alert, &sealed).is_err());
        }
    }

    #[test]
    fn truncated_fragments_are_bad_record_mac_not_panics() {
        for gcm in [false, true] {
            let (_, mut receiver) = pair(gcm);
            for len in [0, 8, 16, 23, 47, 63, 65] {
                assert!(
                    receiver
                        .open(ContentType::Handshake, &vec![0; len])
                        .is_err()
                );
            }
        }
    }
}
