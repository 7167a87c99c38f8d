//! Tiny VGG-like ONNX files with random weights, laid out the way real exporters write them:
//! tf2onnx (Keras, NHWC input + Transpose, then a Transpose/Shape/MatMul head) and
//! torch.onnx.export / ONNX model zoo (NCHW input, explicit pads, Flatten/Gemm head).
//! Shared by the tests of pastiche-graph and pastiche-core.

#![allow(dead_code)]

use pastiche_graph::onnx::{self, Dim, GraphProto, ModelProto, NodeProto, TensorProto};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exporter {
    Tf2onnxKeras,
    Torchvision,
}

/// Convolutions per block and the channels of each block.
pub const TINY_BLOCKS: [(usize, usize); 3] = [(2, 4), (2, 6), (2, 8)];

pub fn node(
    op: &str,
    inputs: &[&str],
    output: &str,
    attributes: Vec<onnx::AttributeProto>,
) -> NodeProto {
    NodeProto {
        name: Some(format!("{op}:{output}")),
        op_type: Some(op.into()),
        input: inputs.iter().map(|s| (*s).into()).collect(),
        output: vec![output.into()],
        attribute: attributes,
        ..Default::default()
    }
}

pub fn model(graph: GraphProto) -> ModelProto {
    ModelProto {
        ir_version: Some(7),
        opset_import: vec![onnx::OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(13),
        }],
        producer_name: Some("synthetic".into()),
        graph: Some(graph),
        ..Default::default()
    }
}

fn random_tensor(rng: &mut StdRng, name: &str, dims: &[i64], scale: f32) -> TensorProto {
    let count: i64 = dims.iter().product();
    let values: Vec<f32> = (0..count)
        .map(|_| rng.random_range(-scale..scale))
        .collect();
    onnx::tensor_f32(name, dims, &values)
}

/// A VGG-like network with random weights (uniform He-style scale, small biases).
pub fn vgg(exporter: Exporter, blocks: &[(usize, usize)], seed: u64) -> ModelProto {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut graph = GraphProto {
        name: Some("synthetic vgg".into()),
        ..Default::default()
    };
    let batch = Dim::Named("N".into());
    let (h, w) = (Dim::Named("H".into()), Dim::Named("W".into()));
    let mut x = match exporter {
        Exporter::Tf2onnxKeras => {
            graph
                .input
                .push(onnx::value_info_f32("input", &[batch, h, w, Dim::Fixed(3)]));
            let t = "functional_1/block1_conv1_1/BiasAdd__6:0";
            graph.node.push(node(
                "Transpose",
                &["input"],
                t,
                vec![onnx::attr_ints("perm", &[0, 3, 1, 2])],
            ));
            t.to_owned()
        }
        Exporter::Torchvision => {
            graph.input.push(onnx::value_info_f32(
                "input.1",
                &[batch, Dim::Fixed(3), h, w],
            ));
            "input.1".to_owned()
        }
    };
    let mut in_channels = 3usize;
    let mut torch_index = 0;
    for (b, &(convs, channels)) in blocks.iter().enumerate() {
        for i in 0..convs {
            let (weight, bias, out) = match exporter {
                Exporter::Tf2onnxKeras => {
                    let stem = format!("functional_1/block{}_conv{}_1", b + 1, i + 1);
                    (
                        format!("{stem}/convolution/ReadVariableOp:0"),
                        format!("{stem}/Squeeze:0"),
                        format!("{stem}/BiasAdd:0"),
                    )
                }
                Exporter::Torchvision => (
                    format!("features.{torch_index}.weight"),
                    format!("features.{torch_index}.bias"),
                    format!("/features/features.{torch_index}/Conv_output_0"),
                ),
            };
            let scale = (6.0 / (9.0 * in_channels as f32)).sqrt();
            graph.initializer.push(random_tensor(
                &mut rng,
                &weight,
                &[channels as i64, in_channels as i64, 3, 3],
                scale,
            ));
            graph
                .initializer
                .push(random_tensor(&mut rng, &bias, &[channels as i64], 0.1));
            let mut attributes = vec![
                onnx::attr_ints("kernel_shape", &[3, 3]),
                onnx::attr_ints("pads", &[1, 1, 1, 1]),
                onnx::attr_ints("strides", &[1, 1]),
            ];
            if exporter == Exporter::Tf2onnxKeras {
                attributes.push(onnx::attr_ints("dilations", &[1, 1]));
                attributes.push(onnx::attr_int("group", 1));
            }
            graph
                .node
                .push(node("Conv", &[&x, &weight, &bias], &out, attributes));
            let relu = format!("{out}/relu");
            graph.node.push(node("Relu", &[&out], &relu, vec![]));
            x = relu;
            in_channels = channels;
            torch_index += 2;
        }
        let pooled = format!("pool{}", b + 1);
        let attributes = vec![
            onnx::attr_ints("kernel_shape", &[2, 2]),
            onnx::attr_ints("strides", &[2, 2]),
        ];
        graph.node.push(node("MaxPool", &[&x], &pooled, attributes));
        x = pooled;
        torch_index += 1;
    }
    // A classifier head, which import must drop.
    let classes = 4;
    match exporter {
        Exporter::Tf2onnxKeras => {
            graph.node.push(node("Shape", &[&x], "head_shape", vec![]));
            graph.node.push(node(
                "Transpose",
                &[&x],
                "head_nhwc",
                vec![onnx::attr_ints("perm", &[0, 2, 3, 1])],
            ));
            graph
                .node
                .push(node("Flatten", &["head_nhwc"], "head_flat", vec![]));
            graph.node.push(node(
                "ReduceMean",
                &["head_flat"],
                "head_mean",
                vec![onnx::attr_ints("axes", &[1])],
            ));
            graph
                .node
                .push(node("Softmax", &["head_mean"], "dense_3", vec![]));
            graph.output.push(onnx::value_info_f32("dense_3", &[]));
            graph.output.push(onnx::value_info_f32("head_shape", &[]));
        }
        Exporter::Torchvision => {
            graph
                .node
                .push(node("GlobalAveragePool", &[&x], "gap", vec![]));
            graph.node.push(node("Flatten", &["gap"], "flat", vec![]));
            let fc = "classifier.weight";
            graph.initializer.push(random_tensor(
                &mut rng,
                fc,
                &[classes, in_channels as i64],
                0.1,
            ));
            graph.node.push(node(
                "Gemm",
                &["flat", fc],
                "logits",
                vec![onnx::attr_int("transB", 1)],
            ));
            graph.output.push(onnx::value_info_f32("logits", &[]));
        }
    }
    model(graph)
}

/// The opening of a ResNet: 7×7 stride-2 convolution, then a residual block.
pub fn resnet_stem() -> ModelProto {
    let mut rng = StdRng::seed_from_u64(7);
    let mut graph = GraphProto::default();
    graph.input.push(onnx::value_info_f32(
        "data",
        &[Dim::Fixed(1), Dim::Fixed(3), Dim::Fixed(64), Dim::Fixed(64)],
    ));
    graph
        .initializer
        .push(random_tensor(&mut rng, "conv1.weight", &[8, 3, 7, 7], 0.1));
    let attributes = vec![
        onnx::attr_ints("kernel_shape", &[7, 7]),
        onnx::attr_ints("strides", &[2, 2]),
        onnx::attr_ints("pads", &[3, 3, 3, 3]),
    ];
    graph
        .node
        .push(node("Conv", &["data", "conv1.weight"], "conv1", attributes));
    graph.node.push(node("Relu", &["conv1"], "relu1", vec![]));
    graph
        .node
        .push(node("Add", &["relu1", "relu1"], "residual", vec![]));
    graph.output.push(onnx::value_info_f32("residual", &[]));
    model(graph)
}

/// Two 3×3 convolutions with a skip connection: a chain that branches.
pub fn residual_block() -> ModelProto {
    let mut rng = StdRng::seed_from_u64(8);
    let mut graph = GraphProto::default();
    graph.input.push(onnx::value_info_f32(
        "x",
        &[Dim::Fixed(1), Dim::Fixed(3), Dim::Fixed(8), Dim::Fixed(8)],
    ));
    for (name, inputs) in [("w1", 3), ("w2", 4)] {
        graph
            .initializer
            .push(random_tensor(&mut rng, name, &[4, inputs, 3, 3], 0.1));
    }
    let attributes = || {
        vec![
            onnx::attr_ints("kernel_shape", &[3, 3]),
            onnx::attr_ints("pads", &[1, 1, 1, 1]),
        ]
    };
    graph
        .node
        .push(node("Conv", &["x", "w1"], "c1", attributes()));
    graph.node.push(node("Relu", &["c1"], "r1", vec![]));
    graph
        .node
        .push(node("Conv", &["r1", "w2"], "c2", attributes()));
    graph.node.push(node("Add", &["c2", "r1"], "sum", vec![]));
    graph.output.push(onnx::value_info_f32("sum", &[]));
    model(graph)
}
