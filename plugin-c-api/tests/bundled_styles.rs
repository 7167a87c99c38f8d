//! The bundled-style functions of the C ABI: count, descriptions, images, and their errors.

use std::ffi::{c_char, CStr};
use std::ptr;

use pastiche::styles::{
    pastiche_bundled_style_count, pastiche_bundled_style_image, pastiche_bundled_style_info,
};
use pastiche::types::{PASTICHE_ERROR_INVALID_ARGUMENT, PASTICHE_OK};
use pastiche_core::BUNDLED_STYLES;

fn text(pointer: *const c_char) -> &'static str {
    assert!(!pointer.is_null());
    // SAFETY: the library hands out static NUL-terminated strings.
    unsafe { CStr::from_ptr(pointer) }.to_str().unwrap()
}

fn last_error() -> String {
    // SAFETY: the library's own per-thread message.
    unsafe { CStr::from_ptr(pastiche::pastiche_last_error()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_style_is_described_and_its_image_decodes() {
    assert_eq!(pastiche_bundled_style_count(), BUNDLED_STYLES.len());
    for (index, style) in BUNDLED_STYLES.iter().enumerate() {
        let mut fields = [ptr::null(); 5];
        let [name, title, artist, date, licence] = &mut fields;
        // SAFETY: valid output pointers.
        let status =
            unsafe { pastiche_bundled_style_info(index, name, title, artist, date, licence) };
        assert_eq!(status, PASTICHE_OK, "{}", last_error());
        let described: Vec<&str> = fields.iter().map(|&p| text(p)).collect();
        assert_eq!(
            described,
            [
                style.name,
                style.title,
                style.artist,
                style.date,
                style.licence
            ]
        );

        let (mut jpeg, mut size) = (ptr::null(), 0);
        // SAFETY: valid output pointers.
        let status = unsafe { pastiche_bundled_style_image(index, &mut jpeg, &mut size) };
        assert_eq!(status, PASTICHE_OK, "{}", last_error());
        // SAFETY: the library hands out `size` static bytes.
        let bytes = unsafe { std::slice::from_raw_parts(jpeg, size) };
        let image = image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg).unwrap();
        assert!(image.width().max(image.height()) <= 1024, "{}", style.name);
    }
}

#[test]
fn null_fields_are_skipped() {
    let mut name = ptr::null();
    let null = ptr::null_mut();
    // SAFETY: one valid output pointer, the others NULL as the header allows.
    let status = unsafe { pastiche_bundled_style_info(0, &mut name, null, null, null, null) };
    assert_eq!(status, PASTICHE_OK);
    assert_eq!(text(name), "starry-night");
}

#[test]
fn an_index_past_the_end_is_refused_and_leaves_the_outputs_alone() {
    let count = pastiche_bundled_style_count();
    let mut name = ptr::null();
    let null = ptr::null_mut();
    // SAFETY: valid or NULL output pointers.
    let status = unsafe { pastiche_bundled_style_info(count, &mut name, null, null, null, null) };
    assert_eq!(status, PASTICHE_ERROR_INVALID_ARGUMENT);
    assert!(name.is_null());
    assert_eq!(
        last_error(),
        format!("bundled style index {count} is out of range (there are {count})")
    );

    let (mut jpeg, mut size) = (ptr::null(), 0);
    // SAFETY: valid output pointers.
    let status = unsafe { pastiche_bundled_style_image(count, &mut jpeg, &mut size) };
    assert_eq!(status, PASTICHE_ERROR_INVALID_ARGUMENT);
    assert!(jpeg.is_null() && size == 0);
    // SAFETY: NULL outputs, which the header refuses with an error.
    let status = unsafe { pastiche_bundled_style_image(0, ptr::null_mut(), &mut size) };
    assert_eq!(status, PASTICHE_ERROR_INVALID_ARGUMENT);
    assert_eq!(last_error(), "jpeg and size must not be NULL");
}
