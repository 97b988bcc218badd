//! The whole network as one streaming Verilog design, generated from the
//! decoded model blob — the same constants and the same integer steps the
//! microcontroller runs, so the design gives the runtime's bytes.
//!
//! Data flow: [`NetworkSpec::from_model`] walks the blob's ops through the
//! [`LAYERS`] table (one file per layer kind: [`dense`]) → each layer becomes an
//! engine module with its weights in ROM, a chosen number of multiplier lanes
//! and the shared [`requant`] stage → [`top`] chains them through buffers with
//! a valid/ready stream in and out → [`bench`] checks it in Icarus against the
//! runtime's outputs.
//!
//! The text is written directly rather than through rust-hdl: rust-hdl has no
//! memories with initial contents (the weight ROMs) and no 32 × 32-bit signed
//! product, and a network engine is control around memories more than a
//! datapath.

pub mod bench;
pub mod conv;
pub mod dense;
pub mod pool;
pub mod requant;
pub mod top;

use crate::spec::Unsupported;
use polyact::{DType, Model, Op, TensorInfo};
use std::fmt::Write;

/// What one layer engine needs from the generator: its sizes, its module text
/// and a cycle estimate for the README.
pub trait NetLayer {
    /// Bytes the layer reads from its input buffer and writes to its output buffer.
    fn in_len(&self) -> usize;
    fn out_len(&self) -> usize;
    /// Multipliers working in parallel.
    fn lanes(&self) -> usize;
    /// Multiply-accumulates per inference.
    fn macs(&self) -> usize;
    /// One line for the README: shape, lanes, activation.
    fn describe(&self) -> String;
    /// The engine module `module` (ports: see [`top`]); `prefix` names the
    /// shared modules.
    fn verilog(&self, module: &str, prefix: &str) -> String;
}

/// How many multiplier lanes each layer gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lanes {
    /// The same count for every layer (capped at each layer's outputs).
    Each(usize),
    /// One output channel per lane everywhere: fully parallel.
    Full,
    /// Per layer, in op order.
    PerLayer(Vec<usize>),
}

impl Lanes {
    /// Parse `1`, `full` or `4,2,1`.
    pub fn parse(s: &str) -> Result<Lanes, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("full") {
            return Ok(Lanes::Full);
        }
        let v: Vec<usize> = t
            .split(',')
            .map(|p| p.trim().parse::<usize>().ok().filter(|&n| n >= 1))
            .collect::<Option<_>>()
            .ok_or_else(|| format!("'{s}': lanes are a count ≥ 1, a comma-separated count per layer, or 'full'"))?;
        Ok(if v.len() == 1 { Lanes::Each(v[0]) } else { Lanes::PerLayer(v) })
    }

    /// Lanes of layer `k` with `outputs` output channels.
    fn of(&self, k: usize, outputs: usize, layers: usize) -> Result<usize, Unsupported> {
        let n = match self {
            Lanes::Each(n) => *n,
            Lanes::Full => outputs,
            Lanes::PerLayer(v) if v.len() == layers => v[k],
            Lanes::PerLayer(v) => {
                return Err(Unsupported(format!("{} lane counts given for a network of {layers} layers", v.len())))
            }
        };
        Ok(n.min(outputs).max(1))
    }
}

/// A layer constructor: `(op, op index, lanes)` → its engine, or `None` for
/// an op of another kind.
pub type BuildLayer = fn(&Op, usize, usize) -> Result<Option<Box<dyn NetLayer>>, Unsupported>;

/// One row of the layer table: the op it builds from and its constructor.
pub struct LayerKind {
    pub name: &'static str,
    pub build: BuildLayer,
}

/// The layers a network design can hold; `build` returns `None` for an op it
/// does not handle, so the next row is tried.
pub const LAYERS: &[LayerKind] = &[
    LayerKind { name: "Dense", build: dense::DenseSpec::build },
    LayerKind { name: "Conv1D/Conv2D", build: conv::build },
    LayerKind { name: "AvgPool/MaxPool", build: pool::PoolSpec::build },
];

/// A model as a chain of layer engines.
pub struct NetworkSpec {
    pub layers: Vec<Box<dyn NetLayer>>,
    pub input: TensorInfo,
    pub output: TensorInfo,
}

impl NetworkSpec {
    /// Read the chain of ops of `m`; each op must read what the one before
    /// it wrote, and be int8.
    pub fn from_model(m: &Model, lanes: &Lanes) -> Result<NetworkSpec, Unsupported> {
        let bad = |e: polyact::Error| Unsupported(format!("model blob: {e}"));
        let (input, output) = (m.input().map_err(bad)?, m.output().map_err(bad)?);
        for (what, t) in [("input", &input), ("output", &output)] {
            if t.dtype != DType::I8 {
                return Err(Unsupported(format!(
                    "the model {what} is {:?}: network designs are int8 (16×8 comes later)",
                    t.dtype
                )));
            }
        }
        let n = m.n_ops();
        let mut layers = Vec::with_capacity(n);
        let mut prev: Option<TensorInfo> = None;
        for k in 0..n {
            let op = m.op(k).map_err(bad)?;
            let (x, _) = op_io(&op).ok_or_else(|| unsupported_op(k, &op))?;
            let chained = match &prev {
                None => x.offset == input.offset && x.len() == input.len(),
                Some(p) => x.offset == p.offset && x.len() == p.len() && x.first_op as usize == k - 1,
            };
            if !chained {
                return Err(Unsupported(format!(
                    "op {k} ({}) does not read the previous op's output: only chains of layers become network designs",
                    op.kind().name()
                )));
            }
            let p = lanes.of(k, op_io(&op).map_or(1, |(_, y)| y.channels()), n)?;
            let mut built = None;
            for row in LAYERS {
                if let Some(l) = (row.build)(&op, k, p)? {
                    built = Some(l);
                    break;
                }
            }
            layers.push(built.ok_or_else(|| unsupported_op(k, &op))?);
            prev = op_io(&op).map(|(_, y)| y);
        }
        if layers.is_empty() {
            return Err(Unsupported("the model has no ops".into()));
        }
        Ok(NetworkSpec { layers, input, output })
    }

    /// Multiply-accumulates per inference.
    pub fn macs(&self) -> usize {
        self.layers.iter().map(|l| l.macs()).sum()
    }

    /// The lane count of each layer, e.g. `1,1,1`.
    pub fn lanes_text(&self) -> String {
        self.layers.iter().map(|l| l.lanes().to_string()).collect::<Vec<_>>().join(",")
    }

    /// One line per layer.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for (k, l) in self.layers.iter().enumerate() {
            let _ = writeln!(s, "- layer {k}: {}", l.describe());
        }
        s
    }
}

fn unsupported_op(k: usize, op: &Op) -> Unsupported {
    let names: Vec<&str> = LAYERS.iter().map(|r| r.name).collect();
    Unsupported(format!(
        "op {k} ({}) has no network engine yet; network designs hold: {}",
        op.kind().name(),
        names.join(", ")
    ))
}

/// Input and output tensors of the ops a network can chain.
fn op_io(op: &Op) -> Option<(TensorInfo, TensorInfo)> {
    match op {
        Op::Dense(d) => Some((d.input, d.output)),
        Op::Conv1D(c) | Op::Conv2D(c) => Some((c.input, c.output)),
        Op::AvgPool(p) | Op::MaxPool(p) => Some((p.input, p.output)),
        _ => None,
    }
}

/// Write `<name>.v`, its bench `<name>_tb.v` and the bench's vectors into
/// `dir`: `inputs` and `expected` hold whole inferences back to back.
pub fn write_design(
    dir: &std::path::Path,
    name: &str,
    spec: &NetworkSpec,
    inputs: &[u8],
    expected: &[u8],
) -> Result<(), String> {
    crate::emit::check_module_name(name)?;
    let (ni, no) = (spec.input.len(), spec.output.len());
    if ni == 0
        || no == 0
        || !inputs.len().is_multiple_of(ni)
        || expected.len() != inputs.len() / ni * no
        || inputs.is_empty()
    {
        return Err(format!(
            "test vectors: {} input bytes and {} expected bytes do not make whole inferences of {ni} → {no} bytes",
            inputs.len(),
            expected.len()
        ));
    }
    let k = inputs.len() / ni;
    let per_inference: usize = spec.layers.iter().map(|l| l.macs() + 64 * l.out_len()).sum::<usize>() + 4 * (ni + no);
    // The bench's cycle limit is a Verilog integer (32-bit signed).
    let max_cycles = (16 * (k + 2)).saturating_mul(per_inference).min(i32::MAX as usize - 1);
    let w = |file: String, text: String| {
        std::fs::write(dir.join(&file), text).map_err(|e| format!("{}: {e}", dir.join(&file).display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    w(format!("{name}.v"), top::verilog(spec, name))?;
    w(format!("{name}_tb.v"), bench::testbench(name, k, ni, no, max_cycles))?;
    w(bench::INPUT_FILE.into(), bench::hex_lines(inputs))?;
    w(bench::EXPECTED_FILE.into(), bench::hex_lines(expected))?;
    Ok(())
}

/// The header every layer engine shares: `start`/`done` with the top, a
/// registered-read port on its input buffer, a write port on its output buffer.
pub fn engine_header(module: &str, x_bits: usize, y_bits: usize) -> String {
    format!(
        "module {module} (\n    input  wire              clk,\n    input  wire              rst,\n\
         \x20   input  wire              start,\n    output reg               done,\n\
         \x20   output wire [{}:0]      x_addr,\n    input  wire signed [7:0] x_data,\n\
         \x20   output reg               y_we,\n    output reg  [{}:0]      y_addr,\n\
         \x20   output reg  [7:0]        y_data\n);\n",
        x_bits - 1,
        y_bits - 1
    )
}

/// Address bits for `n` entries (at least 1).
pub fn addr_bits(n: usize) -> usize {
    (usize::BITS - n.saturating_sub(1).leading_zeros()).max(1) as usize
}

/// `value` as a `bits`-wide Verilog hex literal (two's complement).
pub fn hex(bits: usize, value: i64) -> String {
    let mask = if bits >= 64 { u64::MAX } else { (1u64 << bits) - 1 };
    format!("{bits}'h{:x}", (value as u64) & mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_bits_and_literals() {
        assert_eq!([1, 2, 3, 4, 5, 64, 65].map(addr_bits), [1, 1, 2, 2, 3, 6, 7]);
        assert_eq!(hex(8, -1), "8'hff");
        assert_eq!(hex(32, -128), "32'hffffff80");
        assert_eq!(hex(7, -31), "7'h61");
    }

    #[test]
    fn lanes_parse() {
        assert_eq!(Lanes::parse("full"), Ok(Lanes::Full));
        assert_eq!(Lanes::parse("4"), Ok(Lanes::Each(4)));
        assert_eq!(Lanes::parse("2, 1,1"), Ok(Lanes::PerLayer(vec![2, 1, 1])));
        assert!(Lanes::parse("0").is_err() && Lanes::parse("x").is_err() && Lanes::parse("").is_err());
        assert_eq!(Lanes::Full.of(0, 32, 3), Ok(32));
        assert_eq!(Lanes::Each(64).of(2, 10, 3), Ok(10));
        assert!(Lanes::PerLayer(vec![1, 2]).of(0, 10, 3).is_err());
    }
}
