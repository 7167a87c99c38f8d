//! A Pastiche model: the convolution stack of a VGG network with layers named in the paper's
//! convention, its preprocessing, and where it came from. Stored as a plain ONNX forward network
//! whose metadata carries everything else, so any ONNX viewer can open it.

use std::fmt;
use std::path::Path;

use crate::onnx::{self, Dim, ModelProto};
use crate::{GraphError, Preprocessing};

/// Marks a file written by [`VggModel::to_onnx`]; its value is the format version.
pub const FORMAT_KEY: &str = "pastiche.format";
const FORMAT_VERSION: &str = "1";
const ARCHITECTURE_KEY: &str = "pastiche.architecture";
pub(crate) const PREPROCESSING_KEY: &str = "pastiche.preprocessing";
const SOURCE_LAYOUT_KEY: &str = "pastiche.source.layout";
const SOURCE_FILE_KEY: &str = "pastiche.source.file";
const SOURCE_SHA256_KEY: &str = "pastiche.source.sha256";

/// Name of the (already preprocessed, NCHW) input of a stored model.
pub const MODEL_INPUT: &str = "input";

#[derive(Debug, Clone, PartialEq)]
pub enum PoolKind {
    Max,
    Average,
}

/// A 3×3, stride-1, padding-1 convolution with weights in OIHW order.
#[derive(Debug, Clone, PartialEq)]
pub struct Conv {
    pub out_channels: usize,
    pub in_channels: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LayerKind {
    Conv(Conv),
    Relu,
    Pool(PoolKind),
}

/// One step of the chain, named `convB_I`, `reluB_I` or `poolB`.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub name: String,
    pub kind: LayerKind,
}

/// The layout an imported file had; it decides the default preprocessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceLayout {
    /// Keras exported by tf2onnx: NHWC input followed by a `Transpose`.
    KerasNhwc,
    /// NCHW input: torchvision `torch.onnx.export`, or the ONNX model zoo.
    Nchw,
}

impl SourceLayout {
    pub fn default_preprocessing(self) -> Preprocessing {
        match self {
            SourceLayout::KerasNhwc => Preprocessing::CAFFE,
            SourceLayout::Nchw => Preprocessing::TORCH,
        }
    }

    fn key(self) -> &'static str {
        match self {
            SourceLayout::KerasNhwc => "keras-nhwc",
            SourceLayout::Nchw => "nchw",
        }
    }

    fn from_key(key: &str) -> Option<Self> {
        [SourceLayout::KerasNhwc, SourceLayout::Nchw]
            .into_iter()
            .find(|l| l.key() == key)
    }
}

impl fmt::Display for SourceLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SourceLayout::KerasNhwc => "Keras/tf2onnx (NHWC input + Transpose)",
            SourceLayout::Nchw => "NCHW (torchvision export or ONNX model zoo)",
        })
    }
}

/// Where a model came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub layout: SourceLayout,
    pub file_name: String,
    /// SHA-256 of the original file, hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VggModel {
    /// `vgg16`, `vgg19`, or `vgg-like (2-2-3)` for other conv counts per block.
    pub architecture: String,
    pub preprocessing: Preprocessing,
    pub source: Source,
    pub layers: Vec<Layer>,
}

impl VggModel {
    /// Names the architecture after the number of convolutions in each block.
    pub fn architecture_name(layers: &[Layer]) -> String {
        let mut counts: Vec<usize> = Vec::new();
        let mut in_block = 0;
        for layer in layers {
            match layer.kind {
                LayerKind::Conv(_) => in_block += 1,
                LayerKind::Pool(_) => counts.push(std::mem::take(&mut in_block)),
                LayerKind::Relu => {}
            }
        }
        if in_block > 0 {
            counts.push(in_block);
        }
        match counts.as_slice() {
            [2, 2, 3, 3, 3] => "vgg16".to_owned(),
            [2, 2, 4, 4, 4] => "vgg19".to_owned(),
            _ => {
                let shape: Vec<String> = counts.iter().map(usize::to_string).collect();
                format!("vgg-like ({})", shape.join("-"))
            }
        }
    }

    /// Index of a layer by name. `convB_I` names the convolution output before its ReLU.
    pub fn layer_index(&self, name: &str) -> Result<usize, GraphError> {
        self.layers
            .iter()
            .position(|l| l.name == name)
            .ok_or_else(|| GraphError::UnknownLayer {
                name: name.to_owned(),
                architecture: self.architecture.clone(),
                available: format!(
                    "layers {} … {}",
                    self.layers.first().map_or("", |l| &l.name),
                    self.layers.last().map_or("", |l| &l.name)
                ),
            })
    }

    /// Number of channels of the output of layer `index`.
    pub fn channels_at(&self, index: usize) -> usize {
        self.layers[..=index]
            .iter()
            .rev()
            .find_map(|l| match &l.kind {
                LayerKind::Conv(c) => Some(c.out_channels),
                _ => None,
            })
            .unwrap_or(3)
    }

    /// Image sides must be multiples of this for a graph ending at layer `index`: each pooling
    /// halves the size, and the backward pass needs the halving to be exact.
    pub fn size_multiple(&self, index: usize) -> usize {
        let pools = self.layers[..=index]
            .iter()
            .filter(|l| matches!(l.kind, LayerKind::Pool(_)))
            .count();
        1 << pools
    }

    /// The normalised forward network: preprocessed NCHW `input`, paper-named nodes and outputs,
    /// one output per layer (so a viewer, or ONNX Runtime, can read any of them).
    pub fn to_onnx(&self) -> ModelProto {
        let mut graph = onnx::GraphProto {
            name: Some(format!("pastiche {}", self.architecture)),
            input: vec![onnx::value_info_f32(
                MODEL_INPUT,
                &[
                    Dim::Fixed(1),
                    Dim::Fixed(3),
                    Dim::Named("height".into()),
                    Dim::Named("width".into()),
                ],
            )],
            ..Default::default()
        };
        let mut previous = MODEL_INPUT.to_owned();
        for layer in &self.layers {
            let (op, mut inputs, attributes) = match &layer.kind {
                LayerKind::Conv(conv) => {
                    let weight = format!("{}.weight", layer.name);
                    let bias = format!("{}.bias", layer.name);
                    let dims = [conv.out_channels as i64, conv.in_channels as i64, 3, 3];
                    graph
                        .initializer
                        .push(onnx::tensor_f32(&weight, &dims, &conv.weight));
                    graph.initializer.push(onnx::tensor_f32(
                        &bias,
                        &[conv.out_channels as i64],
                        &conv.bias,
                    ));
                    let attrs = vec![
                        onnx::attr_ints("kernel_shape", &[3, 3]),
                        onnx::attr_ints("pads", &[1, 1, 1, 1]),
                    ];
                    ("Conv", vec![weight, bias], attrs)
                }
                LayerKind::Relu => ("Relu", vec![], vec![]),
                LayerKind::Pool(kind) => {
                    let op = match kind {
                        PoolKind::Max => "MaxPool",
                        PoolKind::Average => "AveragePool",
                    };
                    let attrs = vec![
                        onnx::attr_ints("kernel_shape", &[2, 2]),
                        onnx::attr_ints("strides", &[2, 2]),
                    ];
                    (op, vec![], attrs)
                }
            };
            inputs.insert(0, previous);
            graph.node.push(onnx::NodeProto {
                name: Some(layer.name.clone()),
                op_type: Some(op.to_owned()),
                input: inputs,
                output: vec![layer.name.clone()],
                attribute: attributes,
                ..Default::default()
            });
            graph
                .output
                .push(onnx::value_info_f32_any_shape(&layer.name));
            previous = layer.name.clone();
        }
        onnx::pastiche_model(graph, self.metadata())
    }

    /// Metadata recorded in every file Pastiche writes for this model.
    pub fn metadata(&self) -> Vec<onnx::StringStringEntryProto> {
        vec![
            onnx::metadata(FORMAT_KEY, FORMAT_VERSION),
            onnx::metadata(ARCHITECTURE_KEY, &self.architecture),
            onnx::metadata(PREPROCESSING_KEY, self.preprocessing.to_string()),
            onnx::metadata(SOURCE_LAYOUT_KEY, self.source.layout.key()),
            onnx::metadata(SOURCE_FILE_KEY, &self.source.file_name),
            onnx::metadata(SOURCE_SHA256_KEY, &self.source.sha256),
        ]
    }

    /// Reads the source recorded by [`VggModel::metadata`], if the file has it.
    pub(crate) fn recorded_source(model: &ModelProto) -> Option<Source> {
        Some(Source {
            layout: SourceLayout::from_key(onnx::find_metadata(model, SOURCE_LAYOUT_KEY)?)?,
            file_name: onnx::find_metadata(model, SOURCE_FILE_KEY)?.to_owned(),
            sha256: onnx::find_metadata(model, SOURCE_SHA256_KEY)?.to_owned(),
        })
    }

    /// Writes the normalised model as ONNX (through a temporary file, so a failure leaves no
    /// half-written model behind).
    pub fn save(&self, path: &Path) -> Result<(), GraphError> {
        crate::write_atomically(path, &onnx::encode_model(&self.to_onnx()))
    }

    /// Total number of weights and biases.
    pub fn parameter_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| match &l.kind {
                LayerKind::Conv(c) => c.weight.len() + c.bias.len(),
                _ => 0,
            })
            .sum()
    }
}
