//! Hex text as the bpf_conformance tools write it: byte pairs, optionally
//! separated by white space.

/// Why a hex string does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HexError {
    #[error("character {ch:?} at position {pos} is not a hex digit")]
    BadDigit { ch: char, pos: usize },
    #[error("odd number of hex digits ({0}): every byte needs two")]
    OddLength(usize),
}

/// Parses hex bytes; white space anywhere is ignored, as is a leading `0x`
/// on each whitespace-separated group.
pub fn decode(text: &str) -> Result<Vec<u8>, HexError> {
    let mut digits = Vec::with_capacity(text.len());
    for group in text.split_whitespace() {
        let start = group.as_ptr() as usize - text.as_ptr() as usize;
        let (skip, body) = match group
            .strip_prefix("0x")
            .or_else(|| group.strip_prefix("0X"))
        {
            Some(rest) => (2, rest),
            None => (0, group),
        };
        for (i, ch) in body.char_indices() {
            let v = ch.to_digit(16).ok_or(HexError::BadDigit {
                ch,
                pos: start + skip + i,
            })?;
            digits.push(v as u8);
        }
    }
    if digits.len() % 2 != 0 {
        return Err(HexError::OddLength(digits.len()));
    }
    Ok(digits.chunks_exact(2).map(|p| (p[0] << 4) | p[1]).collect())
}

/// Lower-case hex bytes separated by spaces.
pub fn encode(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spaced_and_packed() {
        assert_eq!(decode("aa bb 11").unwrap(), vec![0xaa, 0xbb, 0x11]);
        assert_eq!(decode("aabb11\n").unwrap(), vec![0xaa, 0xbb, 0x11]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
        assert_eq!(encode(&[1, 0xff]), "01 ff");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode("abc"), Err(HexError::OddLength(3)));
        assert_eq!(decode("zz"), Err(HexError::BadDigit { ch: 'z', pos: 0 }));
        assert_eq!(decode("00 0g"), Err(HexError::BadDigit { ch: 'g', pos: 4 }));
    }
}
