package request

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/pii"
)

// NewRequest is a request as a member (or staff on their behalf) submits it.
type NewRequest struct {
	MemberID int64
	Kind     Kind
	Subkind  Subkind
	Channel  Channel // "": portal
	Text     string
	// Files are optional: at most MaxFiles photos or PDFs (see checkFiles).
	Files []Upload
	// ProjectID is the project the request is about; 0: the member's node
	// when it is a project, else the project of the member's first home.
	ProjectID int64
}

// Limits of a request's text.
const (
	MinText = 5
	MaxText = 2000
)

// Service keeps requests.
type Service struct {
	DB   *db.DB
	Keys *pii.Keys // seals replies and notes
	// Calendar counts working hours for due times; nil counts every hour.
	Calendar func(ctx context.Context) (Calendar, error)
	// Text sends a member a text message if they consented (nil: none).
	Text func(ctx context.Context, memberID int64, text string)
	// SurveyInvite invites the member to rate a resolved request, in its
	// transaction (nil: no survey).
	SurveyInvite func(ctx context.Context, tx *db.Tx, memberID, requestID int64) error
	// PrepareSurvey readies the survey before the resolving transaction
	// begins (nil: nothing to ready).
	PrepareSurvey func(ctx context.Context) error
	// Privacy makes data copies and anonymises members (nil: PIPL requests
	// are handled by hand).
	Privacy PIPL

	kinds catalogueCache // see Catalogue
}

// Calendar counts working time (internal/calendar).
type Calendar interface {
	AddWorkingHours(from time.Time, d time.Duration) time.Time
	WorkingTime(from, to time.Time) time.Duration
}

// PIPL is what privacy requests need of internal/privacy.
type PIPL interface {
	Copy(ctx context.Context, memberID int64) (fileID int64, err error)
	Anonymise(ctx context.Context, memberID int64, reason string) error
}

// allHours is the calendar without one: every hour counts.
type allHours struct{}

func (allHours) AddWorkingHours(from time.Time, d time.Duration) time.Time { return from.Add(d) }
func (allHours) WorkingTime(from, to time.Time) time.Duration {
	return max(to.Sub(from), 0)
}

func (s *Service) calendar(ctx context.Context) (Calendar, error) {
	if s.Calendar == nil {
		return allHours{}, nil
	}
	return s.Calendar(ctx)
}

// china is the club's calendar for request numbers.
var china = time.FixedZone("CST", 8*3600)

// number is a request's number (诉求编号): SQ, the day submitted, the id.
func number(id int64, at time.Time) string {
	return fmt.Sprintf("SQ%s-%06d", at.In(china).Format("20060102"), id)
}

// checked is a NewRequest after validation.
type checked struct {
	NewRequest
	files []checkedFile
}

// ValidateContent checks what a request says (kind, subkind, channel, text,
// files) without its member: staff intake checks it before enrolling a
// caller who is not yet a member.
func (s *Service) ValidateContent(ctx context.Context, in NewRequest) error {
	if _, err := in.validateContent(); err != nil {
		return err
	}
	return s.DB.View(ctx, func(tx *db.Tx) error {
		_, err := checkSubkind(ctx, tx, in.Kind, in.Subkind)
		return err
	})
}

func (in NewRequest) validate() (*checked, error) {
	if in.MemberID <= 0 {
		return nil, apperr.Field("member", "请指明提交诉求的会员", "the member is required")
	}
	return in.validateContent()
}

func (in NewRequest) validateContent() (*checked, error) {
	c := &checked{NewRequest: in}
	if !slices.Contains(Kinds, in.Kind) {
		return nil, apperr.Field("kind", "请选择诉求类型", "choose the kind of request")
	}
	if in.Subkind == "" {
		return nil, subkindOffered(nil, in.Kind, "") // whether it is offered: Submit
	}
	if c.Channel == "" {
		c.Channel = Portal
	}
	if !slices.Contains(Channels, c.Channel) {
		return nil, apperr.Field("channel", "诉求来源不正确", "unknown channel")
	}
	c.Text = strings.TrimSpace(strings.ReplaceAll(in.Text, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(c.Text); {
	case n < MinText:
		return nil, apperr.Field("text", fmt.Sprintf("请至少写 %d 个字，说明您的诉求", MinText), fmt.Sprintf("describe your request in at least %d characters", MinText))
	case n > MaxText:
		return nil, apperr.Field("text", fmt.Sprintf("内容不能超过 %d 个字", MaxText), fmt.Sprintf("the text has at most %d characters", MaxText))
	case !utf8.ValidString(c.Text) || strings.IndexFunc(c.Text, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		return nil, apperr.Field("text", "内容含有无法显示的字符", "the text holds characters that cannot be shown")
	}
	var err error
	if c.files, err = checkFiles(in.Files); err != nil {
		return nil, err
	}
	return c, nil
}

// Submit records a request: open, numbered, in the member's org node, with
// its files and a "submitted" line of history. A member has at most one open
// request for a copy of their data and one for deleting their account.
func (s *Service) Submit(ctx context.Context, in NewRequest) (*Request, error) {
	c, err := in.validate()
	if err != nil {
		return nil, err
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	var r *Request
	var told []int64
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		var nodePath string
		err := tx.QueryRow(ctx, "SELECT node_path FROM members WHERE id = ?"+tx.ForUpdate(), c.MemberID).Scan(&nodePath)
		if isNoRows(err) {
			return apperr.NotFoundf("会员", "member")
		}
		if err != nil {
			return err
		}
		cat, err := checkSubkind(ctx, tx, c.Kind, c.Subkind)
		if err != nil {
			return err
		}
		if err := checkOnlyOpen(ctx, tx, c.MemberID, c.Subkind); err != nil {
			return err
		}
		project, err := projectOf(ctx, tx, c.MemberID, nodePath, c.ProjectID)
		if err != nil {
			return err
		}
		sla, err := slaOf(ctx, tx, c.Kind)
		if err != nil {
			return err
		}
		routeAt := nodePath
		if project != "" {
			routeAt = project
		}
		dept, err := route(ctx, tx, routeAt, c.Kind, c.Subkind)
		if err != nil {
			return err
		}
		status := Open
		if dept != nil {
			status = Assigned
		}
		respondDue := cal.AddWorkingHours(tx.Now, time.Duration(sla.RespondHours)*time.Hour)
		due := cal.AddWorkingHours(tx.Now, time.Duration(sla.ResolveHours)*time.Hour)
		id, err := tx.InsertID(ctx, `INSERT INTO requests (member_id, node_path, project_path, kind, subkind, channel, text, status,
			department_id, respond_due_at, due_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.MemberID, nodePath, project, c.Kind, c.Subkind, c.Channel, "", status,
			dept, respondDue, due, tx.Now, tx.Now)
		if db.IsUniqueViolation(err) {
			return errAlreadyOpen(c.Subkind) // a concurrent submission won
		}
		if err != nil {
			return err
		}
		enc, err := s.Keys.Seal(c.Text, textAAD(id))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET no = ?, text_enc = ? WHERE id = ?", number(id, tx.Now), enc, id); err != nil {
			return err
		}
		if err := s.addFiles(ctx, tx, id, nil, c.files); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, "submitted", ""); err != nil {
			return err
		}
		if r, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		if dept != nil {
			if err := addEvent(ctx, tx, id, "routed", r.Department); err != nil {
				return err
			}
			if told, err = tellDepartment(ctx, tx, r, *dept); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request.submit", ObjectType: "request", ObjectID: id, NodePath: nodePath,
			Summary: "提交诉求 " + r.No + " " + cat.KindLabel(r.Kind, "") + "/" + cat.SubkindLabel(r.Kind, r.Subkind, ""), After: submitted(r)})
	})
	if err != nil {
		return nil, fmt.Errorf("submit request: %w", err)
	}
	_ = told
	return r, nil
}

// projectOf is the project path a request is about: the one named (which
// must be a project), else the member's node when it is a project, else the
// project of the member's first home, else "".
func projectOf(ctx context.Context, tx *db.Tx, memberID int64, nodePath string, projectID int64) (string, error) {
	if projectID != 0 {
		var path, kind string
		err := tx.QueryRow(ctx, "SELECT path, kind FROM org_nodes WHERE id = ?", projectID).Scan(&path, &kind)
		if isNoRows(err) || (err == nil && kind != "project") {
			return "", apperr.Field("project_id", "请选择诉求涉及的项目", "choose the project the request is about")
		}
		return path, err
	}
	var kind string
	if err := tx.QueryRow(ctx, "SELECT kind FROM org_nodes WHERE path = ?", nodePath).Scan(&kind); err != nil {
		return "", err
	}
	if kind == "project" {
		return nodePath, nil
	}
	var path string
	err := tx.QueryRow(ctx, `SELECT n.path FROM member_properties p JOIN org_nodes n ON n.id = p.project_id
		WHERE p.member_id = ? ORDER BY p.id LIMIT 1`, memberID).Scan(&path)
	if isNoRows(err) {
		return "", nil
	}
	return path, err
}

func errAlreadyOpen(k Subkind) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "subkind",
		ZH: "您已有一个未办结的“" + k.Label("") + "”申请，请等待处理结果",
		EN: "you already have an open “" + strings.ToLower(k.Label("en")) + "” request; please wait for it to be handled"}
}

func checkOnlyOpen(ctx context.Context, tx *db.Tx, memberID int64, k Subkind) error {
	if !slices.Contains(onePerMember, k) {
		return nil
	}
	n, err := tx.Count(ctx, "SELECT count(*) FROM requests WHERE member_id = ? AND subkind = ? AND status NOT IN (?, ?)",
		memberID, k, Resolved, Closed)
	if err != nil {
		return err
	}
	if n > 0 {
		return errAlreadyOpen(k)
	}
	return nil
}

// addEvent appends a line to a request's history, as the transaction's actor.
func addEvent(ctx context.Context, tx *db.Tx, requestID int64, action, note string) error {
	login := tx.Actor.Login
	if login == "" {
		login = tx.Actor.Kind
	}
	_, err := tx.Exec(ctx, `INSERT INTO request_events (request_id, at, actor_kind, actor_login, action, note) VALUES (?, ?, ?, ?, ?, ?)`,
		requestID, tx.Now, tx.Actor.Kind, login, action, note)
	return err
}

// SealLegacy seals the texts, files and file names of requests written
// before they were sealed, a batch at a time, and empties their clear columns; it
// returns how many it sealed, 0 once none is left. Safe to run twice.
func (s *Service) SealLegacy(ctx context.Context) (int, error) {
	n := 0
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, text FROM requests WHERE text_enc IS NULL AND text <> '' ORDER BY id LIMIT 500")
		if err != nil {
			return err
		}
		type legacy struct {
			id   int64
			text string
		}
		var todo []legacy
		for rows.Next() {
			var l legacy
			if err := rows.Scan(&l.id, &l.text); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, l := range todo {
			enc, err := s.Keys.Seal(l.text, textAAD(l.id))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, "UPDATE requests SET text_enc = ?, text = '' WHERE id = ?", enc, l.id); err != nil {
				return err
			}
			n++
		}
		// Files whose bytes are in clear, and files sealed before their
		// names were, whose names are in clear.
		files, err := tx.IDs(ctx, "SELECT id FROM request_files WHERE NOT sealed OR (name_enc IS NULL AND name <> '') ORDER BY id LIMIT 100")
		if err != nil {
			return err
		}
		for _, id := range files {
			var data, nameEnc []byte
			var name string
			var sealed bool
			if err := tx.QueryRow(ctx, "SELECT data, sealed, name, name_enc FROM request_files WHERE id = ?", id).Scan(&data, &sealed, &name, &nameEnc); err != nil {
				return err
			}
			if !sealed {
				if data, err = s.Keys.Seal(string(data), fileAAD(id)); err != nil {
					return err
				}
			}
			if nameEnc == nil {
				if nameEnc, err = s.Keys.Seal(name, fileNameAAD(id)); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, "UPDATE request_files SET data = ?, sealed = ?, name_enc = ?, name = '' WHERE id = ?", data, true, nameEnc, id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("seal legacy requests: %w", err)
	}
	return n, nil
}

// submitted is what the audit log keeps of a new request: no text, which
// may hold personal data and is sealed in the request.
func submitted(r *Request) map[string]any {
	m := brief(r)
	m["kind"], m["subkind"], m["channel"], m["member_id"] = r.Kind, r.Subkind, r.Channel, r.MemberID
	return m
}

func (s *Service) prepareSurvey(ctx context.Context) error {
	if s.PrepareSurvey == nil {
		return nil
	}
	return s.PrepareSurvey(ctx)
}
