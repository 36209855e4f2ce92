//! Writing to standard output without panicking when the reader goes away
//! (`quiver ... | head`): a closed pipe ends the output quietly.

use std::io::{self, Write};

/// Writes `text` to standard output. A closed pipe is not an error: the
/// reader has what it wanted.
pub fn print(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A line-by-line writer for long outputs (traces): after the first
/// failed write it stops writing, and `finish` reports a real error.
pub struct Lines {
    out: io::BufWriter<io::StdoutLock<'static>>,
    error: Option<io::Error>,
}

impl Default for Lines {
    fn default() -> Self {
        Lines {
            out: io::BufWriter::new(io::stdout().lock()),
            error: None,
        }
    }
}

impl Lines {
    /// Writes one line, unless an earlier write failed.
    pub fn line(&mut self, text: &str) {
        if self.error.is_none()
            && let Err(e) = writeln!(self.out, "{text}")
        {
            self.error = Some(e);
        }
    }

    /// Flushes; a closed pipe counts as success.
    pub fn finish(mut self) -> io::Result<()> {
        let flushed = self.out.flush();
        match self.error.take().map_or(flushed, Err) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}
