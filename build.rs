//! Embeds every file under `fixtures/` into the binary, so an installed hookctl works from any directory.
use std::{env, fs, path::Path};

fn collect(dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("read fixtures/").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    println!("cargo:rerun-if-changed=fixtures");
    let mut files = Vec::new();
    collect(&root, &mut files);
    let mut code = String::from("/// (path relative to fixtures/, contents) of every embedded fixture and schema file.\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for file in &files {
        let rel = file.rsplit_once("/fixtures/").map_or(file.as_str(), |(_, r)| r);
        code.push_str(&format!("    ({rel:?}, include_str!({file:?})),\n"));
    }
    code.push_str("];\n");
    let out = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("embedded_fixtures.rs");
    fs::write(out, code).expect("write embedded_fixtures.rs");
}
