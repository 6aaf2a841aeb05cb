package server

import (
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// timedSockets accepts websockets as gqlgen's coder/websocket adapter does, and closes a
// socket one of whose writes has not finished within writeTimeout. The adapter writes with
// no deadline, and the transport writes under one lock: a client that stopped reading (and
// answered pings blindly, which clears the transport's read deadline) held every write of its
// socket, the goroutines of its subscriptions and the connection for as long as it liked,
// past its token's expiry too, since the transport's close waits for that lock.
type timedSockets struct {
	transport.CoderWebsocketImplementation
	writeTimeout time.Duration
}

func (t timedSockets) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := t.CoderWebsocketImplementation.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	return &timedConn{WebsocketConn: c, writeTimeout: t.writeTimeout}, nil
}

type timedConn struct {
	transport.WebsocketConn
	writeTimeout time.Duration
}

var _ interface {
	transport.WebsocketConn
	transport.WebsocketReadLimiter
	transport.WebsocketReadDeadliner
} = (*timedConn)(nil)

// WriteJSON writes v, closing the connection (which ends the blocked write) if the client has
// not taken it within the write timeout.
func (c *timedConn) WriteJSON(v any) error {
	t := time.AfterFunc(c.writeTimeout, func() { c.WebsocketConn.Close() })
	defer t.Stop()
	return c.WebsocketConn.WriteJSON(v)
}

func (c *timedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *timedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}
