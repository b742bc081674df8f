package api

import (
	"strconv"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/web"
)

func (s *handler) me(r *request[none]) (any, error) {
	perms := map[auth.Permission]bool{}
	for _, g := range r.P.Grants {
		for _, perm := range g.Role.Permissions() {
			perms[perm] = true
		}
	}
	list := make([]auth.Permission, 0, len(perms))
	for perm := range perms {
		list = append(list, perm)
	}
	return map[string]any{"staff": r.P.Staff, "permissions": list}, nil
}

type passwordBody struct {
	Current string `json:"current_password"`
	New     string `json:"new_password"`
}

// mePassword changes the caller's password and ends their other
// sessions; the one it is sent with, if any, stays signed in.
func (s *handler) mePassword(r *request[passwordBody]) (any, error) {
	keep := ""
	if sess := web.Info(r.Request).Sess; sess != nil {
		keep = sess.IDHash
	}
	return nil, s.Auth.ChangePassword(r.Context(), r.P.Staff.ID, r.Body.Current, r.Body.New, keep)
}

func (s *handler) tokenList(r *request[none]) (any, error) {
	toks, err := s.Auth.ListTokens(r.Context(), r.P.Staff.ID)
	if err != nil {
		return nil, err
	}
	return whole(toks), nil
}

type tokenBody struct {
	Name    string `json:"name"`
	TTLDays int    `json:"ttl_days"`
}

func (b tokenBody) Validate() error {
	if b.TTLDays < 0 || b.TTLDays > 3650 {
		return apperr.Field("ttl_days", "有效天数须为 0–3650（0 为不过期）", "ttl_days must be 0–3650 (0: never expires)")
	}
	return nil
}

func (s *handler) tokenCreate(r *request[tokenBody]) (any, error) {
	raw, t, err := s.Auth.CreateToken(r.Context(), r.P.Staff.ID, r.Body.Name, time.Duration(r.Body.TTLDays)*24*time.Hour)
	if err != nil {
		return nil, err
	}
	return created(map[string]any{"token": raw, "info": t}), nil
}

func (s *handler) tokenRevoke(r *request[none]) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil {
		return nil, web.NotFoundErr
	}
	return nil, s.Auth.RevokeToken(r.Context(), r.P.Staff.ID, id)
}

func (s *handler) roles(r *request[none]) (any, error) {
	type role struct {
		Code        auth.Role         `json:"code"`
		Label       string            `json:"label"`
		Permissions []auth.Permission `json:"permissions"`
	}
	out := make([]role, 0, len(auth.Roles))
	for _, ro := range auth.Roles {
		out = append(out, role{ro, ro.Label(web.Lang(r.Request)), ro.Permissions()})
	}
	return map[string]any{"items": out}, nil
}

func (s *handler) dashboard(r *request[none]) (any, error) {
	return s.DashboardData(r.Context(), r.P)
}
