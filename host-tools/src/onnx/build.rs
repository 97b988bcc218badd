//! Building ONNX models in code (tract-onnx's protobuf types): the seed
//! models of the importer fuzz target and the small models the tests write.

use tract_onnx::pb;

/// A float32 graph input/output of fixed shape.
pub fn value(name: &str, dims: &[i64]) -> pb::ValueInfoProto {
    let dim = dims
        .iter()
        .map(|&d| pb::tensor_shape_proto::Dimension {
            value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(d)),
            ..Default::default()
        })
        .collect();
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: 1,
                shape: Some(pb::TensorShapeProto { dim }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A node named after its output.
pub fn node(op: &str, name: &str, inputs: &[&str], output: &str, attrs: Vec<pb::AttributeProto>) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: name.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute: attrs,
        ..Default::default()
    }
}

/// An integer attribute.
pub fn int(name: &str, v: i64) -> pb::AttributeProto {
    pb::AttributeProto { name: name.into(), i: v, r#type: 2, ..Default::default() }
}

/// A float attribute.
pub fn float(name: &str, v: f32) -> pb::AttributeProto {
    pb::AttributeProto { name: name.into(), f: v, r#type: 1, ..Default::default() }
}

/// A string attribute.
pub fn string(name: &str, v: &str) -> pb::AttributeProto {
    pb::AttributeProto { name: name.into(), s: v.as_bytes().to_vec(), r#type: 3, ..Default::default() }
}

/// A float32 initializer holding `data`.
pub fn tensor(name: &str, dims: &[i64], data: &[f32]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: 1,
        float_data: data.to_vec(),
        ..Default::default()
    }
}

/// An int64 initializer (shapes, axes).
pub fn int64s(name: &str, data: &[i64]) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: vec![data.len() as i64],
        data_type: 7,
        int64_data: data.to_vec(),
        ..Default::default()
    }
}

/// An integer-list attribute.
pub fn ints(name: &str, v: &[i64]) -> pb::AttributeProto {
    pb::AttributeProto { name: name.into(), ints: v.to_vec(), r#type: 7, ..Default::default() }
}

/// A float32 initializer with deterministic values in [-0.4, 0.6).
pub fn weight(name: &str, dims: &[i64], seed: u32) -> pb::TensorProto {
    let n: i64 = dims.iter().product();
    let data =
        (0..n).map(|i| ((i as u32).wrapping_mul(2654435761).wrapping_add(seed) % 1000) as f32 / 1000.0 - 0.4).collect();
    pb::TensorProto { name: name.into(), dims: dims.to_vec(), data_type: 1, float_data: data, ..Default::default() }
}

/// An opset-`opset` model with one input and one output.
pub fn model(
    nodes: Vec<pb::NodeProto>,
    inits: Vec<pb::TensorProto>,
    input: (&str, &[i64]),
    output: (&str, &[i64]),
    opset: i64,
) -> pb::ModelProto {
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto { domain: String::new(), version: opset }],
        graph: Some(pb::GraphProto {
            node: nodes,
            initializer: inits,
            input: vec![value(input.0, input.1)],
            output: vec![value(output.0, output.1)],
            name: "g".into(),
            ..Default::default()
        }),
        ..Default::default()
    }
}
