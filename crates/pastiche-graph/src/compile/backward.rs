//! The backward pass through the layer chain, written out in standard ONNX ops.

use std::collections::BTreeMap;

use super::forward::Forward;
use super::{winograd, Convolution, GraphConfig, Pooling};
use crate::builder::GraphBuilder;
use crate::model::{Conv, LayerKind, VggModel};
use crate::onnx::tensor_proto::DataType;
use crate::onnx::{attr_int, attr_ints, attr_string};

/// Propagates the loss gradients injected at layer outputs (`injected[layer] = [dL/d output, …]`)
/// down to the network input and returns dL/d(model input).
pub(super) fn backward(
    b: &mut GraphBuilder,
    model: &VggModel,
    fwd: &Forward,
    config: &GraphConfig,
    mut injected: BTreeMap<usize, Vec<String>>,
) -> String {
    let last = fwd.outputs.len() - 1;
    let mut carried: Option<String> = None;
    for index in (0..=last).rev() {
        let mut terms = injected.remove(&index).unwrap_or_default();
        terms.extend(carried.take());
        let grad = b.sum(&terms, "grad_sum");
        let layer = &model.layers[index];
        let name = &layer.name;
        carried = Some(match &layer.kind {
            LayerKind::Conv(conv) => {
                let weight = fwd.weights[index]
                    .as_deref()
                    .expect("conv layers record weights");
                conv_input_gradient(b, &grad, weight, conv, config.convolution, name)
            }
            LayerKind::Relu => relu_input_gradient(b, &grad, &fwd.outputs[index], name),
            LayerKind::Pool(_) => match config.pooling {
                Pooling::Avg => {
                    let roi = "";
                    let scales = b.const_f32(&[4], &[1.0, 1.0, 2.0, 2.0]);
                    let attrs = vec![
                        attr_string("mode", "nearest"),
                        attr_string("coordinate_transformation_mode", "asymmetric"),
                        attr_string("nearest_mode", "floor"),
                    ];
                    let up = b.op(
                        "Resize",
                        &[&grad, roi, &scales],
                        attrs,
                        &format!("{name}_up"),
                    );
                    let quarter = b.scalar(0.25);
                    b.op("Mul", &[&up, &quarter], vec![], &format!("grad_{name}"))
                }
                Pooling::Max => {
                    // Each window's gradient goes to its arg-max, exactly where MaxPool took it from.
                    let indices = fwd.argmax[index]
                        .as_deref()
                        .expect("max pools keep arg-max");
                    let shape = b.op("Shape", &[&fwd.inputs[index]], vec![], "pool_input_shape");
                    let attrs = vec![
                        attr_ints("kernel_shape", &[2, 2]),
                        attr_ints("strides", &[2, 2]),
                    ];
                    b.op(
                        "MaxUnpool",
                        &[&grad, indices, &shape],
                        attrs,
                        &format!("grad_{name}"),
                    )
                }
            },
        });
    }
    carried.expect("the chain has at least one layer")
}

/// dL/d(relu input) = dL/d(relu output) · [relu_out > 0], the mask as 0.0/1.0.
///
/// `Greater` and `Mul` run on ONNX Runtime's thread pool; the former `Sign(relu_out)` mask ran on
/// one thread and took 13 % of an evaluation, `Where(mask, grad, 0)` 12 % (docs/benchmarks.md).
fn relu_input_gradient(b: &mut GraphBuilder, grad: &str, relu_out: &str, name: &str) -> String {
    let zero = b.scalar(0.0);
    let positive = b.op(
        "Greater",
        &[relu_out, &zero],
        vec![],
        &format!("{name}_positive"),
    );
    let mask = b.op(
        "Cast",
        &[&positive],
        vec![attr_int("to", DataType::Float as i64)],
        &format!("{name}_mask"),
    );
    b.op("Mul", &[grad, &mask], vec![], &format!("grad_{name}"))
}

/// dL/d(conv input) = Conv(dL/d(conv output), W'), with W' the forward weights swapped O↔I and
/// flipped along both spatial axes. W' is computed inside the graph from the forward initializer,
/// so the file holds one copy of the weights and ONNX Runtime constant-folds W' at load.
fn conv_input_gradient(
    b: &mut GraphBuilder,
    grad: &str,
    weight: &str,
    conv: &Conv,
    convolution: Convolution,
    name: &str,
) -> String {
    let swapped = b.op(
        "Transpose",
        &[weight],
        vec![attr_ints("perm", &[1, 0, 2, 3])],
        &format!("{name}_wt"),
    );
    let starts = b.const_i64(&[2], &[-1, -1]);
    let ends = b.const_i64(&[2], &[i64::MIN, i64::MIN]);
    let axes = b.const_i64(&[2], &[2, 3]);
    let steps = b.const_i64(&[2], &[-1, -1]);
    let flipped = b.op(
        "Slice",
        &[&swapped, &starts, &ends, &axes, &steps],
        vec![],
        &format!("{name}_wt_flipped"),
    );
    let output = format!("grad_{name}_input");
    // The gradient's convolution maps the layer's output channels back to its input channels.
    let (from, to) = (conv.out_channels, conv.in_channels);
    if convolution == Convolution::Winograd && winograd::worthwhile(from, to) {
        return winograd::conv3x3(b, grad, &flipped, from, to, &output);
    }
    let attrs = vec![
        attr_ints("kernel_shape", &[3, 3]),
        attr_ints("pads", &[1, 1, 1, 1]),
    ];
    b.op("Conv", &[grad, &flipped], attrs, &output)
}
