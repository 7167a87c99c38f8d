//! libpastiche: the C ABI over the Pastiche engine (see `include/pastiche.h`, which documents
//! every function). Each exported function validates its arguments, runs inside
//! [`boundary::guard`] so that no panic crosses into the host, and reports failures through a
//! status code and `pastiche_last_error()`.

#![allow(non_camel_case_types)]
// The safety contract of every exported function is the header's: each pointer is valid for
// the call or NULL, buffers match their descriptions, handles come from this library.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod pixels;
pub mod types;

use std::ffi::{c_char, c_void, CStr};
use std::path::{Path, PathBuf};

use pastiche_core::{
    ColorPreservation, Control, Device, Engine, Init, OptimizerKind, Params, Picture,
    SessionOptions, Style, StyleTargets, VideoSession,
};
use pastiche_graph::{store, Pooling};

use boundary::{check_struct_size, guard, reference, reference_mut, Failure};
use types::*;

/// An engine handle: the model and its compiled ONNX Runtime sessions.
pub struct pastiche_engine {
    engine: Engine,
}

/// Prepared style targets.
pub struct pastiche_style {
    targets: StyleTargets,
}

/// A warm-started video session; borrows its engine for every push.
pub struct pastiche_video {
    engine: *mut pastiche_engine,
    session: VideoSession,
}

fn text(pointer: *const c_char, name: &str) -> Result<Option<String>, Failure> {
    if pointer.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-null string argument is a NUL-terminated C string by the header's contract.
    let text = unsafe { CStr::from_ptr(pointer) };
    text.to_str()
        .map(|s| Some(s.to_owned()))
        .map_err(|_| Failure::invalid(format!("{name} is not UTF-8")))
}

fn enum_value<T: Copy>(value: i32, name: &str, choices: &[T]) -> Result<T, Failure> {
    usize::try_from(value)
        .ok()
        .and_then(|i| choices.get(i).copied())
        .ok_or_else(|| Failure::invalid(format!("{name} {value} is out of range")))
}

fn params_from(params: *const pastiche_params) -> Result<Params, Failure> {
    // SAFETY: the header requires a valid pointer or NULL.
    let p = unsafe { reference(params, "params") }?;
    check_struct_size(
        p.struct_size,
        std::mem::size_of::<pastiche_params>(),
        "params",
    )?;
    let params = Params {
        size: p.size as usize,
        scales: p.scales as usize,
        iterations: p.iterations as usize,
        content_weight: p.content_weight,
        style_weight: p.style_weight,
        tv_weight: p.tv_weight,
        style_scale: p.style_scale,
        pooling: enum_value(p.pooling, "params.pooling", &[Pooling::Avg, Pooling::Max])?,
        optimizer: match enum_value(p.optimizer, "params.optimizer", &[0, 1])? {
            0 => Params::default().optimizer,
            _ => OptimizerKind::Adam {
                learning_rate: p.learning_rate,
            },
        },
        init: match enum_value(p.init, "params.init", &[0, 1])? {
            0 => Init::Content,
            _ => Init::Noise,
        },
        seed: p.seed,
        preserve_colors: enum_value(
            p.colors,
            "params.colors",
            &[
                None,
                Some(ColorPreservation::Luminance),
                Some(ColorPreservation::Histogram),
            ],
        )?,
        ..Params::default()
    };
    params.validate()?;
    Ok(params)
}

/// Calls the C progress callback; a non-zero answer cancels.
fn progress_adapter(
    callback: pastiche_progress_callback,
    user_data: *mut c_void,
) -> impl FnMut(&pastiche_core::Progress<'_>) -> Control {
    move |p| {
        let Some(callback) = callback else {
            return Control::Continue;
        };
        let report = pastiche_progress {
            iteration: p.iteration as u32,
            iterations: p.iterations as u32,
            scale: p.scale as u32,
            scales: p.scales as u32,
            loss: p.loss.total,
            content_loss: p.loss.content,
            style_loss: p.loss.style,
            tv_loss: p.loss.tv,
            elapsed_seconds: p.elapsed.as_secs_f64(),
        };
        // SAFETY: the caller supplied the callback and its user data together.
        if unsafe { callback(&report, user_data) } == 0 {
            Control::Continue
        } else {
            Control::Cancel
        }
    }
}

#[no_mangle]
pub extern "C" fn pastiche_abi_version() -> u32 {
    PASTICHE_ABI_VERSION
}

#[no_mangle]
pub extern "C" fn pastiche_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[no_mangle]
pub extern "C" fn pastiche_last_error() -> *const c_char {
    boundary::last_error()
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_options_default(
    options: *mut pastiche_engine_options,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires a valid pointer or NULL.
        let options = unsafe { reference_mut(options, "options") }?;
        *options = pastiche_engine_options {
            struct_size: std::mem::size_of::<pastiche_engine_options>(),
            model: std::ptr::null(),
            runtime_library: std::ptr::null(),
            device: 0,
            threads: 0,
        };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_params_default(params: *mut pastiche_params) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires a valid pointer or NULL.
        let params = unsafe { reference_mut(params, "params") }?;
        let defaults = Params::default();
        let learning_rate = 0.02;
        *params = pastiche_params {
            struct_size: std::mem::size_of::<pastiche_params>(),
            size: defaults.size as u32,
            scales: defaults.scales as u32,
            iterations: defaults.iterations as u32,
            content_weight: defaults.content_weight,
            style_weight: defaults.style_weight,
            tv_weight: defaults.tv_weight,
            style_scale: defaults.style_scale,
            pooling: 0,
            optimizer: 0,
            learning_rate,
            init: 0,
            seed: defaults.seed,
            colors: 0,
        };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_create(
    options: *const pastiche_engine_options,
    engine: *mut *mut pastiche_engine,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires valid pointers or NULL.
        let (options, out) = unsafe {
            (
                reference(options, "options")?,
                reference_mut(engine, "engine")?,
            )
        };
        check_struct_size(
            options.struct_size,
            std::mem::size_of::<pastiche_engine_options>(),
            "options",
        )?;
        let model = text(options.model, "options.model")?;
        let runtime_library =
            text(options.runtime_library, "options.runtime_library")?.map(PathBuf::from);
        let device = enum_value(
            options.device,
            "options.device",
            &[Device::Cpu, Device::Cuda, Device::Auto],
        )?;
        let session = SessionOptions {
            threads: options.threads as usize,
            runtime_library,
            device,
        };
        let created = Engine::new(&store::resolve_model(model.as_deref()), session)?;
        *out = Box::into_raw(Box::new(pastiche_engine { engine: created }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_destroy(engine: *mut pastiche_engine) {
    guard(|| {
        if !engine.is_null() {
            // SAFETY: a non-null engine came from pastiche_engine_create and is destroyed once.
            drop(unsafe { Box::from_raw(engine) });
        }
        Ok(())
    });
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_style_create(
    engine: *mut pastiche_engine,
    paths: *const *const c_char,
    weights: *const f32,
    count: usize,
    params: *const pastiche_params,
    content: *const pastiche_image,
    style: *mut *mut pastiche_style,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires valid pointers or NULL.
        let (engine, out) = unsafe {
            (
                reference_mut(engine, "engine")?,
                reference_mut(style, "style")?,
            )
        };
        if paths.is_null() || count == 0 || count > 64 {
            return Err(Failure::invalid(format!(
                "paths must hold 1..=64 style images (count {count})"
            )));
        }
        let params = params_from(params)?;
        let content = if content.is_null() {
            if params.preserve_colors == Some(ColorPreservation::Histogram) {
                return Err(Failure::invalid(
                    "content is NULL but PASTICHE_COLORS_HISTOGRAM needs it",
                ));
            }
            // Only histogram matching reads the content; any picture serves otherwise.
            Picture {
                rgb: ndarray::Array3::zeros((3, 1, 1)),
                alpha: None,
            }
        } else {
            // SAFETY: a non-null content image describes caller-owned memory.
            unsafe { pixels::read(&*content, "content")? }
        };
        let mut styles = Vec::with_capacity(count);
        for i in 0..count {
            // SAFETY: `paths` holds `count` entries by the header's contract; so does a non-null `weights`.
            let (path, weight) = unsafe {
                (
                    *paths.add(i),
                    if weights.is_null() {
                        1.0
                    } else {
                        *weights.add(i)
                    },
                )
            };
            let path = text(path, "paths[i]")?
                .ok_or_else(|| Failure::invalid(format!("paths[{i}] is NULL")))?;
            styles.push(Style {
                picture: Picture::load(Path::new(&path))?,
                weight,
            });
        }
        let targets = engine.engine.style_targets(styles, &params, &content)?;
        *out = Box::into_raw(Box::new(pastiche_style { targets }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_style_destroy(style: *mut pastiche_style) {
    guard(|| {
        if !style.is_null() {
            // SAFETY: a non-null style came from pastiche_style_create and is destroyed once.
            drop(unsafe { Box::from_raw(style) });
        }
        Ok(())
    });
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_stylize(
    engine: *mut pastiche_engine,
    style: *mut pastiche_style,
    params: *const pastiche_params,
    content: *const pastiche_image,
    output: *const pastiche_image,
    progress: pastiche_progress_callback,
    user_data: *mut c_void,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires valid pointers or NULL.
        let (engine, style, content, output) = unsafe {
            (
                reference_mut(engine, "engine")?,
                reference_mut(style, "style")?,
                reference(content, "content")?,
                reference(output, "output")?,
            )
        };
        let params = params_from(params)?;
        pixels::validate(output, "output")?;
        // SAFETY: the images describe caller-owned memory.
        let picture = unsafe { pixels::read(content, "content")? };
        let result = engine.engine.stylize(
            &picture,
            &mut style.targets,
            &params,
            &mut progress_adapter(progress, user_data),
        )?;
        // SAFETY: as above.
        unsafe { pixels::write(&result.picture, &picture, output) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_create(
    engine: *mut pastiche_engine,
    style: *const pastiche_style,
    params: *const pastiche_params,
    first_frame_iterations: u32,
    later_frame_iterations: u32,
    video: *mut *mut pastiche_video,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires valid pointers or NULL.
        let (_, style, out) = unsafe {
            (
                reference_mut(engine, "engine")?,
                reference(style, "style")?,
                reference_mut(video, "video")?,
            )
        };
        let params = params_from(params)?;
        let session = VideoSession::new(
            style.targets.clone(),
            params,
            first_frame_iterations as usize,
            later_frame_iterations as usize,
        )?;
        *out = Box::into_raw(Box::new(pastiche_video { engine, session }));
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_push(
    video: *mut pastiche_video,
    frame: *const pastiche_image,
    output: *const pastiche_image,
    progress: pastiche_progress_callback,
    user_data: *mut c_void,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires valid pointers or NULL; the session's engine outlives it.
        let (video, frame, output) = unsafe {
            (
                reference_mut(video, "video")?,
                reference(frame, "frame")?,
                reference(output, "output")?,
            )
        };
        // SAFETY: the engine pointer was checked at creation and must outlive the session.
        let engine = unsafe { reference_mut(video.engine, "video's engine")? };
        pixels::validate(output, "output")?;
        // SAFETY: the images describe caller-owned memory.
        let picture = unsafe { pixels::read(frame, "frame")? };
        let result = video.session.push(
            &mut engine.engine,
            &picture,
            &mut progress_adapter(progress, user_data),
        )?;
        // SAFETY: as above.
        unsafe { pixels::write(&result, &picture, output) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_reset(video: *mut pastiche_video) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires a valid pointer or NULL.
        unsafe { reference_mut(video, "video") }?.session.reset();
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_last_frame(
    video: *const pastiche_video,
    stats: *mut pastiche_frame_stats,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires valid pointers or NULL.
        let (video, stats) =
            unsafe { (reference(video, "video")?, reference_mut(stats, "stats")?) };
        check_struct_size(
            stats.struct_size,
            std::mem::size_of::<pastiche_frame_stats>(),
            "stats",
        )?;
        let last = video.session.last_frame();
        *stats = pastiche_frame_stats {
            struct_size: stats.struct_size,
            iterations: last.iterations as u32,
            evaluations: last.evaluations as u32,
            warm_started: last.warm_started as i32,
            loss: last.loss.total,
            content_loss: last.loss.content,
            style_loss: last.loss.style,
            tv_loss: last.loss.tv,
        };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_destroy(video: *mut pastiche_video) {
    guard(|| {
        if !video.is_null() {
            // SAFETY: a non-null video came from pastiche_video_create and is destroyed once.
            drop(unsafe { Box::from_raw(video) });
        }
        Ok(())
    });
}
