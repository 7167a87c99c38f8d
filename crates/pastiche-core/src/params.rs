//! Parameters of a stylisation, with the defaults the CLI documents.

use ndarray::Array2;
use pastiche_graph::{Convolution, GraphConfig, Pooling};

use crate::tiling::{self, Tile};
use crate::{CoreError, Picture};

#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerKind {
    /// L-BFGS with a strong-Wolfe line search; history bounded by `memory_budget` bytes, and on
    /// CUDA by [`crate::GPU_HISTORY`] pairs.
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
    /// The content recoloured to the colour mean and covariance of the (heaviest) style.
    StyleColours,
    /// Uniform noise around mid-grey, from the seed.
    Noise,
    /// Any picture, resized to the content (the video filter's warm start).
    Image(Picture),
}

/// Video: what the temporal term compares a frame with (Ruder et al. 2016).
#[derive(Debug, Clone, PartialEq)]
pub struct TemporalTarget {
    /// The previous stylised frame warped along the motion to this frame, at the working size
    /// of the last scale.
    pub previous: Picture,
    /// Per-pixel weights, height × width of `previous`, 0..1: 0 where the previous frame does
    /// not show the pixel (occluded or disoccluded, on a motion boundary, outside the frame).
    pub mask: Array2<f32>,
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
    /// Longest side of the last scale in pixels; [`FULL_SIZE`] (0): the content's own.
    pub size: usize,
    /// Number of resolutions, each twice the previous, ending at `size`; 0 picks
    /// `1 + floor(log2(size / 256))` (so 512 → 256, 512).
    pub scales: usize,
    /// Longest side of the pictures optimised whole; a scale larger than this runs in
    /// overlapping tiles of this size, so memory depends on it, not on the picture.
    pub tile_size: usize,
    /// Most optimiser iterations at the final scale (and at every scale unless
    /// `coarse_iterations` is set).
    pub iterations: usize,
    /// Most iterations at each scale below the final one; 0: `iterations`.
    pub coarse_iterations: usize,
    /// Convergence stop: a scale ends once its loss fell by less than this fraction over the last
    /// 10 iterations; 0 runs every scale to its iteration count.
    pub tolerance: f32,
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
    /// Video: weight of the temporal term, the mean over pixel values of
    /// `mask·(x − previous)²` against [`Params::temporal_target`]. Greater than 0 compiles
    /// graphs with the term (a video session sets it for every frame, so that its graphs stay
    /// the same); 0, the default, leaves it out.
    pub temporal_weight: f32,
    /// Video: the warped previous result and its mask; `None` (a first frame) weighs nothing.
    /// Used at the last scale when its working size matches.
    pub temporal_target: Option<TemporalTarget>,
}

pub const DEFAULT_SIZE: usize = 512;
/// `size` meaning the content's own size: the schedule runs up to full resolution.
pub const FULL_SIZE: usize = 0;
/// One loss+gradient evaluation at 512² peaks near 1 GB: tiles of this size keep a run of any
/// picture within a few GB.
pub const DEFAULT_TILE_SIZE: usize = 512;
/// Tiles smaller than this would be mostly overlap.
pub const MIN_TILE_SIZE: usize = 64;
/// The smallest resolution the automatic schedule starts from.
pub const SMALLEST_SCALE: usize = 256;

impl Default for Params {
    fn default() -> Self {
        let layers = GraphConfig::default();
        Params {
            size: DEFAULT_SIZE,
            scales: 0,
            tile_size: DEFAULT_TILE_SIZE,
            iterations: 300,
            coarse_iterations: 0,
            tolerance: 0.0,
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
                // All 100 pairs up to 1024×768 (1.9 GB there): at that size a history cut to
                // 512 MiB (27 pairs) took 330 iterations to the reference's loss, 100 pairs 286.
                memory_budget: 2 << 30,
            },
            init: Init::Content,
            seed: 0,
            style_scale: 1.0,
            preserve_colors: None,
            temporal_weight: 0.0,
            temporal_target: None,
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
/// The largest picture side (scales this large run in tiles, so memory is not the limit).
pub const MAX_SIZE: usize = crate::picture::MAX_SIDE;
/// More resolutions than this would start below the smallest useful picture.
pub const MAX_SCALES: usize = 8;
/// Style images larger than this many times the content cannot help and would not fit.
pub const MAX_STYLE_SCALE: f32 = 8.0;
/// Iterations per scale beyond this change nothing visible and would run for days.
pub const MAX_ITERATIONS: usize = 100_000;

impl Params {
    /// Rejects values no run can use, naming the parameter.
    pub fn validate(&self) -> Result<(), CoreError> {
        if self.size != FULL_SIZE && !(MIN_SIZE..=MAX_SIZE).contains(&self.size) {
            return Err(CoreError::parameter(
                "size",
                self.size,
                format!("must be {MIN_SIZE}..={MAX_SIZE}, or 0 for the picture's own size"),
            ));
        }
        if !(MIN_TILE_SIZE..=MAX_SIZE).contains(&self.tile_size) {
            return Err(CoreError::parameter(
                "tile size",
                self.tile_size,
                format!("must be {MIN_TILE_SIZE}..={MAX_SIZE}"),
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
        if self.coarse_iterations > MAX_ITERATIONS {
            return Err(CoreError::parameter(
                "coarse iterations",
                self.coarse_iterations,
                format!("must be 0..={MAX_ITERATIONS}"),
            ));
        }
        check(
            "tolerance",
            self.tolerance,
            (0.0..1.0).contains(&self.tolerance),
            "must be in [0, 1)",
        )?;
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
            "temporal weight",
            self.temporal_weight,
            self.temporal_weight >= 0.0,
            "must be ≥ 0",
        )?;
        if let Some(target) = &self.temporal_target {
            if target.mask.dim() != (target.previous.height(), target.previous.width()) {
                return Err(CoreError::parameter(
                    "temporal mask",
                    format!("{:?}", target.mask.dim()),
                    "must have the previous result's height and width",
                ));
            }
        }
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
            temporal: self.temporal_weight > 0.0,
            // The engine picks the form its device runs fastest.
            convolution: Convolution::Direct,
        }
    }

    /// The longest side of the last scale for a picture whose longest side is `longest`.
    pub fn final_size(&self, longest: usize) -> usize {
        match self.size {
            FULL_SIZE => longest.clamp(MIN_SIZE, MAX_SIZE),
            size => size,
        }
    }

    /// Longest sides of the resolutions for a picture whose longest side is `longest`,
    /// smallest first, ending at [`Params::final_size`].
    pub fn schedule(&self, longest: usize) -> Vec<usize> {
        let size = self.final_size(longest);
        let scales = if self.scales > 0 {
            self.scales
        } else {
            1 + (size / SMALLEST_SCALE).max(1).ilog2() as usize
        };
        (0..scales).rev().map(|k| (size >> k).max(16)).collect()
    }

    /// What each scale optimises for a `width` × `height` content: its working size and its
    /// tiles (one covering it all when it fits [`Params::tile_size`]).
    pub fn plan(&self, width: usize, height: usize) -> Vec<ScalePlan> {
        let longest = width.max(height);
        let schedule = self.schedule(longest);
        let last = schedule.len() - 1;
        let coarse = match self.coarse_iterations {
            0 => self.iterations,
            n => n,
        };
        schedule
            .into_iter()
            .enumerate()
            .map(|(i, side)| {
                let scale = side as f64 / longest as f64;
                let fit = |length: usize| ((length as f64 * scale).round() as usize).max(1);
                let (w, h) = (fit(width), fit(height));
                ScalePlan {
                    longest: side,
                    width: w,
                    height: h,
                    tiles: tiling::layout(w, h, self.tile_size),
                    iterations: if i == last { self.iterations } else { coarse },
                }
            })
            .collect()
    }
}

/// One scale of a run: the working size, the tiles it is optimised in and its most iterations.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalePlan {
    pub longest: usize,
    pub width: usize,
    pub height: usize,
    pub tiles: Vec<Tile>,
    pub iterations: usize,
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
            .schedule(1000)
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
            .schedule(1000),
            [128, 256, 512]
        );
        let full = Params {
            size: FULL_SIZE,
            ..Params::default()
        };
        assert_eq!(full.schedule(6000), [375, 750, 1500, 3000, 6000]);
    }

    #[test]
    fn scales_beyond_the_tile_size_run_in_tiles() {
        let params = Params {
            size: FULL_SIZE,
            ..Params::default()
        };
        let plan = params.plan(4096, 3072);
        let tiles: Vec<usize> = plan.iter().map(|s| s.tiles.len()).collect();
        assert_eq!(plan.last().map(|s| (s.width, s.height)), Some((4096, 3072)));
        assert_eq!(tiles[..2], [1, 1], "256 and 512 run whole");
        assert!(tiles[2] > 1 && tiles[4] > tiles[3], "{tiles:?}");
    }

    #[test]
    fn bad_values_are_named() {
        let bad = [
            Params {
                size: 5,
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
