//! Reading and writing the length-prefixed fields of TLCP messages. Every read is bounded by
//! what the message holds: a length that runs past the end is an error, never a panic.

use crate::TlcpError;

/// A cursor over one message's bytes.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Reads `bytes`, naming them `what` in errors.
    pub(crate) fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Reader { bytes, what }
    }

    fn short(&self) -> TlcpError {
        TlcpError::Decode(self.what)
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], TlcpError> {
        if self.bytes.len() < n {
            return Err(self.short());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, TlcpError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, TlcpError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u24(&mut self) -> Result<usize, TlcpError> {
        let b = self.take(3)?;
        Ok(usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]))
    }

    /// A field with a one-byte length.
    pub(crate) fn vec8(&mut self) -> Result<&'a [u8], TlcpError> {
        let n = usize::from(self.u8()?);
        self.take(n)
    }

    /// A field with a two-byte length.
    pub(crate) fn vec16(&mut self) -> Result<&'a [u8], TlcpError> {
        let n = usize::from(self.u16()?);
        self.take(n)
    }

    /// A field with a three-byte length.
    pub(crate) fn vec24(&mut self) -> Result<&'a [u8], TlcpError> {
        let n = self.u24()?;
        self.take(n)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The message must end here: trailing bytes are a malformed message.
    pub(crate) fn end(&self) -> Result<(), TlcpError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(TlcpError::Decode(self.what))
        }
    }
}

pub(crate) fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub(crate) fn put_u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

pub(crate) fn put_vec8(out: &mut Vec<u8>, v: &[u8]) {
    out.push(v.len() as u8);
    out.extend_from_slice(v);
}

pub(crate) fn put_vec16(out: &mut Vec<u8>, v: &[u8]) {
    put_u16(out, v.len() as u16);
    out.extend_from_slice(v);
}

#[cfg(test)]
pub(crate) fn put_vec24(out: &mut Vec<u8>, v: &[u8]) {
    put_u24(out, v.len());
    out.extend_from_slice(v);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_length_past_the_end_is_an_error() {
        let mut r = Reader::new(&[0, 5, 1, 2], "test");
        assert!(matches!(r.vec16(), Err(TlcpError::Decode("test"))));
        let mut r = Reader::new(&[2, 1, 2, 9], "test");
        assert_eq!(r.vec8().unwrap(), [1, 2]);
        assert!(r.end().is_err());
        assert_eq!(r.u8().unwrap(), 9);
        assert!(r.end().is_ok());
    }

    #[test]
    fn lengths_round_trip() {
        let mut out = Vec::new();
        put_vec24(&mut out, &[7; 300]);
        put_vec16(&mut out, b"ab");
        put_vec8(&mut out, b"");
        let mut r = Reader::new(&out, "test");
        assert_eq!(r.vec24().unwrap().len(), 300);
        assert_eq!(r.vec16().unwrap(), b"ab");
        assert!(r.vec8().unwrap().is_empty());
        assert!(r.is_empty());
    }
}
