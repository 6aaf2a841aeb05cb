package setup

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// LookupRegion reports whether region code exists in the database at ownerDSN, and its name:
// the token command's check before it mints a token the server would refuse. It only reads
// the region tree (not a tenant table) and leaves the connection at once.
func LookupRegion(ctx context.Context, ownerDSN, code string) (name string, found bool, err error) {
	conn, err := pgx.Connect(ctx, ownerDSN)
	if err != nil {
		return "", false, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	err = conn.QueryRow(ctx, `SELECT name FROM regions WHERE code = @code`, pgx.StrictNamedArgs{"code": code}).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read regions: %w", err)
	}
	return name, true, nil
}
