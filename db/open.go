package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// AppRole is the database role every application query runs as. It is not a superuser, does
// not bypass row-level security and owns no table, so the policies in the migrations always
// apply to it. The migrations grant it exactly what the service needs.
const AppRole = "planapi_app"

// Prepare makes the database at ownerDSN ready for the service: it creates AppRole when it is
// missing, lets the connecting (owner) role switch to it, and applies the migrations. It runs
// as the owner of the schema.
func Prepare(ctx context.Context, ownerDSN string) ([]int, error) {
	conn, err := pgx.Connect(ctx, ownerDSN)
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := ensureAppRole(ctx, conn); err != nil {
		return nil, err
	}
	return Migrate(ctx, conn)
}

// ensureAppRole creates AppRole (NOLOGIN: the service reaches it with SET ROLE from the
// owner's connection) and makes the current role a member of it. Roles are shared by every
// database of a server, so two test databases may race to create it: a duplicate is fine.
func ensureAppRole(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, AppRole).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", AppRole, err)
	}
	if !exists {
		_, err := conn.Exec(ctx, `CREATE ROLE `+AppRole+` NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`)
		var pgErr *pgconn.PgError
		if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
			return fmt.Errorf("create role %s: %w", AppRole, err)
		}
	}
	var member bool
	if err := conn.QueryRow(ctx, `SELECT pg_has_role(current_user, $1, 'MEMBER')`, AppRole).Scan(&member); err != nil {
		return fmt.Errorf("check membership of %s: %w", AppRole, err)
	}
	if !member {
		if _, err := conn.Exec(ctx, `GRANT `+AppRole+` TO CURRENT_USER`); err != nil {
			return fmt.Errorf("grant %s to the connecting role: %w", AppRole, err)
		}
	}
	return nil
}

// Options tunes Open.
type Options struct {
	MaxOpenConns int
	// Tracer, when set, sees every statement the pool runs (the statement-count tests use it).
	Tracer pgx.QueryTracer
	// LogSQL prints every statement (debugging).
	LogSQL bool
}

// Open returns a gorm handle whose every pooled connection has switched to AppRole, so
// every query the service runs is subject to row-level security. It refuses a connection
// that would still bypass it.
func Open(ctx context.Context, dsn string, opt Options) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	if opt.Tracer != nil {
		cfg.Tracer = opt.Tracer
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
	return wrap(ctx, sqlDB, opt.LogSQL)
}

// wrap puts gorm over a pool and checks the database answers.
func wrap(ctx context.Context, sqlDB *sql.DB, logSQL bool) (*gorm.DB, error) {
	logLevel := logger.Silent
	if logSQL {
		logLevel = logger.Info
	}
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		Logger:                 logger.Default.LogMode(logLevel),
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
	return wrap(ctx, sqlDB, false)
}

// Close closes a gorm handle's pool.
func Close(gdb *gorm.DB) {
	if sqlDB, err := gdb.DB(); err == nil {
		sqlDB.Close()
	}
}
