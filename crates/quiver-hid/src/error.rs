//! Errors of the descriptor model and the recording format.

use std::fmt;

/// What went wrong building a [`Device`](crate::descriptor::Device) or
/// reading a [`Recording`](crate::recording::Recording).
///
/// Every variant says what was being read, where (a byte offset in the
/// report descriptor, a line number in a recording) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HidError {
    /// The report descriptor was refused.
    Descriptor {
        /// Byte offset of the offending item in the descriptor, when known.
        offset: Option<usize>,
        /// Why it was refused.
        reason: String,
    },
    /// A hid-recorder file could not be parsed.
    Recording {
        /// 1-based line number.
        line: usize,
        /// Why the line was refused.
        reason: String,
    },
}

impl HidError {
    pub(crate) fn descriptor(offset: Option<usize>, reason: impl Into<String>) -> Self {
        HidError::Descriptor {
            offset,
            reason: reason.into(),
        }
    }

    pub(crate) fn recording(line: usize, reason: impl Into<String>) -> Self {
        HidError::Recording {
            line,
            reason: reason.into(),
        }
    }
}

impl fmt::Display for HidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HidError::Descriptor {
                offset: Some(offset),
                reason,
            } => write!(
                f,
                "invalid report descriptor at byte {offset} ({offset:#x}): {reason}"
            ),
            HidError::Descriptor {
                offset: None,
                reason,
            } => write!(f, "invalid report descriptor: {reason}"),
            HidError::Recording { line, reason } => {
                write!(f, "hid-recorder file, line {line}: {reason}")
            }
        }
    }
}

impl std::error::Error for HidError {}
