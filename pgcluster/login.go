package pgcluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// roleName is what EnsureLoginRole accepts: a plain lower-case identifier, so it needs no
// quoting anywhere it goes (SQL, file names, DSNs).
var roleName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// loginRoleLock is the advisory lock key held while a login role is created or altered
// ("pglogin" in ASCII): test binaries sharing one server do it at the same time.
const loginRoleLock = 0x70676c6f67696e

// EnsureLoginRole makes role name a role that can log in to the cluster and do nothing else
// a superuser grants (NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION), with a
// password generated on first use and kept in DataDir/role-<name>-password (0600), like
// the cluster's own. A role of that name that exists already is altered to exactly that, so
// an older data directory, where it was a NOLOGIN role reached with SET ROLE, is brought up
// to date. LoginDSN then gives its connection URL.
func (c *Cluster) EnsureLoginRole(ctx context.Context, name string) error {
	if !roleName.MatchString(name) {
		return fmt.Errorf("login role %q: want a lower-case identifier", name)
	}
	pw, err := rolePassword(c.dataDir, name)
	if err != nil {
		return err
	}
	if err := EnsureLoginRole(ctx, c.DSN("postgres"), name, pw); err != nil {
		return err
	}
	return nil
}

// LoginDSN returns a connection URL for database dbname as a role EnsureLoginRole made.
func (c *Cluster) LoginDSN(role, dbname string) (string, error) {
	pw, err := os.ReadFile(filepath.Join(c.dataDir, rolePasswordFile(role)))
	if err != nil {
		return "", fmt.Errorf("password of login role %s: %w (EnsureLoginRole makes it)", role, err)
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(role, strings.TrimSpace(string(pw))),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)),
		Path:     "/" + dbname,
		RawQuery: "sslmode=disable",
	}
	return u.String(), nil
}

func rolePasswordFile(role string) string { return "role-" + role + "-password" }

// rolePassword returns the password kept for role in dataDir, generating it on first use.
func rolePassword(dataDir, role string) (string, error) {
	path := filepath.Join(dataDir, rolePasswordFile(role))
	b, err := os.ReadFile(path)
	if err == nil {
		if pw := strings.TrimSpace(string(b)); pw != "" {
			return pw, nil
		}
		return "", fmt.Errorf("password file %s is empty", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read password file: %w", err)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	pw := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write password file: %w", err)
	}
	return pw, nil
}

// EnsureLoginRole creates role name on the server at superDSN (a superuser's), or alters the
// existing one, to a login role with password and no privilege beyond logging in:
// NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION. It is for servers this
// project runs itself (the private cluster, test servers); on a production server a
// database administrator creates the role.
func EnsureLoginRole(ctx context.Context, superDSN, name, password string) error {
	if !roleName.MatchString(name) {
		return fmt.Errorf("login role %q: want a lower-case identifier", name)
	}
	if password == "" {
		return fmt.Errorf("login role %s: empty password", name)
	}
	conn, err := pgx.Connect(ctx, superDSN)
	if err != nil {
		return fmt.Errorf("create login role %s: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(loginRoleLock)); err != nil {
		return fmt.Errorf("create login role %s: %w", name, err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(loginRoleLock)) //nolint:errcheck
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", name, err)
	}
	verb := "CREATE ROLE "
	if exists {
		verb = "ALTER ROLE "
	}
	// SECURITY: the service's login can bypass nothing: not a superuser, no BYPASSRLS, and
	// no right to make roles or databases through which it could become one.
	sql := verb + name + ` LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD ` +
		`'` + strings.ReplaceAll(password, `'`, `''`) + `'`
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s%s: %w", strings.ToLower(verb), name, err)
	}
	return nil
}
