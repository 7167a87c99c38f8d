//! `pastiche stylize`: repaint a photo in the style of one or more paintings.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pastiche_core::{
    estimated_time, store, ColorPreservation, Control, CoreError, Device, Engine, Init,
    OptimizerKind, Params, Picture, Quality, SessionOptions, Style,
};

use crate::interrupt::Interrupt;
use crate::layer_args::LayerArgs;
use crate::progress::Display;

#[derive(Args)]
pub struct StylizeArgs {
    /// The photo to repaint (PNG, JPEG, WebP or TIFF).
    content: PathBuf,
    /// A style image, or a bundled style's name (`pastiche styles` lists them); repeat for a blend.
    #[arg(long = "style", required = true, value_name = "IMAGE|NAME")]
    styles: Vec<PathBuf>,
    /// Output file: .png (8-bit), .jpg, .tif/.tiff (16-bit) or .webp (lossless). Written only when
    /// the run completes.
    #[arg(short, long)]
    output: PathBuf,
    /// Blend weights of the styles, comma-separated [default: equal].
    #[arg(long, value_delimiter = ',')]
    style_blend: Option<Vec<f32>>,
    /// Longest side to optimise at, and of the output [default: the photo's own size, in tiles
    /// beyond --tile-size]; a smaller size is a quicker, low-resolution pass.
    #[arg(long, allow_negative_numbers = true, value_parser = side)]
    size: Option<usize>,
    /// Longest side of the pieces a large picture is optimised in; memory grows with it (about
    /// 1 GB at 512), not with the picture.
    #[arg(long, default_value_t = pastiche_core::DEFAULT_TILE_SIZE, allow_negative_numbers = true, value_parser = count)]
    tile_size: usize,
    /// How finished the picture should be: draft (a quick look, 40 % of standard's work),
    /// standard (half the work of the former 300 iterations at each scale), or fine (those 300).
    /// Sets each scale's most iterations and the convergence stop.
    #[arg(long, default_value = "standard")]
    quality: Quality,
    /// Most optimiser iterations at the final scale [default: from --quality; standard: 150].
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    iterations: Option<usize>,
    /// Number of resolutions, doubling up to --size; 0 = automatic (from 256 px: 512 → 256, 512).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = count)]
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
    /// Starting image: style-colours (the content recoloured to the style's colour mean and
    /// covariance: the same loss in about a third fewer iterations than from the content itself),
    /// content, noise, or the path of an image.
    #[arg(long, default_value = "style-colours")]
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
    #[arg(long, default_value_t = 0, allow_negative_numbers = true, value_parser = count)]
    threads: usize,
    /// Also save the image every N iterations, as OUTPUT.sS.iterN.EXT.
    #[arg(long, allow_negative_numbers = true, value_parser = count)]
    save_every: Option<usize>,
    /// Model file, directory or store name [default: $PASTICHE_MODEL or vgg16].
    #[arg(long)]
    model: Option<String>,
}

/// A whole number of 0 or more. Negative values reach this parser (rather than being taken for
/// options) so that `--size -5` is refused in plain words.
fn count(text: &str) -> Result<usize, String> {
    text.parse()
        .map_err(|_| "must be a whole number, 0 or more".to_owned())
}

/// A picture side for `--size`: leaving the option out, not 0, asks for the photo's own size.
fn side(text: &str) -> Result<usize, String> {
    let range = pastiche_core::MIN_SIZE..=pastiche_core::MAX_SIZE;
    match count(text)? {
        side if range.contains(&side) => Ok(side),
        _ => Err(format!(
            "must be {}..={} pixels (leave --size out for the photo's own size)",
            range.start(),
            range.end()
        )),
    }
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
            "style-colours" => Init::StyleColours,
            "content" => Init::Content,
            "noise" => Init::Noise,
            path => Init::Image(Picture::load(Path::new(path))?),
        };
        let preset = self.quality.apply(Params::default());
        Ok(Params {
            size: self.size.unwrap_or(pastiche_core::FULL_SIZE),
            tile_size: self.tile_size,
            scales: self.scales,
            iterations: self.iterations.unwrap_or(preset.iterations),
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
            ..preset
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

/// Refuses an output that names one of the input pictures: the finished picture is renamed over
/// it, destroying that input.
fn refuse_an_output_that_is_an_input(args: &StylizeArgs) -> Result<(), CoreError> {
    let init_image = match args.init.as_str() {
        "content" | "noise" => None,
        path => Some(("--init image", Path::new(path))),
    };
    let inputs = std::iter::once(("content image", args.content.as_path()))
        .chain(args.styles.iter().map(|s| ("style image", s.as_path())))
        .chain(init_image);
    for (what, input) in inputs {
        if same_file(&args.output, input) {
            return Err(CoreError::parameter(
                "output",
                args.output.display(),
                format!(
                    "it is the {what} {}: writing it would destroy the {what}; choose another \
                     output file",
                    input.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Whether two paths name the same existing file (one inode on one device, through links):
/// `in.png` and `./in.png`, a symbolic or a hard link to it.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// Runs the command; Ctrl-C (through `interrupt`) stops it without writing the output.
pub fn run(args: StylizeArgs, interrupt: &Interrupt) -> Result<(), CoreError> {
    Picture::check_output_path(&args.output)?;
    refuse_an_output_that_is_an_input(&args)?;
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
                picture: pastiche_core::load_style(path)?,
                weight,
            })
        })
        .collect::<Result<Vec<_>, CoreError>>()?;

    let plan = params.plan(content.width(), content.height());
    let estimate = estimated_time(&params, content.width(), content.height(), args.threads);
    let display = Display::start(&plan);
    interrupt.show_progress_on(display.bar());
    display.bar().suspend(|| {
        eprintln!(
            "pastiche: quality {}: at most about {} on the CPU with {}, set-up excluded",
            args.quality.name(),
            minutes(estimate),
            match args.threads {
                0 => "all cores".to_owned(),
                1 => "1 thread".to_owned(),
                n => format!("{n} threads"),
            }
        )
    });

    display.setup("loading the model and ONNX Runtime");
    let options = SessionOptions {
        threads: args.threads,
        device: args.device,
        ..SessionOptions::default()
    };
    let mut engine = Engine::new(&store::resolve_model(args.model.as_deref()), options)?;
    display.setup("compiling the graphs and creating the ONNX Runtime sessions");
    if let (Device::Cpu, Some(reason)) = engine.compile(&params)? {
        display.bar().suspend(|| {
            eprintln!("pastiche: notice: CUDA is unavailable, running on the CPU ({reason})")
        });
    }
    display.setup("computing the style targets");
    let mut targets = engine.style_targets(styles, &params, &content)?;
    for scale in &plan {
        engine.style_grams(&mut targets, scale.longest)?;
    }

    display.optimising();
    let mut save_error = None;
    let mut report = |p: &pastiche_core::Progress<'_>| {
        display.iteration(p);
        if let Some(every) = args.save_every {
            if p.iteration.is_multiple_of(every) {
                let path = intermediate_path(&args.output, p.scale, p.iteration);
                let saved = p
                    .snapshot()
                    .encode(&path)
                    .and_then(|bytes| interrupt.write(|| save(&path, &bytes)));
                if let Err(e) = saved {
                    save_error = Some(e);
                    return Control::Cancel;
                }
            }
        }
        if interrupt.requested() {
            Control::Cancel
        } else {
            Control::Continue
        }
    };
    let result = engine.stylize(&content, &mut targets, &params, &mut report);
    let result = match (result, save_error) {
        (_, Some(e)) => return Err(e),
        (r, None) => r?,
    };
    let bytes = result.picture.encode(&args.output)?;
    interrupt.commit(|| save(&args.output, &bytes))?;
    display.finish();
    eprintln!(
        "wrote {} ({}x{}, {} evaluations, {:.1} s including set-up, final loss {:.4e})",
        args.output.display(),
        result.picture.width(),
        result.picture.height(),
        result.evaluations,
        display.elapsed().as_secs_f64(),
        result.loss.total
    );
    Ok(())
}

/// "40 s", "3 min", "1 h 05 min".
fn minutes(duration: std::time::Duration) -> String {
    let seconds = duration.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// Writes an encoded picture whole or not at all.
fn save(path: &Path, bytes: &[u8]) -> Result<(), CoreError> {
    pastiche_core::write_atomically(path, bytes).map_err(CoreError::from)
}
