//! Arithmetic: numbers through the scalar domain, pointers through
//! Linux's pointer arithmetic rules (`adjust_ptr_min_max_vals`), and the
//! 64-bit immediate loads that produce map and function pointers.

use quiver_isa::{AluOp, ByteOrder, Pseudo, Reg, Source, Width};

use super::Checker;
use crate::domain::alu;
use crate::domain::scalar::Scalar;
use crate::error::{Check, ErrorKind};
use crate::state::{Ptr, Region, State, Value};

/// Largest offset a pointer may carry (Linux's `BPF_MAX_VAR_OFF`).
const MAX_VAR_OFF: i64 = 1 << 29;

use crate::assertions::alu_op_name as op_str;

impl Checker<'_> {
    pub(super) fn alu(
        &mut self,
        st: &mut State,
        insn: usize,
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Source,
    ) -> Check {
        let src_val = match src {
            Source::Reg(r) => self.read(st, insn, r)?,
            Source::Imm(i) => Value::Scalar(Scalar::from_imm(i)),
        };
        if op == AluOp::Mov {
            let v = match (width, src_val) {
                (Width::W64, v) => v,
                (Width::W32, Value::Scalar(s)) => {
                    Value::Scalar(alu::binary(AluOp::Mov, Width::W32, &Scalar::UNKNOWN, &s))
                }
                // A partial copy of a pointer is a number (privileged).
                (Width::W32, _) => self.leak_to_scalar(insn, dst, "partial copy of pointer")?,
            };
            return self.write(st, insn, dst, v);
        }
        let dst_val = self.read(st, insn, dst)?;
        if let Source::Imm(imm) = src {
            match op {
                AluOp::Div | AluOp::Sdiv | AluOp::Mod | AluOp::Smod if imm == 0 => {
                    return Err(self
                        .err(insn, ErrorKind::PointerArithmetic, "div by zero")
                        .hint("dividing by the constant 0 is always an error; divide by something else"));
                }
                AluOp::Lsh | AluOp::Rsh | AluOp::Arsh => {
                    let bits = if width == Width::W64 { 64 } else { 32 };
                    if imm < 0 || imm >= bits {
                        return Err(self
                            .err(
                                insn,
                                ErrorKind::PointerArithmetic,
                                format!("invalid shift {imm}"),
                            )
                            .hint(format!("shift by 0 to {} only", bits - 1)));
                    }
                }
                _ => {}
            }
        }
        let result = match (&dst_val, &src_val) {
            (Value::Scalar(a), Value::Scalar(b)) => Value::Scalar(alu::binary(op, width, a, b)),
            _ => {
                // A number added to a pointer becomes its offset, checked
                // against the region: all of its value matters.
                match (&dst_val, &src_val, src) {
                    (Value::Ptr(_), Value::Scalar(_), Source::Reg(r)) => self.need_reg(st, r),
                    (Value::Scalar(_), Value::Ptr(_), _) => self.need_reg(st, dst),
                    _ => {}
                }
                self.pointer_alu(insn, width, op, dst, src, dst_val, src_val)?
            }
        };
        self.write(st, insn, dst, result)
    }

    /// A number made from a pointer, which a privileged program may do.
    fn leak_to_scalar(&self, insn: usize, r: Reg, what: &str) -> Check<Value> {
        if self.opts.privileged {
            Ok(Value::unknown())
        } else {
            Err(self.err(
                insn,
                ErrorKind::PointerLeak,
                format!("R{} {what}", r.index()),
            ))
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn pointer_alu(
        &mut self,
        insn: usize,
        width: Width,
        op: AluOp,
        dst: Reg,
        src: Source,
        dst_val: Value,
        src_val: Value,
    ) -> Check<Value> {
        let d = dst.index();
        let arith = |msg: String| self.err(insn, ErrorKind::PointerArithmetic, msg);
        if width == Width::W32 {
            if op == AluOp::Sub && self.opts.privileged {
                return Ok(Value::unknown());
            }
            return Err(arith(format!("R{d} 32-bit pointer arithmetic prohibited"))
                .hint("pointers are 64 bits wide: use 64-bit arithmetic on them"));
        }
        match (dst_val, src_val) {
            (Value::Ptr(_), Value::Ptr(_)) => {
                if op == AluOp::Sub && self.opts.privileged {
                    return Ok(Value::unknown());
                }
                Err(arith(format!(
                    "R{d} pointer {} pointer prohibited",
                    op_str(op)
                )))
            }
            (Value::Ptr(p), Value::Scalar(s)) => self.ptr_offset(insn, dst, op, p, s),
            (Value::Scalar(s), Value::Ptr(p)) if op == AluOp::Add => {
                let src_reg = match src {
                    Source::Reg(r) => r,
                    Source::Imm(_) => dst,
                };
                self.ptr_offset(insn, src_reg, op, p, s)
            }
            (Value::Scalar(_), Value::Ptr(_)) if op == AluOp::Sub => {
                Err(arith(format!("R{d} tried to subtract pointer from scalar")))
            }
            (Value::Scalar(_), Value::Ptr(_)) => {
                let r = match src {
                    Source::Reg(r) => r.index(),
                    Source::Imm(_) => d,
                };
                Err(not_on_pointer(self, insn, r, op))
            }
            (Value::Ptr(_), _) => Err(not_on_pointer(self, insn, d, op)),
            _ => Ok(Value::unknown()),
        }
    }

    /// `ptr += scalar` or `ptr -= scalar`.
    fn ptr_offset(
        &mut self,
        insn: usize,
        ptr_reg: Reg,
        op: AluOp,
        mut p: Ptr,
        s: Scalar,
    ) -> Check<Value> {
        let r = ptr_reg.index();
        let name = p.type_name();
        let arith = |msg: String| self.err(insn, ErrorKind::PointerArithmetic, msg);
        if !matches!(op, AluOp::Add | AluOp::Sub) {
            return Err(not_on_pointer(self, insn, r, op));
        }
        if p.nullable {
            return Err(arith(format!(
                "R{r} pointer arithmetic on {name} prohibited, null-check it first"
            ))
            .hint("compare the pointer with 0 and use it only on the non-null branch"));
        }
        match p.region {
            Region::MapPtr { .. }
            | Region::PacketEnd
            | Region::Func { .. }
            | Region::Alloc { .. }
                if !(s.const_value() == Some(0) && op == AluOp::Add) =>
            {
                return Err(arith(format!(
                    "R{r} pointer arithmetic on {name} prohibited"
                )));
            }
            _ => {}
        }
        let region_name = match p.region {
            Region::Stack { .. } => "stack".to_string(),
            _ => name.clone(),
        };
        if let Some(c) = s.const_value() {
            let c = c as i64;
            if !(-MAX_VAR_OFF < c && c < MAX_VAR_OFF) {
                return Err(arith(format!(
                    "math between {region_name} pointer and {c} is not allowed"
                )));
            }
            p.off = if op == AluOp::Add {
                p.off + c
            } else {
                p.off - c
            };
            if !(-MAX_VAR_OFF < p.off && p.off < MAX_VAR_OFF) {
                return Err(arith(format!(
                    "{region_name} pointer offset {} is not allowed",
                    p.off
                )));
            }
            return Ok(Value::Ptr(p));
        }
        if s.smin == i64::MIN {
            return Err(arith(format!(
                "math between {region_name} pointer and register with unbounded min value is not allowed"
            ))
            .hint("bound the offset first, e.g. `if (idx >= N) return` or `idx &= N - 1`"));
        }
        if s.smax >= MAX_VAR_OFF || s.smin <= -MAX_VAR_OFF {
            return Err(arith(format!(
                "value {} makes {region_name} pointer be out of bounds",
                s.smax
            )));
        }
        p.var = alu::binary(op, Width::W64, &p.var, &s);
        if let Region::Packet { range } | Region::PacketMeta { range } = &mut p.region {
            // Something was added: earlier range checks no longer hold
            // for the new position.
            *range = 0;
            p.id = self.new_id();
        }
        Ok(Value::Ptr(p))
    }

    pub(super) fn neg(&mut self, st: &mut State, insn: usize, width: Width, dst: Reg) -> Check {
        let v = match self.read(st, insn, dst)? {
            Value::Scalar(s) => Value::Scalar(alu::neg(width, &s)),
            _ => self.leak_to_scalar(insn, dst, "pointer arithmetic prohibited")?,
        };
        self.write(st, insn, dst, v)
    }

    pub(super) fn movsx(
        &mut self,
        st: &mut State,
        insn: usize,
        width: Width,
        dst: Reg,
        src: Reg,
        bits: u8,
    ) -> Check {
        let v = match self.read(st, insn, src)? {
            Value::Scalar(s) => Value::Scalar(alu::mov_sx(width, &s, bits)),
            _ => self.leak_to_scalar(insn, src, "sign-extension mov on pointer")?,
        };
        self.write(st, insn, dst, v)
    }

    pub(super) fn endian(
        &mut self,
        st: &mut State,
        insn: usize,
        order: ByteOrder,
        bits: u8,
        dst: Reg,
    ) -> Check {
        let v = match self.read(st, insn, dst)? {
            Value::Scalar(s) => Value::Scalar(alu::endian(order, bits, &s)),
            _ => self.leak_to_scalar(insn, dst, "pointer arithmetic prohibited")?,
        };
        self.write(st, insn, dst, v)
    }

    pub(super) fn load_imm64(
        &mut self,
        st: &mut State,
        insn: usize,
        dst: Reg,
        pseudo: Pseudo,
        imm: u64,
    ) -> Check {
        let map = |this: &Self| -> Check<u32> {
            let idx = imm as u32;
            if (idx as usize) < this.maps.len() {
                Ok(idx)
            } else {
                Err(this.err(
                    insn,
                    ErrorKind::Call,
                    format!("fd {idx} is not pointing to valid bpf_map"),
                ))
            }
        };
        let v = match pseudo {
            Pseudo::Imm => Value::constant(imm),
            Pseudo::MapFd | Pseudo::MapIdx => {
                Value::Ptr(Ptr::to(Region::MapPtr { map: map(self)? }))
            }
            Pseudo::MapValue | Pseudo::MapIdxValue => {
                let m = map(self)?;
                let info = &self.maps[m as usize];
                let off = imm >> 32;
                if !is_direct_value_map(info.map_type) || info.max_entries != 1 {
                    return Err(self.err(
                        insn,
                        ErrorKind::Call,
                        "map does not support direct value access",
                    ));
                }
                if off >= info.value_size as u64 {
                    return Err(self.err(
                        insn,
                        ErrorKind::MemoryAccess,
                        format!(
                            "invalid access to map value pointer, value_size={} off={off}",
                            info.value_size
                        ),
                    ));
                }
                let mut p = Ptr::to(Region::MapValue { map: m });
                p.off = off as i64;
                Value::Ptr(p)
            }
            Pseudo::Func => {
                let target = self.target(insn);
                Value::Ptr(Ptr::to(Region::Func {
                    insn: target as u32,
                }))
            }
            Pseudo::BtfId => {
                return Err(self
                    .err(
                        insn,
                        ErrorKind::Call,
                        format!("ldimm64 btf_id {} is not a known kernel variable", imm as u32),
                    )
                    .hint("quiver hosts have no kernel variables; ask the host for the value through a kfunc"));
            }
        };
        self.write(st, insn, dst, v)
    }
}

/// Maps whose value a program may address directly (`map_value(N, OFF)`).
fn is_direct_value_map(map_type: u32) -> bool {
    map_type == crate::verify::map_type::ARRAY
}

fn not_on_pointer(c: &Checker, insn: usize, r: u8, op: AluOp) -> crate::error::VerifyError {
    let msg = match op {
        AluOp::And | AluOp::Or | AluOp::Xor => {
            format!("R{r} bitwise operator {} on pointer prohibited", op_str(op))
        }
        _ => format!(
            "R{r} pointer arithmetic with {} operator prohibited",
            op_str(op)
        ),
    };
    c.err(insn, ErrorKind::PointerArithmetic, msg)
        .hint("only + and - with a number may change a pointer")
}
