//! What every polyact firmware does, whatever the board: validate the model
//! partition (CRC and full validation by the runtime) — or take the model
//! compiled into the image — and the test-vector partition, run every
//! vector, hand the outputs to the board, profile each op with the board's
//! counter, and log through defmt.
#![no_std]

pub mod stack;

pub use polyact::board_info::{BoardInfo, BOARD_INFO_WORDS};

/// Declare this image's `POLYACT_BOARD_INFO` record from its partitions
/// `(address, bytes)` and arena size: the host tools read the layout from the
/// ELF instead of keeping a copy of it.
#[macro_export]
macro_rules! board_info {
    ($model:expr, $vectors:expr, $arena:expr) => {
        #[used]
        #[no_mangle]
        pub static POLYACT_BOARD_INFO: [u32; $crate::BOARD_INFO_WORDS] = $crate::BoardInfo {
            model: ($model.0 as u32, $model.1 as u32),
            vectors: ($vectors.0 as u32, $vectors.1 as u32),
            arena: $arena as u32,
        }
        .to_words();
    };
}

use polyact::compiled::CompiledModel;
use polyact::interpreter::Observer;
use polyact::vectors::Vectors;
use polyact::{Interpreter, Model, NoObserver, OpKind};

/// Most ops whose counts are recorded individually.
pub const MAX_PROFILED_OPS: usize = 64;

/// What a board provides.
pub trait Board {
    /// Board name for the log.
    const NAME: &'static str;
    /// A monotonic counter (cycles, or SysTick ticks under QEMU `-icount`).
    fn now(&self) -> u64;
    /// Deliver the output tensor of vector `index`; false on failure.
    fn output(&mut self, index: usize, bytes: &[u8]) -> bool;
    /// Deliver the per-op counts of the first inference and the mean per inference.
    fn profile(&mut self, op_counts: &[u64], mean: u64) -> bool;
}

/// Exit status of [`run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, defmt::Format)]
#[repr(u8)]
pub enum Status {
    Ok = 0,
    ModelRejected = 2,
    VectorsRejected = 3,
    InferenceFailed = 4,
    HostIo = 5,
}

struct Profile<'b, B: Board> {
    board: &'b B,
    start: u64,
    counts: [u64; MAX_PROFILED_OPS],
}

impl<B: Board> Observer for Profile<'_, B> {
    fn op_start(&mut self, _i: usize, _k: OpKind) {
        self.start = self.board.now();
    }
    fn op_end(&mut self, i: usize, _k: OpKind) {
        if let Some(t) = self.counts.get_mut(i) {
            *t = self.board.now() - self.start;
        }
    }
}

/// What runs the inferences: the interpreter over a model partition, or a
/// model compiled into the image.
pub trait Engine {
    /// Number of ops (profiled individually up to [`MAX_PROFILED_OPS`]).
    fn n_ops(&self) -> usize;
    /// The input tensor's bytes.
    fn input_mut(&mut self) -> Option<&mut [u8]>;
    /// The output tensor's bytes.
    fn output(&self) -> Option<&[u8]>;
    /// One inference, `obs` called around each op.
    fn invoke<O: Observer>(&mut self, obs: &mut O) -> Result<(), polyact::Error>;
}

impl Engine for Interpreter<'_, '_> {
    fn n_ops(&self) -> usize {
        self.model().n_ops()
    }
    fn input_mut(&mut self) -> Option<&mut [u8]> {
        self.input_bytes_mut().ok()
    }
    fn output(&self) -> Option<&[u8]> {
        self.output_bytes().ok()
    }
    fn invoke<O: Observer>(&mut self, obs: &mut O) -> Result<(), polyact::Error> {
        self.invoke_observed(obs)
    }
}

/// A compiled model `M` bound to its arena.
pub struct Compiled<'a, M: CompiledModel> {
    arena: &'a mut [u8],
    model: M,
}

impl<M: CompiledModel> Engine for Compiled<'_, M> {
    fn n_ops(&self) -> usize {
        M::OPS.len()
    }
    fn input_mut(&mut self) -> Option<&mut [u8]> {
        self.arena.get_mut(M::INPUT.0..M::INPUT.0 + M::INPUT.1)
    }
    fn output(&self) -> Option<&[u8]> {
        self.arena.get(M::OUTPUT.0..M::OUTPUT.0 + M::OUTPUT.1)
    }
    fn invoke<O: Observer>(&mut self, obs: &mut O) -> Result<(), polyact::Error> {
        self.model.invoke(self.arena, obs)
    }
}

fn vectors_of(vector_partition: &[u8]) -> Option<Vectors<'_>> {
    match Vectors::from_bytes(vector_partition) {
        Ok(v) => Some(v),
        Err(e) => {
            defmt::error!("vector partition rejected: {}", e);
            None
        }
    }
}

/// Run the model in `model_partition` on every vector of `vector_partition`.
#[inline(never)]
pub fn run<B: Board>(board: &mut B, model_partition: &[u8], vector_partition: &[u8], arena: &mut [u8]) -> Status {
    defmt::info!("polyact firmware on {=str}: arena {=usize} bytes", B::NAME, arena.len());
    let model = match Model::from_bytes(model_partition) {
        Ok(m) => m,
        Err(e) => {
            defmt::error!("model partition rejected: {}", e);
            return Status::ModelRejected;
        }
    };
    let Some(vectors) = vectors_of(vector_partition) else { return Status::VectorsRejected };
    defmt::info!(
        "model ok: {=usize} bytes, {=usize} ops, {=usize} kernels, arena {=usize} bytes; {=usize} vectors",
        model.blob().len(),
        model.n_ops(),
        model.n_kernels(),
        model.arena_size(),
        vectors.len()
    );
    match Interpreter::new(model, arena) {
        Ok(mut it) => run_vectors(board, &vectors, &mut it),
        Err(e) => {
            defmt::error!("model rejected: {}", e);
            Status::ModelRejected
        }
    }
}

/// Run the compiled model `M` on every vector of `vector_partition`.
#[inline(never)]
pub fn run_compiled<B: Board, M: CompiledModel>(board: &mut B, vector_partition: &[u8], arena: &mut [u8]) -> Status {
    defmt::info!(
        "polyact firmware on {=str}, compiled model {=str}: {=usize} ops, arena {=usize} bytes",
        B::NAME,
        M::NAME,
        M::OPS.len(),
        arena.len()
    );
    let model = match M::new() {
        Ok(m) => m,
        Err(e) => {
            defmt::error!("compiled model rejected: {}", e);
            return Status::ModelRejected;
        }
    };
    let Some(vectors) = vectors_of(vector_partition) else { return Status::VectorsRejected };
    run_vectors(board, &vectors, &mut Compiled { arena, model })
}

/// Feed every vector to `engine`, deliver the outputs, profile.
fn run_vectors<B: Board, E: Engine>(board: &mut B, vectors: &Vectors, engine: &mut E) -> Status {
    let n_ops = engine.n_ops().min(MAX_PROFILED_OPS);
    let mut first = [0u64; MAX_PROFILED_OPS];
    let (mut min, mut max, mut sum, mut first_total) = (u64::MAX, 0u64, 0u64, 0u64);
    for i in 0..vectors.len() {
        let input = vectors.get(i);
        match engine.input_mut() {
            Some(buf) if buf.len() == input.len() => buf.copy_from_slice(input),
            _ => {
                defmt::error!(
                    "vector {=usize} has {=usize} bytes; the model input has a different size",
                    i,
                    input.len()
                );
                return Status::VectorsRejected;
            }
        }
        // The first inference is profiled per op; the rest run unobserved,
        // so the per-inference count carries no profiling overhead.
        let t0 = board.now();
        let result = if i == 0 {
            let mut prof = Profile { board: &*board, start: 0, counts: [0; MAX_PROFILED_OPS] };
            let r = engine.invoke(&mut prof);
            first = prof.counts;
            r
        } else {
            engine.invoke(&mut NoObserver)
        };
        let t = board.now() - t0;
        if let Err(e) = result {
            defmt::error!("inference {=usize} failed: {}", i, e);
            return Status::InferenceFailed;
        }
        if i == 0 {
            first_total = t;
        }
        min = min.min(t);
        max = max.max(t);
        sum += t;
        let Some(out) = engine.output() else {
            defmt::error!("the output tensor lies outside the arena");
            return Status::InferenceFailed;
        };
        if !board.output(i, out) {
            defmt::error!("cannot deliver output {=usize}", i);
            return Status::HostIo;
        }
    }
    // The mean excludes the profiled first inference when there are others.
    let n = vectors.len();
    let mean = if n > 1 { (sum - first_total) / (n as u64 - 1) } else { sum };
    for (op, c) in first.iter().enumerate().take(n_ops) {
        defmt::info!("op {=usize}: {=u64}", op, c);
    }
    defmt::info!(
        "{=usize} inferences; count per inference min {=u64} mean {=u64} max {=u64}",
        vectors.len(),
        min,
        mean,
        max
    );
    if !board.profile(&first[..n_ops], mean) {
        return Status::HostIo;
    }
    Status::Ok
}
