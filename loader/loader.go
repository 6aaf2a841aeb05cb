// Package loader batches the lookups that GraphQL resolvers make one object at a time: the
// values of each submission in a list, the history of each value. Keys asked for within a
// short window go to the fetch function together, so a list of N objects costs one query,
// not N. A loader lives for one request (it is built after authentication and caches what it
// fetched), and returns results in key order.
package loader

import (
	"context"
	"sync"
	"time"
)

// Fetch loads many keys at once. Keys absent from the result have the zero value.
type Fetch[K comparable, V any] func(ctx context.Context, keys []K) (map[K]V, error)

// Loader batches and caches Load calls for one request.
type Loader[K comparable, V any] struct {
	fetch Fetch[K, V]
	wait  time.Duration
	max   int

	mu    sync.Mutex
	cache map[K]*result[V]
	batch *batch[K, V]
}

type result[V any] struct {
	done chan struct{}
	val  V
	err  error
}

type batch[K comparable, V any] struct {
	keys    []K
	results []*result[V]
	full    chan struct{}
	closed  bool
}

// New returns a loader that waits up to wait for more keys and sends at most max keys per
// fetch.
func New[K comparable, V any](fetch Fetch[K, V], wait time.Duration, max int) *Loader[K, V] {
	if max <= 0 {
		max = 1000
	}
	return &Loader[K, V]{fetch: fetch, wait: wait, max: max, cache: map[K]*result[V]{}}
}

// Load returns the value for key, batching it with concurrent calls.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	l.mu.Lock()
	if r, ok := l.cache[key]; ok {
		l.mu.Unlock()
		<-r.done
		return r.val, r.err
	}
	r := &result[V]{done: make(chan struct{})}
	l.cache[key] = r
	if l.batch == nil {
		b := &batch[K, V]{full: make(chan struct{})}
		l.batch = b
		go l.run(ctx, b)
	}
	b := l.batch
	b.keys = append(b.keys, key)
	b.results = append(b.results, r)
	if len(b.keys) >= l.max {
		l.batch = nil
		close(b.full)
	}
	l.mu.Unlock()
	<-r.done
	return r.val, r.err
}

// LoadAll loads several keys, in order.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	out := make([]V, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = l.Load(ctx, k)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// Prime stores a value fetched some other way.
func (l *Loader[K, V]) Prime(key K, v V) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.cache[key]; ok {
		return
	}
	r := &result[V]{done: make(chan struct{}), val: v}
	close(r.done)
	l.cache[key] = r
}

func (l *Loader[K, V]) run(ctx context.Context, b *batch[K, V]) {
	select {
	case <-b.full:
	case <-time.After(l.wait):
		l.mu.Lock()
		if l.batch == b {
			l.batch = nil
		}
		l.mu.Unlock()
	}
	vals, err := l.fetch(ctx, b.keys)
	for i, k := range b.keys {
		r := b.results[i]
		if err != nil {
			r.err = err
		} else {
			r.val = vals[k]
		}
		close(r.done)
	}
}
