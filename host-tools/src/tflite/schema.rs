//! The part of the TFLite flatbuffer schema the importer reads, on the
//! `flatbuffers` crate: each table's fields by their vtable slot (slot =
//! 4 + 2 · field id, the schema's facts) with the schema's defaults.
//!
//! A buffer is only ever opened through [`read_model`], which runs the
//! crate's verifier over every table reachable from the root (bounds,
//! alignment, nesting, union variants the importer reads); that is what
//! makes the unchecked `Table::get` below sound.

use flatbuffers::{Follow, ForwardsUOffset, InvalidFlatbuffer, Table, Vector, Verifiable, Verifier};

/// Declares a table: its reader type, `Follow` and a verifier listing
/// every field the importer may read, with its slot and type.
macro_rules! table {
    ($name:ident { $($field:literal @ $slot:literal : $ty:ty),* $(,)? }) => {
        #[derive(Clone, Copy)]
        pub struct $name<'a>(Table<'a>);

        impl<'a> Follow<'a> for $name<'a> {
            type Inner = $name<'a>;
            unsafe fn follow(buf: &'a [u8], loc: usize) -> Self::Inner {
                // SAFETY: forwarded from the caller (a verified position).
                $name(unsafe { Table::new(buf, loc) })
            }
        }

        impl Verifiable for $name<'_> {
            fn run_verifier(v: &mut Verifier, pos: usize) -> Result<(), InvalidFlatbuffer> {
                v.visit_table(pos)?
                    $(.visit_field::<$ty>($field, $slot, false)?)*
                    .finish();
                Ok(())
            }
        }
    };
}

type Vec32<'a, T> = ForwardsUOffset<Vector<'a, T>>;
type Tables<'a, T> = ForwardsUOffset<Vector<'a, ForwardsUOffset<T>>>;

/// Reads of a verified table: a scalar with its schema default, or an
/// optional offset field.
trait Fields<'a> {
    fn table(&self) -> &Table<'a>;

    fn scalar<T: Follow<'a, Inner = T> + Copy + 'a>(&self, slot: u16, default: T) -> T {
        // SAFETY: every table is reached from a verified root, and each
        // (slot, type) read here is listed in that table's verifier.
        unsafe { self.table().get::<T>(slot, Some(default)) }.unwrap_or(default)
    }

    fn field<T: Follow<'a> + 'a>(&self, slot: u16) -> Option<T::Inner> {
        // SAFETY: as above.
        unsafe { self.table().get::<T>(slot, None) }
    }
}

macro_rules! fields {
    ($($name:ident),*) => { $(impl<'a> Fields<'a> for $name<'a> { fn table(&self) -> &Table<'a> { &self.0 } })* };
}

table!(Model {
    "version" @ 4: u32,
    "operator_codes" @ 6: Tables<'_, OperatorCode>,
    "subgraphs" @ 8: Tables<'_, SubGraph>,
    "description" @ 10: ForwardsUOffset<&str>,
    "buffers" @ 12: Tables<'_, Buffer>,
});
table!(OperatorCode {
    "deprecated_builtin_code" @ 4: i8,
    "custom_code" @ 6: ForwardsUOffset<&str>,
    "version" @ 8: i32,
    "builtin_code" @ 10: i32,
});
table!(SubGraph {
    "tensors" @ 4: Tables<'_, Tensor>,
    "inputs" @ 6: Vec32<'_, i32>,
    "outputs" @ 8: Vec32<'_, i32>,
    "operators" @ 10: Tables<'_, Operator>,
});
table!(Tensor {
    "shape" @ 4: Vec32<'_, i32>,
    "type" @ 6: i8,
    "buffer" @ 8: u32,
    "name" @ 10: ForwardsUOffset<&str>,
    "quantization" @ 12: ForwardsUOffset<QuantizationParameters>,
    "is_variable" @ 14: bool,
});
table!(QuantizationParameters {
    "scale" @ 8: Vec32<'_, f32>,
    "zero_point" @ 10: Vec32<'_, i64>,
    "quantized_dimension" @ 16: i32,
});
table!(Buffer { "data" @ 4: Vec32<'_, u8>, "offset" @ 6: u64, "size" @ 8: u64 });
table!(Conv2DOptions {
    "padding" @ 4: i8, "stride_w" @ 6: i32, "stride_h" @ 8: i32, "fused_activation_function" @ 10: i8,
    "dilation_w_factor" @ 12: i32, "dilation_h_factor" @ 14: i32,
});
table!(DepthwiseConv2DOptions {
    "padding" @ 4: i8, "stride_w" @ 6: i32, "stride_h" @ 8: i32, "depth_multiplier" @ 10: i32,
    "fused_activation_function" @ 12: i8, "dilation_w_factor" @ 14: i32, "dilation_h_factor" @ 16: i32,
});
table!(Pool2DOptions {
    "padding" @ 4: i8, "stride_w" @ 6: i32, "stride_h" @ 8: i32, "filter_width" @ 10: i32,
    "filter_height" @ 12: i32, "fused_activation_function" @ 14: i8,
});
table!(FullyConnectedOptions { "fused_activation_function" @ 4: i8, "weights_format" @ 6: i8, "keep_num_dims" @ 8: bool });
table!(SoftmaxOptions { "beta" @ 4: f32 });
table!(ConcatenationOptions { "axis" @ 4: i32, "fused_activation_function" @ 6: i8 });
table!(FusedActivationOptions { "fused_activation_function" @ 4: i8 });
table!(ReducerOptions { "keep_dims" @ 4: bool });
table!(LeakyReluOptions { "alpha" @ 4: f32 });
table!(Operator {
    "opcode_index" @ 4: u32,
    "inputs" @ 6: Vec32<'_, i32>,
    "outputs" @ 8: Vec32<'_, i32>,
});
fields!(
    Model,
    OperatorCode,
    SubGraph,
    Tensor,
    QuantizationParameters,
    Buffer,
    Conv2DOptions,
    DepthwiseConv2DOptions,
    Pool2DOptions,
    FullyConnectedOptions,
    SoftmaxOptions,
    ConcatenationOptions,
    FusedActivationOptions,
    ReducerOptions,
    LeakyReluOptions,
    Operator
);

/// The `BuiltinOptions` union's variants the importer reads (their
/// discriminants are the schema's), verified as part of the operator.
#[derive(Clone, Copy)]
pub enum Options<'a> {
    None,
    Conv2D(Conv2DOptions<'a>),
    Depthwise(DepthwiseConv2DOptions<'a>),
    Pool2D(Pool2DOptions<'a>),
    FullyConnected(FullyConnectedOptions<'a>),
    Softmax(SoftmaxOptions<'a>),
    Concatenation(ConcatenationOptions<'a>),
    /// Add, Mul and Sub options: the fused activation first.
    Fused(FusedActivationOptions<'a>),
    Reducer(ReducerOptions<'a>),
    LeakyRelu(LeakyReluOptions<'a>),
    /// A variant the importer has no use for.
    Other(u8),
}

const OPT_CONV2D: u8 = 1;
const OPT_DEPTHWISE: u8 = 2;
const OPT_POOL2D: u8 = 5;
const OPT_FULLY_CONNECTED: u8 = 8;
const OPT_SOFTMAX: u8 = 9;
const OPT_CONCATENATION: u8 = 10;
const OPT_ADD: u8 = 11;
const OPT_MUL: u8 = 21;
const OPT_REDUCER: u8 = 27;
const OPT_SUB: u8 = 28;
const OPT_LEAKY_RELU: u8 = 75;

/// The operator's verifier: its fields and the options union.
#[derive(Clone, Copy)]
pub struct OperatorV;

impl Verifiable for OperatorV {
    fn run_verifier(v: &mut Verifier, pos: usize) -> Result<(), InvalidFlatbuffer> {
        Operator::run_verifier(v, pos)?;
        v.visit_table(pos)?
            .visit_union::<u8, _>("builtin_options_type", 10, "builtin_options", 12, false, |key, v, pos| match key {
                OPT_CONV2D => v.verify_union_variant::<ForwardsUOffset<Conv2DOptions>>("Conv2DOptions", pos),
                OPT_DEPTHWISE => {
                    v.verify_union_variant::<ForwardsUOffset<DepthwiseConv2DOptions>>("DepthwiseConv2DOptions", pos)
                }
                OPT_POOL2D => v.verify_union_variant::<ForwardsUOffset<Pool2DOptions>>("Pool2DOptions", pos),
                OPT_FULLY_CONNECTED => {
                    v.verify_union_variant::<ForwardsUOffset<FullyConnectedOptions>>("FullyConnectedOptions", pos)
                }
                OPT_SOFTMAX => v.verify_union_variant::<ForwardsUOffset<SoftmaxOptions>>("SoftmaxOptions", pos),
                OPT_CONCATENATION => {
                    v.verify_union_variant::<ForwardsUOffset<ConcatenationOptions>>("ConcatenationOptions", pos)
                }
                OPT_ADD | OPT_MUL | OPT_SUB => {
                    v.verify_union_variant::<ForwardsUOffset<FusedActivationOptions>>("FusedActivation", pos)
                }
                OPT_REDUCER => v.verify_union_variant::<ForwardsUOffset<ReducerOptions>>("ReducerOptions", pos),
                OPT_LEAKY_RELU => v.verify_union_variant::<ForwardsUOffset<LeakyReluOptions>>("LeakyReluOptions", pos),
                _ => Ok(()),
            })?
            .finish();
        Ok(())
    }
}

/// The root, verified including every operator's options.
struct ModelV;

impl<'a> Follow<'a> for ModelV {
    type Inner = Model<'a>;
    unsafe fn follow(buf: &'a [u8], loc: usize) -> Model<'a> {
        // SAFETY: forwarded from the caller.
        unsafe { <Model as Follow>::follow(buf, loc) }
    }
}

impl Verifiable for ModelV {
    fn run_verifier(v: &mut Verifier, pos: usize) -> Result<(), InvalidFlatbuffer> {
        Model::run_verifier(v, pos)?;
        v.visit_table(pos)?.visit_field::<Tables<'_, SubGraphV>>("subgraphs", 8, false)?.finish();
        Ok(())
    }
}

/// A subgraph verified with its operators' options.
struct SubGraphV;

impl Verifiable for SubGraphV {
    fn run_verifier(v: &mut Verifier, pos: usize) -> Result<(), InvalidFlatbuffer> {
        v.visit_table(pos)?.visit_field::<Tables<'_, OperatorV>>("operators", 10, false)?.finish();
        Ok(())
    }
}

/// Open a `.tflite` buffer: the file identifier `TFL3`, then the verifier.
pub fn read_model(buf: &[u8]) -> Result<Model<'_>, String> {
    if buf.len() < 8 || &buf[4..8] != b"TFL3" {
        return Err("not a TFLite flatbuffer (no 'TFL3' file identifier at byte 4)".into());
    }
    flatbuffers::root::<ModelV>(buf).map_err(|e| format!("corrupt TFLite flatbuffer: {e}"))
}

/// The elements of an optional vector (empty if absent).
fn items<'a, T: Follow<'a> + 'a>(v: Option<Vector<'a, T>>) -> impl Iterator<Item = T::Inner> + 'a {
    v.into_iter().flat_map(|v| v.iter())
}

impl<'a> Model<'a> {
    pub fn version(&self) -> u32 {
        self.scalar(4, 0)
    }
    pub fn operator_codes(&self) -> Vec<OperatorCode<'a>> {
        items(self.field::<Tables<'a, OperatorCode>>(6)).collect()
    }
    pub fn subgraphs(&self) -> Vec<SubGraph<'a>> {
        items(self.field::<Tables<'a, SubGraph>>(8)).collect()
    }
    pub fn buffers(&self) -> Vec<Buffer<'a>> {
        items(self.field::<Tables<'a, Buffer>>(12)).collect()
    }
}

impl<'a> OperatorCode<'a> {
    /// The name of a custom operator.
    pub fn custom_code(&self) -> Option<&'a str> {
        self.field::<ForwardsUOffset<&str>>(6)
    }

    /// The builtin operator: the larger of the old `int8` and new `int32`
    /// codes, as TFLite reads it.
    pub fn builtin_code(&self) -> i32 {
        (self.scalar::<i8>(4, 0) as i32).max(self.scalar::<i32>(10, 0))
    }
}

impl<'a> SubGraph<'a> {
    pub fn tensors(&self) -> Vec<Tensor<'a>> {
        items(self.field::<Tables<'a, Tensor>>(4)).collect()
    }
    pub fn inputs(&self) -> Vec<i32> {
        items(self.field::<Vec32<'a, i32>>(6)).collect()
    }
    pub fn outputs(&self) -> Vec<i32> {
        items(self.field::<Vec32<'a, i32>>(8)).collect()
    }
    pub fn operators(&self) -> Vec<Operator<'a>> {
        items(self.field::<Tables<'a, Operator>>(10)).collect()
    }
}

impl<'a> Tensor<'a> {
    pub fn shape(&self) -> Vec<i32> {
        items(self.field::<Vec32<'a, i32>>(4)).collect()
    }
    /// The schema's `TensorType` code.
    pub fn type_code(&self) -> i8 {
        self.scalar(6, 0)
    }
    pub fn buffer(&self) -> u32 {
        self.scalar(8, 0)
    }
    pub fn name(&self) -> &'a str {
        self.field::<ForwardsUOffset<&str>>(10).unwrap_or("")
    }
    pub fn quantization(&self) -> Option<QuantizationParameters<'a>> {
        self.field::<ForwardsUOffset<QuantizationParameters>>(12)
    }
    pub fn is_variable(&self) -> bool {
        self.scalar(14, false)
    }
    /// Whether the tensor carries sparsity parameters (only the vtable
    /// entry is read: the importer refuses sparse tensors).
    pub fn is_sparse(&self) -> bool {
        self.0.vtable().get(16) != 0
    }
}

impl<'a> QuantizationParameters<'a> {
    pub fn scale(&self) -> Vec<f32> {
        items(self.field::<Vec32<'a, f32>>(8)).collect()
    }
    pub fn zero_point(&self) -> Vec<i64> {
        items(self.field::<Vec32<'a, i64>>(10)).collect()
    }
    pub fn quantized_dimension(&self) -> i32 {
        self.scalar(16, 0)
    }
}

impl<'a> Buffer<'a> {
    /// The bytes inline in the flatbuffer, if any.
    pub fn data(&self) -> Option<&'a [u8]> {
        self.field::<Vec32<'a, u8>>(4).map(|v| v.bytes())
    }
    /// Where the bytes sit in the file when they are stored after the
    /// flatbuffer (models over 2 GB): `(offset, size)`.
    pub fn external(&self) -> Option<(u64, u64)> {
        let offset = self.scalar::<u64>(6, 0);
        (offset > 1).then(|| (offset, self.scalar::<u64>(8, 0)))
    }
}

impl<'a> Operator<'a> {
    pub fn opcode_index(&self) -> u32 {
        self.scalar(4, 0)
    }
    pub fn inputs(&self) -> Vec<i32> {
        items(self.field::<Vec32<'a, i32>>(6)).collect()
    }
    pub fn outputs(&self) -> Vec<i32> {
        items(self.field::<Vec32<'a, i32>>(8)).collect()
    }
    pub fn options(&self) -> Options<'a> {
        let key = self.scalar::<u8>(10, 0);
        // The value is read only for the variants the verifier checked.
        let known = [
            OPT_CONV2D,
            OPT_DEPTHWISE,
            OPT_POOL2D,
            OPT_FULLY_CONNECTED,
            OPT_SOFTMAX,
            OPT_CONCATENATION,
            OPT_ADD,
            OPT_MUL,
            OPT_SUB,
            OPT_REDUCER,
            OPT_LEAKY_RELU,
        ];
        if !known.contains(&key) {
            return if key == 0 { Options::None } else { Options::Other(key) };
        }
        let Some(t) = self.field::<ForwardsUOffset<Table>>(12) else { return Options::None };
        match key {
            OPT_CONV2D => Options::Conv2D(Conv2DOptions(t)),
            OPT_DEPTHWISE => Options::Depthwise(DepthwiseConv2DOptions(t)),
            OPT_POOL2D => Options::Pool2D(Pool2DOptions(t)),
            OPT_FULLY_CONNECTED => Options::FullyConnected(FullyConnectedOptions(t)),
            OPT_SOFTMAX => Options::Softmax(SoftmaxOptions(t)),
            OPT_CONCATENATION => Options::Concatenation(ConcatenationOptions(t)),
            OPT_ADD | OPT_MUL | OPT_SUB => Options::Fused(FusedActivationOptions(t)),
            OPT_REDUCER => Options::Reducer(ReducerOptions(t)),
            OPT_LEAKY_RELU => Options::LeakyRelu(LeakyReluOptions(t)),
            0 => Options::None,
            other => Options::Other(other),
        }
    }
}

impl Conv2DOptions<'_> {
    pub fn padding(&self) -> i8 {
        self.scalar(4, 0)
    }
    pub fn stride(&self) -> [i32; 2] {
        [self.scalar(8, 0), self.scalar(6, 0)]
    }
    pub fn activation(&self) -> i8 {
        self.scalar(10, 0)
    }
    pub fn dilation(&self) -> [i32; 2] {
        [self.scalar(14, 1), self.scalar(12, 1)]
    }
}

impl DepthwiseConv2DOptions<'_> {
    pub fn padding(&self) -> i8 {
        self.scalar(4, 0)
    }
    pub fn stride(&self) -> [i32; 2] {
        [self.scalar(8, 0), self.scalar(6, 0)]
    }
    pub fn depth_multiplier(&self) -> i32 {
        self.scalar(10, 0)
    }
    pub fn activation(&self) -> i8 {
        self.scalar(12, 0)
    }
    pub fn dilation(&self) -> [i32; 2] {
        [self.scalar(16, 1), self.scalar(14, 1)]
    }
}

impl Pool2DOptions<'_> {
    pub fn padding(&self) -> i8 {
        self.scalar(4, 0)
    }
    pub fn stride(&self) -> [i32; 2] {
        [self.scalar(8, 0), self.scalar(6, 0)]
    }
    pub fn filter(&self) -> [i32; 2] {
        [self.scalar(12, 0), self.scalar(10, 0)]
    }
    pub fn activation(&self) -> i8 {
        self.scalar(14, 0)
    }
}

impl FullyConnectedOptions<'_> {
    pub fn activation(&self) -> i8 {
        self.scalar(4, 0)
    }
    pub fn weights_format(&self) -> i8 {
        self.scalar(6, 0)
    }
}

impl SoftmaxOptions<'_> {
    pub fn beta(&self) -> f32 {
        self.scalar(4, 0.0)
    }
}

impl ConcatenationOptions<'_> {
    pub fn axis(&self) -> i32 {
        self.scalar(4, 0)
    }
    pub fn activation(&self) -> i8 {
        self.scalar(6, 0)
    }
}

impl FusedActivationOptions<'_> {
    pub fn activation(&self) -> i8 {
        self.scalar(4, 0)
    }
}

impl ReducerOptions<'_> {
    pub fn keep_dims(&self) -> bool {
        self.scalar(4, false)
    }
}

impl LeakyReluOptions<'_> {
    pub fn alpha(&self) -> f32 {
        self.scalar(4, 0.0)
    }
}
