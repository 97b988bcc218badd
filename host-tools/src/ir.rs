//! The float graph the importer produces and the quantizer consumes: layers in
//! execution order over channels-last tensors (batch dropped), weights already
//! in the runtime's layouts, activations as scalar functions.

pub use crate::layers::Op;

/// A tensor of the float graph.
#[derive(Clone, Debug)]
pub struct TensorDesc {
    /// The ONNX value name it comes from.
    pub name: String,
    /// Channels-last dims without batch.
    pub dims: Vec<usize>,
}

impl TensorDesc {
    pub fn len(&self) -> usize {
        self.dims.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn channels(&self) -> usize {
        *self.dims.last().unwrap_or(&1)
    }
}

/// Largest tensor the tools accept (16 M elements, 128 MB as the f64 the
/// calibration holds): far beyond any microcontroller or FPGA, and a bound
/// that stops a malformed shape before anything is allocated for it.
pub const MAX_TENSOR_ELEMENTS: usize = 1 << 24;

/// The element count of `dims`, if every extent is nonzero and the count
/// stays within [`MAX_TENSOR_ELEMENTS`].
pub fn checked_len(dims: &[usize]) -> Option<usize> {
    dims.iter()
        .try_fold(1usize, |a, &d| if d == 0 { None } else { a.checked_mul(d) })
        .filter(|&n| n <= MAX_TENSOR_ELEMENTS)
}

/// A layer with its operands (tensor indices) and the ONNX node it came from.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub op: Op,
    pub inputs: Vec<usize>,
    pub output: usize,
}

/// The whole float graph.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub tensors: Vec<TensorDesc>,
    pub nodes: Vec<Node>,
    pub input: usize,
    pub output: usize,
}

impl Graph {
    pub fn add_tensor(&mut self, name: &str, dims: Vec<usize>) -> usize {
        self.tensors.push(TensorDesc { name: name.to_string(), dims });
        self.tensors.len() - 1
    }

    /// The node that writes tensor `t`.
    pub fn producer(&self, t: usize) -> Option<usize> {
        self.nodes.iter().position(|n| n.output == t)
    }

    /// Whether tensor `t` is read by exactly one node and is not the graph output.
    pub fn sole_use(&self, t: usize) -> bool {
        t != self.output && self.consumers(t).count() == 1
    }

    /// Remove node `i`, whose readers now read `replacement` instead of its
    /// output (the graph output included).
    pub fn bypass(&mut self, i: usize, replacement: usize) {
        let out = self.nodes[i].output;
        self.nodes.remove(i);
        for n in &mut self.nodes {
            for t in &mut n.inputs {
                if *t == out {
                    *t = replacement;
                }
            }
        }
        if self.output == out {
            self.output = replacement;
        }
    }

    /// Drop tensors no node, input or output refers to (a pass that removes
    /// a node leaves its output behind), renumbering the rest in order.
    pub fn compact(&mut self) {
        let mut used = vec![false; self.tensors.len()];
        used[self.input] = true;
        used[self.output] = true;
        for n in &self.nodes {
            used[n.output] = true;
            for &t in &n.inputs {
                used[t] = true;
            }
        }
        let mut new_index = vec![usize::MAX; self.tensors.len()];
        let mut kept = Vec::new();
        for (t, desc) in std::mem::take(&mut self.tensors).into_iter().enumerate() {
            if used[t] {
                new_index[t] = kept.len();
                kept.push(desc);
            }
        }
        self.tensors = kept;
        self.input = new_index[self.input];
        self.output = new_index[self.output];
        for n in &mut self.nodes {
            n.output = new_index[n.output];
            for t in &mut n.inputs {
                *t = new_index[*t];
            }
        }
    }

    /// Nodes that read tensor `t`.
    pub fn consumers(&self, t: usize) -> impl Iterator<Item = usize> + '_ {
        self.nodes.iter().enumerate().filter(move |(_, n)| n.inputs.contains(&t)).map(|(i, _)| i)
    }
}
