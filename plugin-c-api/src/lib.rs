//! libpastiche: the C ABI over the Pastiche engine (see `include/pastiche.h`, which documents
//! every function). Each exported function checks all its arguments before any work, runs
//! inside [`boundary::guard`] so that no panic crosses into the host, and reports failures
//! through a status code and `pastiche_last_error()`.

#![allow(non_camel_case_types)]
// The safety contract of every exported function is the header's: each pointer is valid for
// the call or NULL, buffers match their descriptions, handles come from this library.
#![allow(clippy::missing_safety_doc)]

mod boundary;
mod convert;
mod handles;
mod pixels;
pub mod styles;
pub mod types;
mod versioned;

use std::ffi::{c_char, c_void, CString};
use std::path::{Path, PathBuf};
use std::time::Instant;

use pastiche_core::store;
use pastiche_core::{
    ColorPreservation, Device, Engine, Params, Picture, SessionOptions, Style, StyleTargets,
    VideoSession,
};

use boundary::{guard, guard_destroy, reference, Failure};
use convert::{enum_value, params_from, progress_adapter, text};
use types::*;

/// The most style images one blend takes.
const MAX_STYLES: usize = 64;

/// An engine handle: the model, its compiled ONNX Runtime sessions, and the strings
/// `pastiche_engine_get_info` hands out.
pub struct pastiche_engine {
    engine: Engine,
    info: EngineStrings,
}

struct EngineStrings {
    model_path: CString,
    architecture: CString,
    layers: CString,
    runtime_path: CString,
    fallback_reason: CString,
}

/// Prepared style targets.
pub struct pastiche_style {
    targets: StyleTargets,
}

/// A warm-started video session; borrows its engine for every push.
pub struct pastiche_video {
    engine: *mut pastiche_engine,
    session: VideoSession,
    frames: u32,
    last_seconds: f64,
}

/// A C string of any text (interior NULs, which never carry meaning here, become spaces).
fn c_string(text: impl Into<String>) -> CString {
    CString::new(text.into().replace('\0', " ")).unwrap_or_default()
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
pub unsafe extern "C" fn pastiche_get_limits(limits: *mut pastiche_limits) -> pastiche_status {
    guard(|| {
        let value = pastiche_limits {
            struct_size: std::mem::size_of::<pastiche_limits>(),
            max_pixels: pixels::MAX_PIXELS,
            max_stride: pixels::MAX_STRIDE as u64,
            max_side: pixels::MAX_SIDE,
            min_size: pastiche_core::MIN_SIZE as u32,
            max_size: pastiche_core::MAX_SIZE as u32,
            max_scales: pastiche_core::MAX_SCALES as u32,
            max_iterations: pastiche_core::MAX_ITERATIONS as u32,
            max_threads: pastiche_core::MAX_THREADS as u32,
            max_styles: MAX_STYLES as u32,
            max_style_scale: pastiche_core::MAX_STYLE_SCALE,
        };
        // SAFETY: the header requires a valid pointer or NULL.
        unsafe { versioned::write(limits, value, "limits") }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_options_init(
    options: *mut pastiche_engine_options,
    struct_size: usize,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires `struct_size` writable bytes or NULL.
        unsafe { versioned::init(options, struct_size, convert::default_options(), "options") }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_params_init(
    params: *mut pastiche_params,
    struct_size: usize,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires `struct_size` writable bytes or NULL.
        unsafe { versioned::init(params, struct_size, convert::default_params(), "params") }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_estimate_seconds(
    params: *const pastiche_params,
    width: u32,
    height: u32,
    threads: u32,
    seconds: *mut f64,
) -> pastiche_status {
    guard(|| {
        let params = convert::params_from(params)?;
        if width == 0 || height == 0 {
            return Err(Failure::invalid(format!(
                "picture size {width}x{height} is empty"
            )));
        }
        // SAFETY: the header requires a pointer to a writable double, or NULL.
        let seconds = unsafe { boundary::reference_mut(seconds, "seconds") }?;
        let estimate = pastiche_core::estimated_time(
            &params,
            width as usize,
            height as usize,
            threads as usize,
        );
        *seconds = estimate.as_secs_f64();
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_create(
    options: *const pastiche_engine_options,
    engine: *mut *mut pastiche_engine,
) -> pastiche_status {
    guard(|| {
        let defaults = convert::default_options();
        // SAFETY: the header requires valid pointers or NULL.
        let (options, out) = unsafe {
            (
                versioned::read(options, defaults, "options")?,
                boundary::reference_mut(engine, "engine")?,
            )
        };
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
            // The device's fastest form: the choice is the engine's, not an ABI setting.
            convolution: None,
        };
        let model_path = store::resolve_model(model.as_deref());
        let created = Engine::new(&model_path, session)?;
        let runtime_path = pastiche_core::runtime::loaded()
            .map(|runtime| runtime.path.display().to_string())
            .unwrap_or_default();
        let layers: Vec<&str> = created
            .model()
            .layers
            .iter()
            .map(|l| l.name.as_str())
            .collect();
        let info = EngineStrings {
            model_path: c_string(model_path.display().to_string()),
            architecture: c_string(created.model().architecture.clone()),
            layers: c_string(layers.join(",")),
            runtime_path: c_string(runtime_path),
            fallback_reason: c_string(created.device().1.unwrap_or_default()),
        };
        *out = handles::adopt(pastiche_engine {
            engine: created,
            info,
        });
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_get_info(
    engine: *const pastiche_engine,
    info: *mut pastiche_engine_info,
) -> pastiche_status {
    guard(|| {
        handles::check(engine, "engine")?;
        // SAFETY: a live handle.
        let engine = unsafe { &*engine };
        let strings = &engine.info;
        let value = pastiche_engine_info {
            struct_size: std::mem::size_of::<pastiche_engine_info>(),
            model_path: strings.model_path.as_ptr(),
            architecture: strings.architecture.as_ptr(),
            layers: strings.layers.as_ptr(),
            runtime_path: strings.runtime_path.as_ptr(),
            fallback_reason: strings.fallback_reason.as_ptr(),
            device: match engine.engine.device().0 {
                Device::Cuda => 1,
                _ => 0,
            },
            threads: engine.engine.threads() as u32,
        };
        // SAFETY: the header requires a valid pointer or NULL.
        unsafe { versioned::write(info, value, "info") }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_engine_destroy(engine: *mut pastiche_engine) {
    guard_destroy(|| handles::release(engine, "engine").map(drop));
}

/// The content picture histogram matching needs, or a stand-in when nothing reads it.
///
/// # Safety
/// A non-null `content` must describe caller-owned memory.
unsafe fn style_content(
    content: *const pastiche_image,
    params: &Params,
) -> Result<Picture, Failure> {
    if !content.is_null() {
        // SAFETY: forwarded.
        let image = unsafe { pixels::describe(content, "content") }?;
        // SAFETY: forwarded.
        return unsafe { pixels::read(&image, "content") };
    }
    if params.preserve_colors == Some(ColorPreservation::Histogram) {
        return Err(Failure::invalid(
            "content is NULL but PASTICHE_COLORS_HISTOGRAM needs it",
        ));
    }
    Ok(Picture {
        rgb: ndarray::Array3::zeros((3, 1, 1)),
        alpha: None,
    })
}

/// Checks a style list's count and returns the blend weight of each entry.
///
/// # Safety
/// A non-null `weights` must hold `count` floats.
unsafe fn blend_weights(
    list: *const c_void,
    weights: *const f32,
    count: usize,
    what: &str,
) -> Result<Vec<f32>, Failure> {
    if list.is_null() || count == 0 || count > MAX_STYLES {
        return Err(Failure::invalid(format!(
            "{what} must hold 1..={MAX_STYLES} style images (count {count}{})",
            if list.is_null() { ", NULL list" } else { "" }
        )));
    }
    if weights.is_null() {
        return Ok(vec![1.0; count]);
    }
    // SAFETY: forwarded.
    Ok(unsafe { std::slice::from_raw_parts(weights, count) }.to_vec())
}

/// Prepares targets once the styles are pictures (shared by both style constructors).
///
/// # Safety
/// Pointers as for `pastiche_style_create`.
unsafe fn create_style(
    engine: *mut pastiche_engine,
    params: *const pastiche_params,
    content: *const pastiche_image,
    style: *mut *mut pastiche_style,
    load: impl FnOnce() -> Result<Vec<Picture>, Failure>,
    weights: Vec<f32>,
) -> Result<(), Failure> {
    handles::check(engine, "engine")?;
    // SAFETY: the header requires a valid pointer or NULL.
    let out = unsafe { boundary::reference_mut(style, "style") }?;
    let params = params_from(params)?;
    // SAFETY: forwarded.
    let content = unsafe { style_content(content, &params) }?;
    let styles = load()?
        .into_iter()
        .zip(weights)
        .map(|(picture, weight)| Style { picture, weight })
        .collect();
    // SAFETY: a live handle.
    let engine = unsafe { &*engine };
    let targets = engine.engine.style_targets(styles, &params, &content)?;
    *out = handles::adopt(pastiche_style { targets });
    Ok(())
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
        // SAFETY: the header's contract for `weights`.
        let weights = unsafe { blend_weights(paths.cast(), weights, count, "paths") }?;
        // SAFETY: `paths` holds `count` entries by the header's contract.
        let paths = unsafe { std::slice::from_raw_parts(paths, count) };
        let load = || {
            paths
                .iter()
                .enumerate()
                .map(|(i, &path)| {
                    let name = format!("paths[{i}]");
                    let path = text(path, &name)?
                        .ok_or_else(|| Failure::invalid(format!("{name} is NULL")))?;
                    Ok(pastiche_core::load_style(Path::new(&path))?)
                })
                .collect()
        };
        // SAFETY: forwarded.
        unsafe { create_style(engine, params, content, style, load, weights) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_style_create_from_images(
    engine: *mut pastiche_engine,
    images: *const *const pastiche_image,
    weights: *const f32,
    count: usize,
    params: *const pastiche_params,
    content: *const pastiche_image,
    style: *mut *mut pastiche_style,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header's contract for `weights`.
        let weights = unsafe { blend_weights(images.cast(), weights, count, "images") }?;
        // SAFETY: `images` holds `count` entries by the header's contract.
        let images = unsafe { std::slice::from_raw_parts(images, count) };
        // Every description is checked before any pixel is read.
        let described = images
            .iter()
            .enumerate()
            // SAFETY: each entry describes caller-owned memory or is NULL.
            .map(|(i, &image)| unsafe { pixels::describe(image, &format!("images[{i}]")) })
            .collect::<Result<Vec<_>, _>>()?;
        let load = || {
            described
                .iter()
                .enumerate()
                .map(|(i, image)| {
                    // SAFETY: described above from caller-owned memory.
                    let mut picture = unsafe { pixels::read(image, &format!("images[{i}]")) }?;
                    picture.alpha = None;
                    Ok(picture)
                })
                .collect()
        };
        // SAFETY: forwarded.
        unsafe { create_style(engine, params, content, style, load, weights) }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_style_destroy(style: *mut pastiche_style) {
    guard_destroy(|| handles::release(style, "style").map(drop));
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
        handles::check(engine, "engine")?;
        handles::check(style, "style")?;
        let params = params_from(params)?;
        // SAFETY: the images describe caller-owned memory or are NULL.
        let (content_image, output) = unsafe {
            (
                pixels::describe(content, "content")?,
                pixels::describe(output, "output")?,
            )
        };
        // SAFETY: as above.
        let picture = unsafe { pixels::read(&content_image, "content")? };
        // SAFETY: live handles, used by one thread at a time by the header's contract.
        let (engine, style) = unsafe { (&mut *engine, &mut *style) };
        let result = engine.engine.stylize(
            &picture,
            &mut style.targets,
            &params,
            &mut progress_adapter(progress, user_data),
        )?;
        // SAFETY: as above.
        unsafe { pixels::write(&result.picture, &picture, &output) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_progress_preview(
    progress: *const pastiche_progress,
    output: *const pastiche_image,
) -> pastiche_status {
    guard(|| {
        // SAFETY: the header requires a valid description or NULL.
        let output = unsafe { pixels::describe(output, "output") }?;
        let picture = convert::preview(progress)?;
        // SAFETY: as above.
        unsafe { pixels::write(&picture, &picture, &output) };
        Ok(())
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
        handles::check(engine, "engine")?;
        handles::check(style, "style")?;
        // SAFETY: the header requires a valid pointer or NULL.
        let out = unsafe { boundary::reference_mut(video, "video") }?;
        let params = convert::video_params_from(params)?;
        // SAFETY: a live handle.
        let style = unsafe { &*style };
        let session = VideoSession::new(
            style.targets.clone(),
            params,
            first_frame_iterations as usize,
            later_frame_iterations as usize,
        )?;
        *out = handles::adopt(pastiche_video {
            engine,
            session,
            frames: 0,
            last_seconds: 0.0,
        });
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
        handles::check(video, "video")?;
        // SAFETY: a live handle, used by one thread at a time.
        let video = unsafe { &mut *video };
        handles::check(video.engine, "the video session's engine").map_err(|_| {
            Failure::invalid(
                "the video session's engine was destroyed; destroy video sessions before their engine",
            )
        })?;
        // SAFETY: the images describe caller-owned memory or are NULL.
        let (frame_image, output) = unsafe {
            (
                pixels::describe(frame, "frame")?,
                pixels::describe(output, "output")?,
            )
        };
        // SAFETY: as above.
        let picture = unsafe { pixels::read(&frame_image, "frame")? };
        let started = Instant::now();
        // SAFETY: checked live above.
        let engine = unsafe { &mut *video.engine };
        let result = video.session.push(
            &mut engine.engine,
            &picture,
            &mut progress_adapter(progress, user_data),
        )?;
        video.frames = video.frames.saturating_add(1);
        video.last_seconds = started.elapsed().as_secs_f64();
        // SAFETY: as above.
        unsafe { pixels::write(&result, &picture, &output) };
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_reset(video: *mut pastiche_video) -> pastiche_status {
    guard(|| {
        handles::check(video, "video")?;
        // SAFETY: a live handle.
        unsafe { &mut *video }.session.reset();
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_last_frame(
    video: *const pastiche_video,
    stats: *mut pastiche_frame_stats,
) -> pastiche_status {
    guard(|| {
        handles::check(video, "video")?;
        // SAFETY: a live handle.
        let video = unsafe { reference(video, "video") }?;
        let last = video.session.last_frame();
        let value = pastiche_frame_stats {
            struct_size: std::mem::size_of::<pastiche_frame_stats>(),
            iterations: last.iterations as u32,
            evaluations: last.evaluations as u32,
            warm_started: last.warm_started as i32,
            frame: video.frames,
            loss: last.loss.total,
            content_loss: last.loss.content,
            style_loss: last.loss.style,
            tv_loss: last.loss.tv,
            seconds: video.last_seconds,
            temporal_loss: last.loss.temporal,
            flow_seconds: last.flow_time.as_secs_f64(),
        };
        // SAFETY: the header requires a valid pointer or NULL.
        unsafe { versioned::write(stats, value, "stats") }
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_video_destroy(video: *mut pastiche_video) {
    guard_destroy(|| handles::release(video, "video").map(drop));
}
