//! Splits one line of assembly into tokens that remember their column.
//!
//! Both syntaxes share this lexer. It knows nothing about registers or
//! mnemonics: `%r1` is `%` then `r1`, `s>>=` is `s` then `>>=`, and the
//! parsers put the pieces together. Keeping it that dumb is what lets one
//! lexer serve two unrelated grammars.

use super::AsmError;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Letters, digits, `_` and `.`, not starting with a digit.
    Ident,
    /// A digit followed by letters and digits (`12`, `0x1f`); its value is
    /// read later, so that a malformed number is reported by the parser
    /// with a precise message.
    Num,
    /// One of [`PUNCT`].
    Punct,
}

/// A token of one line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// 1-based column (in characters) of the first character.
    pub col: usize,
}

impl Token<'_> {
    pub fn is_punct(&self, p: &str) -> bool {
        self.kind == Kind::Punct && self.text == p
    }

    pub fn is_ident(&self, s: &str) -> bool {
        self.kind == Kind::Ident && self.text == s
    }
}

/// Punctuation, longest first so that the first match is the longest.
const PUNCT: &[&str] = &[
    ">>=", "<<=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "==", "!=", ">=", "<=", ">", "<",
    "=", "(", ")", "[", "]", "*", "+", "-", ",", ":", "%", "&", "#", "@",
];

fn ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '.'
}

fn ident_continue(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Tokenizes `text`, the part of line `line` that starts at column
/// `first_col`.
pub(crate) fn tokenize(
    text: &str,
    line: usize,
    first_col: usize,
) -> Result<Vec<Token<'_>>, AsmError> {
    let mut tokens = Vec::new();
    // Columns count characters, so walk chars and keep byte and column
    // positions side by side.
    let mut chars = text.char_indices().peekable();
    let mut col = first_col;
    while let Some(&(start, c)) = chars.peek() {
        let start_col = col;
        if c.is_whitespace() {
            chars.next();
            col += 1;
            continue;
        }
        let mut end = start;
        let kind = if ident_start(c) || c.is_ascii_digit() {
            let continues: fn(char) -> bool = if c.is_ascii_digit() {
                |c| c.is_ascii_alphanumeric() || c == '_'
            } else {
                ident_continue
            };
            while let Some(&(i, c)) = chars.peek() {
                if !continues(c) {
                    break;
                }
                end = i + c.len_utf8();
                chars.next();
                col += 1;
            }
            if c.is_ascii_digit() {
                Kind::Num
            } else {
                Kind::Ident
            }
        } else {
            let rest = &text[start..];
            let Some(p) = PUNCT.iter().find(|p| rest.starts_with(**p)) else {
                return Err(AsmError::new(
                    line,
                    start_col,
                    format!("unexpected character {c:?}"),
                ));
            };
            for _ in 0..p.len() {
                chars.next();
            }
            col += p.len();
            end = start + p.len();
            Kind::Punct
        };
        tokens.push(Token {
            kind,
            text: &text[start..end],
            col: start_col,
        });
    }
    Ok(tokens)
}

/// 1-based column of byte offset `byte` of `line`.
pub(crate) fn column_of(line: &str, byte: usize) -> usize {
    line.get(..byte).map_or(1, |s| s.chars().count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<&str> {
        tokenize(s, 1, 1).unwrap().iter().map(|t| t.text).collect()
    }

    #[test]
    fn splits_both_syntaxes() {
        assert_eq!(
            texts("ldxb %r0, [%r1+0x2]"),
            ["ldxb", "%", "r0", ",", "[", "%", "r1", "+", "0x2", "]"]
        );
        assert_eq!(texts("r0 s>>= r1"), ["r0", "s", ">>=", "r1"]);
        assert_eq!(
            texts("*(u8 *)(r1 -8)"),
            ["*", "(", "u8", "*", ")", "(", "r1", "-", "8", ")"]
        );
        assert_eq!(
            texts("call kernel-function#5"),
            ["call", "kernel", "-", "function", "#", "5"]
        );
    }

    #[test]
    fn columns_count_characters() {
        let toks = tokenize("é r0", 3, 5).unwrap_err();
        assert_eq!((toks.line, toks.column), (3, 5));
        let toks = tokenize("  mov  %r0", 1, 1).unwrap();
        assert_eq!(toks[0].col, 3);
        assert_eq!(toks[1].col, 8);
        assert_eq!(toks[2].col, 9);
    }
}
