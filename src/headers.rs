//! One list of HTTP headers, as every part of hookctl holds them: in the order given, names as written,
//! looked up without regard to case. A request's headers, a fixture's, a capture record's and an answer's
//! are all this type; it reads as a slice of `(name, value)` pairs wherever one is wanted.
use std::ops::Deref;

/// The prefix of the inspector's token cookie's name, never kept in a capture or an export.
pub const OWN_COOKIE: &str = "hookctl_token";

/// A `Cookie` header's value without the inspector's token cookies.
pub fn without_own_cookie(value: &str) -> String {
    value
        .split(';')
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && !pair.starts_with(OWN_COOKIE))
        .collect::<Vec<_>>()
        .join("; ")
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    pub fn new() -> Headers {
        Headers(Vec::new())
    }

    /// The first value of a header, whatever the case of its name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// Whether the header is there at all.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds a header, or replaces every header of that name (case-insensitive) with it, at the end.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.remove(&name);
        self.0.push((name, value.into()));
    }

    /// Adds a header, keeping any of the same name (HTTP allows repeats).
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Drops the inspector's own token cookie (`hookctl_token…`) from every `Cookie` header (a browser
    /// that opened the inspector sends it to every port on 127.0.0.1, the capture port included); a
    /// `Cookie` header left empty goes. Returns whether anything was dropped.
    pub fn scrub_own_cookie(&mut self) -> bool {
        let mut changed = false;
        for (name, value) in self.0.iter_mut() {
            if name.eq_ignore_ascii_case("cookie") && value.contains(OWN_COOKIE) {
                *value = without_own_cookie(value);
                changed = true;
            }
        }
        if changed {
            self.0.retain(|(n, v)| !(n.eq_ignore_ascii_case("cookie") && v.is_empty()));
        }
        changed
    }

    /// As a JSON object, names lower-cased and repeats joined (the record's form).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::Value::Object(self.merged().into_iter().map(|(n, v)| (n, serde_json::Value::String(v))).collect())
    }

    /// Removes every header of that name.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Keeps only the headers `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&(String, String)) -> bool) {
        self.0.retain(keep);
    }

    /// Every header of `other` set over these (replacing same-named ones).
    pub fn set_all(&mut self, other: impl IntoIterator<Item = (String, String)>) {
        for (name, value) in other {
            self.set(name, value);
        }
    }

    /// Names lower-cased and repeated headers joined with ", " (as HTTP allows): how a record keeps them.
    pub fn merged(&self) -> Vec<(String, String)> {
        let mut merged: Vec<(String, String)> = Vec::with_capacity(self.0.len());
        for (name, value) in &self.0 {
            let key = name.to_ascii_lowercase();
            match merged.iter_mut().find(|(k, _)| *k == key) {
                Some((_, existing)) => {
                    existing.push_str(", ");
                    existing.push_str(value);
                }
                None => merged.push((key, value.clone())),
            }
        }
        merged
    }

    pub fn into_vec(self) -> Vec<(String, String)> {
        self.0
    }
}

impl Deref for Headers {
    type Target = [(String, String)];

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl From<Vec<(String, String)>> for Headers {
    fn from(pairs: Vec<(String, String)>) -> Headers {
        Headers(pairs)
    }
}

impl FromIterator<(String, String)> for Headers {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Headers {
        Headers(iter.into_iter().collect())
    }
}

impl IntoIterator for Headers {
    type Item = (String, String);
    type IntoIter = std::vec::IntoIter<(String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Headers {
    type Item = &'a (String, String);
    type IntoIter = std::slice::Iter<'a, (String, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Headers {
        list.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn lookups_ignore_case_and_set_replaces_every_same_name() {
        let mut headers = pairs(&[("Content-Type", "a"), ("X-A", "1"), ("x-a", "2")]);
        assert_eq!(headers.get("content-type"), Some("a"));
        assert!(headers.has("X-a") && !headers.has("x-b"));
        headers.set("X-A", "3");
        assert_eq!(&*headers, &pairs(&[("Content-Type", "a"), ("X-A", "3")])[..]);
        headers.append("x-a", "4");
        assert_eq!(headers.merged(), [("content-type".into(), "a".into()), ("x-a".into(), "3, 4".into())]);
        headers.remove("X-A");
        assert_eq!(headers.len(), 1);
        let mut cookies = pairs(&[("Cookie", "a=1; hookctl_token_4000=abc; b=2"), ("cookie", "hookctl_token=x")]);
        assert!(cookies.scrub_own_cookie());
        assert_eq!(&*cookies, &pairs(&[("Cookie", "a=1; b=2")])[..]);
    }
}
