//! Domain comparison keys: ASCII case folding and the Punycode of RFC 3492 for U-labels, so
//! that `bücher.example`, `BÜCHER.example` and `xn--bcher-kva.example` compare equal (the
//! A-label comparison RFC 9598 §5 asks for).
//!
//! Known limit: a U-label is only lower-cased (Unicode default case mapping) before
//! Punycode encoding, not put through the full IDNA2008 / UTS #46 mapping and NFC
//! normalisation. Labels already in their canonical form — as certificates must carry them —
//! compare correctly.

const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 128;

/// Longest label we encode, in characters. DNS labels have at most 63 octets (RFC 1035
/// §2.3.4); anything longer cannot be a real domain, and the cap bounds the quadratic loop.
const MAX_LABEL_CHARS: usize = 255;

/// The comparison key of a domain: lower-case ASCII, U-labels turned into A-labels.
/// Address literals (`[192.0.2.1]`) are only lower-cased.
pub(crate) fn domain_key(domain: &str) -> String {
    if domain.is_ascii() {
        return domain.to_ascii_lowercase();
    }
    let labels: Vec<String> = domain
        .split('.')
        .map(|label| {
            if label.is_ascii() {
                label.to_ascii_lowercase()
            } else {
                let lower: Vec<char> = label.to_lowercase().chars().collect();
                match punycode_encode(&lower) {
                    Some(encoded) => format!("xn--{encoded}"),
                    // Too long or overflowing: keep the label, which then matches only itself.
                    None => label.to_lowercase(),
                }
            }
        })
        .collect();
    labels.join(".")
}

fn adapt(delta: u32, num_points: u32, first_time: bool) -> u32 {
    let mut delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / num_points.max(1);
    let mut k = 0;
    while delta > ((BASE - T_MIN) * T_MAX) / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn encode_digit(d: u32) -> char {
    // d < 36 by construction of the callers.
    let byte = if d < 26 {
        b'a' + d as u8
    } else {
        b'0' + (d - 26) as u8
    };
    char::from(byte)
}

/// Punycode encoding (RFC 3492 §6.3) of one label; `None` on overflow or an overlong label.
pub(crate) fn punycode_encode(input: &[char]) -> Option<String> {
    if input.len() > MAX_LABEL_CHARS {
        return None;
    }
    let mut output: String = input.iter().filter(|c| c.is_ascii()).collect();
    let basic = u32::try_from(output.len()).ok()?;
    let total = u32::try_from(input.len()).ok()?;
    if basic > 0 {
        output.push('-');
    }
    let mut n = INITIAL_N;
    let mut delta: u32 = 0;
    let mut bias = INITIAL_BIAS;
    let mut handled = basic;
    while handled < total {
        let m = input
            .iter()
            .map(|&c| u32::from(c))
            .filter(|&c| c >= n)
            .min()?;
        delta = delta.checked_add((m - n).checked_mul(handled.checked_add(1)?)?)?;
        n = m;
        for &c in input {
            let c = u32::from(c);
            if c < n {
                delta = delta.checked_add(1)?;
            }
            if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = if k <= bias {
                        T_MIN
                    } else if k >= bias + T_MAX {
                        T_MAX
                    } else {
                        k - bias
                    };
                    if q < t {
                        break;
                    }
                    output.push(encode_digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k = k.checked_add(BASE)?;
                }
                output.push(encode_digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> String {
        punycode_encode(&s.chars().collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn rfc3492_samples() {
        // RFC 3492 §7.1 (A) Arabic (Egyptian).
        assert_eq!(
            enc(
                "\u{0644}\u{064A}\u{0647}\u{0645}\u{0627}\u{0628}\u{062A}\u{0643}\u{0644}\u{0645}\u{0648}\u{0634}\u{0639}\u{0631}\u{0628}\u{064A}\u{061F}"
            ),
            "egbpdaj6bu4bxfgehfvwxn"
        );
        // (B) Chinese (simplified).
        assert_eq!(enc("他们为什么不说中文"), "ihqwcrb4cv8a8dqg056pqjye");
        // (L) 3<nen>B<gumi><kinpachi><sensei>: mixed basic and non-basic code points.
        assert_eq!(enc("3年B組金八先生"), "3B-ww4c5e180e575a65lsy2b");
        assert_eq!(enc("bücher"), "bcher-kva");
        assert_eq!(enc("münchen"), "mnchen-3ya");
    }

    #[test]
    fn domain_keys() {
        assert_eq!(domain_key("Example.COM"), "example.com");
        assert_eq!(domain_key("BÜCHER.example"), "xn--bcher-kva.example");
        assert_eq!(domain_key("xn--BCHER-kva.example"), "xn--bcher-kva.example");
        let long: String = "ü".repeat(300);
        assert_eq!(domain_key(&long), long);
    }
}
