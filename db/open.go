// Package db opens PostgreSQL: the application pool, which logs in as a role that row-level
// security binds (AppRole, or a login role that inherits it), and the schema owner's handle
// for start-up work; and it runs hand-written SQL in the one style the project uses (query.go).
// It holds no query of the service's own and decides nothing about who may see what: the
// tenant service (store) does that, and setup owns what runs as the schema owner.
package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jackc/pgx/v5/tracelog"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// AppRole is the database role every application query runs as. It is not a superuser, does
// not bypass row-level security and owns no table, so the policies in the migrations always
// apply to it. The migrations grant it exactly what the service needs. The pool logs in as
// it (or as a login role that inherits it): there is no other role on the connection that
// RESET ROLE could return to.
const AppRole = "planapi_app"

// Options tunes Open.
type Options struct {
	MaxOpenConns int
	// Tracer, when set, sees every statement the pool runs (the statement-count tests use it).
	Tracer pgx.QueryTracer
	// LogSQL, with Logger, logs every statement the pool runs, with its arguments and
	// duration (LOG_SQL=1): gorm's and hand-written ones alike, since it is traced in the
	// driver, below both.
	LogSQL bool
	Logger *slog.Logger
	// StatementTimeout, when positive, is every connection's statement_timeout: PostgreSQL
	// cancels a statement running longer (SQLSTATE 57014), whatever the client does.
	StatementTimeout time.Duration
}

// Open returns a gorm handle over a pool that logs in with appDSN, the service's own login
// role (APP_DATABASE_URL, or the private cluster's), so every query the service runs is
// subject to row-level security. Each new connection is checked, and refused if anything
// about its role could get past the policies (checkLogin).
func Open(ctx context.Context, appDSN string, opt Options) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(appDSN)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.Tracer = tracer(opt)
	if opt.StatementTimeout > 0 {
		// A startup parameter: every connection has it from its first statement on.
		cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(checkLogin))
	if opt.MaxOpenConns == 0 {
		opt.MaxOpenConns = 20
	}
	sqlDB.SetMaxOpenConns(opt.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opt.MaxOpenConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return wrap(ctx, sqlDB)
}

// loginCheck asks, in one statement, everything checkLogin refuses.
const loginCheck = `SELECT session_user::text,
	session_user = current_user,
	pg_has_role(session_user, $1, 'USAGE'),
	EXISTS (SELECT 1 FROM pg_roles r WHERE (r.rolsuper OR r.rolbypassrls) AND pg_has_role(session_user, r.oid, 'MEMBER')),
	EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname NOT IN ('pg_catalog', 'information_schema')
		AND pg_has_role(session_user, t.tableowner, 'MEMBER'))`

// checkLogin refuses a pooled connection whose login could get past row-level security.
//
// SECURITY: the application pool logs in as a role bound by the policies, never as the
// owner or a superuser dropping privileges with SET ROLE, which RESET ROLE undoes. Refused:
// a login that is, or may become (SET ROLE to a role it is a member of), a superuser or
// BYPASSRLS; one that owns, or may become the owner of, any table (an owner can switch the
// policies off); a role set at connection time (options=-c role=…), which RESET ROLE would
// drop; and a login without AppRole's privileges.
func checkLogin(ctx context.Context, c *pgx.Conn) error {
	var login string
	var sameRole, app, bypass, owner bool
	if err := c.QueryRow(ctx, loginCheck, AppRole).Scan(&login, &sameRole, &app, &bypass, &owner); err != nil {
		return fmt.Errorf("check the application login: %w", err)
	}
	switch {
	case bypass:
		return fmt.Errorf("应用连接的登录角色 %s 是超级用户或可绕过行级安全（BYPASSRLS），拒绝以其提供服务；请用 APP_DATABASE_URL 指定不含这些权限的登录角色 (login role %s is, or may become, a superuser or BYPASSRLS role)", login, login)
	case owner:
		return fmt.Errorf("应用连接的登录角色 %s 拥有（或可切换为拥有）数据表，可关闭行级安全，拒绝以其提供服务 (login role %s owns, or may become the owner of, tables)", login, login)
	case !sameRole:
		return fmt.Errorf("应用连接在连接时切换了角色，RESET ROLE 即可撤销，拒绝使用；请直接以应用角色登录 (login role %s switched role at connection time)", login)
	case !app:
		return fmt.Errorf("应用连接的登录角色 %s 不具备 %s 的权限；请使用 %s 本身或继承它的登录角色 (login role %s does not inherit %s)", login, AppRole, AppRole, login, AppRole)
	}
	return nil
}

// tracer combines the statement tracer a test asked for with the LOG_SQL logger.
func tracer(opt Options) pgx.QueryTracer {
	var ts []pgx.QueryTracer
	if opt.Tracer != nil {
		ts = append(ts, opt.Tracer)
	}
	if opt.LogSQL && opt.Logger != nil {
		log := opt.Logger
		ts = append(ts, &tracelog.TraceLog{LogLevel: tracelog.LogLevelInfo,
			Logger: tracelog.LoggerFunc(func(ctx context.Context, level tracelog.LogLevel, msg string, data map[string]any) {
				attrs := make([]any, 0, 2*len(data))
				for k, v := range data {
					attrs = append(attrs, k, v)
				}
				log.Log(ctx, slogLevel(level), "sql: "+msg, attrs...)
			})})
	}
	switch len(ts) {
	case 0:
		return nil
	case 1:
		return ts[0]
	}
	return multitracer.New(ts...)
}

func slogLevel(l tracelog.LogLevel) slog.Level {
	switch {
	case l >= tracelog.LogLevelDebug:
		return slog.LevelDebug
	case l >= tracelog.LogLevelInfo:
		return slog.LevelInfo
	case l >= tracelog.LogLevelWarn:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// wrap puts gorm over a pool and checks the database answers. gorm's own logger stays
// silent: statements are logged by the driver's tracer (Options.LogSQL).
func wrap(ctx context.Context, sqlDB *sql.DB) (*gorm.DB, error) {
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Default.LogMode(logger.Silent),
		SkipDefaultTransaction: true,
	})
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return gdb, nil
}

// OpenOwner returns a gorm handle connected as the schema owner, for start-up work that
// writes the catalogue and the regions. Request handling never uses it.
func OpenOwner(ctx context.Context, dsn string) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(4)
	return wrap(ctx, sqlDB)
}

// Close closes a gorm handle's pool.
func Close(gdb *gorm.DB) {
	if sqlDB, err := gdb.DB(); err == nil {
		sqlDB.Close()
	}
}
