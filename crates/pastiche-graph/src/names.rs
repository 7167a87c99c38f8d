//! Names of the inputs and outputs of the emitted graphs: the contract with the engine.
//! The targets graph's outputs are named like the loss graph's target inputs, so targets pass
//! from one to the other unchanged.

/// RGB image in 0..1, NCHW `[1, 3, height, width]`, height and width multiples of the graph's size multiple.
pub const IMAGE: &str = "image";
/// α: weight of the content loss.
pub const CONTENT_WEIGHT: &str = "content_weight";
/// β: weight of the style loss.
pub const STYLE_WEIGHT: &str = "style_weight";
/// Weight of the total-variation term (present when the graph has one).
pub const TV_WEIGHT: &str = "tv_weight";
/// Video: the previous result warped along the motion, `[1, 3, height, width]` like the image
/// (present when the graph has a temporal term).
pub const PREVIOUS: &str = "previous";
/// Video: per-pixel weights of the temporal term, `[1, 1, height, width]` (0 where the previous
/// frame does not show the pixel: occluded, disoccluded, on a motion boundary).
pub const TEMPORAL_MASK: &str = "temporal_mask";
/// Video: weight of the temporal term.
pub const TEMPORAL_WEIGHT: &str = "temporal_weight";
/// Per content layer weights, `[n_content]`, in the configured layer order.
pub const CONTENT_LAYER_WEIGHTS: &str = "content_layer_weights";
/// Per style layer weights, `[n_style]`, in the configured layer order.
pub const STYLE_LAYER_WEIGHTS: &str = "style_layer_weights";

/// Total loss: `α·content_loss + β·style_loss + tv_weight·tv_loss
/// (+ temporal_weight·temporal_loss)`.
pub const LOSS: &str = "loss";
/// dLoss/dImage, same shape as the image.
pub const GRADIENT: &str = "grad";
/// Σ over content layers of layer weight × layer loss (before α).
pub const CONTENT_LOSS: &str = "content_loss";
/// Σ over style layers of layer weight × layer loss (before β).
pub const STYLE_LOSS: &str = "style_loss";
/// Σ of squared differences of neighbouring pixels (before its weight).
pub const TV_LOSS: &str = "tv_loss";
/// `Σ temporal_mask·(image − previous)²` (before its weight; present with the temporal term).
pub const TEMPORAL_LOSS: &str = "temporal_loss";

/// Activations `[1, C, h, w]` at a content layer (targets output, loss input).
pub fn content_target(layer: &str) -> String {
    format!("content.{layer}")
}

/// Gram matrix `[C, C]` at a style layer, divided by the number of positions (targets output, loss input).
pub fn style_target(layer: &str) -> String {
    format!("gram.{layer}")
}

/// Layer weight × loss of one content layer.
pub fn content_layer_loss(layer: &str) -> String {
    format!("content_loss.{layer}")
}

/// Layer weight × loss of one style layer.
pub fn style_layer_loss(layer: &str) -> String {
    format!("style_loss.{layer}")
}
