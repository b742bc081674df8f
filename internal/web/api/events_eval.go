package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/auth"
	"estateclub/internal/event"
	"estateclub/internal/web"
)

// After an event: actual costs with their receipts, the satisfaction
// survey, the evaluation (经验总结) and the export; the case library
// (活动案例库) and copying a case as a new proposal; the yearly plans
// (年度活动计划).

// CostUploadLimit bounds the body of a cost: its receipt and the form.
const CostUploadLimit = event.MaxReceipt + 1<<20

// eventCost records an actual cost of a held event from a multipart form:
// category, item, amount_fen and the receipt (a photo or a PDF) in the
// file field "receipt". The event is loaded in scope before the body is
// read, and the body is bounded (CostUploadLimit) before anything reads it.
func (s *handler) eventCost(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventWrite)
	var out *event.Event
	if err == nil {
		var in event.CostInput
		if in, err = costInput(r); err == nil {
			out, err = s.Events.AddCost(r.Context(), e.ID, in, eventScope(r, auth.EventWrite))
		}
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	web.WriteJSON(w, http.StatusCreated, out)
}

// costInput reads a cost's form; a receipt over the limit is refused from
// its declared size, or as the bounded body runs out.
func costInput(r *http.Request) (event.CostInput, error) {
	var in event.CostInput
	if r.MultipartForm == nil {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" {
			return in, apperr.Field("receipt", "请以 multipart/form-data 表单提交费用和票据", "send the cost and its receipt as a multipart/form-data form")
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return in, event.ReceiptTooLarge(err)
			}
			return in, &apperr.Error{Code: apperr.Invalid, ZH: "表单无法解析", EN: "the form could not be read", Err: err}
		}
	}
	f := r.MultipartForm.Value
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	in.Category, in.Item = event.BudgetCategory(get("category")), get("item")
	if !slices.Contains(event.BudgetCategories, in.Category) {
		return in, apperr.Field("category", "请选择费用类别", "choose the budget category")
	}
	amount, err := strconv.ParseInt(get("amount_fen"), 10, 64)
	if err != nil {
		return in, apperr.Field("amount_fen", "金额须为以分计的整数", "the amount is a whole number of fen")
	}
	in.AmountFen = amount
	files := r.MultipartForm.File["receipt"]
	if len(files) > 1 {
		return in, apperr.Field("receipt", "每笔费用只能附一张票据", "one receipt per cost")
	}
	if len(files) == 1 && files[0].Size > 0 {
		h := files[0]
		if h.Size > event.MaxReceipt {
			return in, event.ReceiptTooLarge(nil)
		}
		fh, err := h.Open()
		if err != nil {
			return in, err
		}
		defer fh.Close()
		if in.Receipt, err = io.ReadAll(io.LimitReader(fh, event.MaxReceipt+1)); err != nil {
			return in, err
		}
		in.ReceiptName = h.Filename
	}
	return in, nil
}

// eventReceipt downloads a cost's receipt, never cached nor sniffed; the
// core audits every opening.
func (s *handler) eventReceipt(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "cost")
	var name, typ string
	var data []byte
	if err == nil {
		name, typ, data, err = s.Events.Receipt(r.Context(), id, eventScope(r, auth.EventRead))
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	disp := "attachment"
	if strings.HasPrefix(typ, "image/") {
		disp = "inline"
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", mime.FormatMediaType(disp, map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

func (s *handler) eventEvaluation(r *request[none], e *event.Event) (any, error) {
	return s.Events.Evaluate(r.Context(), e.ID, routeScope(r.Request))
}

// surveySentView is how many attendees have the survey.
type surveySentView struct {
	Invited int `json:"invited"`
}

// eventSurvey invites the attendees of a held event to the satisfaction
// survey (portal, and a text to those who consented); again, nobody is
// invited twice.
func (s *handler) eventSurvey(r *request[none], e *event.Event) (any, error) {
	n, err := s.Events.SendSurvey(r.Context(), e.ID, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return surveySentView{Invited: n}, nil
}

// eventExport downloads an event's registrations and attendance as .xlsx,
// members limited to the caller's scope; the core audits the export.
func (s *handler) eventExport(w http.ResponseWriter, r *http.Request) {
	e, err := s.scopedEvent(r, auth.EventRead)
	var data []byte
	var name string
	if err == nil {
		sc := eventScope(r, auth.EventRead)
		data, name, err = s.Events.Export(r.Context(), e.ID, web.Lang(r), sc, sc)
	}
	if err != nil {
		s.APIError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(data)
}

// eventCases searches the case library: closed events by q (theme, venue,
// number or lessons), kind, org and year.
func (s *handler) eventCases(r *request[none]) (any, error) {
	pg, err := web.ReadPaging(r.Request)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	f := event.CaseFilter{Within: routeScope(r.Request), Q: q.Get("q"), Kind: event.Kind(q.Get("kind")), Offset: pg.Offset(), Limit: pg.PerPage}
	if f.Kind != "" && !slices.Contains(event.Kinds, f.Kind) {
		return nil, apperr.Field("kind", "活动类型须为休闲、商务或行业", "the type is leisure, business or industry")
	}
	if q.Get("year") != "" {
		if f.Year, err = s.year(r.Request); err != nil {
			return nil, err
		}
	}
	if code := q.Get("org"); code != "" {
		n, err := s.Org.ByCode(r.Context(), code)
		if err != nil || !r.P.Sees(n.Path) {
			return nil, apperr.Field("org", "组织节点 "+code+" 不存在", "org node "+code+" does not exist")
		}
		f.NodeID = n.ID
	}
	list, total, err := s.Events.Cases(r.Context(), f)
	if err != nil {
		return nil, err
	}
	return web.NewList(list, total, pg), nil
}

// copyBody is when the new event starts.
type copyBody struct {
	StartsAt time.Time `json:"starts_at"`
}

// eventCopy starts a new proposal (a draft, proposed by the caller) from a
// case, its dates moved to starts_at.
func (s *handler) eventCopy(r *request[copyBody], e *event.Event) (any, error) {
	out, err := s.Events.CopyAsProposal(r.Context(), e.ID, r.Body.StartsAt, r.P.Staff.ID, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return created(out), nil
}

// Yearly plans (年度活动计划).

func (s *handler) eventPlans(r *request[none]) (any, error) {
	y := 0
	if r.URL.Query().Get("year") != "" {
		var err error
		if y, err = s.year(r.Request); err != nil {
			return nil, err
		}
	}
	plans, err := s.Events.Plans(r.Context(), y, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return whole(plans), nil
}

// scopedPlan loads the yearly plan {event_plan} within the caller's scope for perm.
func (s *handler) scopedPlan(r *http.Request, perm auth.Permission) (*event.Plan, error) {
	id, err := pathID(r, "event_plan")
	if err != nil {
		return nil, err
	}
	return s.Events.Plan(r.Context(), id, eventScope(r, perm))
}

func (s *handler) eventPlanGet(_ *request[none], p *event.Plan) (any, error) { return p, nil }

// planBody names a yearly plan: the node by its code, and the year.
type planBody struct {
	Org  string `json:"org"`
	Year int    `json:"year"`
}

// eventPlanPut returns the plan of a node for a year, made empty the
// first time.
func (s *handler) eventPlanPut(r *request[planBody]) (any, error) {
	n, err := s.NodeForWrite(r.Request, "org", r.Body.Org, auth.EventWrite)
	if err != nil {
		return nil, err
	}
	return s.Events.PlanFor(r.Context(), n.ID, r.Body.Year, routeScope(r.Request))
}

func (s *handler) eventPlanItemAdd(r *request[event.PlanItemInput], p *event.Plan) (any, error) {
	out, err := s.Events.AddPlanItem(r.Context(), p.ID, r.Body, routeScope(r.Request))
	if err != nil {
		return nil, err
	}
	return created(out), nil
}

// eventPlanItemRemove removes a planned event no event was proposed for,
// answering the plan as it now is.
func (s *handler) eventPlanItemRemove(r *request[none]) (any, error) {
	id, err := pathID(r.Request, "plan_item")
	if err != nil {
		return nil, err
	}
	return s.Events.RemovePlanItem(r.Context(), id, routeScope(r.Request))
}
