//! The loss+gradient graph's gradient against central finite differences, in ONNX Runtime, on
//! tiny random VGG-like networks in both exporter layouts, with average and max pooling, several
//! layer configurations and non-square images.

#[path = "../../pastiche-graph/tests/support/synthetic.rs"]
mod synthetic;

use ndarray::{Array1, ArrayD, IxDyn};
use pastiche_core::{GraphSession, SessionOptions};
use pastiche_graph::onnx::encode_model;
use pastiche_graph::{
    import_bytes, loss_gradient_graph, names, targets_graph, Convolution, GraphConfig, Pooling,
    VggModel,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use synthetic::{Exporter, TINY_BLOCKS};

/// Relative tolerance between the directional derivative and its central difference. The loss
/// is summed in float32 (~1e-6 relative rounding after ORT's reductions); divided by 2ε that
/// leaves up to ~1e-3 relative noise on the largest (Caffe-scaled, ~1e7) losses here. A wrong
/// backward rule (missing flip, pooling factor, Gram normalisation) gives errors above 1e-1.
const TOLERANCE: f64 = 2e-3;
/// Step sizes along a unit direction in pixel space (pixels are 0..1).
const EPSILONS: [f32; 3] = [1e-2, 3e-3, 1e-3];
const DIRECTIONS: usize = 3;

fn options() -> SessionOptions {
    SessionOptions {
        threads: 1,
        ..SessionOptions::default()
    }
}

fn random_image(rng: &mut StdRng, height: usize, width: usize) -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&[1, 3, height, width]), |_| {
        rng.random_range(0.1..0.9)
    })
}

fn tiny_model(exporter: Exporter, seed: u64) -> VggModel {
    synthetic_model(exporter, &TINY_BLOCKS, seed)
}

fn synthetic_model(exporter: Exporter, blocks: &[(usize, usize)], seed: u64) -> VggModel {
    let bytes = encode_model(&synthetic::vgg(exporter, blocks, seed));
    import_bytes(&bytes, "tiny.onnx", None).unwrap().model
}

struct LossFunction {
    session: GraphSession,
    fixed: Vec<(String, ArrayD<f32>)>,
}

impl LossFunction {
    /// Targets come from images near `image` (a perturbed copy for content, the same kind of noise
    /// at another size for style): the loss stays small, and so does float32 rounding in it,
    /// while every term still has a non-trivial gradient.
    fn new(model: &VggModel, config: &GraphConfig, rng: &mut StdRng, image: &ArrayD<f32>) -> Self {
        let mut targets =
            GraphSession::new(&targets_graph(model, config).unwrap(), &options()).unwrap();
        let content = image.mapv(|v| v + rng.random_range(-0.05..0.05));
        let (height, width) = (image.shape()[2], image.shape()[3]);
        // A style image of another size: Gram matrices must still compare.
        let style = random_image(rng, height + 8, width / 2 + 4);
        let from_content = targets.run(&[(names::IMAGE, content.view())]).unwrap();
        let from_style = targets.run(&[(names::IMAGE, style.view())]).unwrap();

        let mut fixed: Vec<(String, ArrayD<f32>)> = Vec::new();
        for layer in &config.content_layers {
            let name = names::content_target(layer);
            fixed.push((name.clone(), from_content[&name].clone()));
        }
        for layer in &config.style_layers {
            let name = names::style_target(layer);
            fixed.push((name.clone(), from_style[&name].clone()));
        }
        let scalar = |v: f32| ArrayD::from_elem(IxDyn(&[]), v);
        let layer_weights = |n: usize, rng: &mut StdRng| {
            Array1::from_shape_fn(n, |_| rng.random_range(0.5..2.0)).into_dyn()
        };
        fixed.push((names::CONTENT_WEIGHT.into(), scalar(1.0)));
        fixed.push((names::STYLE_WEIGHT.into(), scalar(50.0)));
        if config.total_variation {
            fixed.push((names::TV_WEIGHT.into(), scalar(3.0)));
        }
        if config.temporal {
            // A warped previous result near the image, and a mask with zeros (occlusions) and
            // fractional weights.
            let previous = image.mapv(|v| v + rng.random_range(-0.1..0.1));
            let mask = ArrayD::from_shape_fn(IxDyn(&[1, 1, height, width]), |_| {
                let c: f32 = rng.random_range(-0.5..1.5);
                c.clamp(0.0, 1.0)
            });
            fixed.push((names::PREVIOUS.into(), previous));
            fixed.push((names::TEMPORAL_MASK.into(), mask));
            fixed.push((names::TEMPORAL_WEIGHT.into(), scalar(2e3)));
        }
        if !config.content_layers.is_empty() {
            fixed.push((
                names::CONTENT_LAYER_WEIGHTS.into(),
                layer_weights(config.content_layers.len(), rng),
            ));
        }
        if !config.style_layers.is_empty() {
            fixed.push((
                names::STYLE_LAYER_WEIGHTS.into(),
                layer_weights(config.style_layers.len(), rng),
            ));
        }
        let session =
            GraphSession::new(&loss_gradient_graph(model, config).unwrap(), &options()).unwrap();
        LossFunction { session, fixed }
    }

    fn evaluate(&mut self, image: &ArrayD<f32>) -> (f64, ArrayD<f32>) {
        let mut inputs: Vec<(&str, _)> = self
            .fixed
            .iter()
            .map(|(n, a)| (n.as_str(), a.view()))
            .collect();
        inputs.push((names::IMAGE, image.view()));
        let mut outputs = self.session.run(&inputs).unwrap();
        let loss = outputs[names::LOSS].first().copied().unwrap() as f64;
        (loss, outputs.remove(names::GRADIENT).unwrap())
    }
}

fn check_gradient(exporter: Exporter, config: GraphConfig, size: (usize, usize), seed: u64) {
    check_model_gradient(&tiny_model(exporter, seed), config, size, seed);
}

fn check_model_gradient(model: &VggModel, config: GraphConfig, size: (usize, usize), seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let image = random_image(&mut rng, size.0, size.1);
    let mut loss = LossFunction::new(model, &config, &mut rng, &image);
    let (value, gradient) = loss.evaluate(&image);
    assert!(value.is_finite() && value > 0.0, "loss {value}");
    assert_eq!(gradient.shape(), image.shape());

    for _ in 0..DIRECTIONS {
        // Half random, half along the gradient: the directional derivative then stands well
        // above the loss's float32 rounding, while the random half still probes every component.
        let random = ArrayD::from_shape_fn(image.raw_dim(), |_| rng.random_range(-1.0f32..1.0));
        let direction = unit(&(unit(&random) + unit(&gradient)));
        let analytic: f64 = gradient
            .iter()
            .zip(&direction)
            .map(|(g, d)| (*g as f64) * (*d as f64))
            .sum();
        // Central differences at a few step sizes: large steps cross ReLU and max-pool kinks,
        // small ones drown in float32 rounding; the best of them must agree.
        let (numeric, error) = EPSILONS
            .iter()
            .map(|&epsilon| {
                let (plus, _) = loss.evaluate(&(&image + &(&direction * epsilon)));
                let (minus, _) = loss.evaluate(&(&image - &(&direction * epsilon)));
                let numeric = (plus - minus) / (2.0 * epsilon as f64);
                (numeric, (numeric - analytic).abs() / analytic.abs())
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        assert!(
            error < TOLERANCE,
            "{:?} pooling, layers {:?}/{:?}, {size:?}: directional derivative {analytic:e} vs central difference {numeric:e} (relative error {error:.2e})",
            config.pooling,
            config.content_layers,
            config.style_layers
        );
    }
}

fn unit(v: &ArrayD<f32>) -> ArrayD<f32> {
    v / v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

fn config(
    content: &[&str],
    style: &[&str],
    pooling: Pooling,
    total_variation: bool,
) -> GraphConfig {
    GraphConfig {
        content_layers: content.iter().map(|s| s.to_string()).collect(),
        style_layers: style.iter().map(|s| s.to_string()).collect(),
        pooling,
        total_variation,
        ..GraphConfig::default()
    }
}

#[test]
fn paper_like_layers_avg_pooling_keras_layout() {
    let c = config(
        &["relu3_2"],
        &["relu1_1", "relu2_1", "relu3_1"],
        Pooling::Avg,
        true,
    );
    check_gradient(Exporter::Tf2onnxKeras, c, (24, 40), 11);
}

#[test]
fn paper_like_layers_max_pooling_keras_layout() {
    let c = config(
        &["relu3_2"],
        &["relu1_1", "relu2_1", "relu3_1"],
        Pooling::Max,
        true,
    );
    check_gradient(Exporter::Tf2onnxKeras, c, (32, 20), 12);
}

#[test]
fn paper_like_layers_avg_pooling_torch_layout() {
    let c = config(
        &["relu2_2"],
        &["relu1_1", "relu2_1", "relu3_1"],
        Pooling::Avg,
        false,
    );
    check_gradient(Exporter::Torchvision, c, (16, 28), 13);
}

#[test]
fn pre_activation_and_pooled_taps_max_pooling_torch_layout() {
    // A conv (pre-ReLU) content tap, a pooled style tap, and one layer used by both losses.
    let c = config(
        &["conv3_1", "relu1_2"],
        &["relu1_2", "pool2"],
        Pooling::Max,
        true,
    );
    check_gradient(Exporter::Torchvision, c, (20, 36), 14);
}

#[test]
fn content_only_and_style_only_graphs() {
    check_gradient(
        Exporter::Torchvision,
        config(&["relu2_1"], &[], Pooling::Avg, false),
        (12, 8),
        15,
    );
    check_gradient(
        Exporter::Tf2onnxKeras,
        config(&[], &["relu3_2"], Pooling::Max, false),
        (8, 12),
        16,
    );
}

#[test]
fn the_temporal_term_of_video() {
    for (exporter, pooling, seed) in [
        (Exporter::Tf2onnxKeras, Pooling::Avg, 17),
        (Exporter::Torchvision, Pooling::Max, 18),
    ] {
        let c = GraphConfig {
            temporal: true,
            ..config(&["relu2_2"], &["relu1_1", "relu2_1"], pooling, true)
        };
        check_gradient(exporter, c, (16, 24), seed);
    }
}

#[test]
fn winograd_convolutions() {
    // Wide enough for the Winograd form in both directions (128 → 256 → 256 channels), at a size
    // whose third block (5 × 9) is not a whole number of its 4 × 4 tiles. Only the wide layers'
    // losses, so that every path of the gradient runs through them.
    const WIDE_BLOCKS: [(usize, usize); 3] = [(1, 8), (1, 128), (2, 256)];
    let model = synthetic_model(Exporter::Torchvision, &WIDE_BLOCKS, 19);
    let c = GraphConfig {
        convolution: Convolution::Winograd,
        ..config(&["relu3_2"], &["relu3_1"], Pooling::Avg, false)
    };
    check_model_gradient(&model, c, (20, 36), 19);
}
