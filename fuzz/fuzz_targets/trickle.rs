//! A reader that hands out its input in small pieces, shared by the streaming fuzz targets
//! (a module of each, not a target of its own).

use std::io::Read;

/// A reader that returns at most `step` bytes per call, as a slow socket would.
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = tail;
        Ok(n)
    }
}
