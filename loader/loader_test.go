package loader

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoaderBatchesConcurrentLoads(t *testing.T) {
	var calls atomic.Int32
	l := New(func(ctx context.Context, keys []int) (map[int]int, error) {
		calls.Add(1)
		out := map[int]int{}
		for _, k := range keys {
			out[k] = k * 10
		}
		return out, nil
	}, 5*time.Millisecond, 100)
	var wg sync.WaitGroup
	got := make([]int, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := l.Load(context.Background(), i%25) // duplicates come from the cache
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	for i, v := range got {
		if v != (i%25)*10 {
			t.Errorf("Load(%d) = %d, want %d", i%25, v, (i%25)*10)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("fetch called %d times, want 1", n)
	}
	// A later load of a cached key does not fetch again.
	if v, _ := l.Load(context.Background(), 3); v != 30 || calls.Load() != 1 {
		t.Errorf("cached load = %d after %d fetches", v, calls.Load())
	}
}

func TestLoaderSplitsAtMax(t *testing.T) {
	var calls atomic.Int32
	l := New(func(ctx context.Context, keys []int) (map[int]int, error) {
		calls.Add(1)
		if len(keys) > 10 {
			t.Errorf("batch of %d keys, max is 10", len(keys))
		}
		return map[int]int{}, nil
	}, 5*time.Millisecond, 10)
	if _, err := l.LoadAll(context.Background(), []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21}); err != nil {
		t.Fatal(err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("fetch called %d times for 21 keys with max 10, want 3", n)
	}
}

func TestLoaderError(t *testing.T) {
	boom := errors.New("boom")
	l := New(func(ctx context.Context, keys []string) (map[string]int, error) { return nil, boom }, time.Millisecond, 0)
	if _, err := l.Load(context.Background(), "a"); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}
