//! Collects parsed instructions and labels, then resolves label references
//! into pc-relative offsets once every label's slot is known.

use std::collections::HashMap;

use super::AsmError;
use super::cursor::Num;
use crate::insn::{CallTarget, Insn, Pseudo};

/// Where a branch goes, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `+3`, `-2`: slots relative to the next instruction.
    Rel(Num),
    /// A label, resolved when the whole text has been read.
    Label { name: String, col: usize },
}

/// Stores a relative offset into the field of `insn` that holds it, or
/// names the width the offset did not fit.
pub(crate) fn set_branch(insn: Insn, rel: i64) -> Result<Insn, &'static str> {
    let i16_rel = i16::try_from(rel).map_err(|_| "16-bit");
    let i32_rel = i32::try_from(rel).map_err(|_| "32-bit");
    Ok(match insn {
        Insn::Jump {
            width,
            cond,
            dst,
            src,
            ..
        } => Insn::Jump {
            width,
            cond,
            dst,
            src,
            off: i16_rel?,
        },
        Insn::Ja { long: false, .. } => Insn::Ja {
            off: i16_rel? as i32,
            long: false,
        },
        Insn::Ja { long: true, .. } => Insn::Ja {
            off: i32_rel?,
            long: true,
        },
        Insn::MayGoto { .. } => Insn::MayGoto { off: i16_rel? },
        Insn::Call(CallTarget::Local(_)) => Insn::Call(CallTarget::Local(i32_rel?)),
        Insn::LoadImm64 {
            dst,
            pseudo: Pseudo::Func,
            imm,
        } => Insn::LoadImm64 {
            dst,
            pseudo: Pseudo::Func,
            // The high half is not part of the offset; keep what was written.
            imm: (imm & !0xffff_ffff) | (i32_rel? as u32 as u64),
        },
        _ => return Err("any"),
    })
}

struct Fixup {
    index: usize,
    name: String,
    line: usize,
    col: usize,
}

/// A program being assembled.
#[derive(Default)]
pub(crate) struct Builder {
    insns: Vec<Insn>,
    /// Slot of each instruction.
    pcs: Vec<usize>,
    slot: usize,
    /// Label name to (slot, line of definition).
    labels: HashMap<String, (usize, usize)>,
    first_exit: Option<usize>,
    fixups: Vec<Fixup>,
}

impl Builder {
    /// Defines `name` at the next instruction.
    pub fn label(&mut self, name: &str, line: usize, col: usize) -> Result<(), AsmError> {
        if let Some(&(_, first)) = self.labels.get(name) {
            return Err(AsmError::new(
                line,
                col,
                format!("duplicate label `{name}` (first defined on line {first})"),
            ));
        }
        self.labels.insert(name.to_string(), (self.slot, line));
        Ok(())
    }

    /// Appends an instruction whose branch field, if any, is given by
    /// `target`.
    pub fn push(
        &mut self,
        insn: Insn,
        target: Option<Target>,
        line: usize,
    ) -> Result<(), AsmError> {
        let insn = match target {
            None => insn,
            Some(Target::Rel(num)) => set_branch(insn, num.relative()).map_err(|width| {
                AsmError::new(
                    line,
                    num.col,
                    format!("branch offset {} out of {width} range", num.relative()),
                )
            })?,
            Some(Target::Label { name, col }) => {
                self.fixups.push(Fixup {
                    index: self.insns.len(),
                    name,
                    line,
                    col,
                });
                insn
            }
        };
        if insn == Insn::Exit && self.first_exit.is_none() {
            self.first_exit = Some(self.slot);
        }
        self.pcs.push(self.slot);
        self.slot += insn.slots();
        self.insns.push(insn);
        Ok(())
    }

    /// The instructions, with every label reference resolved. A label
    /// named `exit` that is not defined names the first `exit`
    /// instruction, as the bpf_conformance assembler does.
    pub fn finish(mut self) -> Result<Vec<Insn>, AsmError> {
        for fix in std::mem::take(&mut self.fixups) {
            let slot = match self.labels.get(&fix.name) {
                Some(&(slot, _)) => Some(slot),
                None if fix.name == "exit" => self.first_exit,
                None => None,
            };
            let Some(slot) = slot else {
                return Err(AsmError::new(
                    fix.line,
                    fix.col,
                    format!("unknown label `{}`", fix.name),
                ));
            };
            let rel = slot as i64 - (self.pcs[fix.index] as i64 + 1);
            let insn = &mut self.insns[fix.index];
            *insn = set_branch(*insn, rel).map_err(|width| {
                AsmError::new(
                    fix.line,
                    fix.col,
                    format!(
                        "label `{}` is {rel} slots away, out of the {width} branch range",
                        fix.name
                    ),
                )
            })?;
        }
        Ok(self.insns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insn::Reg;

    fn label(name: &str) -> Option<Target> {
        Some(Target::Label {
            name: name.into(),
            col: 1,
        })
    }

    #[test]
    fn resolves_backward_forward_and_implicit_exit() {
        let mut b = Builder::default();
        b.label("top", 1, 1).unwrap();
        let lddw = Insn::LoadImm64 {
            dst: Reg::R0,
            pseudo: Pseudo::Imm,
            imm: 1,
        };
        b.push(lddw, None, 1).unwrap();
        b.push(
            Insn::Ja {
                off: 0,
                long: false,
            },
            label("exit"),
            2,
        )
        .unwrap();
        b.push(Insn::Ja { off: 0, long: true }, label("top"), 3)
            .unwrap();
        b.push(Insn::Exit, None, 4).unwrap();
        let insns = b.finish().unwrap();
        assert_eq!(
            insns[1],
            Insn::Ja {
                off: 1,
                long: false
            }
        );
        assert_eq!(
            insns[2],
            Insn::Ja {
                off: -4,
                long: true
            }
        );
    }

    #[test]
    fn reports_label_errors() {
        let mut b = Builder::default();
        b.label("a", 1, 1).unwrap();
        let e = b.label("a", 7, 2).unwrap_err();
        assert_eq!((e.line, e.column), (7, 2));
        assert!(
            e.message
                .contains("duplicate label `a` (first defined on line 1)")
        );
        b.push(
            Insn::Ja {
                off: 0,
                long: false,
            },
            label("nowhere"),
            3,
        )
        .unwrap();
        let e = b.finish().unwrap_err();
        assert_eq!(e.message, "unknown label `nowhere`");
    }
}
