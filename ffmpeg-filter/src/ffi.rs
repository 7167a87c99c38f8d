//! The part of libpastiche's C ABI (`plugin-c-api/include/pastiche.h`, version 1) that the video
//! filter uses, declared by hand. Layouts follow the header field for field; C enums are `i32`.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void};

pub const PASTICHE_ABI_VERSION: u32 = 1;

pub type pastiche_status = i32;
pub const PASTICHE_OK: pastiche_status = 0;
pub const PASTICHE_ERROR_INVALID_ARGUMENT: pastiche_status = 1;
pub const PASTICHE_ERROR_IO: pastiche_status = 2;
pub const PASTICHE_CANCELLED: pastiche_status = 5;

pub const PASTICHE_PIXEL_RGB8: i32 = 1;

pub const PASTICHE_DEVICE_CPU: i32 = 0;
pub const PASTICHE_DEVICE_CUDA: i32 = 1;
pub const PASTICHE_DEVICE_AUTO: i32 = 2;

pub const PASTICHE_INIT_CONTENT: i32 = 0;

#[repr(C)]
pub struct pastiche_image {
    pub width: u32,
    pub height: u32,
    pub stride: usize,
    pub format: i32,
    pub pixels: *mut c_void,
}

#[repr(C)]
pub struct pastiche_engine_options {
    pub struct_size: usize,
    pub model: *const c_char,
    pub runtime_library: *const c_char,
    pub device: i32,
    pub threads: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct pastiche_params {
    pub struct_size: usize,
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
    pub seed: u64,
    pub colors: i32,
}

#[repr(C)]
pub struct pastiche_progress {
    pub iteration: u32,
    pub iterations: u32,
    pub scale: u32,
    pub scales: u32,
    pub loss: f64,
    pub content_loss: f64,
    pub style_loss: f64,
    pub tv_loss: f64,
    pub elapsed_seconds: f64,
}

pub type pastiche_progress_callback = Option<
    unsafe extern "C" fn(progress: *const pastiche_progress, user_data: *mut c_void) -> c_int,
>;

#[repr(C)]
pub struct pastiche_frame_stats {
    pub struct_size: usize,
    pub iterations: u32,
    pub evaluations: u32,
    pub warm_started: i32,
    pub loss: f64,
    pub content_loss: f64,
    pub style_loss: f64,
    pub tv_loss: f64,
}

#[repr(C)]
pub struct pastiche_engine {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct pastiche_style {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct pastiche_video {
    _opaque: [u8; 0],
}

#[link(name = "pastiche")]
extern "C" {
    pub fn pastiche_abi_version() -> u32;
    pub fn pastiche_last_error() -> *const c_char;
    pub fn pastiche_engine_options_default(
        options: *mut pastiche_engine_options,
    ) -> pastiche_status;
    pub fn pastiche_params_default(params: *mut pastiche_params) -> pastiche_status;
    pub fn pastiche_engine_create(
        options: *const pastiche_engine_options,
        engine: *mut *mut pastiche_engine,
    ) -> pastiche_status;
    pub fn pastiche_engine_destroy(engine: *mut pastiche_engine);
    pub fn pastiche_style_create(
        engine: *mut pastiche_engine,
        paths: *const *const c_char,
        weights: *const f32,
        count: usize,
        params: *const pastiche_params,
        content: *const pastiche_image,
        style: *mut *mut pastiche_style,
    ) -> pastiche_status;
    pub fn pastiche_style_destroy(style: *mut pastiche_style);
    pub fn pastiche_video_create(
        engine: *mut pastiche_engine,
        style: *const pastiche_style,
        params: *const pastiche_params,
        first_frame_iterations: u32,
        later_frame_iterations: u32,
        video: *mut *mut pastiche_video,
    ) -> pastiche_status;
    pub fn pastiche_video_push(
        video: *mut pastiche_video,
        frame: *const pastiche_image,
        output: *const pastiche_image,
        progress: pastiche_progress_callback,
        user_data: *mut c_void,
    ) -> pastiche_status;
    pub fn pastiche_video_reset(video: *mut pastiche_video) -> pastiche_status;
    pub fn pastiche_video_last_frame(
        video: *const pastiche_video,
        stats: *mut pastiche_frame_stats,
    ) -> pastiche_status;
    pub fn pastiche_video_destroy(video: *mut pastiche_video);
}
