//! The shape of the code, checked on every test run: no two files of a crate import each other
//! (directly or round a loop), the web crate's edges (public site, syndication, admin, Admin
//! API) never call one another and its HTTP plumbing calls none of them, and the crates depend
//! on one another in one direction only, with sqlx, axum and the templates each kept in its layer.
//!
//! Why: a cycle makes every file in it part of every other, so none can be read, tested or
//! moved alone; an edge calling another edge is how a rule ends up written in one and forgotten
//! in the other (see STYLE.md). These rules are cheap to keep and dear to win back.
//!
//! Imports are read with syn, not the compiler: `use` trees, paths in code, types and patterns,
//! and `crate::`/`self::`/`super::`/child-module paths inside macro calls. Each resolves to the
//! deepest module that is a file of its own; the crate root (`lib.rs`, `main.rs`) stands for
//! all it defines and re-exports. `mod child;` is a declaration, not an import; unit tests
//! (`#[cfg(test)]`) may reach anywhere.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proc_macro2::{Spacing, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::{Attribute, Item, UseTree};

/// One source file: where it is, the module it is, and every path it names (absolute, starting
/// with `crate`, when it names something of its own crate), with the line that names it.
struct File {
    path: String,
    module: Vec<String>,
    text: String,
    paths: Vec<(Vec<String>, usize)>,
    /// `pub use` items: the name the file offers, and the absolute path it stands for.
    reexports: HashMap<String, Vec<String>>,
    path_attributes: Vec<usize>,
}

impl File {
    /// `rel` is the file's path under `src/`, which decides its module.
    fn parse(path: String, rel: &Path, text: String) -> File {
        let mut module = vec!["crate".to_owned()];
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        let (name, folders) = parts.split_last().expect("a file name");
        module.extend(folders.iter().cloned());
        match name.trim_end_matches(".rs") {
            "lib" | "main" if folders.is_empty() => {}
            "mod" => {}
            name => module.push(name.to_owned()),
        }
        let ast = syn::parse_file(&text).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        let mut collector = Collector {
            scope: module.clone(),
            children: vec![child_modules(&ast.items)],
            paths: Vec::new(),
            reexporting: false,
            reexports: HashMap::new(),
            path_attributes: Vec::new(),
        };
        collector.visit_file(&ast);
        let (paths, reexports) = (collector.paths, collector.reexports);
        File { path, module, text, paths, reexports, path_attributes: collector.path_attributes }
    }
}

/// A crate's files and the imports between them: (from, to) → the first line that makes it.
struct Crate {
    name: String,
    files: Vec<File>,
    edges: BTreeMap<(usize, usize), usize>,
}

impl Crate {
    fn new(name: &str, files: Vec<File>) -> Crate {
        let mut index: HashMap<&[String], usize> = HashMap::new();
        for (i, file) in files.iter().enumerate() {
            if let Some(other) = index.insert(&file.module, i) {
                panic!("{} and {} are both module {}", files[other].path, file.path, file.module.join("::"));
            }
        }
        let mut edges = BTreeMap::new();
        for (from, file) in files.iter().enumerate() {
            for (segments, line) in file.paths.iter().filter(|(s, _)| s[0] == "crate") {
                if let Some(to) = resolve(&index, &files, segments.clone()).filter(|&to| to != from) {
                    let first = edges.entry((from, to)).or_insert(*line);
                    *first = (*first).min(*line);
                }
            }
        }
        Crate { name: name.to_owned(), files, edges }
    }

    /// One row per import, `path:line -> path` and then the line itself, so that each can be
    /// found at a glance; sorted by file and line.
    fn table(&self, mut edges: Vec<(usize, usize)>) -> String {
        edges.sort_by_key(|&(from, to)| (&self.files[from].path, self.edges[&(from, to)]));
        let rows: Vec<(String, &str)> = (edges.iter())
            .map(|&(from, to)| {
                let line = self.edges[&(from, to)];
                let source = self.files[from].text.lines().nth(line - 1).unwrap_or_default().trim();
                (format!("{}:{line} -> {}", self.files[from].path, self.files[to].path), source)
            })
            .collect();
        let width = rows.iter().map(|(edge, _)| edge.len()).max().unwrap_or(0);
        let rows: Vec<String> =
            rows.iter().map(|(edge, source)| format!("    {edge:<width$}   {source}")).collect();
        rows.join("\n")
    }

    /// Every cycle (a strongly connected component of two files or more), described in full.
    fn cycles(&self) -> Vec<String> {
        let components = strongly_connected(self.files.len(), self.edges.keys().copied());
        let mut reports = Vec::new();
        for component in components.into_iter().filter(|c| c.len() > 1) {
            let mut files: Vec<&str> = component.iter().map(|&i| self.files[i].path.as_str()).collect();
            files.sort_unstable();
            let inside = (self.edges.keys())
                .filter(|(from, to)| component.contains(from) && component.contains(to))
                .copied()
                .collect();
            reports.push(format!(
                "{} files of {} import one another, round a loop:\n    {}\n  through these imports \
                 (each file's first import of the other; break enough of them that no loop is left):\n{}",
                files.len(),
                self.name,
                files.join("\n    "),
                self.table(inside),
            ));
        }
        reports
    }
}

/// The file that defines what `segments` names: the longest module prefix that is a file, and
/// through that file's `pub use` when the name is one it re-exports (a crate root that only
/// re-exports its modules is a table of contents, not a file that its modules depend on).
fn resolve(index: &HashMap<&[String], usize>, files: &[File], mut segments: Vec<String>) -> Option<usize> {
    for _ in 0..8 {
        let (k, file) =
            (1..=segments.len()).rev().find_map(|k| index.get(&segments[..k]).map(|&f| (k, f)))?;
        match segments.get(k).and_then(|name| files[file].reexports.get(name)) {
            Some(target) if target[..] != segments[..] => {
                segments = target.iter().chain(&segments[k + 1..]).cloned().collect();
            }
            _ => return Some(file),
        }
    }
    None
}

/// Kosaraju's algorithm: the strongly connected components of a graph of `n` nodes. Files are
/// few (tens per crate), so plain recursion is deep enough.
fn strongly_connected(n: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<Vec<usize>> {
    fn finish(v: usize, next: &[Vec<usize>], seen: &mut [bool], order: &mut Vec<usize>) {
        if !std::mem::replace(&mut seen[v], true) {
            next[v].iter().for_each(|&w| finish(w, next, seen, order));
            order.push(v);
        }
    }
    let (mut next, mut back) = (vec![Vec::new(); n], vec![Vec::new(); n]);
    for (from, to) in edges {
        next[from].push(to);
        back[to].push(from);
    }
    let (mut seen, mut order) = (vec![false; n], Vec::new());
    (0..n).for_each(|v| finish(v, &next, &mut seen, &mut order));
    // Walking the reversed graph in reverse finishing order, each walk is one component.
    let mut seen = vec![false; n];
    let walks = order.iter().rev().map(|&v| {
        let mut component = Vec::new();
        finish(v, &back, &mut seen, &mut component);
        component
    });
    walks.filter(|component| !component.is_empty()).collect()
}

/// Collects the paths a file names, made absolute where they lead into the crate.
struct Collector {
    /// The module being read: the file's, then an inline `mod` inside it.
    scope: Vec<String>,
    /// The modules declared in each enclosing scope, for 2018-style `child::item` paths.
    children: Vec<HashSet<String>>,
    paths: Vec<(Vec<String>, usize)>,
    /// Reading a `pub use`: its names are offered to others, not imports of this file.
    reexporting: bool,
    reexports: HashMap<String, Vec<String>>,
    path_attributes: Vec<usize>,
}

impl Collector {
    fn add(&mut self, mut segments: Vec<String>, span: Span, leading_colon: bool) {
        if segments.last().is_some_and(|s| s == "self") {
            segments.pop(); // `use a::{self}` names `a`
        }
        let Some(first) = segments.first() else { return };
        let absolute = match first.as_str() {
            _ if leading_colon => segments,
            "crate" => segments,
            "self" | "super" => {
                let mut module = self.scope.clone();
                for segment in segments.iter().skip_while(|s| *s == "self") {
                    match segment.as_str() {
                        "super" if module.len() > 1 => {
                            module.pop();
                        }
                        _ => module.push(segment.clone()),
                    }
                }
                module
            }
            // A single name (`cache`) is a value or a type; only `child::item` leads into `child`.
            child if segments.len() > 1 && self.children.last().is_some_and(|c| c.contains(child)) => {
                self.scope.iter().cloned().chain(segments).collect()
            }
            _ => segments,
        };
        if self.reexporting {
            if let Some(name) = absolute.last().filter(|n| *n != "*").cloned() {
                self.reexports.insert(name, absolute);
            }
            return;
        }
        self.paths.push((absolute, span.start().line));
    }

    /// Each name a `use` brings in, shown at the line of the module it comes from (`use a::{` in
    /// a group spread over lines), or of the name itself when it comes straight from `crate`.
    fn use_tree(&mut self, tree: &UseTree, prefix: &mut Vec<syn::Ident>, leading_colon: bool) {
        let leaf = |this: &mut Self, prefix: &[syn::Ident], name: Option<&syn::Ident>| {
            let segments = prefix.iter().chain(name).map(|i| i.to_string()).collect();
            let shown = prefix.last().filter(|i| *i != "crate" && *i != "self" && *i != "super");
            let span = shown.or(name).or(prefix.last()).map_or_else(Span::call_site, |i| i.span());
            this.add(segments, span, leading_colon);
        };
        match tree {
            UseTree::Path(p) => {
                prefix.push(p.ident.clone());
                self.use_tree(&p.tree, prefix, leading_colon);
                prefix.pop();
            }
            UseTree::Name(n) => leaf(self, prefix, Some(&n.ident)),
            UseTree::Rename(r) if self.reexporting => {
                // Offered under its new name: remember it as that name, standing for the old.
                let target: Vec<String> = prefix.iter().chain([&r.ident]).map(|i| i.to_string()).collect();
                self.reexporting = false;
                let before = self.paths.len();
                self.add(target, r.ident.span(), leading_colon);
                if let Some((absolute, _)) = self.paths.pop().filter(|_| self.paths.len() == before) {
                    self.reexports.insert(r.rename.to_string(), absolute);
                }
                self.reexporting = true;
            }
            UseTree::Rename(r) => leaf(self, prefix, Some(&r.ident)),
            UseTree::Glob(_) => leaf(self, prefix, None),
            UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(t, prefix, leading_colon)),
        }
    }

    /// Paths inside a macro call's tokens: each run of `ident :: ident …` not preceded by `::`.
    fn macro_tokens(&mut self, tokens: TokenStream) {
        fn flatten(tokens: TokenStream, out: &mut Vec<TokenTree>) {
            for token in tokens {
                match token {
                    TokenTree::Group(g) => flatten(g.stream(), out),
                    other => out.push(other),
                }
            }
        }
        let mut flat = Vec::new();
        flatten(tokens, &mut flat);
        let separator = |i: usize| {
            matches!((flat.get(i), flat.get(i + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
                if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
        };
        let mut i = 0;
        while i < flat.len() {
            let TokenTree::Ident(first) = &flat[i] else {
                i += 1;
                continue;
            };
            let (mut segments, mut j) = (vec![first.to_string()], i + 1);
            while separator(j)
                && let Some(TokenTree::Ident(next)) = flat.get(j + 2)
            {
                segments.push(next.to_string());
                j += 3;
            }
            if segments.len() > 1 && !(i >= 2 && separator(i - 2)) {
                self.add(segments, first.span(), false);
            }
            i = j;
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item(&mut self, item: &'ast Item) {
        let attrs = match item {
            Item::Const(i) => &i.attrs,
            Item::Enum(i) => &i.attrs,
            Item::Fn(i) => &i.attrs,
            Item::Impl(i) => &i.attrs,
            Item::Macro(i) => &i.attrs,
            Item::Mod(i) => &i.attrs,
            Item::Static(i) => &i.attrs,
            Item::Struct(i) => &i.attrs,
            Item::Trait(i) => &i.attrs,
            Item::Type(i) => &i.attrs,
            Item::Use(i) => &i.attrs,
            _ => return visit::visit_item(self, item),
        };
        if !test_only(attrs) {
            visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if let Some(path) = module.attrs.iter().find(|a| a.path().is_ident("path")) {
            self.path_attributes.push(path.pound_token.span.start().line);
        }
        // `mod child;` declares, it does not import; an inline module is a scope of its own.
        let Some((_, items)) = &module.content else { return };
        self.scope.push(module.ident.to_string());
        self.children.push(child_modules(items));
        items.iter().for_each(|item| self.visit_item(item));
        self.children.pop();
        self.scope.pop();
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.reexporting = !matches!(item.vis, syn::Visibility::Inherited);
        self.use_tree(&item.tree, &mut Vec::new(), item.leading_colon.is_some());
        self.reexporting = false;
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(first) = path.segments.first() {
            self.add(segments, first.ident.span(), path.leading_colon.is_some());
        }
        visit::visit_path(self, path); // generic arguments hold paths too
    }

    /// `pub(crate)` and `pub(super)` say who may look, not what is used.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.visit_path(&mac.path);
        self.macro_tokens(mac.tokens.clone());
    }
}

fn child_modules(items: &[Item]) -> HashSet<String> {
    let modules = items.iter().filter_map(|item| match item {
        Item::Mod(m) => Some(m.ident.to_string()),
        _ => None,
    });
    modules.collect()
}

/// `#[cfg(test)]`, or a `cfg(all(test, …))`; not `cfg(not(test))`.
fn test_only(attrs: &[Attribute]) -> bool {
    attrs.iter().any(|a| match &a.meta {
        syn::Meta::List(list) if list.path.is_ident("cfg") => {
            let tokens = list.tokens.to_string();
            let words: Vec<&str> = tokens.split(|c: char| !c.is_alphanumeric() && c != '_').collect();
            words.contains(&"test") && !words.contains(&"not")
        }
        _ => false,
    })
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    paths
}

/// Every crate of the workspace, its `src/` read once and shared by the tests.
fn workspace() -> &'static [Crate] {
    static CRATES: OnceLock<Vec<Crate>> = OnceLock::new();
    CRATES.get_or_init(|| {
        let mut crates = Vec::new();
        for dir in sorted_entries(&root().join("crates")).into_iter().filter(|d| d.join("src").is_dir()) {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let (mut files, mut folders) = (Vec::new(), vec![dir.join("src")]);
            while let Some(folder) = folders.pop() {
                for path in sorted_entries(&folder) {
                    if path.is_dir() {
                        folders.push(path);
                    } else if path.extension().is_some_and(|e| e == "rs") {
                        let text = std::fs::read_to_string(&path).unwrap();
                        let shown = format!("crates/{name}/{}", path.strip_prefix(&dir).unwrap().display());
                        files.push(File::parse(shown, path.strip_prefix(dir.join("src")).unwrap(), text));
                    }
                }
            }
            crates.push(Crate::new(&name, files));
        }
        crates
    })
}

#[test]
fn no_file_imports_another_that_imports_it_back() {
    let crates = workspace();
    for file in crates.iter().flat_map(|c| &c.files) {
        assert!(
            file.path_attributes.is_empty(),
            "{}:{}: #[path] moves a module away from where this test looks for it; teach \
             File::parse to follow it",
            file.path,
            file.path_attributes[0]
        );
    }
    let edges: usize = crates.iter().map(|c| c.edges.len()).sum();
    assert!(edges > 100, "only {edges} imports between files were found: the scan is broken, not the code");
    let cycles: Vec<String> = crates.iter().flat_map(Crate::cycles).collect();
    assert!(
        cycles.is_empty(),
        "{} import cycle(s) between files. Move what the files share into a module that imports \
         none of them (a newsroom use case, a view model, a core type).\n\n{}\n",
        cycles.len(),
        cycles.join("\n\n")
    );
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle_and_passes_an_acyclic_set() {
    let parse = |rel: &str, text: &str| File::parse(format!("src/{rel}"), Path::new(rel), text.to_owned());
    let files = |c_source: &str| {
        vec![
            parse(
                "lib.rs",
                "mod a; mod c; pub use a::A; use a::A as _Seen; #[cfg(test)] mod tests { use crate::c::C; }",
            ),
            parse("a.rs", "pub(crate) mod b; pub struct A(b::B);"),
            parse("a/b.rs", "use super::super::c::{self as other, C}; pub struct B;"),
            parse("c.rs", c_source),
        ]
    };
    let planted =
        // `crate::A` is offered by lib.rs but defined in a.rs: the edge leads to a.rs.
        Crate::new("planted", files("pub struct C; fn f() { let _ = format!(\"{:?}\", crate::A); }"));
    let expected = [("src/lib.rs", "src/a.rs"), ("src/a.rs", "src/a/b.rs"), ("src/a/b.rs", "src/c.rs")];
    let mut found: Vec<(&str, &str)> =
        planted.edges.keys().map(|&(f, t)| (&*planted.files[f].path, &*planted.files[t].path)).collect();
    found.sort_unstable();
    let mut wanted = expected.to_vec();
    wanted.push(("src/c.rs", "src/a.rs"));
    wanted.sort_unstable();
    assert_eq!(found, wanted);
    let cycles = planted.cycles();
    assert_eq!(cycles.len(), 1, "{cycles:?}");
    assert!(cycles[0].contains("3 files of planted") && cycles[0].contains("src/c.rs:1 -> src/a.rs"));

    let acyclic = Crate::new("acyclic", files("pub struct C;"));
    assert_eq!(acyclic.edges.len(), expected.len());
    assert!(acyclic.cycles().is_empty());
}

/// The web crate's edges, each a top-level module (`admin.rs` or `admin/mod.rs`, and `admin/…`).
const EDGES: [&str; 5] = ["public", "syndication", "admin", "api", "federation"];

#[test]
fn web_edges_never_import_one_another_and_http_plumbing_imports_no_edge() {
    let web = workspace().iter().find(|c| c.name == "masthead-web").expect("the web crate");
    let top = |file: usize| web.files[file].module.get(1).map(String::as_str);
    let edge = |file: usize| top(file).filter(|m| EDGES.contains(m));
    let wrong: Vec<(usize, usize)> = (web.edges.keys().copied())
        .filter(|&(from, to)| match (top(from), edge(from), edge(to)) {
            (_, Some(a), Some(b)) => a != b,
            (Some(from), _, Some(_)) => from == "http",
            _ => false,
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "The web crate's edges ({EDGES:?}) call the newsroom's use cases and the http plumbing, \
         never one another, and the plumbing calls no edge. Move what these files share into \
         masthead-newsroom (a use case) or a module outside the edges:\n{}\n",
        web.table(wrong)
    );
}

/// Which masthead crates each crate may depend on; `None` for the binary, which wires them all.
const LAYERS: [(&str, Option<&[&str]>); 8] = [
    ("masthead-core", Some(&[])),
    ("masthead-store", Some(&["masthead-core"])),
    ("masthead-formats", Some(&["masthead-core"])),
    ("masthead-import", Some(&["masthead-core"])),
    ("masthead-newsroom", Some(&["masthead-core", "masthead-store", "masthead-formats", "masthead-import"])),
    ("masthead-web", Some(&["masthead-core", "masthead-store", "masthead-formats", "masthead-newsroom"])),
    ("masthead-demo", Some(&["masthead-core", "masthead-store"])),
    ("masthead", None),
];

/// Third-party crates kept to one layer. The binary once had axum for `axum::serve`; serving
/// with limits (timeouts, a connection cap) needs hyper's own connection builder, which is HTTP
/// plumbing, so it moved to `masthead_web::http::serve` and the binary has no HTTP crate at all.
/// Templates are the web edge's, and the newsletter e-mail's in `masthead_formats::email`, a
/// document like a feed: rendered without IO from what the use case gives it.
const ONLY_IN: [(&str, &[&str]); 7] = [
    ("sqlx", &["masthead-store"]),
    ("axum", &["masthead-web"]),
    ("hyper", &["masthead-web"]),
    ("hyper-util", &["masthead-web"]),
    ("minijinja", &["masthead-web", "masthead-formats"]),
    ("tower", &["masthead-web"]),
    ("tower-http", &["masthead-web"]),
];

/// The core does no IO.
const NEVER_IN: [(&str, &str); 1] = [("tokio", "masthead-core")];

/// The names under `[dependencies]` (and `[target.….dependencies]`) of a Cargo.toml.
fn dependencies(manifest: &str) -> Vec<String> {
    let (mut names, mut in_dependencies, mut depth) = (Vec::new(), false, 0i32);
    for line in manifest.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let nesting = |s: &str| s.matches(['{', '[']).count() as i32 - s.matches(['}', ']']).count() as i32;
        if depth > 0 {
            depth += nesting(line); // the rest of a value spread over several lines
        } else if let Some(header) = line.strip_prefix('[') {
            let header = header.trim_end_matches(']');
            in_dependencies = header == "dependencies"
                || (header.starts_with("target.") && header.ends_with(".dependencies"));
            names.extend(header.strip_prefix("dependencies.").map(|n| n.trim_matches('"').to_owned()));
        } else if let Some((key, value)) = line.split_once('=').filter(|_| in_dependencies) {
            names.push(key.split('.').next().unwrap().trim().trim_matches('"').to_owned());
            depth = nesting(value);
        }
    }
    names
}

#[test]
fn crates_depend_on_one_another_in_one_direction_and_keep_io_in_its_layer() {
    // A reader that found nothing would pass everything.
    let sample = "[dependencies]\na.workspace = true\nb = { version = \"1\",\n  features = [\"x\"] }\n\
                  [dev-dependencies]\nc = \"1\"\n[target.'cfg(unix)'.dependencies]\nd = \"1\"\n";
    assert_eq!(dependencies(sample), ["a", "b", "d"]);
    let mut wrong = Vec::new();
    for krate in workspace() {
        let manifest = root().join("crates").join(&krate.name).join("Cargo.toml");
        let deps = dependencies(&std::fs::read_to_string(&manifest).unwrap());
        let Some((_, allowed)) = LAYERS.iter().find(|(name, _)| *name == krate.name) else {
            wrong.push(format!("{} is a new crate: add it to LAYERS with what it may depend on", krate.name));
            continue;
        };
        let shown = format!("crates/{}/Cargo.toml", krate.name);
        let masthead_deps = deps.iter().filter(|d| d.starts_with("masthead"));
        for dep in masthead_deps.filter(|d| allowed.is_some_and(|a| !a.contains(&d.as_str()))) {
            let allowed = allowed.unwrap_or_default();
            wrong.push(format!("{shown}: {} may depend on {allowed:?} only, not {dep}", krate.name));
        }
        for (dep, only) in ONLY_IN.iter().filter(|(dep, _)| deps.iter().any(|d| d == dep)) {
            if !only.contains(&krate.name.as_str()) {
                wrong.push(format!("{shown}: only {only:?} may depend on {dep}, not {}", krate.name));
            }
        }
        for (dep, _) in NEVER_IN.iter().filter(|(dep, k)| *k == krate.name && deps.iter().any(|d| d == dep)) {
            wrong.push(format!("{shown}: {} does no IO and may not depend on {dep}", krate.name));
        }
    }
    assert!(wrong.is_empty(), "Dependencies that break the layers:\n{}\n", wrong.join("\n"));
}

#[test]
fn the_binary_uses_no_http_crate() {
    let binary = workspace().iter().find(|c| c.name == "masthead").expect("the binary crate");
    let mut uses = Vec::new();
    for file in &binary.files {
        let http = |s: &str| matches!(s, "axum" | "hyper" | "hyper_util" | "tower" | "tower_http");
        for (segments, line) in file.paths.iter().filter(|(s, _)| http(&s[0])) {
            uses.push(format!("{}:{line}: {}", file.path, segments.join("::")));
        }
    }
    assert!(
        uses.is_empty(),
        "HTTP belongs to masthead-web; the binary hands its router to masthead_web::http::serve:\n{}",
        uses.join("\n")
    );
}
