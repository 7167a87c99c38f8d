//! Decoding (formats, EXIF orientation, corrupt files) and atomic encoding.

mod support;

use ndarray::Array3;
use pastiche_core::{CoreError, Picture};
use support::data;

fn gradient(width: usize, height: usize) -> Picture {
    Picture {
        rgb: Array3::from_shape_fn((3, height, width), |(c, y, x)| {
            (x + 2 * y + 40 * c) as f32 / (width + 2 * height + 80) as f32
        }),
        alpha: None,
    }
}

/// An EXIF APP1 segment saying "rotate 90° clockwise to display" (orientation 6).
fn exif_orientation_6() -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec(); // big-endian TIFF header, IFD at 8
    tiff.extend([0, 1]); // one entry
    tiff.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]); // Orientation, SHORT, 1, value 6
    tiff.extend([0, 0, 0, 0]); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut segment = vec![0xFF, 0xE1];
    segment.extend(((payload.len() + 2) as u16).to_be_bytes());
    segment.extend(payload);
    segment
}

#[test]
fn exif_orientation_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.jpg");
    gradient(40, 20).save(&plain).unwrap();
    let mut bytes = std::fs::read(&plain).unwrap();
    bytes.splice(2..2, exif_orientation_6()); // right after the SOI marker
    let rotated = dir.path().join("rotated.jpg");
    std::fs::write(&rotated, bytes).unwrap();
    let picture = Picture::load(&rotated).unwrap();
    assert_eq!((picture.width(), picture.height()), (20, 40));
}

#[test]
fn formats_round_trip_with_alpha_where_the_format_has_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut picture = gradient(33, 17);
    picture.alpha = Some(ndarray::Array2::from_elem((17, 33), 0.5));
    for (name, keeps_alpha, tolerance) in [
        ("a.png", true, 1.0 / 255.0),
        ("a.tiff", true, 1.0 / 65535.0),
        ("a.jpg", false, 0.05),
        ("a.webp", true, 1.0 / 255.0), // lossless
    ] {
        let path = dir.path().join(name);
        picture.save(&path).unwrap();
        let back = Picture::load(&path).unwrap();
        assert_eq!((back.width(), back.height()), (33, 17), "{name}");
        assert_eq!(back.alpha.is_some(), keeps_alpha, "{name}");
        let error = (&back.rgb - &picture.rgb)
            .mapv(f32::abs)
            .iter()
            .cloned()
            .fold(0.0, f32::max);
        assert!(error <= tolerance + 1e-6, "{name}: max error {error}");
    }
}

#[test]
fn real_photos_decode() {
    let photo = Picture::load(&data("tubingen.jpg")).unwrap();
    assert_eq!((photo.width(), photo.height()), (1024, 768));
}

/// The message names the file and says in words what is wrong with it, not in the decoders'
/// terms ("Illegal start bytes:5468", "expected 2 but found 0").
#[test]
fn corrupt_and_missing_images_name_the_file_and_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let truncated_png = dir.path().join("style.png");
    gradient(64, 64).save(&truncated_png).unwrap();
    let valid = std::fs::read(&truncated_png).unwrap();
    std::fs::write(&truncated_png, &valid[..valid.len() / 2]).unwrap();
    let notes = dir.path().join("notes.jpg");
    std::fs::write(&notes, "These are notes, not pixels").unwrap();
    // Start and end markers around a scan with no frame header before it.
    let broken_jpeg = dir.path().join("broken.jpg");
    std::fs::write(
        &broken_jpeg,
        [0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xD9],
    )
    .unwrap();
    for (path, expected) in [
        (truncated_png, "not a valid PNG image (truncated"),
        (notes, "not a PNG, JPEG, WebP or TIFF image"),
        (broken_jpeg, "not a valid JPEG image (truncated or corrupt)"),
        (dir.path().join("missing.jpg"), "No such file"),
    ] {
        let error = Picture::load(&path).expect_err(expected);
        assert!(matches!(error, CoreError::Image { .. }));
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{}: ", path.display())) && message.contains(expected),
            "{message}"
        );
    }
}

#[test]
fn a_truncated_jpeg_is_refused_not_painted_grey() {
    let dir = tempfile::tempdir().unwrap();
    let whole = std::fs::read(data("starry_night.jpg")).unwrap();
    for kept in [whole.len() / 2, whole.len() - 2] {
        let path = dir.path().join(format!("starry-{kept}.jpg"));
        std::fs::write(&path, &whole[..kept]).unwrap();
        let message = Picture::load(&path).unwrap_err().to_string();
        assert!(message.contains("truncated"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
    // A complete file with bytes after its end marker (some cameras append data) still loads.
    let padded = dir.path().join("padded.jpg");
    std::fs::write(&padded, [&whole[..], &[0u8; 64][..]].concat()).unwrap();
    Picture::load(&padded).unwrap();
}

#[test]
fn failed_saves_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let picture = gradient(8, 8);
    assert!(picture.save(&dir.path().join("out.bmp")).is_err());
    assert!(picture
        .save(&dir.path().join("no/such/dir/out.png"))
        .is_err());
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The process's umask, from /proc (reading it with umask(2) would change it meanwhile).
fn umask() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Umask:"))
        .map(|value| u32::from_str_radix(value.trim(), 8).unwrap())
        .unwrap()
}

#[test]
fn saved_pictures_get_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.png");
    gradient(8, 8).save(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o666 & !umask(), "{mode:o}");
}
