//! Embeds every file under `fixtures/` into the binary, so an installed hookctl works from any directory,
//! and records the commit and date that `hookctl --version` reports.
use std::{env, fs, path::Path, process::Command};

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

fn embed_fixtures(manifest: &Path) {
    let root = manifest.join("fixtures");
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

fn git(manifest: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git").arg("-C").arg(manifest).args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}

/// From git when building a checkout (`cargo build`, `cargo install --git`); from the `.cargo_vcs_info.json`
/// that `cargo publish` writes when building a crates.io package.
fn commit(manifest: &Path) -> String {
    if let Some(hash) = git(manifest, &["rev-parse", "HEAD"]) {
        if let Some(dir) = git(manifest, &["rev-parse", "--absolute-git-dir"]) {
            println!("cargo:rerun-if-changed={dir}/HEAD");
            if let Some(head) = fs::read_to_string(format!("{dir}/HEAD"))
                .ok()
                .and_then(|h| h.strip_prefix("ref: ").map(|r| r.trim().to_string()))
            {
                println!("cargo:rerun-if-changed={dir}/{head}");
            }
        }
        return hash;
    }
    let vcs = fs::read_to_string(manifest.join(".cargo_vcs_info.json")).unwrap_or_default();
    vcs.split("\"sha1\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .map_or_else(|| "unknown".to_string(), str::to_string)
}

/// The commit's date; without git, the build date (SOURCE_DATE_EPOCH when set, for reproducible builds).
fn date(manifest: &Path) -> String {
    if let Some(day) = git(manifest, &["log", "-1", "--format=%cs"]) {
        return day;
    }
    let epoch = env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
    });
    civil_date(epoch.div_euclid(86_400))
}

/// Days since 1970-01-01 to YYYY-MM-DD (Howard Hinnant's civil_from_days).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn main() {
    // At run time, not `env!`: a build script binary compiled for `cargo package`'s copy may be reused.
    let manifest_dir = env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let manifest = Path::new(&manifest_dir);
    embed_fixtures(manifest);
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rustc-env=HOOKCTL_COMMIT={}", commit(manifest));
    println!("cargo:rustc-env=HOOKCTL_DATE={}", date(manifest));
    println!("cargo:rustc-env=HOOKCTL_TARGET={}", env::var("TARGET").unwrap_or_default());
}
