package api

import (
	"net/http"

	"estateclub/internal/auth"
	"estateclub/internal/web"
)

// The one shape of an API handler: a function from the request — with the
// caller and the decoded, validated body — to a result or an error. The
// adapters below do the rest once for every route: the strict, size-limited
// decoding of the body (web.DecodeJSON), the scope check of the object the
// path names, the status code and the error body (web.ErrorBody).

// none is the body of a request that takes none: it is not read.
type none struct{}

// optional wraps a body that may be left out (an empty body is its zero
// value); one that is sent is decoded as strictly as any other.
type optional[B any] struct{ V B }

// request is what an API handler receives.
type request[B any] struct {
	*http.Request
	P    *auth.Principal // the caller
	Body B               // decoded strictly and validated
}

// validator is a body that checks itself once decoded.
type validator interface{ Validate() error }

// reply is an answer with a status other than 200 OK.
type reply struct {
	status int
	body   any
}

// created answers 201 Created with v.
func created(v any) reply { return reply{http.StatusCreated, v} }

// withStatus answers v with the status code.
func withStatus(status int, v any) reply { return reply{status, v} }

// do adapts an action on a request to an HTTP handler.
func do[B any](s *handler, act func(r *request[B]) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := decode[B](r)
		if err == nil {
			var out any
			if out, err = act(req); err == nil {
				write(w, out)
				return
			}
		}
		s.APIError(w, r, err)
	}
}

// on adapts an action on the object the path names: load finds it, checked
// against the caller's scope for the route's permission, before the body
// is read; a caller out of scope is told it does not exist.
func on[T, B any](s *handler, load func(*http.Request, auth.Permission) (T, error), act func(r *request[B], obj T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		obj, err := load(r, web.RoutePerm(r))
		if err == nil {
			var req *request[B]
			if req, err = decode[B](r); err == nil {
				var out any
				if out, err = act(req, obj); err == nil {
					write(w, out)
					return
				}
			}
		}
		s.APIError(w, r, err)
	}
}

// decode reads the request's body into B, unless B is none.
func decode[B any](r *http.Request) (*request[B], error) {
	req := &request[B]{Request: r, P: web.Principal(r)}
	switch body := any(&req.Body).(type) {
	case *none:
	case interface{ decodeOptional(*http.Request) error }:
		if err := body.decodeOptional(r); err != nil {
			return nil, err
		}
	default:
		if err := web.DecodeJSON(r, &req.Body); err != nil {
			return nil, err
		}
	}
	if v, ok := any(&req.Body).(validator); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return req, nil
}

func (o *optional[B]) decodeOptional(r *http.Request) error {
	if r.ContentLength == 0 {
		return nil
	}
	return web.DecodeJSON(r, &o.V)
}

// write answers out: a reply with its status, nil with 204 No Content,
// anything else with 200 OK.
func write(w http.ResponseWriter, out any) {
	switch o := out.(type) {
	case reply:
		if o.body == nil {
			w.WriteHeader(o.status)
			return
		}
		web.WriteJSON(w, o.status, o.body)
	case nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		web.WriteJSON(w, http.StatusOK, out)
	}
}

// whole is a list answered in one page.
func whole[T any](items []T) web.List[T] {
	return web.NewList(items, len(items), web.Paging{Page: 1, PerPage: max(len(items), 1)})
}

// decisionBody is the body of an approve/return decision.
type decisionBody struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}
