//! The technician's and owner's view of `resto-edge migrate` and `menu import|export`: a fresh
//! database says which migrations it got, a second run says it is current; the demo menu goes
//! in and comes back out the same; a broken file is refused whole with every problem listed.

use resto_e2e::{program, temp_dir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo_menu() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/fixtures/menus/demo_menu.json"
    ))
}

fn edge(dir: &Path, args: &[&str]) -> Output {
    Command::new(program("resto-edge"))
        .env("EDGE_DATA_DIR", dir)
        .args(args)
        .output()
        .expect("run resto-edge")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn read_json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

#[test]
fn migrate_names_what_it_applied_to_a_fresh_database_and_then_says_it_is_current() {
    let dir = temp_dir("edge-migrate");
    let first = ok(&edge(&dir, &["migrate"]));
    assert!(
        first.contains("applied V1__skeleton") && first.contains("V8__qr_text"),
        "{first}"
    );
    let again = ok(&edge(&dir, &["migrate"]));
    assert!(again.contains("schema is up to date"), "{again}");
}

#[test]
fn the_demo_menu_exported_after_import_is_the_same_menu() {
    let dir = temp_dir("menu-roundtrip");
    let said = ok(&edge(
        &dir,
        &["menu", "import", demo_menu().to_str().unwrap()],
    ));
    assert!(said.contains("menu imported"), "{said}");
    let out = dir.join("exported.json");
    ok(&edge(
        &dir,
        &["menu", "export", "--out", out.to_str().unwrap()],
    ));
    assert_eq!(read_json(&out), read_json(&demo_menu()));

    // Exporting to stdout gives the same document, and re-importing the export is accepted.
    let stdout = ok(&edge(&dir, &["menu", "export"]));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        read_json(&demo_menu())
    );
    ok(&edge(&dir, &["menu", "import", out.to_str().unwrap()]));
}

#[test]
fn a_menu_with_problems_is_refused_whole_with_every_problem_listed_and_the_old_menu_kept() {
    let dir = temp_dir("menu-refused");
    ok(&edge(
        &dir,
        &["menu", "import", demo_menu().to_str().unwrap()],
    ));

    let mut bad = read_json(&demo_menu());
    let first_item = &mut bad["categories"][0]["items"][0];
    first_item["price"] = Value::from(-5);
    first_item["name"]["fr"] = Value::from("");
    bad["delivery"]["zones"][0]["wilaya_code"] = Value::from("99");
    bad["delivery"]["zones"][1]["communes"][3] = Value::from("Kouva");
    let bad_file = dir.join("bad.json");
    std::fs::write(&bad_file, serde_json::to_vec_pretty(&bad).unwrap()).unwrap();

    let out = edge(&dir, &["menu", "import", bad_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("NOT imported"), "{err}");
    for path in [
        "categories[0].items[0].price",
        "categories[0].items[0].name.fr",
        "delivery.zones[0].wilaya_code",
        "delivery.zones[1].communes[3]",
    ] {
        assert!(err.contains(path), "problem at {path} not listed:\n{err}");
    }

    assert!(
        err.contains("\"Kouva\" is not a commune of wilaya 16; closest: Kouba"),
        "{err}"
    );

    let exported = ok(&edge(&dir, &["menu", "export"]));
    assert_eq!(
        serde_json::from_str::<Value>(&exported).unwrap(),
        read_json(&demo_menu()),
        "the previous menu must be untouched"
    );

    let not_json = dir.join("garbage.json");
    std::fs::write(&not_json, b"{ not json").unwrap();
    let out = edge(&dir, &["menu", "import", not_json.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn exporting_before_any_import_says_how_to_import_one() {
    let dir = temp_dir("menu-empty");
    let out = edge(&dir, &["menu", "export"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("menu import"));
}

#[test]
fn item_aliases_per_register_are_imported_and_exported_as_written_and_a_bad_register_is_named() {
    let dir = temp_dir("menu-aliases");
    let mut menu = read_json(&demo_menu());
    let aliases = serde_json::json!({
        "fr": ["chawarma", "shawarma"], "ar": ["شاورما"], "darija": ["شوارمة"],
        "arabizi": ["chwarma", "chawarma lham"], "any": ["shwarma"]
    });
    menu["categories"][1]["items"][1]["aliases"] = aliases.clone();
    let file = dir.join("menu.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&menu).unwrap()).unwrap();
    ok(&edge(&dir, &["menu", "import", file.to_str().unwrap()]));
    let exported: Value = serde_json::from_str(&ok(&edge(&dir, &["menu", "export"]))).unwrap();
    assert_eq!(exported, menu, "per-register lists come back as written");

    menu["categories"][1]["items"][1]["aliases"] = serde_json::json!({"kabyle": ["x"]});
    std::fs::write(&file, serde_json::to_vec_pretty(&menu).unwrap()).unwrap();
    let out = edge(&dir, &["menu", "import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("$.categories[1].items[1].aliases.kabyle: is not a register"),
        "{err}"
    );
    let still: Value = serde_json::from_str(&ok(&edge(&dir, &["menu", "export"]))).unwrap();
    assert_eq!(still["categories"][1]["items"][1]["aliases"], aliases);
}
