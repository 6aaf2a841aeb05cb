package resolvers

import (
	"context"

	"planapi/apperr"
	"planapi/events"
	"planapi/graph/model"
	"planapi/msg"
)

// Subscriptions: live updates. The store decides once, when a client subscribes, which events
// it may hear (store/watch.go); every event this replica hears (events.Hub, fed by PostgreSQL
// from every replica) then goes through that filter.

func (r *subscriptionResolver) SubmissionChanged(ctx context.Context, regionCode string) (<-chan *model.SubmissionEvent, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	keep, err := r.Store.WatchSubmissions(p, regionCode)
	if err != nil {
		return nil, err
	}
	in, err := r.subscribe(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan *model.SubmissionEvent, 1)
	go func() {
		defer close(out)
		for e := range in {
			if !keep(e) {
				continue
			}
			ev := &model.SubmissionEvent{Region: r.Cache.Regions().Get(e.RegionCode), Period: e.Period, Action: e.Action,
				Status: model.SubmissionStatus(e.Status), Version: e.Version, At: e.At}
			if ev.Region == nil {
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (r *subscriptionResolver) TotalsChanged(ctx context.Context, regionCode string, period string) (<-chan *model.TotalsEvent, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	keep, err := r.Store.WatchTotals(p, regionCode, period)
	if err != nil {
		return nil, err
	}
	in, err := r.subscribe(ctx)
	if err != nil {
		return nil, err
	}
	region := r.Cache.Regions().Get(regionCode)
	out := make(chan *model.TotalsEvent, 1)
	go func() {
		defer close(out)
		for e := range in {
			if !keep(e) {
				continue
			}
			select {
			case out <- &model.TotalsEvent{Region: region, Period: period, Reason: e.Action, At: e.At}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (r *subscriptionResolver) subscribe(ctx context.Context) (<-chan events.Event, error) {
	if r.Events == nil {
		return nil, apperr.New(apperr.Unavailable, msg.LiveUpdatesOff)
	}
	return r.Events.Subscribe(ctx), nil
}
