//! Cost of the default model's graphs: compile time, exported size, session creation, and the
//! median loss+gradient evaluation at 512×512, reported beside a forward-only (targets) pass of
//! the same network in the same run, so the ratio — not the absolute time — is what to compare
//! across machines.
//!
//!   cargo bench -p pastiche-core --bench loss_gradient [-- SIDE RUNS THREADS [cpu|cuda] [direct|winograd]]
//!   cargo bench -p pastiche-core --bench loss_gradient -- SIDE RUNS THREADS profile [direct|winograd]
//!
//! Convolutions take the device's form (`Device::convolution`) unless `direct` or `winograd`
//! asks for one.
//!
//! `profile` runs the loss+gradient graph with ONNX Runtime's profiler on and prints the path of
//! its JSON trace (`bench/op_profile.py` sums it by operator type).

use std::time::{Duration, Instant};

use ndarray::{ArrayD, IxDyn};
use pastiche_core::{Device, GraphSession, Outputs, SessionOptions};
use pastiche_graph::onnx::encode_model;
use pastiche_graph::{
    load_model, loss_gradient_graph, names, store, targets_graph, Convolution, GraphConfig,
};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let started = Instant::now();
    let value = f();
    (value, started.elapsed())
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<usize> = arguments.iter().filter_map(|a| a.parse().ok()).collect();
    let device = if arguments.iter().any(|a| a == "cuda") {
        Device::Cuda
    } else {
        Device::Cpu
    };
    let side = args.first().copied().unwrap_or(512);
    let runs = args.get(1).copied().unwrap_or(5);
    let threads = args.get(2).copied().unwrap_or(2);

    let model_path = store::resolve_model(None);
    let model = load_model(&model_path).expect("default model (run models/fetch-default.sh)");
    let convolution = if arguments.iter().any(|a| a == "direct") {
        Convolution::Direct
    } else if arguments.iter().any(|a| a == "winograd") {
        Convolution::Winograd
    } else {
        device.convolution()
    };
    let config = GraphConfig {
        convolution,
        ..GraphConfig::default()
    };
    let (bytes, compile) = timed(|| encode_model(&loss_gradient_graph(&model, &config).unwrap()));
    let targets = encode_model(&targets_graph(&model, &config).unwrap());

    let options = SessionOptions {
        threads,
        device,
        ..SessionOptions::default()
    };
    let (loss_session, load) =
        timed(|| GraphSession::from_bytes(&bytes, &options).unwrap_or_else(|e| panic!("{e}")));
    let mut loss_session = loss_session;
    let mut targets_session =
        GraphSession::from_bytes(&targets, &options).unwrap_or_else(|e| panic!("{e}"));

    let image = ArrayD::from_shape_fn(IxDyn(&[1, 3, side, side]), |d| {
        ((d[2] * 7 + d[3] * 13 + d[1]) % 97) as f32 / 97.0
    });
    let targets = targets_session
        .run(&[(names::IMAGE, image.view())])
        .unwrap();
    let scalar = |v: f32| ArrayD::from_elem(IxDyn(&[]), v);
    let weights = |n: usize| ArrayD::from_elem(IxDyn(&[n]), 1.0f32);
    let mut inputs: Vec<(String, ArrayD<f32>)> = targets.into_iter().collect();
    inputs.extend([
        (names::CONTENT_WEIGHT.to_owned(), scalar(1.0)),
        (names::STYLE_WEIGHT.to_owned(), scalar(1e3)),
        (names::TV_WEIGHT.to_owned(), scalar(1e-3)),
        (
            names::CONTENT_LAYER_WEIGHTS.to_owned(),
            weights(config.content_layers.len()),
        ),
        (
            names::STYLE_LAYER_WEIGHTS.to_owned(),
            weights(config.style_layers.len()),
        ),
    ]);
    let noisy = image.mapv(|v| (v * 0.9 + 0.05).min(1.0));
    if arguments.iter().any(|a| a == "profile") {
        let trace = profile(&bytes, threads, runs, &inputs, &noisy);
        println!("profile                      {trace}");
        return;
    }
    let mut run_loss = || -> Outputs {
        let mut feed: Vec<(&str, _)> = inputs.iter().map(|(n, a)| (n.as_str(), a.view())).collect();
        feed.push((names::IMAGE, noisy.view()));
        loss_session.run(&feed).unwrap()
    };
    run_loss(); // first run at a new size allocates and plans
    let loss_times: Vec<Duration> = (0..runs).map(|_| timed(&mut run_loss).1).collect();
    targets_session
        .run(&[(names::IMAGE, image.view())])
        .unwrap();
    let forward_times: Vec<Duration> = (0..runs)
        .map(|_| {
            timed(|| {
                targets_session
                    .run(&[(names::IMAGE, image.view())])
                    .unwrap()
            })
            .1
        })
        .collect();

    let (loss_median, forward_median) = (median(loss_times), median(forward_times));
    println!(
        "model                        {} ({})",
        model.architecture,
        model_path.display()
    );
    println!(
        "graph compile (build+encode) {:.0} ms",
        compile.as_secs_f64() * 1e3
    );
    println!(
        "loss+gradient graph size     {:.1} MB",
        bytes.len() as f64 / 1e6
    );
    println!(
        "session creation             {:.0} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "image                        {side}x{side}, {device:?}, {convolution:?} convolutions, {threads} threads, {runs} runs"
    );
    println!(
        "loss+gradient (median)       {:.4} s",
        loss_median.as_secs_f64()
    );
    println!(
        "targets forward (median)     {:.4} s",
        forward_median.as_secs_f64()
    );
    println!(
        "ratio loss+gradient/forward  {:.2}",
        loss_median.as_secs_f64() / forward_median.as_secs_f64()
    );
    println!("peak RSS                     {:.0} MB", peak_rss_mb());
}

/// Runs the loss+gradient graph `runs` times (after one warm-up) in a session with ONNX Runtime's
/// profiler on, and returns the path of the trace it wrote.
fn profile(
    graph: &[u8],
    threads: usize,
    runs: usize,
    inputs: &[(String, ArrayD<f32>)],
    image: &ArrayD<f32>,
) -> String {
    use ort::session::builder::GraphOptimizationLevel;
    use ort::session::{Session, SessionInputValue};
    use ort::value::TensorRef;

    let runtime = pastiche_core::runtime::ensure_runtime(None, Device::Cpu).unwrap();
    let prefix = std::env::temp_dir().join("pastiche_loss_gradient");
    // The same settings as `GraphSession` (crates/pastiche-core/src/session.rs), plus the profiler.
    let build = || -> ort::Result<Session> {
        Session::builder(&runtime.environment)?
            .with_optimization_level(GraphOptimizationLevel::All)?
            .with_memory_pattern(false)?
            .with_intra_threads(threads)?
            .with_profiling(&prefix)?
            .commit_from_memory(graph)
    };
    let mut session = build().unwrap();
    for _ in 0..=runs {
        let mut feed: Vec<(&str, SessionInputValue<'_>)> = inputs
            .iter()
            .map(|(n, a)| {
                (
                    n.as_str(),
                    TensorRef::from_array_view(a.view()).unwrap().into(),
                )
            })
            .collect();
        feed.push((
            names::IMAGE,
            TensorRef::from_array_view(image.view()).unwrap().into(),
        ));
        session.run(feed).unwrap();
    }
    session.end_profiling().unwrap()
}
