//! The growth rules of the header's structs (see "Growth" in `pastiche.h`): each starts with
//! its `struct_size` as the caller's header declares it; a library accepts every size from the
//! first published one up, gives the fields an older caller lacks their defaults, refuses fields
//! of a newer caller that it does not know unless they are zero, and writes output structs only
//! as far as both sides know them.

use std::mem::size_of;

use crate::boundary::Failure;
use crate::types::*;

/// No version of any struct comes near this; a larger `struct_size` is garbage, and reading that
/// far could leave the caller's memory.
const MAX_STRUCT_SIZE: usize = 4096;
/// Fields are appended in whole 8-byte units, so every version's size is a multiple of this.
const SIZE_UNIT: usize = 8;

/// A `repr(C)` struct of the header that starts with `struct_size`.
///
/// # Safety
/// Implementors must be plain data (integers, floats, raw pointers) for which every bit pattern
/// is a valid value, `repr(C)`, with `struct_size: usize` as their first field.
pub unsafe trait Versioned: Copy {
    /// The C type's name, for messages.
    const TYPE: &'static str;
    /// The first published size: the smallest `struct_size` accepted.
    const FIRST_SIZE: usize;
}

// SAFETY: each is a repr(C) plain-data struct of the header starting with struct_size.
unsafe impl Versioned for pastiche_image {
    const TYPE: &'static str = "pastiche_image";
    const FIRST_SIZE: usize = PASTICHE_IMAGE_SIZE_V1;
}
// SAFETY: as above.
unsafe impl Versioned for pastiche_engine_options {
    const TYPE: &'static str = "pastiche_engine_options";
    const FIRST_SIZE: usize = PASTICHE_ENGINE_OPTIONS_SIZE_V1;
}
// SAFETY: as above.
unsafe impl Versioned for pastiche_params {
    const TYPE: &'static str = "pastiche_params";
    const FIRST_SIZE: usize = PASTICHE_PARAMS_SIZE_V1;
}
// SAFETY: as above.
unsafe impl Versioned for pastiche_frame_stats {
    const TYPE: &'static str = "pastiche_frame_stats";
    const FIRST_SIZE: usize = std::mem::offset_of!(pastiche_frame_stats, temporal_loss);
}
// SAFETY: as above.
unsafe impl Versioned for pastiche_limits {
    const TYPE: &'static str = "pastiche_limits";
    const FIRST_SIZE: usize = size_of::<pastiche_limits>();
}
// SAFETY: as above.
unsafe impl Versioned for pastiche_engine_info {
    const TYPE: &'static str = "pastiche_engine_info";
    const FIRST_SIZE: usize = size_of::<pastiche_engine_info>();
}

/// Checks a declared size against the rules; `name` is the argument, `how` says how to fill it.
fn check_size<T: Versioned>(declared: usize, name: &str, how: &str) -> Result<(), Failure> {
    if declared < T::FIRST_SIZE {
        return Err(Failure::invalid(format!(
            "{name}.struct_size is {declared}, less than the smallest {} ({} bytes); {how}",
            T::TYPE,
            T::FIRST_SIZE
        )));
    }
    if declared > MAX_STRUCT_SIZE || !declared.is_multiple_of(SIZE_UNIT) {
        return Err(Failure::invalid(format!(
            "{name}.struct_size {declared} is not the size of any version of {}; {how}",
            T::TYPE
        )));
    }
    Ok(())
}

/// Reads the `struct_size` at the start of a caller's struct.
///
/// # Safety
/// `pointer` must be non-null and point to at least a readable `usize`.
unsafe fn declared_size<T>(pointer: *const T) -> usize {
    // SAFETY: forwarded; the caller's struct may be less aligned than ours.
    unsafe { pointer.cast::<usize>().read_unaligned() }
}

/// A struct the caller filled, with `defaults` for the fields an older caller's struct lacks.
///
/// # Safety
/// A non-null `pointer` must point to `struct_size` readable bytes (its first field).
pub unsafe fn read<T: Versioned>(pointer: *const T, defaults: T, name: &str) -> Result<T, Failure> {
    if pointer.is_null() {
        return Err(Failure::invalid(format!("{name} is NULL")));
    }
    // SAFETY: non-null, and the header requires a readable struct.
    let declared = unsafe { declared_size(pointer) };
    check_size::<T>(declared, name, &format!("set it to sizeof({})", T::TYPE))?;
    let known = size_of::<T>();
    let mut value = defaults;
    // SAFETY: the caller's struct holds `declared` bytes; ours `known`; every bit pattern of a
    // Versioned struct is valid, and whole 8-byte units never split a field.
    let tail = unsafe {
        std::ptr::copy_nonoverlapping(
            pointer.cast::<u8>(),
            (&mut value as *mut T).cast::<u8>(),
            declared.min(known),
        );
        std::slice::from_raw_parts(
            pointer.cast::<u8>().add(declared.min(known)),
            declared - declared.min(known),
        )
    };
    if tail.iter().any(|&byte| byte != 0) {
        return Err(Failure::invalid(format!(
            "{name} is a {declared}-byte {} from a newer pastiche.h and sets fields this library \
             (libpastiche {}, {known} bytes) does not know; update libpastiche or leave them zero",
            T::TYPE,
            env!("CARGO_PKG_VERSION")
        )));
    }
    Ok(value)
}

/// Fills a caller's struct of `declared` bytes with `defaults`, zeroing fields this library does
/// not know, and sets its `struct_size` to `declared`.
///
/// # Safety
/// A non-null `pointer` must point to `declared` writable bytes.
pub unsafe fn init<T: Versioned>(
    pointer: *mut T,
    declared: usize,
    defaults: T,
    name: &str,
) -> Result<(), Failure> {
    if pointer.is_null() {
        return Err(Failure::invalid(format!("{name} is NULL")));
    }
    check_size::<T>(declared, name, "pass sizeof of your struct")?;
    let written = declared.min(size_of::<T>());
    // SAFETY: the caller's struct holds `declared` writable bytes.
    unsafe {
        std::ptr::write_bytes(pointer.cast::<u8>(), 0, declared);
        std::ptr::copy_nonoverlapping(
            (&defaults as *const T).cast::<u8>(),
            pointer.cast::<u8>(),
            written,
        );
        pointer.cast::<usize>().write_unaligned(declared);
    }
    Ok(())
}

/// Writes `value` into a caller's output struct as far as both sides know it, and sets its
/// `struct_size` to the bytes written.
///
/// # Safety
/// A non-null `pointer` must point to `struct_size` writable bytes (its first field).
pub unsafe fn write<T: Versioned>(pointer: *mut T, value: T, name: &str) -> Result<(), Failure> {
    if pointer.is_null() {
        return Err(Failure::invalid(format!("{name} is NULL")));
    }
    // SAFETY: non-null, and the header requires a writable struct.
    let declared = unsafe { declared_size(pointer) };
    check_size::<T>(
        declared,
        name,
        &format!("set it to sizeof({}) first", T::TYPE),
    )?;
    let written = declared.min(size_of::<T>());
    // SAFETY: the caller's struct holds `declared` ≥ `written` writable bytes.
    unsafe {
        std::ptr::copy_nonoverlapping(
            (&value as *const T).cast::<u8>(),
            pointer.cast::<u8>(),
            written,
        );
        pointer.cast::<usize>().write_unaligned(written);
    }
    Ok(())
}
