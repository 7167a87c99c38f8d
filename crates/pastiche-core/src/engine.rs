//! The stylisation engine: style targets, the multi-resolution optimisation loop, progress and
//! cancellation. The CLI, the C library and the video filter all drive this.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ndarray::{s, Array2, Array3, ArrayD, ArrayViewD, IxDyn};
use pastiche_graph::{loss_gradient_graph, names, targets_graph, GraphConfig, VggModel};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::ThreadPool;

use crate::optimizer::{Adam, Lbfgs, Optimizer};
use crate::params::{ColorPreservation, Init, OptimizerKind, Params};
use crate::schedule::Convergence;
use crate::{color, tiling, CoreError, Device, GraphSession, Picture, SessionOptions};

/// One style image and its share of the blend.
#[derive(Debug, Clone)]
pub struct Style {
    pub picture: Picture,
    pub weight: f32,
}

/// The loss at the current image: each term already multiplied by its weight.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LossTerms {
    pub total: f64,
    pub content: f64,
    pub style: f64,
    pub tv: f64,
    /// Video: the temporal term (0 for still images).
    pub temporal: f64,
}

/// What the progress callback sees after each iteration.
pub struct Progress<'a> {
    /// Iteration within the current scale, from 1.
    pub iteration: usize,
    pub iterations: usize,
    /// Current scale, from 0, and the number of scales.
    pub scale: usize,
    pub scales: usize,
    /// Current tile of the scale, from 0, and the scale's number of tiles (1 when the scale
    /// runs whole).
    pub tile: usize,
    pub tiles: usize,
    /// Working size at this scale (of the whole picture, not the tile).
    pub width: usize,
    pub height: usize,
    /// Loss+gradient evaluations so far, all scales.
    pub evaluations: usize,
    pub loss: LossTerms,
    pub elapsed: Duration,
    snapshot: &'a dyn Fn() -> Picture,
}

impl Progress<'_> {
    /// The current image at the working size, of the tile being optimised when the scale runs
    /// in tiles (for intermediate saves and previews).
    pub fn snapshot(&self) -> Picture {
        (self.snapshot)()
    }
}

/// The callback's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    Continue,
    /// Stop now: the run returns `CoreError::Cancelled` without further evaluations.
    Cancel,
}

/// The result of a run.
#[derive(Debug, Clone)]
pub struct Stylized {
    pub picture: Picture,
    /// Iterations at the last scale.
    pub iterations: usize,
    pub evaluations: usize,
    /// Loss at the end of the last scale.
    pub loss: LossTerms,
}

/// Gram-matrix targets of a blend of styles, computed once per working size and reused
/// (the video filter reuses them for every frame).
#[derive(Debug, Clone)]
pub struct StyleTargets {
    styles: Vec<Style>,
    style_scale: f32,
    /// Style pictures larger than this (longest side) are measured in tiles.
    tile_size: usize,
    config: GraphConfig,
    /// Blended Gram matrix per style layer, by the content's longest side.
    by_size: HashMap<usize, Vec<ArrayD<f32>>>,
}

impl StyleTargets {
    /// `rgb` recoloured to the colour mean and covariance of the blend's heaviest style.
    fn recolour_to_styles(&self, rgb: &Array3<f32>) -> Array3<f32> {
        let heaviest = self
            .styles
            .iter()
            .max_by(|a, b| a.weight.total_cmp(&b.weight))
            .expect("targets hold at least one style");
        color::match_colour_histogram(rgb, &heaviest.picture.rgb)
    }
}

struct Graphs {
    config: GraphConfig,
    targets: GraphSession,
    loss: GraphSession,
    size_multiple: usize,
}

pub struct Engine {
    model: VggModel,
    /// Session options, with the device resolved (never `Auto`).
    options: SessionOptions,
    /// Why `Device::Auto` fell back to the CPU, if it did.
    fallback: Option<String>,
    graphs: Option<Graphs>,
    /// The optimiser's threads (as many as the sessions': `options.threads`).
    optimiser_threads: Arc<ThreadPool>,
}

/// Most L-BFGS pairs on a GPU. The history's vector work runs on the CPU at about 0.6 ms per
/// pair per iteration at 512×384 (measured on an H200's host), against 8 ms for an evaluation on
/// the GPU, so 100 pairs made each iteration 8× an evaluation; 20 pairs need 6 % more
/// iterations to the same loss than 100 (10 pairs: 18 %; docs/benchmarks.md). On the CPU an
/// evaluation costs 100 times more and the full history is kept.
pub const GPU_HISTORY: usize = 20;

/// Smallest value used to normalise a layer's loss by its target's energy.
const MIN_ENERGY: f64 = 1e-12;

fn scalar(value: f32) -> ArrayD<f32> {
    ArrayD::from_elem(IxDyn(&[]), value)
}

fn batch(rgb: &Array3<f32>) -> ArrayD<f32> {
    rgb.clone().insert_axis(ndarray::Axis(0)).into_dyn()
}

/// Index `i` folded into `0..n` by mirroring at the edges (without repeating the edge pixel).
fn reflect(i: usize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * n - 2;
    let i = i % period;
    if i < n {
        i
    } else {
        period - i
    }
}

/// Grows `rgb` to `height` × `width` by mirroring, so the padding has no visible seam.
fn pad_reflect(rgb: &Array3<f32>, height: usize, width: usize) -> Array3<f32> {
    let (h, w) = (rgb.shape()[1], rgb.shape()[2]);
    Array3::from_shape_fn((3, height, width), |(c, y, x)| {
        rgb[[c, reflect(y, h), reflect(x, w)]]
    })
}

/// Grows `mask` to `height` × `width` with zeros.
fn pad_zero(mask: &Array2<f32>, height: usize, width: usize) -> Array2<f32> {
    let mut padded = Array2::zeros((height, width));
    padded
        .slice_mut(s![..mask.nrows(), ..mask.ncols()])
        .assign(mask);
    padded
}

/// Whether targets prepared for `prepared` serve a run with `config`: the same layers and
/// pooling (the loss terms do not change the targets).
fn same_targets(config: &GraphConfig, prepared: &GraphConfig) -> bool {
    config.content_layers == prepared.content_layers
        && config.style_layers == prepared.style_layers
        && config.pooling == prepared.pooling
}

fn round_up(value: usize, multiple: usize) -> usize {
    value.div_ceil(multiple) * multiple
}

impl Engine {
    /// Loads the model (a `model.onnx` written by `pastiche model import`) and ONNX Runtime, and
    /// checks the device: `Device::Cuda` that cannot run fails here, not at the first evaluation.
    pub fn new(model_path: &Path, mut options: SessionOptions) -> Result<Engine, CoreError> {
        options.validate()?;
        if !model_path.is_file() {
            return Err(CoreError::Image {
                path: model_path.to_owned(),
                message: "model not found (run models/fetch-default.sh or `pastiche model import`)"
                    .into(),
            });
        }
        let model = pastiche_graph::load_model(model_path)?;
        crate::runtime::ensure_runtime(options.runtime_library.as_deref(), options.device)?;
        let (device, fallback) = crate::session::probe_device(&options)?;
        options.device = device;
        let optimiser_threads = crate::vector::thread_pool(options.threads)?;
        Ok(Engine {
            model,
            options,
            fallback,
            graphs: None,
            optimiser_threads,
        })
    }

    pub fn model(&self) -> &VggModel {
        &self.model
    }

    /// The device the graphs run on, and why `auto` fell back to the CPU if it did.
    pub fn device(&self) -> (Device, Option<&str>) {
        (self.options.device, self.fallback.as_deref())
    }

    /// The intra-op threads sessions use (0: one per core).
    pub fn threads(&self) -> usize {
        self.options.threads
    }
    /// Compiles the graphs for `params` now rather than at the start of the first run, and
    /// returns the device they run on and why `auto` fell back to the CPU, if it did.
    pub fn compile(&mut self, params: &Params) -> Result<(Device, Option<&str>), CoreError> {
        params.validate()?;
        self.graphs(&params.graph_config())?;
        Ok(self.device())
    }

    /// Compiles the graphs for `config`, with convolutions in the form the device runs fastest,
    /// unless the current ones already match.
    fn graphs(&mut self, config: &GraphConfig) -> Result<&mut Graphs, CoreError> {
        let config = &GraphConfig {
            convolution: (self.options.convolution)
                .unwrap_or_else(|| self.options.device.convolution()),
            ..config.clone()
        };
        if self.graphs.as_ref().is_none_or(|g| g.config != *config) {
            self.graphs = None;
            let targets = GraphSession::new(&targets_graph(&self.model, config)?, &self.options)?;
            let loss =
                GraphSession::new(&loss_gradient_graph(&self.model, config)?, &self.options)?;
            self.graphs = Some(Graphs {
                config: config.clone(),
                targets,
                loss,
                size_multiple: config.size_multiple(&self.model)?,
            });
        }
        Ok(self.graphs.as_mut().expect("just compiled"))
    }

    /// Prepares the style targets of a blend. With histogram colour preservation the styles are
    /// first recoloured to `content`'s colour statistics.
    pub fn style_targets(
        &self,
        styles: Vec<Style>,
        params: &Params,
        content: &Picture,
    ) -> Result<StyleTargets, CoreError> {
        params.validate()?;
        if styles.is_empty() {
            return Err(CoreError::parameter(
                "styles",
                "none",
                "at least one style image is needed",
            ));
        }
        let total: f32 = styles.iter().map(|s| s.weight).sum();
        if styles
            .iter()
            .any(|s| !(s.weight.is_finite() && s.weight >= 0.0))
            || total.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            let weights: Vec<f32> = styles.iter().map(|s| s.weight).collect();
            return Err(CoreError::parameter(
                "style blend",
                format!("{weights:?}"),
                "weights must be ≥ 0 with a positive sum",
            ));
        }
        let styles = styles
            .into_iter()
            .map(|style| {
                let picture = match params.preserve_colors {
                    Some(ColorPreservation::Histogram) => {
                        let small = content.with_longest_side(content.longest_side().min(512));
                        style.picture.with_rgb(color::match_colour_histogram(
                            &style.picture.rgb,
                            &small.rgb,
                        ))
                    }
                    _ => style.picture,
                };
                Style {
                    picture,
                    weight: style.weight / total,
                }
            })
            .collect();
        Ok(StyleTargets {
            styles,
            style_scale: params.style_scale,
            tile_size: params.tile_size,
            config: params.graph_config(),
            by_size: HashMap::new(),
        })
    }

    /// Activations (content layers) and Gram matrices (style layers) of one picture, padded to
    /// the graphs' size multiple.
    fn targets_of(
        &mut self,
        config: &GraphConfig,
        picture: &Picture,
    ) -> Result<HashMap<String, ArrayD<f32>>, CoreError> {
        let graphs = self.graphs(config)?;
        let m = graphs.size_multiple;
        let padded = pad_reflect(
            &picture.rgb,
            round_up(picture.height(), m),
            round_up(picture.width(), m),
        );
        let image = batch(&padded);
        graphs.targets.run(&[(names::IMAGE, image.view())])
    }

    fn blended_grams(
        &mut self,
        targets: &mut StyleTargets,
        longest: usize,
    ) -> Result<Vec<ArrayD<f32>>, CoreError> {
        if let Some(grams) = targets.by_size.get(&longest) {
            return Ok(grams.clone());
        }
        let style_side = ((longest as f32 * targets.style_scale).round() as usize).max(16);
        let mut blended: Vec<ArrayD<f32>> = Vec::new();
        for style in &targets.styles {
            let picture = style.picture.with_longest_side(style_side);
            let grams = self.grams_of(&targets.config, &picture, targets.tile_size)?;
            for (i, gram) in grams.into_iter().enumerate() {
                let gram = gram * style.weight;
                match blended.get_mut(i) {
                    Some(sum) => *sum += &gram,
                    None => blended.push(gram),
                }
            }
        }
        targets.by_size.insert(longest, blended.clone());
        Ok(blended)
    }

    /// The style layers' Gram matrices of `picture`. One larger than twice the tile size is
    /// measured in equal, non-overlapping parts (a forward pass needs far less memory than a
    /// loss+gradient evaluation, and larger parts cut fewer receptive fields) whose matrices
    /// are combined by their pixel counts.
    fn grams_of(
        &mut self,
        config: &GraphConfig,
        picture: &Picture,
        tile_size: usize,
    ) -> Result<Vec<ArrayD<f32>>, CoreError> {
        let (width, height) = (picture.width(), picture.height());
        let part = 2 * tile_size;
        let (across, down) = (width.div_ceil(part), height.div_ceil(part));
        let mut measured = Vec::new();
        for row in 0..down {
            for column in 0..across {
                let (x, y) = (column * width / across, row * height / down);
                let tile = tiling::Tile {
                    x,
                    y,
                    width: (column + 1) * width / across - x,
                    height: (row + 1) * height / down - y,
                };
                let outputs = self.targets_of(config, &picture.window(&tile))?;
                let grams = config
                    .style_layers
                    .iter()
                    .map(|layer| outputs[&names::style_target(layer)].clone())
                    .collect();
                measured.push((grams, tile.width * tile.height));
            }
        }
        Ok(tiling::combine_grams(measured))
    }

    /// Repaints `content` in the style of `targets`. The callback runs after every iteration;
    /// answering `Control::Cancel` stops the run at once with `CoreError::Cancelled`.
    pub fn stylize(
        &mut self,
        content: &Picture,
        targets: &mut StyleTargets,
        params: &Params,
        progress: &mut dyn FnMut(&Progress<'_>) -> Control,
    ) -> Result<Stylized, CoreError> {
        params.validate()?;
        let config = params.graph_config();
        if !same_targets(&config, &targets.config) {
            return Err(CoreError::parameter(
                "style targets",
                "prepared",
                "were prepared with other layers or pooling than these parameters",
            ));
        }
        // The loss terms (TV, temporal) do not change the targets; computing more of them with
        // this run's configuration keeps one set of graphs compiled.
        targets.config = config.clone();
        let started = Instant::now();
        let plan = params.plan(content.width(), content.height());
        let mut evaluations = 0;
        let mut current: Option<Picture> = None;
        let mut last = (0, LossTerms::default());
        for (scale, step) in plan.iter().enumerate() {
            let content_here = content.resized(step.width, step.height);
            let init = match (&current, &params.init) {
                (Some(previous), _) | (None, Init::Image(previous)) => {
                    previous.resized(content_here.width(), content_here.height())
                }
                (None, Init::Content) => content_here.clone(),
                (None, Init::StyleColours) => {
                    content_here.with_rgb(targets.recolour_to_styles(&content_here.rgb))
                }
                (None, Init::Noise) => {
                    let mut rng = StdRng::seed_from_u64(params.seed);
                    content_here.with_rgb(
                        content_here
                            .rgb
                            .mapv(|_| 0.5 + rng.random_range(-0.25..0.25)),
                    )
                }
            };
            let grams = self.blended_grams(targets, step.longest)?;
            // The temporal target where it matches this scale (a warm-started video frame runs
            // one scale at the previous result's size).
            let temporal = params.temporal_target.as_ref().filter(|target| {
                config.temporal
                    && (target.previous.width(), target.previous.height())
                        == (step.width, step.height)
            });
            let mut canvas = tiling::Canvas::new(init.rgb);
            for (index, tile) in step.tiles.iter().enumerate() {
                let temporal_here = temporal.map(|target| {
                    let area = s![tile.y..tile.y + tile.height, tile.x..tile.x + tile.width];
                    (
                        target.previous.window(tile).rgb,
                        target.mask.slice(area).to_owned(),
                    )
                });
                let run = self.optimise_scale(
                    &content_here.window(tile),
                    &content_here.window(tile).with_rgb(canvas.region(tile)),
                    &grams,
                    params,
                    temporal_here,
                    ScalePosition {
                        scale,
                        scales: plan.len(),
                        tile: index,
                        tiles: step.tiles.len(),
                        width: step.width,
                        height: step.height,
                        iterations: step.iterations,
                    },
                    started,
                    &mut evaluations,
                    progress,
                )?;
                canvas.add(
                    tile,
                    &run.0.rgb,
                    &tiling::feather(tile, step.width, step.height),
                );
                last = (run.1, run.2);
            }
            current = Some(content_here.with_rgb(canvas.into_rgb()));
        }
        let mut result = current.expect("at least one scale");
        let content_final = content.resized(result.width(), result.height());
        if params.preserve_colors == Some(ColorPreservation::Luminance) {
            result.rgb = color::luminance_transfer(&result.rgb, &content_final.rgb);
        }
        result.alpha = content_final.alpha;
        Ok(Stylized {
            picture: result,
            iterations: last.0,
            evaluations,
            loss: last.1,
        })
    }

    /// Blended Gram matrices of the styles for a content whose longest side is `longest`
    /// (computed on first use, then reused).
    pub fn style_grams(
        &mut self,
        targets: &mut StyleTargets,
        longest: usize,
    ) -> Result<Vec<ArrayD<f32>>, CoreError> {
        self.blended_grams(targets, longest)
    }

    /// The loss of `candidate` as a stylisation of `content` at `content`'s size, without optimising.
    pub fn loss_of(
        &mut self,
        content: &Picture,
        candidate: &Picture,
        targets: &mut StyleTargets,
        params: &Params,
    ) -> Result<LossTerms, CoreError> {
        let grams = self.blended_grams(targets, content.longest_side())?;
        let temporal = params
            .temporal_target
            .as_ref()
            .filter(|t| {
                (t.previous.width(), t.previous.height()) == (content.width(), content.height())
            })
            .map(|t| (t.previous.rgb.clone(), t.mask.clone()));
        let problem = self.problem(content, &grams, params, temporal)?;
        let candidate = candidate.resized(content.width(), content.height());
        let x = problem.pad(&candidate);
        let mut gradient = vec![0.0; x.len()];
        let graphs = self.graphs.as_mut().expect("compiled by problem()");
        problem.evaluate(&mut graphs.loss, &x, &mut gradient)
    }

    /// The optimisation problem at one scale: padded size and every fixed graph input.
    fn problem(
        &mut self,
        content: &Picture,
        grams: &[ArrayD<f32>],
        params: &Params,
        temporal: Option<(Array3<f32>, Array2<f32>)>,
    ) -> Result<ScaleProblem, CoreError> {
        let config = params.graph_config();
        let content_targets = self.targets_of(&config, content)?;
        let m = self.graphs(&config)?.size_multiple;
        let (width, height) = (content.width(), content.height());
        let (padded_h, padded_w) = (round_up(height, m), round_up(width, m));

        // The layer weights normalise each term by its target's energy.
        let energy = |a: &ArrayD<f32>| {
            a.iter()
                .map(|v| (*v as f64).powi(2))
                .sum::<f64>()
                .max(MIN_ENERGY)
        };
        let multiplier =
            |weights: &Option<Vec<f32>>, i: usize| weights.as_ref().map_or(1.0, |w| w[i]) as f64;
        let mut fixed: Vec<(String, ArrayD<f32>)> = Vec::new();
        let mut content_weights = Vec::new();
        for (i, layer) in config.content_layers.iter().enumerate() {
            let name = names::content_target(layer);
            let target = content_targets[&name].clone();
            // ½Σ(F−P)² · 2/ΣP² = Σ(F−P)²/ΣP²
            content_weights.push(
                (multiplier(&params.content_layer_weights, i) * 2.0 / energy(&target)) as f32,
            );
            fixed.push((name, target));
        }
        let mut style_weights = Vec::new();
        for (i, (layer, gram)) in config
            .style_layers
            .iter()
            .zip(grams.iter().cloned())
            .enumerate()
        {
            let channels = gram.shape()[0] as f64;
            // 1/(4N²)Σ(G−A)² · 4N²/ΣA² = Σ(G−A)²/ΣA²
            let weight = multiplier(&params.style_layer_weights, i) * 4.0 * channels * channels
                / energy(&gram);
            style_weights.push(weight as f32);
            fixed.push((names::style_target(layer), gram));
        }
        if !content_weights.is_empty() {
            fixed.push((
                names::CONTENT_LAYER_WEIGHTS.into(),
                ndarray::Array1::from(content_weights).into_dyn(),
            ));
        }
        if !style_weights.is_empty() {
            fixed.push((
                names::STYLE_LAYER_WEIGHTS.into(),
                ndarray::Array1::from(style_weights).into_dyn(),
            ));
        }
        fixed.push((names::CONTENT_WEIGHT.into(), scalar(params.content_weight)));
        fixed.push((names::STYLE_WEIGHT.into(), scalar(params.style_weight)));
        // Total variation as a mean over the pixel values, so its weight does not depend on size.
        let tv_weight = params.tv_weight / (3 * padded_h * padded_w) as f32;
        if config.total_variation {
            fixed.push((names::TV_WEIGHT.into(), scalar(tv_weight)));
        }
        // The temporal term as a mean over the picture's values (the padding weighs nothing).
        let temporal_weight = params.temporal_weight / (3 * height * width) as f32;
        if config.temporal {
            let (previous, mask) = match temporal {
                Some((previous, mask)) => (
                    pad_reflect(&previous, padded_h, padded_w),
                    pad_zero(&mask, padded_h, padded_w),
                ),
                // No previous frame (a first frame): nothing to hold to.
                None => (
                    Array3::zeros((3, padded_h, padded_w)),
                    Array2::zeros((padded_h, padded_w)),
                ),
            };
            fixed.push((
                names::PREVIOUS.into(),
                previous.insert_axis(ndarray::Axis(0)).into_dyn(),
            ));
            fixed.push((
                names::TEMPORAL_MASK.into(),
                mask.into_shape_with_order((1, 1, padded_h, padded_w))
                    .expect("mask of the padded size")
                    .into_dyn(),
            ));
            fixed.push((names::TEMPORAL_WEIGHT.into(), scalar(temporal_weight)));
        }
        Ok(ScaleProblem {
            fixed,
            width,
            height,
            padded: (padded_h, padded_w),
            weights: Weights {
                content: params.content_weight,
                style: params.style_weight,
                tv: tv_weight,
                temporal: temporal_weight,
            },
        })
    }

    /// Optimises one picture — a whole scale, or one tile of it — from `init` toward the style
    /// `grams` and `content`'s own features.
    #[allow(clippy::too_many_arguments)]
    fn optimise_scale(
        &mut self,
        content: &Picture,
        init: &Picture,
        grams: &[ArrayD<f32>],
        params: &Params,
        temporal: Option<(Array3<f32>, Array2<f32>)>,
        at: ScalePosition,
        started: Instant,
        evaluations: &mut usize,
        progress: &mut dyn FnMut(&Progress<'_>) -> Control,
    ) -> Result<(Picture, usize, LossTerms), CoreError> {
        let problem = self.problem(content, grams, params, temporal)?;
        let graphs = self.graphs.as_mut().expect("compiled by problem()");
        let mut x = problem.pad(init);
        let terms = Cell::new(LossTerms::default());
        let mut objective = |image: &[f32], gradient: &mut [f32]| -> Result<f64, CoreError> {
            let evaluated = problem.evaluate(&mut graphs.loss, image, gradient)?;
            terms.set(evaluated);
            Ok(evaluated.total)
        };
        let mut optimizer = match params.optimizer {
            OptimizerKind::Lbfgs {
                history,
                memory_budget,
            } => Optimizer::Lbfgs(Lbfgs::new(
                x.len(),
                match self.options.device {
                    Device::Cuda => history.min(GPU_HISTORY),
                    Device::Cpu | Device::Auto => history,
                },
                memory_budget,
                Arc::clone(&self.optimiser_threads),
            )),
            OptimizerKind::Adam { learning_rate } => {
                Optimizer::Adam(Adam::new(x.len(), learning_rate))
            }
        };
        let mut convergence = Convergence::new(params.tolerance as f64);
        let mut done = 0;
        for iteration in 1..=at.iterations {
            let step = optimizer.step(&mut x, &mut objective)?;
            done = iteration;
            *evaluations += step.evaluations;
            let snapshot = || problem.unpad(&x, content);
            let report = Progress {
                iteration,
                iterations: at.iterations,
                scale: at.scale,
                scales: at.scales,
                tile: at.tile,
                tiles: at.tiles,
                width: at.width,
                height: at.height,
                evaluations: *evaluations,
                // The breakdown is of the last evaluation: the accepted point, unless the line search
                // found no decrease and stayed put.
                loss: LossTerms {
                    total: step.loss,
                    ..terms.get()
                },
                elapsed: started.elapsed(),
                snapshot: &snapshot,
            };
            if progress(&report) == Control::Cancel {
                return Err(CoreError::Cancelled);
            }
            if convergence.converged(step.loss) {
                break;
            }
        }
        Ok((problem.unpad(&x, content), done, terms.get()))
    }
}

/// Where an optimisation stands in the schedule, for progress reports.
#[derive(Debug, Clone, Copy)]
struct ScalePosition {
    scale: usize,
    scales: usize,
    tile: usize,
    tiles: usize,
    width: usize,
    height: usize,
    /// Most iterations at this scale.
    iterations: usize,
}

/// Fixed inputs and sizes of the optimisation at one scale.
struct ScaleProblem {
    fixed: Vec<(String, ArrayD<f32>)>,
    width: usize,
    height: usize,
    /// (height, width) after mirroring out to the size multiple.
    padded: (usize, usize),
    /// The weights, to report each term.
    weights: Weights,
}

/// Content, style, (per-value) TV and temporal weights.
struct Weights {
    content: f32,
    style: f32,
    tv: f32,
    temporal: f32,
}

impl ScaleProblem {
    /// A picture of the working size, mirrored out to the padded size, as the optimisation vector.
    fn pad(&self, picture: &Picture) -> Vec<f32> {
        pad_reflect(&picture.rgb, self.padded.0, self.padded.1)
            .into_iter()
            .collect()
    }

    /// The optimisation vector cropped back to the working size, clamped to 0..1.
    fn unpad(&self, x: &[f32], content: &Picture) -> Picture {
        let (h, w) = self.padded;
        let padded =
            Array3::from_shape_vec((3, h, w), x.iter().map(|v| v.clamp(0.0, 1.0)).collect())
                .expect("optimisation vector matches the padded size");
        content.with_rgb(
            padded
                .slice(ndarray::s![.., ..self.height, ..self.width])
                .to_owned(),
        )
    }

    fn evaluate(
        &self,
        loss: &mut GraphSession,
        x: &[f32],
        gradient: &mut [f32],
    ) -> Result<LossTerms, CoreError> {
        let image = ArrayViewD::from_shape(IxDyn(&[1, 3, self.padded.0, self.padded.1]), x)
            .expect("optimisation vector matches the padded size");
        let mut inputs: Vec<(&str, ArrayViewD<'_, f32>)> = self
            .fixed
            .iter()
            .map(|(n, a)| (n.as_str(), a.view()))
            .collect();
        inputs.push((names::IMAGE, image));
        let outputs = loss.run(&inputs)?;
        gradient
            .iter_mut()
            .zip(outputs[names::GRADIENT].iter())
            .for_each(|(g, v)| *g = *v);
        let value = |name: &str| {
            outputs
                .get(name)
                .and_then(|a| a.first().copied())
                .unwrap_or(0.0) as f64
        };
        let w = &self.weights;
        Ok(LossTerms {
            total: value(names::LOSS),
            content: w.content as f64 * value(names::CONTENT_LOSS),
            style: w.style as f64 * value(names::STYLE_LOSS),
            tv: w.tv as f64 * value(names::TV_LOSS),
            temporal: w.temporal as f64 * value(names::TEMPORAL_LOSS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_then_cropping_round_trips() {
        let rgb = Array3::from_shape_fn((3, 5, 7), |(c, y, x)| (c * 100 + y * 10 + x) as f32);
        let padded = pad_reflect(&rgb, 16, 16);
        assert_eq!(padded.slice(ndarray::s![.., ..5, ..7]), rgb);
        assert_eq!(
            padded[[1, 5, 0]],
            rgb[[1, 3, 0]],
            "mirrored below the last row"
        );
        assert_eq!(round_up(70, 16), 80);
    }

    #[test]
    fn reflection_mirrors_without_repeating_the_edge() {
        let folded: Vec<usize> = (0..9).map(|i| reflect(i, 4)).collect();
        assert_eq!(folded, [0, 1, 2, 3, 2, 1, 0, 1, 2]);
        assert_eq!(reflect(5, 1), 0);
    }
}
