//! Pictures larger than a tile: optimised in overlapping tiles and joined without seams.

mod support;

use ndarray::Array3;
use pastiche_core::tiling::Tile;
use pastiche_core::{Control, CoreError, Engine, Params, Picture, Style, FULL_SIZE};
use support::{data, engine};

const TILE: usize = 128;
const WIDTH: usize = 400;
const HEIGHT: usize = 300;

fn setup() -> (Engine, Picture, Params, Vec<Style>) {
    let engine = engine();
    let content = Picture::load(&data("tubingen.jpg"))
        .unwrap()
        .resized(WIDTH, HEIGHT);
    // 240×180, then 480×360 from its upsampled result, as in a real run; both in tiles.
    let params = Params {
        size: FULL_SIZE,
        scales: 2,
        tile_size: TILE,
        iterations: 8,
        ..Params::default()
    };
    let style = Style {
        picture: Picture::load(&data("starry_night.jpg"))
            .unwrap()
            .with_longest_side(WIDTH),
        weight: 1.0,
    };
    (engine, content, params, vec![style])
}

/// Mean squared difference across the vertical line between columns `x - 1` and `x`.
fn energy_across_column(rgb: &Array3<f32>, x: usize) -> f64 {
    let (h, mut sum) = (rgb.shape()[1], 0.0);
    for c in 0..3 {
        for y in 0..h {
            sum += ((rgb[[c, y, x]] - rgb[[c, y, x - 1]]) as f64).powi(2);
        }
    }
    sum / (3 * h) as f64
}

/// As [`energy_across_column`], across the line between rows `y - 1` and `y`.
fn energy_across_row(rgb: &Array3<f32>, y: usize) -> f64 {
    let (w, mut sum) = (rgb.shape()[2], 0.0);
    for c in 0..3 {
        for x in 0..w {
            sum += ((rgb[[c, y, x]] - rgb[[c, y - 1, x]]) as f64).powi(2);
        }
    }
    sum / (3 * w) as f64
}

/// Every line where a tile begins or ends inside the picture: where a seam would show.
fn tile_borders(tiles: &[Tile], width: usize, height: usize) -> (Vec<usize>, Vec<usize>) {
    let mut columns: Vec<usize> = tiles
        .iter()
        .flat_map(|t| [t.x, t.x + t.width])
        .filter(|&x| x > 0 && x < width)
        .collect();
    let mut rows: Vec<usize> = tiles
        .iter()
        .flat_map(|t| [t.y, t.y + t.height])
        .filter(|&y| y > 0 && y < height)
        .collect();
    columns.sort();
    columns.dedup();
    rows.sort();
    rows.dedup();
    (columns, rows)
}

#[test]
fn a_picture_larger_than_a_tile_is_painted_in_tiles_without_seams() {
    let (mut engine, content, params, styles) = setup();
    let plan = params.plan(WIDTH, HEIGHT);
    assert_eq!(plan.len(), 2);
    let tile_counts: Vec<usize> = plan.iter().map(|s| s.tiles.len()).collect();
    assert!(
        tile_counts[0] > 1 && tile_counts[1] >= 12,
        "{tile_counts:?}"
    );
    let tiles = plan[1].tiles.clone();
    let mut targets = engine.style_targets(styles, &params, &content).unwrap();
    let mut seen = Vec::new();
    let result = engine
        .stylize(&content, &mut targets, &params, &mut |p| {
            seen.push((p.tile, p.tiles, p.iteration));
            Control::Continue
        })
        .unwrap();
    assert_eq!(
        (result.picture.width(), result.picture.height()),
        (WIDTH, HEIGHT)
    );
    assert_eq!(
        seen.len(),
        tile_counts.iter().sum::<usize>() * params.iterations,
        "every tile ran"
    );
    assert_eq!(
        seen.last(),
        Some(&(tiles.len() - 1, tiles.len(), params.iterations))
    );
    let change = (&result.picture.rgb - &content.rgb)
        .mapv(f32::abs)
        .mean()
        .unwrap();
    assert!(change > 0.03, "the picture barely changed ({change})");

    let rgb = &result.picture.rgb;
    // Across each line where a tile begins or ends, and the lines beside it.
    let (columns, rows) = tile_borders(&tiles, WIDTH, HEIGHT);
    let near = |line: usize| line - 1..=line + 1;
    let at_borders: Vec<f64> = columns
        .iter()
        .flat_map(|&x| near(x).map(|x| energy_across_column(rgb, x)))
        .chain(
            rows.iter()
                .flat_map(|&y| near(y).map(|y| energy_across_row(rgb, y))),
        )
        .collect();
    let everywhere: Vec<f64> = (1..WIDTH)
        .map(|x| energy_across_column(rgb, x))
        .chain((1..HEIGHT).map(|y| energy_across_row(rgb, y)))
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;

    let ratio = mean(&at_borders) / mean(&everywhere);
    eprintln!("gradient energy at tile borders / everywhere: {ratio:.3}");
    assert!(
        (0.9..=1.1).contains(&ratio),
        "a seam: energy at tile borders is {ratio:.3} × the picture's"
    );
}

#[test]
fn cancelling_inside_a_later_tile_stops_at_once() {
    let (mut engine, content, params, styles) = setup();
    let mut targets = engine.style_targets(styles, &params, &content).unwrap();
    let mut calls = 0;
    let result = engine.stylize(&content, &mut targets, &params, &mut |p| {
        calls += 1;
        if p.scale == 0 && p.tile == 2 && p.iteration == 3 {
            Control::Cancel
        } else {
            Control::Continue
        }
    });
    assert!(matches!(result, Err(CoreError::Cancelled)));
    assert_eq!(calls, 2 * params.iterations + 3);
}

#[test]
fn style_grams_of_a_large_style_come_from_its_parts() {
    // A style larger than two tiles is measured in parts; its Gram matrices stay close to those
    // of the whole picture (the receptive fields cut where the parts meet change them little).
    let (mut engine, content, _, _) = setup();
    let styles = vec![Style {
        picture: Picture::load(&data("starry_night.jpg")).unwrap(),
        weight: 1.0,
    }];
    let in_parts = Params {
        tile_size: 256,
        ..Params::default()
    };
    let whole = Params {
        tile_size: 1024,
        ..Params::default()
    };
    let mut parts_targets = engine
        .style_targets(styles.clone(), &in_parts, &content)
        .unwrap();
    let mut whole_targets = engine.style_targets(styles, &whole, &content).unwrap();
    let from_parts = engine.style_grams(&mut parts_targets, 1024).unwrap();
    let reference = engine.style_grams(&mut whole_targets, 1024).unwrap();
    for (layer, (p, r)) in from_parts.iter().zip(&reference).enumerate() {
        let error = (p - r).mapv(|v| (v as f64).powi(2)).sum().sqrt()
            / r.mapv(|v| (v as f64).powi(2)).sum().sqrt();
        // Measured: 0.002, 0.008, 0.024, 0.060, and 0.166 at relu5_1, whose receptive fields
        // are the widest (each part holds 32 × 32 of its positions).
        let bound = if layer < 4 { 0.1 } else { 0.25 };
        assert!(
            error < bound,
            "style layer {layer}: relative difference {error:.3}"
        );
    }
}
