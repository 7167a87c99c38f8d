//! `pastiche styles`: the bundled styles, usable as `--style NAME`.

use pastiche_core::BUNDLED_STYLES;

/// One line per style: name, title, artist and date, licence; columns aligned.
pub fn list() -> String {
    let rows: Vec<[String; 3]> = BUNDLED_STYLES
        .iter()
        .map(|s| {
            [
                s.name.to_owned(),
                format!("{}, {}, {}", s.title, s.artist, s.date),
                s.licence.to_owned(),
            ]
        })
        .collect();
    let name_width = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
    let work_width = rows.iter().map(|r| r[1].chars().count()).max().unwrap_or(0);
    rows.iter()
        .map(|[name, work, licence]| format!("{name:name_width$}  {work:work_width$}  {licence}\n"))
        .collect()
}
