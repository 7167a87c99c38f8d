//! The boundary rules: every call runs inside `guard`, which catches panics, turns errors into
//! status codes and records the message for `pastiche_last_error` (per thread).

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use pastiche_core::CoreError;
use pastiche_core::GraphError;

use crate::types::*;

/// A failure on its way to the caller.
pub struct Failure {
    pub status: pastiche_status,
    pub message: String,
}

impl Failure {
    pub fn invalid(message: impl Into<String>) -> Failure {
        Failure {
            status: PASTICHE_ERROR_INVALID_ARGUMENT,
            message: message.into(),
        }
    }
}

impl From<CoreError> for Failure {
    fn from(error: CoreError) -> Failure {
        let status = match &error {
            CoreError::RuntimeNotFound { .. }
            | CoreError::RuntimeRejected { .. }
            | CoreError::Runtime { .. }
            | CoreError::Flow(_) => PASTICHE_ERROR_RUNTIME,
            CoreError::DeviceUnavailable { .. } => PASTICHE_ERROR_DEVICE_UNAVAILABLE,
            CoreError::Image { .. } => PASTICHE_ERROR_IO,
            CoreError::Graph(
                GraphError::Io { .. } | GraphError::NotOnnx { .. } | GraphError::Unsupported { .. },
            ) => PASTICHE_ERROR_IO,
            CoreError::Graph(_) | CoreError::InvalidParameter { .. } => {
                PASTICHE_ERROR_INVALID_ARGUMENT
            }
            CoreError::Cancelled => PASTICHE_CANCELLED,
        };
        Failure {
            status,
            message: error.to_string(),
        }
    }
}

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn record(message: &str) {
    // Interior NULs cannot cross into C; they never carry meaning in our messages.
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = message);
}

/// Runs a `*_destroy` call: like [`guard`], but a success leaves the last error as it was, so that
/// a host's clean-up after a failure does not erase the message it is about to show.
pub fn guard_destroy(call: impl FnOnce() -> Result<(), Failure>) {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => record(&failure.message),
        Err(_) => record("internal error in libpastiche while destroying a handle"),
    }
}

/// Pointer to this thread's last error message, valid until the next call on this thread.
pub fn last_error() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

/// Runs one exported call: `Ok` → PASTICHE_OK, `Err` → its status, a panic → PASTICHE_ERROR_INTERNAL.
pub fn guard(call: impl FnOnce() -> Result<(), Failure>) -> pastiche_status {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(())) => {
            record("");
            PASTICHE_OK
        }
        Ok(Err(failure)) => {
            record(&failure.message);
            failure.status
        }
        Err(panic) => {
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            record(&format!("internal error in libpastiche: {detail}"));
            PASTICHE_ERROR_INTERNAL
        }
    }
}

/// A reference from a pointer the caller passed, or an error naming the argument.
///
/// # Safety
/// A non-null `pointer` must point to a valid, live `T` for the duration of the call.
pub unsafe fn reference<'a, T>(pointer: *const T, name: &str) -> Result<&'a T, Failure> {
    // SAFETY: the caller guarantees validity of non-null pointers.
    unsafe { pointer.as_ref() }.ok_or_else(|| Failure::invalid(format!("{name} is NULL")))
}

/// As [`reference`], for a mutable pointee.
///
/// # Safety
/// A non-null `pointer` must point to a valid, live, unaliased `T` for the duration of the call.
pub unsafe fn reference_mut<'a, T>(pointer: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    // SAFETY: the caller guarantees validity and exclusivity of non-null pointers.
    unsafe { pointer.as_mut() }.ok_or_else(|| Failure::invalid(format!("{name} is NULL")))
}
