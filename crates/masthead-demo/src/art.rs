//! Illustrations for the demo articles, drawn as small SVG files: a sky, a horizon and a
//! motif, in one of a few palettes. Deterministic, so that a demo looks the same everywhere.

use std::fmt::Write;

pub const WIDTH: i64 = 1200;
pub const HEIGHT: i64 = 675;

/// (sky top, sky bottom, near, far)
const PALETTES: [(&str, &str, &str, &str); 6] = [
    ("#1d3557", "#457b9d", "#0b1d33", "#a8dadc"),
    ("#6d597a", "#e56b6f", "#355070", "#eaac8b"),
    ("#264653", "#2a9d8f", "#1b2f36", "#e9c46a"),
    ("#3d405b", "#81b29a", "#22223b", "#f2cc8f"),
    ("#582f0e", "#b6ad90", "#333d29", "#ede0d4"),
    ("#03045e", "#00b4d8", "#023e8a", "#caf0f8"),
];

/// A small deterministic number stream from the article's slug, for varied shapes.
struct Seed(u64);

impl Seed {
    fn next(&mut self, below: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % below as u64) as i64
    }
}

pub fn illustration(motif: &str, palette: usize, slug: &impl AsRef<str>) -> String {
    let (top, bottom, near, far) = PALETTES[palette % PALETTES.len()];
    let mut seed = Seed(
        slug.as_ref()
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
            | 1,
    );
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"><defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/></linearGradient></defs><rect width="{WIDTH}" height="{HEIGHT}" fill="url(#sky)"/>"#
    );
    match motif {
        "mountains" => {
            for layer in 0..3 {
                let base = 420 + layer * 80;
                let color = if layer == 2 { near } else { far };
                let opacity = 0.35 + 0.3 * layer as f32;
                let mut d = format!("M0 {HEIGHT} L0 {base}");
                let mut x = 0;
                while x < WIDTH {
                    x += 120 + seed.next(140);
                    let peak = base - 120 - seed.next(160) + layer * 30;
                    let _ = write!(d, " L{} {} L{} {}", x - 60, peak, x.min(WIDTH), base);
                }
                let _ = write!(
                    s,
                    r#"<path d="{d} L{WIDTH} {HEIGHT} Z" fill="{color}" fill-opacity="{opacity}"/>"#
                );
            }
        }
        "city" => {
            let mut x = 0;
            while x < WIDTH {
                let w = 50 + seed.next(90);
                let h = 120 + seed.next(300);
                let _ =
                    write!(s, r#"<rect x="{x}" y="{}" width="{w}" height="{h}" fill="{near}"/>"#, HEIGHT - h);
                for wy in (HEIGHT - h + 20..HEIGHT - 20).step_by(36) {
                    if seed.next(3) == 0 {
                        let _ = write!(
                            s,
                            r#"<rect x="{}" y="{wy}" width="10" height="14" fill="{far}"/>"#,
                            x + w / 3
                        );
                    }
                }
                x += w + 6;
            }
        }
        "sun" => {
            let _ = write!(
                s,
                r#"<circle cx="{}" cy="330" r="150" fill="{far}" fill-opacity="0.9"/>"#,
                300 + seed.next(600)
            );
            let _ = write!(s, r#"<rect y="430" width="{WIDTH}" height="245" fill="{near}"/>"#);
        }
        "fields" => {
            let _ = write!(s, r#"<rect y="380" width="{WIDTH}" height="295" fill="{near}"/>"#);
            for i in 0..12 {
                let x = i * 110 - 60;
                let _ = write!(
                    s,
                    r#"<path d="M600 380 L{x} {HEIGHT}" stroke="{far}" stroke-width="3" stroke-opacity="0.6"/>"#
                );
            }
        }
        "port" => {
            let _ = write!(s, r#"<rect y="470" width="{WIDTH}" height="205" fill="{near}"/>"#);
            for i in 0..4 {
                let x = 150 + i * 260 + seed.next(60);
                let _ = write!(
                    s,
                    r#"<path d="M{x} 470 L{x} 200 L{} 200 M{x} 240 L{} 330" stroke="{far}" stroke-width="10" fill="none"/>"#,
                    x + 160,
                    x + 120
                );
                let _ = write!(
                    s,
                    r#"<rect x="{}" y="430" width="180" height="40" fill="{far}" fill-opacity="0.7"/>"#,
                    x - 40
                );
            }
        }
        "grid" => {
            for x in (40..WIDTH).step_by(60) {
                for y in (40..HEIGHT).step_by(60) {
                    let r = 3 + seed.next(9);
                    let _ =
                        write!(s, r#"<circle cx="{x}" cy="{y}" r="{r}" fill="{far}" fill-opacity="0.55"/>"#);
                }
            }
        }
        // "river", "waves" and anything else: bands of water.
        _ => {
            for i in 0..5 {
                let y = 360 + i * 60;
                let a = 20 + seed.next(40);
                let color = if i % 2 == 0 { near } else { far };
                let _ = write!(
                    s,
                    r#"<path d="M0 {y} C300 {} 600 {} 900 {y} S1100 {} {WIDTH} {y} L{WIDTH} {HEIGHT} L0 {HEIGHT} Z" fill="{color}" fill-opacity="0.55"/>"#,
                    y - a,
                    y + a,
                    y - a
                );
            }
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn illustrations_are_deterministic_svg_documents() {
        for motif in ["mountains", "city", "sun", "fields", "port", "grid", "river", "waves"] {
            let a = illustration(motif, 3, &"a-slug");
            assert!(a.starts_with("<svg") && a.trim_end().ends_with("</svg>"), "{motif}");
            assert_eq!(a, illustration(motif, 3, &"a-slug"));
        }
        assert_ne!(illustration("city", 0, &"one"), illustration("city", 0, &"two"));
    }
}
