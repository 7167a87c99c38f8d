//! `pastiche stylize`: repaint a photo in the style of one or more paintings.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use pastiche_core::{
    ColorPreservation, Control, CoreError, Device, Engine, Init, OptimizerKind, Params, Picture,
    SessionOptions, Style,
};
use pastiche_graph::store;

use crate::layer_args::LayerArgs;

#[derive(Args)]
pub struct StylizeArgs {
    /// The photo to repaint (PNG, JPEG, WebP or TIFF).
    content: PathBuf,
    /// A style image; repeat for a blend.
    #[arg(long = "style", required = true)]
    styles: Vec<PathBuf>,
    /// Output file: .png (8-bit), .jpg, or .tif/.tiff (16-bit). Written only when the run completes.
    #[arg(short, long)]
    output: PathBuf,
    /// Blend weights of the styles, comma-separated [default: equal].
    #[arg(long, value_delimiter = ',')]
    style_blend: Option<Vec<f32>>,
    /// Longest side of the output in pixels.
    #[arg(long, default_value_t = pastiche_core::DEFAULT_SIZE)]
    size: usize,
    /// Optimiser iterations at each scale.
    #[arg(long, default_value_t = 300)]
    iterations: usize,
    /// Number of resolutions, doubling up to --size; 0 = automatic (from 256 px: 512 → 256, 512).
    #[arg(long, default_value_t = 0)]
    scales: usize,
    /// Seed of the noise initialisation (same seed, threads and device → identical output).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Size of the style images relative to the content.
    #[arg(long, default_value_t = 1.0)]
    style_scale: f32,
    /// Weight of the content loss (each layer's loss is relative to its target's energy).
    #[arg(long, default_value_t = 1.0)]
    content_weight: f32,
    /// Weight of the style loss (each layer's loss is relative to its target's energy).
    #[arg(long, default_value_t = 10.0)]
    style_weight: f32,
    /// Weight of the total-variation (smoothness) term; 0 turns it off.
    #[arg(long, default_value_t = 1.0)]
    tv_weight: f32,
    #[command(flatten)]
    layers: LayerArgs,
    /// Starting image: content, noise, or the path of an image.
    #[arg(long, default_value = "content")]
    init: String,
    /// Optimiser.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Lbfgs)]
    optimizer: OptimizerArg,
    /// Adam's learning rate (pixels are 0..1).
    #[arg(long, default_value_t = 0.02)]
    learning_rate: f32,
    /// Keep the content's colours: luminance-only transfer, or style colours matched to the content.
    #[arg(long, value_enum)]
    preserve_colors: Option<ColorArg>,
    /// Where the graphs run: cpu, cuda, or auto (CUDA if available, else CPU with a notice).
    #[arg(long, default_value = "cpu")]
    device: Device,
    /// Threads for ONNX Runtime; 0 = one per core.
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Also save the image every N iterations, as OUTPUT.sS.iterN.EXT.
    #[arg(long)]
    save_every: Option<usize>,
    /// Model file, directory or store name [default: $PASTICHE_MODEL or vgg16].
    #[arg(long)]
    model: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum OptimizerArg {
    Lbfgs,
    Adam,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Luminance,
    Histogram,
}

impl StylizeArgs {
    fn params(&self) -> Result<Params, CoreError> {
        let init = match self.init.as_str() {
            "content" => Init::Content,
            "noise" => Init::Noise,
            path => Init::Image(Picture::load(Path::new(path))?),
        };
        Ok(Params {
            size: self.size,
            scales: self.scales,
            iterations: self.iterations,
            content_weight: self.content_weight,
            style_weight: self.style_weight,
            tv_weight: self.tv_weight,
            content_layers: self.layers.content_layers.clone(),
            style_layers: self.layers.style_layers.clone(),
            pooling: self.layers.pooling(),
            optimizer: match self.optimizer {
                OptimizerArg::Lbfgs => Params::default().optimizer,
                OptimizerArg::Adam => OptimizerKind::Adam {
                    learning_rate: self.learning_rate,
                },
            },
            init,
            seed: self.seed,
            style_scale: self.style_scale,
            preserve_colors: self.preserve_colors.map(|c| match c {
                ColorArg::Luminance => ColorPreservation::Luminance,
                ColorArg::Histogram => ColorPreservation::Histogram,
            }),
            ..Params::default()
        })
    }
}

fn intermediate_path(output: &Path, scale: usize, iteration: usize) -> PathBuf {
    let stem = output
        .file_stem()
        .map_or_else(|| "output".into(), |s| s.to_string_lossy().into_owned());
    let extension = output
        .extension()
        .map_or_else(|| "png".into(), |e| e.to_string_lossy().into_owned());
    output.with_file_name(format!("{stem}.s{scale}.iter{iteration:04}.{extension}"))
}

/// Runs the command; `interrupted` is set by Ctrl-C.
pub fn run(args: StylizeArgs, interrupted: Arc<AtomicBool>) -> Result<(), CoreError> {
    Picture::check_output_path(&args.output)?;
    let params = args.params()?;
    params.validate()?;
    if let Some(0) = args.save_every {
        return Err(CoreError::parameter("save-every", 0, "must be at least 1"));
    }
    let weights = args
        .style_blend
        .clone()
        .unwrap_or_else(|| vec![1.0; args.styles.len()]);
    if weights.len() != args.styles.len() {
        return Err(CoreError::parameter(
            "style-blend",
            format!("{weights:?}"),
            format!("needs one weight per --style ({})", args.styles.len()),
        ));
    }
    let content = Picture::load(&args.content)?;
    let styles = args
        .styles
        .iter()
        .zip(weights)
        .map(|(path, weight)| {
            Ok(Style {
                picture: Picture::load(path)?,
                weight,
            })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;

    let options = SessionOptions {
        threads: args.threads,
        device: args.device,
        ..SessionOptions::default()
    };
    let mut engine = Engine::new(&store::resolve_model(args.model.as_deref()), options)?;
    if let (Device::Cpu, Some(reason)) = engine.compile(&params)? {
        eprintln!("pastiche: notice: CUDA is unavailable, running on the CPU ({reason})");
    }
    let mut targets = engine.style_targets(styles, &params, &content)?;

    let scales = params.schedule();
    let bar = ProgressBar::new((params.iterations * scales.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} [{elapsed_precise} < {eta_precise}] {msg}",
        )
        .expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(500));
    let mut save_error = None;
    let mut report = |p: &pastiche_core::Progress<'_>| {
        bar.set_position((p.scale * p.iterations + p.iteration) as u64);
        bar.set_message(format!(
            "scale {}/{} {}x{}  loss {:.4e} (content {:.3e}, style {:.3e}, tv {:.3e})",
            p.scale + 1,
            p.scales,
            p.width,
            p.height,
            p.loss.total,
            p.loss.content,
            p.loss.style,
            p.loss.tv
        ));
        if let Some(every) = args.save_every {
            if p.iteration.is_multiple_of(every) {
                if let Err(e) =
                    p.snapshot()
                        .save(&intermediate_path(&args.output, p.scale, p.iteration))
                {
                    save_error = Some(e);
                    return Control::Cancel;
                }
            }
        }
        if interrupted.load(Ordering::Relaxed) {
            Control::Cancel
        } else {
            Control::Continue
        }
    };
    let result = engine.stylize(&content, &mut targets, &params, &mut report);
    bar.finish_and_clear();
    let result = match (result, save_error) {
        (_, Some(e)) => return Err(e),
        (r, None) => r?,
    };
    result.picture.save(&args.output)?;
    eprintln!(
        "wrote {} ({}x{}, {} evaluations, {:.1} s, final loss {:.4e})",
        args.output.display(),
        result.picture.width(),
        result.picture.height(),
        result.evaluations,
        bar.elapsed().as_secs_f64(),
        result.loss.total
    );
    Ok(())
}
