//! Emits, for a configuration of layers, the two graphs the engine runs:
//! - the **targets graph**: image → activations at the content layers, Gram matrices at the style layers;
//! - the **loss+gradient graph**: image, targets and weights → total loss, each term, and dL/dimage,
//!   with the backward pass written out in standard ONNX ops.
//!
//! Both take RGB images in 0..1 (NCHW, dynamic height and width) with the model's preprocessing
//! folded in, and stop at the deepest requested layer.

mod backward;
mod forward;
mod loss;
mod winograd;

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::builder::GraphBuilder;
use crate::model::VggModel;
use crate::names;
use crate::onnx::{self, Dim, ModelProto};
use crate::GraphError;

/// Pooling used in place of the network's own: the paper prefers average pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    Avg,
    Max,
}

impl FromStr for Pooling {
    type Err = GraphError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "avg" => Ok(Pooling::Avg),
            "max" => Ok(Pooling::Max),
            other => Err(GraphError::Config(format!(
                "pooling '{other}' is not avg or max"
            ))),
        }
    }
}

impl fmt::Display for Pooling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Pooling::Avg => "avg",
            Pooling::Max => "max",
        })
    }
}

/// How the graphs write the network's 3×3 convolutions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Convolution {
    /// One `Conv` node each: what every execution provider runs best unless measured otherwise.
    #[default]
    Direct,
    /// Winograd F(4×4, 3×3) as matrix products where the channels make it cheaper on ONNX
    /// Runtime's CPU provider (256 or more on one side), `Conv` elsewhere.
    Winograd,
}

impl FromStr for Convolution {
    type Err = GraphError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "direct" => Ok(Convolution::Direct),
            "winograd" => Ok(Convolution::Winograd),
            other => Err(GraphError::Config(format!(
                "convolution '{other}' is not direct or winograd"
            ))),
        }
    }
}

/// Which layers the losses read, how the network pools and how its convolutions are written.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphConfig {
    pub content_layers: Vec<String>,
    pub style_layers: Vec<String>,
    pub pooling: Pooling,
    /// Adds a total-variation term (weighted by the `tv_weight` input).
    pub total_variation: bool,
    /// Adds a temporal term for video (Ruder et al. 2016): the per-pixel weighted squared
    /// difference to the previous result warped along the motion (inputs `previous`,
    /// `temporal_mask`, `temporal_weight`). Still images leave it out.
    pub temporal: bool,
    /// The same function either way; only the speed on a given device differs.
    pub convolution: Convolution,
}

impl Default for GraphConfig {
    /// The paper's choice: content at relu4_2, style at relu1_1 … relu5_1, average pooling.
    fn default() -> Self {
        GraphConfig {
            content_layers: vec!["relu4_2".into()],
            style_layers: ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
                .map(String::from)
                .to_vec(),
            pooling: Pooling::Avg,
            total_variation: true,
            temporal: false,
            convolution: Convolution::Direct,
        }
    }
}

/// Configured layers resolved to indices into `model.layers`.
struct Plan {
    content: Vec<(String, usize)>,
    style: Vec<(String, usize)>,
    last: usize,
}

impl GraphConfig {
    fn plan(&self, model: &VggModel) -> Result<Plan, GraphError> {
        if self.content_layers.is_empty() && self.style_layers.is_empty() {
            return Err(GraphError::Config(
                "no content or style layer requested".into(),
            ));
        }
        let resolve = |kind: &str, names: &[String]| -> Result<Vec<(String, usize)>, GraphError> {
            let mut resolved: Vec<(String, usize)> = Vec::new();
            for name in names {
                if resolved.iter().any(|(n, _)| n == name) {
                    return Err(GraphError::Config(format!(
                        "{kind} layer '{name}' is listed twice"
                    )));
                }
                resolved.push((name.clone(), model.layer_index(name)?));
            }
            Ok(resolved)
        };
        let content = resolve("content", &self.content_layers)?;
        let style = resolve("style", &self.style_layers)?;
        let last = content
            .iter()
            .chain(&style)
            .map(|(_, i)| *i)
            .max()
            .unwrap_or(0);
        Ok(Plan {
            content,
            style,
            last,
        })
    }

    /// Image height and width must be multiples of this (one factor 2 per pooling layer used).
    pub fn size_multiple(&self, model: &VggModel) -> Result<usize, GraphError> {
        Ok(model.size_multiple(self.plan(model)?.last))
    }

    fn metadata(
        &self,
        model: &VggModel,
        graph: &str,
        plan: &Plan,
    ) -> Vec<onnx::StringStringEntryProto> {
        let mut metadata = model.metadata();
        metadata.extend([
            onnx::metadata("pastiche.graph", graph),
            onnx::metadata(
                "pastiche.size_multiple",
                model.size_multiple(plan.last).to_string(),
            ),
            onnx::metadata("pastiche.content_layers", self.content_layers.join(",")),
            onnx::metadata("pastiche.style_layers", self.style_layers.join(",")),
            onnx::metadata("pastiche.pooling", self.pooling.to_string()),
            onnx::metadata("pastiche.total_variation", self.total_variation.to_string()),
            onnx::metadata("pastiche.temporal", self.temporal.to_string()),
            onnx::metadata("pastiche.convolution", format!("{:?}", self.convolution)),
        ]);
        metadata
    }
}

fn image_dims() -> [Dim; 4] {
    [
        Dim::Fixed(1),
        Dim::Fixed(3),
        Dim::Named("height".into()),
        Dim::Named("width".into()),
    ]
}

fn activation_dims(layer: &str, channels: usize) -> [Dim; 4] {
    [
        Dim::Fixed(1),
        Dim::Fixed(channels as i64),
        Dim::Named(format!("{layer}.height")),
        Dim::Named(format!("{layer}.width")),
    ]
}

fn mask_dims() -> [Dim; 4] {
    [
        Dim::Fixed(1),
        Dim::Fixed(1),
        Dim::Named("height".into()),
        Dim::Named("width".into()),
    ]
}

fn gram_dims(channels: usize) -> [Dim; 2] {
    [Dim::Fixed(channels as i64), Dim::Fixed(channels as i64)]
}

/// `y = Identity(x)` on one float: the smallest graph, for an engine to check that an execution
/// provider really runs before it compiles the large ones.
pub fn device_probe_graph() -> ModelProto {
    let mut graph = GraphBuilder::new("device-probe");
    let dims = [Dim::Fixed(1)];
    graph.input("x", &dims);
    graph.op_into("Identity", &["x"], vec![], "y");
    graph.output("y", &dims);
    graph.finish(vec![])
}

/// Image → `content.<layer>` activations and `gram.<layer>` Gram matrices.
pub fn targets_graph(model: &VggModel, config: &GraphConfig) -> Result<ModelProto, GraphError> {
    let plan = config.plan(model)?;
    let mut b = GraphBuilder::new("pastiche targets");
    b.input(names::IMAGE, &image_dims());
    let x = forward::preprocess(&mut b, model, names::IMAGE);
    let fwd = forward::forward(&mut b, model, &x, plan.last, config, false);
    for (layer, index) in &plan.content {
        let name = names::content_target(layer);
        b.op_into("Identity", &[&fwd.outputs[*index]], vec![], &name);
        b.output(&name, &activation_dims(layer, model.channels_at(*index)));
    }
    for (layer, index) in &plan.style {
        let channels = model.channels_at(*index);
        let gram = forward::gram(&mut b, &fwd.outputs[*index], channels, layer);
        let name = names::style_target(layer);
        b.op_into("Identity", &[&gram.gram], vec![], &name);
        b.output(&name, &gram_dims(channels));
    }
    Ok(b.finish(config.metadata(model, "targets", &plan)))
}

/// Image, targets and weights → `loss`, its terms, and `grad` = dLoss/dImage.
pub fn loss_gradient_graph(
    model: &VggModel,
    config: &GraphConfig,
) -> Result<ModelProto, GraphError> {
    let plan = config.plan(model)?;
    let mut b = GraphBuilder::new("pastiche loss and gradient");
    b.input(names::IMAGE, &image_dims());
    for scalar in [names::CONTENT_WEIGHT, names::STYLE_WEIGHT] {
        b.input(scalar, &[]);
    }
    if !plan.content.is_empty() {
        b.input(
            names::CONTENT_LAYER_WEIGHTS,
            &[Dim::Fixed(plan.content.len() as i64)],
        );
    }
    if !plan.style.is_empty() {
        b.input(
            names::STYLE_LAYER_WEIGHTS,
            &[Dim::Fixed(plan.style.len() as i64)],
        );
    }

    let x = forward::preprocess(&mut b, model, names::IMAGE);
    let fwd = forward::forward(&mut b, model, &x, plan.last, config, true);

    let mut injected: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut content_terms = Vec::new();
    for (position, (layer, index)) in plan.content.iter().enumerate() {
        let target = names::content_target(layer);
        b.input(&target, &activation_dims(layer, model.channels_at(*index)));
        let weight = loss::layer_weight(&mut b, names::CONTENT_LAYER_WEIGHTS, position);
        let loss_name = names::content_layer_loss(layer);
        let term = loss::content(
            &mut b,
            &fwd.outputs[*index],
            &target,
            &weight,
            names::CONTENT_WEIGHT,
            &loss_name,
        );
        b.output(&loss_name, &[]);
        injected.entry(*index).or_default().push(term.grad);
        content_terms.push(term.loss);
    }
    let mut style_terms = Vec::new();
    for (position, (layer, index)) in plan.style.iter().enumerate() {
        let channels = model.channels_at(*index);
        let target = names::style_target(layer);
        b.input(&target, &gram_dims(channels));
        let weight = loss::layer_weight(&mut b, names::STYLE_LAYER_WEIGHTS, position);
        let loss_name = names::style_layer_loss(layer);
        let term = loss::style(
            &mut b,
            &fwd.outputs[*index],
            channels,
            &target,
            &weight,
            names::STYLE_WEIGHT,
            &loss_name,
        );
        b.output(&loss_name, &[]);
        injected.entry(*index).or_default().push(term.grad);
        style_terms.push(term.loss);
    }

    let content_loss = group_total(&mut b, &content_terms, names::CONTENT_LOSS);
    let style_loss = group_total(&mut b, &style_terms, names::STYLE_LOSS);
    let weighted_content = b.op(
        "Mul",
        &[&content_loss, names::CONTENT_WEIGHT],
        vec![],
        "weighted_content",
    );
    let weighted_style = b.op(
        "Mul",
        &[&style_loss, names::STYLE_WEIGHT],
        vec![],
        "weighted_style",
    );
    let mut total = vec![weighted_content, weighted_style];

    let model_grad = backward::backward(&mut b, model, &fwd, config, injected);
    let mut image_grads = vec![forward::preprocess_backward(&mut b, model, &model_grad)];
    if config.total_variation {
        b.input(names::TV_WEIGHT, &[]);
        let tv = loss::total_variation(&mut b, names::IMAGE, names::TV_WEIGHT, names::TV_LOSS);
        b.output(names::TV_LOSS, &[]);
        total.push(b.op("Mul", &[&tv.loss, names::TV_WEIGHT], vec![], "weighted_tv"));
        image_grads.push(tv.grad);
    }
    if config.temporal {
        b.input(names::PREVIOUS, &image_dims());
        b.input(names::TEMPORAL_MASK, &mask_dims());
        b.input(names::TEMPORAL_WEIGHT, &[]);
        let temporal = loss::temporal(
            &mut b,
            names::IMAGE,
            names::PREVIOUS,
            names::TEMPORAL_MASK,
            names::TEMPORAL_WEIGHT,
            names::TEMPORAL_LOSS,
        );
        b.output(names::TEMPORAL_LOSS, &[]);
        total.push(b.op(
            "Mul",
            &[&temporal.loss, names::TEMPORAL_WEIGHT],
            vec![],
            "weighted_temporal",
        ));
        image_grads.push(temporal.grad);
    }
    let refs: Vec<&str> = total.iter().map(String::as_str).collect();
    b.op_into("Sum", &refs, vec![], names::LOSS);
    b.output(names::LOSS, &[]);
    let refs: Vec<&str> = image_grads.iter().map(String::as_str).collect();
    b.op_into("Sum", &refs, vec![], names::GRADIENT);
    b.output(names::GRADIENT, &image_dims());
    Ok(b.finish(config.metadata(model, "loss-gradient", &plan)))
}

/// Sums a group's layer terms into the output `name` (a constant 0 for an empty group).
fn group_total(b: &mut GraphBuilder, terms: &[String], name: &str) -> String {
    if terms.is_empty() {
        let zero = b.scalar(0.0);
        b.op_into("Identity", &[&zero], vec![], name);
    } else {
        let refs: Vec<&str> = terms.iter().map(String::as_str).collect();
        b.op_into("Sum", &refs, vec![], name);
    }
    b.output(name, &[]);
    name.to_owned()
}
