//! What following the motion costs a video frame at 320×180: the two DIS optical flows
//! (backward and forward) and the warp with its masks, timed over 20 frame pairs of a pan over
//! Tübingen (docs/benchmarks.md, "Video: temporal coherence").
//!
//!   cargo run --release -p pastiche-core --example flow_cost [DATA_DIR]

use std::time::Instant;

use pastiche_core::flow::{correspondence, FlowEstimator};
use pastiche_core::Picture;

fn main() {
    let data = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data".into());
    let photo = Picture::load(format!("{data}/tubingen.jpg").as_ref())
        .expect("the shared test photos")
        .resized(640, 480);
    let frame = |x: usize| Picture {
        rgb: photo
            .rgb
            .slice(ndarray::s![.., 150..330, x..x + 320])
            .to_owned(),
        alpha: None,
    };
    let mut estimator = FlowEstimator::new().expect("OpenCV's DIS");
    let (mut flows, mut warps) = (0.0, 0.0);
    const PAIRS: usize = 20;
    for i in 0..PAIRS {
        let (before, after) = (frame(4 * i), frame(4 * i + 4));
        let started = Instant::now();
        let backward = estimator.flow(&after, &before).unwrap();
        let forward = estimator.flow(&before, &after).unwrap();
        flows += started.elapsed().as_secs_f64();
        let started = Instant::now();
        let held = correspondence(&before, &after, &backward, &forward).mask;
        warps += started.elapsed().as_secs_f64();
        assert!(held.mean().unwrap() > 0.5);
    }
    println!(
        "320x180: two optical flows {:.1} ms, warp and masks {:.1} ms a frame (mean of {PAIRS})",
        1e3 * flows / PAIRS as f64,
        1e3 * warps / PAIRS as f64
    );
}
