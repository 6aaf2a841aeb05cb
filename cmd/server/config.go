package main

import (
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"planapi/apitime"
	"planapi/server"
)

// config is the effective configuration, read from the environment.
type config struct {
	DatabaseURL string // "" = run a private cluster under DataDir
	// AppDatabaseURL is the service's own login (a NOSUPERUSER NOBYPASSRLS role in
	// planapi_app) on the database of DatabaseURL. Required with DatabaseURL; the private
	// cluster makes its own.
	AppDatabaseURL string
	DataDir        string
	Port           int
	Demo           bool
	JWTSecret      string
	JWTPublicKeys  string
	JWTIssuer      string
	JWTAudience    string
	JWTMaxTTL      time.Duration // 0 = no limit
	Introspection  bool
	LogSQL         bool
	TimeZone       string // the zone times are written in (TIME_ZONE)
	// The request budget (see server.Budget).
	MaxBodyBytes     int64
	RequestTimeout   time.Duration
	StatementTimeout time.Duration
	// CORSOrigins may call the API from a browser page (CORS_ORIGINS); empty = no origin.
	CORSOrigins []string
}

func loadConfig(env map[string]string) (config, error) {
	c := config{
		DatabaseURL:    env["DATABASE_URL"],
		AppDatabaseURL: env["APP_DATABASE_URL"],
		DataDir:        env["DATA_DIR"],
		JWTSecret:      env["JWT_SECRET"],
		JWTPublicKeys:  env["JWT_PUBLIC_KEYS"],
		JWTIssuer:      env["JWT_ISSUER"],
		JWTAudience:    env["JWT_AUDIENCE"],
	}
	if c.AppDatabaseURL != "" && c.DatabaseURL == "" {
		return c, fmt.Errorf("设置了 APP_DATABASE_URL 却未设置 DATABASE_URL：私有集群自行创建应用登录角色，两者须同时设置或都不设置 (APP_DATABASE_URL is set but DATABASE_URL is not: set both or neither)")
	}
	if v := env["JWT_MAX_TTL"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Minute {
			return c, fmt.Errorf("JWT_MAX_TTL %q 无效：应为不少于一分钟的时长，如 24h 或 8h30m (want a duration of at least a minute, such as 24h)", v)
		}
		c.JWTMaxTTL = d
	}
	if c.DataDir == "" {
		c.DataDir = ".data"
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("DATA_DIR %q: %w", c.DataDir, err)
	}
	c.DataDir = abs
	c.Port = 8080
	if v := env["PORT"]; v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			return c, fmt.Errorf("PORT %q: want a port number from 0 to 65535", v)
		}
		c.Port = p
	}
	// DEMO defaults to on for the private cluster (a newcomer's playground) and off for a
	// real server.
	c.Demo = c.DatabaseURL == ""
	if v, ok := env["DEMO"]; ok && v != "" {
		b, err := parseBool("DEMO", v)
		if err != nil {
			return c, err
		}
		c.Demo = b
	}
	c.Introspection = true
	if v, ok := env["INTROSPECTION"]; ok && v != "" {
		b, err := parseBool("INTROSPECTION", v)
		if err != nil {
			return c, err
		}
		c.Introspection = b
	}
	c.TimeZone = apitime.DefaultZone
	if v := env["TIME_ZONE"]; v != "" {
		if _, err := time.LoadLocation(v); err != nil {
			return c, fmt.Errorf("TIME_ZONE %q 无效:应为时区名,如 Asia/Shanghai (want a zone name such as Asia/Shanghai)", v)
		}
		c.TimeZone = v
	}
	if v, ok := env["LOG_SQL"]; ok && v != "" {
		b, err := parseBool("LOG_SQL", v)
		if err != nil {
			return c, err
		}
		c.LogSQL = b
	}
	c.MaxBodyBytes = server.DefaultBudget.MaxBodyBytes
	if v := env["MAX_BODY_BYTES"]; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 {
			return c, fmt.Errorf("MAX_BODY_BYTES %q: want a number of bytes, at least 1024", v)
		}
		c.MaxBodyBytes = n
	}
	c.RequestTimeout = server.DefaultBudget.RequestTimeout
	if v := env["REQUEST_TIMEOUT"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 100*time.Millisecond {
			return c, fmt.Errorf("REQUEST_TIMEOUT %q: want a duration such as 30s, at least 100ms", v)
		}
		c.RequestTimeout = d
	}
	// The database gives up on a statement a little before the request does, so a stuck
	// statement answers TIMEOUT rather than holding its connection past the deadline.
	c.StatementTimeout = c.RequestTimeout * 5 / 6
	if v := env["STATEMENT_TIMEOUT"]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d > 0 && d < time.Millisecond) {
			return c, fmt.Errorf("STATEMENT_TIMEOUT %q: want a duration such as 20s, or 0 for none", v)
		}
		c.StatementTimeout = d
	}
	origins, err := parseOrigins(env["CORS_ORIGINS"])
	if err != nil {
		return c, err
	}
	c.CORSOrigins = origins
	return c, nil
}

// parseOrigins reads CORS_ORIGINS: a comma-separated list of origins, each exactly as a browser
// sends it in its Origin header (scheme://host[:port], nothing after it), since a page's origin
// is compared with them as written. "" = none.
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("CORS_ORIGINS 中的 %q 不是有效的来源（origin）：%s。应写作 scheme://主机[:端口]，如 https://dashboard.example.gov.cn，多个以逗号分隔 (%q is not an origin: %s; want scheme://host[:port], such as https://dashboard.example.gov.cn)", o, err, o, err)
		}
		out = append(out, o)
	}
	return out, nil
}

func checkOrigin(o string) error {
	if o == "*" {
		return fmt.Errorf("不接受通配符 *，请逐一列出来源 (a wildcard is not accepted: list each origin)")
	}
	u, err := url.Parse(o)
	switch {
	case err != nil:
		return fmt.Errorf("无法解析 (unparseable)")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("协议须为 http 或 https (the scheme must be http or https)")
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("缺少主机名 (no host)")
	case u.User != nil, u.Path != "", u.RawQuery != "", u.ForceQuery, u.Fragment != "", strings.Contains(o, "#"):
		return fmt.Errorf("主机和端口之后不能有任何内容（包括末尾的 /）(nothing may follow the host and port, not even a trailing /)")
	case o != strings.ToLower(o):
		return fmt.Errorf("须全部小写，浏览器发送的来源是小写的 (must be lower case, as a browser sends it)")
	case (u.Scheme == "http" && u.Port() == "80") || (u.Scheme == "https" && u.Port() == "443"):
		return fmt.Errorf("默认端口不写，浏览器发送的来源不含它 (leave out the default port: a browser's Origin does not carry it)")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("端口须为 1–65535 (the port must be 1 to 65535)")
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return fmt.Errorf("冒号后缺少端口 (no port after the colon)")
	}
	return nil
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%s %q: want 1 or 0", name, v)
}

// print writes the effective configuration with secrets masked.
func (c config) print(w io.Writer) {
	db := "private cluster in " + c.DataDir
	app := "private cluster's own login role (password in " + c.DataDir + ")"
	if c.DatabaseURL != "" {
		db = maskURL(c.DatabaseURL)
		app = orNone(c.AppDatabaseURL)
		if c.AppDatabaseURL != "" {
			app = maskURL(c.AppDatabaseURL)
		}
	}
	maxTTL := "(not set: no limit)"
	if c.JWTMaxTTL > 0 {
		maxTTL = c.JWTMaxTTL.String()
	}
	fmt.Fprintf(w, "planapi configuration:\n")
	fmt.Fprintf(w, "  DATABASE_URL    %s\n", db)
	fmt.Fprintf(w, "  APP_DATABASE_URL %s\n", app)
	fmt.Fprintf(w, "  DATA_DIR        %s\n", c.DataDir)
	fmt.Fprintf(w, "  PORT            %d\n", c.Port)
	fmt.Fprintf(w, "  DEMO            %v\n", c.Demo)
	fmt.Fprintf(w, "  JWT_SECRET      %s\n", mask(c.JWTSecret))
	fmt.Fprintf(w, "  JWT_PUBLIC_KEYS %s\n", orNone(c.JWTPublicKeys))
	fmt.Fprintf(w, "  JWT_ISSUER      %s\n", orNone(c.JWTIssuer))
	fmt.Fprintf(w, "  JWT_AUDIENCE    %s\n", orNone(c.JWTAudience))
	fmt.Fprintf(w, "  JWT_MAX_TTL     %s\n", maxTTL)
	fmt.Fprintf(w, "  INTROSPECTION   %v\n", c.Introspection)
	fmt.Fprintf(w, "  LOG_SQL         %v\n", c.LogSQL)
	fmt.Fprintf(w, "  TIME_ZONE       %s\n", c.TimeZone)
	fmt.Fprintf(w, "  MAX_BODY_BYTES  %d\n", c.MaxBodyBytes)
	fmt.Fprintf(w, "  REQUEST_TIMEOUT %v\n", c.RequestTimeout)
	fmt.Fprintf(w, "  STATEMENT_TIMEOUT %v\n", c.StatementTimeout)
	cors := "(not set: no cross-origin access)"
	if len(c.CORSOrigins) > 0 {
		cors = strings.Join(c.CORSOrigins, ", ")
	}
	fmt.Fprintf(w, "  CORS_ORIGINS    %s\n", cors)
}

func mask(s string) string {
	if s == "" {
		return "(not set)"
	}
	return "****** (set)"
}

func orNone(s string) string {
	if s == "" {
		return "(not set)"
	}
	return s
}

func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable, hidden)"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
