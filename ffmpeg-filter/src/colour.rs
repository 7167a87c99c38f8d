//! YUV ↔ RGB conversions with the video's own matrix and range. swscale assumes BT.601 and
//! limited range unless told; HD video is usually BT.709, so without this the stylised frames
//! would come back with shifted colours.

use ffmpeg_next::ffi;
use ffmpeg_next::software::scaling;
use ffmpeg_next::util::color::{Range, Space};

/// swscale's neutral brightness, contrast and saturation (16.16 fixed point).
const NEUTRAL: (i32, i32, i32) = (0, 1 << 16, 1 << 16);

fn coefficients(space: Space) -> *const i32 {
    // SAFETY: sws_getCoefficients accepts any value (unknown ones give BT.601) and returns a
    // pointer to a static table. swscale's SWS_CS_* numbering is AVColorSpace's.
    unsafe { ffi::sws_getCoefficients(ffi::AVColorSpace::from(space) as i32) }
}

fn is_full(range: Range) -> i32 {
    i32::from(range == Range::JPEG)
}

/// Sets up `scaler` (YUV → RGB) for frames in `space` and `range`.
pub fn set_yuv_to_rgb(scaler: &mut scaling::Context, space: Space, range: Range) {
    let (brightness, contrast, saturation) = NEUTRAL;
    // SAFETY: a live context and static coefficient tables. A failure (formats without a
    // matrix, e.g. RGB input) leaves swscale's defaults, which are right for them.
    unsafe {
        ffi::sws_setColorspaceDetails(
            scaler.as_mut_ptr(),
            coefficients(space),
            is_full(range),
            coefficients(Space::Unspecified),
            1,
            brightness,
            contrast,
            saturation,
        );
    }
}

/// Sets up `scaler` (RGB → YUV) for an encoder tagged with `space` and `range`.
pub fn set_rgb_to_yuv(scaler: &mut scaling::Context, space: Space, range: Range) {
    let (brightness, contrast, saturation) = NEUTRAL;
    // SAFETY: as in set_yuv_to_rgb.
    unsafe {
        ffi::sws_setColorspaceDetails(
            scaler.as_mut_ptr(),
            coefficients(Space::Unspecified),
            1,
            coefficients(space),
            is_full(range),
            brightness,
            contrast,
            saturation,
        );
    }
}
