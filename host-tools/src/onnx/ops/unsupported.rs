//! Operators polyact refuses on purpose, with the reason a user needs: what
//! in their model produced the node and what to do instead. The generic
//! "unsupported operator" error lists what is imported; these say why not.

/// `(ONNX operator, reason)`.
pub const REFUSED: &[(&str, &str)] = &[
    (
        "Where",
        "masked attention (masked_fill with a causal or padding mask) is not supported: polyact runs unmasked \
         self-attention; drop the mask or apply it outside the exported model",
    ),
    (
        "Trilu",
        "a mask built at run time (torch.triu / torch.tril, e.g. a causal attention mask) is not supported: \
         polyact runs unmasked self-attention",
    ),
    (
        "Shape",
        "a shape computed at run time (the TorchScript export of scaled_dot_product_attention or \
         nn.MultiheadAttention) is not supported: write the attention with explicit matmuls and softmax, or \
         use the dynamo exporter",
    ),
    ("Gather", "indexing a tensor by another (Gather: embeddings, token selection) is not supported"),
    ("LSTM", "recurrent layers (LSTM) are not supported"),
    ("GRU", "recurrent layers (GRU) are not supported"),
    ("RNN", "recurrent layers (RNN) are not supported"),
];

/// Why `op_type` is refused, if it is one of [`REFUSED`].
pub fn reason(op_type: &str) -> Option<&'static str> {
    REFUSED.iter().find(|(op, _)| *op == op_type).map(|(_, r)| *r)
}
