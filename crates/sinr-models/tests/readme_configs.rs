//! The model configurations shown in the README parse, validate, and are each kind's defaults.

use sinr_models::{LexicalConfig, ModelConfig};

#[test]
fn readme_model_configs_are_the_defaults() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let section = readme
        .split("## Model configurations")
        .nth(1)
        .expect("a model configurations section")
        .split("\n## ")
        .next()
        .unwrap_or_default();
    let blocks: Vec<&str> = section
        .split("```json\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default())
        .collect();
    let mut kinds = Vec::new();
    for b in &blocks {
        let c: ModelConfig = serde_json::from_str(b).unwrap_or_else(|e| panic!("{b}: {e}"));
        c.validate().unwrap_or_else(|e| panic!("{b}: {e}"));
        let default = ModelConfig::default_of(c.kind()).expect("a registered kind");
        assert_eq!(c, default, "the README shows {}'s defaults", c.kind());
        // Every field is shown: the block says as much as the serialised defaults.
        let shown: serde_json::Value = serde_json::from_str(b).unwrap();
        assert_eq!(
            shown,
            serde_json::to_value(&default).unwrap(),
            "every field of {}",
            c.kind()
        );
        kinds.push(c.kind());
    }
    assert_eq!(
        kinds,
        ModelConfig::KINDS,
        "one block per kind, in the registry's order"
    );
}

#[test]
fn readme_ngrams_defaults_are_the_defaults() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let at = readme
        .find("`\"ngrams\": {\"")
        .expect("the README shows the n-gram defaults");
    let object = &readme[at + "`\"ngrams\": ".len()..];
    let object = &object[..object.find('`').expect("closing backquote")];
    let shown: LexicalConfig =
        serde_json::from_str(object).unwrap_or_else(|e| panic!("{object}: {e}"));
    assert_eq!(shown, LexicalConfig::default());
    // Every field is shown.
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(object).unwrap(),
        serde_json::to_value(LexicalConfig::default()).unwrap()
    );
}

/// The transformer's fine path reads as a configuration, as `null` or `false` (none; TOML has
/// no null) and as `true` (the default path); an unknown key inside it is named.
#[test]
fn transformer_fine_path_reads_null_false_true_and_configs() {
    use sinr_models::TransformerConfig;
    let read = |s: &str| serde_json::from_str::<TransformerConfig>(s);
    assert_eq!(read(r#"{"fine_path": null}"#).unwrap().fine_path, None);
    assert_eq!(read(r#"{"fine_path": false}"#).unwrap().fine_path, None);
    assert_eq!(
        read(r#"{"fine_path": true}"#).unwrap().fine_path,
        TransformerConfig::default().fine_path
    );
    let c = read(r#"{"fine_path": {"sparsify": 50}}"#).unwrap();
    assert_eq!(c.fine_path.unwrap().sparsify, Some(50));
    assert!(read(r#"{"fine_path": {"sparsity": 50}}"#).is_err());
    let toml: TransformerConfig = toml::from_str("fine_path = false").unwrap();
    assert_eq!(toml.fine_path, None);
}
