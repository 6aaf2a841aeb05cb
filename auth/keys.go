package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// The only algorithms this service accepts. Everything else (none, HS384, PS256, EdDSA…)
// is refused by the parser before a key is looked up.
const (
	algHS256 = "HS256"
	algRS256 = "RS256"
	algES256 = "ES256"
)

const (
	// minSecretBytes follows RFC 7518 §3.2: an HS256 key must be at least as long as the
	// hash output.
	minSecretBytes = 32
	minRSABits     = 2048
)

// KeySet holds the keys a token may be signed with: an optional HS256 secret (development
// and the token CLI) and the public keys of an external issuer (RS256, ES256 on P-256).
//
// Every public key has a key id: the kid the JWKS declares, or else its RFC 7638 JWK
// thumbprint (base64url SHA-256), so keys from a PEM file can be told apart too. The HS256
// secret has no kid.
//
// Key selection for a token, by the algorithm family its alg header names:
//   - a kid in the header must name a key of that family, or the token is refused;
//   - without a kid, the family's only key is used;
//   - without a kid and with several keys in the family, the token is refused. Trying each
//     key in turn would also work, but it makes every forged token cost one verification
//     per key and hides a misconfigured issuer; during a key rotation the issuer must send
//     a kid.
//
// A token's jku, x5u, jwk and x5c headers are ignored: keys come from configuration only.
type KeySet struct {
	secret []byte
	public []publicKey
}

type publicKey struct {
	alg string // algRS256 or algES256
	kid string
	key any // *rsa.PublicKey or *ecdsa.PublicKey, the types jwt's Verify methods expect
}

// LoadKeySet builds the key set from configuration (JWT_SECRET and the file named by
// JWT_PUBLIC_KEYS). An empty secret or file name means none.
//
// The secret is used verbatim as the HMAC key (it is not base64-decoded) and must be at
// least 32 bytes. The file holds either PEM blocks ("PUBLIC KEY", "RSA PUBLIC KEY", or
// "CERTIFICATE", whose public key is used and whose dates are not checked) or a JWKS JSON
// document; a file starting with '{' is read as JWKS. Keys in a JWKS whose use is not
// "sig" are skipped.
//
// Refused: private or symmetric keys in the file, RSA keys under 2048 bits, curves other
// than P-256, other key types, two keys with the same kid, and a set with no key at all.
func LoadKeySet(secret string, publicKeysFile string) (*KeySet, error) {
	ks := &KeySet{}
	if secret != "" {
		if len(secret) < minSecretBytes {
			return nil, fmt.Errorf("JWT secret is %d bytes; HS256 needs at least %d (generate one with GenerateSecret)", len(secret), minSecretBytes)
		}
		ks.secret = []byte(secret)
	}
	if publicKeysFile != "" {
		data, err := os.ReadFile(publicKeysFile)
		if err != nil {
			return nil, fmt.Errorf("read JWT public keys: %w", err)
		}
		keys, err := parsePublicKeys(data)
		if err != nil {
			return nil, fmt.Errorf("load JWT public keys from %s: %w", publicKeysFile, err)
		}
		ks.public = keys
	}
	if ks.secret == nil && len(ks.public) == 0 {
		return nil, errors.New("no JWT key configured: set JWT_SECRET or JWT_PUBLIC_KEYS")
	}
	return ks, nil
}

// Methods returns the algorithms the configured keys allow, in the order HS256, RS256,
// ES256. The verifier passes exactly this list to jwt.WithValidMethods: with RSA keys only,
// an HS256 token "signed" with the public key's bytes is refused before any key is
// looked up, and alg "none" is never in the list.
func (ks *KeySet) Methods() []string {
	var methods []string
	if ks == nil {
		return methods
	}
	if len(ks.secret) > 0 {
		methods = append(methods, algHS256)
	}
	for _, alg := range []string{algRS256, algES256} {
		for _, k := range ks.public {
			if k.alg == alg {
				methods = append(methods, alg)
				break
			}
		}
	}
	return methods
}

// String describes the key set for start-up logs without the secret. It has a value
// receiver so that printing a KeySet value, not only a pointer, is redacted too: fmt
// would otherwise print the secret's bytes.
func (ks KeySet) String() string {
	var parts []string
	if len(ks.secret) > 0 {
		parts = append(parts, "HS256 secret")
	}
	for _, k := range ks.public {
		parts = append(parts, k.alg+" kid="+k.kid)
	}
	if len(parts) == 0 {
		return "no keys"
	}
	return strings.Join(parts, ", ")
}

// GoString keeps %#v from printing the secret.
func (ks KeySet) GoString() string { return "auth.KeySet{" + ks.String() + "}" }

// keyError is a refusal decided while choosing a key; Verify reports its reason as is.
type keyError struct{ reason string }

func (e *keyError) Error() string { return e.reason }

// keyFor is the jwt.Keyfunc. The parser has already refused algorithms outside Methods();
// the checks here are repeated so the function is safe on its own.
func (ks *KeySet) keyFor(t *jwt.Token) (any, error) {
	// RFC 7515 §4.1.11: a token with critical extensions we do not implement must be
	// refused.
	if _, ok := t.Header["crit"]; ok {
		return nil, &keyError{"token has critical header parameters"}
	}
	kid, hasKid := "", false
	if v, ok := t.Header["kid"]; ok {
		s, isString := v.(string)
		if !isString {
			return nil, &keyError{"kid header is not a string"}
		}
		kid, hasKid = s, true
	}

	var alg string
	// Compare the method values, not only their names: the name came from the token.
	switch t.Method {
	case jwt.SigningMethodHS256:
		if len(ks.secret) == 0 {
			return nil, &keyError{"no HS256 key configured"}
		}
		if hasKid {
			return nil, &keyError{fmt.Sprintf("unknown key id %q for HS256", clip(kid))}
		}
		return ks.secret, nil
	case jwt.SigningMethodRS256:
		alg = algRS256
	case jwt.SigningMethodES256:
		alg = algES256
	default:
		return nil, &keyError{"signing algorithm not accepted"}
	}

	var found []publicKey
	for _, k := range ks.public {
		if k.alg == alg && (!hasKid || k.kid == kid) {
			found = append(found, k)
		}
	}
	switch {
	case len(found) == 1:
		return found[0].key, nil
	case hasKid:
		// Kids are unique per algorithm (checked at load), so this is "none found".
		return nil, &keyError{fmt.Sprintf("unknown key id %q for %s", clip(kid), alg)}
	case len(found) == 0:
		return nil, &keyError{"no " + alg + " key configured"}
	default:
		return nil, &keyError{fmt.Sprintf("token has no kid and %d %s keys are configured", len(found), alg)}
	}
}

// parsePublicKeys reads a PEM or JWKS document.
func parsePublicKeys(data []byte) ([]publicKey, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a BOM from a Windows editor
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("file is empty")
	}
	var (
		keys []publicKey
		err  error
	)
	if trimmed[0] == '{' {
		keys, err = parseJWKS(trimmed)
	} else {
		keys, err = parsePEM(trimmed)
	}
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	for _, k := range keys {
		id := k.alg + " " + k.kid
		if seen[id] {
			return nil, fmt.Errorf("two %s keys have the kid %q (or the same key appears twice)", k.alg, k.kid)
		}
		seen[id] = true
	}
	return keys, nil
}

func parsePEM(data []byte) ([]publicKey, error) {
	var keys []publicKey
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		k, err := pemPublicKey(block)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM block and not a JWKS document")
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, errors.New("unreadable text after the last PEM block")
	}
	return keys, nil
}

func pemPublicKey(block *pem.Block) (publicKey, error) {
	var (
		pub any
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		cert, err = x509.ParseCertificate(block.Bytes)
		if err == nil {
			pub = cert.PublicKey
		}
	default:
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return publicKey{}, errors.New("a private key; give the service the public key only")
		}
		return publicKey{}, errors.New("unsupported PEM block type; want PUBLIC KEY, RSA PUBLIC KEY or CERTIFICATE")
	}
	if err != nil {
		return publicKey{}, err
	}
	alg, err := checkPublicKey(pub)
	if err != nil {
		return publicKey{}, err
	}
	return publicKey{alg: alg, kid: thumbprint(pub), key: pub}, nil
}

// checkPublicKey returns the algorithm the key is used with, or why it is refused.
func checkPublicKey(pub any) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < minRSABits {
			return "", fmt.Errorf("RSA key is %d bits; at least %d required", bits, minRSABits)
		}
		if k.N.Bit(0) == 0 || k.E < 3 || k.E%2 == 0 {
			return "", errors.New("RSA key is invalid")
		}
		return algRS256, nil
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", fmt.Errorf("ECDSA key is on %s; only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		return algES256, nil
	default:
		return "", fmt.Errorf("unsupported key type %T; want RSA or ECDSA P-256", pub)
	}
}

// jwk holds the JWK members this service reads (RFC 7517, RFC 7518 §6).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`

	// Private members (RFC 7518 §6.2.2, §6.3.2): present means the wrong file.
	D   json.RawMessage `json:"d"`
	P   json.RawMessage `json:"p"`
	Q   json.RawMessage `json:"q"`
	DP  json.RawMessage `json:"dp"`
	DQ  json.RawMessage `json:"dq"`
	QI  json.RawMessage `json:"qi"`
	Oth json.RawMessage `json:"oth"`
}

func parseJWKS(data []byte) ([]publicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, fmt.Errorf("read JWKS: %w", err)
	}
	if len(set.Keys) == 0 {
		return nil, errors.New("JWKS has no keys")
	}
	var keys []publicKey
	for i, j := range set.Keys {
		if j.Use != "" && j.Use != "sig" {
			continue // an encryption key published alongside the signing keys
		}
		k, err := jwkPublicKey(j)
		if err != nil {
			name := fmt.Sprintf("JWKS key %d", i+1)
			if j.Kid != "" {
				name += fmt.Sprintf(" (kid %q)", j.Kid)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("JWKS has no signing keys")
	}
	return keys, nil
}

func jwkPublicKey(j jwk) (publicKey, error) {
	for _, m := range []json.RawMessage{j.D, j.P, j.Q, j.DP, j.DQ, j.QI, j.Oth} {
		if len(m) > 0 {
			return publicKey{}, errors.New("a private key; publish the public members only")
		}
	}
	var (
		pub any
		err error
	)
	switch j.Kty {
	case "RSA":
		if j.Alg != "" && j.Alg != algRS256 {
			return publicKey{}, fmt.Errorf("alg %q is not supported; want RS256", j.Alg)
		}
		pub, err = jwkRSA(j)
	case "EC":
		if j.Alg != "" && j.Alg != algES256 {
			return publicKey{}, fmt.Errorf("alg %q is not supported; want ES256", j.Alg)
		}
		pub, err = jwkEC(j)
	case "oct":
		return publicKey{}, errors.New("a symmetric (oct) key; put an HS256 secret in JWT_SECRET instead")
	case "":
		return publicKey{}, errors.New("kty is missing")
	default:
		return publicKey{}, fmt.Errorf("kty %q is not supported; want RSA or EC", j.Kty)
	}
	if err != nil {
		return publicKey{}, err
	}
	alg, err := checkPublicKey(pub)
	if err != nil {
		return publicKey{}, err
	}
	kid := j.Kid
	if kid == "" {
		kid = thumbprint(pub)
	}
	return publicKey{alg: alg, kid: kid, key: pub}, nil
}

func jwkRSA(j jwk) (*rsa.PublicKey, error) {
	n, err := b64Member("n", j.N)
	if err != nil {
		return nil, err
	}
	e, err := b64Member("e", j.E)
	if err != nil {
		return nil, err
	}
	// crypto/rsa takes the exponent as an int and refuses anything above 2^31-1.
	if len(e) > 4 {
		return nil, errors.New("RSA exponent e is too large")
	}
	eInt := new(big.Int).SetBytes(e)
	if !eInt.IsInt64() || eInt.Int64() > 1<<31-1 {
		return nil, errors.New("RSA exponent e is too large")
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(eInt.Int64())}, nil
}

func jwkEC(j jwk) (*ecdsa.PublicKey, error) {
	if j.Crv != "P-256" {
		return nil, fmt.Errorf("crv %q is not supported; only P-256 (ES256)", j.Crv)
	}
	x, err := b64Member("x", j.X)
	if err != nil {
		return nil, err
	}
	y, err := b64Member("y", j.Y)
	if err != nil {
		return nil, err
	}
	// RFC 7518 §6.2.1.2: the coordinates are the full field size, 32 bytes for P-256.
	if len(x) != 32 || len(y) != 32 {
		return nil, errors.New("EC coordinates x and y must be 32 bytes each for P-256")
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, errors.New("EC point is not on P-256")
	}
	return pub, nil
}

func b64Member(name, s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("member %q is missing", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("member %q is not base64url without padding", name)
	}
	return b, nil
}

// thumbprint is the RFC 7638 JWK thumbprint of a checked RSA or P-256 key.
func thumbprint(pub any) string {
	enc := base64.RawURLEncoding.EncodeToString
	var canonical string
	switch k := pub.(type) {
	case *rsa.PublicKey:
		// Members in lexicographic order, no whitespace; base64url needs no JSON escaping.
		e := big.NewInt(int64(k.E)).Bytes()
		canonical = `{"e":"` + enc(e) + `","kty":"RSA","n":"` + enc(k.N.Bytes()) + `"}`
	case *ecdsa.PublicKey:
		b, err := k.Bytes() // 0x04 || X || Y, each 32 bytes on P-256
		if err != nil || len(b) != 65 {
			return ""
		}
		canonical = `{"crv":"P-256","kty":"EC","x":"` + enc(b[1:33]) + `","y":"` + enc(b[33:]) + `"}`
	default:
		return ""
	}
	sum := sha256.Sum256([]byte(canonical))
	return enc(sum[:])
}
