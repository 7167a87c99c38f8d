//! The loss terms of Gatys et al. and their gradients with respect to the activations (or, for
//! total variation, the image).
//!
//! - content, per layer: `½ Σ (F − P)²`, gradient `F − P`;
//! - style, per layer: `1/(4N²) Σ (G − A)²` with `G = F Fᵀ / M` (N channels, M positions). For
//!   equal sizes this is the paper's `1/(4N²M²) Σ (FFᵀ − SSᵀ)²`; dividing each Gram matrix by its
//!   own M lets a style image of another size compare. Gradient `(G − A) F / (N² M)`;
//! - total variation: `Σ (x[i+1,j] − x[i,j])² + (x[i,j+1] − x[i,j])²` over the RGB 0..1 image;
//! - temporal (video, Ruder et al. 2016): `Σ c·(x − ω)²` over the RGB 0..1 image, with `ω` the
//!   previous result warped along the motion and `c` the per-pixel mask (0 where the previous
//!   frame does not show the pixel), broadcast over the channels. Gradient `2·c·(x − ω)`.

use crate::builder::GraphBuilder;
use crate::onnx::attr_int;

/// A loss term: its (layer-weighted) value and its gradient, already multiplied by every weight.
pub(super) struct Term {
    pub loss: String,
    pub grad: String,
}

/// Scalar `weights[position]` from a per-layer weight vector input.
pub(super) fn layer_weight(b: &mut GraphBuilder, weights: &str, position: usize) -> String {
    let index = b.const_i64(&[], &[position as i64]);
    b.op(
        "Gather",
        &[weights, &index],
        vec![attr_int("axis", 0)],
        "layer_weight",
    )
}

fn sum_of_squares(b: &mut GraphBuilder, x: &str) -> String {
    b.op(
        "ReduceSumSquare",
        &[x],
        vec![attr_int("keepdims", 0)],
        "sum_sq",
    )
}

/// Content term at one layer; the loss output is named `loss_name`.
pub(super) fn content(
    b: &mut GraphBuilder,
    activation: &str,
    target: &str,
    layer_weight: &str,
    alpha: &str,
    loss_name: &str,
) -> Term {
    let diff = b.op("Sub", &[activation, target], vec![], "content_diff");
    let sum = sum_of_squares(b, &diff);
    let half = b.scalar(0.5);
    let loss = b.op("Mul", &[&sum, &half], vec![], "content_raw");
    b.op_into("Mul", &[&loss, layer_weight], vec![], loss_name);
    let scale = b.op("Mul", &[layer_weight, alpha], vec![], "content_scale");
    let grad = b.op("Mul", &[&diff, &scale], vec![], "content_grad");
    Term {
        loss: loss_name.to_owned(),
        grad,
    }
}

/// Style term at one layer; the loss output is named `loss_name`.
pub(super) fn style(
    b: &mut GraphBuilder,
    activation: &str,
    channels: usize,
    target: &str,
    layer_weight: &str,
    beta: &str,
    loss_name: &str,
) -> Term {
    let gram = super::forward::gram(b, activation, channels, loss_name);
    let n_squared = (channels * channels) as f32;
    let diff = b.op("Sub", &[&gram.gram, target], vec![], "gram_diff");
    let sum = sum_of_squares(b, &diff);
    let norm = b.scalar(1.0 / (4.0 * n_squared));
    let loss = b.op("Mul", &[&sum, &norm], vec![], "style_raw");
    b.op_into("Mul", &[&loss, layer_weight], vec![], loss_name);

    let n_squared = b.scalar(n_squared);
    let weighted = b.op("Mul", &[layer_weight, beta], vec![], "style_weighted");
    let denominator = b.op(
        "Mul",
        &[&gram.positions, &n_squared],
        vec![],
        "style_denominator",
    );
    let scale = b.op("Div", &[&weighted, &denominator], vec![], "style_scale");
    // Scaling the N×N difference rather than the N×M product saves a pass over the features.
    let diff_scaled = b.op("Mul", &[&diff, &scale], vec![], "gram_diff_scaled");
    let grad_features = b.op(
        "MatMul",
        &[&diff_scaled, &gram.features],
        vec![],
        "style_grad_features",
    );
    let shape = b.op("Shape", &[activation], vec![], "activation_shape");
    let grad = b.op("Reshape", &[&grad_features, &shape], vec![], "style_grad");
    Term {
        loss: loss_name.to_owned(),
        grad,
    }
}

/// Total variation of the image; the loss output is named `loss_name`, the gradient is scaled by `weight`.
pub(super) fn total_variation(
    b: &mut GraphBuilder,
    image: &str,
    weight: &str,
    loss_name: &str,
) -> Term {
    let mut sums = Vec::new();
    let mut grads = Vec::new();
    for axis in [2i64, 3] {
        let axes = b.const_i64(&[1], &[axis]);
        let (one, zero, end, minus_one) = (
            b.const_i64(&[1], &[1]),
            b.const_i64(&[1], &[0]),
            b.const_i64(&[1], &[i64::MAX]),
            b.const_i64(&[1], &[-1]),
        );
        let next = b.op("Slice", &[image, &one, &end, &axes], vec![], "tv_next");
        let prev = b.op(
            "Slice",
            &[image, &zero, &minus_one, &axes],
            vec![],
            "tv_prev",
        );
        let diff = b.op("Sub", &[&next, &prev], vec![], "tv_diff");
        sums.push(sum_of_squares(b, &diff));
        // d/dx[k] Σ (x[i+1] − x[i])² = 2·diff[k−1] − 2·diff[k] (missing terms at the borders are 0).
        let mut before = [0i64; 8];
        before[axis as usize] = 1;
        let mut after = [0i64; 8];
        after[4 + axis as usize] = 1;
        let before = b.const_i64(&[8], &before);
        let after = b.const_i64(&[8], &after);
        let shifted = b.op("Pad", &[&diff, &before], vec![], "tv_diff_before");
        let aligned = b.op("Pad", &[&diff, &after], vec![], "tv_diff_after");
        grads.push(b.op("Sub", &[&shifted, &aligned], vec![], "tv_grad_axis"));
    }
    b.op_into("Add", &[&sums[0], &sums[1]], vec![], loss_name);
    let grad = b.op("Add", &[&grads[0], &grads[1]], vec![], "tv_grad_sum");
    let two = b.scalar(2.0);
    let scale = b.op("Mul", &[weight, &two], vec![], "tv_scale");
    let grad = b.op("Mul", &[&grad, &scale], vec![], "tv_grad");
    Term {
        loss: loss_name.to_owned(),
        grad,
    }
}

/// Temporal term: `Σ mask·(image − previous)²`, the mask `[1, 1, H, W]` broadcast over the
/// channels; the loss output is named `loss_name`, the gradient is scaled by `weight`.
pub(super) fn temporal(
    b: &mut GraphBuilder,
    image: &str,
    previous: &str,
    mask: &str,
    weight: &str,
    loss_name: &str,
) -> Term {
    let diff = b.op("Sub", &[image, previous], vec![], "temporal_diff");
    let masked = b.op("Mul", &[&diff, mask], vec![], "temporal_masked");
    let product = b.op("Mul", &[&masked, &diff], vec![], "temporal_product");
    b.op_into(
        "ReduceSum",
        &[&product],
        vec![attr_int("keepdims", 0)],
        loss_name,
    );
    let two = b.scalar(2.0);
    let scale = b.op("Mul", &[weight, &two], vec![], "temporal_scale");
    let grad = b.op("Mul", &[&masked, &scale], vec![], "temporal_grad");
    Term {
        loss: loss_name.to_owned(),
        grad,
    }
}
