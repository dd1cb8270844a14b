//! JSON pointers (RFC 6901), as every phase writes them into its errors and warnings. A
//! module of its own so that `load` and `lower` both use it without importing each other.

use std::borrow::Cow;

/// Escapes one pointer token (`~` → `~0`, `/` → `~1`).
pub fn escape_token(token: &str) -> String {
    escaped(token).into_owned()
}

fn escaped(token: &str) -> Cow<'_, str> {
    if token.bytes().any(|b| b == b'~' || b == b'/') {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// `base` + `/token`, with the token escaped.
pub fn child(base: &str, token: &str) -> String {
    let token = escaped(token);
    let mut pointer = String::with_capacity(base.len() + token.len() + 1);
    pointer.push_str(base);
    pointer.push('/');
    pointer.push_str(&token);
    pointer
}

/// `base` + `/keyword/token` in one allocation (`/properties/name`, `/allOf/0`); the keyword
/// needs no escaping.
pub fn grandchild(base: &str, keyword: &str, token: &str) -> String {
    let token = escaped(token);
    let mut pointer = String::with_capacity(base.len() + keyword.len() + token.len() + 2);
    pointer.push_str(base);
    pointer.push('/');
    pointer.push_str(keyword);
    pointer.push('/');
    pointer.push_str(&token);
    pointer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_escaped_tilde_first() {
        assert_eq!(escape_token("a/b~c"), "a~1b~0c");
        assert_eq!(escape_token("~1"), "~01");
        assert_eq!(child("/paths", "/notes/{id}"), "/paths/~1notes~1{id}");
        assert_eq!(grandchild("#/components/schemas/A", "properties", "x/y"), "#/components/schemas/A/properties/x~1y");
    }
}
