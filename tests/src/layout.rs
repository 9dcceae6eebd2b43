//! Checks that keep the code layout honest (issue 13): no dependency cycles between a crate's
//! top-level modules, no source file over 700 lines, no function over 150 lines.
//!
//! Everything here reads the sources with `syn` (no compiler, no `cargo` metadata), so the
//! answers are about the code as written:
//!
//! - A *top-level module* is `src/foo.rs` or anything under `src/foo/`. `lib.rs` is the crate
//!   root, not a module; `main.rs` (and `src/bin/`) are binary roots that use the library by
//!   its crate name, so `crate::` there means something else: both are left out of the graph.
//! - Module A depends on module B when a file of A names `crate::B…`: in `use` trees (groups and
//!   nested groups included), in any path in code (expressions, types, patterns, trait bounds,
//!   visibility), inside macro invocations (`format!`, `matches!`, `macro_rules!` bodies with
//!   `$crate::`) and through `super::` chains that climb out of A to the crate root (in
//!   `src/a/b.rs`, `super::super::x` is `crate::x`; inline `mod x { … }` blocks are modules of
//!   their own for that count). A name that `lib.rs` re-exports (`pub use inbound::Provider;`)
//!   counts as the module it comes from. Paths inside attributes and string literals are not
//!   read, nor are relative paths that start from a glob import of the crate root
//!   (`use super::*;` in `src/a.rs`).
//! - Test code does not count anywhere: items under `#[cfg(test)]` (also `cfg(all(test, …))`),
//!   `#[test]`/`#[tokio::test]` functions and files declared as `#[cfg(test)] mod x;` are
//!   skipped, because test modules may import anything. A file's trailing
//!   `#[cfg(test)] mod tests { … }` is not counted in its length either.
//!
//! The checks on the real crates are the tests at the end of this file; run them with
//! `cargo test -p resto-e2e --lib layout`.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// Top-level module → the top-level modules it depends on.
pub type ModuleGraph = BTreeMap<String, BTreeSet<String>>;

/// The dependencies between the top-level modules of the crate whose sources are in `src_dir`
/// (see the module doc for what counts). Every top-level module is a key, also one with no
/// dependencies; a module's references to itself are not edges.
pub fn module_graph(src_dir: &Path) -> ModuleGraph {
    analyse(src_dir).0
}

/// Each edge of [`module_graph`] with the files (relative to `src_dir`) that make it: where to
/// look when an edge has to go.
pub fn edge_files(src_dir: &Path) -> EdgeFiles {
    analyse(src_dir).1
}

/// (from, to) → the files (relative to `src_dir`) whose references make that edge.
pub type EdgeFiles = BTreeMap<(String, String), BTreeSet<PathBuf>>;

fn analyse(src_dir: &Path) -> (ModuleGraph, EdgeFiles) {
    let sources = crate_sources(src_dir);
    let mut graph: ModuleGraph = sources
        .iter()
        .filter(|s| s.in_graph())
        .map(|s| (s.module[0].clone(), BTreeSet::new()))
        .collect();
    let reexports = sources
        .iter()
        .find(|s| s.rel == Path::new("lib.rs"))
        .map(|lib| root_reexports(&lib.ast, &graph))
        .unwrap_or_default();
    let mut edges = EdgeFiles::new();
    for s in sources.iter().filter(|s| s.in_graph()) {
        let from = &s.module[0];
        let mut refs = RootRefs {
            module: s.module.clone(),
            names: BTreeSet::new(),
        };
        refs.visit_file(&s.ast);
        for name in refs.names {
            let to = if graph.contains_key(&name) {
                name
            } else if let Some(to) = reexports.get(&name) {
                to.clone()
            } else {
                continue;
            };
            if to != *from {
                edges
                    .entry((from.clone(), to))
                    .or_default()
                    .insert(s.rel.clone());
            }
        }
    }
    for (from, to) in edges.keys() {
        graph.entry(from.clone()).or_default().insert(to.clone());
    }
    (graph, edges)
}

/// The strongly connected components of `graph` with more than one module (Tarjan), each
/// sorted, the list sorted too. A module that refers to itself is not a cycle.
pub fn cycles(graph: &ModuleGraph) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&str> = graph
        .iter()
        .flat_map(|(k, vs)| std::iter::once(k.as_str()).chain(vs.iter().map(String::as_str)))
        .collect();
    let mut t = Tarjan {
        graph,
        next: 0,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for n in nodes {
        if !t.index.contains_key(n) {
            t.connect(n);
        }
    }
    let mut found = t.found;
    for c in &mut found {
        c.sort();
    }
    found.sort();
    found
}

struct Tarjan<'g> {
    graph: &'g ModuleGraph,
    next: usize,
    index: BTreeMap<&'g str, usize>,
    low: BTreeMap<&'g str, usize>,
    stack: Vec<&'g str>,
    on_stack: BTreeSet<&'g str>,
    found: Vec<Vec<String>>,
}

impl<'g> Tarjan<'g> {
    fn connect(&mut self, v: &'g str) {
        self.index.insert(v, self.next);
        self.low.insert(v, self.next);
        self.next += 1;
        self.stack.push(v);
        self.on_stack.insert(v);
        let graph = self.graph;
        for w in graph.get(v).into_iter().flatten().map(String::as_str) {
            if w == v {
                continue;
            }
            if !self.index.contains_key(w) {
                self.connect(w);
                let lw = self.low[w];
                let lv = self.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if self.on_stack.contains(w) {
                let iw = self.index[w];
                let lv = self.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if self.low[v] == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                self.found.push(component);
            }
        }
    }
}

/// Source files of `src_dir` (non-test, `lib.rs` and `main.rs` included) longer than
/// `max_lines`, longest first, with their length. A trailing `#[cfg(test)] mod tests { … }`
/// block is not counted: tests inside a file are allowed.
pub fn long_files(src_dir: &Path, max_lines: usize) -> Vec<(PathBuf, usize)> {
    let mut out: Vec<(PathBuf, usize)> = crate_sources(src_dir)
        .into_iter()
        .map(|s| (src_dir.join(&s.rel), counted_lines(&s)))
        .filter(|(_, n)| *n > max_lines)
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

fn counted_lines(s: &SourceFile) -> usize {
    match s.ast.items.last() {
        Some(syn::Item::Mod(m)) if m.content.is_some() && is_test_only(&m.attrs) => {
            m.span().start().line.saturating_sub(1)
        }
        _ => s.text.lines().count(),
    }
}

/// Functions of `src_dir` longer than `max_lines`, from the `fn` line to the closing brace,
/// longest first: free functions, methods of impls and traits (default bodies), functions in
/// inline modules and inside other functions. Test code is skipped. Names read
/// `file::[module::][Type::]name`, the file relative to `src_dir`, e.g.
/// `engine/flow.rs::Engine::step`.
pub fn long_functions(src_dir: &Path, max_lines: usize) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for s in crate_sources(src_dir) {
        let mut f = FnLengths {
            scope: vec![slash_path(&s.rel)],
            found: Vec::new(),
        };
        f.visit_file(&s.ast);
        out.extend(f.found.into_iter().filter(|(_, n)| *n > max_lines));
    }
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out
}

/// String literals that look like SQL statements (`SELECT …`, `INSERT INTO`, `UPDATE … SET`,
/// `DELETE FROM`, `WITH …`) in files of `src_dir` outside the folder `store_dir` (relative to
/// `src_dir`), test code skipped: `file:line` each.
pub fn sql_outside(src_dir: &Path, store_dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    for s in crate_sources(src_dir) {
        if s.rel.starts_with(store_dir) {
            continue;
        }
        let mut v = SqlLiterals {
            file: slash_path(&s.rel),
            found: Vec::new(),
        };
        v.visit_file(&s.ast);
        out.extend(v.found);
    }
    out.sort();
    out
}

fn looks_like_sql(text: &str) -> bool {
    let t = text.trim_start().to_ascii_uppercase();
    let words: Vec<&str> = t.split_whitespace().take(4).collect();
    match words.as_slice() {
        ["SELECT", ..] | ["WITH", _, "AS", ..] => t.contains(" FROM ") || t.contains(" FROM\n"),
        ["INSERT", "INTO", ..] | ["INSERT", "OR", _, "INTO", ..] | ["DELETE", "FROM", ..] => true,
        ["UPDATE", _, "SET", ..] => true,
        _ => false,
    }
}

struct SqlLiterals {
    file: String,
    found: Vec<String>,
}

impl<'ast> Visit<'ast> for SqlLiterals {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_only(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        }
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }
    fn visit_lit_str(&mut self, l: &'ast syn::LitStr) {
        if looks_like_sql(&l.value()) {
            self.found
                .push(format!("{}:{}", self.file, l.span().start().line));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a crate's sources

struct SourceFile {
    /// Relative to `src_dir`.
    rel: PathBuf,
    /// `src/a/b.rs` and `src/a/b/mod.rs` are `["a", "b"]`; `lib.rs`, `main.rs` and `src/bin/…`
    /// are `[]` (crate roots).
    module: Vec<String>,
    text: String,
    ast: syn::File,
}

impl SourceFile {
    fn in_graph(&self) -> bool {
        !self.module.is_empty()
    }
}

/// Every non-test `.rs` file under `src_dir`, parsed, in path order.
fn crate_sources(src_dir: &Path) -> Vec<SourceFile> {
    let mut paths = Vec::new();
    rs_files(src_dir, &mut paths);
    paths.sort();
    let mut sources: Vec<SourceFile> = paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let ast = syn::parse_file(&text).unwrap_or_else(|e| {
                panic!(
                    "cannot parse {}:{}: {e}",
                    path.display(),
                    e.span().start().line
                )
            });
            let rel = path
                .strip_prefix(src_dir)
                .expect("found under src_dir")
                .to_path_buf();
            SourceFile {
                module: module_path(&rel),
                rel,
                text,
                ast,
            }
        })
        .filter(|s| !is_test_only(&s.ast.attrs))
        .collect();
    // Files declared by `#[cfg(test)] mod x;` (and everything below them) are test code.
    let mut test_modules = Vec::new();
    for s in &sources {
        let mut d = TestModDecls {
            module: s.module.clone(),
            found: &mut test_modules,
        };
        d.visit_file(&s.ast);
    }
    sources.retain(|s| {
        !test_modules
            .iter()
            .any(|t: &Vec<String>| s.module.starts_with(t))
    });
    sources
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.first().is_some_and(|p| p == "bin") || parts == ["lib"] || parts == ["main"] {
        return Vec::new();
    }
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn slash_path(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// Whether these attributes make an item test-only: `#[cfg(test)]`, `#[cfg(all(test, …))]`,
/// `#[test]`, `#[tokio::test]` and the like.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        if a.path().is_ident("cfg") {
            a.parse_args::<syn::Meta>()
                .is_ok_and(|m| cfg_requires_test(&m))
        } else {
            a.path().segments.last().is_some_and(|s| s.ident == "test")
        }
    })
}

fn cfg_requires_test(m: &syn::Meta) -> bool {
    use syn::punctuated::Punctuated;
    match m {
        syn::Meta::Path(p) => p.is_ident("test"),
        syn::Meta::List(l) => {
            let Ok(nested) =
                l.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
            else {
                return false;
            };
            if l.path.is_ident("all") {
                nested.iter().any(cfg_requires_test)
            } else if l.path.is_ident("any") {
                !nested.is_empty() && nested.iter().all(cfg_requires_test)
            } else {
                false
            }
        }
        syn::Meta::NameValue(_) => false,
    }
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    use syn::Item::*;
    match item {
        Const(i) => &i.attrs,
        Enum(i) => &i.attrs,
        ExternCrate(i) => &i.attrs,
        Fn(i) => &i.attrs,
        ForeignMod(i) => &i.attrs,
        Impl(i) => &i.attrs,
        Macro(i) => &i.attrs,
        Mod(i) => &i.attrs,
        Static(i) => &i.attrs,
        Struct(i) => &i.attrs,
        Trait(i) => &i.attrs,
        TraitAlias(i) => &i.attrs,
        Type(i) => &i.attrs,
        Union(i) => &i.attrs,
        Use(i) => &i.attrs,
        _ => &[],
    }
}

fn impl_item_attrs(item: &syn::ImplItem) -> &[syn::Attribute] {
    match item {
        syn::ImplItem::Const(i) => &i.attrs,
        syn::ImplItem::Fn(i) => &i.attrs,
        syn::ImplItem::Type(i) => &i.attrs,
        syn::ImplItem::Macro(i) => &i.attrs,
        _ => &[],
    }
}

fn trait_item_attrs(item: &syn::TraitItem) -> &[syn::Attribute] {
    match item {
        syn::TraitItem::Const(i) => &i.attrs,
        syn::TraitItem::Fn(i) => &i.attrs,
        syn::TraitItem::Type(i) => &i.attrs,
        syn::TraitItem::Macro(i) => &i.attrs,
        _ => &[],
    }
}

/// The paths a `use` tree imports, e.g. `crate::{a, b::{self, c}}` gives `crate::a`,
/// `crate::b`, `crate::b::c`; a glob gives the path it globs.
fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(unraw(&p.ident));
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => out.push(prefix.clone()),
        syn::UseTree::Name(n) => {
            let mut p = prefix.clone();
            p.push(unraw(&n.ident));
            out.push(p);
        }
        syn::UseTree::Rename(r) => {
            let mut p = prefix.clone();
            p.push(unraw(&r.ident));
            out.push(p);
        }
        syn::UseTree::Glob(_) => out.push(prefix.clone()),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

/// Names that `lib.rs` re-exports from a top-level module (`pub use inbound::{Provider, …};`):
/// name → module.
fn root_reexports(lib: &syn::File, tops: &ModuleGraph) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for item in &lib.items {
        let syn::Item::Use(u) = item else { continue };
        if u.leading_colon.is_some() || is_test_only(&u.attrs) {
            continue;
        }
        let mut found = Vec::new();
        collect_reexports(&u.tree, &mut Vec::new(), &mut found);
        for (path, name) in found {
            let path: &[String] = match path.first().map(String::as_str) {
                Some("crate" | "self") => &path[1..],
                _ => &path,
            };
            if let Some(top) = path
                .first()
                .filter(|t| tops.contains_key(*t) && path.len() > 1)
            {
                out.insert(name, top.clone());
            }
        }
    }
    out
}

/// (full path, name it is visible as) for every named import of a `use` tree.
fn collect_reexports(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, String)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(unraw(&p.ident));
            collect_reexports(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let mut p = prefix.clone();
            p.push(unraw(&n.ident));
            out.push((p, unraw(&n.ident)));
        }
        syn::UseTree::Rename(r) => {
            let mut p = prefix.clone();
            p.push(unraw(&r.ident));
            out.push((p, unraw(&r.rename)));
        }
        syn::UseTree::Glob(_) => {}
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_reexports(t, prefix, out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Visitors

/// Collects the crate-root names (`x` of `crate::x…`, or of a `super::` chain that reaches the
/// root) that one file refers to, outside test code.
struct RootRefs {
    /// Module path of the code being visited; grows inside inline `mod x { … }`.
    module: Vec<String>,
    names: BTreeSet<String>,
}

impl RootRefs {
    fn note(&mut self, segments: &[String]) {
        if let Some(name) = self.root_name(segments) {
            self.names.insert(name);
        }
    }

    /// The crate-root name a path starts from, if it reaches the root: `crate::x::y` → `x`;
    /// from module `a::b`, `super::super::x` → `x` but `super::x` → none (stays inside `a`).
    fn root_name(&self, segments: &[String]) -> Option<String> {
        let mut base = self.module.clone();
        let mut rest = segments;
        match segments.first()?.as_str() {
            "crate" | "$crate" => {
                base.clear();
                rest = &segments[1..];
            }
            "self" | "super" => {
                if segments[0] == "self" {
                    rest = &rest[1..];
                }
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop()?; // above the crate root: not a path of this crate
                    rest = &rest[1..];
                }
            }
            _ => return None,
        }
        if base.is_empty() {
            rest.first().cloned()
        } else {
            None
        }
    }

    /// Paths in a macro's tokens, which `syn` leaves unparsed: `crate::x`, `$crate::x`,
    /// `super::…::x`, and `crate::{x, y::z}` groups.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < toks.len() {
            if let TokenTree::Group(g) = &toks[i] {
                self.scan_tokens(g.stream());
                i += 1;
                continue;
            }
            let after_colons = i >= 1 && is_punct(&toks[i - 1], ':');
            let (start, mut j) = match &toks[i] {
                TokenTree::Punct(p)
                    if p.as_char() == '$'
                        && matches!(toks.get(i + 1), Some(TokenTree::Ident(id)) if id == "crate") =>
                {
                    ("$crate".to_string(), i + 2)
                }
                TokenTree::Ident(id) if !after_colons && (id == "crate" || id == "super") => {
                    (id.to_string(), i + 1)
                }
                _ => {
                    i += 1;
                    continue;
                }
            };
            let mut segments = vec![start];
            while is_path_sep(&toks, j) {
                match toks.get(j + 2) {
                    Some(TokenTree::Ident(id)) => {
                        segments.push(id.to_string());
                        j += 3;
                    }
                    Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                        for first in group_heads(g.stream()) {
                            let mut p = segments.clone();
                            p.push(first);
                            self.note(&p);
                        }
                        j += 3;
                        break;
                    }
                    _ => break,
                }
            }
            self.note(&segments);
            i = j.max(i + 1);
        }
    }
}

fn is_punct(t: &TokenTree, c: char) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == c)
}

fn is_path_sep(toks: &[TokenTree], j: usize) -> bool {
    matches!(toks.get(j), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && toks.get(j + 1).is_some_and(|t| is_punct(t, ':'))
}

/// First identifier of each comma-separated entry of a `{ … }` use group.
fn group_heads(tokens: TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let mut at_start = true;
    for t in tokens {
        match &t {
            TokenTree::Ident(id) if at_start => {
                out.push(id.to_string());
                at_start = false;
            }
            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
            _ => at_start = false,
        }
    }
    out
}

impl<'ast> Visit<'ast> for RootRefs {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        if !is_test_only(item_attrs(i)) {
            visit::visit_item(self, i);
        }
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        if !is_test_only(impl_item_attrs(i)) {
            visit::visit_impl_item(self, i);
        }
    }

    fn visit_trait_item(&mut self, i: &'ast syn::TraitItem) {
        if !is_test_only(trait_item_attrs(i)) {
            visit::visit_trait_item(self, i);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        // `mod x;` is read from its own file.
        if m.content.is_some() {
            self.module.push(unraw(&m.ident));
            visit::visit_item_mod(self, m);
            self.module.pop();
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if u.leading_colon.is_some() {
            return;
        }
        let mut paths = Vec::new();
        use_paths(&u.tree, &mut Vec::new(), &mut paths);
        for p in paths {
            self.note(&p);
        }
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if p.leading_colon.is_none() {
            let segments: Vec<String> = p.segments.iter().map(|s| unraw(&s.ident)).collect();
            self.note(&segments);
        }
        visit::visit_path(self, p);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        visit::visit_macro(self, m);
        self.scan_tokens(m.tokens.clone());
    }

    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
}

/// Declarations `#[cfg(test)] mod x;` (module paths of the files they pull in).
struct TestModDecls<'a> {
    module: Vec<String>,
    found: &'a mut Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for TestModDecls<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        let mut path = self.module.clone();
        path.push(unraw(&m.ident));
        if m.content.is_none() {
            if is_test_only(&m.attrs) {
                self.found.push(path);
            }
        } else {
            let outer = std::mem::replace(&mut self.module, path);
            visit::visit_item_mod(self, m);
            self.module = outer;
        }
    }
}

/// Lengths of every non-test function of one file.
struct FnLengths {
    scope: Vec<String>,
    found: Vec<(String, usize)>,
}

impl FnLengths {
    fn record(&mut self, name: &syn::Ident, fn_token: &syn::token::Fn, block: &syn::Block) {
        let from = fn_token.span.start().line;
        let to = block.brace_token.span.close().end().line;
        let mut full = self.scope.join("::");
        full.push_str("::");
        full.push_str(&unraw(name));
        self.found.push((full, to + 1 - from));
    }

    fn within(&mut self, name: String, f: impl FnOnce(&mut Self)) {
        self.scope.push(name);
        f(self);
        self.scope.pop();
    }
}

fn type_name(ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p) => p
            .path
            .segments
            .last()
            .map(|s| unraw(&s.ident))
            .unwrap_or_else(|| "impl".into()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => "impl".into(),
    }
}

impl<'ast> Visit<'ast> for FnLengths {
    fn visit_item(&mut self, i: &'ast syn::Item) {
        if !is_test_only(item_attrs(i)) {
            visit::visit_item(self, i);
        }
    }

    fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
        if !is_test_only(impl_item_attrs(i)) {
            visit::visit_impl_item(self, i);
        }
    }

    fn visit_trait_item(&mut self, i: &'ast syn::TraitItem) {
        if !is_test_only(trait_item_attrs(i)) {
            visit::visit_trait_item(self, i);
        }
    }

    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.within(unraw(&m.ident), |s| visit::visit_item_mod(s, m));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.within(type_name(&i.self_ty), |s| visit::visit_item_impl(s, i));
    }

    fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
        self.within(unraw(&t.ident), |s| visit::visit_item_trait(s, t));
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.record(&f.sig.ident, &f.sig.fn_token, &f.block);
        self.within(unraw(&f.sig.ident), |s| visit::visit_item_fn(s, f));
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.record(&f.sig.ident, &f.sig.fn_token, &f.block);
        self.within(unraw(&f.sig.ident), |s| visit::visit_impl_item_fn(s, f));
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.record(&f.sig.ident, &f.sig.fn_token, block);
        }
        self.within(unraw(&f.sig.ident), |s| visit::visit_trait_item_fn(s, f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A throwaway crate: `files` are (path under `src/`, contents). Removed when dropped,
    /// unless the test failed.
    struct FakeCrate {
        src: PathBuf,
    }

    impl Drop for FakeCrate {
        fn drop(&mut self) {
            if !std::thread::panicking() {
                let _ = std::fs::remove_dir_all(self.src.parent().expect("crate dir"));
            }
        }
    }

    fn fake_crate(files: &[(&str, &str)]) -> FakeCrate {
        let src = crate::temp_dir("layout").join("src");
        for (rel, text) in files {
            let p = src.join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, text).expect("write");
        }
        FakeCrate { src }
    }

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn lines(n: usize, line: &str) -> String {
        std::iter::repeat_n(line, n).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_cycle_through_use_groups_is_found() {
        let krate = fake_crate(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\npub mod d;\n"),
            ("a.rs", "use crate::{b, d::Thing};\npub fn f() {}\n"),
            ("b.rs", "use crate::{c::{self, deep::{X, Y}}};\n"),
            ("c.rs", "use crate::{a};\n"),
            ("d.rs", "pub struct Thing;\n"),
        ]);
        let src = &krate.src;
        let g = module_graph(src);
        assert_eq!(g["a"], set(&["b", "d"]));
        assert_eq!(g["b"], set(&["c"]));
        assert_eq!(g["c"], set(&["a"]));
        assert_eq!(g["d"], set(&[]));
        assert_eq!(cycles(&g), vec![vec!["a", "b", "c"]]);
    }

    #[test]
    fn a_cycle_through_super_chains_is_found() {
        let krate = fake_crate(&[
            ("lib.rs", "pub mod a;\npub mod x;\n"),
            ("a/mod.rs", "pub mod b;\nuse super::y::Z;\n"),
            ("a/b/mod.rs", "pub mod c;\nuse super::super::a::Q;\n"),
            (
                "a/b/c.rs",
                "pub fn f() -> u8 { super::super::super::x::g() + super::sibling() }\n\
                 fn g() { super::super::super::super::nowhere(); }\n",
            ),
            (
                "x.rs",
                "pub fn g() -> u8 { 1 }\n\
                 mod inner { pub fn h() { super::super::y::k(); let _ = super::g(); } }\n",
            ),
            ("y.rs", "pub fn k() {}\n"),
        ]);
        let src = &krate.src;
        let g = module_graph(src);
        assert_eq!(g["a"], set(&["x", "y"]));
        assert_eq!(g["x"], set(&["y"]));
        assert_eq!(cycles(&g), Vec::<Vec<String>>::new());
        // The way back: through an inline module and a macro.
        let back = src.join("y.rs");
        std::fs::write(
            &back,
            "mod deep { mod deeper { fn k() { let _ = format!(\"{}\", super::super::super::a::b::c::f()); } } }\n",
        )
        .expect("write");
        let g = module_graph(src);
        assert_eq!(g["y"], set(&["a"]));
        assert_eq!(cycles(&module_graph(src)), vec![vec!["a", "x", "y"]]);
    }

    #[test]
    fn test_code_imports_do_not_count() {
        let krate = fake_crate(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("a.rs", "use crate::b::B;\npub fn f() {}\n"),
            (
                "b.rs",
                "pub struct B;\n\
                 #[cfg(test)]\nuse crate::a::f;\n\
                 #[test]\nfn t() { crate::a::f(); }\n\
                 #[cfg(all(test, unix))]\nfn helper() { crate::c::go(); }\n\
                 #[cfg(test)]\nmod tests { use crate::a; }\n\
                 #[cfg(test)]\nmod more;\n",
            ),
            ("b/more.rs", "use crate::a::f;\n"),
            ("c.rs", "#![cfg(test)]\nuse crate::a::f;\n"),
        ]);
        let src = &krate.src;
        let g = module_graph(src);
        assert_eq!(g["a"], set(&["b"]));
        assert_eq!(g["b"], set(&[]));
        assert!(!g.contains_key("c"), "{g:?}");
        assert!(cycles(&g).is_empty());
    }

    #[test]
    fn reexports_and_macro_paths_make_edges() {
        let krate = fake_crate(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub use b::{Thing as Alias, Other};\n"),
            ("a.rs", "pub fn f() -> crate::Alias { todo!() }\n"),
            ("b.rs", "pub struct Thing; pub struct Other;\nmacro_rules! m { () => { $crate::a::f() } }\n"),
        ]);
        let src = &krate.src;
        let g = module_graph(src);
        assert_eq!(g["a"], set(&["b"]));
        assert_eq!(g["b"], set(&["a"]));
        assert_eq!(cycles(&g), vec![vec!["a", "b"]]);
    }

    #[test]
    fn self_loops_are_not_cycles() {
        let mut g = ModuleGraph::new();
        g.insert("a".into(), set(&["a", "b"]));
        g.insert("b".into(), set(&["b"]));
        assert!(cycles(&g).is_empty());
        g.insert("c".into(), set(&["d"]));
        g.insert("d".into(), set(&["c", "e"]));
        assert_eq!(cycles(&g), vec![vec!["c", "d"]]);
    }

    #[test]
    fn long_functions_are_reported_and_short_ones_not() {
        let long_body = lines(158, "    let _x = 1;");
        let short_body = lines(18, "    let _x = 1;");
        let lib = format!(
            "pub fn long() {{\n{long_body}\n}}\n\
             pub fn short() {{\n{short_body}\n}}\n\
             pub struct S;\nimpl S {{\n    pub fn method(&self) {{\n{long_body}\n    }}\n}}\n\
             pub mod inner {{\n    pub trait T {{\n        fn default_body(&self) {{\n{long_body}\n        }}\n    }}\n}}\n\
             #[test]\nfn long_test() {{\n{long_body}\n}}\n\
             #[cfg(test)]\nmod tests {{\n    fn long_helper() {{\n{long_body}\n    }}\n}}\n"
        );
        let krate = fake_crate(&[("lib.rs", &lib), ("a.rs", &lib)]);
        let src = &krate.src;
        let found = long_functions(src, 150);
        let expected: Vec<(String, usize)> = [
            "a.rs::S::method",
            "a.rs::inner::T::default_body",
            "a.rs::long",
            "lib.rs::S::method",
            "lib.rs::inner::T::default_body",
            "lib.rs::long",
        ]
        .iter()
        .map(|n| (n.to_string(), 160))
        .collect();
        assert_eq!(found, expected);
        assert!(long_functions(src, 160).is_empty());
        assert_eq!(
            long_functions(src, 19).len(),
            8,
            "the 20-line fns count at 19"
        );
    }

    #[test]
    fn a_long_file_whose_tail_is_its_tests_is_not_reported() {
        let code = lines(600, "pub const X: u8 = 1;");
        let tests = lines(300, "    const Y: u8 = 2;");
        let tail_tests = format!("{code}\n\n#[cfg(test)]\nmod tests {{\n{tests}\n}}\n");
        let middle_tests = format!("#[cfg(test)]\nmod tests {{\n{tests}\n}}\n{code}\n");
        let krate = fake_crate(&[
            ("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n"),
            ("a.rs", &tail_tests),
            ("b.rs", &middle_tests),
            ("c.rs", &format!("{code}\n{code}\n")),
        ]);
        let src = &krate.src;
        let found = long_files(src, 700);
        assert_eq!(
            found,
            vec![(src.join("c.rs"), 1200), (src.join("b.rs"), 903)]
        );
    }

    // -----------------------------------------------------------------------------------------
    // The checks on the real crates.

    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn src_of(krate: &str) -> PathBuf {
        workspace().join(krate).join("src")
    }

    fn shown(p: &Path) -> String {
        p.strip_prefix(workspace())
            .unwrap_or(p)
            .display()
            .to_string()
    }

    const CRATES: [&str; 4] = ["edge", "cloud-relay", "sync", "ops"];

    fn assert_no_cycles(krate: &str) {
        let src = src_of(krate);
        let edges = edge_files(&src);
        let found = cycles(&module_graph(&src));
        let mut report = String::new();
        for c in &found {
            report.push_str(&format!("\n  cycle between {}:", c.join(", ")));
            for ((from, to), files) in &edges {
                if c.contains(from) && c.contains(to) {
                    let files: Vec<String> = files.iter().map(|f| shown(&src.join(f))).collect();
                    report.push_str(&format!("\n    {from} -> {to}   ({})", files.join(", ")));
                }
            }
        }
        assert!(
            found.is_empty(),
            "{} has {} cycle(s) between its top-level modules. Make the arrows point one way: \
             move what both sides need into a lower module (or a new one), or pass it in \
             (a value, a closure, a trait) instead of importing the caller. The edges inside \
             each cycle, with the files that make them:{report}",
            shown(&src),
            found.len()
        );
    }

    #[test]
    fn edge_has_no_module_cycles() {
        assert_no_cycles("edge");
    }

    /// The edge's layers (docs/edge.md § Layout), bottom first: a module may import only the
    /// modules listed for it. No cycle is not enough: `store` importing `app` with no way back
    /// would pass the cycle check and still turn the house upside down.
    const EDGE_LAYERS: &[(&str, &[&str])] = &[
        ("config", &[]),
        ("domain", &[]),
        ("engine", &["domain"]),
        // Kitchen tickets on paper: pure, beside the engine (issue 17).
        ("print", &["domain"]),
        ("store", &["config", "domain"]),
        ("app", &["config", "domain", "engine", "print", "store"]),
        ("relay_link", &["config", "domain", "store", "app"]),
        (
            "printer_link",
            &["config", "domain", "print", "store", "app"],
        ),
        ("upkeep", &["config", "store"]),
        (
            "console",
            &[
                "config",
                "domain",
                "engine",
                "print",
                "store",
                "app",
                "relay_link",
                "printer_link",
            ],
        ),
        (
            "cli",
            &[
                "config",
                "domain",
                "engine",
                "print",
                "store",
                "app",
                "relay_link",
                "printer_link",
                "upkeep",
                "console",
            ],
        ),
    ];

    /// The relay's layers, bottom first, in the order `cloud-relay/src/lib.rs` declares them:
    /// each may import only the modules before it.
    const RELAY_LAYERS: &[&str] = &[
        "config",
        "secrets",
        "security",
        "sender_rate",
        "nodes",
        "meta",
        "store",
        "metrics",
        "state",
        "intake",
        "away",
        "graph",
        "media_fetch",
        "payments",
        "maintenance",
        "http",
        "server",
        "preflight",
        "demo",
        "cli",
    ];

    /// Fails with every import of a layer that `allowed(module)` does not list (`None`: the
    /// module is in no layer at all).
    fn assert_layers(krate: &str, doc: &str, allowed: &dyn Fn(&str) -> Option<Vec<&'static str>>) {
        let src = src_of(krate);
        let edges = edge_files(&src);
        let mut report = String::new();
        for (from, tos) in &module_graph(&src) {
            let Some(allowed) = allowed(from) else {
                report.push_str(&format!("\n  {from}: in no layer of {doc}; put it in one"));
                continue;
            };
            for to in tos.iter().filter(|t| !allowed.contains(&t.as_str())) {
                let files: Vec<String> = edges
                    .get(&(from.clone(), to.clone()))
                    .map(|fs| fs.iter().map(|f| shown(&src.join(f))).collect())
                    .unwrap_or_default();
                report.push_str(&format!("\n  {from} -> {to}   ({})", files.join(", ")));
            }
        }
        assert!(
            report.is_empty(),
            "{krate} modules importing a layer they may not ({doc}). Move the shared piece \
             down a layer, or pass it in from above:{report}"
        );
    }

    #[test]
    fn edge_layers_point_down() {
        assert_layers("edge", "docs/edge.md § Layout", &|m| {
            EDGE_LAYERS
                .iter()
                .find(|(name, _)| *name == m)
                .map(|(_, allowed)| allowed.to_vec())
        });
    }

    #[test]
    fn relay_layers_point_down() {
        assert_layers(
            "cloud-relay",
            "cloud-relay/src/lib.rs and docs/relay.md",
            &|m| {
                let i = RELAY_LAYERS.iter().position(|l| *l == m)?;
                Some(RELAY_LAYERS[..i].to_vec())
            },
        );
    }

    #[test]
    fn relay_has_no_module_cycles() {
        assert_no_cycles("cloud-relay");
    }

    #[test]
    fn edge_sql_lives_in_store() {
        let found = sql_outside(&src_of("edge"), "store");
        assert!(
            found.is_empty(),
            "SQL outside edge/src/store (docs/edge.md § Layout: all SQL in store/). Move each \
             statement into a typed function of the store file for its tables and call that:\n  {}",
            found.join("\n  ")
        );
    }

    #[test]
    fn sql_literals_are_recognised() {
        assert!(looks_like_sql("SELECT id FROM orders WHERE x = 1"));
        assert!(looks_like_sql("  UPDATE orders SET eta = ?2 WHERE id = ?1"));
        assert!(looks_like_sql(
            "INSERT OR IGNORE INTO refunds (a) VALUES (?1)"
        ));
        assert!(looks_like_sql("DELETE FROM outbox WHERE id = ?1"));
        assert!(!looks_like_sql("Select the size you want"));
        assert!(!looks_like_sql("update your address"));
    }

    #[test]
    fn no_source_file_over_700_lines() {
        let found: Vec<(PathBuf, usize)> = CRATES
            .iter()
            .flat_map(|k| long_files(&src_of(k), 700))
            .collect();
        let report: String = found
            .iter()
            .map(|(p, n)| format!("\n  {}: {n} lines", shown(p)))
            .collect();
        assert!(
            found.is_empty(),
            "source files over 700 lines (a trailing #[cfg(test)] mod tests is not counted). \
             Split each along its seams into a folder module (foo.rs -> foo/mod.rs + \
             foo/part.rs), keeping the public paths with `pub use`:{report}"
        );
    }

    #[test]
    fn no_function_over_150_lines() {
        let found: Vec<(String, usize)> = CRATES
            .iter()
            .flat_map(|k| {
                long_functions(&src_of(k), 150)
                    .into_iter()
                    .map(move |(f, n)| (format!("{}/{f}", shown(&src_of(k))), n))
            })
            .collect();
        let report: String = found
            .iter()
            .map(|(f, n)| format!("\n  {f}: {n} lines"))
            .collect();
        assert!(
            found.is_empty(),
            "functions over 150 lines (from the `fn` line to the closing brace). Pull the \
             steps out into named helpers (a match arm per helper, a loop body, a setup \
             block):{report}"
        );
    }
}
