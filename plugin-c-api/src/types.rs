//! The structs and constants of `include/pastiche.h`, laid out identically (`repr(C)`).
//! Enum-typed fields are plain `i32` here, so that an out-of-range value from C is an error to
//! report rather than undefined behaviour.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};

pub type pastiche_status = i32;
pub const PASTICHE_OK: pastiche_status = 0;
pub const PASTICHE_ERROR_INVALID_ARGUMENT: pastiche_status = 1;
pub const PASTICHE_ERROR_IO: pastiche_status = 2;
pub const PASTICHE_ERROR_RUNTIME: pastiche_status = 3;
pub const PASTICHE_ERROR_DEVICE_UNAVAILABLE: pastiche_status = 4;
pub const PASTICHE_CANCELLED: pastiche_status = 5;
pub const PASTICHE_ERROR_INTERNAL: pastiche_status = 6;

pub const PASTICHE_PIXEL_RGBA8: i32 = 0;
pub const PASTICHE_PIXEL_RGB8: i32 = 1;
pub const PASTICHE_PIXEL_RGBA32F: i32 = 2;
pub const PASTICHE_PIXEL_BGRA8: i32 = 3;

pub const PASTICHE_ALPHA_STRAIGHT: i32 = 0;
pub const PASTICHE_ALPHA_PREMULTIPLIED: i32 = 1;

pub const PASTICHE_QUALITY_NONE: u32 = 0;
pub const PASTICHE_QUALITY_DRAFT: u32 = 1;
pub const PASTICHE_QUALITY_STANDARD: u32 = 2;
pub const PASTICHE_QUALITY_FINE: u32 = 3;

pub const PASTICHE_ABI_VERSION: u32 = 1;
pub const PASTICHE_SIZE_FULL: u32 = 0;

/// The first published sizes of the caller-filled structs: the smallest a library accepts.
pub const PASTICHE_IMAGE_SIZE_V1: usize = 40;
pub const PASTICHE_ENGINE_OPTIONS_SIZE_V1: usize = 32;
pub const PASTICHE_PARAMS_SIZE_V1: usize = 64;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_image {
    pub struct_size: usize,
    pub pixels: *mut c_void,
    pub stride: usize,
    pub width: u32,
    pub height: u32,
    pub format: i32,
    pub alpha: i32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_engine_options {
    pub struct_size: usize,
    pub model: *const c_char,
    pub runtime_library: *const c_char,
    pub device: i32,
    pub threads: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_params {
    pub struct_size: usize,
    pub seed: u64,
    pub size: u32,
    pub scales: u32,
    pub iterations: u32,
    pub content_weight: f32,
    pub style_weight: f32,
    pub tv_weight: f32,
    pub style_scale: f32,
    pub pooling: i32,
    pub optimizer: i32,
    pub learning_rate: f32,
    pub init: i32,
    pub colors: i32,
    pub content_layers: *const c_char,
    pub style_layers: *const c_char,
    pub tile_size: u32,
    pub quality: u32,
    pub temporal_weight: f32,
    pub reserved: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_progress {
    pub struct_size: usize,
    pub iteration: u32,
    pub iterations: u32,
    pub scale: u32,
    pub scales: u32,
    pub width: u32,
    pub height: u32,
    pub loss: f64,
    pub content_loss: f64,
    pub style_loss: f64,
    pub tv_loss: f64,
    pub elapsed_seconds: f64,
    pub tile: u32,
    pub tiles: u32,
}

pub type pastiche_progress_callback = Option<
    unsafe extern "C" fn(progress: *const pastiche_progress, user_data: *mut c_void) -> c_int,
>;

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_frame_stats {
    pub struct_size: usize,
    pub iterations: u32,
    pub evaluations: u32,
    pub warm_started: i32,
    pub frame: u32,
    pub loss: f64,
    pub content_loss: f64,
    pub style_loss: f64,
    pub tv_loss: f64,
    pub seconds: f64,
    pub temporal_loss: f64,
    pub flow_seconds: f64,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_limits {
    pub struct_size: usize,
    pub max_pixels: u64,
    pub max_stride: u64,
    pub max_side: u32,
    pub min_size: u32,
    pub max_size: u32,
    pub max_scales: u32,
    pub max_iterations: u32,
    pub max_threads: u32,
    pub max_styles: u32,
    pub max_style_scale: f32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct pastiche_engine_info {
    pub struct_size: usize,
    pub model_path: *const c_char,
    pub architecture: *const c_char,
    pub layers: *const c_char,
    pub runtime_path: *const c_char,
    pub fallback_reason: *const c_char,
    pub device: i32,
    pub threads: u32,
}
