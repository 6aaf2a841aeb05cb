package db

import (
	"context"
	"database/sql"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"gorm.io/gorm"
)

// Hand-written SQL has one style in this project: named parameters (@name) bound with
// pgx's strict named arguments, run on the connection or transaction a gorm handle holds. gorm's builder is
// for simple rows (Where, Find, Create); anything longer is written out, and the longest lives
// in .sql files under go:embed. pgx rewrites @name to $n itself, and passes slices as
// PostgreSQL arrays (a []string is a text[]), so no driver-specific array type is needed.

// Args are a statement's named arguments. Strict: a name the statement uses and Args lacks, or
// one Args has and the statement does not use, is an error rather than a NULL.
type Args = pgx.StrictNamedArgs

// Exec runs a statement in tx (a transaction, or the pool) and returns the rows it changed.
func Exec(ctx context.Context, tx *gorm.DB, query string, args Args) (int64, error) {
	res, err := tx.Statement.ConnPool.ExecContext(ctx, query, args)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query in tx; the caller closes the rows.
func Query(ctx context.Context, tx *gorm.DB, query string, args Args) (*sql.Rows, error) {
	return tx.Statement.ConnPool.QueryContext(ctx, query, args)
}

// QueryRow runs a query that returns at most one row in tx.
func QueryRow(ctx context.Context, tx *gorm.DB, query string, args Args) *sql.Row {
	return tx.Statement.ConnPool.QueryRowContext(ctx, query, args)
}

// typeMaps decode PostgreSQL arrays for database/sql, which does not know them (Array). A
// pgtype.Map caches its plans and is not safe for concurrent use: each scan borrows one.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// Array scans a PostgreSQL array column into a slice (*[]int64, *[]float64, *[]bool,
// *[]string), as pgx does natively. A NULL array scans as nil.
func Array[T any](dst *[]T) sql.Scanner { return arrayScanner[T]{dst} }

type arrayScanner[T any] struct{ dst *[]T }

func (a arrayScanner[T]) Scan(src any) error {
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	return m.SQLScanner(a.dst).Scan(src)
}
