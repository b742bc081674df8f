package api

import (
	"estateclub/internal/notify"
	"estateclub/internal/web"
)

// Staff notices (提醒): a request routed to the caller's department,
// assigned to them, escalated, answered by the member or rated low. Each
// caller reads and marks their own only.

type noticesBody struct {
	Items   []notify.Notice `json:"items"`
	Unread  int             `json:"unread"`
	Page    int             `json:"page"`
	PerPage int             `json:"per_page"`
}

func (s *handler) noticeList(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	unread, err := web.QueryBool(r.URL.Query().Get("unread"), "unread")
	if err != nil {
		return nil, err
	}
	list, n, err := s.Notices.List(r.Context(), r.P.Staff.ID, unread, pg.Offset(), pg.PerPage)
	if err != nil {
		return nil, err
	}
	lang := web.Lang(r.Request)
	for i := range list {
		list[i].Text = list[i].In(lang)
	}
	return noticesBody{Items: list, Unread: n, Page: pg.Page, PerPage: pg.PerPage}, nil
}

type readBody struct {
	IDs []int64 `json:"ids"`
}

// noticeRead marks the caller's notices read: those named, or all.
func (s *handler) noticeRead(r *request[optional[readBody]]) (any, error) {
	return nil, s.Notices.MarkRead(r.Context(), r.P.Staff.ID, r.Body.V.IDs)
}
