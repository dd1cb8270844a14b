//! Mutations of endpoint-documentation text (the importer's input): lines dropped, duplicated,
//! swapped or moved, table cells broken, very long or odd lines, closing lines changed.

use fastrand::Rng;

/// Applies `count` random mutations to the lines of `text`; returns the text and a one-line
/// description of each mutation.
pub fn mutate(text: &str, count: usize, rng: &mut Rng) -> (String, Vec<String>) {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let steps = (0..count).map(|_| mutate_once(&mut lines, rng)).collect();
    let mut out = lines.join("\n");
    out.push('\n');
    (out, steps)
}

fn mutate_once(lines: &mut Vec<String>, rng: &mut Rng) -> String {
    let at = rng.usize(..lines.len());
    match rng.u8(..9) {
        0 if lines.len() > 1 => {
            lines.remove(at);
            format!("drop line {}", at + 1)
        }
        1 => {
            let copy = lines[at].clone();
            lines.insert(at, copy);
            format!("duplicate line {}", at + 1)
        }
        2 => {
            let other = rng.usize(..lines.len());
            lines.swap(at, other);
            format!("swap lines {} and {}", at + 1, other + 1)
        }
        3 => {
            let end = (at + rng.usize(1..12)).min(lines.len());
            let block: Vec<String> = lines.drain(at..end).collect();
            let to = rng.usize(..=lines.len());
            lines.splice(to..to, block);
            format!("move lines {}..{} to {}", at + 1, end, to + 1)
        }
        4 | 5 => break_cells(&mut lines[at], rng).map_or_else(|| format!("cells (line {} has none)", at + 1), |what| format!("{what} on line {}", at + 1)),
        6 => {
            let unit = ["x", "| a ", "/notes/{id}", "é", " "][rng.usize(..5)];
            lines[at].push_str(&unit.repeat(rng.usize(1_000..50_000)));
            format!("very long line {}", at + 1)
        }
        7 => {
            let odd = ["", "|", "||", "| |", "GET /", "GET", "/", "POST /notes", "application/json", "| Name | In |", "\t", "\u{feff}", "🦀"];
            let line = odd[rng.usize(..odd.len())].to_owned();
            lines.insert(at, line.clone());
            format!("insert {line:?} before line {}", at + 1)
        }
        _ => {
            let method = ["GET", "POST", "PUT", "PATCH", "DELETE", "get", "FETCH", ""][rng.usize(..8)];
            let line = &mut lines[at];
            let rest = line.split_once(' ').map_or("", |(_, rest)| rest).to_owned();
            *line = format!("{method} {rest}");
            format!("method {method:?} on line {}", at + 1)
        }
    }
}

/// A table row with a cell dropped, added, emptied or its bars removed.
fn break_cells(line: &mut String, rng: &mut Rng) -> Option<&'static str> {
    if !line.contains('|') {
        return None;
    }
    let mut cells: Vec<String> = line.split('|').map(str::to_owned).collect();
    let at = rng.usize(..cells.len());
    let what = match rng.u8(..4) {
        0 => {
            cells.remove(at);
            "drop a cell"
        }
        1 => {
            cells.insert(at, " extra ".to_owned());
            "add a cell"
        }
        2 => {
            cells[at] = String::new();
            "empty a cell"
        }
        _ => {
            *line = line.replace('|', " ");
            return Some("remove the bars");
        }
    };
    *line = cells.join("|");
    Some(what)
}
