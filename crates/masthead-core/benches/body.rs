//! The body's render path: Markdown to sanitised HTML, sanitising a partner's HTML, excerpts.
//! `cargo bench -p masthead-core`.

use criterion::{Criterion, criterion_group, criterion_main};
use masthead_core::body::{excerpt_from_html, sanitize_html};
use masthead_core::{BodyFormat, render_body};
use std::hint::black_box;

/// About a thousand words of Markdown, as an article has.
fn article_markdown() -> String {
    let paragraph = "The river fell again this week, and the barges that carry grain from the plains to \
        the Black Sea waited at [Vidin](https://example.org/vidin) for rain that did not come. Captains \
        said the *draught* had never been so low in November; the ministry said it was watching. ";
    let mut text = String::from("## Low water\n\n");
    for i in 0..22 {
        text.push_str(paragraph);
        text.push_str("\n\n");
        if i == 10 {
            text.push_str("> Nobody remembers a November like this one.\n\n- one\n- two\n- three\n\n");
        }
    }
    text
}

fn bench(c: &mut Criterion) {
    let markdown = article_markdown();
    c.bench_function("render_body markdown (1,000 words)", |b| {
        b.iter(|| render_body(BodyFormat::Markdown, black_box(&markdown)).unwrap())
    });
    let html = render_body(BodyFormat::Markdown, &markdown).unwrap().html;
    let hostile =
        format!("{html}<script>alert(1)</script><img src=x onerror=alert(1)><iframe src=//x></iframe>");
    c.bench_function("sanitize_html partner HTML (1,000 words)", |b| {
        b.iter(|| sanitize_html(black_box(&hostile)).unwrap())
    });
    c.bench_function("excerpt_from_html (1,000 words)", |b| {
        b.iter(|| excerpt_from_html(black_box(&html), 55))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
