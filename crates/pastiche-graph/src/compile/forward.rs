//! The forward pass shared by both graphs: preprocessing folded in, then the layer chain
//! truncated at the deepest requested layer.

use super::{winograd, Convolution, GraphConfig, Pooling};
use crate::builder::GraphBuilder;
use crate::model::{LayerKind, VggModel};
use crate::onnx::{attr_int, attr_ints};

/// Tensor names of the forward pass, indexed like `model.layers`.
pub(super) struct Forward {
    /// Input of each layer.
    pub inputs: Vec<String>,
    /// Output of each layer.
    pub outputs: Vec<String>,
    /// Convolution weight initializer of each conv layer.
    pub weights: Vec<Option<String>>,
    /// Arg-max indices of each max-pooling layer, when requested.
    pub argmax: Vec<Option<String>>,
}

/// Preprocessing as graph ops: `Gather` reorders channels (RGB→BGR), then one per-channel
/// multiply-add. Padding of the first convolution then happens in model space, exactly as in
/// the original network.
pub(super) fn preprocess(b: &mut GraphBuilder, model: &VggModel, image: &str) -> String {
    let p = &model.preprocessing;
    let mut x = image.to_owned();
    if p.source_channels() != [0, 1, 2] {
        let order = b.const_i64(&[3], &p.source_channels());
        x = b.op(
            "Gather",
            &[&x, &order],
            vec![attr_int("axis", 1)],
            "reordered",
        );
    }
    let (gain, offset) = p.affine();
    let gain = b.const_f32(&[1, 3, 1, 1], &gain);
    let offset = b.const_f32(&[1, 3, 1, 1], &offset);
    let scaled = b.op("Mul", &[&x, &gain], vec![], "scaled");
    b.op("Add", &[&scaled, &offset], vec![], "preprocessed")
}

/// The inverse of [`preprocess`] for gradients: scale by the gain, undo the channel reorder.
pub(super) fn preprocess_backward(b: &mut GraphBuilder, model: &VggModel, grad: &str) -> String {
    let p = &model.preprocessing;
    let (gain, _) = p.affine();
    let gain = b.const_f32(&[1, 3, 1, 1], &gain);
    let mut g = b.op("Mul", &[grad, &gain], vec![], "grad_scaled");
    let order = p.source_channels();
    if order != [0, 1, 2] {
        let mut inverse = [0i64; 3];
        for (model_channel, rgb) in order.iter().enumerate() {
            inverse[*rgb as usize] = model_channel as i64;
        }
        let inverse = b.const_i64(&[3], &inverse);
        g = b.op(
            "Gather",
            &[&g, &inverse],
            vec![attr_int("axis", 1)],
            "grad_rgb",
        );
    }
    g
}

pub(super) fn forward(
    b: &mut GraphBuilder,
    model: &VggModel,
    input: &str,
    last: usize,
    config: &GraphConfig,
    keep_argmax: bool,
) -> Forward {
    let mut fwd = Forward {
        inputs: Vec::new(),
        outputs: Vec::new(),
        weights: Vec::new(),
        argmax: Vec::new(),
    };
    let mut x = input.to_owned();
    for layer in &model.layers[..=last] {
        let name = &layer.name;
        let mut weight = None;
        let mut argmax = None;
        let y = match &layer.kind {
            LayerKind::Conv(conv) => {
                let dims = [conv.out_channels as i64, conv.in_channels as i64, 3, 3];
                let w = b.weights(&format!("{name}.weight"), &dims, &conv.weight);
                let bias = b.weights(&format!("{name}.bias"), &dims[..1], &conv.bias);
                weight = Some(w.clone());
                let (i, o) = (conv.in_channels, conv.out_channels);
                if config.convolution == Convolution::Winograd && winograd::worthwhile(i, o) {
                    let y = winograd::conv3x3(b, &x, &w, i, o, name);
                    let bias_shape = b.const_i64(&[3], &[o as i64, 1, 1]);
                    let bias = b.op("Reshape", &[&bias, &bias_shape], vec![], "bias_column");
                    b.op("Add", &[&y, &bias], vec![], name)
                } else {
                    let attrs = vec![
                        attr_ints("kernel_shape", &[3, 3]),
                        attr_ints("pads", &[1, 1, 1, 1]),
                    ];
                    b.op("Conv", &[&x, &w, &bias], attrs, name)
                }
            }
            LayerKind::Relu => b.op("Relu", &[&x], vec![], name),
            LayerKind::Pool(_) => {
                let attrs = vec![
                    attr_ints("kernel_shape", &[2, 2]),
                    attr_ints("strides", &[2, 2]),
                ];
                match config.pooling {
                    Pooling::Avg => b.op("AveragePool", &[&x], attrs, name),
                    Pooling::Max if keep_argmax => {
                        let y = b.name(name);
                        let indices = b.name(&format!("{name}_argmax"));
                        b.op_multi("MaxPool", &[&x], attrs, &[&y, &indices]);
                        argmax = Some(indices);
                        y
                    }
                    Pooling::Max => b.op("MaxPool", &[&x], attrs, name),
                }
            }
        };
        fwd.inputs.push(std::mem::replace(&mut x, y.clone()));
        fwd.outputs.push(y);
        fwd.weights.push(weight);
        fwd.argmax.push(argmax);
    }
    fwd
}

/// Gram matrix of an activation `[1, C, h, w]`, divided by the number of positions `M = h·w`
/// so that images of different sizes compare.
pub(super) struct Gram {
    /// The activation reshaped to `[C, M]`.
    pub features: String,
    /// `F Fᵀ / M`, `[C, C]`.
    pub gram: String,
    /// `M` as a float scalar.
    pub positions: String,
}

pub(super) fn gram(b: &mut GraphBuilder, activation: &str, channels: usize, hint: &str) -> Gram {
    let shape = b.const_i64(&[2], &[channels as i64, -1]);
    let features = b.op(
        "Reshape",
        &[activation, &shape],
        vec![],
        &format!("{hint}_features"),
    );
    let transposed = b.op(
        "Transpose",
        &[&features],
        vec![attr_ints("perm", &[1, 0])],
        "features_t",
    );
    let product = b.op("MatMul", &[&features, &transposed], vec![], "gram_sum");
    let size = b.op("Size", &[activation], vec![], "size");
    let size = b.op("Cast", &[&size], vec![attr_int("to", 1)], "size_f");
    let channels = b.scalar(channels as f32);
    let positions = b.op("Div", &[&size, &channels], vec![], "positions");
    let gram = b.op(
        "Div",
        &[&product, &positions],
        vec![],
        &format!("{hint}_gram"),
    );
    Gram {
        features,
        gram,
        positions,
    }
}
