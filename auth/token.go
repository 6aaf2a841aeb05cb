package auth

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrUnauthenticated is wrapped by every error Verify returns. The text after it is a short
// reason meant for the server log; callers should answer the client with a plain
// "unauthenticated" and not the reason, which tells a forger how far they got.
var ErrUnauthenticated = errors.New("unauthenticated")

const (
	// maxLeeway caps the clock skew allowed on exp, nbf and iat. More than a minute is no
	// longer skew but a longer token lifetime nobody chose.
	maxLeeway = 60 * time.Second
	// maxTokenBytes bounds the work spent on a header before anything is verified. Our
	// tokens are a few hundred bytes; an issuer's rarely pass 2 KiB.
	maxTokenBytes = 8 << 10
)

// VerifierConfig configures NewVerifier.
type VerifierConfig struct {
	Keys     *KeySet
	Issuer   string        // required value of iss; "" = not checked
	Audience string        // value aud must contain; "" = not checked
	Leeway   time.Duration // clock skew allowed on exp, nbf and iat; capped at 60s
	// MaxTTL, when positive, is the longest lifetime a token may claim: exp − iat, or
	// exp − now for a token without iat (JWT_MAX_TTL). 0 = no limit.
	MaxTTL time.Duration
	Now    func() time.Time // for tests; nil = time.Now
}

// Claims are what a verified token says about its bearer. The region is well formed but
// not known to exist: the caller checks it against the database.
type Claims struct {
	Subject   string
	Region    string // six-digit GB/T 2260 code
	Name      string // may be empty
	Role      Role
	ExpiresAt time.Time
}

// Principal returns the principal the claims describe.
func (c *Claims) Principal() *Principal {
	return &Principal{Subject: c.Subject, Name: c.Name, Role: c.Role, Region: c.Region}
}

// tokenClaims is the JSON payload, for both Verify and Mint. Region and role must be JSON
// strings: a numeric region fails to decode and the token is refused.
type tokenClaims struct {
	jwt.RegisteredClaims
	Region string `json:"region"`
	Role   string `json:"role"`
	Name   string `json:"name,omitempty"`
}

// Verifier checks bearer tokens. It is safe for concurrent use.
type Verifier struct {
	keys     *KeySet
	methods  []string
	issuer   string
	audience string
	maxTTL   time.Duration
	now      func() time.Time
	parser   *jwt.Parser
}

// NewVerifier returns a verifier accepting tokens signed by cfg.Keys with an algorithm
// from cfg.Keys.Methods(), carrying exp (required), and iss and aud when configured.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Keys == nil {
		return nil, errors.New("new verifier: no key set")
	}
	methods := cfg.Keys.Methods()
	if len(methods) == 0 {
		return nil, errors.New("new verifier: key set has no keys")
	}
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("new verifier: leeway %s is negative", cfg.Leeway)
	}
	if cfg.MaxTTL < 0 {
		return nil, fmt.Errorf("new verifier: maximum lifetime %s is negative", cfg.MaxTTL)
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(methods),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), // refuse tokens issued in the future, beyond the leeway
		jwt.WithLeeway(min(cfg.Leeway, maxLeeway)),
		jwt.WithStrictDecoding(), // one encoding per token: no padding, no stray bits
	}
	if cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(cfg.Issuer)) // a missing iss is refused too
	}
	if cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(cfg.Audience)) // a missing aud is refused too
	}
	now := time.Now
	if cfg.Now != nil {
		now = cfg.Now
		opts = append(opts, jwt.WithTimeFunc(cfg.Now))
	}
	return &Verifier{
		keys:     cfg.Keys,
		methods:  methods,
		issuer:   cfg.Issuer,
		audience: cfg.Audience,
		maxTTL:   cfg.MaxTTL,
		now:      now,
		parser:   jwt.NewParser(opts...),
	}, nil
}

// Verify checks the token's signature and claims and returns the claims. Every error
// wraps ErrUnauthenticated; none repeats the token.
func (v *Verifier) Verify(tokenString string) (*Claims, error) {
	if tokenString == "" {
		return nil, refuse("no token")
	}
	if len(tokenString) > maxTokenBytes {
		return nil, refuse("token is larger than %d bytes", maxTokenBytes)
	}
	var tc tokenClaims
	tok, err := v.parser.ParseWithClaims(tokenString, &tc, v.keys.keyFor)
	if err != nil {
		return nil, refuse("%s", v.reason(tok, &tc, err))
	}
	if !tok.Valid || tc.ExpiresAt == nil { // the parser guarantees both; belt and braces
		return nil, refuse("invalid token")
	}
	if tc.Subject == "" {
		return nil, refuse("token has no sub claim")
	}
	// SECURITY: the subject is written to the audit trail with every change; a blank one
	// names nobody, and a control character (NUL above all) would make every write fail.
	if reason := badSubject(tc.Subject); reason != "" {
		return nil, refuse("sub claim %s", reason)
	}
	if hasControl(tc.Name) {
		return nil, refuse("name claim contains a control character")
	}
	// SECURITY: the name is what the audit trail shows a person: an invisible format
	// character (a bidi override, a zero-width space) would make one name look like another,
	// or like none.
	if hasFormat(tc.Name) {
		return nil, refuse("name claim contains an invisible format character")
	}
	// SECURITY: a token may not outlive the lifetime the operator allows (JWT_MAX_TTL), so a
	// leaked long-lived token is refused even though the issuer signed it.
	if v.maxTTL > 0 {
		from := v.now()
		if tc.IssuedAt != nil {
			from = tc.IssuedAt.Time
		}
		if life := tc.ExpiresAt.Sub(from); life > v.maxTTL {
			return nil, refuse("token lifetime %s exceeds the maximum %s", life.Round(time.Second), v.maxTTL)
		}
	}
	if tc.Region == "" {
		return nil, refuse("token has no region claim")
	}
	if !isRegionCode(tc.Region) {
		return nil, refuse("region claim %q is not a six-digit region code", clip(tc.Region))
	}
	if tc.Role == "" {
		return nil, refuse("token has no role claim")
	}
	role, err := ParseRole(tc.Role)
	if err != nil {
		return nil, refuse("%v", err)
	}
	return &Claims{
		Subject:   tc.Subject,
		Region:    tc.Region,
		Name:      tc.Name,
		Role:      role,
		ExpiresAt: tc.ExpiresAt.Time,
	}, nil
}

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnauthenticated}, args...)...)
}

// reason turns a parser error into a short phrase. The library's own messages are not
// passed on: some wrap decoder errors whose wording we do not control.
func (v *Verifier) reason(tok *jwt.Token, tc *tokenClaims, err error) string {
	var ke *keyError
	var ce *claimsError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &ke):
		return ke.reason
	case errors.As(err, &ce):
		return ce.reason
	case errors.Is(err, jwt.ErrTokenMalformed) && errors.As(err, &typeErr) && typeErr.Field != "":
		return fmt.Sprintf("claim %q has the wrong type", clip(typeErr.Field))
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed token"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		if tok != nil && tok.Method != nil && !slices.Contains(v.methods, tok.Method.Alg()) {
			return fmt.Sprintf("signing algorithm %q not accepted", clip(tok.Method.Alg()))
		}
		return "invalid signature"
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return "signing algorithm missing or unknown"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "token not valid yet"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token issued in the future"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		switch {
		case tc.ExpiresAt == nil:
			return "token has no exp claim"
		case v.issuer != "" && tc.Issuer == "":
			return "token has no iss claim"
		case v.audience != "" && !slices.ContainsFunc(tc.Audience, func(a string) bool { return a != "" }):
			return "token has no aud claim"
		}
		return "token lacks a required claim"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "wrong issuer"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "wrong audience"
	}
	return "invalid token"
}

// isRegionCode reports whether s looks like a GB/T 2260 code: six ASCII digits.
func isRegionCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MintClaims are the claims Mint signs.
type MintClaims struct {
	Subject  string
	Region   string
	Name     string
	Role     Role
	Issuer   string // "" = no iss
	Audience string // "" = no aud
}

// Mint signs an HS256 token valid from now for ttl, for the development server and the
// token CLI. It refuses what Verify would refuse, so a minted token never fails later for
// a reason visible now.
func Mint(secret []byte, c MintClaims, ttl time.Duration, now time.Time) (string, error) {
	if len(secret) < minSecretBytes {
		return "", fmt.Errorf("mint token: secret is %d bytes; HS256 needs at least %d", len(secret), minSecretBytes)
	}
	if c.Subject == "" {
		return "", errors.New("mint token: subject is empty")
	}
	if reason := badSubject(c.Subject); reason != "" {
		return "", fmt.Errorf("mint token: subject %s", reason)
	}
	if hasControl(c.Name) {
		return "", errors.New("mint token: name contains a control character")
	}
	if hasFormat(c.Name) {
		return "", errors.New("mint token: name contains an invisible format character")
	}
	if !isRegionCode(c.Region) {
		return "", fmt.Errorf("mint token: region %q is not a six-digit region code", c.Region)
	}
	if _, err := ParseRole(string(c.Role)); err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	if ttl < time.Second {
		return "", fmt.Errorf("mint token: lifetime %s is under a second", ttl)
	}
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    c.Issuer,
			Subject:   c.Subject,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Region: c.Region,
		Role:   string(c.Role),
		Name:   c.Name,
	}
	if c.Audience != "" {
		claims.Audience = jwt.ClaimStrings{c.Audience}
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("mint token: %w", err)
	}
	return s, nil
}

// GenerateSecret returns 32 random bytes, base64url-encoded (43 characters), for use as
// JWT_SECRET. The encoded string itself is the HMAC key.
func GenerateSecret() (string, error) {
	b := make([]byte, minSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
