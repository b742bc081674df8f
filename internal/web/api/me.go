package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/web"
	"net/http"
	"strconv"
	"time"
)

func (s *handler) apiMe(w http.ResponseWriter, r *http.Request) {
	p := web.Principal(r)
	perms := map[auth.Permission]bool{}
	for _, g := range p.Grants {
		for _, perm := range g.Role.Permissions() {
			perms[perm] = true
		}
	}
	list := make([]auth.Permission, 0, len(perms))
	for perm := range perms {
		list = append(list, perm)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"staff": p.Staff, "permissions": list})
}

func (s *handler) apiMePassword(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	keep := ""
	if sess := web.Info(r).Sess; sess != nil {
		keep = sess.IDHash
	}
	if err := s.Auth.ChangePassword(r.Context(), web.Principal(r).Staff.ID, b.Current, b.New, keep); err != nil {
		s.APIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *handler) apiTokenList(w http.ResponseWriter, r *http.Request) {
	toks, err := s.Auth.ListTokens(r.Context(), web.Principal(r).Staff.ID)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(toks, len(toks), web.Paging{Page: 1, PerPage: max(len(toks), 1)}))
}

func (s *handler) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Name    string `json:"name"`
		TTLDays int    `json:"ttl_days"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if b.TTLDays < 0 || b.TTLDays > 3650 {
		s.APIError(w, r, apperr.Field("ttl_days", "有效天数须为 0–3650（0 为不过期）", "ttl_days must be 0–3650 (0: never expires)"))
		return
	}
	raw, t, err := s.Auth.CreateToken(r.Context(), web.Principal(r).Staff.ID, b.Name, time.Duration(b.TTLDays)*24*time.Hour)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"token": raw, "info": t})
}

func (s *handler) apiTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("token"), 10, 64)
	if err != nil {
		s.APIError(w, r, web.NotFoundErr)
		return
	}
	if err := s.Auth.RevokeToken(r.Context(), web.Principal(r).Staff.ID, id); err != nil {
		s.APIError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *handler) apiRoles(w http.ResponseWriter, r *http.Request) {
	type role struct {
		Code        auth.Role         `json:"code"`
		Label       string            `json:"label"`
		Permissions []auth.Permission `json:"permissions"`
	}
	out := make([]role, 0, len(auth.Roles))
	for _, ro := range auth.Roles {
		out = append(out, role{ro, ro.Label(web.Lang(r)), ro.Permissions()})
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *handler) apiDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := s.DashboardData(r.Context(), web.Principal(r))
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, d)
}
