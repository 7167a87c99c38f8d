//! The engine's side of `bench/run.sh`: prepares the exact inputs the PyTorch reference reads,
//! and measures how long Pastiche takes to reach a given loss.
//!
//!   engine prepare SIZE DIR                         write DIR/{content,style}.{f32,json}; print the initial loss
//!   engine to-loss SIZE TARGET THREADS SCALES MAX [COARSE [INIT [TOLERANCE]]]
//!                                                   stylise until the loss at SIZE is ≤ TARGET:
//!                                                   at most MAX iterations at SIZE, COARSE (default
//!                                                   MAX) at each smaller scale, from INIT
//!                                                   (content|style-colours), with the convergence
//!                                                   stop at TOLERANCE (default 0: off)
//!   engine video WIDTH HEIGHT FRAMES SIZE FIRST LATER
//!                                                   stylise FRAMES frames of a WIDTH×HEIGHT pan
//!                                                   as pastiche-video does (bench/gpu.sh)
//! Prints one JSON object. Images come from shared/data (override with PASTICHE_DATA); the
//! device is $BENCH_DEVICE (cpu, cuda or auto; default cpu), the convolutions' form
//! $BENCH_CONVOLUTION (direct or winograd; default: the device's); $BENCH_HISTORY sets the
//! L-BFGS history of `to-loss`, regardless of the memory budget (default: the engine's).

use std::path::{Path, PathBuf};
use std::time::Instant;

use ndarray::s;
use pastiche_core::{
    Control, CoreError, Device, Engine, Init, LossTerms, OptimizerKind, Params, Picture,
    SessionOptions, Style, StyleTargets, VideoSession,
};
use pastiche_graph::store;

fn data(name: &str) -> PathBuf {
    let root = std::env::var_os("PASTICHE_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    root.join(name)
}

fn pictures(size: usize) -> (Picture, Picture) {
    let content = Picture::load(&data("tubingen.jpg"))
        .unwrap()
        .with_longest_side(size);
    let style = Picture::load(&data("starry_night.jpg"))
        .unwrap()
        .with_longest_side(size);
    (content, style)
}

fn write_raw(dir: &Path, name: &str, picture: &Picture) {
    let bytes: Vec<u8> = picture.rgb.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join(format!("{name}.f32")), bytes).unwrap();
    let shape = format!(
        "{{\"shape\": [3, {}, {}]}}",
        picture.height(),
        picture.width()
    );
    std::fs::write(dir.join(format!("{name}.json")), shape).unwrap();
}

fn engine(threads: usize) -> Engine {
    let device: Device = std::env::var("BENCH_DEVICE")
        .map(|d| d.parse().unwrap_or_else(|e| panic!("BENCH_DEVICE: {e}")))
        .unwrap_or_default();
    let convolution = std::env::var("BENCH_CONVOLUTION")
        .ok()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse()
                .unwrap_or_else(|e| panic!("BENCH_CONVOLUTION: {e}"))
        });
    let options = SessionOptions {
        threads,
        device,
        convolution,
        ..SessionOptions::default()
    };
    let engine =
        Engine::new(&store::resolve_model(None), options).unwrap_or_else(|e| panic!("{e}"));
    if let (_, Some(reason)) = engine.device() {
        eprintln!("engine: on the CPU: {reason}");
    }
    engine
}

/// `count` frames of `width` × `height` panning 4 px per frame across the content picture.
fn panning_frames(width: usize, height: usize, count: usize) -> Vec<Picture> {
    const STEP: usize = 4;
    let scene = Picture::load(&data("tubingen.jpg"))
        .unwrap()
        .resized(width + STEP * count, height);
    (0..count)
        .map(|i| Picture {
            rgb: scene
                .rgb
                .slice(s![.., .., STEP * i..STEP * i + width])
                .to_owned(),
            alpha: None,
        })
        .collect()
}

/// Targets of the one style image, as both measurements use them.
fn starry_targets(
    engine: &Engine,
    style: Picture,
    params: &Params,
    content: &Picture,
) -> StyleTargets {
    let styles = vec![Style {
        picture: style,
        weight: 1.0,
    }];
    engine.style_targets(styles, params, content).unwrap()
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let number = |i: usize| -> f64 { args[i].parse().expect("numeric argument") };
    match args.first().map(String::as_str) {
        Some("prepare") => {
            let size = number(1) as usize;
            let dir = PathBuf::from(&args[2]);
            std::fs::create_dir_all(&dir).unwrap();
            let (content, style) = pictures(size);
            write_raw(&dir, "content", &content);
            write_raw(&dir, "style", &style);
            let params = Params {
                size,
                scales: 1,
                ..Params::default()
            };
            let mut engine = engine(0);
            let mut targets = starry_targets(&engine, style, &params, &content);
            let initial = engine
                .loss_of(&content, &content, &mut targets, &params)
                .unwrap();
            println!("{{\"initial_loss\": {}}}", initial.total);
        }
        Some("to-loss") => {
            let (size, target, threads, scales, max) = (
                number(1) as usize,
                number(2),
                number(3) as usize,
                number(4) as usize,
                number(5) as usize,
            );
            let (content, style) = pictures(size);
            let init = match args.get(7).map(String::as_str) {
                None | Some("content") => Init::Content,
                Some("style-colours") => Init::StyleColours,
                Some(other) => panic!("unknown init {other}"),
            };
            let params = Params {
                size,
                scales,
                iterations: max,
                coarse_iterations: args.get(6).map_or(0, |_| number(6) as usize),
                tolerance: args.get(8).map_or(0.0, |_| number(8) as f32),
                init,
                // One tile: the whole picture at once, as the reference optimises it, so the
                // loss the callback sees is the picture's, not one tile's.
                tile_size: size,
                ..Params::default()
            };
            // An explicit history is kept whatever its memory, to measure what the budget costs.
            let params = match std::env::var("BENCH_HISTORY") {
                Ok(history) => Params {
                    optimizer: OptimizerKind::Lbfgs {
                        history: history.parse().expect("BENCH_HISTORY: a number of pairs"),
                        memory_budget: usize::MAX,
                    },
                    ..params
                },
                Err(_) => params,
            };
            let mut engine = engine(threads);
            let started = Instant::now();
            let mut targets = starry_targets(&engine, style, &params, &content);
            let (mut iterations, mut evaluations, mut loss) = (0, 0, f64::NAN);
            let mut coarse = (0, 0, 0.0);
            // The final scale's loss every 10 iterations, to read the convergence stop off.
            let mut trajectory = Vec::new();
            let mut terms = LossTerms::default();
            let result = engine.stylize(&content, &mut targets, &params, &mut |p| {
                let last_scale = p.scale + 1 == p.scales;
                if !last_scale {
                    coarse = (p.iteration, p.evaluations, started.elapsed().as_secs_f64());
                }
                (iterations, evaluations, loss) = (p.iteration, p.evaluations, p.loss.total);
                terms = p.loss;
                if last_scale && p.iteration % 10 == 0 {
                    trajectory.push(format!("{:.5}", p.loss.total));
                }
                if last_scale && p.loss.total <= target {
                    Control::Cancel
                } else {
                    Control::Continue
                }
            });
            // Cancelled is how the callback stops the run once the target is reached.
            let (reached, final_loss) = match result {
                Err(CoreError::Cancelled) => (true, loss),
                Err(e) => panic!("{e}"),
                Ok(done) => (false, done.loss.total),
            };
            println!(
                "{{\"reached\": {reached}, \"seconds\": {:.3}, \"final_scale_iterations\": {iterations}, \"evaluations\": {evaluations}, \"loss\": {final_loss}, \"coarse_iterations\": {}, \"coarse_evaluations\": {}, \"coarse_seconds\": {:.3}, \"content\": {:.5}, \"style\": {:.5}, \"every_10\": [{}]}}",
                started.elapsed().as_secs_f64(), coarse.0, coarse.1, coarse.2, terms.content, terms.style, trajectory.join(", ")
            );
        }
        Some("video") => {
            let [width, height, frames, size, first, later] =
                [1, 2, 3, 4, 5, 6].map(|i| number(i) as usize);
            let frames = panning_frames(width, height, frames);
            let style = Picture::load(&data("starry_night.jpg"))
                .unwrap()
                .with_longest_side(size);
            let params = Params {
                size,
                ..Params::default()
            };
            let mut engine = engine(0);
            let started = Instant::now();
            let targets = starry_targets(&engine, style, &params, &frames[0]);
            let mut session = VideoSession::new(targets, params, first, later).unwrap();
            let mut first_frame_seconds = 0.0;
            for frame in &frames {
                session
                    .push(&mut engine, frame, &mut |_| Control::Continue)
                    .unwrap();
                if first_frame_seconds == 0.0 {
                    first_frame_seconds = started.elapsed().as_secs_f64();
                }
            }
            let seconds = started.elapsed().as_secs_f64();
            let later_frames = frames.len() - 1;
            println!(
                "{{\"frames\": {}, \"seconds\": {seconds:.3}, \"first_frame_seconds\": {first_frame_seconds:.3}, \"later_frames_per_second\": {:.3}}}",
                frames.len(),
                later_frames as f64 / (seconds - first_frame_seconds)
            );
        }
        _ => {
            panic!("usage: engine prepare SIZE DIR | engine to-loss SIZE TARGET THREADS SCALES MAX | engine video WIDTH HEIGHT FRAMES SIZE FIRST LATER")
        }
    }
}
