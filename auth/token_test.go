package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIssuer   = "https://sso.example.gov.cn/realms/market"
	testAudience = "planapi"
	testSecret   = "dev-secret-for-tests-0123456789abcdef" // 37 bytes
)

// testNow is a fixed instant; every verifier in these tests reads the clock from it.
var testNow = time.Date(2025, 6, 30, 9, 0, 0, 0, time.FixedZone("CST", 8*60*60))

// MustRSAKey generates an RSA key of the given size.
func MustRSAKey(tb testing.TB, bits int) *rsa.PrivateKey {
	tb.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		tb.Fatalf("generate RSA key: %v", err)
	}
	return k
}

// MustECKey generates an ECDSA key on the given curve.
func MustECKey(tb testing.TB, curve elliptic.Curve) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		tb.Fatalf("generate ECDSA key: %v", err)
	}
	return k
}

// MustPEM encodes keys or certificates as PEM blocks: "PUBLIC KEY" for public keys,
// "PRIVATE KEY" (PKCS #8) for private keys, "CERTIFICATE" for DER certificates.
func MustPEM(tb testing.TB, items ...any) []byte {
	tb.Helper()
	var out []byte
	for _, item := range items {
		var block *pem.Block
		switch v := item.(type) {
		case *pem.Block:
			block = v
		case *rsa.PublicKey, *ecdsa.PublicKey:
			der, err := x509.MarshalPKIXPublicKey(v)
			if err != nil {
				tb.Fatalf("marshal public key: %v", err)
			}
			block = &pem.Block{Type: "PUBLIC KEY", Bytes: der}
		case *rsa.PrivateKey, *ecdsa.PrivateKey:
			der, err := x509.MarshalPKCS8PrivateKey(v)
			if err != nil {
				tb.Fatalf("marshal private key: %v", err)
			}
			block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
		default:
			tb.Fatalf("MustPEM: unsupported %T", item)
		}
		out = append(out, pem.EncodeToMemory(block)...)
	}
	return out
}

// MustCertificate returns a self-signed certificate for key.
func MustCertificate(tb testing.TB, key *rsa.PrivateKey) *pem.Block {
	tb.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sso.example.gov.cn"},
		NotBefore:    testNow.Add(-time.Hour),
		NotAfter:     testNow.Add(365 * 24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatalf("create certificate: %v", err)
	}
	return &pem.Block{Type: "CERTIFICATE", Bytes: der}
}

// JWK returns the public JWK of key as a JSON-ready map, with the kid when not empty.
func JWK(tb testing.TB, key any, kid string) map[string]any {
	tb.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	m := map[string]any{}
	switch k := key.(type) {
	case *rsa.PublicKey:
		m["kty"], m["alg"], m["use"] = "RSA", "RS256", "sig"
		m["n"], m["e"] = enc(k.N.Bytes()), enc(big.NewInt(int64(k.E)).Bytes())
	case *ecdsa.PublicKey:
		b, err := k.Bytes()
		if err != nil {
			tb.Fatalf("encode EC key: %v", err)
		}
		m["kty"], m["crv"] = "EC", "P-256"
		m["x"], m["y"] = enc(b[1:33]), enc(b[33:])
	default:
		tb.Fatalf("JWK: unsupported %T", key)
	}
	if kid != "" {
		m["kid"] = kid
	}
	return m
}

// MustJWKS encodes the given JWKs as a key set document.
func MustJWKS(tb testing.TB, keys ...map[string]any) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		tb.Fatalf("marshal JWKS: %v", err)
	}
	return b
}

// MustWriteFile writes data to a new file in a temporary directory and returns its path.
func MustWriteFile(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatalf("write %s: %v", name, err)
	}
	return path
}

// MustKeySet loads a key set from a secret and, when data is not nil, a key file.
func MustKeySet(tb testing.TB, secret string, file []byte) *KeySet {
	tb.Helper()
	path := ""
	if file != nil {
		path = MustWriteFile(tb, "keys", file)
	}
	ks, err := LoadKeySet(secret, path)
	if err != nil {
		tb.Fatalf("LoadKeySet: %v", err)
	}
	return ks
}

// MustVerifier returns a verifier checking the test issuer and audience, with 30 s leeway
// and the clock at testNow.
func MustVerifier(tb testing.TB, ks *KeySet) *Verifier {
	tb.Helper()
	v, err := NewVerifier(VerifierConfig{
		Keys:     ks,
		Issuer:   testIssuer,
		Audience: testAudience,
		Leeway:   30 * time.Second,
		Now:      func() time.Time { return testNow },
	})
	if err != nil {
		tb.Fatalf("NewVerifier: %v", err)
	}
	return v
}

// claims returns the claims of a valid county clerk's token, changed by the edits.
func claims(edits ...func(jwt.MapClaims)) jwt.MapClaims {
	c := jwt.MapClaims{
		"iss":    testIssuer,
		"aud":    testAudience,
		"sub":    "u-1024",
		"name":   "李娜",
		"region": "410102",
		"role":   "reporter",
		"iat":    testNow.Add(-time.Minute).Unix(),
		"nbf":    testNow.Add(-time.Minute).Unix(),
		"exp":    testNow.Add(time.Hour).Unix(),
	}
	for _, edit := range edits {
		edit(c)
	}
	return c
}

func with(name string, value any) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) { c[name] = value }
}

func without(name string) func(jwt.MapClaims) {
	return func(c jwt.MapClaims) { delete(c, name) }
}

// MustSign signs c with key; a non-empty kid goes into the header.
func MustSign(tb testing.TB, method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
	tb.Helper()
	tok := jwt.NewWithClaims(method, c)
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		tb.Fatalf("sign %s token: %v", method.Alg(), err)
	}
	return s
}

// segment base64url-encodes v as JSON, as a JWT header or payload.
func segment(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal segment: %v", err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tamper rewrites the payload of a signed token and keeps its signature.
func tamper(tb testing.TB, token, old, replacement string) string {
	tb.Helper()
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		tb.Fatalf("decode payload: %v", err)
	}
	if !strings.Contains(string(payload), old) {
		tb.Fatalf("payload %s does not contain %s", payload, old)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), old, replacement, 1)))
	return strings.Join(parts, ".")
}

func TestVerify(t *testing.T) {
	secret := []byte(testSecret)
	rsaJan := MustRSAKey(t, 2048)
	rsaJul := MustRSAKey(t, 2048)
	ecKey := MustECKey(t, elliptic.P256())
	rsaPEM := MustPEM(t, &rsaJan.PublicKey)

	var (
		// Development: the shared secret only.
		hsOnly = MustVerifier(t, MustKeySet(t, testSecret, nil))
		// An identity provider mid-rotation: two RSA keys, told apart by kid.
		jwks = MustVerifier(t, MustKeySet(t, "", MustJWKS(t,
			JWK(t, &rsaJan.PublicKey, "rsa-2025-01"),
			JWK(t, &rsaJul.PublicKey, "rsa-2025-07"),
		)))
		ecPEM   = MustVerifier(t, MustKeySet(t, "", MustPEM(t, &ecKey.PublicKey)))
		rsaOnly = MustVerifier(t, MustKeySet(t, "", rsaPEM))
		both    = MustVerifier(t, MustKeySet(t, testSecret, rsaPEM))
	)
	unchecked, err := NewVerifier(VerifierConfig{
		Keys: MustKeySet(t, testSecret, nil),
		Now:  func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}
	generousLeeway, err := NewVerifier(VerifierConfig{
		Keys:   MustKeySet(t, testSecret, nil),
		Leeway: 10 * time.Minute, // capped at a minute
		Now:    func() time.Time { return testNow },
	})
	if err != nil {
		t.Fatal(err)
	}

	hs := func(c jwt.MapClaims) string { return MustSign(t, jwt.SigningMethodHS256, secret, "", c) }
	noneHeader := segment(t, map[string]string{"alg": "none", "typ": "JWT"})
	validHS := hs(claims())

	reporter := Claims{
		Subject:   "u-1024",
		Region:    "410102",
		Name:      "李娜",
		Role:      RoleReporter,
		ExpiresAt: testNow.Add(time.Hour).Truncate(time.Second),
	}

	tests := []struct {
		name     string
		verifier *Verifier
		token    string
		want     *Claims // nil: the token must be refused
		reason   string  // part of the refusal's message
	}{
		{name: "OK_HS256", verifier: hsOnly, token: validHS, want: &reporter},
		{name: "OK_RS256FromJWKSWithKid", verifier: jwks,
			token: MustSign(t, jwt.SigningMethodRS256, rsaJul, "rsa-2025-07", claims()), want: &reporter},
		{name: "OK_ES256FromPEM", verifier: ecPEM,
			token: MustSign(t, jwt.SigningMethodES256, ecKey, "", claims()), want: &reporter},
		{name: "OK_RS256WithSecretAlsoConfigured", verifier: both,
			token: MustSign(t, jwt.SigningMethodRS256, rsaJan, "", claims()), want: &reporter},
		{name: "OK_ExpiredWithinLeeway", verifier: hsOnly,
			token: hs(claims(with("exp", testNow.Add(-20*time.Second).Unix()))),
			want: &Claims{Subject: "u-1024", Region: "410102", Name: "李娜", Role: RoleReporter,
				ExpiresAt: testNow.Add(-20 * time.Second)}},
		{name: "OK_IssAndAudNotConfigured", verifier: unchecked,
			token: hs(claims(without("iss"), without("aud"), without("name"), with("role", "reviewer"), with("region", "410100"))),
			want:  &Claims{Subject: "u-1024", Region: "410100", Role: RoleReviewer, ExpiresAt: reporter.ExpiresAt}},

		{name: "ErrRS256UnknownKid", verifier: jwks,
			token:  MustSign(t, jwt.SigningMethodRS256, rsaJul, "rsa-2099-01", claims()),
			reason: `unknown key id "rsa-2099-01"`},
		{name: "ErrRS256NoKidWithSeveralKeys", verifier: jwks,
			token:  MustSign(t, jwt.SigningMethodRS256, rsaJul, "", claims()),
			reason: "no kid and 2 RS256 keys"},
		{name: "ErrRS256KidOfAnotherKey", verifier: jwks,
			token:  MustSign(t, jwt.SigningMethodRS256, rsaJul, "rsa-2025-01", claims()),
			reason: "invalid signature"},
		{name: "ErrES256UnknownKidOnPEMKey", verifier: ecPEM,
			token:  MustSign(t, jwt.SigningMethodES256, ecKey, "some-kid", claims()),
			reason: "unknown key id"},
		{name: "ErrAlgNone", verifier: hsOnly,
			token:  noneHeader + "." + segment(t, claims()) + ".",
			reason: `algorithm "none" not accepted`},
		{name: "ErrAlgNoneWithPublicKeys", verifier: both,
			token:  noneHeader + "." + segment(t, claims(with("role", "admin"))) + ".",
			reason: `algorithm "none" not accepted`},
		{name: "ErrHS256WrongSecret", verifier: hsOnly,
			token:  MustSign(t, jwt.SigningMethodHS256, []byte("another-secret-another-secret-another"), "", claims()),
			reason: "invalid signature"},
		{name: "ErrHS512", verifier: hsOnly,
			token:  MustSign(t, jwt.SigningMethodHS512, secret, "", claims()),
			reason: `algorithm "HS512" not accepted`},
		{name: "ErrRS256WhenOnlySecretConfigured", verifier: hsOnly,
			token:  MustSign(t, jwt.SigningMethodRS256, rsaJan, "", claims()),
			reason: `algorithm "RS256" not accepted`},
		// The key-confusion attack: the attacker knows the public key and uses its PEM
		// bytes as an HMAC secret, hoping the verifier hands the same bytes to HS256.
		{name: "ErrKeyConfusionRSAOnly", verifier: rsaOnly,
			token:  MustSign(t, jwt.SigningMethodHS256, rsaPEM, "", claims(with("role", "admin"))),
			reason: `algorithm "HS256" not accepted`},
		{name: "ErrKeyConfusionSecretAndRSA", verifier: both,
			token:  MustSign(t, jwt.SigningMethodHS256, rsaPEM, "", claims(with("role", "admin"))),
			reason: "invalid signature"},
		{name: "ErrHS256WithKid", verifier: hsOnly,
			token:  MustSign(t, jwt.SigningMethodHS256, secret, "k1", claims()),
			reason: "unknown key id"},
		{name: "ErrCriticalHeader", verifier: hsOnly,
			token: func() string {
				tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims())
				tok.Header["crit"] = []string{"exp"}
				s, err := tok.SignedString(secret)
				if err != nil {
					t.Fatal(err)
				}
				return s
			}(),
			reason: "critical header"},

		{name: "ErrExpired", verifier: hsOnly,
			token: hs(claims(with("exp", testNow.Add(-5*time.Minute).Unix()))), reason: "token expired"},
		{name: "ErrExpiredBeyondCappedLeeway", verifier: generousLeeway,
			token: hs(claims(with("exp", testNow.Add(-2*time.Minute).Unix()))), reason: "token expired"},
		{name: "ErrNotBeforeInFuture", verifier: hsOnly,
			token: hs(claims(with("nbf", testNow.Add(2*time.Minute).Unix()))), reason: "not valid yet"},
		{name: "ErrIssuedInFuture", verifier: hsOnly,
			token: hs(claims(with("iat", testNow.Add(2*time.Minute).Unix()))), reason: "issued in the future"},
		{name: "ErrNoExp", verifier: hsOnly, token: hs(claims(without("exp"))), reason: "no exp claim"},
		{name: "ErrWrongAudience", verifier: hsOnly,
			token: hs(claims(with("aud", []string{"another-service"}))), reason: "wrong audience"},
		{name: "ErrMissingAudience", verifier: hsOnly, token: hs(claims(without("aud"))), reason: "no aud claim"},
		{name: "ErrWrongIssuer", verifier: hsOnly,
			token: hs(claims(with("iss", "https://evil.example.com"))), reason: "wrong issuer"},
		{name: "ErrMissingIssuer", verifier: hsOnly, token: hs(claims(without("iss"))), reason: "no iss claim"},

		{name: "ErrTamperedPayload", verifier: hsOnly,
			token: tamper(t, validHS, `"role":"reporter"`, `"role":"admin"`), reason: "invalid signature"},
		{name: "ErrTamperedPayloadRS256", verifier: jwks,
			token: tamper(t, MustSign(t, jwt.SigningMethodRS256, rsaJul, "rsa-2025-07", claims()),
				`"region":"410102"`, `"region":"410000"`),
			reason: "invalid signature"},
		{name: "ErrUnknownRole", verifier: hsOnly,
			token: hs(claims(with("role", "superuser"))), reason: `unknown role "superuser"`},
		{name: "ErrRoleWrongCase", verifier: hsOnly,
			token: hs(claims(with("role", "Admin"))), reason: `unknown role "Admin"`},
		{name: "ErrMissingRole", verifier: hsOnly, token: hs(claims(without("role"))), reason: "no role claim"},
		{name: "ErrMissingRegion", verifier: hsOnly, token: hs(claims(without("region"))), reason: "no region claim"},
		{name: "ErrRegionNotString", verifier: hsOnly,
			token: hs(claims(with("region", 410102))), reason: `claim "region" has the wrong type`},
		{name: "ErrRegionNotACode", verifier: hsOnly,
			token: hs(claims(with("region", "410102;410000"))), reason: "not a six-digit region code"},
		{name: "ErrMissingSub", verifier: hsOnly, token: hs(claims(without("sub"))), reason: "no sub claim"},
		{name: "ErrEmptySub", verifier: hsOnly, token: hs(claims(with("sub", ""))), reason: "no sub claim"},

		{name: "ErrEmptyString", verifier: hsOnly, token: "", reason: "no token"},
		{name: "ErrGarbage", verifier: hsOnly, token: "abc", reason: "malformed token"},
		{name: "ErrGarbageThreeSegments", verifier: hsOnly, token: "a.b.c", reason: "malformed token"},
		{name: "ErrBearerPrefixLeftOn", verifier: hsOnly, token: "Bearer " + validHS, reason: "malformed token"},
		{name: "ErrPaddedSegments", verifier: hsOnly,
			token: strings.Replace(validHS, ".", "=.", 1), reason: "malformed token"},
		{name: "ErrTooLarge", verifier: hsOnly,
			token: hs(claims(with("name", strings.Repeat("x", 10_000)))), reason: "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.verifier.Verify(tc.token)
			if tc.want != nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.Subject != tc.want.Subject || got.Region != tc.want.Region || got.Name != tc.want.Name ||
					got.Role != tc.want.Role || !got.ExpiresAt.Equal(tc.want.ExpiresAt) {
					t.Errorf("Verify = %+v, want %+v", *got, *tc.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", *got)
			}
			if got != nil {
				t.Errorf("Verify returned claims with an error: %+v", *got)
			}
			if !errors.Is(err, ErrUnauthenticated) {
				t.Errorf("error %q does not wrap ErrUnauthenticated", err)
			}
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q, want it to say %q", err, tc.reason)
			}
			if len(tc.token) > 8 && strings.Contains(err.Error(), tc.token) {
				t.Errorf("error repeats the token")
			}
		})
	}
}

func TestVerifyClaimsPrincipal(t *testing.T) {
	v := MustVerifier(t, MustKeySet(t, testSecret, nil))
	got, err := v.Verify(MustSign(t, jwt.SigningMethodHS256, []byte(testSecret), "", claims(with("role", "admin"), with("region", "410100"))))
	if err != nil {
		t.Fatal(err)
	}
	want := Principal{Subject: "u-1024", Name: "李娜", Role: RoleAdmin, Region: "410100"}
	if p := got.Principal(); *p != want {
		t.Errorf("Principal() = %+v, want %+v", *p, want)
	}
}

func TestNewVerifier(t *testing.T) {
	ks := MustKeySet(t, testSecret, nil)
	tests := []struct {
		name string
		cfg  VerifierConfig
		err  string
	}{
		{name: "OK", cfg: VerifierConfig{Keys: ks}},
		{name: "ErrNoKeySet", cfg: VerifierConfig{}, err: "no key set"},
		{name: "ErrEmptyKeySet", cfg: VerifierConfig{Keys: &KeySet{}}, err: "no keys"},
		{name: "ErrNegativeLeeway", cfg: VerifierConfig{Keys: ks, Leeway: -time.Second}, err: "negative"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewVerifier(tc.cfg)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("NewVerifier: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("NewVerifier error = %v, want it to say %q", err, tc.err)
			}
		})
	}
}

func TestLoadKeySet(t *testing.T) {
	rsa1 := MustRSAKey(t, 2048)
	rsa2 := MustRSAKey(t, 2048)
	ec1 := MustECKey(t, elliptic.P256())
	rsaPEM := MustPEM(t, &rsa1.PublicKey)

	tests := []struct {
		name    string
		secret  string
		file    []byte // nil: no file configured
		path    string // overrides the written file's path
		methods []string
		err     string // part of the error; "" = success
	}{
		{name: "OK_SecretOnly", secret: testSecret, methods: []string{"HS256"}},
		{name: "OK_PEMTwoKeys", file: MustPEM(t, &rsa1.PublicKey, &ec1.PublicKey), methods: []string{"RS256", "ES256"}},
		{name: "OK_PEMTwoRSAKeys", file: MustPEM(t, &rsa1.PublicKey, &rsa2.PublicKey), methods: []string{"RS256"}},
		{name: "OK_PKCS1AndCertificate", file: append(
			pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&rsa1.PublicKey)}),
			pem.EncodeToMemory(MustCertificate(t, rsa2))...),
			methods: []string{"RS256"}},
		{name: "OK_PEMWithCommentsAndCRLF", file: []byte("# issuer key, rotated 2025-01\r\n" +
			strings.ReplaceAll(string(rsaPEM), "\n", "\r\n")), methods: []string{"RS256"}},
		{name: "OK_JWKS", file: MustJWKS(t,
			JWK(t, &rsa1.PublicKey, "rsa-1"),
			JWK(t, &ec1.PublicKey, ""),
			// An encryption key published alongside is skipped, not refused.
			map[string]any{"kty": "RSA", "use": "enc", "alg": "RSA-OAEP", "kid": "enc-1", "n": "AQAB", "e": "AQAB"},
		), methods: []string{"RS256", "ES256"}},
		{name: "OK_SecretAndJWKS", secret: testSecret, file: MustJWKS(t, JWK(t, &ec1.PublicKey, "ec")),
			methods: []string{"HS256", "ES256"}},

		{name: "ErrNothingConfigured", err: "no JWT key configured: set JWT_SECRET or JWT_PUBLIC_KEYS"},
		{name: "ErrShortSecret", secret: "only-31-bytes-xxxxxxxxxxxxxxxxx", err: "at least 32"},
		{name: "ErrPrivateKeyPKCS8", file: MustPEM(t, rsa1), err: "private key"},
		{name: "ErrPrivateKeyAfterPublic", file: MustPEM(t, &rsa1.PublicKey, ec1), err: "PEM block 2 (PRIVATE KEY): a private key"},
		{name: "ErrRSAPrivateKeyPKCS1", file: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY",
			Bytes: x509.MarshalPKCS1PrivateKey(rsa1)}), err: "private key"},
		{name: "ErrJWKSPrivateKey", file: MustJWKS(t, func() map[string]any {
			m := JWK(t, &rsa1.PublicKey, "rsa-1")
			m["d"] = base64.RawURLEncoding.EncodeToString(rsa1.D.Bytes())
			return m
		}()), err: "private key"},
		{name: "ErrJWKSSymmetricKey", file: []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`), err: "symmetric"},
		{name: "ErrRSA1024", file: MustPEM(t, &MustRSAKey(t, 1024).PublicKey), err: "1024 bits; at least 2048"},
		{name: "ErrJWKSRSA1024", file: MustJWKS(t, JWK(t, &MustRSAKey(t, 1024).PublicKey, "small")), err: "at least 2048"},
		{name: "ErrP384", file: MustPEM(t, &MustECKey(t, elliptic.P384()).PublicKey), err: "only P-256"},
		{name: "ErrJWKSP384", file: []byte(`{"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]}`), err: `crv "P-384"`},
		{name: "ErrJWKSUnsupportedKty", file: []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA"}]}`), err: `kty "OKP"`},
		{name: "ErrJWKSMissingKty", file: []byte(`{"keys":[{"n":"AQAB","e":"AQAB"}]}`), err: "kty is missing"},
		{name: "ErrJWKSUnsupportedAlg", file: MustJWKS(t, func() map[string]any {
			m := JWK(t, &rsa1.PublicKey, "rsa-1")
			m["alg"] = "RS512"
			return m
		}()), err: `alg "RS512"`},
		{name: "ErrJWKSPointNotOnCurve", file: MustJWKS(t, func() map[string]any {
			m := JWK(t, &ec1.PublicKey, "ec")
			m["y"] = m["x"]
			return m
		}()), err: "not on P-256"},
		{name: "ErrJWKSBadBase64", file: []byte(`{"keys":[{"kty":"RSA","n":"not base64!","e":"AQAB"}]}`), err: "base64url"},
		{name: "ErrJWKSNoKeys", file: []byte(`{"keys":[]}`), err: "no keys"},
		{name: "ErrJWKSOnlyEncryptionKeys", file: []byte(`{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}`),
			err: "no signing keys"},
		{name: "ErrJWKSInvalidJSON", file: []byte(`{"keys":[`), err: "read JWKS"},
		{name: "ErrDuplicateKid", file: MustJWKS(t, JWK(t, &rsa1.PublicKey, "k"), JWK(t, &rsa2.PublicKey, "k")),
			err: `kid "k"`},
		{name: "ErrSameKeyTwice", file: MustPEM(t, &rsa1.PublicKey, &rsa1.PublicKey), err: "appears twice"},
		{name: "ErrEmptyFile", file: []byte(" \n"), err: "empty"},
		{name: "ErrNotPEMOrJWKS", file: []byte("ssh-rsa AAAAB3NzaC1yc2E user@host\n"), err: "no PEM block"},
		{name: "ErrTrailingText", file: append(MustPEM(t, &rsa1.PublicKey), "-----BEGIN PUBLIC KEY-----\ntruncated"...),
			err: "after the last PEM block"},
		{name: "ErrUnsupportedPEMType", file: pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{6, 8}}),
			err: "unsupported PEM block type"},
		{name: "ErrFileMissing", path: filepath.Join(t.TempDir(), "missing.pem"), err: "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if tc.file != nil {
				path = MustWriteFile(t, "keys", tc.file)
			}
			ks, err := LoadKeySet(tc.secret, path)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("LoadKeySet accepted it: %v", ks)
				}
				if !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("LoadKeySet error %q, want it to say %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadKeySet: %v", err)
			}
			if got := ks.Methods(); !slices.Equal(got, tc.methods) {
				t.Errorf("Methods() = %v, want %v", got, tc.methods)
			}
		})
	}
}

// With two PEM keys and no kids in the file, each key answers to its RFC 7638 thumbprint.
func TestPEMKeysAreNamedByThumbprint(t *testing.T) {
	rsa1, rsa2 := MustRSAKey(t, 2048), MustRSAKey(t, 2048)
	v := MustVerifier(t, MustKeySet(t, "", MustPEM(t, &rsa1.PublicKey, &rsa2.PublicKey)))

	kid := thumbprint(&rsa2.PublicKey)
	if _, err := v.Verify(MustSign(t, jwt.SigningMethodRS256, rsa2, kid, claims())); err != nil {
		t.Errorf("token with the thumbprint kid: %v", err)
	}
	if _, err := v.Verify(MustSign(t, jwt.SigningMethodRS256, rsa2, "", claims())); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("token without kid: err = %v, want refusal", err)
	}
}

func TestThumbprintRFC7638Example(t *testing.T) {
	// RFC 7638 §3.1.
	n, err := base64.RawURLEncoding.DecodeString("0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw")
	if err != nil {
		t.Fatal(err)
	}
	got := thumbprint(&rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537})
	if want := "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"; got != want {
		t.Errorf("thumbprint = %s, want %s", got, want)
	}
}

func TestKeySetPrintingHidesSecret(t *testing.T) {
	ks := MustKeySet(t, testSecret, nil)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		for _, arg := range []any{ks, *ks} {
			if out := fmt.Sprintf(format, arg); strings.Contains(out, testSecret) ||
				strings.Contains(out, fmt.Sprintf("%x", testSecret)) || strings.Contains(out, "100 101 118") {
				t.Errorf("Sprintf(%q, %T) = %s: shows the secret", format, arg, out)
			}
		}
	}
}

func TestMintVerifyRoundTrip(t *testing.T) {
	secret, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 43 {
		t.Fatalf("GenerateSecret() is %d characters, want 43", len(secret))
	}
	v := MustVerifier(t, MustKeySet(t, secret, nil))
	mc := MintClaims{Subject: "u-7", Region: "410185", Name: "王强", Role: RoleReporter,
		Issuer: testIssuer, Audience: testAudience}

	token, err := Mint([]byte(secret), mc, 8*time.Hour, testNow)
	if err != nil {
		t.Fatalf("Mint: %v", err)
	}
	got, err := v.Verify(token)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := Claims{Subject: "u-7", Region: "410185", Name: "王强", Role: RoleReporter, ExpiresAt: testNow.Add(8 * time.Hour)}
	if got.Subject != want.Subject || got.Region != want.Region || got.Name != want.Name ||
		got.Role != want.Role || !got.ExpiresAt.Equal(want.ExpiresAt) {
		t.Errorf("Verify(Mint(...)) = %+v, want %+v", *got, want)
	}

	later, err := NewVerifier(VerifierConfig{Keys: MustKeySet(t, secret, nil), Issuer: testIssuer,
		Audience: testAudience, Now: func() time.Time { return testNow.Add(8*time.Hour + time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := later.Verify(token); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("Verify after expiry: err = %v, want refusal", err)
	}
	other, err := GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	if other == secret {
		t.Errorf("GenerateSecret returned the same secret twice")
	}
}

func TestMintRefuses(t *testing.T) {
	ok := MintClaims{Subject: "u-7", Region: "410185", Role: RoleReporter}
	tests := []struct {
		name   string
		secret string
		claims MintClaims
		ttl    time.Duration
		err    string
	}{
		{name: "ErrShortSecret", secret: "short", claims: ok, ttl: time.Hour, err: "at least 32"},
		{name: "ErrNoSubject", secret: testSecret, claims: MintClaims{Region: "410185", Role: RoleReporter}, ttl: time.Hour, err: "subject"},
		{name: "ErrBadRegion", secret: testSecret, claims: MintClaims{Subject: "u", Region: "4101", Role: RoleReporter}, ttl: time.Hour, err: "region"},
		{name: "ErrUnknownRole", secret: testSecret, claims: MintClaims{Subject: "u", Region: "410185", Role: "root"}, ttl: time.Hour, err: `unknown role "root"`},
		{name: "ErrZeroTTL", secret: testSecret, claims: ok, err: "lifetime"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token, err := Mint([]byte(tc.secret), tc.claims, tc.ttl, testNow)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("Mint = %q, %v; want an error saying %q", token, err, tc.err)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	for _, r := range Roles() {
		got, err := ParseRole(string(r))
		if err != nil || got != r {
			t.Errorf("ParseRole(%q) = %q, %v", r, got, err)
		}
	}
	for _, s := range []string{"", "Reporter", "root", " admin"} {
		if _, err := ParseRole(s); err == nil {
			t.Errorf("ParseRole(%q) accepted it", s)
		}
	}
	roles := Roles()
	roles[0] = "mutated"
	if Roles()[0] != RoleReporter {
		t.Errorf("Roles() shares its backing array")
	}
}

func TestPrincipalContext(t *testing.T) {
	ctx := context.Background()
	if p, ok := FromContext(ctx); ok || p != nil {
		t.Errorf("FromContext(empty) = %v, %v", p, ok)
	}
	if p, ok := FromContext(WithPrincipal(ctx, nil)); ok || p != nil {
		t.Errorf("FromContext(nil principal) = %v, %v", p, ok)
	}
	want := &Principal{Subject: "u-1", Role: RoleReviewer, Region: "410100"}
	if p, ok := FromContext(WithPrincipal(ctx, want)); !ok || p != want {
		t.Errorf("FromContext = %v, %v; want %v", p, ok, want)
	}
}

// signRawHS256 signs a payload given as raw JSON text, so a test can send what no encoder
// would write: a claim twice, names differing in case, exp as a string.
func signRawHS256(tb testing.TB, payload string) string {
	tb.Helper()
	if !json.Valid([]byte(payload)) {
		tb.Fatalf("test payload is not JSON: %s", payload)
	}
	head := segment(tb, map[string]string{"alg": "HS256", "typ": "JWT"})
	signing := head + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	sig, err := jwt.SigningMethodHS256.Sign(signing, []byte(testSecret))
	if err != nil {
		tb.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// rawClaims writes the valid clerk's claims as JSON text in a fixed order, each value
// replaced or dropped as edits say ("" drops it), then the extra name/value pairs appended
// as given (values are raw JSON).
func rawClaims(edits map[string]string, extra ...string) string {
	c := claims()
	var parts []string
	for _, name := range []string{"iss", "aud", "sub", "name", "region", "role", "iat", "nbf", "exp"} {
		v, _ := json.Marshal(c[name])
		raw := string(v)
		if e, ok := edits[name]; ok {
			raw = e
		}
		if raw != "" {
			parts = append(parts, fmt.Sprintf("%q:%s", name, raw))
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		parts = append(parts, fmt.Sprintf("%q:%s", extra[i], extra[i+1]))
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// TestClaimsStrict: the payload is read as the issuer wrote it, or not at all. encoding/json
// alone matches names case-insensitively, keeps the last of two equal names and takes a
// numeric string as a number; each of those is refused here, as are a blank or
// control-character sub and a lifetime beyond the configured maximum.
func TestClaimsStrict(t *testing.T) {
	ks := MustKeySet(t, testSecret, nil)
	strict := MustVerifier(t, ks)
	capped, err := NewVerifier(VerifierConfig{Keys: ks, Issuer: testIssuer, Audience: testAudience,
		Leeway: 30 * time.Second, MaxTTL: 24 * time.Hour, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	unix := func(d time.Duration) string { return fmt.Sprint(testNow.Add(d).Unix()) }
	str := func(d time.Duration) string { return fmt.Sprintf("%q", unix(d)) }

	tests := []struct {
		name     string
		verifier *Verifier
		payload  string
		reason   string // "" = accepted
	}{
		{name: "OK", verifier: strict, payload: rawClaims(nil)},
		{name: "OK_UnknownClaimsIgnored", verifier: strict, payload: rawClaims(nil, "jti", `"abc"`, "scope", `["read"]`)},
		{name: "OK_WithinMaxLifetime", verifier: capped, payload: rawClaims(map[string]string{"exp": unix(23 * time.Hour)})},
		{name: "OK_NoIatWithinMaxLifetime", verifier: capped, payload: rawClaims(map[string]string{"iat": "", "exp": unix(23 * time.Hour)})},

		// The token: a reporter of 410102 that encoding/json would read as admin of 410100.
		{name: "ErrCaseVariantsAfterClaims", verifier: strict,
			payload: rawClaims(nil, "Region", `"410100"`, "ROLE", `"admin"`), reason: "differ only in case"},
		{name: "ErrCaseVariantAlone", verifier: strict,
			payload: rawClaims(map[string]string{"role": ""}, "ROLE", `"admin"`), reason: "case-sensitive"},
		{name: "ErrCaseVariantExp", verifier: strict,
			payload: rawClaims(map[string]string{"exp": ""}, "EXP", unix(time.Hour)), reason: "case-sensitive"},
		{name: "ErrLongSVariantOfSub", verifier: strict, // U+017F folds to s in encoding/json
			payload: rawClaims(map[string]string{"sub": ""}, "\u017fub", `"admin"`), reason: "case-sensitive"},
		{name: "ErrKelvinVariantOfUnknown", verifier: strict, // U+212A folds to k
			payload: rawClaims(nil, "key", `1`, "\u212aey", `2`), reason: "differ only in case"},
		{name: "ErrDuplicateRole", verifier: strict,
			payload: rawClaims(nil, "role", `"admin"`), reason: `"role" appears twice`},
		{name: "ErrDuplicateRegion", verifier: strict,
			payload: rawClaims(nil, "region", `"410100"`), reason: `"region" appears twice`},
		{name: "ErrDuplicateExp", verifier: strict,
			payload: rawClaims(nil, "exp", unix(48*time.Hour)), reason: `"exp" appears twice`},
		{name: "ErrDuplicateUnknown", verifier: strict,
			payload: rawClaims(nil, "x", `1`, "x", `2`), reason: `"x" appears twice`},

		{name: "ErrStringExp", verifier: strict, payload: rawClaims(map[string]string{"exp": str(time.Hour)}), reason: `"exp" is not a number`},
		{name: "ErrStringNbf", verifier: strict, payload: rawClaims(map[string]string{"nbf": str(-time.Minute)}), reason: `"nbf" is not a number`},
		{name: "ErrStringIat", verifier: strict, payload: rawClaims(map[string]string{"iat": str(-time.Minute)}), reason: `"iat" is not a number`},
		{name: "ErrNullExp", verifier: strict, payload: rawClaims(map[string]string{"exp": "null"}), reason: `"exp" is not a number`},
		{name: "ErrBoolIat", verifier: strict, payload: rawClaims(map[string]string{"iat": "true"}), reason: `"iat" is not a number`},

		{name: "ErrBlankSub", verifier: strict, payload: rawClaims(map[string]string{"sub": `"   "`}), reason: "sub claim is blank"},
		{name: "ErrIdeographicSpaceSub", verifier: strict, payload: rawClaims(map[string]string{"sub": `"\u3000"`}), reason: "sub claim is blank"},
		{name: "ErrNULSub", verifier: strict, payload: rawClaims(map[string]string{"sub": `"u-1024\u0000"`}), reason: "control character"},
		{name: "ErrNewlineSub", verifier: strict, payload: rawClaims(map[string]string{"sub": `"u-1024\nlevel=ERROR"`}), reason: "control character"},
		{name: "ErrC1ControlSub", verifier: strict, payload: rawClaims(map[string]string{"sub": `"u\u0085"`}), reason: "control character"},
		{name: "ErrNULName", verifier: strict, payload: rawClaims(map[string]string{"name": `"李\u0000娜"`}), reason: "name claim contains a control character"},
		{name: "ErrBidiOverrideName", verifier: strict, payload: rawClaims(map[string]string{"name": `"王\u202e丽"`}), reason: "name claim contains an invisible format character"},
		{name: "ErrZeroWidthName", verifier: strict, payload: rawClaims(map[string]string{"name": `"\u200b"`}), reason: "name claim contains an invisible format character"},
		{name: "ErrBidiIsolateSub", verifier: strict, payload: rawClaims(map[string]string{"sub": `"u-1024\u2066"`}), reason: "format character"},

		{name: "ErrOverMaxLifetime", verifier: capped, payload: rawClaims(map[string]string{"exp": unix(24*time.Hour + time.Minute)}), reason: "exceeds the maximum"},
		{name: "ErrOverMaxLifetimeNoIat", verifier: capped, payload: rawClaims(map[string]string{"iat": "", "exp": unix(25 * time.Hour)}), reason: "exceeds the maximum"},
		{name: "ErrOverMaxLifetimeIatInPast", verifier: capped, // issued long ago, exp near: still too long a life
			payload: rawClaims(map[string]string{"iat": unix(-30 * time.Hour), "nbf": unix(-30 * time.Hour), "exp": unix(time.Hour)}), reason: "exceeds the maximum"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.verifier.Verify(signRawHS256(t, tc.payload))
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("Verify(%s): %v", tc.payload, err)
				}
				if got.Subject != "u-1024" || got.Role != RoleReporter || got.Region != "410102" {
					t.Errorf("Verify = %+v", *got)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted %s as %+v", tc.payload, *got)
			}
			if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("error %q, want ErrUnauthenticated saying %q", err, tc.reason)
			}
		})
	}

	t.Run("ErrNegativeMaxTTL", func(t *testing.T) {
		if _, err := NewVerifier(VerifierConfig{Keys: ks, MaxTTL: -time.Hour}); err == nil {
			t.Error("NewVerifier accepted a negative maximum lifetime")
		}
	})
	t.Run("MintRefusesWhatVerifyRefuses", func(t *testing.T) {
		for _, sub := range []string{"  ", "u\x00", "u\nv"} {
			if _, err := Mint([]byte(testSecret), MintClaims{Subject: sub, Region: "410102", Role: RoleReporter}, time.Hour, testNow); err == nil {
				t.Errorf("Mint accepted subject %q", sub)
			}
		}
	})
}
