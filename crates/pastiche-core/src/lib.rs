//! Pastiche's engine: ONNX Runtime sessions over the graphs that `pastiche-graph` compiles, the
//! optimisers, pictures, and the multi-resolution stylisation loop.

mod color;
pub mod cuda;
mod engine;
mod error;
/// Dense optical flow (OpenCV's DIS), occlusions and warping, as the video session uses them.
pub mod flow;
mod line_search;
mod optimizer;
mod params;
mod picture;
mod quality;
pub mod runtime;
mod schedule;
mod session;
mod styles;
pub mod tiling;
mod vector;
mod video;
mod warp;

pub use engine::{
    Control, Engine, LossTerms, Progress, Style, StyleTargets, Stylized, GPU_HISTORY,
};
pub use error::CoreError;
pub use params::{
    ColorPreservation, Init, OptimizerKind, Params, ScalePlan, TemporalTarget, DEFAULT_SIZE,
    DEFAULT_TILE_SIZE, FULL_SIZE, MAX_ITERATIONS, MAX_SCALES, MAX_SIZE, MAX_STYLE_SCALE, MIN_SIZE,
    MIN_TILE_SIZE, SMALLEST_SCALE,
};
pub use picture::Picture;
pub use quality::{estimated_time, Quality};
pub use schedule::CONVERGENCE_WINDOW;
pub use session::{Device, GraphSession, Outputs, SessionOptions, MAX_THREADS};
pub use styles::{bundled_style, load_style, BundledStyle, BUNDLED_STYLES};
pub use video::{FrameStats, VideoSession, DEFAULT_TEMPORAL_WEIGHT};

// What the fronts need from the graph compiler, so that they depend on this crate alone
// (docs/ARCHITECTURE.md: a front uses pastiche-core, never pastiche-graph directly).
pub use pastiche_graph::onnx::encode_model;
pub use pastiche_graph::{
    import_file, load_model, loss_gradient_graph, store, targets_graph, write_atomically,
    Convolution, GraphConfig, GraphError, Imported, LayerKind, Pooling, Preprocessing, VggModel,
};
