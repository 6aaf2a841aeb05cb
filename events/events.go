// Package events carries change events between the service's replicas. A write announces
// itself with PostgreSQL's NOTIFY inside its own transaction (Notify), so only committed
// changes are announced, and each replica's Hub LISTENs on one connection of its own and fans
// the events out to its subscribers (GraphQL subscriptions). Two replicas on one database
// therefore see every change, whichever replica made it.
//
// An event carries where and what changed, never a figure. It decides nothing about who may
// see it: the subscription resolvers filter by the rules in auth.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"planapi/db"
)

// Channel is the PostgreSQL notification channel.
const Channel = "planapi_events"

// Kinds of event.
const (
	KindSubmission  = "submission"  // a save or a review transition of a submission
	KindPublication = "publication" // a region's totals published or withdrawn
)

// Event is one committed change.
type Event struct {
	Kind       string    `json:"kind"`
	RegionCode string    `json:"region"`
	RegionPath string    `json:"path"`
	Period     string    `json:"period"`
	Action     string    `json:"action"` // SAVE, SUBMIT, RECALL, APPROVE, RETURN, REOPEN; PUBLISH, UNPUBLISH
	Status     string    `json:"status,omitempty"`
	Version    int       `json:"version,omitempty"`
	At         time.Time `json:"at"`
}

// Notify announces e when tx commits (and not at all if it rolls back).
func Notify(ctx context.Context, tx *gorm.DB, e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, tx, `SELECT pg_notify(@channel, @payload)`, db.Args{"channel": Channel, "payload": string(b)})
	if err != nil {
		return fmt.Errorf("announce %s %s %s: %w", e.Kind, e.RegionCode, e.Period, err)
	}
	return nil
}

// Hub fans the events this replica hears out to its subscribers.
type Hub struct {
	mu   sync.Mutex
	subs map[chan Event]struct{}
	log  *slog.Logger
}

// NewHub returns a hub with no source; Listen feeds one.
func NewHub(log *slog.Logger) *Hub {
	return &Hub{subs: map[chan Event]struct{}{}, log: log}
}

// Subscribe returns the events heard from now until ctx ends, when the channel closes. A
// subscriber too slow to take an event loses it (and is told so in the log) rather than hold
// up the others.
func (h *Hub) Subscribe(ctx context.Context) <-chan Event {
	ch := make(chan Event, 64)
	h.mu.Lock()
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	go func() {
		<-ctx.Done()
		h.mu.Lock()
		delete(h.subs, ch)
		close(ch)
		h.mu.Unlock()
	}()
	return ch
}

// Publish hands e to every subscriber.
func (h *Hub) Publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- e:
		default:
			h.log.Warn("a subscriber is too slow: event dropped", "kind", e.Kind, "region", e.RegionCode, "period", e.Period)
		}
	}
}

// Listen feeds h from PostgreSQL until ctx ends: one connection of its own (dsn: the
// service's login) LISTENs on Channel, and is opened again after a failure.
func (h *Hub) Listen(ctx context.Context, dsn string) {
	for wait := time.Second; ctx.Err() == nil; wait = min(2*wait, 30*time.Second) {
		err := h.listenOnce(ctx, dsn)
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("event listener lost its connection; listening again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

func (h *Hub) listenOnce(ctx context.Context, dsn string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var e Event
		if err := json.Unmarshal([]byte(n.Payload), &e); err != nil {
			h.log.Warn("unreadable event", "err", err)
			continue
		}
		h.Publish(e)
	}
}

// Start makes a hub and listens in the background until ctx ends; it returns once the first
// connection listens, so that no change made after it returns is missed.
func Start(ctx context.Context, dsn string, log *slog.Logger) (*Hub, error) {
	h := NewHub(log)
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("event listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("event listener: %w", err)
	}
	go func() {
		// The first connection, then Listen's own after a failure.
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				break
			}
			var e Event
			if json.Unmarshal([]byte(n.Payload), &e) == nil {
				h.Publish(e)
			}
		}
		conn.Close(context.WithoutCancel(ctx))
		h.Listen(ctx, dsn)
	}()
	return h, nil
}

// Subscribers counts the subscriptions this replica is feeding.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}
