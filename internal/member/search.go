package member

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/validate"
)

// Filter selects members. The query Q is read the way staff type it: a full
// mobile number, its last four digits, an ID number, a member number, pinyin
// (full or initials: zhangsan, zs) or part of a name.
type Filter struct {
	Within     []string // org paths the caller may see; nil: everywhere
	IDs        []int64  // only these members (e.g. the holder of a card); nil: any, empty: none
	MaxID      int64    // only members with an id up to this one (a batch's snapshot); 0: any
	Q          string
	Status     Status
	Tier       string
	Channel    Channel
	Tag        string
	JoinedFrom time.Time // inclusive
	JoinedTo   time.Time // exclusive
	Sort       string    // "recent" (default; a name or pinyin search puts the best matches first), "name", "member_no", "joined"
	Offset     int
	Limit      int
}

// maxRune closes a prefix range: every token starting with p sorts before p+maxRune.
const maxRune = "\U0010FFFF"

var (
	digitsOnly  = regexp.MustCompile(`^[0-9]+$`)
	lettersOnly = regexp.MustCompile(`^[a-z]+$`)
	memberNoRe  = regexp.MustCompile(`^M[0-9]{8}$`)
)

// query is the FROM … WHERE part of a member search, over members m.
type query struct {
	join        string // tables joined to m to filter it
	joinArgs    []any
	where       string
	args        []any  // joinArgs, then the WHERE's
	newestFirst string // the ORDER BY of sort "recent" that the joins' indexes give in order
	// fenced: the matches are few and found from the joins; sort them
	// rather than walk members newest first. PostgreSQL's planner, told
	// a name matches a few hundred of a million members, walks the
	// primary key backwards probing each member (0.3–1 s) unless the
	// matches are computed first.
	fenced bool
}

// where builds the SQL condition of f.
func (s *Service) where(f Filter) (query, error) {
	var conds []string
	var args []any
	add := func(c string, a ...any) { conds = append(conds, c); args = append(args, a...) }
	out := query{newestFirst: "m.id DESC"}
	// A name or pinyin search joins the names whose tokens match: the
	// engines then go from those names to their members (index
	// members_name, which carries the org path) and sort the few
	// matches, rather than walk every member newest first looking for
	// them, which a planner that misjudges IN (…) is tempted to do.
	byNames := func(names string, a ...any) {
		out.join += " JOIN (" + names + ") nt ON nt.name = m.name"
		out.fenced = true
		out.joinArgs = append(out.joinArgs, a...)
	}
	if f.Within != nil {
		// With a tag, the scope is read from the tag's rows, which carry
		// the member's org path: a range of index member_tags_tag_path.
		col := "m.node_path"
		if f.Tag != "" {
			col = "t.node_path"
		}
		c, a := db.PathsWhere(col, f.Within)
		add(c, a...)
	}
	if f.IDs != nil {
		if len(f.IDs) == 0 {
			add("1 = 0")
		} else {
			add("m.id IN (?"+strings.Repeat(", ?", len(f.IDs)-1)+")", anySlice(f.IDs)...)
		}
	}
	if f.MaxID > 0 {
		add("m.id <= ?", f.MaxID)
	}
	if q := strings.TrimSpace(validate.Halfwidth(f.Q)); q != "" {
		compact := strings.NewReplacer(" ", "", "-", "").Replace(q)
		lower := strings.ToLower(compact)
		switch {
		case memberNoRe.MatchString(strings.ToUpper(compact)):
			add("m.member_no = ?", strings.ToUpper(compact))
		case digitsOnly.MatchString(compact) && len(compact) == 4:
			add("m.mobile_last4_idx = ?", s.Keys.Last4Index(idxMobile, compact))
		case digitsOnly.MatchString(strings.TrimSuffix(strings.ToUpper(compact), "X")) && (len(compact) == 18 || len(compact) == 15):
			id, err := validate.IDNumber("q", compact)
			if err != nil {
				return query{}, err
			}
			add("m.id_idx = ?", s.Keys.Index(idxID, id.Number))
		case digitsOnly.MatchString(strings.TrimPrefix(compact, "+")):
			mobile, err := validate.Mobile("q", compact)
			if err != nil {
				return query{}, apperr.Field("q", "请输入完整手机号、手机尾号 4 位、身份证号或会员编号", "enter a full mobile number, its last 4 digits, an ID number or a member number")
			}
			add("m.mobile_idx = ?", s.Keys.Index(idxMobile, mobile))
		case lettersOnly.MatchString(lower):
			// Pinyin from any syllable on, full or initials, or a Latin name.
			// UNION, not OR: each part is a range of the token index. A
			// name ranks by its best match: the whole name on its usual
			// reading (or a Latin name) is what was typed (0), begins
			// with it (1), or matches from a later syllable or on a
			// surname's other reading (2).
			byNames("SELECT name, min(r) AS rank FROM ("+
				"SELECT name, CASE WHEN token = ? THEN 0 ELSE 1 END AS r FROM name_tokens WHERE token >= ? AND token < ?"+
				" UNION ALL SELECT name, CASE WHEN token = ? THEN 0 ELSE 1 END FROM name_tokens WHERE token >= ? AND token < ?"+
				" UNION ALL SELECT name, 2 FROM name_tokens WHERE token >= ? AND token < ?"+
				" UNION ALL SELECT name, 2 FROM name_tokens WHERE token >= ? AND token < ?"+
				" UNION ALL SELECT name, 0 FROM name_tokens WHERE token = ?) r GROUP BY name",
				"P:"+lower, "P:"+lower, "P:"+lower+maxRune, "I:"+lower, "I:"+lower, "I:"+lower+maxRune,
				"p:"+lower, "p:"+lower+maxRune, "i:"+lower, "i:"+lower+maxRune, "n:"+lower)
		default:
			// Every piece of a name up to maxNamePiece characters is a
			// token. The name itself ranks first (0), then names that
			// begin with it (1), then the others (2).
			piece := []rune(strings.ToLower(strings.ReplaceAll(q, " ", "")))
			byNames("SELECT name, CASE WHEN name = ? THEN 0 WHEN substr(name, 1, ?) = ? THEN 1 ELSE 2 END AS rank FROM name_tokens WHERE token = ?",
				q, len([]rune(q)), q, "n:"+string(piece[:min(len(piece), maxNamePiece)]))
			if len(piece) > maxNamePiece {
				add(`m.name LIKE ? ESCAPE '\'`, "%"+db.Like(q)+"%")
			}
		}
	}
	if f.Status != "" {
		add("m.status = ?", f.Status)
	}
	if f.Tier != "" {
		add("m.tier = ?", f.Tier)
	}
	if f.Channel != "" {
		add("m.channel = ?", f.Channel)
	}
	if f.Tag != "" {
		// A join, walked newest first along index (tag, member_id): the
		// page stops at the 20th holder of the tag in scope, instead of
		// probing members that lack it. A member holds a tag once.
		out.join += " JOIN member_tags t ON t.member_id = m.id"
		out.newestFirst = "t.member_id DESC"
		add("t.tag = ?", f.Tag)
	}
	if !f.JoinedFrom.IsZero() {
		add("COALESCE(m.joined_at, m.created_at) >= ?", f.JoinedFrom.UTC())
	}
	if !f.JoinedTo.IsZero() {
		add("COALESCE(m.joined_at, m.created_at) < ?", f.JoinedTo.UTC())
	}
	if len(conds) > 0 {
		out.where = " WHERE " + strings.Join(conds, " AND ")
	}
	out.args = append(out.joinArgs, args...)
	return out, nil
}

func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

var sorts = map[string]string{
	"":          "m.id DESC",
	"recent":    "m.id DESC",
	"name":      "m.name_pinyin, m.id",
	"member_no": "m.member_no, m.id",
	"joined":    "COALESCE(m.joined_at, m.created_at) DESC, m.id DESC",
}

// CountCap is the largest total List counts exactly; a larger one is
// reported as CountCap+1 ("more than CountCap").
const CountCap = 1000

// List returns a page of matching members (personal data masked) and the total.
func (s *Service) List(ctx context.Context, f Filter) ([]Member, int, error) {
	order, ok := sorts[f.Sort]
	if !ok {
		return nil, 0, apperr.Field("sort", "排序方式不正确", "unknown sort order")
	}
	q, err := s.where(f)
	if err != nil {
		return nil, 0, err
	}
	if f.Sort == "" || f.Sort == "recent" {
		order = q.newestFirst
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var out []Member
	var total int
	err = s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		// Counting a million matches costs more than the page itself; past
		// CountCap the total only says "more than CountCap".
		if total, err = tx.Count(ctx, fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM members m%s%s LIMIT %d) c", q.join, q.where, CountCap+1), q.args...); err != nil {
			return err
		}
		// The page's ids first, from members (and the filter's joins)
		// alone; the joins that only display go to those rows only.
		page := "SELECT m.id FROM members m" + q.join + q.where + " ORDER BY " + order
		if q.fenced && order == "m.id DESC" {
			page = "SELECT f.id FROM (SELECT m.id FROM members m" + q.join + q.where + tx.Fence() + ") f ORDER BY f.id DESC"
		}
		list := "SELECT " + memberColumns + memberFrom + " WHERE m.id IN (" + page + " LIMIT ? OFFSET ?) ORDER BY " + sorts[f.Sort]
		if q.fenced && (f.Sort == "" || f.Sort == "recent") {
			// A name search shows the best matches first, each rank
			// newest first; the rank is per name, so this sorts the
			// few matches on one more key and reads nothing more.
			page = "SELECT f.id, f.rank FROM (SELECT m.id, nt.rank FROM members m" + q.join + q.where + tx.Fence() + ") f ORDER BY f.rank, f.id DESC"
			list = "SELECT " + memberColumns + " FROM (" + page + " LIMIT ? OFFSET ?) p JOIN members m ON m.id = p.id" + memberJoins + " ORDER BY p.rank, m.id DESC"
		}
		rows, err := tx.Query(ctx, list, append(q.args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRow(rows)
			if err != nil {
				return err
			}
			if err := s.mask(r); err != nil {
				return err
			}
			r.Tags, r.Properties = []string{}, []Property{}
			out = append(out, r.Member)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list members: %w", err)
	}
	return out, total, nil
}
