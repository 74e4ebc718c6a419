//! A streaming BER reader with bounded state: it never holds more than one buffered element
//! (bounded by [`MAX_BUFFERED_ELEMENT`]) and follows at most [`MAX_NESTING_DEPTH`] levels.

use std::io::{self, Read};

use crate::budget::{MAX_BUFFERED_ELEMENT, MAX_NESTING_DEPTH, READ_BUFFER};
use crate::error::Error;

use super::{OCTET_STRING, OCTET_STRING_CONSTRUCTED};

/// The identifier and length of one element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The identifier octet (only low tag numbers, 0 to 30, occur in CMS structures).
    pub tag: u8,
    /// The content length; `None` for the indefinite form.
    pub length: Option<u64>,
    /// Offset of the identifier octet.
    pub offset: u64,
    /// The identifier and length octets as read.
    raw: [u8; 10],
    raw_len: u8,
}

impl Header {
    /// Whether the element is constructed.
    pub fn is_constructed(&self) -> bool {
        self.tag & 0x20 != 0
    }

    /// Whether this is an end-of-contents marker (`00 00`).
    pub fn is_end_of_contents(&self) -> bool {
        self.tag == 0 && self.length == Some(0)
    }

    /// The identifier and length octets as they were read.
    pub fn octets(&self) -> &[u8] {
        self.raw
            .get(..usize::from(self.raw_len))
            .unwrap_or_default()
    }
}

/// Where an open constructed element ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Offset just past the element's content for a definite length; `None` when the element
    /// ends with end-of-contents octets.
    end: Option<u64>,
    depth: usize,
}

impl Frame {
    /// The outermost frame: the whole input.
    pub fn top() -> Self {
        Self {
            end: None,
            depth: 0,
        }
    }
}

/// Reads BER elements one header at a time from any `Read`.
#[derive(Debug)]
pub struct BerReader<R: Read> {
    inner: R,
    offset: u64,
    /// The buffer OCTET STRING content passes through, kept between chunks so a message of
    /// many chunks is not an allocation (and a zeroing) per chunk.
    scratch: Vec<u8>,
}

impl<R: Read> BerReader<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            scratch: Vec::new(),
        }
    }

    /// Octets consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn malformed(&self, offset: u64, reason: impl Into<std::borrow::Cow<'static, str>>) -> Error {
        Error::Malformed {
            offset,
            reason: reason.into(),
        }
    }

    fn byte(&mut self, what: &'static str) -> Result<Option<u8>, Error> {
        let mut one = [0u8; 1];
        loop {
            match self.inner.read(&mut one) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    self.offset = self.offset.saturating_add(1);
                    return Ok(Some(one[0]));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = what;
                    return Err(e.into());
                }
            }
        }
    }

    fn need_byte(&mut self, what: &'static str) -> Result<u8, Error> {
        self.byte(what)?.ok_or(Error::Truncated {
            offset: self.offset,
            what,
        })
    }

    fn read_exact(&mut self, out: &mut [u8], what: &'static str) -> Result<(), Error> {
        match self.inner.read_exact(out) {
            Ok(()) => {
                self.offset = self.offset.saturating_add(out.len() as u64);
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(Error::Truncated {
                offset: self.offset,
                what,
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads one header; `None` at a clean end of input.
    pub fn header(&mut self) -> Result<Option<Header>, Error> {
        let offset = self.offset;
        let Some(tag) = self.byte("identifier octet")? else {
            return Ok(None);
        };
        let mut raw = [0u8; 10];
        raw[0] = tag;
        if tag & 0x1F == 0x1F {
            return Err(self.malformed(offset, "high tag numbers do not occur in CMS"));
        }
        let first = self.need_byte("length octet")?;
        raw[1] = first;
        let mut raw_len = 2u8;
        let length = if first < 0x80 {
            Some(u64::from(first))
        } else if first == 0x80 {
            if tag & 0x20 == 0 {
                return Err(self.malformed(offset, "indefinite length on a primitive element"));
            }
            None
        } else {
            let count = first & 0x7F;
            if count > 8 {
                return Err(self.malformed(offset, "length of more than 8 octets"));
            }
            let mut value = 0u64;
            for slot in raw.iter_mut().skip(2).take(usize::from(count)) {
                let octet = self.need_byte("length octets")?;
                *slot = octet;
                value = (value << 8) | u64::from(octet);
            }
            raw_len = raw_len.saturating_add(count);
            Some(value)
        };
        if tag == 0 && length != Some(0) {
            return Err(self.malformed(offset, "tag 0 that is not end-of-contents"));
        }
        Ok(Some(Header {
            tag,
            length,
            offset,
            raw,
            raw_len,
        }))
    }

    /// Opens the constructed element `header` inside `parent`.
    pub fn enter(&self, parent: Frame, header: &Header) -> Result<Frame, Error> {
        if !header.is_constructed() {
            return Err(self.malformed(header.offset, "expected a constructed element"));
        }
        let depth = parent.depth.saturating_add(1);
        if depth > MAX_NESTING_DEPTH {
            return Err(Error::BudgetExceeded {
                what: "BER nesting depth",
                limit: MAX_NESTING_DEPTH as u64,
            });
        }
        let end = match header.length {
            Some(len) => Some(
                self.offset
                    .checked_add(len)
                    .ok_or_else(|| self.malformed(header.offset, "length overflows the offset"))?,
            ),
            None => None,
        };
        if let (Some(end), Some(parent_end)) = (end, parent.end)
            && end > parent_end
        {
            return Err(self.malformed(header.offset, "element overruns its container"));
        }
        Ok(Frame { end, depth })
    }

    /// The next element inside `frame`, or `None` at its end (end-of-contents consumed).
    pub fn next_in(&mut self, frame: Frame) -> Result<Option<Header>, Error> {
        if let Some(end) = frame.end {
            if self.offset == end {
                return Ok(None);
            }
            if self.offset > end {
                return Err(self.malformed(end, "element overruns its container"));
            }
        }
        let header = self.header()?.ok_or(Error::Truncated {
            offset: self.offset,
            what: "element",
        })?;
        if header.is_end_of_contents() {
            return match frame.end {
                None if frame.depth > 0 => Ok(None),
                _ => Err(self.malformed(
                    header.offset,
                    "end-of-contents in a definite-length element",
                )),
            };
        }
        if let (Some(len), Some(end)) = (header.length, frame.end)
            && self.offset.saturating_add(len) > end
        {
            return Err(self.malformed(header.offset, "element overruns its container"));
        }
        Ok(Some(header))
    }

    /// Reads the next element inside `frame`, which must exist and have identifier `tag`.
    pub fn expect(&mut self, frame: Frame, tag: u8, what: &'static str) -> Result<Header, Error> {
        match self.next_in(frame)? {
            Some(header) if header.tag == tag => Ok(header),
            Some(header) => Err(self.malformed(
                header.offset,
                format!("{what}: expected tag {tag:#04x}, found {:#04x}", header.tag),
            )),
            None => Err(self.malformed(self.offset, format!("{what}: missing"))),
        }
    }

    /// Checks that `frame` has no more elements.
    pub fn expect_end(&mut self, frame: Frame, what: &'static str) -> Result<(), Error> {
        match self.next_in(frame)? {
            None => Ok(()),
            Some(header) => Err(self.malformed(
                header.offset,
                format!("{what}: unexpected element {:#04x}", header.tag),
            )),
        }
    }

    /// Reads the whole element whose header was just read into memory, header included,
    /// charging its size to `budget` (which must not go below zero).
    pub fn element(
        &mut self,
        header: &Header,
        parent: Frame,
        budget: &mut u64,
    ) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        self.element_into(header, parent, budget, &mut out)?;
        Ok(out)
    }

    fn charge(budget: &mut u64, amount: u64) -> Result<(), Error> {
        *budget = budget.checked_sub(amount).ok_or(Error::BudgetExceeded {
            what: "octets buffered around the content",
            limit: MAX_BUFFERED_ELEMENT,
        })?;
        Ok(())
    }

    fn element_into(
        &mut self,
        header: &Header,
        parent: Frame,
        budget: &mut u64,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        Self::charge(budget, header.octets().len() as u64)?;
        out.extend_from_slice(header.octets());
        match header.length {
            Some(len) => {
                Self::charge(budget, len)?;
                let start = out.len();
                let len = usize::try_from(len)
                    .map_err(|_| self.malformed(header.offset, "length does not fit in memory"))?;
                out.resize(start.saturating_add(len), 0);
                let target = out.get_mut(start..).unwrap_or_default();
                self.read_exact(target, "element content")
            }
            None => {
                let frame = self.enter(parent, header)?;
                while let Some(child) = self.next_in(frame)? {
                    self.element_into(&child, frame, budget, out)?;
                }
                Self::charge(budget, 2)?;
                out.extend_from_slice(&[0, 0]);
                Ok(())
            }
        }
    }

    /// Reads the content octets of the primitive element `header` (at most `limit` octets).
    pub fn primitive(
        &mut self,
        header: &Header,
        limit: u64,
        what: &'static str,
    ) -> Result<Vec<u8>, Error> {
        if header.is_constructed() {
            return Err(self.malformed(
                header.offset,
                format!("{what}: expected a primitive element"),
            ));
        }
        let len = header.length.unwrap_or(0);
        if len > limit {
            return Err(Error::BudgetExceeded { what, limit });
        }
        let mut out = vec![0u8; usize::try_from(len).unwrap_or(0)];
        self.read_exact(&mut out, what)?;
        Ok(out)
    }

    /// Streams the value of the OCTET STRING `header` (primitive, or constructed of chunks in
    /// any nesting and any length form) to `sink`, without holding more than
    /// [`READ_BUFFER`] octets. Returns the number of content octets.
    pub fn octet_string(
        &mut self,
        header: &Header,
        parent: Frame,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        match header.tag {
            OCTET_STRING => {
                let mut left = header.length.unwrap_or(0);
                let mut total = 0u64;
                let mut buffer = core::mem::take(&mut self.scratch);
                buffer.resize(READ_BUFFER, 0);
                while left > 0 {
                    let take = usize::try_from(left.min(READ_BUFFER as u64)).unwrap_or(READ_BUFFER);
                    let piece = buffer.get_mut(..take).unwrap_or_default();
                    self.read_exact(piece, "OCTET STRING content")?;
                    sink(piece)?;
                    left = left.saturating_sub(take as u64);
                    total = total.saturating_add(take as u64);
                }
                self.scratch = buffer;
                Ok(total)
            }
            OCTET_STRING_CONSTRUCTED => {
                let frame = self.enter(parent, header)?;
                let mut total = 0u64;
                while let Some(child) = self.next_in(frame)? {
                    total = total.saturating_add(self.octet_string(&child, frame, sink)?);
                }
                Ok(total)
            }
            other => Err(self.malformed(
                header.offset,
                format!("OCTET STRING chunk with tag {other:#04x}"),
            )),
        }
    }

    /// Streams an `[n] IMPLICIT OCTET STRING` (such as `encryptedContent`): primitive
    /// (`80`), or constructed (`A0`) of universal OCTET STRING chunks.
    pub fn implicit_octet_string(
        &mut self,
        header: &Header,
        parent: Frame,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<u64, Error> {
        let mut universal = *header;
        universal.tag = if header.is_constructed() {
            OCTET_STRING_CONSTRUCTED
        } else {
            OCTET_STRING
        };
        self.octet_string(&universal, parent, sink)
    }

    /// Checks that nothing follows the last element.
    pub fn expect_eof(&mut self) -> Result<(), Error> {
        let offset = self.offset;
        match self.byte("trailing data")? {
            None => Ok(()),
            Some(_) => Err(self.malformed(offset, "data after the end of the message")),
        }
    }
}
