package db

import "context"

// Actor is who acts in a transaction: a staff member, a member, or the system.
type Actor struct {
	Kind  string // "staff", "member", "system"
	ID    int64
	Login string
	IP    string
	// RequestID ties audit entries to the request log line.
	RequestID string
}

type actorKey struct{}

// WithActor returns a context whose transactions act as a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the system actor.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Kind: "system", Login: "system"}
}
