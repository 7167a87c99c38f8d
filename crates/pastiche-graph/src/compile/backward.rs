//! The backward pass through the layer chain, written out in standard ONNX ops.

use std::collections::BTreeMap;

use super::forward::Forward;
use super::{winograd, Convolution, GraphConfig, Pooling};
use crate::builder::GraphBuilder;
use crate::model::{Conv, LayerKind, VggModel};
use crate::onnx::{attr_float, attr_int, attr_ints, attr_string};

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
    // An average pool's backward spreads each gradient over its 2×2 window at a quarter of its
    // value. The quarter is not a pass of its own over the enlarged tensor: it stays pending
    // through the ReLU masks (which commute with it) and is folded into the next convolution's
    // weights, which ONNX Runtime turns into a constant at load. Only a loss gradient injected
    // on the way, which is not scaled, makes it a `Mul` there.
    let mut pending_scale = 1.0f32;
    for index in (0..=last).rev() {
        let mut terms = injected.remove(&index).unwrap_or_default();
        if let Some(mut gradient) = carried.take() {
            if !terms.is_empty() {
                gradient = apply_scale(b, &gradient, std::mem::replace(&mut pending_scale, 1.0));
            }
            terms.push(gradient);
        }
        let grad = b.sum(&terms, "grad_sum");
        let layer = &model.layers[index];
        let name = &layer.name;
        carried = Some(match &layer.kind {
            LayerKind::Conv(conv) => {
                let weight = fwd.weights[index]
                    .as_deref()
                    .expect("conv layers record weights");
                let scale = std::mem::replace(&mut pending_scale, 1.0);
                conv_input_gradient(b, &grad, weight, scale, conv, config.convolution, name)
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
                    pending_scale *= 0.25;
                    b.op(
                        "Resize",
                        &[&grad, roi, &scales],
                        attrs,
                        &format!("grad_{name}"),
                    )
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
    let gradient = carried.expect("the chain has at least one layer");
    apply_scale(b, &gradient, pending_scale)
}

/// `gradient · scale`, or the gradient itself when the scale is 1.
fn apply_scale(b: &mut GraphBuilder, gradient: &str, scale: f32) -> String {
    if scale == 1.0 {
        return gradient.to_owned();
    }
    let scale = b.scalar(scale);
    b.op("Mul", &[gradient, &scale], vec![], "grad_scaled")
}

/// dL/d(relu input) = dL/d(relu output) · [relu_out > 0], the mask as 0.0/1.0.
///
/// The mask is `HardSigmoid(relu_out)` = min(1, α·relu_out) with α = 3·10³⁸: exactly 1 for every
/// positive normal float (the smallest, 1.2·10⁻³⁸, times α is above 1) and 0 at 0. One op on
/// ONNX Runtime's thread pool, where `Cast(Greater(relu_out, 0))` took two passes and the former
/// `Sign(relu_out)` ran on one thread (docs/benchmarks.md).
fn relu_input_gradient(b: &mut GraphBuilder, grad: &str, relu_out: &str, name: &str) -> String {
    let attrs = vec![attr_float("alpha", 3.0e38), attr_float("beta", 0.0)];
    let mask = b.op("HardSigmoid", &[relu_out], attrs, &format!("{name}_mask"));
    b.op("Mul", &[grad, &mask], vec![], &format!("grad_{name}"))
}

/// dL/d(conv input) = Conv(scale · dL/d(conv output), W'), with W' the forward weights swapped
/// O↔I and flipped along both spatial axes. `scale` (pending from a pool, see [`backward`]) is
/// applied to W', not to the gradient. W' is computed inside the graph from the forward
/// initializer, so the file holds one copy of the weights and ONNX Runtime constant-folds the
/// scaled W' at load.
fn conv_input_gradient(
    b: &mut GraphBuilder,
    grad: &str,
    weight: &str,
    scale: f32,
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
    let flipped = apply_scale(b, &flipped, scale);
    let output = format!("grad_{name}_input");
    // The gradient's convolution maps the layer's output channels back to its input channels.
    let (from, to) = (conv.out_channels, conv.in_channels);
    if convolution == Convolution::Winograd && winograd::worthwhile(from, to) {
        return winograd::conv3x3(b, grad, &flipped, from, to, &output);
    }
    if to <= FEW_CHANNELS {
        return few_channel_conv3x3(b, grad, &flipped, from, to, &output);
    }
    let attrs = vec![
        attr_ints("kernel_shape", &[3, 3]),
        attr_ints("pads", &[1, 1, 1, 1]),
    ];
    b.op("Conv", &[grad, &flipped], attrs, &output)
}

/// Output channels at or below which [`few_channel_conv3x3`] replaces `Conv`.
const FEW_CHANNELS: usize = 4;

/// `Conv(x, weight)` (3×3, stride 1, padding 1) for a handful of output channels — the image's
/// gradient through the first layer, 64 → 3 channels. ONNX Runtime's `Conv` unrolls the whole
/// input nine times for a matrix product only three rows deep (21 ms of an 890 ms evaluation at
/// 512²); here one `[9·K, C] × [C, H·W]` product gives every tap's contribution per pixel, and
/// nine shifted windows of it, summed, are the convolution.
fn few_channel_conv3x3(
    b: &mut GraphBuilder,
    x: &str,
    weight: &str,
    in_channels: usize,
    out_channels: usize,
    name: &str,
) -> String {
    let (c, k) = (in_channels as i64, out_channels as i64);
    // [K, C, 3, 3] → rows ordered (dy, dx, k): tap t = 3·dy + dx owns rows t·K .. (t+1)·K.
    let by_tap = b.op(
        "Transpose",
        &[weight],
        vec![attr_ints("perm", &[2, 3, 0, 1])],
        &format!("{name}_taps"),
    );
    let taps_shape = b.const_i64(&[2], &[9 * k, c]);
    let taps = b.op("Reshape", &[&by_tap, &taps_shape], vec![], "taps_rows");
    let pixels_shape = b.const_i64(&[2], &[c, -1]);
    let pixels = b.op("Reshape", &[x, &pixels_shape], vec![], "pixels");
    let per_tap = b.op(
        "MatMul",
        &[&taps, &pixels],
        vec![],
        &format!("{name}_per_tap"),
    );
    let size = b.plane_size(x, "plane_size");
    let lead = b.const_i64(&[2], &[1, 9 * k]);
    let planes_shape = b.op(
        "Concat",
        &[&lead, &size],
        vec![attr_int("axis", 0)],
        "planes_shape",
    );
    let planes = b.op("Reshape", &[&per_tap, &planes_shape], vec![], "tap_planes");
    let border = b.const_i64(&[8], &[0, 0, 1, 1, 0, 0, 1, 1]);
    let padded = b.op("Pad", &[&planes, &border], vec![], "tap_planes_padded");
    // out[y, x] = Σ_t per_tap[t][y + dy − 1, x + dx − 1]: tap t's window of the padded planes
    // starts at (dy, dx) and is as large as the input.
    let axes = b.const_i64(&[3], &[1, 2, 3]);
    let windows: Vec<String> = (0..9)
        .map(|tap| {
            let (dy, dx) = (tap / 3, tap % 3);
            // The window ends 2 − d before the padded edge; `i64::MAX` is "to the end".
            let end = |d: i64| if d == 2 { i64::MAX } else { d - 2 };
            let starts = b.const_i64(&[3], &[tap * k, dy, dx]);
            let ends = b.const_i64(&[3], &[(tap + 1) * k, end(dy), end(dx)]);
            b.op(
                "Slice",
                &[&padded, &starts, &ends, &axes],
                vec![],
                "tap_window",
            )
        })
        .collect();
    b.sum(&windows, name)
}
