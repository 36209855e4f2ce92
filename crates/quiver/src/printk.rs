//! The format strings of `bpf_trace_printk`, `bpf_trace_vprintk` and
//! `bpf_snprintf`, as Linux accepts them: `%d %i %u %x %X %c %s %p %%`
//! with `l`/`ll`/`h`/`hh` length modifiers, flags `-+ 0#`, width and
//! precision digits. At most `MAX_ARGS` arguments.

/// Linux's limit for `bpf_snprintf` and `bpf_trace_vprintk` arguments.
pub const MAX_ARGS: usize = 12;

/// A format string the kernel would refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("format string is not NUL-terminated within {0} bytes")]
    Unterminated(usize),
    #[error("invalid conversion {0:?} at byte {1}")]
    BadConversion(String, usize),
    #[error("format uses {used} arguments, {given} given")]
    ArgCount { used: usize, given: usize },
    #[error("string argument at {0:#x}: {1}")]
    BadString(u64, String),
}

/// Reads a NUL-terminated string for `%s` from program memory.
pub type ReadStr<'a> = dyn FnMut(u64) -> Result<String, String> + 'a;

struct Spec {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
    width: usize,
    precision: Option<usize>,
    /// Bits of the integer argument (8, 16, 32, 64).
    bits: u32,
}

fn pad(s: String, spec: &Spec, numeric: bool) -> String {
    if s.len() >= spec.width {
        return s;
    }
    let fill = spec.width - s.len();
    if spec.left {
        s + &" ".repeat(fill)
    } else if spec.zero && numeric {
        // Zeros go after any sign or 0x prefix.
        let cut = if s.starts_with("0x") || s.starts_with("0X") {
            2
        } else if s.starts_with(['-', '+', ' ']) {
            1
        } else {
            0
        };
        let (prefix, digits) = s.split_at(cut);
        format!("{prefix}{}{digits}", "0".repeat(fill))
    } else {
        " ".repeat(fill) + &s
    }
}

/// The argument cut to `bits`, as unsigned and as signed.
fn truncate_int(v: u64, bits: u32) -> (u64, i64) {
    match bits {
        8 => (v as u8 as u64, v as i8 as i64),
        16 => (v as u16 as u64, v as i16 as i64),
        32 => (v as u32 as u64, v as i32 as i64),
        _ => (v, v as i64),
    }
}

/// Formats `fmt` with `args`; `%s` arguments are read through `read_str`.
pub fn format(fmt: &[u8], args: &[u64], read_str: &mut ReadStr<'_>) -> Result<String, FormatError> {
    let end = fmt
        .iter()
        .position(|&b| b == 0)
        .ok_or(FormatError::Unterminated(fmt.len()))?;
    let fmt = &fmt[..end];
    let mut out = String::new();
    let mut used = 0usize;
    let mut i = 0;
    let next_arg = |used: &mut usize| -> Result<u64, FormatError> {
        let v = args.get(*used).copied();
        *used += 1;
        v.ok_or(FormatError::ArgCount {
            used: *used,
            given: args.len(),
        })
    };
    while i < fmt.len() {
        let c = fmt[i];
        if c != b'%' {
            out.push(c as char);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        if fmt.get(i) == Some(&b'%') {
            out.push('%');
            i += 1;
            continue;
        }
        let mut spec = Spec {
            left: false,
            plus: false,
            space: false,
            zero: false,
            alt: false,
            width: 0,
            precision: None,
            bits: 32,
        };
        while let Some(&f) = fmt.get(i) {
            match f {
                b'-' => spec.left = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'0' => spec.zero = true,
                b'#' => spec.alt = true,
                _ => break,
            }
            i += 1;
        }
        while let Some(d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
            spec.width = (spec.width * 10 + (d - b'0') as usize).min(4096);
            i += 1;
        }
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            let mut p = 0usize;
            while let Some(d) = fmt.get(i).filter(|d| d.is_ascii_digit()) {
                p = (p * 10 + (d - b'0') as usize).min(4096);
                i += 1;
            }
            spec.precision = Some(p);
        }
        match (fmt.get(i), fmt.get(i + 1)) {
            (Some(b'l'), Some(b'l')) => {
                spec.bits = 64;
                i += 2;
            }
            (Some(b'l'), _) => {
                spec.bits = 64;
                i += 1;
            }
            (Some(b'h'), Some(b'h')) => {
                spec.bits = 8;
                i += 2;
            }
            (Some(b'h'), _) => {
                spec.bits = 16;
                i += 1;
            }
            (Some(b'z'), _) => {
                spec.bits = 64;
                i += 1;
            }
            _ => {}
        }
        let conv = fmt.get(i).copied();
        i += 1;
        let bad = || {
            FormatError::BadConversion(
                String::from_utf8_lossy(&fmt[start..i.min(fmt.len())]).into_owned(),
                start,
            )
        };
        let text = match conv {
            Some(b'd' | b'i') => {
                let (_, v) = truncate_int(next_arg(&mut used)?, spec.bits);
                let sign = if v < 0 {
                    "-"
                } else if spec.plus {
                    "+"
                } else if spec.space {
                    " "
                } else {
                    ""
                };
                pad(format!("{sign}{}", v.unsigned_abs()), &spec, true)
            }
            Some(b'u') => {
                let (v, _) = truncate_int(next_arg(&mut used)?, spec.bits);
                pad(v.to_string(), &spec, true)
            }
            Some(b'x') => {
                let (v, _) = truncate_int(next_arg(&mut used)?, spec.bits);
                pad(
                    if spec.alt && v != 0 {
                        format!("0x{v:x}")
                    } else {
                        format!("{v:x}")
                    },
                    &spec,
                    true,
                )
            }
            Some(b'X') => {
                let (v, _) = truncate_int(next_arg(&mut used)?, spec.bits);
                pad(
                    if spec.alt && v != 0 {
                        format!("0X{v:X}")
                    } else {
                        format!("{v:X}")
                    },
                    &spec,
                    true,
                )
            }
            Some(b'c') => pad(
                ((next_arg(&mut used)? as u8) as char).to_string(),
                &spec,
                false,
            ),
            Some(b'p') => {
                // Linux prints hashed pointers for plain %p; quiver shows
                // the address, which is the program's own memory.
                let v = next_arg(&mut used)?;
                pad(format!("0x{v:016x}"), &spec, false)
            }
            Some(b's') => {
                let addr = next_arg(&mut used)?;
                let mut s = read_str(addr).map_err(|e| FormatError::BadString(addr, e))?;
                if let Some(p) = spec.precision {
                    s = s.chars().take(p).collect();
                }
                pad(s, &spec, false)
            }
            _ => return Err(bad()),
        };
        out.push_str(&text);
        if used > MAX_ARGS {
            return Err(FormatError::ArgCount {
                used,
                given: MAX_ARGS,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: &[u64]) -> Result<String, FormatError> {
        let mut bytes = fmt.as_bytes().to_vec();
        bytes.push(0);
        format(&bytes, args, &mut |addr| {
            if addr == 0x1000 {
                Ok("quiver".into())
            } else {
                Err("unmapped".into())
            }
        })
    }

    #[test]
    fn formats_like_the_kernel() {
        assert_eq!(
            f("event %d acc %llu", &[(-3i32) as u32 as u64, 1 << 40]).unwrap(),
            "event -3 acc 1099511627776"
        );
        assert_eq!(
            f("%x %#x %08x %-4u|", &[255, 255, 0xbeef, 7]).unwrap(),
            "ff 0xff 0000beef 7   |"
        );
        assert_eq!(f("%s=%c %%", &[0x1000, b'Q' as u64]).unwrap(), "quiver=Q %");
        assert_eq!(f("%hhd %hu", &[0xff, 0x1_0001]).unwrap(), "-1 1");
        assert_eq!(f("%.3s", &[0x1000]).unwrap(), "qui");
    }

    #[test]
    fn refuses_what_the_kernel_refuses() {
        assert!(matches!(
            f("%d %d", &[1]),
            Err(FormatError::ArgCount { .. })
        ));
        assert!(matches!(f("%q", &[1]), Err(FormatError::BadConversion(..))));
        assert!(matches!(
            f("%s", &[0x2000]),
            Err(FormatError::BadString(..))
        ));
        assert_eq!(
            format(b"no nul", &[], &mut |_| Ok(String::new())),
            Err(FormatError::Unterminated(6))
        );
    }
}
