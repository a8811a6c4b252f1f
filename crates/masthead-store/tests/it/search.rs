//! Full-text search of articles, on both backends: what a reader finds, what they never find,
//! and queries written to break it.

use masthead_core::{ArticleStatus, BodyFormat, SearchQuery, TermKind, render_body};
use masthead_store::{
    ArticleFilter, HIGHLIGHT_END, HIGHLIGHT_START, SearchRequest, SearchResults, Store, both_backends,
};

use crate::{at, author, term};

both_backends!(
    words_phrases_and_prefixes_find_published_articles_with_highlighted_passages,
    the_index_follows_every_save_and_delete,
    filters_narrow_a_search_by_term_author_and_date,
    relevance_prefers_the_headline_and_gently_the_recent,
    a_word_in_most_of_a_large_site_leaves_the_newest_first,
    hostile_queries_never_fail,
    a_rebuilt_index_finds_the_same,
    the_newsroom_list_searches_every_status,
);

fn request(q: &str) -> SearchRequest {
    SearchRequest {
        query: SearchQuery::parse(q),
        limit: 10,
        now: at("2026-11-30T12:00:00Z"),
        ..SearchRequest::default()
    }
}

async fn search(store: &Store, q: &str) -> SearchResults {
    store.search(&request(q)).await.unwrap()
}

fn slugs(results: &SearchResults) -> Vec<String> {
    results.hits.iter().map(|h| h.summary.slug.as_str().to_owned()).collect()
}

async fn save(
    store: &Store,
    slug: &str,
    title: &str,
    body: &str,
    published_at: Option<&str>,
    authors: Vec<i64>,
    terms: Vec<i64>,
) -> i64 {
    let mut new = crate::article(slug, published_at, authors, terms);
    new.title = title.into();
    new.body = render_body(BodyFormat::Markdown, body).unwrap();
    store.create_article(&new).await.unwrap().id
}

async fn words_phrases_and_prefixes_find_published_articles_with_highlighted_passages(store: Store) {
    let ana = author(&store, "Ana").await;
    save(
        &store,
        "low-water",
        "Low water on the Danube",
        "Barges near **Vidin** carried a third of their load. Freight rates on the lower Dunărea rose by half.",
        Some("2026-10-01T08:00:00Z"),
        vec![ana],
        vec![],
    )
    .await;
    save(
        &store,
        "grain",
        "Grain through Constanța",
        "The port took more grain than in any October. Water levels did not matter at sea.",
        Some("2026-10-02T08:00:00Z"),
        vec![ana],
        vec![],
    )
    .await;
    save(&store, "draft", "Danube draft", "Unpublished water.", None, vec![ana], vec![]).await;

    assert_eq!(slugs(&search(&store, "danube").await), ["low-water"], "drafts are never found");
    assert_eq!(slugs(&search(&store, "vidin").await), ["low-water"], "words in the text, in any case");
    assert_eq!(slugs(&search(&store, "dunarea").await), ["low-water"], "without the accent");
    let mut both = slugs(&search(&store, "water").await);
    both.sort();
    assert_eq!(both, ["grain", "low-water"]);
    assert_eq!(slugs(&search(&store, "water grain").await), ["grain"], "every word must match");
    assert_eq!(slugs(&search(&store, "\"lower dunarea\"").await), ["low-water"]);
    assert!(search(&store, "\"dunarea lower\"").await.hits.is_empty(), "a phrase keeps its order");
    assert_eq!(slugs(&search(&store, "freig*").await), ["low-water"], "a prefix");
    assert!(search(&store, "freig").await.hits.is_empty(), "without the star, a word is whole");
    assert!(search(&store, "").await.hits.is_empty());

    let hit = &search(&store, "barges").await.hits[0];
    assert_eq!(hit.summary.title, "Low water on the Danube");
    assert_eq!(hit.summary.authors[0].name, "Ana", "results carry their bylines");
    let marked = format!("{HIGHLIGHT_START}Barges{HIGHLIGHT_END}");
    assert!(hit.snippet.contains(&marked), "the passage marks the match: {:?}", hit.snippet);
    assert!(!hit.snippet.contains("**"), "the passage is text, not markup: {:?}", hit.snippet);
}

async fn the_index_follows_every_save_and_delete(store: Store) {
    let id = save(&store, "piece", "Bridges", "About bridges.", Some("2026-10-01T08:00:00Z"), vec![], vec![])
        .await;
    assert_eq!(slugs(&search(&store, "bridges").await), ["piece"]);

    let current = store.article(id).await.unwrap();
    let mut edited = store.revision_snapshot(id, current.revision).await.unwrap();
    edited.title = "Tunnels".into();
    edited.body = render_body(BodyFormat::Markdown, "About tunnels.").unwrap();
    store.update_article(id, current.revision, &edited, None).await.unwrap();
    assert!(search(&store, "bridges").await.hits.is_empty(), "the old words are gone");
    assert_eq!(slugs(&search(&store, "tunnels").await), ["piece"]);

    store.set_status(id, ArticleStatus::Unpublished, None, None).await.unwrap();
    assert!(search(&store, "tunnels").await.hits.is_empty(), "an unpublished article is not found");
    store.set_status(id, ArticleStatus::Published, None, None).await.unwrap();
    assert_eq!(slugs(&search(&store, "tunnels").await), ["piece"]);

    // A save that fails (a taken slug) leaves the index as it was.
    save(&store, "other", "Other", "Something else.", Some("2026-10-01T08:00:00Z"), vec![], vec![]).await;
    let current = store.article(id).await.unwrap();
    let mut clash = store.revision_snapshot(id, current.revision).await.unwrap();
    clash.slug = masthead_core::Slug::parse("other").unwrap();
    clash.title = "Ferries".into();
    assert!(store.update_article(id, current.revision, &clash, None).await.is_err());
    assert!(search(&store, "ferries").await.hits.is_empty(), "nothing of a failed save is indexed");
    assert_eq!(slugs(&search(&store, "tunnels").await), ["piece"]);

    let imported = store
        .create_articles(&[{
            let mut a = crate::article("imported", Some("2026-09-01T08:00:00Z"), vec![], vec![]);
            a.body = render_body(BodyFormat::Html, "<p>Ferries to <em>Mljet</em></p>").unwrap();
            a
        }])
        .await
        .unwrap();
    assert_eq!(slugs(&search(&store, "mljet").await), ["imported"], "imported articles are indexed");

    store.delete_article(id).await.unwrap();
    store.delete_article(imported[0]).await.unwrap();
    assert!(search(&store, "tunnels").await.hits.is_empty());
    assert!(search(&store, "mljet").await.hits.is_empty());
}

async fn filters_narrow_a_search_by_term_author_and_date(store: Store) {
    let (ana, boris) = (author(&store, "Ana").await, author(&store, "Boris").await);
    let balkans = term(&store, TermKind::Region, "Balkans", None).await;
    let serbia = term(&store, TermKind::Region, "Serbia", Some(balkans)).await;
    let energy = term(&store, TermKind::Theme, "Energy", None).await;
    save(&store, "a", "Power", "Grid news.", Some("2026-03-01T08:00:00Z"), vec![ana], vec![serbia, energy])
        .await;
    save(&store, "b", "Power", "Grid news.", Some("2026-06-01T08:00:00Z"), vec![boris], vec![balkans]).await;
    save(&store, "c", "Power", "Grid news.", Some("2026-09-01T08:00:00Z"), vec![ana], vec![energy]).await;

    let with = |f: &dyn Fn(&mut SearchRequest)| {
        let mut r = request("grid");
        f(&mut r);
        r
    };
    let found = |r: SearchRequest| {
        let store = store.clone();
        async move {
            let mut s = slugs(&store.search(&r).await.unwrap());
            s.sort();
            s
        }
    };
    assert_eq!(
        found(with(&|r| r.term_ids = vec![balkans])).await,
        ["a", "b"],
        "a region includes those below it"
    );
    assert_eq!(found(with(&|r| r.term_ids = vec![balkans, energy])).await, ["a"], "every term must match");
    assert_eq!(found(with(&|r| r.author_id = Some(ana))).await, ["a", "c"]);
    assert_eq!(
        found(with(&|r| {
            r.from = Some(at("2026-05-01T00:00:00Z"));
            r.until = Some(at("2026-09-01T08:00:00Z"));
        }))
        .await,
        ["b"],
        "from is inclusive, until is not"
    );
    let paged = store.search(&SearchRequest { limit: 2, ..request("grid") }).await.unwrap();
    assert_eq!((paged.hits.len(), paged.more), (2, true));
    let rest = store.search(&SearchRequest { limit: 2, offset: 2, ..request("grid") }).await.unwrap();
    assert_eq!((rest.hits.len(), rest.more), (1, false));
    let mut all: Vec<String> = slugs(&paged).into_iter().chain(slugs(&rest)).collect();
    all.sort();
    assert_eq!(all, ["a", "b", "c"], "pages do not overlap");
}

async fn relevance_prefers_the_headline_and_gently_the_recent(store: Store) {
    save(
        &store,
        "body-only",
        "Markets",
        "A word on inflation.",
        Some("2026-11-01T08:00:00Z"),
        vec![],
        vec![],
    )
    .await;
    save(&store, "headline", "Inflation", "Prices.", Some("2026-11-01T08:00:00Z"), vec![], vec![]).await;
    assert_eq!(slugs(&search(&store, "inflation").await), ["headline", "body-only"]);
    save(
        &store,
        "phrase-body",
        "Markets",
        "Interest rates rose.",
        Some("2026-11-01T08:00:00Z"),
        vec![],
        vec![],
    )
    .await;
    save(&store, "phrase-headline", "Interest rates", "Up.", Some("2026-11-01T08:00:00Z"), vec![], vec![])
        .await;
    assert_eq!(
        slugs(&search(&store, "\"interest rates\"").await),
        ["phrase-headline", "phrase-body"],
        "a phrase in the headline first"
    );

    save(&store, "old", "Harvest", "The harvest.", Some("2016-08-01T08:00:00Z"), vec![], vec![]).await;
    save(&store, "new", "Harvest", "The harvest.", Some("2026-08-01T08:00:00Z"), vec![], vec![]).await;
    assert_eq!(slugs(&search(&store, "harvest").await), ["new", "old"], "as good a match, the newer first");

    // A strong match ten years old still comes before a passing mention this year.
    save(&store, "passing", "Weather", "Rain, wind, and one word of drought among many others in a long text about the sea, the rivers and the weather of the week.", Some("2026-11-20T08:00:00Z"), vec![], vec![]).await;
    save(
        &store,
        "strong",
        "Drought",
        "Drought. The drought of that year, drought everywhere.",
        Some("2016-07-01T08:00:00Z"),
        vec![],
        vec![],
    )
    .await;
    assert_eq!(slugs(&search(&store, "drought").await), ["strong", "passing"]);
}

async fn a_word_in_most_of_a_large_site_leaves_the_newest_first(store: Store) {
    // 1,200 articles mention the harbour, a minute apart; the oldest is all about it. Two
    // of them, the second and a recent one, mention a kestrel.
    let start = at("2026-01-01T00:00:00Z");
    let news: Vec<_> = (0..1_200)
        .map(|i| {
            let published = start + jiff::SignedDuration::from_mins(i);
            let mut new = crate::article(&format!("note-{i}"), Some(&published.to_string()), vec![], vec![]);
            let (title, body) = match i {
                0 => ("Harbour", "The harbour, the harbour and the harbour again.".to_owned()),
                1 => ("The kestrel", "A kestrel over our harbour.".to_owned()),
                1_150 => ("Notes", "The harbour wall, and a kestrel.".to_owned()),
                _ => ("Notes", format!("Note {i} from the harbour.")),
            };
            new.title = title.into();
            new.body = render_body(BodyFormat::Markdown, &body).unwrap();
            new
        })
        .collect();
    store.create_articles(&news).await.unwrap();

    // A word in fewer of them weighs: the kestrel in a headline comes first, though older.
    assert_eq!(slugs(&search(&store, "harbour kestrel").await), ["note-1", "note-1150"]);
    assert_eq!(slugs(&search(&store, "\"harbour wall\" kestrel").await), ["note-1150"]);
    let newest = slugs(&search(&store, "harbour").await);
    assert_eq!(newest.len(), 10);
    if store.backend() == "sqlite" {
        // bm25 tells articles apart by a word in all of them by nothing but rounding, and
        // counting them would cost a pass over the site at each search: the newest first.
        assert_eq!(newest[..3], ["note-1199", "note-1198", "note-1197"]);
    } else {
        // ts_rank_cd weighs each article by itself, at a cost that does not grow with the site.
        assert_eq!(newest[..2], ["note-0", "note-1199"]);
    }
}

async fn hostile_queries_never_fail(store: Store) {
    save(&store, "x", "Ordinary", "An ordinary article.", Some("2026-10-01T08:00:00Z"), vec![], vec![]).await;
    let long_word = "w".repeat(5_000);
    let many_words = "ordinary ".repeat(2_000);
    let many_prefixes = (0..300).map(|i| format!("or{i}* ")).collect::<String>();
    let hostile = [
        "\"",
        "\"\"\"",
        "*",
        "a*",
        "NEAR(ordinary article)",
        "ordinary OR article",
        "ordinary AND NOT article",
        "title:ordinary",
        "{title dek}: ordinary",
        "ordinary:*",
        "'ordinary' & !article",
        "ordinary | article <-> x",
        "') ; DROP TABLE articles; --",
        "\\",
        "\u{0}\u{1}\u{7f}",
        "\u{E000}ordinary\u{E001}",
        "^ordinary",
        "-ordinary",
        "+ordinary",
        "(((((((((",
        "ordinary\"article",
        "🦀 ordinary",
        &long_word,
        &many_words,
        &many_prefixes,
    ];
    for q in hostile {
        let results = store.search(&request(q)).await;
        assert!(results.is_ok(), "{:?}: {:?}", q.chars().take(40).collect::<String>(), results.err());
        let filter = ArticleFilter { text: Some(SearchQuery::parse(q)), ..ArticleFilter::default() };
        assert!(store.find_articles(&filter, 10).await.is_ok(), "the newsroom's list with {q:?}");
    }
    assert_eq!(slugs(&search(&store, "ordinary OR zzz").await), Vec::<String>::new(), "OR is a word here");
    assert_eq!(slugs(&search(&store, "(ordinary) article:").await), ["x"], "syntax is spaces");
    assert!(search(&store, "NEAR(ordinary article)").await.hits.is_empty(), "NEAR is a word, not found");
}

async fn a_rebuilt_index_finds_the_same(store: Store) {
    for i in 0..450 {
        let body = if i % 3 == 0 { "Shipping on the river." } else { "Other news." };
        save(
            &store,
            &format!("a{i}"),
            &format!("Item {i}"),
            body,
            Some("2026-10-01T08:00:00Z"),
            vec![],
            vec![],
        )
        .await;
    }
    assert!(
        !store.search_index_stale().await.unwrap(),
        "a new site's index is kept by every save from the first: nothing to rebuild at its first start"
    );
    let before = store.search(&SearchRequest { limit: 100, ..request("shipping") }).await.unwrap();
    let mut calls = Vec::new();
    let indexed = store.reindex_search(|done, total| calls.push((done, total))).await.unwrap();
    assert_eq!(indexed, 450);
    assert_eq!(calls.last(), Some(&(450, 450)), "progress ends at the total");
    assert!(calls.len() >= 3, "progress is told batch by batch: {calls:?}");
    assert!(!store.search_index_stale().await.unwrap());
    let after = store.search(&SearchRequest { limit: 100, ..request("shipping") }).await.unwrap();
    assert_eq!(after.hits.len(), 100);
    assert_eq!(slugs(&before), slugs(&after));
}

async fn the_newsroom_list_searches_every_status(store: Store) {
    save(&store, "pub", "Elections", "Turnout was high.", Some("2026-10-01T08:00:00Z"), vec![], vec![]).await;
    save(&store, "draft", "Turnout draft", "Not yet.", None, vec![], vec![]).await;
    let filter = ArticleFilter { text: Some(SearchQuery::parse("turnout")), ..ArticleFilter::default() };
    let mut found: Vec<String> = store
        .find_articles(&filter, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.1.as_str().to_owned())
        .collect();
    found.sort();
    assert_eq!(found, ["draft", "pub"]);
    let drafts = ArticleFilter { status: Some(ArticleStatus::Draft), ..filter };
    assert_eq!(store.find_articles(&drafts, 10).await.unwrap().len(), 1);
}
