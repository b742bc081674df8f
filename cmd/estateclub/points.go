package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"estateclub/internal/bench"
	"estateclub/internal/db"
	"estateclub/internal/points"
)

func pointsCmd(cfg *config) *cobra.Command {
	cmd := &cobra.Command{Use: "points", Short: "the points ledger (积分账本)"}
	verify := &cobra.Command{
		Use:   "verify",
		Short: "check every balance and every club account against the postings (对账); exits 1 on any difference",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			return verifyPoints(cmd.Context(), cmd.OutOrStdout(), &points.Service{DB: d})
		},
	}
	rebuild := &cobra.Command{
		Use:   "report-rebuild",
		Short: "rebuild the plan effectiveness report's rollup (积分计划效用分析) from the postings",
		Long: "Empties point_report_days and sums every member posting into it again, up to the postings committed now.\n" +
			"The rollup is derived data: the report is right without it (it adds the postings after the rollup's mark live,\n" +
			"and the server folds them in every 10 minutes); rebuild after restoring an old backup or changing the club's zone.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			start := time.Now()
			r, err := (&points.Service{DB: d}).RebuildReport(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "report rollup rebuilt: %d member postings up to posting %d in %.1f s\n", r.Postings, r.Mark, time.Since(start).Seconds())
			return nil
		},
	}
	var clients, postings, members, plans int
	var kind, dsn string
	awards := &cobra.Command{
		Use:   "bench",
		Short: "measure postings/s of single awards from concurrent clients on a fresh database",
		Long: "Fills a fresh database — a temporary SQLite file unless --db names an empty PostgreSQL database or schema —\n" +
			"with approved members, posts --postings single awards from --clients concurrent clients, each with its own\n" +
			"idempotency key, every one against the same point plan unless --plans says otherwise, and prints postings/s,\n" +
			"latency and the result of verify.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			k := points.Kind(kind)
			if k != points.Reward && k != points.Upgrade {
				return fmt.Errorf("--kind must be reward or upgrade, not %q", kind)
			}
			if clients < 1 || postings < 1 || members < 1 {
				return fmt.Errorf("--clients, --postings and --members must be at least 1")
			}
			return benchPoints(cmd.Context(), cmd.OutOrStdout(), dsn, clients, postings, members, plans, k)
		},
	}
	awards.Flags().IntVar(&clients, "clients", 8, "concurrent clients")
	awards.Flags().IntVar(&postings, "postings", 20_000, "awards to post")
	awards.Flags().IntVar(&members, "members", 1000, "members to award")
	awards.Flags().IntVar(&plans, "plans", 1, "point plans the awards are spread over (1: all share one)")
	awards.Flags().StringVar(&kind, "kind", "reward", "reward, or upgrade (each award also evaluates the member's tier)")
	awards.Flags().StringVar(&dsn, "db", "", "an EMPTY database to fill (postgres://…); default a temporary SQLite file")
	var year int
	var dry bool
	expire := &cobra.Command{
		Use:   "expire",
		Short: "expire last year's unspent reward points (结转); --dry-run only reports; safe to run again",
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := cfg.open(cmd.Context())
			if err != nil {
				return err
			}
			defer d.Close()
			ctx := db.WithActor(cmd.Context(), cliActor())
			rep, err := (&points.Service{DB: d}).Expire(ctx, points.ExpiryRun{Year: year, DryRun: dry})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			what := "expired"
			if rep.DryRun {
				what = "would expire"
			}
			fmt.Fprintf(w, "%s %d points in %d accounts (%d accounts with reward points scanned; %d accounts, %d points expired by earlier runs)\n",
				what, rep.Points, rep.Accounts, rep.Scanned, rep.Already, rep.AlreadyPoints)
			for _, r := range rep.Regions {
				fmt.Fprintf(w, "  %s\t%d accounts\t%d points\n", r.Name, r.Accounts, r.Points)
			}
			return nil
		},
	}
	expire.Flags().IntVar(&year, "year", 0, "the year that ends (default: the last year that has ended)")
	expire.Flags().BoolVar(&dry, "dry-run", false, "report what would expire; post nothing")
	cmd.AddCommand(verify, awards, expire, rebuild)
	return cmd
}

// verifyPoints prints what Verify checked and every difference; any
// difference is an error, so the command exits 1.
func verifyPoints(ctx context.Context, w io.Writer, svc *points.Service) error {
	r, err := svc.Verify(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "checked %d member accounts, %d club accounts (%d shards), %d transactions, %d postings\n",
		r.MemberAccounts, r.ClubAccounts, r.Shards, r.Transactions, r.Postings)
	for _, m := range r.Mismatches {
		fmt.Fprintln(w, "MISMATCH", m)
	}
	if !r.OK() {
		return fmt.Errorf("points verify: %d differences between balances and postings", len(r.Mismatches))
	}
	fmt.Fprintln(w, "ok: every balance equals its postings")
	return nil
}

func benchPoints(ctx context.Context, w io.Writer, dsn string, clients, postings, members, plans int, kind points.Kind) error {
	if dsn == "" {
		dir, err := os.MkdirTemp("", "estateclub-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "bench.db")
	}
	d, err := db.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Migrate(ctx); err != nil {
		return err
	}
	var n int
	_ = d.View(ctx, func(tx *db.Tx) (err error) { n, err = tx.Count(ctx, "SELECT count(*) FROM members"); return err })
	if n > 0 {
		return fmt.Errorf("the database already holds %d members: bench needs an empty one", n)
	}
	ctx = db.WithActor(ctx, db.Actor{Kind: "system", Login: "bench"})
	msvc, ids, err := bench.PointsMembers(ctx, d, members)
	if err != nil {
		return err
	}
	svc := &points.Service{DB: d, Members: msvc}
	fmt.Fprintf(w, "engine %s, %d members, %d clients, %d %s awards over %d plan(s)\n", d.Dialect(), len(ids), clients, postings, kind, max(plans, 1))
	res, err := bench.Awards(ctx, svc, ids, clients, postings, plans, kind)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "awards: %d in %.1f s = %.0f postings/s; latency %s\n", res.Postings, res.Elapsed.Seconds(), res.PerSec(), res.Latency)
	return verifyPoints(ctx, w, svc)
}
