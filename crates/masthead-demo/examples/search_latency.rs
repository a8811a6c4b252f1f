//! Search latency on a synthetic outlet (`masthead generate`): each query of a fixed mix, from
//! a word in nearly every article to a name in a few dozen, with and without a filter, run
//! many times through `Store::search` (one page of ten, the way `/search` asks), uncached.
//! Prints p50, p95 and the largest time per query and over all of them, in milliseconds.
//!
//! cargo run --release -p masthead-demo --example search_latency -- sqlite DATA/masthead.db [RUNS]
//! cargo run --release -p masthead-demo --example search_latency -- postgres URL [RUNS]

use std::time::Instant;

use masthead_core::{SearchQuery, Slug, TermKind};
use masthead_demo::synthetic::name_of;
use masthead_store::{Location, SearchRequest, Store};

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: search_latency sqlite FILE | postgres URL [RUNS]";
    let location = match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("sqlite"), Some(path)) => Location::Sqlite(path.into()),
        (Some("postgres"), Some(url)) => Location::Postgres { url: url.clone(), schema: None },
        _ => panic!("{usage}"),
    };
    let runs: usize = args.get(3).map(|r| r.parse().expect("RUNS is a number")).unwrap_or(50);
    let store = Store::open(&location).await.expect("the database opens");
    let region = store.term_by_slug(TermKind::Region, &Slug::parse("region-1").unwrap()).await.unwrap().id;
    let queries: Vec<(String, String, Option<i64>)> = vec![
        ("a word in every article".into(), "river".into(), None),
        ("two such words".into(), "river border".into(), None),
        ("a phrase of them".into(), "\"river border\"".into(), None),
        ("a frequent name".into(), name_of(3), None),
        ("a name in ~5% of articles".into(), name_of(100), None),
        ("a rare name".into(), name_of(5_000), None),
        ("a name and a common word".into(), format!("{} river", name_of(100)), None),
        ("a prefix".into(), format!("{}*", &name_of(20)[..4]), None),
        ("a common word in one region tree".into(), "river".into(), Some(region)),
    ];
    let mut all = Vec::new();
    println!("| query | matches on page 1 | p50 ms | p95 ms | max ms |");
    println!("| --- | --- | --- | --- | --- |");
    for (label, text, term) in &queries {
        let request = SearchRequest {
            query: SearchQuery::parse(text),
            term_ids: term.iter().copied().collect(),
            limit: 10,
            now: jiff::Timestamp::now(),
            ..SearchRequest::default()
        };
        // One run to warm the caches the way a serving site's are.
        let found = store.search(&request).await.expect("the search runs").hits.len();
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            store.search(&request).await.expect("the search runs");
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "| {label} (`{text}`) | {found} | {:.2} | {:.2} | {:.2} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times[times.len() - 1]
        );
        all.extend(times);
    }
    all.sort_by(f64::total_cmp);
    println!(
        "| **all queries** | | **{:.2}** | **{:.2}** | {:.2} |",
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        all[all.len() - 1]
    );
}
