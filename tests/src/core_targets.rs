//! Targets that run an activation core: rust-hdl's simulator and the emitted
//! Verilog in Icarus (portable and ECP5 variants). Each is checked against
//! the runtime kernel on every input.

use polyact::Activation;
use polyact_hdl::check::{reference, rust_hdl_cosim, write_core};
use polyact_hdl::tools::{icarus, Variant};
use polyact_hdl::CoreSpec;
use std::path::PathBuf;

/// A core to check: its spec, the runtime's output on every input, and the
/// directory its Verilog and bench are written to.
#[derive(Debug)]
pub struct CoreCase {
    pub name: String,
    pub spec: CoreSpec,
    pub want: Vec<(i64, i64)>,
    pub dir: PathBuf,
}

impl CoreCase {
    /// The core for channel 0 of `act`, with its files written.
    pub fn new(act: &Activation, name: &str) -> CoreCase {
        let spec = CoreSpec::from_activation(act, 0).unwrap();
        let want = reference(act, 0);
        let dir = std::env::temp_dir().join(format!("polyact_core_{name}"));
        write_core(&dir, name, &spec, &want, "test", None).unwrap();
        CoreCase { name: name.into(), spec, want, dir }
    }
}

/// What a target found: inputs checked, mismatches, and details.
#[derive(Debug)]
pub struct CoreRun {
    pub vectors: usize,
    pub mismatches: usize,
    pub detail: String,
}

/// Something that executes a core on every input of its case.
pub trait CoreTarget {
    fn name(&self) -> &'static str;
    fn run(&self, case: &CoreCase) -> Result<CoreRun, String>;
}

/// rust-hdl's simulator.
#[derive(Debug)]
pub struct RustHdl;

impl CoreTarget for RustHdl {
    fn name(&self) -> &'static str {
        "rust-hdl"
    }
    fn run(&self, case: &CoreCase) -> Result<CoreRun, String> {
        let m = rust_hdl_cosim(&case.spec, &case.want)?;
        Ok(CoreRun {
            vectors: case.want.len(),
            mismatches: m.count,
            detail: format!("(x, core, runtime) {:?}", m.first),
        })
    }
}

/// The emitted Verilog and its self-checking bench in Icarus.
#[derive(Debug)]
pub struct Icarus(pub Variant);

impl CoreTarget for Icarus {
    fn name(&self) -> &'static str {
        match self.0 {
            Variant::Generic => "Icarus (portable)",
            Variant::Ecp5 => "Icarus (ECP5 primitives)",
        }
    }
    fn run(&self, case: &CoreCase) -> Result<CoreRun, String> {
        let b = icarus(&case.dir, &case.name, self.0)?;
        Ok(CoreRun { vectors: b.vectors, mismatches: b.mismatches, detail: b.log })
    }
}

/// Every core target.
pub fn all() -> [&'static dyn CoreTarget; 3] {
    [&RustHdl, &Icarus(Variant::Generic), &Icarus(Variant::Ecp5)]
}

/// Require every target to match the runtime on every input of `case`.
pub fn assert_bit_exact(case: &CoreCase) {
    for t in all() {
        let r = t.run(case).unwrap_or_else(|e| panic!("{} on {}: {e}", case.name, t.name()));
        assert_eq!((r.vectors, r.mismatches), (case.want.len(), 0), "{} on {}: {}", case.name, t.name(), r.detail);
    }
}
