//! The handles this library gave out and has not freed. Every call checks the handles it is
//! passed against this list, so that a destroyed (or made-up) handle is an error instead of a
//! use after free, and destroying a handle twice does nothing.

use std::any::TypeId;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use crate::boundary::Failure;

static LIVE: Mutex<BTreeMap<usize, TypeId>> = Mutex::new(BTreeMap::new());

fn live() -> MutexGuard<'static, BTreeMap<usize, TypeId>> {
    // The map stays consistent even if a panic interrupted a holder: each step is one insert
    // or remove.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A name for the handle type in messages: `pastiche_engine` → "engine".
fn kind<T>() -> &'static str {
    let name = std::any::type_name::<T>();
    let name = name.rsplit("::").next().unwrap_or(name);
    name.strip_prefix("pastiche_").unwrap_or(name)
}

/// Moves `value` to the heap and records it as a live handle.
pub fn adopt<T: 'static>(value: T) -> *mut T {
    let pointer = Box::into_raw(Box::new(value));
    live().insert(pointer as usize, TypeId::of::<T>());
    pointer
}

/// Checks that `pointer` is a live handle of type `T`; `name` is the argument.
pub fn check<T: 'static>(pointer: *const T, name: &str) -> Result<(), Failure> {
    if pointer.is_null() {
        return Err(Failure::invalid(format!("{name} is NULL")));
    }
    let known = live().get(&(pointer as usize)).copied();
    if known == Some(TypeId::of::<T>()) {
        Ok(())
    } else {
        Err(Failure::invalid(format!(
            "{name} ({pointer:p}) is not a live {} handle: it was destroyed, or it did not come from this library",
            kind::<T>()
        )))
    }
}

/// Takes a live handle back for freeing; `None` for NULL.
pub fn release<T: 'static>(pointer: *mut T, name: &str) -> Result<Option<Box<T>>, Failure> {
    if pointer.is_null() {
        return Ok(None);
    }
    let mut live = live();
    let known = live.remove(&(pointer as usize));
    match known {
        // SAFETY: the address came from Box::into_raw in adopt() with this type, and leaving
        // the list guarantees it is freed once.
        Some(id) if id == TypeId::of::<T>() => Ok(Some(unsafe { Box::from_raw(pointer) })),
        Some(id) => {
            live.insert(pointer as usize, id);
            Err(Failure::invalid(format!(
                "{name} ({pointer:p}) is not a {} handle",
                kind::<T>()
            )))
        }
        None => Err(Failure::invalid(format!(
            "{name} ({pointer:p}) is not a live {} handle: already destroyed, or not from this library",
            kind::<T>()
        ))),
    }
}
