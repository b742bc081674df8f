package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/request"
)

// MaxRequestNo bounds the request number a queue filter searches for.
const MaxRequestNo = 30

// RequestFilter reads the request queue's filters from the URL, the same
// for the console's list and export and the API's list: status, kind,
// subkind (one of the kind's when both are given), channel, a request
// number (or part of one), the yes/no filters mine, overdue and flagged
// (low rating), and a department: department=mine (the console's dept=1)
// keeps the caller's departments, department=ID one department. The queue
// is always the caller's request scope (auth.RequestRead).
func (s *Server) RequestFilter(r *http.Request) (request.Filter, error) {
	q := r.URL.Query()
	p := Principal(r)
	f := request.Filter{Scope: RequestScope(r, auth.RequestRead)}
	if v := request.Status(q.Get("status")); v != "" {
		if v.Label("zh-CN") == "" {
			return f, apperr.Field("status", "状态不正确", "unknown status")
		}
		f.Status = v
	}
	if v := request.Kind(q.Get("kind")); v != "" {
		if v.Label("zh-CN") == "" {
			return f, apperr.Field("kind", "诉求类型不正确", "unknown kind")
		}
		f.Kind = v
	}
	if v := request.Subkind(q.Get("subkind")); v != "" {
		cat, err := s.Requests.Catalogue(r.Context())
		if err != nil {
			return f, err
		}
		known := slices.ContainsFunc(request.Kinds, func(k request.Kind) bool {
			_, ok := cat.Subkind(k, v) // retired ones too: old requests keep them
			return ok && (f.Kind == "" || f.Kind == k)
		})
		if !known {
			return f, apperr.Field("subkind", "诉求类别不正确或不属于所选类型", "unknown subkind, or not one of the kind chosen")
		}
		f.Subkind = v
	}
	if v := request.Channel(q.Get("channel")); v != "" {
		if v.Label("zh-CN") == "" {
			return f, apperr.Field("channel", "诉求来源不正确", "unknown channel")
		}
		f.Channel = v
	}
	if v := strings.TrimSpace(q.Get("no")); v != "" {
		if utf8.RuneCountInString(v) > MaxRequestNo {
			return f, apperr.Field("no", "编号不能超过 30 个字符", "the number has at most 30 characters")
		}
		f.No = v
	}
	var err error
	if f.Overdue, err = QueryBool(q.Get("overdue"), "overdue"); err != nil {
		return f, err
	}
	if f.Flagged, err = QueryBool(q.Get("flagged"), "flagged"); err != nil {
		return f, err
	}
	mine, err := QueryBool(q.Get("mine"), "mine")
	if err != nil {
		return f, err
	}
	if mine && p != nil {
		f.Assignee = p.Staff.ID
	}
	dept, err := QueryBool(q.Get("dept"), "dept")
	if err != nil {
		return f, err
	}
	switch v := q.Get("department"); {
	case v == "mine" || (v == "" && dept):
		var ids []int64
		if p != nil {
			if ids, err = s.Requests.StaffDepartments(r.Context(), p.Staff.ID); err != nil {
				return f, err
			}
		}
		f.Departments = append([]int64{}, ids...) // in no department: none of the queue
	case v != "":
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, apperr.Field("department", "department 须为部门编号或 mine", "department must be a department id or mine")
		}
		f.Departments = []int64{id}
	}
	return f, nil
}

// QueryBool reads a yes/no query value: "1" or "true" is yes; "", "0"
// or "false" is no.
func QueryBool(v, name string) (bool, error) {
	switch v {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, apperr.Field(name, name+" 须为 true 或 false（1 或 0）", name+" must be true or false (1 or 0)")
}
