package store

import (
	"planapi/apperr"
	"planapi/auth"
	"planapi/events"
	"planapi/msg"
	"planapi/period"
)

// Watching for changes (GraphQL subscriptions): what a caller may be told of, decided once
// when it subscribes, as a filter over the events every replica hears.

// WatchSubmissions returns the filter of the submission events a caller watching a region
// may receive: those of the region's subtree, which must lie in the caller's scope (as its
// submissions must to be read at all).
func (s *Store) WatchSubmissions(p *auth.Principal, regionCode string) (func(events.Event) bool, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	// SECURITY: the raw figures' rule: a region out of scope answers as if it did not exist.
	r := s.allowed(c, regionCode, auth.ReadRaw)
	if r == nil {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	return func(e events.Event) bool {
		return e.Kind == events.KindSubmission && auth.InScope(r.Path, s.eventPath(e))
	}, nil
}

// WatchTotals returns the filter of the events after which a caller's view of a region's
// totals for a period (or range) may have changed: for a region in the caller's scope, an
// approval or a reopening in its subtree of a period that overlaps the one watched; for a
// region above the caller, which it reads only as published, a publication or withdrawal of
// that region's totals for the period.
func (s *Store) WatchTotals(p *auth.Principal, regionCode, periodStr string) (func(events.Event) bool, error) {
	c, err := s.resolve(p)
	if err != nil {
		return nil, err
	}
	rng, err := period.ParseRangeArg("period", periodStr)
	if err != nil {
		return nil, err
	}
	// SECURITY: the roll-ups' rule: the caller's own subtree and its ancestors only.
	r := s.allowed(c, regionCode, auth.ReadAggregate)
	if r == nil {
		return nil, apperr.New(apperr.NotFound, msg.RegionNotFound, "region", regionCode).With("field", "regionCode")
	}
	overlaps := func(ps string) bool {
		p, err := period.Parse(ps)
		return err == nil && p.Start().Before(rng.End()) && rng.Start().Before(p.End())
	}
	// SECURITY: above the caller only publications say anything (auth.ReadsPublished): an
	// approval in a neighbour's county must not announce itself to a county.
	if auth.ReadsPublished(c.region.Path, r.Path) {
		return func(e events.Event) bool {
			return e.Kind == events.KindPublication && e.RegionCode == r.Code && overlaps(e.Period)
		}, nil
	}
	return func(e events.Event) bool {
		return e.Kind == events.KindSubmission && (e.Action == "APPROVE" || e.Action == "REOPEN") &&
			auth.InScope(r.Path, s.eventPath(e)) && overlaps(e.Period)
	}, nil
}

// eventPath is the path of the region an event names, from the region snapshot, or "" (no
// one's scope) for a region it does not know. An event's own path is not trusted: any login
// on the database may NOTIFY the channel, and the subscriber is shown the region by its
// code, so a path that disagreed with the code would show it a region out of its scope.
func (s *Store) eventPath(e events.Event) string {
	r := s.cache.Regions().Get(e.RegionCode)
	if r == nil || r.Path != e.RegionPath {
		return ""
	}
	return r.Path
}
