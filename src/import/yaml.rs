//! YAML read into JSON values (yaml-rust2: pure Rust, maintained; anchors and aliases resolved by its
//! loader). Mapping keys become strings (`200:` is `"200"`), as OpenAPI means them.
use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// The first document of a YAML text, as JSON.
pub fn parse(text: &str) -> Result<Value, String> {
    let documents = YamlLoader::load_from_str(text).map_err(|e| {
        let at = e.marker();
        format!("not YAML: {} at line {}, column {}", e.info(), at.line(), at.col() + 1)
    })?;
    let first = documents.into_iter().next().ok_or("the YAML file holds no document")?;
    to_json(first, 0)
}

fn to_json(node: Yaml, depth: usize) -> Result<Value, String> {
    if depth > 256 {
        return Err("the YAML nests more than 256 levels deep".into());
    }
    Ok(match node {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => match text.parse::<f64>().ok().and_then(Number::from_f64) {
            Some(n) => Value::Number(n),
            None => Value::String(text),
        },
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => Value::Array(items.into_iter().map(|i| to_json(i, depth + 1)).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => {
            let mut object = Map::new();
            for (key, value) in map {
                object.insert(key_text(&key)?, to_json(value, depth + 1)?);
            }
            Value::Object(object)
        }
        Yaml::Alias(_) | Yaml::BadValue => return Err("the YAML has an alias to an anchor it does not define".into()),
    })
}

fn key_text(key: &Yaml) -> Result<String, String> {
    Ok(match key {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null => "null".into(),
        _ => return Err("a YAML mapping key is a list or a mapping: OpenAPI keys are strings".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openapi_yaml_reads_as_json() {
        let text = "openapi: 3.1.0\nresponses:\n  200:\n    description: OK\nbase: &b {type: string}\nuse: *b\nn: 1.5\nflag: yes\n";
        let value = parse(text).unwrap();
        assert_eq!(value["responses"]["200"]["description"], "OK");
        assert_eq!(value["use"], json!({"type": "string"}));
        assert_eq!(value["n"], 1.5);
        assert_eq!(value["openapi"], "3.1.0");
    }

    #[test]
    fn broken_yaml_says_where() {
        let error = parse("a: [1, 2\nb: c").unwrap_err();
        assert!(error.contains("line"), "{error}");
    }
}
