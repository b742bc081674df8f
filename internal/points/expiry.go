package points

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/jobs"
)

// chinaTime is the club's calendar: years end at midnight in China.
var chinaTime = time.FixedZone("CST", 8*3600)

// ExpiryJobKind is the background job of the year-end run (see ExpiryJob).
const ExpiryJobKind = "points.expiry"

// MaxExpiryLines is how many lines an expiry report lists; its totals
// count every account.
const MaxExpiryLines = 200

// ExpiryPeriod is one year-end carry-over (结转): the reward points earned before
// EarnedBefore that are still unspent expire at Cutoff; the rest are
// carried over. Spending consumes the oldest points first, so what expires
// of a member's account in a region is the reward points earned before
// EarnedBefore less everything the account was ever debited (redeemed,
// adjusted down, expired at earlier year-ends), never below zero and never
// more than the balance. A reversal counts on the date of what it reverses:
// returned points keep their age.
type ExpiryPeriod struct {
	Year         int       `json:"year"`          // the year that ends
	Years        int       `json:"years"`         // the validity applied (有效期, years)
	Cutoff       time.Time `json:"cutoff"`        // 1 January of Year+1, 00:00 China time
	EarnedBefore time.Time `json:"earned_before"` // 1 January of Year-Years+1, 00:00 China time
}

// ExpiryPeriodOf is the year-end of year under a validity of years: with 1,
// points earned in 2025 expire at the end of 2026.
func ExpiryPeriodOf(year, years int) ExpiryPeriod {
	return ExpiryPeriod{Year: year, Years: years,
		Cutoff:       time.Date(year+1, 1, 1, 0, 0, 0, 0, chinaTime),
		EarnedBefore: time.Date(year-years+1, 1, 1, 0, 0, 0, 0, chinaTime)}
}

// expiryKey is the idempotency key of one account's expiry at a year-end:
// whatever runs the year-end again can never expire the account twice.
func expiryKey(year int, memberID int64, region string) string {
	return "expiry:" + strconv.Itoa(year) + ":" + itoa(memberID) + ":" + region
}

// ExpiryRun is a request to run a year-end.
type ExpiryRun struct {
	Year     int  // the year that ends; 0: the last year that has ended
	DryRun   bool // report what would expire, post nothing (试运行)
	Batch    int  // member accounts per database transaction; default 1000
	Workers  int  // batches at once on PostgreSQL, default 4; SQLite has one writer
	Progress func(done, total int64)
}

// ExpiryReport is what a run expired, or would expire on a dry run.
type ExpiryReport struct {
	ExpiryPeriod
	DryRun        bool           `json:"dry_run"`
	Scanned       int            `json:"scanned"`        // member accounts holding reward points
	Accounts      int            `json:"accounts"`       // accounts expired by this run
	Points        int64          `json:"points"`         // points expired by this run
	Already       int            `json:"already"`        // accounts expired for this year-end by earlier runs
	AlreadyPoints int64          `json:"already_points"` // and their points
	Regions       []RegionExpiry `json:"regions"`
	Lines         []ExpiryLine   `json:"lines"` // the first MaxExpiryLines, by member
	Elapsed       time.Duration  `json:"elapsed_ns"`
}

// RegionExpiry totals a report by region.
type RegionExpiry struct {
	Region   string `json:"region"`
	Name     string `json:"name"`
	Accounts int    `json:"accounts"`
	Points   int64  `json:"points"`
}

// ExpiryLine is one member account's expiry.
type ExpiryLine struct {
	MemberID      int64  `json:"member_id"`
	Region        string `json:"region"`
	Balance       int64  `json:"balance"` // before the expiry
	Amount        int64  `json:"amount"`  // points that expire
	TransactionID int64  `json:"transaction_id,omitempty"`
	accountID     int64
}

// Expire runs the year-end carry-over (年末结转) of reward points: each
// member account's unspent points older than the validity are posted to the
// club's expired account, one ledger transaction per account with the key
// expiry:<year>:<member>:<region>. Batches of accounts commit one by one,
// so a run that stops leaves whole batches done (a cancelled context lets
// the batches under way finish; a crash rolls them back); running the year
// again skips them by their keys and finishes the rest, and a finished year
// posts nothing more. A dry run reports the same
// figures and posts nothing; only dry runs may look at a year that has not
// ended. An interrupted run returns what it did with the error.
func (s *Service) Expire(ctx context.Context, run ExpiryRun) (*ExpiryReport, error) {
	start := time.Now()
	years, err := s.ExpiryYears(ctx)
	if err != nil {
		return nil, err
	}
	now := s.DB.Clock()
	if run.Year == 0 {
		run.Year = now.In(chinaTime).Year() - 1
	}
	if run.Year < 2000 || run.Year > 9000 {
		return nil, apperr.Field("year", "年份不正确", "not a valid year")
	}
	r := &ExpiryReport{ExpiryPeriod: ExpiryPeriodOf(run.Year, years), DryRun: run.DryRun, Regions: []RegionExpiry{}, Lines: []ExpiryLine{}}
	if !run.DryRun && now.Before(r.Cutoff) {
		return nil, &apperr.Error{Code: apperr.Conflict, Field: "year",
			ZH: strconv.Itoa(run.Year) + " 年尚未结束，只能试运行", EN: strconv.Itoa(run.Year) + " has not ended yet: only a dry run is possible"}
	}
	if years == 0 {
		return r, nil // points never expire
	}
	ids, err := s.expiryCandidates(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("expire points: %w", err)
	}
	err = s.expireAll(ctx, run, r, ids)
	r.Elapsed = time.Since(start)
	if err == nil && !run.DryRun {
		err = s.auditExpiry(ctx, r)
	}
	if err != nil {
		return r, fmt.Errorf("expire points %d: %w", run.Year, err)
	}
	return r, nil
}

// expireAll runs batches of ids, in id order, on workers and totals them
// into r. Each worker credits its own shard of the club's expired account,
// so that concurrent batches never wait for each other.
func (s *Service) expireAll(ctx context.Context, run ExpiryRun, r *ExpiryReport, ids []int64) error {
	size, workers := run.Batch, run.Workers
	if size <= 0 {
		size = 1000
	}
	if workers <= 0 {
		workers = 4
	}
	if s.DB.Dialect() == db.SQLite {
		workers = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		firstErr error
		done     atomic.Int64
		wg       sync.WaitGroup
		regions  = map[string]*RegionExpiry{}
	)
	batches := make(chan []int64)
	go func() {
		defer close(batches)
		for i := 0; i < len(ids); i += size {
			select {
			case batches <- ids[i:min(i+size, len(ids))]:
			case <-ctx.Done():
				return
			}
		}
	}()
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				if ctx.Err() != nil {
					continue // stopped: leave the rest for the next run
				}
				// A batch under way finishes even when the run is
				// stopped: its commit is never cut off halfway, so the
				// report counts exactly what the ledger holds.
				lines, err := s.expireBatch(context.WithoutCancel(ctx), r.ExpiryPeriod, b, w%Shards, run.DryRun)
				mu.Lock()
				if err != nil {
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					cancel()
					return
				}
				r.add(lines, regions)
				n := done.Add(int64(len(b)))
				if run.Progress != nil {
					run.Progress(n, int64(len(ids)))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	r.finish(regions)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	if firstErr != nil {
		return firstErr
	}
	return s.nameRegions(ctx, r)
}

// add counts a batch's lines into the report.
func (r *ExpiryReport) add(lines []ExpiryLine, regions map[string]*RegionExpiry) {
	for _, l := range lines {
		r.Accounts++
		r.Points += l.Amount
		g := regions[l.Region]
		if g == nil {
			g = &RegionExpiry{Region: l.Region}
			regions[l.Region] = g
		}
		g.Accounts++
		g.Points += l.Amount
	}
	r.Lines = append(r.Lines, lines...)
	if len(r.Lines) > 4*MaxExpiryLines {
		r.sortLines()
	}
}

func (r *ExpiryReport) sortLines() {
	sort.Slice(r.Lines, func(i, j int) bool {
		a, b := r.Lines[i], r.Lines[j]
		return a.MemberID < b.MemberID || a.MemberID == b.MemberID && a.Region < b.Region
	})
	r.Lines = r.Lines[:min(len(r.Lines), MaxExpiryLines)]
}

func (r *ExpiryReport) finish(regions map[string]*RegionExpiry) {
	r.sortLines()
	for _, g := range regions {
		r.Regions = append(r.Regions, *g)
	}
	sort.Slice(r.Regions, func(i, j int) bool { return r.Regions[i].Region < r.Regions[j].Region })
}

// expireBatch expires what is due on the accounts ids in one database
// transaction, or only reads it on a dry run. A batch that meets another
// run of the same year-end is tried again, without what that run did.
func (s *Service) expireBatch(ctx context.Context, p ExpiryPeriod, ids []int64, shard int, dry bool) ([]ExpiryLine, error) {
	var lines []ExpiryLine
	fn := func(tx *db.Tx) (err error) {
		if tx.Dialect() == db.Postgres {
			// The probes per account add up to a cost that turns on JIT
			// compiling, which takes longer than the batch's queries.
			if _, err := tx.Exec(ctx, "SET LOCAL jit = off"); err != nil {
				return err
			}
		}
		if lines, err = dueOn(ctx, tx, p, ids, !dry); err != nil || dry || len(lines) == 0 {
			return err
		}
		if err := postExpiries(ctx, tx, p, lines, shard); err != nil {
			return err
		}
		return auditExpiryBatch(ctx, tx, p, lines)
	}
	if dry {
		return lines, s.DB.View(ctx, fn)
	}
	var err error
	for range 3 {
		if err = s.DB.Update(ctx, fn); !errors.Is(err, errExpiryRace) {
			break
		}
	}
	return lines, err
}

// auditExpiryBatch records the accounts a batch expired, in the batch's
// transaction: a run stopped part way (or killed) leaves an entry for
// exactly what it expired.
func auditExpiryBatch(ctx context.Context, tx *db.Tx, p ExpiryPeriod, lines []ExpiryLine) error {
	var points int64
	for _, l := range lines {
		points += l.Amount
	}
	return audit.Record(ctx, tx, audit.Change{Action: "points.expire.batch", ObjectType: "expiry", ObjectID: p.Year, NodePath: settingsPath,
		Summary: fmt.Sprintf("%d 年末奖励积分结转（一批）：%d 个账户过期 %d 分", p.Year, len(lines), points),
		After:   map[string]any{"period": p, "accounts": len(lines), "points": points, "lines": lines}})
}

// auditExpiry records a finished run in the audit log; each batch has
// recorded its accounts (auditExpiryBatch).
func (s *Service) auditExpiry(ctx context.Context, r *ExpiryReport) error {
	return s.DB.Update(ctx, func(tx *db.Tx) error {
		return audit.Record(ctx, tx, audit.Change{Action: "points.expire", ObjectType: "expiry", ObjectID: r.Year, NodePath: settingsPath,
			Summary: fmt.Sprintf("%d 年末奖励积分结转：%d 个账户过期 %d 分", r.Year, r.Accounts, r.Points),
			After: map[string]any{"period": r.ExpiryPeriod, "accounts": r.Accounts, "points": r.Points, "already": r.Already,
				"already_points": r.AlreadyPoints, "regions": r.Regions}})
	})
}

// ExpiryJob runs Expire as a background job of kind ExpiryJobKind, with
// parameters {"year": 2026, "dry_run": false}; the summary is the report.
// A job the runner starts again after a crash resumes the year: the keys
// skip what the first attempt expired.
func (s *Service) ExpiryJob() jobs.Handler {
	return func(ctx context.Context, j *jobs.Job, _ []byte, progress func(done, total int64)) (*jobs.Result, error) {
		var p struct {
			Year   int  `json:"year"`
			DryRun bool `json:"dry_run"`
		}
		if err := json.Unmarshal([]byte(j.Params), &p); err != nil {
			return nil, apperr.Field("params", "任务参数不正确", "invalid job parameters")
		}
		r, err := s.Expire(ctx, ExpiryRun{Year: p.Year, DryRun: p.DryRun, Progress: progress})
		if err != nil {
			return nil, err
		}
		b, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		return &jobs.Result{Summary: string(b)}, nil
	}
}
