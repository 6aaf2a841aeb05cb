#!/bin/sh
# Interleaves planapi and PostGraphile on the nested list, A B A B, ROUNDS rounds of DURATION
# each at C connections, with cmd/loadtest (run from the repository root). README.md beside
# this file says how the two servers are started.
#   DATA_DIR=/tmp/pgl-data PLANAPI=http://127.0.0.1:8080/graphql PGL=http://127.0.0.1:5050/graphql \
#   PLANAPI_PID=<pid> sh bench/postgraphile/interleave.sh
set -eu
: "${DATA_DIR:?the planapi server's DATA_DIR}"
PLANAPI=${PLANAPI:-http://127.0.0.1:8080/graphql}
PGL=${PGL:-http://127.0.0.1:5050/graphql}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
C=${C:-10}
go build -o /tmp/planapi-loadtest ./cmd/loadtest
for i in $(seq "$ROUNDS"); do
	echo "== round $i: planapi"
	/tmp/planapi-loadtest -url "$PLANAPI" -data-dir "$DATA_DIR" -mix query=1 -duration "$DURATION" -c "$C" \
		-graphql-query bench/postgraphile/planapi.graphql ${PLANAPI_PID:+-pid "$PLANAPI_PID"}
	echo "== round $i: postgraphile"
	/tmp/planapi-loadtest -url "$PGL" -target postgraphile -mix query=1 -duration "$DURATION" -c "$C" \
		-graphql-query bench/postgraphile/query.graphql ${PGL_PID:+-pid "$PGL_PID"}
done
