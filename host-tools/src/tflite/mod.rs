//! TFLite import: an integer-quantized `.tflite` flatbuffer becomes a
//! polyact blob with the model's own quantization (no calibration).
//!
//! `schema` reads the flatbuffer (verified by the `flatbuffers` crate),
//! `graph` holds one subgraph's tensors, and `ops` maps each builtin
//! operator onto polyact layers — one family per file, one table. Where
//! TFLite's integer semantics and polyact's coincide (Dense, convolutions,
//! pooling, reshapes, and Softmax through the TFLite-compatible layer),
//! the blob gives TFLite's reference interpreter's bytes; elsewhere
//! (`ops::Agreement::Rounding`) the import report says so.

pub mod graph;
pub mod ops;
pub mod oracle;
pub mod schema;

use anyhow::{bail, Context, Result};
use graph::Graph;
use ops::Agreement;
use polyact::{DType, Quant};

/// The result of importing a `.tflite` file.
#[derive(Debug)]
pub struct TfliteImport {
    pub blob: Vec<u8>,
    /// `(operator index, builtin name)` in execution order.
    pub ops: Vec<(usize, &'static str)>,
    /// The device input and output: type, quantization, TFLite shape.
    pub input: (DType, Quant, Vec<i32>),
    pub output: (DType, Quant, Vec<i32>),
    /// Operators whose result may differ from TFLite's, and why.
    pub rounding: Vec<String>,
}

/// Largest `.tflite` file read (the flatbuffer format itself stops at 2 GB).
pub const MAX_FILE_BYTES: u64 = 1 << 31;

/// Import a `.tflite` buffer.
pub fn import(bytes: &[u8]) -> Result<TfliteImport> {
    let model = schema::read_model(bytes).map_err(anyhow::Error::msg)?;
    let version = model.version();
    if version != 3 {
        bail!("TFLite schema version {version}: only version 3 is supported");
    }
    let subgraphs = model.subgraphs();
    let sg = match subgraphs.len() {
        0 => bail!("the model has no subgraph"),
        1 => subgraphs[0],
        n => bail!(
            "the model has {n} subgraphs (control flow such as WHILE/IF): only single-subgraph models are supported"
        ),
    };
    let (inputs, outputs) = (sg.inputs(), sg.outputs());
    let ([input], [output]) = (&inputs[..], &outputs[..]) else {
        bail!("the model has {} inputs and {} outputs: polyact models have one of each", inputs.len(), outputs.len());
    };
    let codes = model.operator_codes();
    let mut g = Graph::new(bytes, &model, &sg);
    let (mut done, mut rounding) = (vec![], vec![]);
    for (i, op) in sg.operators().iter().enumerate() {
        g.op_index = i;
        let code = codes
            .get(op.opcode_index() as usize)
            .with_context(|| format!("operator {i}: opcode index {} is out of range", op.opcode_index()))?;
        if let Some(name) = code.custom_code() {
            bail!("operator {i}: custom operator '{name}' is not supported");
        }
        let builtin = code.builtin_code();
        let Some(imp) = ops::lookup(builtin) else {
            bail!("operator {i}: builtin operator code {builtin} is not supported (supported: {})", ops::supported());
        };
        (imp.run)(&mut g, op).with_context(|| format!("operator {i} ({})", imp.name))?;
        if let Agreement::Rounding(why) = imp.agreement {
            rounding.push(format!("operator {i} ({}): {why}", imp.name));
        }
        done.push((i, imp.name));
    }
    let edge = |g: &Graph, t: i32, what: &str| -> Result<_> {
        if !g.has(t) {
            bail!("the model's {what} ({}) is not read or written by any imported operator", g.describe(t));
        }
        Ok(())
    };
    edge(&g, *input, "input")?;
    edge(&g, *output, "output")?;
    let (xi, yi) = (g.id(*input)?, g.id(*output)?);
    let (it, ot) = (g.b.tensor_type(xi), g.b.tensor_type(yi));
    g.b.set_input(xi).set_output(yi);
    let blob = g.b.finish().map_err(|e| anyhow::anyhow!("the imported model is not a valid polyact blob: {e}"))?;
    Ok(TfliteImport {
        blob,
        ops: done,
        input: (it.0, it.1, g.shape(*input)?),
        output: (ot.0, ot.1, g.shape(*output)?),
        rounding,
    })
}

/// Read and import a `.tflite` file, checking its size before reading it.
pub fn import_file(path: &std::path::Path) -> Result<TfliteImport> {
    let len = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?.len();
    if len > MAX_FILE_BYTES {
        bail!("{}: {len} bytes is larger than a TFLite flatbuffer can be", path.display());
    }
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    import(&bytes).with_context(|| format!("{}", path.display()))
}
