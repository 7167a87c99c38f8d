//! The engine end to end on the real default model, at thumbnail sizes so that it stays quick.

mod support;

use ndarray::{Array2, Array3};
use pastiche_core::{
    ColorPreservation, Control, CoreError, Device, Engine, Init, Params, Picture, SessionOptions,
    Style, StyleTargets,
};
use pastiche_graph::store;
use support::{data, engine};

/// A content picture whose sides are not multiples of 16, with an alpha ramp.
fn content() -> Picture {
    let photo = Picture::load(&data("tubingen.jpg"))
        .unwrap()
        .resized(70, 50);
    let alpha = Array2::from_shape_fn((50, 70), |(_, x)| x as f32 / 69.0);
    Picture {
        alpha: Some(alpha),
        ..photo
    }
}

fn starry() -> Style {
    Style {
        picture: Picture::load(&data("starry_night.jpg"))
            .unwrap()
            .with_longest_side(128),
        weight: 1.0,
    }
}

fn params(iterations: usize) -> Params {
    Params {
        size: 70,
        scales: 1,
        iterations,
        ..Params::default()
    }
}

fn targets(engine: &Engine, params: &Params, content: &Picture) -> StyleTargets {
    engine
        .style_targets(vec![starry()], params, content)
        .unwrap()
}

#[test]
fn stylizes_an_odd_sized_picture_keeping_size_and_alpha() {
    let mut engine = engine();
    let content = content();
    let params = params(8);
    let mut targets = targets(&engine, &params, &content);
    let mut losses = Vec::new();
    let result = engine
        .stylize(&content, &mut targets, &params, &mut |p| {
            losses.push(p.loss.total);
            Control::Continue
        })
        .unwrap();
    assert_eq!((result.picture.width(), result.picture.height()), (70, 50));
    assert_eq!(result.picture.alpha, content.alpha, "alpha passes through");
    assert_eq!(losses.len(), 8);
    assert!(losses[7] < 0.5 * losses[0], "loss should fall: {losses:?}");
    let change = (&result.picture.rgb - &content.rgb)
        .mapv(f32::abs)
        .mean()
        .unwrap();
    assert!(change > 0.02, "the picture changed by only {change}");
    assert!(result.picture.rgb.iter().all(|v| (0.0..=1.0).contains(v)));
}

#[test]
fn cancelling_from_the_callback_stops_at_once() {
    let mut engine = engine();
    let content = content();
    let params = params(50);
    let mut targets = targets(&engine, &params, &content);
    let mut calls = 0;
    let mut evaluations_at_cancel = 0;
    let result = engine.stylize(&content, &mut targets, &params, &mut |p| {
        calls += 1;
        evaluations_at_cancel = p.evaluations;
        if p.iteration == 3 {
            Control::Cancel
        } else {
            Control::Continue
        }
    });
    assert!(matches!(result, Err(CoreError::Cancelled)), "{result:?}");
    assert_eq!(calls, 3, "no iteration after the cancel");
    assert!(
        evaluations_at_cancel <= 3 * 2 + 1,
        "{evaluations_at_cancel} evaluations"
    );
}

/// The RGB planes of a complete run with fresh targets and no progress reporting.
fn stylized_rgb(engine: &mut Engine, content: &Picture, params: &Params) -> Array3<f32> {
    let mut targets = targets(engine, params, content);
    engine
        .stylize(content, &mut targets, params, &mut |_| Control::Continue)
        .unwrap()
        .picture
        .rgb
}

fn noise_run(engine: &mut Engine, seed: u64) -> Array3<f32> {
    let params = Params {
        init: Init::Noise,
        seed,
        ..params(3)
    };
    stylized_rgb(engine, &content(), &params)
}

#[test]
fn the_same_seed_gives_the_same_picture() {
    let mut engine = engine();
    let first = noise_run(&mut engine, 7);
    assert_eq!(first, noise_run(&mut engine, 7));
    assert_ne!(first, noise_run(&mut engine, 8));
}

#[test]
fn multi_resolution_runs_every_scale_in_order() {
    let mut engine = engine();
    let content = content();
    let params = Params {
        size: 96,
        scales: 2,
        iterations: 2,
        ..Params::default()
    };
    let mut targets = targets(&engine, &params, &content);
    let mut seen = Vec::new();
    let result = engine
        .stylize(&content, &mut targets, &params, &mut |p| {
            seen.push((p.scale, p.width, p.height));
            Control::Continue
        })
        .unwrap();
    assert_eq!(seen, [(0, 48, 34), (0, 48, 34), (1, 96, 69), (1, 96, 69)]);
    assert_eq!((result.picture.width(), result.picture.height()), (96, 69));
}

fn mean_chroma(rgb: &Array3<f32>) -> (f32, f32) {
    let (r, g, b) = (
        rgb.index_axis(ndarray::Axis(0), 0),
        rgb.index_axis(ndarray::Axis(0), 1),
        rgb.index_axis(ndarray::Axis(0), 2),
    );
    let i = (&r * 0.596 - &g * 0.274 - &b * 0.322).mean().unwrap();
    let q = (&r * 0.211 - &g * 0.523 + &b * 0.312).mean().unwrap();
    (i, q)
}

#[test]
fn luminance_preservation_keeps_the_content_colours() {
    let mut engine = engine();
    let content = content();
    let run = |engine: &mut Engine, preserve| {
        let params = Params {
            preserve_colors: preserve,
            ..params(6)
        };
        stylized_rgb(engine, &content, &params)
    };
    let plain = mean_chroma(&run(&mut engine, None));
    let kept = mean_chroma(&run(&mut engine, Some(ColorPreservation::Luminance)));
    let original = mean_chroma(&content.rgb);
    let distance =
        |a: (f32, f32), b: (f32, f32)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    assert!(distance(kept, original) < 0.01, "{kept:?} vs {original:?}");
    assert!(
        distance(plain, original) > distance(kept, original),
        "{plain:?} {kept:?} {original:?}"
    );
}

#[test]
fn cuda_fails_clearly_at_engine_creation_and_auto_falls_back_to_the_cpu() {
    let model = store::resolve_model(Some(store::DEFAULT_MODEL));
    let on = |device| {
        Engine::new(
            &model,
            SessionOptions {
                device,
                ..SessionOptions::default()
            },
        )
    };
    let message = on(Device::Cuda).err().expect("no CUDA here").to_string();
    assert!(message.contains("'cuda' is not available"), "{message}");

    let mut engine = on(Device::Auto).unwrap();
    let (used, reason) = engine.device();
    assert_eq!(used, Device::Cpu);
    assert!(reason.is_some_and(|r| !r.is_empty()));
    let content = content();
    let params = params(1);
    let mut targets = engine
        .style_targets(vec![starry()], &params, &content)
        .unwrap();
    engine
        .stylize(&content, &mut targets, &params, &mut |_| Control::Continue)
        .unwrap();
}

#[test]
fn absurd_thread_counts_are_refused_before_any_work() {
    let model = store::resolve_model(Some(store::DEFAULT_MODEL));
    let options = SessionOptions {
        threads: pastiche_core::MAX_THREADS + 1,
        ..SessionOptions::default()
    };
    let message = Engine::new(&model, options).err().unwrap().to_string();
    assert!(message.contains("threads"), "{message}");
}

#[test]
fn bad_parameters_and_style_blends_are_refused_by_name() {
    let engine = engine();
    let content = content();
    let bad_blend = engine.style_targets(
        vec![Style {
            weight: -1.0,
            ..starry()
        }],
        &params(1),
        &content,
    );
    assert!(bad_blend.unwrap_err().to_string().contains("style blend"));
    let bad_size = engine.style_targets(
        vec![starry()],
        &Params {
            size: 5,
            ..params(1)
        },
        &content,
    );
    assert!(bad_size
        .unwrap_err()
        .to_string()
        .contains("invalid size '5'"));
}

#[test]
fn blended_style_targets_are_the_weighted_mix() {
    let mut engine = engine();
    let content = content();
    let params = params(1);
    let scream = Style {
        picture: Picture::load(&data("the_scream.jpg"))
            .unwrap()
            .with_longest_side(128),
        weight: 1.0,
    };
    let grams = |engine: &mut Engine, styles: Vec<Style>| {
        let mut targets = engine.style_targets(styles, &params, &content).unwrap();
        engine.style_grams(&mut targets, 70).unwrap()
    };
    let starry_only = grams(&mut engine, vec![starry()]);
    let scream_only = grams(&mut engine, vec![scream.clone()]);
    let blend = grams(
        &mut engine,
        vec![
            Style {
                weight: 1.0,
                ..starry()
            },
            Style {
                weight: 3.0,
                ..scream
            },
        ],
    );
    for ((a, b), mixed) in starry_only.iter().zip(&scream_only).zip(&blend) {
        let expected = a * 0.25 + b * 0.75;
        let error = (&expected - mixed)
            .mapv(f32::abs)
            .iter()
            .cloned()
            .fold(0.0, f32::max);
        let scale = expected.iter().cloned().fold(0.0, f32::max);
        assert!(error <= 1e-5 * scale, "max error {error} of {scale}");
    }
}

#[test]
fn the_result_is_far_closer_to_the_style_than_the_photo_is() {
    let mut engine = engine();
    let content = content();
    let params = params(30);
    let mut targets = targets(&engine, &params, &content);
    let before = engine
        .loss_of(&content, &content, &mut targets, &params)
        .unwrap();
    let result = engine
        .stylize(&content, &mut targets, &params, &mut |_| Control::Continue)
        .unwrap();
    let after = engine
        .loss_of(&content, &result.picture, &mut targets, &params)
        .unwrap();
    assert!(
        after.style < 0.35 * before.style,
        "style loss {} → {}",
        before.style,
        after.style
    );
    assert!(
        after.total < 0.3 * before.total,
        "total loss {} → {}",
        before.total,
        after.total
    );
}

/// How far the picture content moves per frame in [`frames`]: the window slides right, so the
/// content moves left.
const PAN: (isize, isize) = (-2, 0);

/// Frames of a slow pan across the photo.
fn frames(count: usize) -> Vec<Picture> {
    let photo = Picture::load(&data("tubingen.jpg"))
        .unwrap()
        .resized(120, 90);
    (0..count)
        .map(|i| Picture {
            rgb: photo
                .rgb
                .slice(ndarray::s![.., 10..60, i * 2..i * 2 + 70])
                .to_owned(),
            alpha: None,
        })
        .collect()
}

#[test]
fn warm_started_video_frames_follow_a_pan_start_close_and_stay_coherent() {
    let frames = frames(4);
    let params = params(1);
    let mut video_engine = engine();
    let targets = video_engine
        .style_targets(vec![starry()], &params, &frames[0])
        .unwrap();
    let mut session = pastiche_core::VideoSession::new(targets, params.clone(), 20, 5).unwrap();
    let mut outputs = Vec::new();
    let mut first_losses = Vec::new();
    for frame in &frames {
        let mut first = None;
        outputs.push(
            session
                .push(&mut video_engine, frame, &mut |p| {
                    first.get_or_insert(p.loss.total);
                    Control::Continue
                })
                .unwrap(),
        );
        first_losses.push(first.unwrap());
        let stats = session.last_frame();
        assert_eq!(stats.warm_started, outputs.len() > 1);
        // The optical flow finds all but the strip the pan uncovers (2 of 70 columns) and
        // the borders' uncertain pixels.
        if stats.warm_started {
            assert!(stats.held > 0.8, "held {}", stats.held);
        } else {
            assert_eq!(stats.held, 0.0);
        }
    }
    // A warm-started frame begins near the previous optimum, far below where frame 0 began.
    for (i, loss) in first_losses.iter().enumerate().skip(1) {
        assert!(
            *loss < 0.5 * first_losses[0],
            "frame {i} starts at {loss}, frame 0 at {}",
            first_losses[0]
        );
    }
    // Consecutive outputs differ less than independent (cold) stylisations of the same frames.
    let mut cold_engine = engine();
    let cold: Vec<Array3<f32>> = frames
        .iter()
        .map(|frame| {
            let cold_params = Params {
                iterations: 5,
                ..params.clone()
            };
            stylized_rgb(&mut cold_engine, frame, &cold_params)
        })
        .collect();
    // Warping error: frame t+1 moved back along the pan against frame t, over their overlap.
    let step = PAN.0.unsigned_abs();
    let warping = |a: &Array3<f32>, b: &Array3<f32>| {
        let width = a.dim().2;
        let earlier = a.slice(ndarray::s![.., .., step..]);
        let later = b.slice(ndarray::s![.., .., ..width - step]);
        (&earlier - &later).mapv(f32::abs).mean().unwrap()
    };
    let warm_flicker: f32 = outputs
        .windows(2)
        .map(|w| warping(&w[0].rgb, &w[1].rgb))
        .sum();
    let cold_flicker: f32 = cold.windows(2).map(|w| warping(&w[0], &w[1])).sum();
    assert!(
        warm_flicker < cold_flicker,
        "warm {warm_flicker} vs cold {cold_flicker}"
    );

    session.reset();
    session
        .push(&mut video_engine, &frames[0], &mut |_| Control::Continue)
        .unwrap();
    assert!(!session.last_frame().warm_started);
}

/// Each scale runs its own budget (the coarse one first), and the convergence stop ends a scale
/// once the loss has levelled off, so that the budgets are maxima.
#[test]
fn scales_run_their_own_budgets_and_stop_once_converged() {
    let mut engine = engine();
    let content = content();
    let budgets = Params {
        scales: 2,
        iterations: 2,
        coarse_iterations: 3,
        ..params(2)
    };
    let mut targets = targets(&engine, &budgets, &content);
    let mut seen = Vec::new();
    engine
        .stylize(&content, &mut targets, &budgets, &mut |p| {
            seen.push((p.scale, p.iteration, p.iterations));
            Control::Continue
        })
        .unwrap();
    assert_eq!(
        seen,
        [(0, 1, 3), (0, 2, 3), (0, 3, 3), (1, 1, 2), (1, 2, 2)]
    );

    // A loose tolerance: the loss falls by less than half over ten iterations well before 60.
    let stopping = Params {
        tolerance: 0.5,
        ..params(60)
    };
    let mut losses = Vec::new();
    let result = engine
        .stylize(&content, &mut targets, &stopping, &mut |p| {
            losses.push(p.loss.total);
            Control::Continue
        })
        .unwrap();
    let window = pastiche_core::CONVERGENCE_WINDOW;
    assert!(
        (window + 1..60).contains(&result.iterations),
        "{} iterations",
        result.iterations
    );
    assert_eq!(losses.len(), result.iterations);
    let last = losses[losses.len() - 1];
    assert!(
        losses[losses.len() - 1 - window] - last <= 0.5 * last,
        "{losses:?}"
    );
}

/// Starting from the content recoloured to the style starts nearer the style: after the first
/// iteration the style loss is lower than when starting from the content itself.
#[test]
fn style_colour_initialisation_starts_nearer_the_style() {
    let mut engine = engine();
    let content = content();
    let mut first_style_loss = |init: Init| {
        let params = Params { init, ..params(1) };
        let mut targets = targets(&engine, &params, &content);
        let mut style = f64::NAN;
        engine
            .stylize(&content, &mut targets, &params, &mut |p| {
                style = p.loss.style;
                Control::Continue
            })
            .unwrap();
        style
    };
    let from_content = first_style_loss(Init::Content);
    let from_style_colours = first_style_loss(Init::StyleColours);
    assert!(
        from_style_colours < 0.8 * from_content,
        "style loss after one iteration: {from_style_colours} from the style's colours, {from_content} from the content"
    );
}
