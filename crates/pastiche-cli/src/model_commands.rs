//! `pastiche model …`: import a VGG network, describe a model, export its graphs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use pastiche_core::{encode_model, store, GraphConfig, LayerKind, Params, Preprocessing, VggModel};

use crate::layer_args::LayerArgs;

#[derive(Subcommand)]
pub enum ModelCommand {
    /// Import a VGG16/VGG19 ONNX file (Keras/tf2onnx, torchvision or ONNX model zoo layout).
    Import(ImportArgs),
    /// Describe a model: layers, channels, preprocessing, source checksum.
    Info {
        /// Model file, model directory, or name in the store (default: $PASTICHE_MODEL or vgg16).
        model: Option<String>,
    },
    /// Write the loss+gradient graph (and optionally the targets graph) as ONNX, e.g. for Netron.
    ExportGraph(ExportArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The ONNX file to import.
    source: PathBuf,
    /// Directory to write the model into [default: the store, under --name].
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Name in the store when -o is not given [default: the source file's stem].
    #[arg(long)]
    name: Option<String>,
    /// Input preprocessing: caffe (BGR, 0..255, minus mean), torch (RGB, ImageNet mean/std), or
    /// "order=rgb|bgr;scale=S;mean=a,b,c;std=a,b,c" [default: chosen from the file's layout].
    #[arg(long)]
    preprocess: Option<Preprocessing>,
}

#[derive(Args)]
pub struct ExportArgs {
    /// Model file, directory or store name [default: $PASTICHE_MODEL or vgg16].
    #[arg(long)]
    model: Option<String>,
    #[command(flatten)]
    layers: LayerArgs,
    /// Leave out the total-variation term.
    #[arg(long)]
    no_tv: bool,
    /// Where to write the loss+gradient graph.
    #[arg(short, long)]
    output: PathBuf,
    /// Also write the targets graph here.
    #[arg(long)]
    targets_output: Option<PathBuf>,
}

impl ModelCommand {
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            ModelCommand::Import(args) => import(args),
            ModelCommand::Info { model } => info(model.as_deref()),
            ModelCommand::ExportGraph(args) => export_graph(args),
        }
    }
}

fn import(args: ImportArgs) -> anyhow::Result<()> {
    let imported = pastiche_core::import_file(&args.source, args.preprocess)?;
    let directory = args.output.unwrap_or_else(|| {
        let stem = args
            .source
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        store::model_dir(&args.name.or(stem).unwrap_or_else(|| "model".into()))
    });
    std::fs::create_dir_all(&directory)
        .with_context(|| format!("creating {}", directory.display()))?;
    let path = directory.join(store::MODEL_FILE);
    imported.model.save(&path)?;
    let model = &imported.model;
    println!(
        "imported {} ({}) from {}",
        model.architecture,
        model.source.layout,
        args.source.display()
    );
    println!(
        "preprocessing: {} — {}",
        model.preprocessing.describe(),
        imported.preprocessing_origin
    );
    println!("wrote {}", path.display());
    Ok(())
}

fn load(model: Option<&str>) -> anyhow::Result<(PathBuf, VggModel)> {
    let path = store::resolve_model(model);
    if !path.exists() {
        anyhow::bail!(
            "model '{}' not found (run models/fetch-default.sh, or `pastiche model import`)",
            path.display()
        );
    }
    let model = pastiche_core::load_model(&path)?;
    Ok((path, model))
}

fn info(model: Option<&str>) -> anyhow::Result<()> {
    let (path, model) = load(model)?;
    println!("model:         {}", path.display());
    println!("architecture:  {}", model.architecture);
    println!("parameters:    {}", model.parameter_count());
    println!("preprocessing: {}", model.preprocessing.describe());
    println!(
        "source:        {} ({})",
        model.source.file_name, model.source.layout
    );
    println!("source sha256: {}", model.source.sha256);
    // Stylising replaces the network's pooling; say what it uses, not what the file has.
    println!(
        "pooling:       {} when stylising (--pooling avg|max replaces the network's own)",
        Params::default().pooling
    );
    println!("layers:");
    for (index, layer) in model.layers.iter().enumerate() {
        let detail = match &layer.kind {
            LayerKind::Conv(c) => {
                format!("conv 3x3  {:>4} -> {:<4}", c.in_channels, c.out_channels)
            }
            LayerKind::Relu => format!("relu      {:>4}", model.channels_at(index)),
            LayerKind::Pool(_) => format!(
                "pool 2x2  (image sides multiple of {})",
                model.size_multiple(index)
            ),
        };
        println!("  {:<8} {detail}", layer.name);
    }
    Ok(())
}

fn export_graph(args: ExportArgs) -> anyhow::Result<()> {
    let (_, model) = load(args.model.as_deref())?;
    let config = GraphConfig {
        pooling: args.layers.pooling(),
        content_layers: args.layers.content_layers,
        style_layers: args.layers.style_layers,
        total_variation: !args.no_tv,
        ..GraphConfig::default()
    };
    let started = Instant::now();
    let graph = pastiche_core::loss_gradient_graph(&model, &config)?;
    let bytes = encode_model(&graph);
    let compiled = started.elapsed();
    pastiche_core::write_atomically(&args.output, &bytes)?;
    println!(
        "wrote {} ({:.1} MB, {} nodes, compiled in {:.0} ms; image sides must be multiples of {})",
        args.output.display(),
        bytes.len() as f64 / 1e6,
        graph.graph.as_ref().map_or(0, |g| g.node.len()),
        compiled.as_secs_f64() * 1e3,
        config.size_multiple(&model)?
    );
    if let Some(path) = args.targets_output {
        let targets = pastiche_core::targets_graph(&model, &config)?;
        pastiche_core::write_atomically(&path, &encode_model(&targets))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
