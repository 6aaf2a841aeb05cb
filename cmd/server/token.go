package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"planapi/auth"
)

// runToken mints an HS256 token with JWT_SECRET, or with the development secret in
// DATA_DIR when JWT_SECRET is unset.
func runToken(args []string, env map[string]string, out io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(out)
	region := fs.String("region", "", "region code the token acts for (required)")
	role := fs.String("role", "", "reporter, reviewer, analyst or admin (required)")
	ttl := fs.Duration("ttl", 8*time.Hour, "lifetime")
	sub := fs.String("sub", "", "subject (user id); default <role>-<region>")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *region == "" || *role == "" {
		return errors.New("token: --region and --role are required")
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	secret := []byte(cfg.JWTSecret)
	if len(secret) == 0 {
		if cfg.DatabaseURL != "" {
			return errors.New("token: set JWT_SECRET (tokens for RS256/ES256 keys come from your identity provider)")
		}
		secret, err = devSecretRead(cfg.DataDir, false)
		if err != nil {
			return fmt.Errorf("token: no JWT_SECRET and no development secret yet (start the server once): %w", err)
		}
	}
	if cfg.JWTMaxTTL > 0 && *ttl > cfg.JWTMaxTTL {
		return fmt.Errorf("token: --ttl %s 超过 JWT_MAX_TTL %s，服务器会拒绝这样的令牌 (exceeds JWT_MAX_TTL: the server would refuse it)", *ttl, cfg.JWTMaxTTL)
	}
	if *sub == "" {
		*sub = *role + "-" + *region
	}
	tok, err := auth.Mint(secret, auth.MintClaims{Subject: *sub, Name: *name, Region: *region, Role: auth.Role(*role),
		Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience}, *ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(out, tok)
	return nil
}
