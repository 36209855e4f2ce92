//! Loading an object: create its maps, resolve CO-RE against the host's
//! types, bind externs to the host's kfuncs, turn map references into
//! handles and addresses, and compile each program for the interpreter.

use std::collections::HashMap as StdHashMap;
use std::sync::Arc;

use quiver_isa::{CallTarget, Insn, Program as IsaProgram, Pseudo};

const TAIL_CALL: i32 = crate::helpers::id::TAIL_CALL as i32;
const MAP_LOOKUP_ELEM: i32 = crate::helpers::id::MAP_LOOKUP_ELEM as i32;
const MAP_UPDATE_ELEM: i32 = crate::helpers::id::MAP_UPDATE_ELEM as i32;
const MAP_DELETE_ELEM: i32 = crate::helpers::id::MAP_DELETE_ELEM as i32;
use quiver_maps::{Map, MapDef, MapType};
use quiver_obj::btf::Btf;
use quiver_obj::{ExternKind, ObjProgram, Object, RelocTarget};
use quiver_vm::{Config, Engine, HelperContext, HelperError, Helpers, Kfuncs, Vm};

use crate::async_host::AsyncHost;
use crate::error::Error;
use crate::handle;
use crate::helpers::{
    MapTable, PROG_ARRAY_CALL, SelfRef, linux_helpers, private_lookup, prog_array_call,
    prog_array_call_proto, tail_call_array, tail_call_site, wq_kfuncs, wq_protos,
};
use crate::native_maps;
use crate::prog_array::{Owner, ProgArrayMap};
use crate::program::{DataRegion, Program};
use crate::struct_ops::{Implementation, StructOps, StructOpsType};
use quiver_obj::section::ProgType;

type KfuncFn =
    Arc<dyn Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync>;

/// Most CPUs a loader serves (Linux's largest `NR_CPUS`): the verifier
/// bounds `bpf_get_smp_processor_id` by it.
pub const MAX_CPUS: usize = 8192;

/// Builds a [`Bpf`] from object bytes: the host's types, kfuncs and
/// limits go here.
///
/// ```
/// let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/obj/syscall_ctx.v3.g.o")).unwrap();
/// let bpf = quiver::Loader::new().load(&bytes).unwrap();
/// let prog = bpf.program("sum_args").unwrap();
/// let mut ctx = [0u8; 48];
/// ctx[0] = 1; // n
/// ctx[16] = 9; // values[0]
/// assert_eq!(prog.run_context(&mut ctx).unwrap(), 9);
/// ```
#[derive(Clone, Default)]
pub struct Loader {
    host: quiver_verifier::host::Host,
    host_btf: Option<Btf>,
    kfuncs: Vec<(String, KfuncFn)>,
    helpers: Vec<(u32, String, KfuncFn)>,
    cpus: Option<usize>,
    budget: Option<u64>,
    async_host: Option<AsyncHost>,
    struct_ops: Vec<Arc<StructOpsType>>,
    trust_verifier: bool,
    engine: Option<Engine>,
}

impl Loader {
    /// A loader with Linux's helpers and no kfuncs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs programs in unchecked mode: memory accesses go straight to the
    /// addresses programs compute, relying on the verifier having proved
    /// each of them in bounds (every program is verified before it
    /// loads). Off by default: checked mode keeps a second line of defence
    /// (every access checked against the run's regions) at some cost.
    pub fn trust_verifier(mut self, yes: bool) -> Self {
        self.trust_verifier = yes;
        self
    }

    /// How programs run: native code from the Cranelift JIT (the default
    /// where [`Engine::preferred`] says the host has it) or the
    /// interpreter. Programs that share a prog array must share it.
    pub fn engine(mut self, engine: Engine) -> Self {
        self.engine = Some(engine);
        self
    }

    /// The engine programs load for.
    pub fn engine_used(&self) -> Engine {
        self.engine.unwrap_or(Engine::preferred())
    }

    /// Where the programs' timers and work-queue items run, and the clock
    /// they (and `bpf_ktime_get_ns`) read; by default a process-wide host
    /// on the system clock.
    pub fn async_host(mut self, host: AsyncHost) -> Self {
        self.async_host = Some(host);
        self
    }

    /// Registers a struct_ops type: objects' variables of that type load
    /// as [`Implementation`](crate::struct_ops::Implementation)s, each
    /// member's program verified against that member. The struct is added
    /// to the host's BTF for CO-RE.
    pub fn struct_ops(mut self, ops: &StructOps) -> Self {
        let ty = ops.struct_ops_type().clone();
        let btf = self.host_btf.get_or_insert_with(Btf::default);
        ty.add_btf(btf);
        self.struct_ops.push(ty);
        self
    }

    /// A host struct a pointer argument or kfunc may point to, with the
    /// fields programs may read or write.
    pub fn btf_struct(mut self, st: quiver_verifier::host::BtfStruct) -> Self {
        self.host.btf_structs.insert(st.name.clone(), st);
        self
    }

    /// The host's BTF: CO-RE relocations resolve against it.
    pub fn host_btf(mut self, btf: Btf) -> Self {
        self.host_btf = Some(btf);
        self
    }

    /// A kfunc the host provides, resolved by name from programs' externs.
    pub fn kfunc<F>(mut self, name: &str, f: F) -> Self
    where
        F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static,
    {
        self.kfuncs.push((name.to_string(), Arc::new(f)));
        self
    }

    /// A kfunc with its prototype and flags (`kf::SLEEPABLE`...), which
    /// the verifier checks calls against.
    pub fn kfunc_with_proto<F>(mut self, proto: quiver_verifier::host::Proto, f: F) -> Self
    where
        F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static,
    {
        let name = proto.name.clone();
        self.host = self.host.kfunc(proto);
        self.kfunc(&name, f)
    }

    /// Declares a program type (context layout, allowed calls,
    /// sleepability) for the verifier.
    pub fn program_type(mut self, ty: quiver_verifier::host::ProgramType) -> Self {
        self.host = self.host.program_type(ty);
        self
    }

    /// The host description programs are verified against: Linux's
    /// program types and the helpers this runtime provides, plus what was
    /// declared here. Kfuncs and helpers registered without a prototype
    /// take any arguments (their host code reaches program memory only
    /// through checked accessors) and return a number; every program type
    /// may call them.
    pub fn host(&self) -> quiver_verifier::host::Host {
        use quiver_verifier::host::{Arg, Proto, Ret};
        let mut host = crate::linux_host::linux_host();
        // Helpers quiver cannot run are described for the verifier's
        // sake only: a program calling them must not load.
        let runnable: Vec<u32> = crate::helpers::linux_protos()
            .into_iter()
            .map(|(id, _)| id)
            .chain(self.helpers.iter().map(|(id, _, _)| *id))
            .collect();
        host.helpers.retain(|id, _| runnable.contains(id));
        for (id, proto) in &self.host.helpers {
            host.helpers.insert(*id, proto.clone());
        }
        for (name, ty) in &self.host.program_types {
            host.program_types.insert(name.clone(), ty.clone());
        }
        for (name, proto) in &self.host.kfuncs {
            host.kfuncs.insert(name.clone(), proto.clone());
        }
        for (name, st) in &self.host.btf_structs {
            host.btf_structs.insert(name.clone(), st.clone());
        }
        // quiver's own: the call-and-return kfunc over prog arrays, and
        // prog arrays in sleepable programs (the owner rule keeps a
        // sleepable program to sleepable callees).
        host.kfuncs
            .entry(PROG_ARRAY_CALL.to_string())
            .or_insert_with(prog_array_call_proto);
        host.extra_sleepable_maps
            .push(quiver_verifier::verify::map_type::PROG_ARRAY);
        let any = || vec![Arg::Any; 5];
        let mut extra_kfuncs = vec![PROG_ARRAY_CALL.to_string()];
        for proto in wq_protos() {
            extra_kfuncs.push(proto.name.clone());
            host.kfuncs.entry(proto.name.clone()).or_insert(proto);
        }
        for (name, _) in &self.kfuncs {
            host.kfuncs
                .entry(name.clone())
                .or_insert_with(|| Proto::new(name, any(), Ret::Scalar));
            extra_kfuncs.push(name.clone());
        }
        let mut extra_helpers = Vec::new();
        for (id, name, _) in &self.helpers {
            host.helpers
                .entry(*id)
                .or_insert_with(|| Proto::new(name, any(), Ret::Scalar));
            extra_helpers.push(*id);
        }
        // struct_ops members: one program type each, with every helper and
        // kfunc the host has.
        let helper_ids: Vec<u32> = host.helpers.keys().copied().collect();
        let kfunc_names: Vec<String> = host.kfuncs.keys().cloned().collect();
        for ty in &self.struct_ops {
            for t in ty.program_types(&helper_ids, &kfunc_names) {
                host.program_types.insert(t.name.clone(), t);
            }
        }
        for ty in host.program_types.values_mut() {
            for k in &extra_kfuncs {
                if !ty.kfuncs.contains(k) {
                    ty.kfuncs.push(k.clone());
                }
            }
            for h in &extra_helpers {
                if !ty.helpers.contains(h) {
                    ty.helpers.push(*h);
                }
            }
        }
        host
    }

    /// Verifies every program of `object` without loading it.
    pub fn verify_object(
        &self,
        object: &Object,
        options: &quiver_verifier::Options,
    ) -> Result<Vec<crate::verify::ProgramVerdict>, Error> {
        let host = self.host();
        let maps = crate::verify::map_infos(object);
        // struct_ops members of registered types: each against its member.
        let members = crate::struct_ops::member_program_types(object, &self.struct_ops)?;
        object
            .programs
            .iter()
            .map(|p| {
                let ty = members.get(&p.name).map(|(t, _)| t.as_str());
                crate::verify::verify_program_as(&host, object, &maps, p, options, ty)
            })
            .collect()
    }

    /// A helper of the host's own (or a replacement for a Linux one).
    pub fn helper<F>(mut self, id: u32, name: &str, f: F) -> Self
    where
        F: Fn(&mut HelperContext<'_>, [u64; 5]) -> Result<u64, HelperError> + Send + Sync + 'static,
    {
        self.helpers.push((id, name.to_string(), Arc::new(f)));
        self
    }

    /// Number of per-CPU slots of per-CPU maps (default: the machine's
    /// available parallelism).
    pub fn cpus(mut self, cpus: usize) -> Self {
        self.cpus = Some(cpus.clamp(1, MAX_CPUS));
        self
    }

    /// Stops every run after this many instructions.
    pub fn budget(mut self, limit: u64) -> Self {
        self.budget = Some(limit);
        self
    }

    /// Parses, links and prepares every program of the object.
    pub fn load(&self, bytes: &[u8]) -> Result<Bpf, Error> {
        let object = Object::parse(bytes)?;
        self.load_object(object)
    }

    /// Prepares an already parsed object.
    pub fn load_object(&self, object: Object) -> Result<Bpf, Error> {
        let cpus = self
            .cpus
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .min(MAX_CPUS);
        let mut maps = Vec::with_capacity(object.maps.len());
        for m in &object.maps {
            let map = create_map(m, cpus)?;
            maps.push((m.name.clone(), map));
        }
        // Global data maps: their one value is what LD_IMM64 addresses.
        let mut data: StdHashMap<usize, DataRegion> = StdHashMap::new();
        for (i, m) in object.maps.iter().enumerate() {
            if m.origin == quiver_obj::maps::MapOrigin::GlobalData {
                let value = maps[i]
                    .1
                    .lookup(&0u32.to_le_bytes())
                    .ok_or_else(|| Error::Map {
                        name: m.name.clone(),
                        source: quiver_maps::MapError::NotFound,
                    })?;
                let writable = m.def.map_flags & quiver_obj::maps::F_RDONLY_PROG == 0;
                data.insert(
                    i,
                    DataRegion {
                        name: m.name.as_str().into(),
                        value,
                        writable,
                    },
                );
            }
        }
        let map_infos = crate::verify::map_infos(&object);
        let special = map_infos.iter().map(|m| (m.timer_off, m.wq_off)).collect();
        let table = Arc::new(MapTable::new(maps, special));
        let async_host = self.async_host.clone().unwrap_or_else(default_async_host);
        // Kfuncs get ids in registration order, starting at 1; quiver's own
        // come after the host's (which may override them by name).
        let mut kfuncs = Kfuncs::new();
        let mut kfunc_ids = StdHashMap::new();
        for (i, (name, f)) in self.kfuncs.iter().enumerate() {
            let id = i as u32 + 1;
            let f = f.clone();
            kfuncs.register(id, name.clone(), move |ctx, a| f(ctx, a));
            kfunc_ids.insert(name.clone(), id);
        }
        let mut next_id = self.kfuncs.len() as u32 + 1;
        if !kfunc_ids.contains_key(PROG_ARRAY_CALL) {
            kfuncs.register(next_id, PROG_ARRAY_CALL, prog_array_call(table.clone()));
            kfunc_ids.insert(PROG_ARRAY_CALL.to_string(), next_id);
            next_id += 1;
        }
        // Work-queue kfuncs are bound per program (the callback belongs
        // to the caller); here they only get their ids.
        for proto in wq_protos() {
            kfunc_ids.entry(proto.name).or_insert_with(|| {
                next_id += 1;
                next_id - 1
            });
        }
        let host = self.host();
        let members = crate::struct_ops::member_program_types(&object, &self.struct_ops)?;
        let mut programs = Vec::with_capacity(object.programs.len());
        for p in &object.programs {
            let mut p = p.clone();
            if !p.core_relos.is_empty() {
                let (Some(local), Some(host_btf)) = (object.btf.as_ref(), self.host_btf.as_ref())
                else {
                    return Err(Error::Program {
                        name: p.name.clone(),
                        message: "has CO-RE relocations: give the loader the host's BTF (Loader::host_btf)".into(),
                    });
                };
                quiver_obj::core::apply(&mut p, local, host_btf)?;
            }
            let mut insns = self.bind(&object, &p, &table, &data, &kfunc_ids)?;
            // Nothing runs unverified.
            let verdict = crate::verify::verify_program_as(
                &host,
                &object,
                &map_infos,
                &p,
                &quiver_verifier::Options::default(),
                members.get(&p.name).map(|(t, _)| t.as_str()),
            )?;
            let (facts, stack_depth) = match verdict.result {
                Ok(accepted) => {
                    let depth = accepted.stats.stack_depth.iter().max().copied();
                    (accepted.facts, depth.unwrap_or(0) as usize)
                }
                Err(rejected) => {
                    return Err(Error::Verify {
                        name: p.name.clone(),
                        rejected,
                    });
                }
            };
            let owner = Owner {
                prog_type: verdict.program_type.clone().unwrap_or_default(),
                sleepable: p.kind.as_ref().is_some_and(|k| k.sleepable),
                engine: self.engine_used(),
                attach: p.kind.as_ref().and_then(|k| {
                    matches!(k.prog_type, ProgType::StructOps | ProgType::Tracing)
                        .then(|| k.target.clone())
                        .flatten()
                }),
            };
            // The first program to use a prog array fixes its owner.
            for r in &p.relocs {
                if let RelocTarget::Map { map } = r.target
                    && let Some(Some(array)) = table.prog_arrays.get(map)
                {
                    array.claim(&owner).map_err(|why| Error::Program {
                        name: p.name.clone(),
                        message: format!("uses prog array {}: {why}", table.maps[map].0),
                    })?;
                }
            }
            if let Some(layout) = p
                .kind
                .as_ref()
                .and_then(|k| crate::ctx::layout_of(k.prog_type))
            {
                crate::ctx::convert(&mut insns, layout).map_err(|message| Error::Program {
                    name: p.name.clone(),
                    message,
                })?;
            }
            let isa = IsaProgram::from_insns(insns).map_err(|e| Error::Program {
                name: p.name.clone(),
                message: e.to_string(),
            })?;
            let me: SelfRef = Default::default();
            let mut helpers: Helpers = linux_helpers(table.clone(), &p.name, &async_host, &me);
            let mut program_kfuncs = kfuncs.clone();
            if !self.kfuncs.iter().any(|(n, _)| n.starts_with("bpf_wq_")) {
                wq_kfuncs(&mut program_kfuncs, &kfunc_ids, &table, &async_host, &me);
            }
            for (id, name, f) in &self.helpers {
                let f = f.clone();
                helpers.register(*id, name.clone(), move |ctx, a| f(ctx, a));
            }
            // The verifier started the program with r1 alone, as Linux does.
            let mut config = Config::new()
                .helpers(helpers)
                .kfuncs(program_kfuncs)
                .budget(self.budget)
                .stack_depth(stack_depth)
                .starts_with_r1_only()
                .engine(self.engine_used());
            // Tail calls whose map is the same on every path are bound to
            // that prog array: JIT code reads its cells; the helper goes
            // straight to the slot when the index is constant too (Linux
            // patches a direct jump there).
            for (i, (pc, insn)) in isa.iter().enumerate() {
                if !matches!(insn, Insn::Call(CallTarget::Helper(TAIL_CALL))) {
                    continue;
                }
                let map = facts.call_maps.get(&i).copied().flatten();
                let Some(Some(array)) = map.and_then(|m| table.prog_arrays.get(m as usize)) else {
                    continue;
                };
                let index = facts.call_constants.get(&i).and_then(|c| c[2]);
                // Beyond u32, the index is out of range for any array.
                let index = index.map(|i| u32::try_from(i).unwrap_or(u32::MAX));
                let helper = match index {
                    Some(index) => tail_call_site(array.clone(), index),
                    None => tail_call_array(array.clone()),
                };
                config = config.bind_tail_call(pc, helper, array.cells().clone(), index);
            }
            if self.trust_verifier {
                config = bind_map_sites(config, &isa, &facts, &table);
            }
            let vm = if self.trust_verifier {
                // SAFETY: the program was accepted by the verifier above
                // against the host description this loader's runtime
                // implements (context layouts converted by `ctx::convert`,
                // helpers and kfuncs as their prototypes say, map values
                // of the declared sizes), which is the contract of
                // unchecked mode: every access it makes is one the
                // verifier proved in bounds, none deeper in any frame
                // than the stack depth it reported.
                unsafe { Vm::new_unchecked(&isa, config) }
            } else {
                Vm::new(&isa, config)
            }
            .map_err(|source| Error::Compile {
                name: p.name.clone(),
                source,
            })?;
            let regions = p.relocs.iter().filter_map(|r| match r.target {
                RelocTarget::MapValue { map, .. } => data.get(&map).cloned(),
                _ => None,
            });
            let mut regions: Vec<DataRegion> = regions.collect();
            regions.sort_by(|a, b| a.name.cmp(&b.name));
            regions.dedup_by(|a, b| a.name == b.name);
            // What a run's context must hold: the runtime-built layout
            // for converted program types, else what the program reads.
            let min_ctx = p
                .kind
                .as_ref()
                .and_then(|k| crate::ctx::layout_of(k.prog_type))
                .map_or(facts.max_ctx_access, |l| l.native_size as u64);
            let program = Program::new(p, vm, owner, min_ctx, table.clone(), regions);
            let _ = me.set(Arc::downgrade(program.core()));
            programs.push(program);
        }
        let struct_ops = crate::struct_ops::bind_variables(&object, &self.struct_ops, &programs)?;
        Ok(Bpf {
            maps: table,
            programs,
            async_host,
            struct_ops,
        })
    }

    /// Rewrites loader-relative references into what the interpreter runs:
    /// map handles, data addresses, kfunc ids.
    fn bind(
        &self,
        object: &Object,
        p: &ObjProgram,
        maps: &MapTable,
        data: &StdHashMap<usize, DataRegion>,
        kfunc_ids: &StdHashMap<String, u32>,
    ) -> Result<Vec<Insn>, Error> {
        let mut by_pc = StdHashMap::new();
        for r in &p.relocs {
            by_pc.insert(r.pc, &r.target);
        }
        let mut out = Vec::with_capacity(p.insns.len());
        let mut pc = 0;
        for insn in &p.insns {
            let bound = match (insn, by_pc.get(&pc)) {
                (Insn::LoadImm64 { dst, .. }, Some(RelocTarget::Map { map })) => Insn::LoadImm64 {
                    dst: *dst,
                    pseudo: Pseudo::Imm,
                    imm: handle::encode(*map),
                },
                (Insn::LoadImm64 { dst, .. }, Some(RelocTarget::MapValue { map, offset })) => {
                    let region = data.get(map).ok_or_else(|| Error::Program {
                        name: p.name.clone(),
                        message: format!(
                            "insn {pc} addresses map {}, which is not global data",
                            maps.maps[*map].0
                        ),
                    })?;
                    let addr = region.value.as_ptr() as u64 + *offset as u64;
                    Insn::LoadImm64 {
                        dst: *dst,
                        pseudo: Pseudo::Imm,
                        imm: addr,
                    }
                }
                (_, Some(RelocTarget::Extern { index })) => {
                    let ext = &object.externs[*index];
                    let id = kfunc_ids.get(&ext.name).copied();
                    match (insn, &ext.kind, id) {
                        (Insn::Call(_), ExternKind::Kfunc { .. }, Some(id)) => {
                            Insn::Call(CallTarget::Kfunc {
                                btf_id: id as i32,
                                module: 0,
                            })
                        }
                        // A present kfunc's address is only tested for
                        // non-NULL; an absent weak one's is NULL.
                        (Insn::LoadImm64 { dst, .. }, ExternKind::Kfunc { .. }, Some(id)) => {
                            Insn::LoadImm64 {
                                dst: *dst,
                                pseudo: Pseudo::Imm,
                                imm: id as u64,
                            }
                        }
                        (Insn::LoadImm64 { dst, .. }, _, None) if ext.weak => Insn::LoadImm64 {
                            dst: *dst,
                            pseudo: Pseudo::Imm,
                            imm: 0,
                        },
                        // Calling an absent weak kfunc must be unreachable
                        // (guarded by its NULL test); reaching it fails.
                        (Insn::Call(_), ExternKind::Kfunc { .. }, None) if ext.weak => {
                            Insn::Call(CallTarget::Kfunc {
                                btf_id: 0,
                                module: 0,
                            })
                        }
                        (_, ExternKind::Kfunc { .. }, None) => {
                            return Err(Error::Extern {
                                name: ext.name.clone(),
                                message: "the host provides no kfunc of that name (declare it __weak to make it optional)".into(),
                            });
                        }
                        (_, _, _) => {
                            return Err(Error::Extern {
                                name: ext.name.clone(),
                                message: "the host provides no kernel variables or kconfig values"
                                    .into(),
                            });
                        }
                    }
                }
                (other, _) => *other,
            };
            pc += insn.slots();
            out.push(bound);
        }
        Ok(out)
    }
}

/// The process-wide async host on the system clock.
fn default_async_host() -> AsyncHost {
    static HOST: std::sync::OnceLock<AsyncHost> = std::sync::OnceLock::new();
    HOST.get_or_init(AsyncHost::default).clone()
}

fn create_map(m: &quiver_obj::maps::ObjMap, cpus: usize) -> Result<Arc<dyn Map>, Error> {
    let err = |source| Error::Map {
        name: m.name.clone(),
        source,
    };
    let to_def = |d: &quiver_obj::maps::MapDef| -> Result<MapDef, Error> {
        let map_type = MapType::from_u32(d.map_type).ok_or_else(|| {
            err(quiver_maps::MapError::InvalidDef {
                field: "map_type",
                reason: format!("unknown map type {}", d.map_type),
                errno: -22,
            })
        })?;
        Ok(MapDef::new(map_type, d.key_size, d.value_size, d.max_entries).with_flags(d.map_flags))
    };
    let mut def = to_def(&m.def)?;
    if let Some(inner) = &m.def.inner {
        def = def.with_inner(to_def(inner)?);
    }
    let map: Arc<dyn Map> = if def.map_type == MapType::ProgArray {
        Arc::new(ProgArrayMap::new(&def).map_err(err)?)
    } else {
        quiver_maps::create(&def, cpus).map_err(err)?
    };
    if !m.initial.is_empty() {
        map.update(&0u32.to_le_bytes(), &m.initial, quiver_maps::BPF_ANY)
            .map_err(err)?;
    }
    Ok(map)
}

/// A loaded object: its maps and programs, ready to run.
pub struct Bpf {
    maps: Arc<MapTable>,
    programs: Vec<Program>,
    async_host: AsyncHost,
    struct_ops: Vec<Arc<Implementation>>,
}

impl Drop for Bpf {
    /// Empties the object's prog arrays and cancels its timers and work
    /// items, as Linux does when the last user reference to a map goes:
    /// slots and callbacks hold programs that hold the maps, a cycle
    /// nothing else would break. Runs in progress finish on the programs
    /// they entered.
    fn drop(&mut self) {
        for array in self.maps.prog_arrays.iter().flatten() {
            array.clear();
        }
        self.async_host.forget_maps(&self.maps.maps);
    }
}

impl Bpf {
    /// The program with this name.
    pub fn program(&self, name: &str) -> Result<&Program, Error> {
        self.programs
            .iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| Error::NoProgram(name.into()))
    }

    /// The implementation a struct_ops variable of a registered type
    /// loaded as.
    pub fn struct_ops(&self, var: &str) -> Result<Arc<Implementation>, Error> {
        self.struct_ops
            .iter()
            .find(|i| i.name() == var)
            .cloned()
            .ok_or_else(|| Error::NoStructOps(var.into()))
    }

    /// Every program.
    pub fn programs(&self) -> &[Program] {
        &self.programs
    }

    /// The map with this name, untyped (see [`crate::maps`] for typed handles).
    pub fn map(&self, name: &str) -> Result<crate::maps::MapRef, Error> {
        self.maps
            .maps
            .iter()
            .find(|(n, _)| n == name)
            .map(|(n, m)| crate::maps::MapRef {
                name: n.clone(),
                map: m.clone(),
            })
            .ok_or_else(|| Error::NoMap(name.into()))
    }

    /// Every map, by name.
    pub fn maps(&self) -> impl Iterator<Item = crate::maps::MapRef> + '_ {
        self.maps.maps.iter().map(|(n, m)| crate::maps::MapRef {
            name: n.clone(),
            map: m.clone(),
        })
    }
}

/// Specialises the map helper calls of an unchecked program whose map the
/// verifier proved constant. Lookups whose values only the program
/// dereferences need no region (checked code bounds-checks its accesses
/// against them, unchecked code does not): plain arrays are looked up
/// inline, other maps through their own lookup, called directly. Updates
/// and deletes call the map directly.
fn bind_map_sites(
    mut config: Config,
    isa: &IsaProgram,
    facts: &quiver_verifier::Facts,
    table: &MapTable,
) -> Config {
    for (i, (pc, insn)) in isa.iter().enumerate() {
        let Insn::Call(CallTarget::Helper(id)) = insn else {
            continue;
        };
        let Some(Some(index)) = facts.call_maps.get(&i).copied() else {
            continue;
        };
        let Some((_, map)) = table.maps.get(index as usize) else {
            continue;
        };
        if !native_maps::plain(&**map) {
            continue;
        }
        let private = !facts.map_values_to_calls.contains(&index);
        config = match *id {
            MAP_LOOKUP_ELEM if private => {
                let config = config.bind_call(pc, private_lookup(map.clone()));
                match native_maps::array_values(map) {
                    Some(values) => config.bind_array_lookup(pc, values),
                    None => config.bind_native_call(pc, native_maps::lookup(map)),
                }
            }
            MAP_UPDATE_ELEM => config.bind_native_call(pc, native_maps::update(map)),
            MAP_DELETE_ELEM => config.bind_native_call(pc, native_maps::delete(map)),
            _ => config,
        };
    }
    config
}
