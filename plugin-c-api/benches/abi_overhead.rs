//! What the C ABI costs over calling the engine from Rust: the same stylisation (64×48 RGBA8,
//! 5 iterations) through `pastiche_stylize` and through `Engine::stylize`, median of 7 each.
//!
//!   cargo bench -p pastiche-c-api --bench abi_overhead

use std::ffi::CString;
use std::time::{Duration, Instant};

use pastiche::types::*;
use pastiche::*;
use pastiche_core::store;
use pastiche_core::{Control, Engine, Params, Picture, SessionOptions, Style};

const RUNS: usize = 7;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let style_path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/starry_night.jpg");
    let (width, height) = (64u32, 48u32);
    let mut pixels: Vec<u8> = (0..width * height * 4)
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    let mut output = vec![0u8; pixels.len()];

    // The engine driven directly…
    let mut engine = Engine::new(
        &store::resolve_model(None),
        SessionOptions {
            threads: 2,
            ..SessionOptions::default()
        },
    )
    .unwrap();
    let params = Params {
        size: width as usize,
        iterations: 5,
        ..Params::default()
    };
    let picture = Picture::from_image(&image_of(&pixels, width, height));
    let styles = vec![Style {
        picture: Picture::load(&style_path).unwrap(),
        weight: 1.0,
    }];
    let mut targets = engine.style_targets(styles, &params, &picture).unwrap();
    let mut direct = || {
        engine
            .stylize(&picture, &mut targets, &params, &mut |_| Control::Continue)
            .unwrap()
    };

    // …and through the C ABI, alternating so that both see the same machine state.
    let mut options = std::mem::MaybeUninit::uninit();
    let mut c_params = std::mem::MaybeUninit::uninit();
    let (mut c_engine, mut style) = (std::ptr::null_mut(), std::ptr::null_mut());
    let path = CString::new(style_path.to_str().unwrap()).unwrap();
    let paths = [path.as_ptr()];
    let (mut c_times, mut rust_times) = (Vec::new(), Vec::new());
    // SAFETY: every pointer below is valid for the call, as the header requires.
    unsafe {
        pastiche_engine_options_init(
            options.as_mut_ptr(),
            std::mem::size_of::<pastiche_engine_options>(),
        );
        let mut options = options.assume_init();
        options.threads = 2;
        assert_eq!(pastiche_engine_create(&options, &mut c_engine), PASTICHE_OK);
        pastiche_params_init(
            c_params.as_mut_ptr(),
            std::mem::size_of::<pastiche_params>(),
        );
        let mut c_params = c_params.assume_init();
        c_params.size = width;
        c_params.iterations = 5;
        let status = pastiche_style_create(
            c_engine,
            paths.as_ptr(),
            std::ptr::null(),
            1,
            &c_params,
            std::ptr::null(),
            &mut style,
        );
        assert_eq!(status, PASTICHE_OK);
        let content = pastiche_image {
            struct_size: std::mem::size_of::<pastiche_image>(),
            alpha: PASTICHE_ALPHA_STRAIGHT,
            width,
            height,
            stride: width as usize * 4,
            format: PASTICHE_PIXEL_RGBA8,
            pixels: pixels.as_mut_ptr().cast(),
        };
        let out = pastiche_image {
            pixels: output.as_mut_ptr().cast(),
            ..content
        };
        for run in 0..=RUNS {
            let started = Instant::now();
            let status = pastiche_stylize(
                c_engine,
                style,
                &c_params,
                &content,
                &out,
                None,
                std::ptr::null_mut(),
            );
            assert_eq!(status, PASTICHE_OK);
            let c = started.elapsed();
            let started = Instant::now();
            direct();
            let rust = started.elapsed();
            if run > 0 {
                // The first call of each compiles its graphs.
                c_times.push(c);
                rust_times.push(rust);
            }
        }
        pastiche_style_destroy(style);
        pastiche_engine_destroy(c_engine);
    }

    let (c, rust) = (median(c_times), median(rust_times));
    println!("pastiche_stylize (C ABI)  {:.2} ms", c.as_secs_f64() * 1e3);
    println!(
        "Engine::stylize (Rust)    {:.2} ms",
        rust.as_secs_f64() * 1e3
    );
    println!(
        "overhead                  {:.2} ms ({:+.1}%)",
        (c.as_secs_f64() - rust.as_secs_f64()) * 1e3,
        100.0 * (c.as_secs_f64() / rust.as_secs_f64() - 1.0)
    );
}

fn image_of(pixels: &[u8], width: u32, height: u32) -> image::DynamicImage {
    image::DynamicImage::ImageRgba8(
        image::RgbaImage::from_raw(width, height, pixels.to_vec()).unwrap(),
    )
}
