package api

import (
	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/web"
	"net/http"
)

func (s *handler) apiStaffList(w http.ResponseWriter, r *http.Request) {
	pg, err := web.ReadPaging(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f, err := web.StaffFilter(r)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	f.Offset, f.Limit = pg.Offset(), pg.PerPage
	list, total, err := s.Auth.ListStaff(r.Context(), f)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	for i := range list {
		list[i].Grants = web.VisibleGrants(web.Principal(r), list[i].Grants)
	}
	web.WriteJSON(w, http.StatusOK, web.NewList(list, total, pg))
}

func (s *handler) apiStaffCreate(w http.ResponseWriter, r *http.Request) {
	var b web.StaffCreateBody
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	st, generated, err := s.CreateStaff(r, b)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	out := struct {
		*auth.Staff
		Password string `json:"password,omitempty"`
	}{st, generated}
	web.WriteJSON(w, http.StatusCreated, out)
}

func (s *handler) apiStaffGet(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffRead)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

func (s *handler) apiStaffUpdate(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b struct {
		Name   *string `json:"name"`
		Email  *string `json:"email"`
		Locale *string `json:"locale"`
		Active *bool   `json:"active"`
	}
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if b.Active != nil && !*b.Active && st.ID == web.Principal(r).Staff.ID {
		s.APIError(w, r, apperr.Field("active", "不能停用自己的账号", "you cannot disable your own account"))
		return
	}
	st, err = s.Auth.UpdateStaff(r.Context(), st.ID, auth.StaffUpdate{Name: b.Name, Email: b.Email, Locale: b.Locale, Active: b.Active})
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}

func (s *handler) apiStaffGrant(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	var b web.GrantBody
	if err := web.DecodeJSON(r, &b); err != nil {
		s.APIError(w, r, err)
		return
	}
	if st, err = s.Grant(r, st, b); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, st)
}

func (s *handler) apiStaffRevoke(w http.ResponseWriter, r *http.Request) {
	st, err := s.ScopedStaff(r, auth.StaffWrite)
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	if st, err = s.Revoke(r, st); err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusOK, st)
}
