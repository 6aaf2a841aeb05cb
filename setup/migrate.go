package setup

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"planapi/db"
	"planapi/db/migrations"
)

// Prepare makes the database at ownerDSN ready for the service: it creates db.AppRole when it is
// missing, so the migrations can grant it what the service needs, and applies the
// migrations. It runs as the owner of the schema.
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

// ensureAppRole creates db.AppRole when it is missing, NOLOGIN: the role the migrations grant
// to. The service logs in as it, or as a login role that inherits it, which whoever runs the
// server provides (the private cluster and the tests make db.AppRole itself a login role
// before this runs; a database administrator does, for APP_DATABASE_URL). The owner is not
// made a member: nothing switches roles any more. Roles are shared by every database of a
// server, so two test databases may race to create it: a duplicate is fine.
func ensureAppRole(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)`, db.AppRole).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", db.AppRole, err)
	}
	if exists {
		return nil
	}
	_, err := conn.Exec(ctx, `CREATE ROLE `+db.AppRole+` NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
		return fmt.Errorf("create role %s: %w", db.AppRole, err)
	}
	return nil
}

// migrationLock is the advisory lock key held while migrating ("planapi" in ASCII).
const migrationLock = 0x706c616e617069

// Migrate applies every embedded migration not yet recorded in schema_migrations. It runs
// as the schema owner. On an up-to-date database it changes nothing. It returns the
// versions it applied.
func Migrate(ctx context.Context, conn *pgx.Conn) ([]int, error) {
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLock)); err != nil {
		return nil, fmt.Errorf("take migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(migrationLock)) //nolint:errcheck

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    int PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}

	all, err := migrations.List()
	if err != nil {
		return nil, err
	}
	var done []int
	for _, m := range all {
		if applied[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("apply migration %s: %w", m.Name, err)
		}
		done = append(done, m.Version)
	}
	return done, nil
}
