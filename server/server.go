// Package server assembles the HTTP handler: the GraphQL endpoint with its authentication,
// error presentation and limits, the Playground, and the health probes. It runs on the
// application role's pool only and must not reach for the owner's (package setup).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/rs/cors"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"gorm.io/gorm"

	"planapi/apperr"
	"planapi/auth"
	"planapi/db"
	"planapi/db/migrations"
	"planapi/events"
	"planapi/graph"
	"planapi/msg"
	"planapi/report"
	"planapi/resolvers"
	"planapi/server/playground"
	"planapi/snapshot"
	"planapi/store"
)

// Deps are what the handler needs.
type Deps struct {
	DB            *gorm.DB // application role
	Cache         *snapshot.Cache
	Verifier      *auth.Verifier
	Logger        *slog.Logger
	Introspection bool
	// Budget bounds each request; zero fields take DefaultBudget's.
	Budget Budget
	// Events feed the subscriptions (events.Start); nil: subscriptions answer UNAVAILABLE.
	Events *events.Hub
	// CORSOrigins are the origins (scheme://host[:port]) whose pages may call /graphql from a
	// browser. Empty: none, and no CORS header is ever sent.
	CORSOrigins []string
	// BuildReport builds the evaluation report the /reports/… endpoints render; nil:
	// report.Build. Tests put a hand-made report here.
	BuildReport ReportBuilder
}

// New returns the service's HTTP handler.
func New(d Deps) http.Handler {
	st := store.New(d.DB, d.Cache)
	budget := d.Budget.withDefaults()
	res := &resolvers.Resolver{Cache: d.Cache, Store: st, Logger: d.Logger, Events: d.Events, MaxUploadBytes: budget.MaxBodyBytes}
	srv := handler.New(graph.NewExecutableSchema(res.Config()))
	// Subscriptions: graphql-transport-ws, the token in connection_init (see socketInit).
	srv.AddTransport(transport.Websocket{InitFunc: socketInit(d), KeepAlivePingInterval: 15 * time.Second,
		PingPongInterval: 30 * time.Second, InitTimeout: 10 * time.Second,
		// A browser's socket from an allowed origin (CORS_ORIGINS) is accepted as its requests
		// are; any other cross-origin socket is refused by the library's same-origin check.
		Implementation: timedSockets{writeTimeout: budget.SocketWriteTimeout,
			CoderWebsocketImplementation: transport.CoderWebsocketImplementation{AcceptOptions: websocket.AcceptOptions{OriginPatterns: originHosts(d.CORSOrigins)}}}})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(getQuery{})
	srv.AddTransport(postJSON{maxBody: budget.MaxBodyBytes})
	// importWorkbook's file: the GraphQL multipart request specification, held to the same body
	// limit (limits refuses a larger Content-Length before this reads a byte).
	srv.AddTransport(multipartForm{transport.MultipartForm{MaxUploadSize: budget.MaxBodyBytes, MaxMemory: budget.MaxBodyBytes}})
	// Last: whatever no transport above takes, coded and in the request's language, rather than
	// gqlgen's bare "transport not supported".
	srv.AddTransport(noTransport{})
	// Parsed and validated documents by their text, so a client's repeated query is parsed
	// once; and automatic persisted queries (Apollo's APQ, over GET and POST alike): a client
	// sends the hash alone once the query is registered. The hash stands for the document, which
	// the budget below then measures exactly as if it had been sent.
	srv.SetQueryCache(shortOnly[*ast.QueryDocument]{lru.New[*ast.QueryDocument](1000)})
	srv.Use(persistedQueries{extension.AutomaticPersistedQuery{Cache: shortOnly[string]{lru.New[string](1000)}}})
	if d.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		// Without introspection, validation must not name fields either ("Did you mean …").
		srv.SetDisableSuggestion(true)
	}
	// The budget, checked in this order before anything runs: shape (depth, aliases), then the
	// cost of what is left (resolvers/complexity.go).
	srv.Use(shapeLimit{maxDepth: budget.MaxDepth, maxAliases: budget.MaxAliases})
	srv.Use(extension.FixedComplexityLimit(budget.MaxComplexity))
	srv.Use(socketOperations{maxSubscriptions: budget.MaxSubscriptions})
	srv.AroundRootFields(requirePrincipal)
	srv.AroundResponses(unavailableResponses)
	srv.SetErrorPresenter(presenter(d.Logger, d.Introspection))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		d.Logger.Error("panic in resolver", "panic", v)
		return errors.New("internal error")
	})

	mux := http.NewServeMux()
	mux.Handle("/", playground.Handler("planapi", "/graphql"))
	api := crossOrigin(d.CORSOrigins, language(limits(budget, authenticate(d, resolvers.Middleware(st, srv)))))
	socket := crossOrigin(d.CORSOrigins, language(socketOrigin(d.CORSOrigins, srv)))
	mux.Handle("/graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A websocket lives longer than any request: no request deadline, and the principal
		// comes with connection_init (socketInit), not with a header.
		if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			socket.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	}))
	// The Excel endpoints: the same CORS layer and bearer-token parsing as /graphql; their own
	// deadline and body limit (excelHandler), since they answer files rather than GraphQL.
	mux.Handle("/excel/", crossOrigin(d.CORSOrigins, authenticate(d, excelHandler{st: st, log: d.Logger, budget: budget})))
	// The evaluation report's downloads: the same CORS layer and bearer-token parsing again.
	build := d.BuildReport
	if build == nil {
		build = report.Build
	}
	mux.Handle("/reports/", crossOrigin(d.CORSOrigins, authenticate(d, reportHandler{st: st, log: d.Logger, budget: budget, build: build})))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := Ready(ctx, d.DB); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	return mux
}

// crossOrigin lets the pages of the listed origins call next from a browser (rs/cors). A
// preflight from one of them is answered here, allowing GET and POST with the Authorization and
// Content-Type headers; an actual request from one gets Access-Control-Allow-Origin; any other
// origin gets no CORS header, so its page cannot read the answer. No credentials (cookies): the
// token travels in Authorization. With no origin listed there is no CORS layer at all — rs/cors
// with an empty list would allow every origin.
func crossOrigin(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost},
		AllowedHeaders: []string{"Authorization", "Content-Type"},
		// Retry-After comes with a 503; a frontend reads it to back off.
		ExposedHeaders: []string{"Retry-After"},
		MaxAge:         600,
	}).Handler(next)
}

// Ready reports whether the database answers and carries every migration.
func Ready(ctx context.Context, gdb *gorm.DB) error {
	latest, err := migrations.Latest()
	if err != nil {
		return err
	}
	var got int
	if err := db.QueryRow(ctx, gdb, `SELECT coalesce(max(version), 0) FROM schema_migrations`, nil).Scan(&got); err != nil {
		return errors.New("database unreachable")
	}
	if got < latest {
		return errors.New("database not migrated")
	}
	return nil
}

// authenticate verifies the bearer token, if any, and puts the principal in the context.
// A request without a token goes on anonymous (introspection only: requirePrincipal refuses
// every data field). A token that fails any check ends the request with HTTP 401.
func authenticate(d Deps, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		scheme, tok, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			unauthorized(w, r, msg.T(msg.AuthHeaderMalformed))
			return
		}
		claims, err := d.Verifier.Verify(strings.TrimSpace(tok))
		if err != nil {
			// The reason goes to the log, not to the caller: it would tell a forger which
			// check to work on next.
			d.Logger.Info("token refused", "reason", err.Error(), "remote", r.RemoteAddr)
			unauthorized(w, r, msg.T(msg.BadToken))
			return
		}
		// SECURITY: a token naming a region that does not exist authenticates nobody.
		if d.Cache.Regions().Get(claims.Region) == nil {
			d.Logger.Info("token refused", "reason", "unknown region", "region", claims.Region, "sub", claims.Subject)
			unauthorized(w, r, msg.T(msg.BadToken))
			return
		}
		p := &auth.Principal{Subject: claims.Subject, Name: claims.Name, Role: claims.Role, Region: claims.Region}
		next.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), p)))
	})
}

// socketOrigin refuses (403 FORBIDDEN) a websocket from a browser page whose origin is
// neither the server's own host nor exactly one of the allowed origins (CORS_ORIGINS). The
// websocket library matches host[:port] only (originHosts), so without this a page at
// http://dashboard… was let in where only https://dashboard… is allowed, as CORS would not.
// A client that sends no Origin is no browser page, and is let through to authenticate.
func socketOrigin(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := r.Header.Get("Origin")
		if o == "" || slices.ContainsFunc(origins, func(a string) bool { return strings.EqualFold(a, o) }) {
			next.ServeHTTP(w, r)
			return
		}
		if u, err := url.Parse(o); err == nil && strings.EqualFold(u.Host, r.Host) {
			next.ServeHTTP(w, r) // the server's own pages (the Playground)
			return
		}
		writeCoded(w, r, http.StatusForbidden, apperr.Forbidden, msg.T(msg.SocketOrigin))
	})
}

// originHosts are the host[:port] of the allowed origins, as the websocket library matches them.
func originHosts(origins []string) []string {
	var out []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			out = append(out, u.Host)
		}
	}
	return out
}

// socketInit authenticates a websocket from its connection_init payload ("Authorization":
// "Bearer …"), as authenticate does a request's header, and ends the connection when the
// token expires. A refused token closes the socket before any subscription starts.
func socketInit(d Deps) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		// The language: the upgrade request's Accept-Language (language), or the payload's.
		if al := payload.GetString("Accept-Language"); al != "" {
			ctx = msg.WithLang(ctx, msg.Parse(al))
		}
		badToken := errors.New(msg.Render(ctx, msg.T(msg.BadToken)))
		scheme, tok, ok := strings.Cut(payload.Authorization(), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return ctx, nil, badToken
		}
		claims, err := d.Verifier.Verify(strings.TrimSpace(tok))
		if err != nil {
			d.Logger.Info("token refused", "reason", err.Error(), "transport", "websocket")
			return ctx, nil, badToken
		}
		// SECURITY: as for a request: a token naming no region authenticates nobody.
		if d.Cache.Regions().Get(claims.Region) == nil {
			return ctx, nil, badToken
		}
		p := &auth.Principal{Subject: claims.Subject, Name: claims.Name, Role: claims.Role, Region: claims.Region}
		// SECURITY: the connection lasts no longer than the token.
		ctx, cancel := context.WithDeadline(ctx, claims.ExpiresAt)
		go func() { <-ctx.Done(); cancel() }() // released when the connection or the token ends
		ctx = context.WithValue(ctx, socketKey{}, &socketState{})
		return auth.WithPrincipal(ctx, p), nil, nil
	}
}

// socketKey marks an operation's context as a websocket's (socketInit), with its state.
type socketKey struct{}

// socketState is what a websocket's operations share: how many subscriptions it carries.
type socketState struct {
	subscriptions atomic.Int64
}

// socketOperations holds a websocket to what it is for. It carries subscriptions only: a
// query or mutation over it would run outside the request's limits (REQUEST_TIMEOUT, the
// per-request loaders of resolvers.Middleware) and is refused with BAD_REQUEST. And it carries
// at most maxSubscriptions at once (each holds an event buffer and goroutines until it
// completes); another is refused with TOO_MANY_SUBSCRIPTIONS until one ends.
type socketOperations struct {
	maxSubscriptions int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = socketOperations{}

func (socketOperations) ExtensionName() string                   { return "SocketOperations" }
func (socketOperations) Validate(graphql.ExecutableSchema) error { return nil }

func (l socketOperations) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	st, ok := ctx.Value(socketKey{}).(*socketState)
	if !ok {
		return next(ctx) // HTTP: execute refuses a subscription there
	}
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{codedGQL(apperr.BadRequest, msg.Render(ctx, msg.T(msg.SocketNotSubscription)))}})
	}
	// One stream per subscription. The validator counts top-level field names, so two aliases
	// of one field (or a field skipped with @skip) got past it, and the executor's own refusal
	// was uncoded: INTERNAL, and an error in the log for every such message.
	if n := len(graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{"Subscription"})); n != 1 {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{codedGQL(errcode.ValidationFailed, msg.Render(ctx, msg.T(msg.OneStream, "count", n)))}})
	}
	if st.subscriptions.Add(1) > int64(l.maxSubscriptions) {
		st.subscriptions.Add(-1)
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{codedGQL(apperr.TooManySubscriptions, msg.Render(ctx, msg.T(msg.TooManySubscriptions, "limit", l.maxSubscriptions)))}})
	}
	// The transport cancels an operation's context when it ends, however it ends (complete,
	// an error, the socket closed).
	context.AfterFunc(ctx, func() { st.subscriptions.Add(-1) })
	return next(ctx)
}

// unauthorized answers 401 for either media type: the GraphQL-over-HTTP specification leaves
// authentication to the server, and a client (or a proxy) acts on 401 without reading the body.
func unauthorized(w http.ResponseWriter, r *http.Request, text msg.Text) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="planapi"`)
	writeCoded(w, r, http.StatusUnauthorized, apperr.Unauthenticated, text)
}

// requirePrincipal refuses every root data field to an anonymous caller. Introspection
// (__schema, __type, __typename) stays open so the Playground can load the schema. It is a
// root-field middleware: the fields under a root field need no check of their own, and a
// middleware on every field ran for each of the thousand values of a nested list.
func requirePrincipal(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	// (gqlgen's RootFieldContext.Object holds the field's name; the operation says which root.)
	rc, op := graphql.GetRootFieldContext(ctx), graphql.GetOperationContext(ctx).Operation
	if rc != nil && op != nil && op.Operation != ast.Subscription && !strings.HasPrefix(rc.Field.Name, "__") {
		// SECURITY: no principal, no data.
		if _, ok := auth.FromContext(ctx); !ok {
			// The error's path is the root field's, as a resolver's error would have.
			fc := &graphql.FieldContext{Object: rc.Field.ObjectDefinition.Name, Field: rc.Field}
			graphql.AddError(graphql.WithFieldContext(ctx, fc), apperr.New(apperr.Unauthenticated, msg.AuthRequired))
			return graphql.Null
		}
	}
	return next(ctx)
}

// presenter maps coded errors to extensions.code and hides everything else. Faults (the
// database unreachable, a deadline, the client gone) get their own codes; only what is left is
// INTERNAL, logged with detail. Without introspection, validation messages lose their
// suggestions of field, argument and type names.
func presenter(log *slog.Logger, introspection bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		lang := msg.LangOf(ctx)
		if e, ok := apperr.As(err); ok {
			gerr.Message = e.Message.In(lang)
			if gerr.Extensions == nil {
				gerr.Extensions = map[string]any{}
			}
			gerr.Extensions["code"] = string(e.Code)
			for k, v := range e.Details {
				gerr.Extensions[k] = rendered(v, lang)
			}
			return gerr
		}
		var gq *gqlerror.Error
		if errors.As(err, &gq) && gq.Extensions != nil && gq.Extensions["code"] != nil {
			// Parser, validation and budget errors carry their own code.
			if !introspection {
				gerr.Message = withoutSuggestions(gerr.Message)
			}
			if gq.Extensions["code"] == string(apperr.TooComplex) {
				var cost, limit int
				if _, err := fmt.Sscanf(gq.Message, "operation has complexity %d, which exceeds the limit of %d", &cost, &limit); err == nil {
					gerr.Message = msg.T(msg.TooComplex, "cost", cost, "limit", limit).In(lang)
				}
			}
			return gerr
		}
		if errors.As(err, &gq) && gq.Err != nil && gq.Err.Error() == "introspection disabled" {
			gerr.Message = msg.T(msg.IntrospectionOff).In(lang)
			gerr.Extensions = map[string]any{"code": string(apperr.Forbidden)}
			return gerr
		}
		if name, ok := argumentError(ctx, err); ok {
			inner := err
			if gq != nil && gq.Err != nil {
				inner = gq.Err
			}
			gerr.Message = msg.T(msg.BadArgument, "name", name, "err", shortErr(inner).Error()).In(lang)
			gerr.Extensions = map[string]any{"code": string(apperr.Invalid), "field": name}
			return gerr
		}
		if code, ok := fault(ctx, err); ok {
			switch code {
			case apperr.Invalid:
				log.Info("input refused by the database", "path", gerr.Path.String(), "err", err)
			case apperr.Canceled:
				// The client went away: nobody reads this, and it is not the server's error.
				log.Debug("request cancelled by the client", "path", gerr.Path.String())
			case apperr.Unavailable:
				log.Warn("database unavailable", "path", gerr.Path.String(), "err", err)
			default:
				log.Warn("request timed out", "path", gerr.Path.String(), "err", err)
			}
			gerr.Message = faultMessage(code).In(lang)
			gerr.Extensions = map[string]any{"code": string(code)}
			return gerr
		}
		log.Error("internal error", "path", gerr.Path.String(), "err", err)
		gerr.Message = msg.T(msg.InternalError).In(lang)
		gerr.Extensions = map[string]any{"code": string(apperr.Internal)}
		return gerr
	}
}

// language puts the language the request asked for (Accept-Language: en → English, else
// Chinese) in its context, where the error presenter and the resolvers render messages.
func language(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(msg.WithLang(r.Context(), requestLang(r))))
	})
}

func requestLang(r *http.Request) msg.Lang { return msg.Parse(r.Header.Get("Accept-Language")) }

// rendered is an error detail with every message in it rendered in lang (extensions.refused
// carries one per refused value).
func rendered(v any, lang msg.Lang) any {
	switch x := v.(type) {
	case msg.Text:
		return x.In(lang)
	case []msg.Text:
		out := make([]string, len(x))
		for i, t := range x {
			out[i] = t.In(lang)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = rendered(e, lang)
		}
		return out
	case []map[string]any:
		out := make([]map[string]any, len(x))
		for i, e := range x {
			out[i] = rendered(e, lang).(map[string]any)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rendered(e, lang)
		}
		return out
	}
	return v
}

// withoutSuggestions cuts the validator's "Did you mean …?" from a message: with
// introspection off, the schema's names are not for strangers to guess at.
func withoutSuggestions(msg string) string {
	if i := strings.Index(msg, " Did you mean "); i >= 0 {
		return msg[:i]
	}
	return msg
}
