//! Undoing the Python-literal escapes of the Kaggle insults comments.
//!
//! The comments are wrapped in a pair of literal quotes and escaped at two levels: `\xa0`,
//! `\u2019`, `\n` stand for characters, and `\\xc2\\xa0` for the UTF-8 *bytes* of one character.
//! We first turn `\\` into `\`, then read `\xHH` runs as bytes (UTF-8 if they decode, else one
//! Latin-1 character each), `\uHHHH` as code points, and the usual one-letter escapes.

/// Decodes one comment: strips the wrapping quotes and undoes both escape levels.
pub fn unescape_python_literal(s: &str) -> String {
    let s = s.trim();
    let s = s
        .strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .unwrap_or(s);
    let s = s.replace("\\\\", "\\");
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let hex = |cs: &[char]| -> Option<u32> {
        let t: String = cs.iter().collect();
        u32::from_str_radix(&t, 16).ok()
    };
    while i < chars.len() {
        let c = chars[i];
        if c != '\\' || i + 1 >= chars.len() {
            out.push(c);
            i += 1;
            continue;
        }
        match chars[i + 1] {
            'x' => {
                // A run of \xHH escapes: bytes.
                let mut bytes = Vec::new();
                let mut j = i;
                while j + 3 < chars.len() && chars[j] == '\\' && chars.get(j + 1) == Some(&'x') {
                    match chars.get(j + 2..j + 4).and_then(hex) {
                        Some(b) => {
                            bytes.push(b as u8);
                            j += 4;
                        }
                        None => break,
                    }
                }
                if bytes.is_empty() {
                    out.push('\\');
                    i += 1;
                    continue;
                }
                match String::from_utf8(bytes.clone()) {
                    Ok(t) => out.push_str(&t),
                    Err(_) => out.extend(bytes.iter().map(|&b| char::from(b))),
                }
                i = j;
            }
            'u' => match chars
                .get(i + 2..i + 6)
                .and_then(hex)
                .and_then(char::from_u32)
            {
                Some(ch) => {
                    out.push(ch);
                    i += 6;
                }
                None => {
                    out.push('\\');
                    i += 1;
                }
            },
            'n' => {
                out.push('\n');
                i += 2;
            }
            'r' => {
                out.push('\r');
                i += 2;
            }
            't' => {
                out.push('\t');
                i += 2;
            }
            '\'' | '"' | '\\' => {
                out.push(chars[i + 1]);
                i += 2;
            }
            _ => {
                out.push('\\');
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_escape_levels() {
        assert_eq!(
            unescape_python_literal(r#""You fuck your dad.""#),
            "You fuck your dad."
        );
        assert_eq!(unescape_python_literal(r#""a\xa0b""#), "a\u{a0}b");
        assert_eq!(unescape_python_literal(r#""a\\xc2\\xa0b""#), "a\u{a0}b");
        assert_eq!(
            unescape_python_literal(r#""it\u2019s\nfine""#),
            "it\u{2019}s\nfine"
        );
        assert_eq!(unescape_python_literal(r#""don\\'t""#), "don't");
        assert_eq!(unescape_python_literal(r#""caf\xe9""#), "café");
        assert_eq!(
            unescape_python_literal(r#""odd \q and \x""#),
            r"odd \q and \x"
        );
    }
}
