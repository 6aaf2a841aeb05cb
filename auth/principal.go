// Package auth verifies tokens, carries the principal in the context, and decides what a
// principal may do: every permission rule is a pure function here (Decide), marked
// SECURITY:, which the store calls. It touches no database and no HTTP beyond the context, and
// no rule of who may see what is written anywhere else.
package auth

import (
	"context"
	"fmt"
	"unicode/utf8"
)

// Role is what a principal does in the plan's supervision cycle. The permission rules
// (permissions.go) decide what each role may read and write; this file only names them.
type Role string

const (
	// RoleReporter is a county bureau clerk who enters and submits the county's figures.
	RoleReporter Role = "reporter"
	// RoleReviewer is a city officer who reviews, returns or accepts submissions.
	RoleReviewer Role = "reviewer"
	// RoleAnalyst reads figures and roll-ups and writes nothing.
	RoleAnalyst Role = "analyst"
	// RoleAdmin maintains the plan, the regions and the accounts.
	RoleAdmin Role = "admin"
)

// Roles returns every known role, least privileged first. The slice is a fresh copy.
func Roles() []Role {
	return []Role{RoleReporter, RoleReviewer, RoleAnalyst, RoleAdmin}
}

// ParseRole returns the role named s. Matching is exact: a token saying "Admin" is not an
// admin, so an issuer's typo fails loudly instead of being guessed at.
func ParseRole(s string) (Role, error) {
	switch r := Role(s); r {
	case RoleReporter, RoleReviewer, RoleAnalyst, RoleAdmin:
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q", clip(s))
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Subject string // the token's sub: a stable account id
	Name    string // display name for audit trails; may be empty
	Role    Role
	Region  string // GB/T 2260 code of the region the principal belongs to, e.g. "410102"
}

type principalKey struct{}

// WithPrincipal returns a copy of ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal stored by WithPrincipal. ok is false when there is
// none (or a nil one was stored), so callers can treat "no principal" as unauthenticated
// with a single check.
func FromContext(ctx context.Context) (p *Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}

// clip shortens a value taken from untrusted input before it goes into an error message,
// so a hostile token cannot flood the logs.
func clip(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	// Cut on a rune boundary; %q would otherwise show a broken UTF-8 sequence.
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
