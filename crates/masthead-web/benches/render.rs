//! The uncached page render path without the database: an article's view model and the
//! article template. `cargo bench -p masthead-web`.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use masthead_core::{Article, ArticleStatus, Author, BodyFormat, Provenance, Site, Slug, render_body};
use masthead_web::Theme;
use masthead_web::views::{article_meta, article_view, site_view};
use std::hint::black_box;

fn article() -> Article {
    let paragraph = "The river fell again this week, and the barges that carry grain from the plains to \
        the Black Sea waited at Vidin for rain that did not come. ";
    let body = (0..40).map(|_| paragraph).collect::<Vec<_>>().join("\n\n");
    let at: Timestamp = "2026-11-02T08:30:00Z".parse().unwrap();
    Article {
        id: 1,
        slug: Slug::parse("barges-wait").unwrap(),
        title: "Barges wait as the river falls".into(),
        dek: "Low water strands cargo on the lower Danube.".into(),
        body: render_body(BodyFormat::Markdown, &body).expect("synthetic bodies are small"),
        excerpt: "Low water strands cargo.".into(),
        status: ArticleStatus::Published,
        created_at: at,
        updated_at: at,
        published_at: Some(at),
        time_zone: "Europe/Belgrade".into(),
        authors: vec![Author {
            id: 1,
            slug: Slug::parse("ana-petrovic").unwrap(),
            name: "Ana Petrović".into(),
            bio: "Ana Petrović covers the Balkans.".into(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        }],
        terms: vec![],
        featured: None,
        reuse_policy: None,
        provenance: Provenance::Own,
        revision: 1,
        first_slug: None,
        corrections: vec![],
        withdrawal: None,
        withheld_images: vec![],
        language: String::new(),
        translation_of: None,
        translations: vec![],
        revised_at: None,
        word_count: None,
    }
}

fn bench(c: &mut Criterion) {
    let theme = Theme::load(None).unwrap();
    let site = Site::default();
    let a = article();
    c.bench_function("article page: view model and template", |b| {
        b.iter(|| {
            let ctx = minijinja::context! {
                site => site_view(&site), nav => Vec::<String>::new(), feeds => Vec::<String>::new(),
                canonical => a.canonical_url(&site), article => article_view(&site, black_box(&a)),
                meta => article_meta(&site, &a),
            };
            theme.render("article.html", ctx).unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
