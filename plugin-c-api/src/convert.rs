//! The header's parameter structs and callbacks to and from the engine's types.

use std::cell::Cell;
use std::ffi::{c_char, c_void, CStr};

use pastiche_core::Pooling;
use pastiche_core::{
    ColorPreservation, Control, Init, OptimizerKind, Params, Picture, Progress, Quality,
};

use crate::boundary::Failure;
use crate::types::*;
use crate::versioned;

/// A C string argument; `None` for NULL.
pub fn text(pointer: *const c_char, name: &str) -> Result<Option<String>, Failure> {
    if pointer.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-null string argument is a NUL-terminated C string by the header's contract.
    let text = unsafe { CStr::from_ptr(pointer) };
    text.to_str()
        .map(|s| Some(s.to_owned()))
        .map_err(|_| Failure::invalid(format!("{name} is not UTF-8")))
}

/// The `index`-th of `choices`, or an error naming the field and its value.
pub fn enum_value<T: Copy>(value: i32, name: &str, choices: &[T]) -> Result<T, Failure> {
    usize::try_from(value)
        .ok()
        .and_then(|i| choices.get(i).copied())
        .ok_or_else(|| Failure::invalid(format!("{name} {value} is out of range")))
}

/// The library's engine options, as `pastiche_engine_options_init` writes them.
pub fn default_options() -> pastiche_engine_options {
    pastiche_engine_options {
        struct_size: std::mem::size_of::<pastiche_engine_options>(),
        model: std::ptr::null(),
        runtime_library: std::ptr::null(),
        device: 0,
        threads: 0,
    }
}

/// The library's defaults, as `pastiche_params_init` writes them.
pub fn default_params() -> pastiche_params {
    let defaults = Params::default();
    pastiche_params {
        struct_size: std::mem::size_of::<pastiche_params>(),
        seed: defaults.seed,
        size: defaults.size as u32,
        scales: defaults.scales as u32,
        iterations: defaults.iterations as u32,
        content_weight: defaults.content_weight,
        style_weight: defaults.style_weight,
        tv_weight: defaults.tv_weight,
        style_scale: defaults.style_scale,
        pooling: 0,
        optimizer: 0,
        learning_rate: 0.02,
        init: 0,
        colors: 0,
        content_layers: std::ptr::null(),
        style_layers: std::ptr::null(),
        tile_size: defaults.tile_size as u32,
        quality: PASTICHE_QUALITY_NONE,
        temporal_weight: pastiche_core::DEFAULT_TEMPORAL_WEIGHT,
        reserved: 0,
    }
}

/// A comma-separated layer list; `None` (NULL) keeps the default.
fn layers(pointer: *const c_char, name: &str) -> Result<Option<Vec<String>>, Failure> {
    Ok(text(pointer, name)?.map(|list| {
        list.split(',')
            .map(str::trim)
            .filter(|layer| !layer.is_empty())
            .map(str::to_owned)
            .collect()
    }))
}

/// The engine's parameters from a caller's `pastiche_params`, checked. The temporal weight is
/// left at 0 (still pictures); a video session takes it from [`video_params_from`].
pub fn params_from(params: *const pastiche_params) -> Result<Params, Failure> {
    // SAFETY: the header requires a valid pointer or NULL.
    let p = unsafe { versioned::read(params, default_params(), "params") }?;
    if p.reserved != 0 {
        return Err(Failure::invalid(format!(
            "params.reserved is {}; it must be 0",
            p.reserved
        )));
    }
    let defaults = Params::default();
    let params = Params {
        size: p.size as usize,
        tile_size: match p.tile_size {
            0 => defaults.tile_size,
            size => size as usize,
        },
        scales: p.scales as usize,
        iterations: p.iterations as usize,
        content_weight: p.content_weight,
        style_weight: p.style_weight,
        tv_weight: p.tv_weight,
        style_scale: p.style_scale,
        content_layers: layers(p.content_layers, "params.content_layers")?
            .unwrap_or(defaults.content_layers),
        style_layers: layers(p.style_layers, "params.style_layers")?
            .unwrap_or(defaults.style_layers),
        pooling: enum_value(p.pooling, "params.pooling", &[Pooling::Avg, Pooling::Max])?,
        optimizer: match enum_value(p.optimizer, "params.optimizer", &[0, 1])? {
            0 => defaults.optimizer,
            _ => OptimizerKind::Adam {
                learning_rate: p.learning_rate,
            },
        },
        init: match enum_value(p.init, "params.init", &[0, 1, 2])? {
            0 => Init::Content,
            1 => Init::Noise,
            _ => Init::StyleColours,
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
        ..defaults
    };
    let quality = enum_value(
        i32::try_from(p.quality).unwrap_or(-1),
        "params.quality",
        &[
            None,
            Some(Quality::Draft),
            Some(Quality::Standard),
            Some(Quality::Fine),
        ],
    )?;
    let params = match quality {
        // Quality NONE is the behaviour before the field: `iterations` at every scale, no stop.
        None => Params {
            coarse_iterations: 0,
            tolerance: 0.0,
            ..params
        },
        Some(quality) => quality.apply(params),
    };
    params.validate()?;
    Ok(params)
}

/// A video session's parameters: as [`params_from`], with the temporal weight.
pub fn video_params_from(params: *const pastiche_params) -> Result<Params, Failure> {
    let still = params_from(params)?;
    // SAFETY: read once already by params_from, which found it valid.
    let p = unsafe { versioned::read(params, default_params(), "params") }?;
    let params = Params {
        temporal_weight: p.temporal_weight,
        ..still
    };
    params.validate()?;
    Ok(params)
}

/// The progress a callback is looking at: `pastiche_progress_preview` may read its picture, on
/// this thread, while the callback runs.
#[derive(Clone, Copy)]
struct Current {
    report: *const pastiche_progress,
    /// The engine's `Progress<'_>`, lifetime erased; valid while the callback runs.
    progress: *const c_void,
}

thread_local! {
    static CURRENT: Cell<Option<Current>> = const { Cell::new(None) };
}

/// Clears [`CURRENT`] when the callback returns, whatever happens.
struct Showing;

impl Drop for Showing {
    fn drop(&mut self) {
        CURRENT.with(|current| current.set(None));
    }
}

/// The picture at `report`'s iteration, if `report` is what a running callback received.
pub fn preview(report: *const pastiche_progress) -> Result<Picture, Failure> {
    let current = CURRENT.with(Cell::get).filter(|c| c.report == report);
    let current = current.ok_or_else(|| {
        Failure::invalid(
            "pastiche_progress_preview works only inside a progress callback, with the progress it received",
        )
    })?;
    // SAFETY: CURRENT holds the engine's Progress only while the callback runs on this thread.
    let progress = unsafe { &*current.progress.cast::<Progress<'_>>() };
    Ok(progress.snapshot())
}

/// Calls the C progress callback; a non-zero answer cancels.
pub fn progress_adapter(
    callback: pastiche_progress_callback,
    user_data: *mut c_void,
) -> impl FnMut(&Progress<'_>) -> Control {
    move |p| {
        let Some(callback) = callback else {
            return Control::Continue;
        };
        let report = pastiche_progress {
            struct_size: std::mem::size_of::<pastiche_progress>(),
            iteration: p.iteration as u32,
            iterations: p.iterations as u32,
            scale: p.scale as u32,
            scales: p.scales as u32,
            width: p.width as u32,
            height: p.height as u32,
            loss: p.loss.total,
            content_loss: p.loss.content,
            style_loss: p.loss.style,
            tv_loss: p.loss.tv,
            elapsed_seconds: p.elapsed.as_secs_f64(),
            tile: p.tile as u32,
            tiles: p.tiles as u32,
        };
        CURRENT.with(|current| {
            current.set(Some(Current {
                report: &report,
                progress: (p as *const Progress<'_>).cast(),
            }))
        });
        let _showing = Showing;
        // SAFETY: the caller supplied the callback and its user data together.
        if unsafe { callback(&report, user_data) } == 0 {
            Control::Continue
        } else {
            Control::Cancel
        }
    }
}
