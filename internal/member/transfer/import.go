package transfer

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/member"
	"estateclub/internal/org"
	"estateclub/internal/validate"
)

// Options tunes an import.
type Options struct {
	// OrgCode is the org node (city company or project) rows join at when
	// they name no project; a project column may name any node below it.
	OrgCode string
	// DefaultMembers imports the rows as default members (默认会员: a
	// mobile number, no benefits yet) instead of membership applications.
	DefaultMembers bool
	// BatchSize is the number of rows per transaction; 0 means 1000.
	BatchSize int
	// Progress, if set, is called with the rows done so far after each
	// batch, and once with 0 at the start.
	Progress func(done, total int)
	// JobID is the background job running the import, if any: the
	// conflicts it leaves are listed under it.
	JobID int64
}

// Report is what an import did.
type Report struct {
	File       string
	Rows       int // non-empty rows below the header
	Created    int // new members
	Merged     int // rows that merged into an existing member (or an earlier row)
	Conflicted int // rows that disagreed with the member who has their mobile, left for a supervisor
	Failed     int
	Failures   []RowError // in row order
	Conflicts  []RowError // in row order; Column is empty, the reason names the fields
}

// RowError is why one row was not imported; the row changed nothing.
type RowError struct {
	Row    int    // the row number in the spreadsheet
	Column string // the column's header as written in the file; "" for the row as a whole
	Field  Field  // the field at fault, if any
	ZH, EN string // the reason
	Cells  []string
}

// Message is the error as shown in the error report's 错误原因 column:
// the column and the reason, in Chinese with the English after it.
func (e RowError) Message() string {
	en := e.Column
	if e.Field != "" {
		en = e.Field.Header("en")
	}
	if e.Column == "" {
		return e.ZH + "（" + e.EN + "）"
	}
	return e.Column + "：" + e.ZH + "（" + en + ": " + e.EN + "）"
}

// pending is a row converted to an application, waiting for its batch.
type pending struct {
	row Row
	app member.Application
}

// Import reads the sheet's rows into members, BatchSize rows per
// transaction (member.Service.WriteBatch), preparing each batch while
// those before it are written (two at a time on PostgreSQL). Each row is all or nothing; a
// row whose mobile is already known merges into that member, so importing
// the same file again creates nobody, and a re-run after an interrupted
// import completes it. A fatal error (unknown org, unreadable file,
// database down, ctx cancelled) returns the report so far with the error.
func Import(ctx context.Context, svc *member.Service, s *Sheet, o Options) (*Report, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	sc, err := loadScope(ctx, &org.Service{DB: svc.DB}, o.OrgCode)
	if err != nil {
		return nil, err
	}
	total, err := s.Count()
	if err != nil {
		return nil, err
	}
	rep := &Report{File: s.File, Rows: total}
	progress := func(done int) {
		if o.Progress != nil {
			o.Progress(done, total)
		}
	}
	progress(0)
	// Reading, checking and preparing (validation, encryption, pinyin) of
	// the next batch run beside the writing of the current one: on
	// PostgreSQL the server writes while this process prepares, on SQLite
	// the writer has a core to itself.
	// On PostgreSQL two batches are written at once, each by its own
	// server process; SQLite has one writer.
	writers := 1
	if svc.DB.Dialect() == db.Postgres {
		writers = 2
	}
	g, gctx := errgroup.WithContext(ctx)
	batches := make(chan *chunk, writers)
	g.Go(func() error {
		defer close(batches)
		c := &chunk{}
		send := func() error {
			if len(c.rows) > 0 {
				c.prep = svc.PrepareBatch(c.apps(), member.BatchOptions{Application: !o.DefaultMembers, Source: "import", NodePath: sc.root.Path,
					Summary: fmt.Sprintf("导入 %s 第 %d–%d 行", s.File, c.rows[0].row.Num, c.rows[len(c.rows)-1].row.Num),
					Job:     o.JobID, File: s.File, Rows: c.nums()})
			}
			select {
			case batches <- c:
			case <-gctx.Done():
				return gctx.Err()
			}
			c = &chunk{}
			return nil
		}
		err := s.Each(func(r Row) error {
			c.read++
			app, rerr := s.application(r, sc)
			if rerr != nil {
				c.bad = append(c.bad, badRow{r, rerr})
			} else {
				c.rows = append(c.rows, pending{r, app})
			}
			if len(c.rows) >= o.BatchSize {
				return send()
			}
			return nil
		})
		if err != nil {
			return err
		}
		return send()
	})
	var mu sync.Mutex // guards rep and done
	done := 0
	for range writers {
		g.Go(func() error {
			for c := range batches {
				if err := gctx.Err(); err != nil {
					return err
				}
				var res []member.RowResult
				if c.prep != nil {
					// A batch under way is finished, not cut: cancelling
					// stops the import between batches.
					var err error
					if res, err = svc.WriteBatch(context.WithoutCancel(gctx), c.prep); err != nil {
						return err
					}
				}
				mu.Lock()
				for _, b := range c.bad {
					rep.fail(s, b.row, b.err)
				}
				rep.add(s, c.rows, res)
				done += c.read
				progress(done)
				mu.Unlock()
			}
			return nil
		})
	}
	err = g.Wait()
	slices.SortStableFunc(rep.Failures, func(a, b RowError) int { return cmp.Compare(a.Row, b.Row) })
	slices.SortStableFunc(rep.Conflicts, func(a, b RowError) int { return cmp.Compare(a.Row, b.Row) })
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", s.File, err)
	}
	return rep, nil
}

// chunk is a batch of rows on its way from the reader to a writer: the
// rows that became applications (prepared), those that could not, and how
// many rows of the sheet it covers.
type chunk struct {
	rows []pending
	bad  []badRow
	prep *member.PreparedBatch
	read int
}

type badRow struct {
	row Row
	err *apperr.Error
}

func (c *chunk) apps() []member.Application {
	apps := make([]member.Application, len(c.rows))
	for i, p := range c.rows {
		apps[i] = p.app
	}
	return apps
}

// nums are the rows' numbers in the sheet.
func (c *chunk) nums() []int {
	nums := make([]int, len(c.rows))
	for i, p := range c.rows {
		nums[i] = p.row.Num
	}
	return nums
}

// add counts what the member service did with a batch's rows.
func (rep *Report) add(s *Sheet, batch []pending, res []member.RowResult) {
	for i, r := range res {
		switch {
		case r.Err != nil:
			rep.fail(s, batch[i].row, r.Err)
		case r.Outcome == member.Created:
			rep.Created++
		case r.Outcome == member.Conflicted:
			rep.conflict(s, batch[i].row, r.Conflict)
		default:
			rep.Merged++
		}
	}
}

// fail records a failed row, naming the column by the sheet's own header.
func (rep *Report) fail(s *Sheet, r Row, e *apperr.Error) {
	f := Field(e.Field)
	switch e.Field {
	case "org":
		f = Project
	case "":
	default:
		if _, known := columns[f]; !known {
			f = ""
		}
	}
	col := e.Field
	if f != "" {
		col = s.header(f)
	}
	rep.Failed++
	rep.Failures = append(rep.Failures, RowError{Row: r.Num, Column: col, Field: f, ZH: e.ZH, EN: e.EN, Cells: r.Cells})
}

// header is the sheet's own header of a field's column.
func (s *Sheet) header(f Field) string {
	if i, ok := s.Columns[f]; ok && i < len(s.Header) && s.Header[i] != "" {
		return s.Header[i]
	}
	return f.Header("zh")
}

// application turns a row into an application, or says which cell is wrong
// before the member service sees it (project, channel, home).
func (s *Sheet) application(r Row, sc *scope) (member.Application, *apperr.Error) {
	get := func(f Field) string {
		if i, ok := s.Columns[f]; ok {
			return strings.TrimSpace(r.Cell(i))
		}
		return ""
	}
	// The mobile is checked again by the member service; checking it first
	// here reports the row's most basic fault before the project's.
	if _, err := validate.Mobile(string(Mobile), get(Mobile)); err != nil {
		return member.Application{}, apperr.As(err)
	}
	node, err := sc.node(get(Project))
	if err != nil {
		return member.Application{}, err
	}
	ch, ok := parseChannel(get(Channel))
	if !ok {
		return member.Application{}, apperr.Field(string(Channel), "无法识别的入会渠道“"+get(Channel)+"”，可填 销售现场、购房、客服中心、网上入会、商家联盟、社会招募",
			"unknown channel “"+get(Channel)+"”; use sales site, purchase, service centre, online, merchant or public")
	}
	a := member.Application{NodeCode: node.Code, Channel: ch, Name: get(Name), Gender: get(Gender), Mobile: get(Mobile),
		IDNumber: get(IDNumber), Birthday: get(Birthday), Address: get(Address), Email: get(Email), WeChat: get(WeChat),
		Occupation: get(Occupation)}
	a.Tags = splitTags(get(Tags))
	building, unit := get(Building), get(Unit)
	switch {
	case building != "" && unit == "":
		return a, apperr.Field(string(Unit), "填写了楼栋，请同时填写房号", "a building needs a unit")
	case unit != "" && building == "":
		return a, apperr.Field(string(Building), "填写了房号，请同时填写楼栋", "a unit needs a building")
	case building != "":
		a.Properties = []member.PropertyInput{{ProjectCode: node.Code, Building: building, Unit: unit}}
	}
	return a, nil
}

// scope is the part of the org tree an import may put members in.
type scope struct {
	root   *org.Node
	byCode map[string]*org.Node
	byName map[string][]*org.Node
}

func loadScope(ctx context.Context, orgs *org.Service, code string) (*scope, error) {
	if strings.TrimSpace(code) == "" {
		return nil, apperr.Field("org", "请指定导入到哪个组织", "choose the org to import into")
	}
	root, err := orgs.ByCode(ctx, code)
	if apperr.Is(err, apperr.NotFound) {
		return nil, apperr.Field("org", "组织 "+code+" 不存在", "org node "+code+" does not exist")
	}
	if err != nil {
		return nil, err
	}
	nodes, _, err := orgs.List(ctx, org.Filter{Within: []string{root.Path}})
	if err != nil {
		return nil, err
	}
	sc := &scope{root: root, byCode: map[string]*org.Node{}, byName: map[string][]*org.Node{}}
	for i := range nodes {
		n := &nodes[i]
		sc.byCode[n.Code] = n
		sc.byName[nameKey(n.Name)] = append(sc.byName[nameKey(n.Name)], n)
	}
	return sc, nil
}

func nameKey(s string) string { return strings.Join(strings.Fields(validate.Halfwidth(s)), "") }

// node finds the node a project cell names, by code or by name; an empty
// cell is the import's own node.
func (sc *scope) node(cell string) (*org.Node, *apperr.Error) {
	if cell == "" {
		return sc.root, nil
	}
	if n, ok := sc.byCode[org.NormalizeCode(validate.Halfwidth(cell))]; ok {
		return n, nil
	}
	switch ns := sc.byName[nameKey(cell)]; len(ns) {
	case 1:
		return ns[0], nil
	case 0:
		return nil, apperr.Field(string(Project), "项目“"+cell+"”不在 "+sc.root.Name+"（"+sc.root.Code+"）之下",
			"project “"+cell+"” is not under "+sc.root.Code)
	default:
		return nil, apperr.Field(string(Project), "有多个名为“"+cell+"”的项目，请填写项目代码",
			"several projects are called “"+cell+"”; use the project code")
	}
}

// splitTags splits an interests cell the way the member service does and
// sorts the tags as the database returns them. The service compares a
// member's stored tags with the new ones in order, so unsorted tags would
// record a change on every re-import of the same row.
func splitTags(cell string) []string {
	var tags []string
	for _, t := range strings.FieldsFunc(validate.Halfwidth(cell), func(r rune) bool { return strings.ContainsRune(",，;；、/ ", r) }) {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	return tags
}
