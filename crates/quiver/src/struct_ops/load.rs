//! From an object's struct_ops variables to implementations: each
//! variable checked against the host's declaration of its type, each
//! member's program checked against that member.

use std::collections::HashMap;
use std::sync::Arc;

use quiver_obj::Object;
use quiver_obj::StructOpsVar;
use quiver_obj::btf::{Btf, BtfType};
use quiver_vm::RunInput;

use super::decl::{Member, StructOpsData, StructOpsType};
use crate::error::Error;
use crate::program::{Program, ProgramCore};

fn err(var: &StructOpsVar, message: impl Into<String>) -> Error {
    Error::StructOps {
        var: var.name.clone(),
        message: message.into(),
    }
}

/// For every variable of a registered type: checks it against the
/// declaration and returns, per program it names, the verifier program
/// type of its member (and whether the member may sleep).
pub(crate) fn member_program_types(
    object: &Object,
    types: &[Arc<StructOpsType>],
) -> Result<HashMap<String, (String, bool)>, Error> {
    let mut out: HashMap<String, (String, bool)> = HashMap::new();
    for var in &object.struct_ops {
        let Some(ty) = types.iter().find(|t| t.name == var.type_name) else {
            continue;
        };
        let btf = object
            .btf
            .as_ref()
            .ok_or_else(|| err(var, "the object has no BTF"))?;
        check_layout(var, ty, btf)?;
        for (member, prog) in &var.funcs {
            let Some((Member::Callback(cb), _)) = ty.member(member) else {
                return Err(err(
                    var,
                    format!("member {member} is not a callback of {}", ty.name),
                ));
            };
            let p = object.program(prog).ok_or_else(|| {
                err(
                    var,
                    format!("member {member} names program {prog}, which the object lacks"),
                )
            })?;
            let sleepable = p.kind.as_ref().is_some_and(|k| k.sleepable);
            if sleepable && !cb.may_sleep {
                return Err(err(
                    var,
                    format!(
                        "program {prog} is sleepable (struct_ops.s/) but member {member} may not sleep: load it from a struct_ops/ section"
                    ),
                ));
            }
            let want = (ty.program_type_name(member), cb.may_sleep);
            if let Some(prev) = out.insert(prog.clone(), want.clone())
                && prev != want
            {
                return Err(err(
                    var,
                    format!(
                        "program {prog} implements members of different signatures ({} and {})",
                        prev.0, want.0
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// The object's struct against the host's: same members at the same
/// offsets, callbacks taking as many arguments, data of the same size.
fn check_layout(var: &StructOpsVar, ty: &StructOpsType, btf: &Btf) -> Result<(), Error> {
    let members = btf
        .members(var.type_id)
        .ok_or_else(|| err(var, format!("type {} is not a struct", var.type_name)))?;
    for m in members {
        let Some((host, off)) = ty.member(&m.name) else {
            return Err(err(
                var,
                format!(
                    "member {} is not a member of the host's {}",
                    m.name, ty.name
                ),
            ));
        };
        if m.bit_offset != off * 8 {
            return Err(err(
                var,
                format!(
                    "member {} is at byte {} in the object, at byte {off} in the host's {}",
                    m.name,
                    m.bit_offset / 8,
                    ty.name
                ),
            ));
        }
        let target = btf.skip_mods(m.ty);
        let params = match btf.get(target) {
            Some(BtfType::Ptr { ty }) => match btf.get(btf.skip_mods(*ty)) {
                Some(BtfType::FuncProto { params, .. }) => Some(params.len()),
                _ => None,
            },
            _ => None,
        };
        match (host, params) {
            (Member::Callback(cb), Some(n)) if n != cb.args.len() => {
                return Err(err(
                    var,
                    format!(
                        "member {} takes {n} arguments in the object, {} in the host's {}",
                        m.name,
                        cb.args.len(),
                        ty.name
                    ),
                ));
            }
            (Member::Callback(_), Some(_)) => {}
            (Member::Callback(_), None) => {
                return Err(err(
                    var,
                    format!(
                        "member {} is a callback in the host's {}, not a function pointer here",
                        m.name, ty.name
                    ),
                ));
            }
            (Member::Data(d), _) => {
                let size = btf.size_of(m.ty).unwrap_or(0);
                if size != d.size {
                    return Err(err(
                        var,
                        format!(
                            "data member {} has {size} bytes in the object, {} in the host's {}",
                            m.name, d.size, ty.name
                        ),
                    ));
                }
            }
        }
    }
    // Only declared data members may carry values.
    let mut covered = vec![false; var.data.len()];
    for (m, off) in ty.layout() {
        if let Member::Data(d) = m {
            for b in covered.iter_mut().skip(off as usize).take(d.size as usize) {
                *b = true;
            }
        }
    }
    if let Some(i) = var
        .data
        .iter()
        .zip(&covered)
        .position(|(&b, &c)| b != 0 && !c)
    {
        return Err(err(
            var,
            format!("byte {i} is non-zero and belongs to no data member the host declares"),
        ));
    }
    Ok(())
}

/// Most arguments a callback takes (Linux's `MAX_BPF_FUNC_ARGS`).
pub const MAX_ARGS: usize = 12;

/// One struct_ops variable of a loaded object: its data, its device and
/// its programs, by callback.
pub struct Implementation {
    pub(crate) var: String,
    pub(crate) ty: Arc<StructOpsType>,
    pub(crate) device: u64,
    pub(crate) data: Vec<u8>,
    pub(crate) callbacks: Box<[Option<Arc<ProgramCore>>]>,
    pub(crate) link: bool,
}

impl std::fmt::Debug for Implementation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Implementation")
            .field("var", &self.var)
            .field("type", &self.ty.name)
            .field("device", &self.device)
            .finish()
    }
}

impl Implementation {
    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.var
    }

    /// The device its data selected.
    pub fn device(&self) -> u64 {
        self.device
    }

    /// The type it implements.
    pub fn struct_ops_type(&self) -> &StructOpsType {
        &self.ty
    }

    /// Whether it came from `.struct_ops.link` (attached through a link in
    /// Linux; quiver attaches both kinds the same way).
    pub fn is_link(&self) -> bool {
        self.link
    }

    /// The value of data member `name`.
    pub fn data(&self, name: &str) -> Option<u64> {
        StructOpsData {
            ty: &self.ty,
            bytes: &self.data,
        }
        .get(name)
    }

    /// Whether callback `index` has a program.
    pub fn implements(&self, index: usize) -> bool {
        self.callbacks.get(index).is_some_and(Option::is_some)
    }

    /// Calls callback `index` with `args` as its `u64 args[]` context;
    /// `None` when this implementation leaves the callback empty.
    pub fn call(&self, index: usize, args: &[u64]) -> Result<Option<u64>, Error> {
        let mut ctx = [0u8; 8 * MAX_ARGS];
        let n = args.len().min(MAX_ARGS);
        for (slot, a) in ctx.chunks_exact_mut(8).zip(&args[..n]) {
            slot.copy_from_slice(&a.to_le_bytes());
        }
        self.call_with(index, RunInput::new().context_readonly(&ctx[..8 * n]))
    }

    /// Calls callback `index` on an input the host prepared: the context
    /// (the `u64 args[]` array) and the regions its pointer arguments
    /// point into.
    pub fn call_with(&self, index: usize, mut input: RunInput<'_>) -> Result<Option<u64>, Error> {
        let Some(Some(p)) = self.callbacks.get(index) else {
            return Ok(None);
        };
        let _section = quiver_rcu::pin();
        p.run(&mut input).map(Some)
    }

    pub(crate) fn program(&self, index: usize) -> Option<&Arc<ProgramCore>> {
        self.callbacks.get(index)?.as_ref()
    }
}

/// Sets data member `member` of struct_ops variable `var` before the
/// object loads (what libbpf's `bpf_map__initial_value` is used for, e.g.
/// HID-BPF's `hid_id`): `value` in the member's size, little-endian.
pub fn set_data(object: &mut Object, var: &str, member: &str, value: u64) -> Result<(), Error> {
    let e = |message: String| Error::StructOps {
        var: var.to_string(),
        message,
    };
    let btf = object
        .btf
        .as_ref()
        .ok_or_else(|| e("the object has no BTF".into()))?;
    let v = object
        .struct_ops
        .iter_mut()
        .find(|v| v.name == var)
        .ok_or_else(|| e("no such struct_ops variable".into()))?;
    let m = btf
        .members(v.type_id)
        .and_then(|ms| ms.iter().find(|m| m.name == member))
        .ok_or_else(|| e(format!("type {} has no member {member}", v.type_name)))?;
    let size = btf.size_of(m.ty).unwrap_or(0) as usize;
    let off = (m.bit_offset / 8) as usize;
    if !(1..=8).contains(&size) || value.checked_shr(8 * size as u32).unwrap_or(0) != 0 {
        return Err(e(format!(
            "{value} does not fit member {member} ({size} bytes)"
        )));
    }
    let dst = v
        .data
        .get_mut(off..off + size)
        .ok_or_else(|| e(format!("member {member} lies outside the variable")))?;
    dst.copy_from_slice(&value.to_le_bytes()[..size]);
    Ok(())
}

/// The implementations of the object's variables of registered types.
pub(crate) fn bind_variables(
    object: &Object,
    types: &[Arc<StructOpsType>],
    programs: &[Program],
) -> Result<Vec<Arc<Implementation>>, Error> {
    let mut out = Vec::new();
    for var in &object.struct_ops {
        let Some(ty) = types.iter().find(|t| t.name == var.type_name) else {
            continue;
        };
        let device = (ty.init)(&StructOpsData {
            ty,
            bytes: &var.data,
        })
        .map_err(|why| err(var, format!("the host refuses its data: {why}")))?;
        let mut callbacks: Vec<Option<Arc<ProgramCore>>> = vec![None; ty.callbacks().count()];
        for (member, prog) in &var.funcs {
            let index = ty
                .callback_index(member)
                .ok_or_else(|| err(var, format!("member {member} is not a callback")))?;
            let p = programs
                .iter()
                .find(|p| p.name() == prog)
                .ok_or_else(|| err(var, format!("program {prog} did not load")))?;
            callbacks[index] = Some(p.core().clone());
        }
        let imp = Implementation {
            var: var.name.clone(),
            ty: ty.clone(),
            device,
            data: var.data.clone(),
            callbacks: callbacks.into_boxed_slice(),
            link: var.is_link(),
        };
        if let Some(validate) = &ty.validate {
            validate(&imp).map_err(|why| err(var, format!("the host refuses it: {why}")))?;
        }
        out.push(Arc::new(imp));
    }
    Ok(out)
}
