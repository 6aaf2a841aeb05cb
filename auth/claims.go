package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// claimsError is a payload refused while it is decoded, before any claim is read. Its
// reason goes to the server log only, like every refusal.
type claimsError struct{ reason string }

func (e *claimsError) Error() string { return e.reason }

// knownClaims are the payload names this service reads. encoding/json matches names
// case-insensitively and lets the last of two equal names win, so without a check of its
// own {"role":"reporter", …, "ROLE":"admin"} would decode as an admin.
var knownClaims = map[string]string{} // foldKey(name) → name

// numericClaims are NumericDates (RFC 7519 §2): JSON numbers. encoding/json would also
// take a string holding a number for them.
var numericClaims = map[string]bool{"exp": true, "nbf": true, "iat": true}

func init() {
	for _, name := range []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "region", "role", "name"} {
		knownClaims[foldKey(name)] = name
	}
}

// UnmarshalJSON decodes the payload strictly: checkClaimNames first, then the ordinary
// decoding, which can no longer be steered by case or order.
func (tc *tokenClaims) UnmarshalJSON(b []byte) error {
	if err := checkClaimNames(b); err != nil {
		return err
	}
	type plain tokenClaims // the same fields without this method
	return json.Unmarshal(b, (*plain)(tc))
}

// checkClaimNames walks the payload's top-level names and refuses
//   - a name given twice, or two names equal but for case (which one would win?);
//   - a name equal but for case to a claim this service reads ("Region", "ROLE");
//   - exp, nbf or iat that is not a JSON number.
//
// SECURITY: claim names are case-sensitive and unique (RFC 7519 §4: a parser must reject
// duplicates or use the last one; we reject), so what the issuer signed is what we read.
func checkClaimNames(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	t, err := dec.Token()
	if err != nil {
		return &claimsError{"payload is not JSON"}
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return &claimsError{"payload is not a JSON object"}
	}
	seen := map[string]string{} // foldKey(name) → name as sent
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return &claimsError{"payload is not JSON"}
		}
		name, ok := t.(string)
		if !ok {
			return &claimsError{"payload is not a JSON object"}
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return &claimsError{"payload is not JSON"}
		}
		key := foldKey(name)
		if prev, dup := seen[key]; dup {
			if prev == name {
				return &claimsError{fmt.Sprintf("claim %q appears twice", clip(name))}
			}
			return &claimsError{fmt.Sprintf("claims %q and %q differ only in case", clip(prev), clip(name))}
		}
		seen[key] = name
		if known, ok := knownClaims[key]; ok && known != name {
			return &claimsError{fmt.Sprintf("claim %q is not %q: claim names are case-sensitive", clip(name), known)}
		}
		if numericClaims[name] && !isJSONNumber(raw) {
			return &claimsError{fmt.Sprintf("claim %q is not a number", name)}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return &claimsError{"payload is not JSON"}
	}
	return nil
}

// foldKey maps s to one spelling per case-insensitive class, as encoding/json's matching
// sees it: every rune becomes the smallest rune of its Unicode simple-folding orbit (so
// "ROLE", "role" and "ʀole"-like tricks with the Kelvin sign or long s all meet).
func foldKey(s string) string {
	var sb strings.Builder
	sb.Grow(len(s))
	for _, r := range s {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		sb.WriteRune(min)
	}
	return sb.String()
}

// isJSONNumber reports whether raw is a JSON number (not a string, null, or anything else).
func isJSONNumber(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && (raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'))
}

// badSubject says what is wrong with a sub claim, or "" when nothing is.
func badSubject(s string) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is blank"
	case hasControl(s):
		return "contains a control character"
	case hasFormat(s):
		return "contains an invisible format character"
	case !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError):
		return "is not valid UTF-8"
	}
	return ""
}

// hasControl reports whether s holds a control character (C0, DEL or C1): a NUL cannot be
// stored in PostgreSQL text at all, and a newline forges lines in a log.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}

// hasFormat reports whether s holds an invisible format character (Unicode Cf: the bidi
// overrides and isolates U+202A–U+202E and U+2066–U+2069, zero-width U+200B–U+200F, U+FEFF…):
// "王\u202e丽" shows as another name, "\u200b" as none.
func hasFormat(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) })
}
