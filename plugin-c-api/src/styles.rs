//! The bundled styles through the C ABI: how many there are, their names and descriptions, and
//! their encoded images (for a host's preset menu and thumbnails). A name is accepted wherever
//! `pastiche_style_create` takes a path.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use pastiche_core::{BundledStyle, BUNDLED_STYLES};

use crate::boundary::{guard, Failure};
use crate::types::pastiche_status;

/// A bundled style's descriptions as C strings, made once and kept for the life of the process
/// so that the pointers handed out stay valid.
struct CDescription {
    name: CString,
    title: CString,
    artist: CString,
    date: CString,
    licence: CString,
}

fn c_string(text: &str) -> CString {
    CString::new(text).expect("bundled style descriptions hold no NUL")
}

fn descriptions() -> &'static [CDescription] {
    static DESCRIPTIONS: OnceLock<Vec<CDescription>> = OnceLock::new();
    DESCRIPTIONS.get_or_init(|| {
        BUNDLED_STYLES
            .iter()
            .map(|style| CDescription {
                name: c_string(style.name),
                title: c_string(style.title),
                artist: c_string(style.artist),
                date: c_string(style.date),
                licence: c_string(style.licence),
            })
            .collect()
    })
}

fn style_at(index: usize) -> Result<(&'static BundledStyle, &'static CDescription), Failure> {
    match (BUNDLED_STYLES.get(index), descriptions().get(index)) {
        (Some(style), Some(description)) => Ok((style, description)),
        _ => Err(Failure::invalid(format!(
            "bundled style index {index} is out of range (there are {})",
            BUNDLED_STYLES.len()
        ))),
    }
}

/// Stores `value` where `out` points, unless the caller passed NULL for it.
///
/// # Safety
/// A non-null `out` must be valid for a write of `T`.
unsafe fn store<T>(out: *mut T, value: T) {
    if !out.is_null() {
        // SAFETY: non-null output pointers are valid by the header's contract.
        unsafe { out.write(value) }
    }
}

#[no_mangle]
pub extern "C" fn pastiche_bundled_style_count() -> usize {
    BUNDLED_STYLES.len()
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_bundled_style_info(
    index: usize,
    name: *mut *const c_char,
    title: *mut *const c_char,
    artist: *mut *const c_char,
    date: *mut *const c_char,
    licence: *mut *const c_char,
) -> pastiche_status {
    guard(|| {
        let (_, description) = style_at(index)?;
        // SAFETY: each output pointer is valid or NULL by the header's contract.
        unsafe {
            store(name, description.name.as_ptr());
            store(title, description.title.as_ptr());
            store(artist, description.artist.as_ptr());
            store(date, description.date.as_ptr());
            store(licence, description.licence.as_ptr());
        }
        Ok(())
    })
}

#[no_mangle]
pub unsafe extern "C" fn pastiche_bundled_style_image(
    index: usize,
    jpeg: *mut *const u8,
    size: *mut usize,
) -> pastiche_status {
    guard(|| {
        let (style, _) = style_at(index)?;
        if jpeg.is_null() || size.is_null() {
            return Err(Failure::invalid("jpeg and size must not be NULL"));
        }
        // SAFETY: both pointers are non-null and valid by the header's contract.
        unsafe {
            jpeg.write(style.jpeg.as_ptr());
            size.write(style.jpeg.len());
        }
        Ok(())
    })
}
