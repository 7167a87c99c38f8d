//! Import of the supported layouts and refusal of everything else, on synthetic models.

mod support;

use pastiche_graph::onnx::encode_model;
use pastiche_graph::{
    import_bytes, loss_gradient_graph, ChannelOrder, GraphConfig, GraphError, LayerKind,
    Preprocessing, PreprocessingOrigin, SourceLayout,
};
use support::synthetic::{self, Exporter, TINY_BLOCKS};

fn layer_names(exporter: Exporter) -> Vec<String> {
    let bytes = encode_model(&synthetic::vgg(exporter, &TINY_BLOCKS, 1));
    let imported = import_bytes(&bytes, "tiny.onnx", None).unwrap();
    imported
        .model
        .layers
        .iter()
        .map(|l| l.name.clone())
        .collect()
}

#[test]
fn both_exporter_layouts_import_to_the_same_paper_named_chain() {
    let expected = [
        "conv1_1", "relu1_1", "conv1_2", "relu1_2", "pool1", "conv2_1", "relu2_1", "conv2_2",
        "relu2_2", "pool2", "conv3_1", "relu3_1", "conv3_2", "relu3_2", "pool3",
    ];
    assert_eq!(layer_names(Exporter::Tf2onnxKeras), expected);
    assert_eq!(layer_names(Exporter::Torchvision), expected);
}

#[test]
fn layout_decides_the_default_preprocessing_and_says_so() {
    let keras = encode_model(&synthetic::vgg(Exporter::Tf2onnxKeras, &TINY_BLOCKS, 1));
    let imported = import_bytes(&keras, "keras.onnx", None).unwrap();
    assert_eq!(imported.model.preprocessing, Preprocessing::CAFFE);
    assert_eq!(imported.model.preprocessing.order, ChannelOrder::Bgr);
    assert_eq!(
        imported.preprocessing_origin,
        PreprocessingOrigin::LayoutDefault(SourceLayout::KerasNhwc)
    );
    assert!(imported.preprocessing_origin.to_string().contains("NHWC"));

    let torch = encode_model(&synthetic::vgg(Exporter::Torchvision, &TINY_BLOCKS, 1));
    let imported = import_bytes(&torch, "torch.onnx", None).unwrap();
    assert_eq!(imported.model.preprocessing, Preprocessing::TORCH);

    let given = import_bytes(&torch, "torch.onnx", Some(Preprocessing::CAFFE)).unwrap();
    assert_eq!(given.model.preprocessing, Preprocessing::CAFFE);
    assert_eq!(given.preprocessing_origin, PreprocessingOrigin::Given);
}

#[test]
fn weights_survive_import_unchanged() {
    let original = synthetic::vgg(Exporter::Torchvision, &TINY_BLOCKS, 3);
    let imported = import_bytes(&encode_model(&original), "t.onnx", None)
        .unwrap()
        .model;
    let LayerKind::Conv(conv) = &imported.layers[2].kind else {
        panic!("conv1_2 is a convolution")
    };
    let stored = original
        .graph
        .as_ref()
        .unwrap()
        .initializer
        .iter()
        .find(|t| t.name() == "features.2.weight")
        .unwrap();
    assert_eq!(conv.weight, pastiche_graph::onnx::read_f32(stored).unwrap());
    assert_eq!((conv.in_channels, conv.out_channels), (4, 4));
}

#[test]
fn a_saved_model_reimports_identically_with_its_recorded_preprocessing() {
    let keras = encode_model(&synthetic::vgg(Exporter::Tf2onnxKeras, &TINY_BLOCKS, 4));
    let first = import_bytes(&keras, "keras.onnx", None).unwrap().model;
    let again = import_bytes(&encode_model(&first.to_onnx()), "model.onnx", None).unwrap();
    assert_eq!(again.preprocessing_origin, PreprocessingOrigin::Recorded);
    assert_eq!(again.model, first);
    assert_eq!(again.model.source.layout, SourceLayout::KerasNhwc);
    assert_eq!(again.model.source.sha256.len(), 64);
}

#[test]
fn vgg16_and_vgg19_block_shapes_are_recognised() {
    let vgg16 = [(2, 2), (2, 2), (3, 2), (3, 2), (3, 2)];
    let vgg19 = [(2, 2), (2, 2), (4, 2), (4, 2), (4, 2)];
    for (blocks, name, last) in [(&vgg16, "vgg16", "relu5_3"), (&vgg19, "vgg19", "relu5_4")] {
        let bytes = encode_model(&synthetic::vgg(Exporter::Torchvision, blocks, 5));
        let model = import_bytes(&bytes, "m.onnx", None).unwrap().model;
        assert_eq!(model.architecture, name);
        assert!(model.layer_index(last).is_ok());
        assert_eq!(model.layers.last().unwrap().name, "pool5");
    }
}

fn import_error(bytes: &[u8]) -> String {
    let err = import_bytes(bytes, "bad.onnx", None).unwrap_err();
    let message = err.to_string();
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(message.contains("bad.onnx"), "names the file: {message}");
    message
}

#[test]
fn bad_models_get_one_line_errors_naming_the_cause() {
    let text = import_error(b"this is a text file, not a protobuf message at all\n");
    assert!(text.contains("not an ONNX model"), "{text}");

    let valid = encode_model(&synthetic::vgg(Exporter::Torchvision, &TINY_BLOCKS, 1));
    let truncated = import_error(&valid[..valid.len() / 2]);
    assert!(truncated.contains("truncated or corrupt"), "{truncated}");

    let resnet = import_error(&encode_model(&synthetic::resnet_stem()));
    assert!(
        resnet.contains("'Conv:conv1' (Conv)") && resnet.contains("7x7"),
        "{resnet}"
    );

    let branching = import_error(&encode_model(&synthetic::residual_block()));
    assert!(
        branching.contains("feeds 2 nodes") && branching.contains("(Add)"),
        "{branching}"
    );
}

#[test]
fn a_layer_that_does_not_exist_is_refused_by_name() {
    let bytes = encode_model(&synthetic::vgg(Exporter::Torchvision, &TINY_BLOCKS, 1));
    let model = import_bytes(&bytes, "m.onnx", None).unwrap().model;
    let config = GraphConfig {
        content_layers: vec!["relu2_1".into()],
        style_layers: vec!["relu1_1".into(), "relu6_1".into()],
        ..GraphConfig::default()
    };
    let err = loss_gradient_graph(&model, &config).unwrap_err();
    assert!(matches!(err, GraphError::UnknownLayer { ref name, .. } if name == "relu6_1"));
    assert!(err.to_string().contains("'relu6_1'"), "{err}");
}

#[test]
fn graphs_stop_at_the_deepest_requested_layer() {
    let bytes = encode_model(&synthetic::vgg(Exporter::Torchvision, &TINY_BLOCKS, 1));
    let model = import_bytes(&bytes, "m.onnx", None).unwrap().model;
    let config = GraphConfig {
        content_layers: vec!["relu2_1".into()],
        style_layers: vec!["relu1_1".into()],
        ..GraphConfig::default()
    };
    let graph = loss_gradient_graph(&model, &config).unwrap();
    let initializers: Vec<&str> = graph
        .graph
        .as_ref()
        .unwrap()
        .initializer
        .iter()
        .map(|t| t.name())
        .collect();
    assert!(initializers.contains(&"conv2_1.weight"));
    assert!(
        !initializers.contains(&"conv2_2.weight"),
        "truncated after relu2_1"
    );
    assert_eq!(config.size_multiple(&model).unwrap(), 2);
    // One copy of the weights: the transposed, flipped backward kernels are computed in the graph.
    let weight_count = initializers
        .iter()
        .filter(|n| n.ends_with(".weight"))
        .count();
    assert_eq!(weight_count, 3);
}
