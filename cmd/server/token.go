package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"planapi/auth"
	"planapi/pgcluster"
	"planapi/setup"
)

var regionCodeRE = regexp.MustCompile(`^[0-9]{6}$`)

// regionCheckTimeout bounds the token command's look-up of the region: a database that does
// not answer soon is reported as "cannot check", not waited for.
const regionCheckTimeout = 5 * time.Second

// runToken mints an HS256 token with JWT_SECRET, or with the development secret in DATA_DIR
// when JWT_SECRET is unset, and prints it alone on out (so `$(… token …)` captures it).
// Before minting it checks that the region exists, in the database the server uses
// (DATABASE_URL, or the private cluster of DATA_DIR while a server runs on it): a region that
// does not exist is refused; when it cannot check, it says so on errOut and mints anyway.
func runToken(ctx context.Context, args []string, env map[string]string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(errOut)
	region := fs.String("region", "", "region code the token acts for (required)")
	role := fs.String("role", "", "reporter, reviewer, analyst or admin (required)")
	ttl := fs.Duration("ttl", 8*time.Hour, "lifetime")
	sub := fs.String("sub", "", "subject (user id); default <role>-<region>")
	name := fs.String("name", "", "display name, shown in the audit trail (王丽)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *region == "" || *role == "" {
		return errors.New("token: 须指定 --region 和 --role (--region and --role are required)")
	}
	if !regionCodeRE.MatchString(*region) {
		return fmt.Errorf("token: --region %q 不是六位区划代码 (not a six-digit GB/T 2260 region code)", *region)
	}
	cfg, err := loadConfig(env)
	if err != nil {
		return err
	}
	where := dataDirWords(cfg.DataDir, env)
	secret := []byte(cfg.JWTSecret)
	if len(secret) == 0 {
		if cfg.DatabaseURL != "" {
			return errors.New("token: 设置了 DATABASE_URL 时须设置 JWT_SECRET (set JWT_SECRET; tokens for RS256/ES256 keys come from your identity provider)")
		}
		secret, err = devSecretRead(cfg.DataDir, false)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("token: 未设置 JWT_SECRET,且 %s 中没有开发密钥 %s。若服务器以另一个 DATA_DIR 运行,请用同一个:"+
					"DATA_DIR=<服务器的 DATA_DIR> go run ./cmd/server token …;若从未启动过服务器,先启动一次 "+
					"(no JWT_SECRET and no development secret in %s: if the server runs with another DATA_DIR, set the same one; otherwise start the server once)",
					where, devSecretFile, where)
			}
			return fmt.Errorf("token: %s: %w", where, err)
		}
	}
	if cfg.JWTMaxTTL > 0 && *ttl > cfg.JWTMaxTTL {
		return fmt.Errorf("token: --ttl %s 超过 JWT_MAX_TTL %s，服务器会拒绝这样的令牌 (exceeds JWT_MAX_TTL: the server would refuse it)", *ttl, cfg.JWTMaxTTL)
	}
	if err := checkRegion(ctx, cfg, where, *region, errOut); err != nil {
		return err
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

// dataDirWords names the DATA_DIR the command looked in, absolute, and whether it was set or
// is the default, so a reader can tell it from the one the server runs with.
func dataDirWords(dataDir string, env map[string]string) string {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	if v, ok := env["DATA_DIR"]; ok && v != "" {
		return fmt.Sprintf("DATA_DIR=%s", abs)
	}
	return fmt.Sprintf("DATA_DIR=%s (未设置 DATA_DIR,默认 .data; DATA_DIR unset, default .data)", abs)
}

// checkRegion refuses a region that does not exist in the database the server uses, when the
// command can reach it: DATABASE_URL, or the private cluster of DATA_DIR while a server runs on
// it. When it cannot, it says so on errOut and lets the token be minted: the server refuses a
// token for a region that does not exist in any case.
func checkRegion(ctx context.Context, cfg config, where, code string, errOut io.Writer) error {
	dsn, source := cfg.DatabaseURL, "DATABASE_URL"
	if dsn == "" {
		source = where
		var err error
		if dsn, err = pgcluster.RunningDSN(cfg.DataDir, "planapi"); err != nil {
			why := fmt.Sprintf("读取失败 (%v)", err)
			if errors.Is(err, pgcluster.ErrNotRunning) {
				why = "没有以此 DATA_DIR 运行的服务器 (no server is running on it)"
			}
			fmt.Fprintf(errOut, "token: 注意:无法核对区划 %s 是否存在:%s 的数据库不可达,%s。令牌照常签发;若区划不存在,服务器会拒绝它。"+
				"要核对,请在服务器运行时以同一个 DATA_DIR 执行本命令 "+
				"(cannot check that region %s exists: the database of %s cannot be reached; the token is minted anyway, and the server refuses it if the region does not exist)\n",
				code, where, why, code, where)
			return nil
		}
	}
	lctx, cancel := context.WithTimeout(ctx, regionCheckTimeout)
	defer cancel()
	name, found, err := setup.LookupRegion(lctx, dsn, code)
	if err != nil {
		fmt.Fprintf(errOut, "token: 注意:无法核对区划 %s 是否存在:读取 %s 的数据库失败 (%v)。令牌照常签发;若区划不存在,服务器会拒绝它 "+
			"(cannot check that region %s exists in the database of %s; the token is minted anyway)\n", code, source, err, code, source)
		return nil
	}
	if !found {
		return fmt.Errorf("token: 区划 %s 不存在于 %s 的数据库中,服务器会拒绝这样的令牌;可用的区划见查询 { regions { code name level } } "+
			"(region %s does not exist in the database of %s: the server would refuse the token)", code, source, code, source)
	}
	fmt.Fprintf(errOut, "token: 区划 %s %s (%s)\n", code, name, source)
	return nil
}
