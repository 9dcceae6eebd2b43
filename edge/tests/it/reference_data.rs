//! The data embedded in the binary must be the shared ground truth, byte for byte.

#[test]
fn embedded_reference_data_matches_the_shared_files() {
    for name in [
        "intents_fr_ar_darija.json",
        "dz_communes.json",
        "dz_wilayas.json",
    ] {
        let ours = std::fs::read(format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let shared = std::fs::read(format!(
            "{}/../../shared/data/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_else(|e| panic!("../shared/data/{name}: {e}"));
        assert!(
            ours == shared,
            "edge/data/{name} differs from ../shared/data/{name}; copy it again"
        );
    }
}
