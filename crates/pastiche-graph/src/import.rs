//! Import: walks an ONNX file from its image input along a plain Conv → Relu → … → Pool chain,
//! names the layers in the paper's convention and drops whatever classifier head follows the
//! last pooling layer. Anything else is refused, naming the first node that does not fit.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::model::{Conv, Layer, LayerKind, PoolKind, Source, SourceLayout, VggModel};
use crate::onnx::{self, GraphProto, ModelProto, NodeProto, TensorProto};
use crate::{GraphError, Preprocessing};

/// VGG has five blocks; the head after the fifth pooling layer is never needed.
const MAX_BLOCKS: usize = 5;

/// Why the model uses the preprocessing it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreprocessingOrigin {
    /// Given by the caller.
    Given,
    /// Read from the metadata of a model Pastiche wrote.
    Recorded,
    /// The default for the recognised source layout.
    LayoutDefault(SourceLayout),
}

impl fmt::Display for PreprocessingOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PreprocessingOrigin::Given => f.write_str("as given"),
            PreprocessingOrigin::Recorded => f.write_str("recorded in the model"),
            PreprocessingOrigin::LayoutDefault(layout) => {
                write!(f, "default for the {layout} layout")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Imported {
    pub model: VggModel,
    pub preprocessing_origin: PreprocessingOrigin,
}

/// Imports a VGG network from an ONNX file (any supported layout, or a model Pastiche wrote).
pub fn import_file(
    path: &Path,
    preprocessing: Option<Preprocessing>,
) -> Result<Imported, GraphError> {
    let bytes = std::fs::read(path).map_err(|source| GraphError::Io {
        path: path.to_owned(),
        source,
    })?;
    import_bytes(&bytes, &path.display().to_string(), preprocessing)
}

/// Loads a model with the preprocessing its file records or implies.
pub fn load_model(path: &Path) -> Result<VggModel, GraphError> {
    Ok(import_file(path, None)?.model)
}

/// Imports from the bytes of an ONNX file; `file` names it in errors and in the model's source.
pub fn import_bytes(
    bytes: &[u8],
    file: &str,
    preprocessing: Option<Preprocessing>,
) -> Result<Imported, GraphError> {
    let not_onnx = |reason: String| GraphError::NotOnnx {
        file: file.to_owned(),
        reason,
    };
    let model = onnx::decode_model(bytes)
        .map_err(|e| not_onnx(format!("truncated or corrupt protobuf: {e}")))?;
    let graph = model
        .graph
        .as_ref()
        .filter(|g| !g.node.is_empty() && model.ir_version.is_some())
        .ok_or_else(|| not_onnx("no graph with nodes and IR version found".to_owned()))?;

    let (layout, layers) = ChainWalker::new(file, graph).walk()?;
    let (preprocessing, preprocessing_origin) =
        resolve_preprocessing(&model, layout, preprocessing)?;
    let source = VggModel::recorded_source(&model).unwrap_or_else(|| Source {
        layout,
        file_name: Path::new(file)
            .file_name()
            .map_or_else(|| file.to_owned(), |n| n.to_string_lossy().into_owned()),
        sha256: hex_sha256(bytes),
    });
    Ok(Imported {
        model: VggModel {
            architecture: VggModel::architecture_name(&layers),
            preprocessing,
            source,
            layers,
        },
        preprocessing_origin,
    })
}

fn resolve_preprocessing(
    model: &ModelProto,
    layout: SourceLayout,
    given: Option<Preprocessing>,
) -> Result<(Preprocessing, PreprocessingOrigin), GraphError> {
    if let Some(given) = given {
        return Ok((given, PreprocessingOrigin::Given));
    }
    if let Some(recorded) = onnx::find_metadata(model, crate::model::PREPROCESSING_KEY) {
        return Ok((recorded.parse()?, PreprocessingOrigin::Recorded));
    }
    Ok((
        layout.default_preprocessing(),
        PreprocessingOrigin::LayoutDefault(layout),
    ))
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct ChainWalker<'a> {
    file: &'a str,
    graph: &'a GraphProto,
    consumers: HashMap<&'a str, Vec<&'a NodeProto>>,
    constants: HashMap<&'a str, &'a TensorProto>,
}

/// Where the walk is inside the current block.
struct Position {
    block: usize,
    conv_in_block: usize,
    channels: usize,
}

impl<'a> ChainWalker<'a> {
    fn new(file: &'a str, graph: &'a GraphProto) -> Self {
        let mut constants: HashMap<&str, &TensorProto> =
            graph.initializer.iter().map(|t| (t.name(), t)).collect();
        let mut consumers: HashMap<&str, Vec<&NodeProto>> = HashMap::new();
        for node in &graph.node {
            match node.op_type() {
                "Constant" => {
                    if let (Some(out), Some(t)) = (
                        node.output.first(),
                        onnx::find_attr(node, "value").and_then(|a| a.t.as_ref()),
                    ) {
                        constants.insert(out, t);
                    }
                }
                // Exporters alias shared weights through Identity; see through it.
                "Identity"
                    if node
                        .input
                        .first()
                        .is_some_and(|i| constants.contains_key(i.as_str())) =>
                {
                    let source = constants[node.input[0].as_str()];
                    constants.insert(node.output[0].as_str(), source);
                }
                _ => {
                    for input in node.input.iter().filter(|i| !i.is_empty()) {
                        consumers.entry(input).or_default().push(node);
                    }
                }
            }
        }
        ChainWalker {
            file,
            graph,
            consumers,
            constants,
        }
    }

    fn unsupported(&self, reason: String) -> GraphError {
        GraphError::Unsupported {
            file: self.file.to_owned(),
            reason,
        }
    }

    fn describe(node: &NodeProto) -> String {
        let name = if node.name().is_empty() {
            node.output.first().map_or("", String::as_str)
        } else {
            node.name()
        };
        format!("node '{name}' ({})", node.op_type())
    }

    fn image_input(&self) -> Result<&'a str, GraphError> {
        let inputs: Vec<&str> = self
            .graph
            .input
            .iter()
            .map(|i| i.name())
            .filter(|n| !self.constants.contains_key(n))
            .collect();
        match inputs.as_slice() {
            [one] => Ok(one),
            other => Err(self.unsupported(format!(
                "expected one image input, found {} ({})",
                other.len(),
                other.join(", ")
            ))),
        }
    }

    fn walk(&self) -> Result<(SourceLayout, Vec<Layer>), GraphError> {
        let mut tensor = self.image_input()?;
        let mut layout = SourceLayout::Nchw;
        if let [first] = self.next_nodes(tensor) {
            if first.op_type() == "Transpose" && onnx::ints_attr(first, "perm", &[]) == [0, 3, 1, 2]
            {
                layout = SourceLayout::KerasNhwc;
                tensor = &first.output[0];
            }
        }

        let mut layers: Vec<Layer> = Vec::new();
        let mut at = Position {
            block: 1,
            conv_in_block: 0,
            channels: 3,
        };
        loop {
            let at_block_end = matches!(
                layers.last(),
                Some(Layer {
                    kind: LayerKind::Pool(_),
                    ..
                })
            );
            let node = match self.next_nodes(tensor) {
                [] => break,
                [node] => *node,
                _ if at_block_end => break,
                many => {
                    let names: Vec<String> = many.iter().map(|n| Self::describe(n)).collect();
                    return Err(self.unsupported(format!(
                        "tensor '{tensor}' feeds {} nodes ({}); only a plain chain can be imported",
                        many.len(),
                        names.join(", ")
                    )));
                }
            };
            let previous = layers.last().map(|l| &l.kind);
            let layer = match (node.op_type(), previous) {
                ("Conv", None | Some(LayerKind::Relu | LayerKind::Pool(_))) => {
                    let conv = self.conv(node, at.channels)?;
                    at.conv_in_block += 1;
                    at.channels = conv.out_channels;
                    Layer {
                        name: format!("conv{}_{}", at.block, at.conv_in_block),
                        kind: LayerKind::Conv(conv),
                    }
                }
                ("Relu", Some(LayerKind::Conv(_))) => Layer {
                    name: format!("relu{}_{}", at.block, at.conv_in_block),
                    kind: LayerKind::Relu,
                },
                ("MaxPool" | "AveragePool", Some(LayerKind::Relu)) => {
                    let layer = Layer {
                        name: format!("pool{}", at.block),
                        kind: LayerKind::Pool(self.pool(node)?),
                    };
                    at.block += 1;
                    at.conv_in_block = 0;
                    layer
                }
                // Whatever follows a block's pooling layer is the classifier head.
                _ if at_block_end => break,
                _ => {
                    let expected = match previous {
                        None | Some(LayerKind::Relu) => "Conv or pooling",
                        Some(LayerKind::Conv(_)) => "Relu",
                        Some(LayerKind::Pool(_)) => "Conv",
                    };
                    return Err(self.unsupported(format!(
                        "{} is not part of a plain Conv/Relu/Pool chain (expected {expected} after {})",
                        Self::describe(node),
                        layers.last().map_or("the input", |l| l.name.as_str())
                    )));
                }
            };
            layers.push(layer);
            tensor = &node.output[0];
            if at.block > MAX_BLOCKS {
                break;
            }
        }
        if !layers.iter().any(|l| matches!(l.kind, LayerKind::Conv(_))) {
            return Err(self.unsupported("no convolution layer found after the input".to_owned()));
        }
        Ok((layout, layers))
    }

    fn next_nodes(&self, tensor: &str) -> &[&'a NodeProto] {
        self.consumers.get(tensor).map_or(&[], Vec::as_slice)
    }

    fn constant(&self, node: &NodeProto, index: usize) -> Result<Option<Vec<f32>>, GraphError> {
        let Some(name) = node.input.get(index).filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let tensor = self.constants.get(name.as_str()).ok_or_else(|| {
            self.unsupported(format!(
                "{}: input '{name}' is not a constant weight",
                Self::describe(node)
            ))
        })?;
        onnx::read_f32(tensor)
            .map(Some)
            .map_err(|e| self.unsupported(format!("{}: {e}", Self::describe(node))))
    }

    fn conv(&self, node: &NodeProto, in_channels: usize) -> Result<Conv, GraphError> {
        let weight_dims = node
            .input
            .get(1)
            .and_then(|w| self.constants.get(w.as_str()))
            .map(|t| t.dims.clone())
            .unwrap_or_default();
        let weight = self.constant(node, 1)?.unwrap_or_default();
        let [out, inp, kh, kw] = weight_dims[..] else {
            return Err(self.unsupported(format!(
                "{}: weight shape {weight_dims:?} is not OIHW",
                Self::describe(node)
            )));
        };
        let strides = onnx::ints_attr(node, "strides", &[1, 1]);
        let dilations = onnx::ints_attr(node, "dilations", &[1, 1]);
        let group = onnx::find_attr(node, "group").map_or(1, |a| a.i());
        let auto_pad = onnx::string_attr(node, "auto_pad", "NOTSET");
        let pads = onnx::ints_attr(node, "pads", &[0, 0, 0, 0]);
        let same_padding = match auto_pad.as_str() {
            "SAME_UPPER" | "SAME_LOWER" => true,
            "NOTSET" => pads == [1, 1, 1, 1],
            _ => false,
        };
        if [kh, kw] != [3, 3]
            || strides != [1, 1]
            || dilations != [1, 1]
            || group != 1
            || !same_padding
        {
            return Err(self.unsupported(format!(
                "{} has kernel {kh}x{kw}, strides {strides:?}, pads {pads:?}, group {group}: \
                 only VGG's 3x3, stride-1, padding-1 convolutions are supported",
                Self::describe(node)
            )));
        }
        if inp as usize != in_channels {
            return Err(self.unsupported(format!(
                "{} takes {inp} channels but receives {in_channels}",
                Self::describe(node)
            )));
        }
        let out_channels = out as usize;
        let bias = self
            .constant(node, 2)?
            .unwrap_or_else(|| vec![0.0; out_channels]);
        if bias.len() != out_channels {
            return Err(self.unsupported(format!(
                "{}: bias has {} values for {out_channels} channels",
                Self::describe(node),
                bias.len()
            )));
        }
        Ok(Conv {
            out_channels,
            in_channels,
            weight,
            bias,
        })
    }

    fn pool(&self, node: &NodeProto) -> Result<PoolKind, GraphError> {
        let kernel = onnx::ints_attr(node, "kernel_shape", &[]);
        let strides = onnx::ints_attr(node, "strides", &[1, 1]);
        let pads = onnx::ints_attr(node, "pads", &[0, 0, 0, 0]);
        if kernel != [2, 2] || strides != [2, 2] || pads.iter().any(|p| *p != 0) {
            return Err(self.unsupported(format!(
                "{} has kernel {kernel:?}, strides {strides:?}, pads {pads:?}: \
                 only 2x2, stride-2 pooling is supported",
                Self::describe(node)
            )));
        }
        Ok(if node.op_type() == "MaxPool" {
            PoolKind::Max
        } else {
            PoolKind::Average
        })
    }
}
