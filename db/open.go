// Package db opens PostgreSQL: the application pool, whose every connection has dropped to
// the role that row-level security binds (AppRole), and the schema owner's handle for
// start-up work; and it runs hand-written SQL in the one style the project uses (query.go).
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
// apply to it. The migrations grant it exactly what the service needs.
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

// Open returns a gorm handle whose every pooled connection has switched to AppRole, so
// every query the service runs is subject to row-level security. It refuses a connection
// that would still bypass it.
func Open(ctx context.Context, dsn string, opt Options) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.Tracer = tracer(opt)
	if opt.StatementTimeout > 0 {
		// A startup parameter: every connection has it from its first statement on.
		cfg.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	// SECURITY: every connection drops to the application role before it is used.
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		if _, err := c.Exec(ctx, `SET ROLE `+AppRole); err != nil {
			return fmt.Errorf("switch to role %s: %w", AppRole, err)
		}
		var super, bypass bool
		if err := c.QueryRow(ctx, `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass); err != nil {
			return fmt.Errorf("check role %s: %w", AppRole, err)
		}
		if super || bypass {
			return fmt.Errorf("role %s bypasses row-level security (superuser or BYPASSRLS): refusing to serve with it", AppRole)
		}
		return nil
	}))
	if opt.MaxOpenConns == 0 {
		opt.MaxOpenConns = 20
	}
	sqlDB.SetMaxOpenConns(opt.MaxOpenConns)
	sqlDB.SetMaxIdleConns(opt.MaxOpenConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return wrap(ctx, sqlDB)
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
