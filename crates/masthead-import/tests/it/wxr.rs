//! The WordPress export of Danube Review, read as an importer sees it.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::rc::Rc;

use masthead_import::{
    Attachment, Attachments, ItemTerm, TermKind, WxrAuthor, WxrEvent, WxrItem, WxrReader, WxrSite,
    wordpress_body, wp_time,
};

use crate::{fixture, fixture_path};

const ZONE: &str = "Europe/Belgrade";

fn events() -> Vec<WxrEvent> {
    WxrReader::new(&fixture("wordpress.xml")[..], "wordpress.xml")
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn items() -> Vec<WxrItem> {
    events()
        .into_iter()
        .filter_map(|e| match e {
            WxrEvent::Item(item) => Some(*item),
            _ => None,
        })
        .collect()
}

fn item(id: i64) -> WxrItem {
    items().into_iter().find(|i| i.post_id == Some(id)).unwrap_or_else(|| panic!("no item {id}"))
}

fn attachments() -> HashMap<i64, Attachment> {
    items().iter().filter_map(|i| Some((i.post_id?, i.attachment()?))).collect()
}

#[test]
fn the_site_comes_first_with_its_header() {
    let events = events();
    assert_eq!(
        events[0],
        WxrEvent::Site(WxrSite {
            title: "Danube Review".into(),
            link: "https://danube-review.example".into(),
            description: "Analysis from the Danube basin & the Western Balkans".into(),
            language: "en-GB".into(),
            base_site_url: "https://danube-review.example".into(),
            base_blog_url: "https://danube-review.example".into(),
            wxr_version: "1.2".into(),
        }),
        "the site icon's <title> must not replace the site's"
    );
    let sites = events.iter().filter(|e| matches!(e, WxrEvent::Site(_))).count();
    assert_eq!(sites, 1);
}

#[test]
fn both_authors_are_read() {
    let authors: Vec<WxrAuthor> = events()
        .into_iter()
        .filter_map(|e| match e {
            WxrEvent::Author(a) => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(
        authors,
        [
            WxrAuthor {
                id: Some(1),
                login: "mara".into(),
                email: "mara@danube-review.example".into(),
                display_name: "Mara Jovanović".into(),
                first_name: "Mara".into(),
                last_name: "Jovanović".into(),
            },
            WxrAuthor {
                id: Some(2),
                login: "tobias".into(),
                email: "tobias@danube-review.example".into(),
                display_name: "Tobias Keller".into(),
                first_name: "Tobias".into(),
                last_name: "Keller".into(),
            },
        ]
    );
}

/// Kind, id, slug, name, parent slug.
type TermRow = (TermKind, Option<i64>, String, String, Option<String>);

#[test]
fn terms_keep_their_hierarchy_and_decoded_slugs() {
    let terms: Vec<TermRow> = events()
        .into_iter()
        .filter_map(|e| match e {
            WxrEvent::Term(t) => Some((t.kind, t.id, t.slug, t.name, t.parent_slug)),
            _ => None,
        })
        .collect();
    let term = |kind: TermKind, id: i64, slug: &str, name: &str, parent: Option<&str>| {
        (kind, Some(id), slug.to_owned(), name.to_owned(), parent.map(str::to_owned))
    };
    assert_eq!(
        terms,
        [
            term(TermKind::Category, 2, "europe", "Europe", None),
            term(TermKind::Category, 3, "balkans", "Balkans", Some("europe")),
            term(TermKind::Category, 4, "serbia", "Serbia", Some("balkans")),
            term(TermKind::Category, 5, "балкани", "Балкани", None),
            term(TermKind::Category, 6, "trade-energy", "Trade & Energy", None),
            term(TermKind::Tag, 7, "elections", "elections", None),
            term(TermKind::Tag, 8, "infrastructure", "infrastructure", None),
            term(TermKind::Tag, 9, "rule-of-law", "rule of law", None),
            term(TermKind::Other("nav_menu".into()), 10, "main-menu", "Main menu", None),
        ]
    );
}

#[test]
fn every_item_is_read_with_type_status_slug_and_time() {
    let seen: Vec<(i64, String, String, String, Option<String>)> = items()
        .into_iter()
        .map(|i| {
            let time = wp_time(&i.post_date_gmt, &i.post_date, ZONE).map(|t| t.to_string());
            (i.post_id.unwrap(), i.post_type, i.status, i.post_name, time)
        })
        .collect();
    let row = |id: i64, kind: &str, status: &str, slug: &str, time: &str| {
        (id, kind.to_owned(), status.to_owned(), slug.to_owned(), Some(time.to_owned()))
    };
    assert_eq!(
        seen,
        [
            row(101, "post", "publish", "belgrade-ring-road", "2024-03-05T09:30:00Z"),
            row(102, "post", "publish", "novi-sad-votes", "2024-04-07T19:15:00Z"),
            // A draft has no GMT date: its local time is read in Belgrade's summer time.
            row(103, "post", "draft", "", "2024-05-02T07:00:00Z"),
            row(104, "post", "private", "budget-imf-notes", "2024-05-20T12:00:00Z"),
            row(105, "post", "future", "winters-energy-bill", "2024-12-01T07:00:00Z"),
            row(106, "page", "publish", "about", "2023-11-10T11:00:00Z"),
            row(107, "page", "publish", "corrections", "2023-11-12T11:00:00Z"),
            row(108, "post", "publish", "šabac-zürich", "2024-06-14T16:45:00Z"),
            row(201, "attachment", "inherit", "ring-road", "2024-03-05T09:20:00Z"),
            row(202, "attachment", "inherit", "polling-station", "2024-04-07T19:00:00Z"),
            row(301, "nav_menu_item", "publish", "301", "2023-11-10T11:05:00Z"),
        ]
    );
}

#[test]
fn the_draft_has_zeros_for_its_gmt_date() {
    let draft = item(103);
    assert_eq!(draft.post_date_gmt, "0000-00-00 00:00:00");
    assert_eq!(draft.post_date, "2024-05-02 09:00:00");
}

#[test]
fn the_classic_post_has_its_author_terms_meta_and_flags() {
    let post = item(101);
    assert_eq!(post.title, "Belgrade's ring road: late, and dearer");
    assert_eq!(post.creator, "mara");
    assert_eq!(post.link.as_deref(), Some("https://danube-review.example/2024/03/05/belgrade-ring-road/"));
    assert_eq!(post.guid, "https://danube-review.example/?p=101");
    assert_eq!(post.excerpt, "Why the ring road is late.");
    assert!(post.is_sticky);
    assert!(!item(102).is_sticky);
    assert_eq!(post.parent_id, 0);
    assert_eq!(
        post.categories,
        [
            ItemTerm { domain: "category".into(), nicename: "serbia".into(), name: "Serbia".into() },
            ItemTerm {
                domain: "post_tag".into(),
                nicename: "infrastructure".into(),
                name: "infrastructure".into()
            },
            ItemTerm {
                domain: "post_tag".into(),
                nicename: "rule-of-law".into(),
                name: "rule of law".into()
            },
        ]
    );
    assert_eq!(
        post.meta,
        [("_edit_last".to_owned(), "1".to_owned()), ("_thumbnail_id".to_owned(), "201".to_owned())]
    );
    assert_eq!(post.thumbnail_id(), Some(201));
    assert!(
        post.content_html.starts_with("Belgrade's new ring road was meant to open in spring.\nThe ministry")
    );
}

#[test]
fn comments_are_read_with_approval_and_replies() {
    let comments = item(101).comments;
    let summary: Vec<(i64, &str, bool, i64)> =
        comments.iter().map(|c| (c.id, c.author.as_str(), c.approved, c.parent_id)).collect();
    assert_eq!(
        summary,
        [(11, "Jelena P.", true, 0), (12, "Mara Jovanović", true, 11), (13, "Road Fan & Co", false, 0)]
    );
    let first = &comments[0];
    assert_eq!(first.author_email, "jelena@mail.example");
    assert_eq!(first.author_url, "https://jelena.example");
    assert_eq!(first.date_gmt, "2024-03-05 11:01:00");
    assert_eq!(first.content, "Thanks for the numbers. Is the 2023 figure <em>before</em> VAT?");
    assert_eq!(first.comment_type, "comment");
    assert!(item(102).comments.is_empty());
}

#[test]
fn pages_keep_their_parent_and_order() {
    let child = item(107);
    assert_eq!((child.title.as_str(), child.parent_id, child.menu_order), ("Corrections policy", 106, 2));
    assert_eq!(item(106).parent_id, 0);
}

#[test]
fn attachments_have_file_alt_and_caption() {
    let ring_road = item(201);
    assert_eq!(ring_road.parent_id, 101);
    assert_eq!(ring_road.meta("_wp_attached_file"), Some("2024/03/ring-road.jpg"));
    assert_eq!(
        ring_road.attachment(),
        Some(Attachment {
            url: "https://danube-review.example/wp-content/uploads/2024/03/ring-road.jpg".into(),
            alt: "Ring road construction near Belgrade".into(),
            caption: "Construction near Ostružnica, March 2024".into(),
        })
    );
    assert_eq!(
        item(202).attachment_url.as_deref(),
        Some("https://danube-review.example/wp-content/uploads/2024/04/polling-station.jpg")
    );
    assert_eq!(item(101).attachment(), None, "a post is not an attachment");
}

#[test]
fn cdata_and_entities_come_out_right() {
    let post = item(108);
    assert_eq!(post.title, "Roads & Rails: from Šabac to Zürich");
    assert_eq!(
        post.content_html,
        "The freight link from Šabac to Zürich is a \"<em>corridor</em>\" on paper &amp; in the plans.\n\n\
         In the timetable data, a list ends with ]]> and that must survive the export."
    );
    assert_eq!(post.excerpt, "Šabac &#8211; Zürich, by rail", "excerpts stay HTML");
    assert_eq!(post.categories[0].nicename, "балкани");
    assert_eq!(post.categories[1].name, "Trade & Energy");
    assert_eq!(item(104).title, "Budget & the IMF: internal notes", "WordPress stores & in titles as &amp;");
    assert_eq!(item(105).title, "Winter’s <em>energy</em> bill", "the markup WordPress allowed is kept here");
}

#[test]
fn the_menu_item_is_handed_over_for_the_caller_to_skip() {
    let menu = item(301);
    assert_eq!(menu.post_type, "nav_menu_item");
    assert_eq!(menu.meta("_menu_item_object_id"), Some("106"));
    assert_eq!(menu.categories[0].domain, "nav_menu");
}

#[test]
fn classic_body_gets_paragraphs_figures_links_and_a_report() {
    let attachments = attachments();
    let by_id = |id| attachments.get(&id).cloned();
    let body = wordpress_body(&item(101).content_html, &Attachments { by_id: &by_id, attached: &[] });
    assert_eq!(
        body.html,
        "<p>Belgrade's new ring road was meant to open in spring.<br />\n\
         The ministry now says autumn, at the earliest.</p>\n\
         <figure class=\"wp-caption\"><img class=\"size-full wp-image-201\" src=\"https://danube-review.example/wp-content/uploads/2024/03/ring-road.jpg\" alt=\"Ring road construction near Belgrade\" width=\"1200\" height=\"800\" /><figcaption>Construction near Ostružnica, March 2024</figcaption></figure>\n\
         <p>The contractor disputes the figures.</p>\n\
         <figure class=\"embed\" data-embed=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\"><a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>\n\
         <h2>What the budget says</h2>\n\
         <p>Spending rose by a third:</p>\n\
         <ul>\n\
         <li>2022: €210m</li>\n\
         <li>2023: €280m</li>\n\
         </ul>\n\
         <figure class=\"gallery\"><img src=\"https://danube-review.example/wp-content/uploads/2024/03/ring-road.jpg\" alt=\"Ring road construction near Belgrade\"><img src=\"https://danube-review.example/wp-content/uploads/2024/04/polling-station.jpg\" alt=\"A polling station in Novi Sad\"></figure>\n\
         <p>Write to us: [contact-form-7 id=\"5\" title=\"Tips\"]</p>\n"
    );
    assert_eq!(body.unknown, ["gallery:299", "contact-form-7"]);
}

#[test]
fn block_editor_body_keeps_its_html_without_comments() {
    let body = wordpress_body(&item(102).content_html, &Attachments { by_id: &|_| None, attached: &[] });
    assert!(!body.html.contains("<!--"), "{}", body.html);
    assert!(body.html.starts_with("<p>Voters in Novi Sad went to the polls on Sunday.</p>\n\n<h2 class=\"wp-block-heading\">Turnout</h2>"));
    assert!(body.html.contains(
        "<figcaption class=\"wp-element-caption\">A polling station in Novi Sad</figcaption></figure>"
    ));
    assert!(body.html.ends_with("<p>Counting went on past midnight.</p>"));
    assert!(!body.html.contains("<p><figure"), "block content gets no extra paragraphs");
    assert!(body.unknown.is_empty());
}

#[test]
fn a_mismatched_end_tag_names_file_line_and_column() {
    let bytes = fixture("wordpress-malformed.xml");
    let mut reader = WxrReader::new(&bytes[..], "wordpress-malformed.xml");
    assert!(matches!(reader.next_event(), Ok(Some(WxrEvent::Site(_)))));
    let Ok(Some(WxrEvent::Item(complete))) = reader.next_event() else {
        panic!("the complete item comes first")
    };
    assert_eq!(complete.post_id, Some(400));
    let e = reader.next_event().unwrap_err();
    assert_eq!((e.line, e.column), (Some(20), Some(3)));
    assert_eq!(e.to_string(), "wordpress-malformed.xml:20:3: expected </item> but found </channel>");
    assert_eq!(reader.next_event(), Ok(None), "nothing more after an error");
}

#[test]
fn a_cut_off_export_says_where_the_open_item_starts() {
    let bytes = fixture("wordpress.xml");
    let text = String::from_utf8(bytes).unwrap();
    let cut = text.find("<wp:post_id>102</wp:post_id>").unwrap();
    let e =
        WxrReader::new(&text.as_bytes()[..cut], "wordpress.xml").collect::<Result<Vec<_>, _>>().unwrap_err();
    let item_line = text[..cut].rfind("<item>").map(|p| text[..p].matches('\n').count() as u64 + 1);
    assert_eq!((e.line, e.column), (item_line, Some(2)));
    assert!(e.message.contains("cut off"), "{e}");
}

#[test]
fn a_tiny_buffer_gives_identical_results() {
    let file = std::fs::File::open(fixture_path("wordpress.xml")).unwrap();
    let tiny: Vec<WxrEvent> = WxrReader::new(BufReader::with_capacity(64, file), "wordpress.xml")
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(tiny, events());

    let file = std::fs::File::open(fixture_path("wordpress-malformed.xml")).unwrap();
    let e = WxrReader::new(BufReader::with_capacity(64, file), "wordpress-malformed.xml")
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!((e.line, e.column), (Some(20), Some(3)), "positions survive buffer boundaries");
}

/// A WXR document written on demand, item by item, as it is read: nowhere is the whole export
/// held, so reading it through shows that the reader streams.
struct GeneratedExport {
    items: usize,
    written: Rc<Cell<usize>>,
    chunk: Vec<u8>,
    at: usize,
    done: bool,
}

impl GeneratedExport {
    fn new(items: usize, written: Rc<Cell<usize>>) -> GeneratedExport {
        let header = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<title>Generated</title>\n<wp:wxr_version>1.2</wp:wxr_version>\n";
        GeneratedExport { items, written, chunk: header.as_bytes().to_vec(), at: 0, done: false }
    }

    fn refill(&mut self) {
        let n = self.written.get();
        self.chunk.clear();
        self.at = 0;
        if n < self.items {
            let id = n + 1;
            let item = format!(
                "<item><title><![CDATA[Item {id} &amp; more]]></title><dc:creator>desk</dc:creator>\
                 <content:encoded><![CDATA[<p>{}</p>]]></content:encoded><wp:post_id>{id}</wp:post_id>\
                 <wp:post_name><![CDATA[item-{id}]]></wp:post_name><wp:status>publish</wp:status>\
                 <wp:post_type>post</wp:post_type></item>\n",
                "Paragraph text for a long article. ".repeat(20)
            );
            self.chunk.extend_from_slice(item.as_bytes());
            self.written.set(id);
        } else if !self.done {
            self.chunk.extend_from_slice(b"</channel>\n</rss>\n");
            self.done = true;
        }
    }
}

impl Read for GeneratedExport {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.chunk.len() {
            self.refill();
        }
        let n = (self.chunk.len() - self.at).min(out.len());
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn twenty_thousand_items_stream_through() {
    const ITEMS: usize = 20_000;
    let written = Rc::new(Cell::new(0));
    let source = BufReader::with_capacity(8 * 1024, GeneratedExport::new(ITEMS, written.clone()));
    let mut reader = WxrReader::new(source, "generated.xml");
    let mut read = 0usize;
    let mut most_ahead = 0usize;
    while let Some(event) = reader.next_event().unwrap() {
        let WxrEvent::Item(item) = event else { continue };
        read += 1;
        assert_eq!(item.post_id, Some(read as i64));
        assert_eq!(item.title, format!("Item {read} & more"));
        // The reader has asked for at most a buffer's worth of items beyond the one it gives.
        most_ahead = most_ahead.max(written.get() - read);
    }
    assert_eq!(read, ITEMS);
    assert!(most_ahead <= 10, "the reader ran {most_ahead} items ahead of what it returned");
}
