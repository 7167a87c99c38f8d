//! Parameters of a stylisation, with the defaults the CLI documents.

use pastiche_graph::{GraphConfig, Pooling};

use crate::{CoreError, Picture};

#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerKind {
    /// L-BFGS with a backtracking line search; history bounded by `memory_budget` bytes.
    Lbfgs {
        history: usize,
        memory_budget: usize,
    },
    Adam {
        learning_rate: f32,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    Content,
    /// Uniform noise around mid-grey, from the seed.
    Noise,
    /// Any picture, resized to the content (the video filter's warm start).
    Image(Picture),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorPreservation {
    /// Transfer only luminance; the content's colour (YIQ chroma) is kept.
    Luminance,
    /// Match the style images' colour mean and covariance to the content's first.
    Histogram,
}

/// Everything a stylisation takes besides the pictures.
///
/// Losses are normalised per layer by the target's energy — content `Σ(F−P)²/ΣP²`, style
/// `Σ(G−A)²/ΣA²` — so the weights below are dimensionless and the same defaults work across
/// models, layers and sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Longest side of the output in pixels.
    pub size: usize,
    /// Number of resolutions, each twice the previous, ending at `size`; 0 picks
    /// `1 + floor(log2(size / 256))` (so 512 → 256, 512).
    pub scales: usize,
    /// Optimiser iterations at each scale.
    pub iterations: usize,
    pub content_weight: f32,
    pub style_weight: f32,
    /// Weight of the total-variation smoothness term: the mean squared difference of
    /// neighbouring pixel values (0..1); 0 disables it.
    pub tv_weight: f32,
    pub content_layers: Vec<String>,
    pub style_layers: Vec<String>,
    /// Per content layer multipliers (default: all 1).
    pub content_layer_weights: Option<Vec<f32>>,
    /// Per style layer multipliers (default: all 1).
    pub style_layer_weights: Option<Vec<f32>>,
    pub pooling: Pooling,
    pub optimizer: OptimizerKind,
    pub init: Init,
    pub seed: u64,
    /// Size of the style images relative to the content (longest sides).
    pub style_scale: f32,
    pub preserve_colors: Option<ColorPreservation>,
}

pub const DEFAULT_SIZE: usize = 512;
/// The smallest resolution the automatic schedule starts from.
pub const SMALLEST_SCALE: usize = 256;

impl Default for Params {
    fn default() -> Self {
        let layers = GraphConfig::default();
        Params {
            size: DEFAULT_SIZE,
            scales: 0,
            iterations: 300,
            content_weight: 1.0,
            style_weight: 10.0,
            tv_weight: 1.0,
            content_layers: layers.content_layers,
            style_layers: layers.style_layers,
            content_layer_weights: None,
            style_layer_weights: None,
            pooling: Pooling::Avg,
            optimizer: OptimizerKind::Lbfgs {
                history: 100,
                memory_budget: 512 << 20,
            },
            init: Init::Content,
            seed: 0,
            style_scale: 1.0,
            preserve_colors: None,
        }
    }
}

fn check(name: &'static str, value: f32, ok: bool, reason: &str) -> Result<(), CoreError> {
    if ok && value.is_finite() {
        Ok(())
    } else {
        Err(CoreError::parameter(name, value, reason))
    }
}

/// Smaller sides leave no room for the network's pooling layers.
pub const MIN_SIZE: usize = 16;
/// Sides beyond this would not fit in memory on any machine Pastiche targets.
pub const MAX_SIZE: usize = 16384;
/// More resolutions than this would start below the smallest useful picture.
pub const MAX_SCALES: usize = 8;
/// Style images larger than this many times the content cannot help and would not fit.
pub const MAX_STYLE_SCALE: f32 = 8.0;
/// Iterations per scale beyond this change nothing visible and would run for days.
pub const MAX_ITERATIONS: usize = 100_000;

impl Params {
    /// Rejects values no run can use, naming the parameter.
    pub fn validate(&self) -> Result<(), CoreError> {
        if !(MIN_SIZE..=MAX_SIZE).contains(&self.size) {
            return Err(CoreError::parameter(
                "size",
                self.size,
                format!("must be {MIN_SIZE}..={MAX_SIZE}"),
            ));
        }
        if self.scales > MAX_SCALES {
            return Err(CoreError::parameter(
                "scales",
                self.scales,
                format!("must be at most {MAX_SCALES}"),
            ));
        }
        if !(1..=MAX_ITERATIONS).contains(&self.iterations) {
            return Err(CoreError::parameter(
                "iterations",
                self.iterations,
                format!("must be 1..={MAX_ITERATIONS}"),
            ));
        }
        check(
            "content weight",
            self.content_weight,
            self.content_weight >= 0.0,
            "must be ≥ 0",
        )?;
        check(
            "style weight",
            self.style_weight,
            self.style_weight >= 0.0,
            "must be ≥ 0",
        )?;
        check(
            "tv weight",
            self.tv_weight,
            self.tv_weight >= 0.0,
            "must be ≥ 0",
        )?;
        check(
            "style scale",
            self.style_scale,
            self.style_scale > 0.0 && self.style_scale <= MAX_STYLE_SCALE,
            "must be in (0, 8]",
        )?;
        if let OptimizerKind::Adam { learning_rate } = self.optimizer {
            check(
                "learning rate",
                learning_rate,
                learning_rate > 0.0,
                "must be > 0",
            )?;
        }
        for (name, weights, layers) in [
            (
                "content layer weights",
                &self.content_layer_weights,
                &self.content_layers,
            ),
            (
                "style layer weights",
                &self.style_layer_weights,
                &self.style_layers,
            ),
        ] {
            if let Some(weights) = weights {
                if weights.len() != layers.len() {
                    return Err(CoreError::parameter(
                        name,
                        format!("{weights:?}"),
                        format!("needs one weight per layer ({})", layers.len()),
                    ));
                }
                for w in weights {
                    check(name, *w, *w >= 0.0, "must be ≥ 0")?;
                }
            }
        }
        Ok(())
    }

    pub fn graph_config(&self) -> GraphConfig {
        GraphConfig {
            content_layers: self.content_layers.clone(),
            style_layers: self.style_layers.clone(),
            pooling: self.pooling,
            total_variation: self.tv_weight > 0.0,
        }
    }

    /// Longest sides of the resolutions, smallest first, ending at `size`.
    pub fn schedule(&self) -> Vec<usize> {
        let scales = if self.scales > 0 {
            self.scales
        } else {
            1 + (self.size / SMALLEST_SCALE).max(1).ilog2() as usize
        };
        (0..scales)
            .rev()
            .map(|k| (self.size >> k).max(16))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule_doubles_from_256() {
        let at = |size| {
            Params {
                size,
                ..Params::default()
            }
            .schedule()
        };
        assert_eq!(at(512), [256, 512]);
        assert_eq!(at(300), [300]);
        assert_eq!(at(2048), [256, 512, 1024, 2048]);
        assert_eq!(
            Params {
                size: 512,
                scales: 3,
                ..Params::default()
            }
            .schedule(),
            [128, 256, 512]
        );
    }

    #[test]
    fn bad_values_are_named() {
        let bad = [
            Params {
                size: 0,
                ..Params::default()
            },
            Params {
                style_weight: f32::NAN,
                ..Params::default()
            },
            Params {
                tv_weight: -1.0,
                ..Params::default()
            },
            Params {
                style_layer_weights: Some(vec![1.0]),
                ..Params::default()
            },
        ];
        let names = ["size", "style weight", "tv weight", "style layer weights"];
        for (params, name) in bad.iter().zip(names) {
            let message = params.validate().unwrap_err().to_string();
            assert!(message.contains(name), "{message}");
        }
        Params::default().validate().unwrap();
    }
}
