//! Safe handles over libpastiche's C API: a [`Stylist`] owns an engine and a video session on
//! it, and frees both when dropped.

use std::ffi::{c_int, c_void, CStr, CString};
use std::fmt;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::ffi::{self, pastiche_status};
use crate::rgb::RgbImage;

/// What the progress callback receives after every optimiser iteration.
pub type Iteration = ffi::pastiche_progress;

/// A failed call: its status and the library's sentence about it.
#[derive(Debug)]
pub struct Error {
    status: pastiche_status,
    message: String,
}

impl Error {
    /// Reads `pastiche_last_error()`, which describes the last failure on this thread.
    fn last(status: pastiche_status) -> Error {
        // SAFETY: pastiche_last_error never fails and returns a NUL-terminated string that stays
        // valid until the next call into the library on this thread; it is copied at once.
        let message = unsafe { CStr::from_ptr(ffi::pastiche_last_error()) }
            .to_string_lossy()
            .into_owned();
        Error { status, message }
    }

    fn check(status: pastiche_status) -> Result<(), Error> {
        match status {
            ffi::PASTICHE_OK => Ok(()),
            failed => Err(Error::last(failed)),
        }
    }

    /// The caller's fault: a bad parameter or an unreadable file (style image, model).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self.status,
            ffi::PASTICHE_ERROR_INVALID_ARGUMENT | ffi::PASTICHE_ERROR_IO
        )
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == ffi::PASTICHE_CANCELLED
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (libpastiche status {})", self.message, self.status)
    }
}

impl std::error::Error for Error {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Device {
    Cpu,
    Cuda,
    Auto,
}

/// Everything a session needs: the model and runtime, the styles, and the optimisation.
pub struct Settings<'a> {
    /// Model file, directory or store name; `None`: the library's default.
    pub model: Option<&'a str>,
    pub device: Device,
    /// ONNX Runtime threads; 0: one per core.
    pub threads: u32,
    pub styles: &'a [&'a Path],
    /// Exactly one weight per style; `None`: equal.
    pub style_weights: Option<&'a [f32]>,
    /// Longest side the optimisation runs at.
    pub size: u32,
    pub content_weight: f32,
    pub style_weight: f32,
    pub tv_weight: f32,
    /// Weight of the temporal term; `None`: the library's default.
    pub temporal_weight: Option<f32>,
    /// Iterations of a frame started from its content (multi-resolution)…
    pub first_frame_iterations: u32,
    /// …and of a frame started from the previous stylised frame (full size only).
    pub later_frame_iterations: u32,
}

/// What became of a pushed frame.
#[derive(Debug, Clone, Copy)]
pub struct Pushed {
    /// Started from the previous stylised frame.
    pub warm_started: bool,
    /// Time the push took…
    pub seconds: f64,
    /// …of which the optical flow.
    pub flow_seconds: f64,
}

/// An engine and one video session on it. The session keeps a pointer to its engine, so the
/// two live and die together: the session is destroyed first.
pub struct Stylist {
    video: NonNull<ffi::pastiche_video>,
    engine: NonNull<ffi::pastiche_engine>,
}

// SAFETY: libpastiche requires an engine and its sessions to be used by one thread at a time,
// not by one particular thread. A Stylist is not Sync and every call takes `&mut self`, so
// moving it to the stylising thread keeps that rule.
unsafe impl Send for Stylist {}

/// Owns a style handle until the session has copied it.
struct StyleHandle(*mut ffi::pastiche_style);

impl Drop for StyleHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from pastiche_style_create (or is NULL, which is ignored).
        unsafe { ffi::pastiche_style_destroy(self.0) }
    }
}

/// Owns an engine until it is handed to a Stylist.
struct EngineHandle(*mut ffi::pastiche_engine);

impl Drop for EngineHandle {
    fn drop(&mut self) {
        // SAFETY: the handle came from pastiche_engine_create (or is NULL, which is ignored).
        unsafe { ffi::pastiche_engine_destroy(self.0) }
    }
}

fn c_string(text: &str, what: &str) -> Result<CString, Error> {
    CString::new(text).map_err(|_| Error {
        status: ffi::PASTICHE_ERROR_INVALID_ARGUMENT,
        message: format!("{what} {text:?} contains a NUL byte"),
    })
}

impl Stylist {
    /// Loads the model and ONNX Runtime, prepares the styles and opens a video session.
    pub fn new(settings: &Settings<'_>) -> Result<Stylist, Error> {
        // SAFETY: a plain call without arguments.
        let abi = unsafe { ffi::pastiche_abi_version() };
        if abi != ffi::PASTICHE_ABI_VERSION {
            return Err(Error {
                status: ffi::PASTICHE_ERROR_INVALID_ARGUMENT,
                message: format!(
                    "the libpastiche loaded has ABI version {abi}; pastiche-video needs {}",
                    ffi::PASTICHE_ABI_VERSION
                ),
            });
        }
        let model = settings
            .model
            .map(|m| c_string(m, "the model name"))
            .transpose()?;
        let style_paths = settings
            .styles
            .iter()
            .map(|path| c_string(&path.to_string_lossy(), "the style path"))
            .collect::<Result<Vec<_>, _>>()?;
        let style_pointers: Vec<_> = style_paths.iter().map(|p| p.as_ptr()).collect();
        if let Some(weights) = settings.style_weights {
            // The library reads one weight per style: a shorter slice would be read past its end.
            assert_eq!(weights.len(), style_pointers.len(), "one weight per style");
        }

        // SAFETY (every block below): pointers are to live locals of the types the header
        // names; handles are checked for success before use and owned by guards that free them.
        let mut options = unsafe { std::mem::zeroed::<ffi::pastiche_engine_options>() };
        Error::check(unsafe {
            ffi::pastiche_engine_options_init(&mut options, std::mem::size_of_val(&options))
        })?;
        options.model = model.as_ref().map_or(ptr::null(), |m| m.as_ptr());
        options.device = match settings.device {
            Device::Cpu => ffi::PASTICHE_DEVICE_CPU,
            Device::Cuda => ffi::PASTICHE_DEVICE_CUDA,
            Device::Auto => ffi::PASTICHE_DEVICE_AUTO,
        };
        options.threads = settings.threads;
        let mut engine_guard = EngineHandle(ptr::null_mut());
        Error::check(unsafe { ffi::pastiche_engine_create(&options, &mut engine_guard.0) })?;
        let engine = engine_guard.0;

        let mut params = unsafe { std::mem::zeroed::<ffi::pastiche_params>() };
        Error::check(unsafe {
            ffi::pastiche_params_init(&mut params, std::mem::size_of_val(&params))
        })?;
        params.size = settings.size;
        params.content_weight = settings.content_weight;
        params.style_weight = settings.style_weight;
        params.tv_weight = settings.tv_weight;
        if let Some(weight) = settings.temporal_weight {
            params.temporal_weight = weight;
        }
        params.iterations = settings.first_frame_iterations;
        // A cold frame starts from its content recoloured to the style, as `pastiche stylize`
        // does: the same loss in about 30% fewer iterations (docs/benchmarks.md).
        params.init = ffi::PASTICHE_INIT_STYLE_COLOURS;

        let mut style = StyleHandle(ptr::null_mut());
        Error::check(unsafe {
            ffi::pastiche_style_create(
                engine,
                style_pointers.as_ptr(),
                settings.style_weights.map_or(ptr::null(), |w| w.as_ptr()),
                style_pointers.len(),
                &params,
                ptr::null(),
                &mut style.0,
            )
        })?;
        let mut video = ptr::null_mut();
        Error::check(unsafe {
            ffi::pastiche_video_create(
                engine,
                style.0,
                &params,
                settings.first_frame_iterations,
                settings.later_frame_iterations,
                &mut video,
            )
        })?;
        // The Stylist owns the engine from here on.
        engine_guard.0 = ptr::null_mut();
        Ok(Stylist {
            video: NonNull::new(video).expect("pastiche_video_create succeeded"),
            engine: NonNull::new(engine).expect("pastiche_engine_create succeeded"),
        })
    }

    /// Stylises the next frame into `output` (same size as `frame`). `on_iteration` runs after
    /// every optimiser iteration; returning `false` cancels the frame (an error that
    /// [`Error::is_cancelled`]).
    pub fn push(
        &mut self,
        frame: &RgbImage,
        output: &mut RgbImage,
        mut on_iteration: impl FnMut(&Iteration) -> bool,
    ) -> Result<Pushed, Error> {
        assert_eq!((frame.width, frame.height), (output.width, output.height));
        let input = ffi::pastiche_image {
            struct_size: std::mem::size_of::<ffi::pastiche_image>(),
            alpha: ffi::PASTICHE_ALPHA_STRAIGHT,
            width: frame.width,
            height: frame.height,
            stride: frame.row_len(),
            format: ffi::PASTICHE_PIXEL_RGB8,
            // The library only reads the input frame.
            pixels: frame.pixels.as_ptr().cast_mut().cast(),
        };
        let target = ffi::pastiche_image {
            struct_size: std::mem::size_of::<ffi::pastiche_image>(),
            alpha: ffi::PASTICHE_ALPHA_STRAIGHT,
            width: output.width,
            height: output.height,
            stride: output.row_len(),
            format: ffi::PASTICHE_PIXEL_RGB8,
            pixels: output.pixels.as_mut_ptr().cast(),
        };
        let mut callback: &mut dyn FnMut(&Iteration) -> bool = &mut on_iteration;
        // SAFETY: the images describe live buffers of the stated size; `callback` outlives the
        // call, and `report_iteration` casts the user data back to its type.
        Error::check(unsafe {
            ffi::pastiche_video_push(
                self.video.as_ptr(),
                &input,
                &target,
                Some(report_iteration),
                (&mut callback as *mut &mut dyn FnMut(&Iteration) -> bool).cast(),
            )
        })?;
        // SAFETY: plain data, for which zero is a valid value.
        let mut stats = unsafe { std::mem::zeroed::<ffi::pastiche_frame_stats>() };
        stats.struct_size = std::mem::size_of_val(&stats);
        // SAFETY: a live session and a stats struct with struct_size set.
        Error::check(unsafe { ffi::pastiche_video_last_frame(self.video.as_ptr(), &mut stats) })?;
        Ok(Pushed {
            warm_started: stats.warm_started != 0,
            seconds: stats.seconds,
            flow_seconds: stats.flow_seconds,
        })
    }

    /// Forgets the previous frame: the next one starts from its content (a scene cut).
    pub fn reset(&mut self) -> Result<(), Error> {
        // SAFETY: a live session.
        Error::check(unsafe { ffi::pastiche_video_reset(self.video.as_ptr()) })
    }
}

impl Drop for Stylist {
    fn drop(&mut self) {
        // SAFETY: both handles are live and destroyed once, the session before its engine.
        unsafe {
            ffi::pastiche_video_destroy(self.video.as_ptr());
            ffi::pastiche_engine_destroy(self.engine.as_ptr());
        }
    }
}

/// The C progress callback: forwards to the Rust closure behind `user_data`.
unsafe extern "C" fn report_iteration(progress: *const Iteration, user_data: *mut c_void) -> c_int {
    // SAFETY: `push` passes a pointer to its `&mut dyn FnMut` as the user data, and the library
    // passes a valid progress report.
    let callback = unsafe { &mut *user_data.cast::<&mut dyn FnMut(&Iteration) -> bool>() };
    let keep_going = callback(unsafe { &*progress });
    c_int::from(!keep_going)
}
