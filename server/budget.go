package server

import (
	"context"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"planapi/apperr"
	"planapi/msg"
)

// Budget bounds what one request may cost. Every limit is checked before anything runs, except
// the deadlines, which stop what is running.
type Budget struct {
	// MaxBodyBytes is the largest request body read; a larger one answers 413 unread.
	MaxBodyBytes int64
	// RequestTimeout is each request's deadline; past it, what runs is cancelled and the
	// request answers TIMEOUT.
	RequestTimeout time.Duration
	// MaxDepth is how deeply fields may nest (introspection's own nesting is not counted: the
	// validator bounds it).
	MaxDepth int
	// MaxComplexity bounds the document's estimated cost (resolvers/complexity.go).
	MaxComplexity int
	// MaxAliases is how many times one selection may ask for the same field under different
	// aliases (400 aliases of dashboard are 400 roll-ups).
	MaxAliases int
	// MaxSubscriptions is how many subscriptions one websocket may carry at once; each holds a
	// buffer and goroutines until it completes.
	MaxSubscriptions int
	// SocketWriteTimeout is how long a websocket's client may take to accept one message; a
	// socket whose client stopped reading is closed after it.
	SocketWriteTimeout time.Duration
}

// DefaultBudget is the budget of a server that sets none; cmd/server reads MAX_BODY_BYTES and
// REQUEST_TIMEOUT over it.
//
//   - 1 MiB of body: the largest legitimate document (a save of every figure of a submission
//     with comments) is a few tens of KiB.
//   - 30 s: the national roll-up takes about a second; a request still running after 30 s is
//     stuck or abusive, and a browser gives up before that anyway.
//   - depth 12: the deepest document a client needs (the task tree with a roll-up, a
//     submission's values with their history and elements) nests 6–7 fields; 12 leaves room,
//     and region { children { parent { children … } } } at depth 16 grew exponentially.
//   - complexity 50000: the largest documents the tests and benchmarks send (a city's
//     dashboard with completeness per cell; 50 submissions with their values' flags and
//     missing figures) cost about 14000; see complexity.go. One page of 500 submissions with
//     values and history costs about 82000 and is refused: page through them by 200.
//   - 20 aliases of one field: a client comparing periods side by side asks for a handful.
//   - 50 subscriptions per socket: a dashboard watches a region's submissions and its totals for
//     a few periods; 500 on one socket were 1500 goroutines and 500 event buffers.
//   - 10 s to take a message from a websocket: a live client takes it at once.
var DefaultBudget = Budget{
	MaxBodyBytes:       1 << 20,
	RequestTimeout:     30 * time.Second,
	MaxDepth:           12,
	MaxComplexity:      50000,
	MaxAliases:         20,
	MaxSubscriptions:   50,
	SocketWriteTimeout: 10 * time.Second,
}

func (b Budget) withDefaults() Budget {
	d := DefaultBudget
	if b.MaxBodyBytes > 0 {
		d.MaxBodyBytes = b.MaxBodyBytes
	}
	if b.RequestTimeout > 0 {
		d.RequestTimeout = b.RequestTimeout
	}
	if b.MaxDepth > 0 {
		d.MaxDepth = b.MaxDepth
	}
	if b.MaxComplexity > 0 {
		d.MaxComplexity = b.MaxComplexity
	}
	if b.MaxAliases > 0 {
		d.MaxAliases = b.MaxAliases
	}
	if b.MaxSubscriptions > 0 {
		d.MaxSubscriptions = b.MaxSubscriptions
	}
	if b.SocketWriteTimeout > 0 {
		d.SocketWriteTimeout = b.SocketWriteTimeout
	}
	return d
}

// shapeLimit refuses, before anything runs, a document that nests too deeply or asks for one
// field under too many aliases. It walks the operation once, through fragments (which the
// validator has already checked for cycles).
type shapeLimit struct {
	maxDepth, maxAliases int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (l shapeLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := shapeWalker{limit: l, fragments: map[*ast.FragmentDefinition]shape{}}
	if d := w.checked(oc.Operation.SelectionSet); d > l.maxDepth {
		return codedGQL(apperr.TooDeep, msg.Render(ctx, msg.T(msg.TooDeep, "depth", d, "limit", l.maxDepth)))
	}
	if w.aliased != "" {
		return codedGQL(apperr.TooManyAliases, msg.Render(ctx, msg.T(msg.TooManyAliases, "field", w.aliased, "count", w.aliases, "limit", l.maxAliases)))
	}
	return nil
}

// shape is what the limits need of a selection set: how deeply it nests, and how often each
// field name occurs at its top (through its fragments).
type shape struct {
	depth  int
	counts map[string]int
}

type shapeWalker struct {
	limit     shapeLimit
	fragments map[*ast.FragmentDefinition]shape // each fragment is walked once, however often spread
	aliased   string                            // the first field asked for under too many aliases
	aliases   int
}

// checked returns how deeply set nests and notes the first field it asks for under more
// than maxAliases aliases.
func (w *shapeWalker) checked(set ast.SelectionSet) int {
	sh := w.shape(set)
	for name, n := range sh.counts {
		if n > w.limit.maxAliases && (w.aliased == "" || n > w.aliases) {
			w.aliased, w.aliases = name, n
		}
	}
	return sh.depth
}

// shape walks set. Introspection fields (__schema, __type) are not descended: their nesting
// is the validator's to bound (MaxIntrospectionDepth), and GraphiQL's own query nests ofType
// deeper than any data query needs.
func (w *shapeWalker) shape(set ast.SelectionSet) shape {
	out := shape{counts: map[string]int{}}
	merge := func(in shape) {
		out.depth = max(out.depth, in.depth)
		for k, n := range in.counts {
			out.counts[k] += n
		}
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out.counts[s.Name]++
			if strings.HasPrefix(s.Name, "__") {
				out.depth = max(out.depth, 1)
				continue
			}
			out.depth = max(out.depth, 1+w.checked(s.SelectionSet))
		case *ast.InlineFragment:
			merge(w.shape(s.SelectionSet))
		case *ast.FragmentSpread:
			if s.Definition == nil {
				continue
			}
			sh, ok := w.fragments[s.Definition]
			if !ok {
				sh = w.shape(s.Definition.SelectionSet)
				w.fragments[s.Definition] = sh
			}
			merge(sh)
		}
	}
	return out
}

// codedGQL is an error refused before execution, with its code in extensions.
func codedGQL(code apperr.Code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": string(code)}}
}
