package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/web"
)

func (s *handler) staffList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	f, err := web.StaffFilter(r.Request)
	if err != nil {
		return nil, err
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Auth.ListStaff(r.Context(), f)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Grants = web.VisibleGrants(r.P, list[i].Grants)
	}
	return web.NewList(list, total, pg), nil
}

// staffCreate answers the new account with its password when one was
// generated (shown this once).
func (s *handler) staffCreate(r *request[web.StaffCreateBody]) (any, error) {
	st, generated, err := s.CreateStaff(r.Request, r.Body)
	if err != nil {
		return nil, err
	}
	return created(struct {
		*auth.Staff
		Password string `json:"password,omitempty"`
	}{st, generated}), nil
}

func (s *handler) staffGet(_ *request[none], st *auth.Staff) (any, error) { return st, nil }

type staffUpdateBody struct {
	Name   *string `json:"name"`
	Email  *string `json:"email"`
	Locale *string `json:"locale"`
	Active *bool   `json:"active"`
}

func (s *handler) staffUpdate(r *request[staffUpdateBody], st *auth.Staff) (any, error) {
	b := r.Body
	if b.Active != nil && !*b.Active && st.ID == r.P.Staff.ID {
		return nil, apperr.Field("active", "不能停用自己的账号", "you cannot disable your own account")
	}
	return s.Auth.UpdateStaff(r.Context(), st.ID, auth.StaffUpdate{Name: b.Name, Email: b.Email, Locale: b.Locale, Active: b.Active})
}

func (s *handler) staffGrant(r *request[web.GrantBody], st *auth.Staff) (any, error) {
	st, err := s.Grant(r.Request, st, r.Body)
	if err != nil {
		return nil, err
	}
	return created(st), nil
}

func (s *handler) staffRevoke(r *request[none], st *auth.Staff) (any, error) {
	return s.Revoke(r.Request, st)
}
