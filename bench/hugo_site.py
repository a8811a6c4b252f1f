#!/usr/bin/env python3
"""Writes a Hugo site with the same articles as a Masthead data folder (its SQLite database):
one page per article with its authors, regions, themes and tags, and a minimal theme with the
pages Masthead serves: article, home, author/region/theme/tag archives, and RSS.

Usage: hugo_site.py DATA_DIR HUGO_DIR
"""
import os
import sqlite3
import sys

data, out = sys.argv[1], sys.argv[2]
db = sqlite3.connect(os.path.join(data, "masthead.db"))
os.makedirs(os.path.join(out, "content", "article"), exist_ok=True)

terms = {row[0]: (row[1], row[2]) for row in db.execute("SELECT id, kind, name FROM terms")}
authors = {row[0]: row[1] for row in db.execute("SELECT id, name FROM authors")}
by_article_terms, by_article_authors = {}, {}
for article_id, term_id in db.execute("SELECT article_id, term_id FROM article_terms ORDER BY position"):
    by_article_terms.setdefault(article_id, []).append(terms[term_id])
for article_id, author_id in db.execute("SELECT article_id, author_id FROM article_authors ORDER BY position"):
    by_article_authors.setdefault(article_id, []).append(authors[author_id])


def quoted(values):
    return "[" + ", ".join('"' + v.replace('"', '\\"') + '"' for v in values) + "]"


rows = db.execute(
    "SELECT id, slug, title, dek, body_source, published_at FROM articles WHERE status = 'published'"
)
for article_id, slug, title, dek, body, published_at in rows:
    kinds = {"region": [], "theme": [], "tag": []}
    for kind, name in by_article_terms.get(article_id, []):
        kinds[kind].append(name)
    front = [
        "---",
        "title: " + quoted([title])[1:-1],
        "description: " + quoted([dek])[1:-1],
        "date: " + __import__("datetime").datetime.utcfromtimestamp(published_at).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "slug: " + slug,
        "authors: " + quoted(by_article_authors.get(article_id, [])),
        "regions: " + quoted(kinds["region"]),
        "themes: " + quoted(kinds["theme"]),
        "tags: " + quoted(kinds["tag"]),
        "---",
        "",
    ]
    with open(os.path.join(out, "content", "article", slug + ".md"), "w") as f:
        f.write("\n".join(front) + body)

config = """baseURL = "http://127.0.0.1/"
title = "Synthetic outlet"
disableKinds = ["sitemap", "robotsTXT", "404"]
[taxonomies]
  author = "authors"
  region = "regions"
  theme = "themes"
  tag = "tags"
[outputs]
  home = ["HTML", "RSS"]
  section = ["HTML", "RSS"]
  taxonomy = ["HTML"]
  term = ["HTML", "RSS"]
[services.rss]
  limit = 20
"""
layouts = {
    "_default/baseof.html": """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ site.Title }}</title>
<link rel="stylesheet" href="/style.css"></head><body><header><a href="/">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main><footer>© {{ site.Title }}</footer></body></html>""",
    "_default/single.html": """{{ define "main" }}<article><h1>{{ .Title }}</h1><p class="dek">{{ .Description }}</p>
<p class="byline">By {{ range $i, $a := .Params.authors }}{{ if $i }}, {{ end }}<a href="{{ "authors/" | relURL }}{{ $a | urlize }}/">{{ $a }}</a>{{ end }} · {{ .Date.Format "2 January 2006" }}</p>
<p>{{ range .Params.regions }}<a href="{{ "regions/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}{{ range .Params.themes }}<a href="{{ "themes/" | relURL }}{{ . | urlize }}/">{{ . }}</a> {{ end }}</p>
<div class="body">{{ .Content }}</div></article>{{ end }}""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range first 20 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>{{ end }}""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a></li>{{ end }}</ul>{{ end }}""",
    "index.html": """{{ define "main" }}<ul>{{ range first 20 (where site.RegularPages "Section" "article") }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Description }}</li>{{ end }}</ul>{{ end }}""",
}
with open(os.path.join(out, "hugo.toml"), "w") as f:
    f.write(config)
for name, text in layouts.items():
    path = os.path.join(out, "layouts", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
