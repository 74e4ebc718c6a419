//! Writing BER with indefinite lengths, as `openssl cms -stream` does: a container is opened
//! before its size is known and closed with end-of-contents octets.

use std::io::{self, Write};

use super::OCTET_STRING;
use super::OCTET_STRING_CONSTRUCTED;

/// A writer of indefinite-length BER containers over any `Write`.
///
/// ```
/// use smime_stream::ber::{BerWriter, SEQUENCE};
/// let mut writer = BerWriter::new(Vec::new());
/// writer.open(SEQUENCE)?;
/// writer.raw(&[0x05, 0x00])?; // NULL
/// writer.close()?;
/// assert_eq!(writer.finish()?, [0x30, 0x80, 0x05, 0x00, 0x00, 0x00]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct BerWriter<W: Write> {
    inner: W,
    open: usize,
}

impl<W: Write> BerWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Self { inner, open: 0 }
    }

    /// Opens a constructed element of identifier `tag` with an indefinite length.
    pub fn open(&mut self, tag: u8) -> io::Result<()> {
        self.inner.write_all(&[tag | 0x20, 0x80])?;
        self.open = self.open.saturating_add(1);
        Ok(())
    }

    /// Closes the innermost open element (writes end-of-contents).
    pub fn close(&mut self) -> io::Result<()> {
        if self.open == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "BER writer: close without an open element",
            ));
        }
        self.inner.write_all(&[0, 0])?;
        self.open = self.open.saturating_sub(1);
        Ok(())
    }

    /// Writes already encoded elements.
    pub fn raw(&mut self, encoded: &[u8]) -> io::Result<()> {
        self.inner.write_all(encoded)
    }

    /// The underlying writer, for content written by other means.
    pub fn inner_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// Checks every element was closed, flushes and returns the underlying writer.
    pub fn finish(mut self) -> io::Result<W> {
        if self.open != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("BER writer: {} elements left open", self.open),
            ));
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// A constructed, indefinite-length OCTET STRING written as primitive chunks of a fixed size
/// (the last one shorter): `24 80 (04 len chunk)* 00 00`.
#[derive(Debug)]
pub struct ChunkedOctetString {
    chunk_size: usize,
    buffer: Vec<u8>,
}

impl ChunkedOctetString {
    /// A writer of chunks of `chunk_size` octets (at least 1, at most
    /// [`MAX_CHUNK_SIZE`](crate::budget::MAX_CHUNK_SIZE)). Writes the opening octets.
    pub fn open<W: Write>(writer: &mut BerWriter<W>, chunk_size: usize) -> io::Result<Self> {
        Self::open_tagged(writer, OCTET_STRING_CONSTRUCTED, chunk_size)
    }

    /// The same under another (context-specific, IMPLICIT) identifier, such as
    /// EncryptedContentInfo's `[0] encryptedContent`; the chunks keep the universal tag.
    pub fn open_tagged<W: Write>(
        writer: &mut BerWriter<W>,
        tag: u8,
        chunk_size: usize,
    ) -> io::Result<Self> {
        writer.open(tag)?;
        let chunk_size = chunk_size.clamp(1, crate::budget::MAX_CHUNK_SIZE);
        Ok(Self {
            chunk_size,
            buffer: Vec::with_capacity(chunk_size),
        })
    }

    /// Adds content; full chunks are written out at once.
    pub fn write<W: Write>(
        &mut self,
        writer: &mut BerWriter<W>,
        mut data: &[u8],
    ) -> io::Result<()> {
        while !data.is_empty() {
            let room = self.chunk_size.saturating_sub(self.buffer.len());
            let (now, later) = data.split_at(room.min(data.len()));
            self.buffer.extend_from_slice(now);
            data = later;
            if self.buffer.len() >= self.chunk_size {
                self.flush_chunk(writer)?;
            }
        }
        Ok(())
    }

    fn flush_chunk<W: Write>(&mut self, writer: &mut BerWriter<W>) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        writer.raw(&super::definite_header(OCTET_STRING, self.buffer.len()))?;
        writer.raw(&self.buffer)?;
        self.buffer.clear();
        Ok(())
    }

    /// Writes the last chunk and closes the OCTET STRING.
    pub fn close<W: Write>(mut self, writer: &mut BerWriter<W>) -> io::Result<()> {
        self.flush_chunk(writer)?;
        writer.close()
    }
}
