//! Helpers shared by the integration tests: the shared test pictures and an engine on the
//! default model. Each test crate uses some of them.
#![allow(dead_code)]

use std::path::PathBuf;

use pastiche_core::{Engine, SessionOptions};
use pastiche_graph::store;

/// A picture from the shared data folder beside the checkout (`../shared/data`).
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}

/// The default model on two threads.
pub fn engine() -> Engine {
    let options = SessionOptions {
        threads: 2,
        ..SessionOptions::default()
    };
    Engine::new(&store::resolve_model(Some(store::DEFAULT_MODEL)), options)
        .expect("run models/fetch-default.sh first")
}
