//! Layout tracking: PyTorch exports NCHW/NCW, the runtime stores channels
//! last. Each imported tensor remembers how its logical ONNX dims map to its
//! stored order, so the transposes around convolutions cost nothing.

/// How an activation tensor's logical ONNX dims map to its channels-last storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Stored in ONNX order (batch dropped).
    Plain,
    /// Logical `[N, C, spatial…]`, stored `[spatial…, C]`.
    ChannelsFirst,
    /// Logical `[N, C·H·W]` flattened from NCHW, stored in HWC order.
    FlatChw { c: usize },
}

/// Physical (channels-last, no batch) dims of logical ONNX dims.
pub fn physical(dims: &[usize], layout: Layout) -> Vec<usize> {
    let d = &dims[1.min(dims.len())..];
    match layout {
        Layout::ChannelsFirst if d.len() >= 2 => {
            let mut p = d[1..].to_vec();
            p.push(d[0]);
            p
        }
        _ => d.to_vec(),
    }
}
