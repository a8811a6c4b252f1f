#!/usr/bin/env python3
"""A synthetic WordPress export (WXR 1.2) for the import benchmark: N published posts of about
400 words, each by one of 12 authors (some with a co-author through Co-Authors Plus), in 2 of
20 categories with 3 of 200 tags, with 0-3 approved comments, written to stdout.

    python3 bench/wxr.py 20000 > /tmp/big.xml
"""

import random
import sys

WORDS = (
    "river bridge budget ministry council harbour freight election turnout season border "
    "market energy prices winter contract tender audit report village station railway ferry "
    "minister mayor district census survey network grid pipeline water drought harvest"
).split()


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rng = random.Random(7)
    out = sys.stdout
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(
        '<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n'
        "<channel>\n<title>Bench Review</title><link>https://bench.example</link>\n"
        "<wp:wxr_version>1.2</wp:wxr_version>\n"
        "<wp:base_site_url>https://bench.example</wp:base_site_url>\n"
        "<wp:base_blog_url>https://bench.example</wp:base_blog_url>\n"
    )
    for a in range(12):
        out.write(
            f"<wp:author><wp:author_id>{a + 1}</wp:author_id><wp:author_login>writer{a}</wp:author_login>"
            f"<wp:author_email>writer{a}@bench.example</wp:author_email>"
            f"<wp:author_display_name><![CDATA[Writer {a}]]></wp:author_display_name></wp:author>\n"
        )
    for c in range(20):
        out.write(
            f"<wp:category><wp:term_id>{c + 1}</wp:term_id><wp:category_nicename>section-{c}</wp:category_nicename>"
            f"<wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[Section {c}]]></wp:cat_name></wp:category>\n"
        )
    for t in range(200):
        out.write(
            f"<wp:tag><wp:term_id>{100 + t}</wp:term_id><wp:tag_slug>topic-{t}</wp:tag_slug>"
            f"<wp:tag_name><![CDATA[Topic {t}]]></wp:tag_name></wp:tag>\n"
        )
    comment_id = 0
    for i in range(1, n + 1):
        words = [rng.choice(WORDS) for _ in range(400)]
        paragraphs = [" ".join(words[k : k + 50]).capitalize() + "." for k in range(0, 400, 50)]
        body = "\n\n".join(paragraphs)
        title = " ".join(rng.choice(WORDS) for _ in range(6)).capitalize() + f" {i}"
        day = 1 + (i % 28)
        month = 1 + (i // 28) % 12
        year = 2010 + i // 336
        date = f"{year}-{month:02d}-{day:02d} 08:{i % 60:02d}:00"
        author = i % 12
        out.write("<item>\n")
        out.write(f"<title>{esc(title)}</title>\n<link>https://bench.example/{year}/{month:02d}/post-{i}/</link>\n")
        out.write(f"<dc:creator><![CDATA[writer{author}]]></dc:creator>\n")
        out.write(f'<guid isPermaLink="false">https://bench.example/?p={i}</guid>\n')
        out.write(f"<content:encoded><![CDATA[{body}]]></content:encoded>\n")
        out.write("<excerpt:encoded><![CDATA[]]></excerpt:encoded>\n")
        out.write(f"<wp:post_id>{i}</wp:post_id>\n<wp:post_date>{date}</wp:post_date>\n")
        out.write(f"<wp:post_date_gmt>{date}</wp:post_date_gmt>\n")
        out.write(f"<wp:post_name>post-{i}</wp:post_name>\n<wp:status>publish</wp:status>\n")
        out.write("<wp:post_parent>0</wp:post_parent>\n<wp:post_type>post</wp:post_type>\n")
        for c in rng.sample(range(20), 2):
            out.write(f'<category domain="category" nicename="section-{c}"><![CDATA[Section {c}]]></category>\n')
        for t in rng.sample(range(200), 3):
            out.write(f'<category domain="post_tag" nicename="topic-{t}"><![CDATA[Topic {t}]]></category>\n')
        if i % 5 == 0:
            co = (author + 1) % 12
            out.write(f'<category domain="author" nicename="cap-writer{author}"><![CDATA[writer{author}]]></category>\n')
            out.write(f'<category domain="author" nicename="cap-writer{co}"><![CDATA[writer{co}]]></category>\n')
        for _ in range(rng.randrange(4)):
            comment_id += 1
            out.write(
                f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
                f"<wp:comment_author><![CDATA[Reader {comment_id % 97}]]></wp:comment_author>"
                f"<wp:comment_author_email>r{comment_id % 97}@readers.example</wp:comment_author_email>"
                f"<wp:comment_date_gmt>{date}</wp:comment_date_gmt>"
                f"<wp:comment_content><![CDATA[Thanks for this piece, number {comment_id}.]]></wp:comment_content>"
                f"<wp:comment_approved>1</wp:comment_approved><wp:comment_parent>0</wp:comment_parent>"
                f"<wp:comment_type>comment</wp:comment_type></wp:comment>\n"
            )
        out.write("</item>\n")
    out.write("</channel>\n</rss>\n")


if __name__ == "__main__":
    main()
