//! A cursor over the tokens of one line, and the number rules both syntaxes
//! share.

use super::AsmError;
use super::lexer::{Kind, Token};
use crate::insn::Reg;

/// A written number: its sign and magnitude, and whether it was hex (hex
/// may spell a bit pattern, decimal must fit as a signed value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Num {
    pub neg: bool,
    /// Written with an explicit `+` or `-`.
    pub signed: bool,
    pub mag: u64,
    pub hex: bool,
    pub line: usize,
    pub col: usize,
}

impl Num {
    fn text(&self) -> String {
        let sign = match (self.signed, self.neg) {
            (true, true) => "-",
            (true, false) => "+",
            _ => "",
        };
        if self.hex {
            format!("{sign}{:#x}", self.mag)
        } else {
            format!("{sign}{}", self.mag)
        }
    }

    fn err(&self, what: &str) -> AsmError {
        AsmError::new(
            self.line,
            self.col,
            format!("{what} {} out of {}", self.text(), range_of(what)),
        )
    }

    /// The signed value, if it fits in an i128 (always).
    fn value(&self) -> i128 {
        if self.neg {
            -(self.mag as i128)
        } else {
            self.mag as i128
        }
    }

    /// A 32-bit immediate: decimal must fit in i32; hex may also be any
    /// u32 bit pattern (`0xffffffff` is -1), as the conformance assembler
    /// does.
    pub fn imm32(&self) -> Result<i32, AsmError> {
        self.fit(i32::MIN as i128, i32::MAX as i128, u32::MAX as u64)
            .map(|v| v as u32 as i32)
            .ok_or_else(|| self.err("immediate"))
    }

    /// A 32-bit immediate that a 64-bit operation sign-extends: only
    /// values that keep their meaning, so `0xffffffff` is refused rather
    /// than silently becoming -1.
    pub fn imm32_sext(&self) -> Result<i32, AsmError> {
        let v = self.imm32()?;
        if self.hex && !self.neg && v < 0 {
            return Err(AsmError::new(
                self.line,
                self.col,
                format!(
                    "immediate {} becomes {:#x} when sign-extended to 64 bits; \
                     write {} if that is meant",
                    self.text(),
                    v as i64 as u64,
                    format_args!("-{:#x}", (v as i64).unsigned_abs())
                ),
            ));
        }
        Ok(v)
    }

    /// A 16-bit offset, with the same decimal/hex rule as [`Num::imm32`].
    pub fn off16(&self) -> Result<i16, AsmError> {
        self.fit(i16::MIN as i128, i16::MAX as i128, u16::MAX as u64)
            .map(|v| v as u16 as i16)
            .ok_or_else(|| self.err("offset"))
    }

    /// A 64-bit immediate: any u64, decimal or hex (as the reference
    /// assembler reads it), or a negative value down to i64::MIN.
    pub fn imm64(&self) -> Result<u64, AsmError> {
        self.fit(i64::MIN as i128, u64::MAX as i128, u64::MAX)
            .map(|v| v as u64)
            .ok_or_else(|| self.err("64-bit immediate"))
    }

    /// A 32-bit id or half of a 64-bit immediate, as raw bits.
    pub fn u32_bits(&self) -> Result<u32, AsmError> {
        self.imm32().map(|v| v as u32)
    }

    /// A relative branch target: always signed, never a bit pattern.
    pub fn relative(&self) -> i64 {
        // Magnitudes above i64 range cannot be in range of any field, so
        // saturating keeps the later range check honest.
        i64::try_from(self.value()).unwrap_or(if self.neg { i64::MIN } else { i64::MAX })
    }

    fn fit(&self, min: i128, max: i128, hex_max: u64) -> Option<i128> {
        let v = self.value();
        if v >= min && v <= max {
            Some(v)
        } else if self.hex && !self.neg && self.mag <= hex_max {
            // A positive hex pattern: reinterpreted by the caller's cast.
            Some(v)
        } else {
            None
        }
    }
}

fn range_of(what: &str) -> &'static str {
    match what {
        "offset" => "16-bit range (-32768..=32767, or 0x0..=0xffff)",
        "64-bit immediate" => "64-bit range",
        _ => "32-bit range (-2147483648..=2147483647, or 0x0..=0xffffffff)",
    }
}

/// Reads the magnitude of a number token: `Err(true)` when it is a
/// well-formed number too large for 64 bits, `Err(false)` when malformed.
fn parse_mag(text: &str) -> Result<(u64, bool), bool> {
    let (digits, radix) = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (text, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(false);
    }
    u64::from_str_radix(digits, radix)
        .map(|v| (v, radix == 16))
        .map_err(|_| true)
}

/// The register named `name` (`r0`..`r10`, or `w0`..`w10` when `allow_w`),
/// with whether it was a `w` name.
pub(crate) fn reg_name(name: &str, allow_w: bool) -> Option<(Reg, bool)> {
    let (is_w, digits) = match name.as_bytes().first()? {
        b'r' => (false, &name[1..]),
        b'w' if allow_w => (true, &name[1..]),
        _ => return None,
    };
    if digits.is_empty()
        || digits.len() > 2
        || !digits.bytes().all(|b| b.is_ascii_digit())
        || (digits.len() > 1 && digits.starts_with('0'))
    {
        return None;
    }
    let n: u8 = digits.parse().ok()?;
    Reg::new(n).map(|r| (r, is_w))
}

/// Walks the tokens of one line; errors point at the current token, or
/// just past the end of the line when there is none.
pub(crate) struct Cursor<'t, 'a> {
    toks: &'t [Token<'a>],
    pos: usize,
    pub line: usize,
    end_col: usize,
}

impl<'t, 'a> Cursor<'t, 'a> {
    pub fn new(toks: &'t [Token<'a>], line: usize, end_col: usize) -> Self {
        Cursor {
            toks,
            pos: 0,
            line,
            end_col,
        }
    }

    pub fn peek(&self) -> Option<Token<'a>> {
        self.toks.get(self.pos).copied()
    }

    pub fn peek_at(&self, n: usize) -> Option<Token<'a>> {
        self.toks.get(self.pos + n).copied()
    }

    pub fn bump(&mut self) -> Option<Token<'a>> {
        let t = self.peek();
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// Column of the current token, or one past the end of the line.
    pub fn col(&self) -> usize {
        self.peek().map_or(self.end_col, |t| t.col)
    }

    pub fn err(&self, message: impl Into<String>) -> AsmError {
        AsmError::new(self.line, self.col(), message)
    }

    pub fn err_at(&self, col: usize, message: impl Into<String>) -> AsmError {
        AsmError::new(self.line, col, message)
    }

    /// "expected X, found Y" at the current token.
    pub fn expected(&self, what: &str) -> AsmError {
        match self.peek() {
            Some(t) => self.err(format!("expected {what}, found `{}`", t.text)),
            None => self.err(format!("expected {what}, found end of line")),
        }
    }

    pub fn eat_punct(&mut self, p: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_punct(p)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_punct(&mut self, p: &str) -> Result<(), AsmError> {
        if self.eat_punct(p) {
            Ok(())
        } else {
            Err(self.expected(&format!("`{p}`")))
        }
    }

    pub fn eat_ident(&mut self, s: &str) -> bool {
        if self.peek().is_some_and(|t| t.is_ident(s)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn expect_ident(&mut self, what: &str) -> Result<Token<'a>, AsmError> {
        match self.peek() {
            Some(t) if t.kind == Kind::Ident => {
                self.pos += 1;
                Ok(t)
            }
            _ => Err(self.expected(what)),
        }
    }

    pub fn expect_end(&self) -> Result<(), AsmError> {
        match self.peek() {
            None => Ok(()),
            Some(t) => Err(self.err(format!("unexpected `{}` after the instruction", t.text))),
        }
    }

    /// Whether a number (with an optional sign) starts here.
    pub fn at_number(&self) -> bool {
        match self.peek() {
            Some(t) if t.kind == Kind::Num => true,
            Some(t) if t.is_punct("-") || t.is_punct("+") => {
                self.peek_at(1).is_some_and(|t| t.kind == Kind::Num)
            }
            _ => false,
        }
    }

    /// A number with an optional `+` or `-` sign.
    pub fn number(&mut self) -> Result<Num, AsmError> {
        let col = self.col();
        let mut neg = false;
        let mut signed = false;
        if self.eat_punct("-") {
            neg = true;
            signed = true;
        } else if self.eat_punct("+") {
            signed = true;
        }
        self.unsigned_number(neg, signed, col)
    }

    /// A number token without a sign of its own; `neg` and `signed` come
    /// from a sign the caller already read (as in `r1 - 8`).
    pub fn unsigned_number(
        &mut self,
        neg: bool,
        signed: bool,
        col: usize,
    ) -> Result<Num, AsmError> {
        let Some(t) = self.peek().filter(|t| t.kind == Kind::Num) else {
            return Err(self.expected("a number"));
        };
        let (mag, hex) = match parse_mag(t.text) {
            Ok(v) => v,
            Err(true) => {
                return Err(self.err(format!("number `{}` does not fit in 64 bits", t.text)));
            }
            Err(false) => return Err(self.err(format!("invalid number `{}`", t.text))),
        };
        self.pos += 1;
        Ok(Num {
            neg,
            signed,
            mag,
            hex,
            line: self.line,
            col,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::lexer::tokenize;

    fn num(s: &str) -> Num {
        let toks = tokenize(s, 1, 1).unwrap();
        Cursor::new(&toks, 1, s.len() + 1).number().unwrap()
    }

    #[test]
    fn immediate_ranges() {
        assert_eq!(num("0xffffffff").imm32().unwrap(), -1);
        assert_eq!(num("-2147483648").imm32().unwrap(), i32::MIN);
        assert_eq!(num("-0x80000000").imm32().unwrap(), i32::MIN);
        assert!(num("2147483648").imm32().is_err());
        assert!(num("0x100000000").imm32().is_err());
        assert!(num("-0x80000001").imm32().is_err());
        assert_eq!(num("0xffff").off16().unwrap(), -1);
        assert_eq!(num("-0x1").imm32_sext().unwrap(), -1);
        assert_eq!(num("0x7fffffff").imm32_sext().unwrap(), i32::MAX);
        let e = num("0xffffffff").imm32_sext().unwrap_err();
        assert!(e.message.contains("write -0x1"), "{e}");
        assert!(num("0x10000").off16().is_err());
        assert!(num("32768").off16().is_err());
        assert_eq!(num("-1").imm64().unwrap(), u64::MAX);
        assert_eq!(num("18446744073709551615").imm64().unwrap(), u64::MAX);
        assert_eq!(num("+0xffff").relative(), 0xffff);
    }

    #[test]
    fn bad_numbers() {
        let toks = tokenize("12ab", 1, 1).unwrap();
        let e = Cursor::new(&toks, 1, 5).number().unwrap_err();
        assert!(e.message.contains("invalid number"), "{e}");
        let toks = tokenize("0x1ffffffffffffffff", 1, 1).unwrap();
        let e = Cursor::new(&toks, 1, 5).number().unwrap_err();
        assert!(e.message.contains("64 bits"), "{e}");
    }

    #[test]
    fn register_names() {
        assert_eq!(reg_name("r10", false), Some((Reg::R10, false)));
        assert_eq!(reg_name("w3", true), Some((Reg::R3, true)));
        assert_eq!(reg_name("w3", false), None);
        assert_eq!(reg_name("r11", true), None);
        assert_eq!(reg_name("r01", true), None);
        assert_eq!(reg_name("r", true), None);
    }
}
